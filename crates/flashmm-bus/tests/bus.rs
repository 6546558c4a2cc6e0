//! Behaviour tests written once against the `Bus` trait and run on both transports:
//! `MemoryBus` and `RedisBus` on the Redis at `REDIS_URL`.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use flashmm_bus::{
    Bus, BusError, Consumer, ConsumerConfig, EntryId, Envelope, Namespace, Payload, Range,
    RawFields, StreamName, ACK_DELAY,
};
use flashmm_core::time::UnixNanos;

use common::{tick, tick_envelope, Other, Tick};

fn fields_of(delivery_fields: &RawFields) -> std::collections::HashMap<&str, &[u8]> {
    delivery_fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_slice()))
        .collect()
}

fn fast_config(name: &str) -> ConsumerConfig {
    ConsumerConfig {
        block: Duration::from_millis(100),
        min_idle: Duration::from_millis(100),
        claim_every: Duration::from_millis(50),
        batch: 16,
        ..ConsumerConfig::new("workers", name)
    }
}

async fn drain<B: Bus>(consumer: &mut Consumer<Tick, B>, want: usize) -> Vec<EntryId> {
    let mut ids = Vec::new();
    for _ in 0..50 {
        if ids.len() >= want {
            break;
        }
        let batch = consumer.next_batch().await.expect("next_batch");
        ids.extend(batch.into_iter().map(|r| r.id));
    }
    ids
}

async fn envelope_round_trip<B: Bus>(bus: B, ns: Namespace) {
    let stream = ns.md("SEI-USDC").unwrap();
    let sent = tick_envelope(7);
    let id = bus.publish(&stream, &sent).await.unwrap();
    let got = bus.range(&stream, Range::Oldest(10)).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].id, id);
    let Payload::Envelope(envelope) = &got[0].payload else {
        panic!("not an envelope: {:?}", got[0].payload)
    };
    assert_eq!(envelope, &sent);
    assert_eq!(envelope.kind, "test_tick");
    assert_eq!(envelope.mkt, "SEI-USDC");
    assert_eq!(envelope.ts, UnixNanos(2_007));
    assert_eq!(envelope.origin_ts, UnixNanos(1_007));
    assert_eq!(envelope.decode::<Tick>().unwrap(), tick(7));

    let global = Envelope::new("", UnixNanos(1), UnixNanos(1), &Other { x: 3 }).unwrap();
    bus.publish(&ns.risk(), &global).await.unwrap();
    let got = bus.range(&ns.risk(), Range::Newest(1)).await.unwrap();
    assert_eq!(got[0].payload, Payload::Envelope(global));
}

async fn publish_consume_ack<B: Bus + Clone>(bus: B, ns: Namespace) {
    let stream = ns.feat("SEI-USDC").unwrap();
    let mut consumer = Consumer::<Tick, B>::start(bus.clone(), stream.clone(), fast_config("a"))
        .await
        .unwrap();
    let batch: Vec<Envelope> = (0..5).map(tick_envelope).collect();
    let ids = bus.publish_batch(&stream, &batch, None).await.unwrap();
    assert_eq!(ids.len(), 5);

    let mut received = Vec::new();
    while received.len() < 5 {
        let got = consumer.next_batch().await.unwrap();
        assert!(!got.is_empty(), "entries published but not read");
        received.extend(got);
    }
    let seqs: Vec<u64> = received.iter().map(|r| r.msg.seq).collect();
    assert_eq!(seqs, vec![0, 1, 2, 3, 4]);
    assert_eq!(
        received.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        ids
    );
    assert_eq!(received[2].meta.origin_ts, UnixNanos(1_002));
    assert_eq!(received[2].meta.mkt, "SEI-USDC");
    assert_eq!(bus.pending_count(&stream, "workers").await.unwrap(), 5);

    assert_eq!(consumer.ack(&ids).await.unwrap(), 5);
    assert_eq!(bus.pending_count(&stream, "workers").await.unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(consumer.next_batch().await.unwrap().is_empty());
    assert!(consumer.next_batch().await.unwrap().is_empty());
}

async fn dead_consumer_is_taken_over<B: Bus + Clone>(bus: B, ns: Namespace) {
    let stream = ns.pred("SEI-USDC").unwrap();
    let batch: Vec<Envelope> = (0..10).map(tick_envelope).collect();
    let published = bus.publish_batch(&stream, &batch, None).await.unwrap();

    let mut first = Consumer::<Tick, B>::start(bus.clone(), stream.clone(), fast_config("first"))
        .await
        .unwrap();
    let read = drain(&mut first, 10).await;
    assert_eq!(read, published);
    first.ack(&read[..3]).await.unwrap();
    drop(first); // dies with seven entries unacked

    tokio::time::sleep(Duration::from_millis(150)).await;
    let mut second = Consumer::<Tick, B>::start(bus.clone(), stream.clone(), fast_config("second"))
        .await
        .unwrap();
    let taken = second.next_batch().await.unwrap();
    let taken_ids: Vec<EntryId> = taken.iter().map(|r| r.id.clone()).collect();
    assert_eq!(
        taken_ids,
        published[3..].to_vec(),
        "the unacked entries are redelivered"
    );
    assert_eq!(taken[0].msg, tick(3));
    second.ack(&taken_ids).await.unwrap();
    assert_eq!(bus.pending_count(&stream, "workers").await.unwrap(), 0);

    let more = bus
        .publish_batch(&stream, &[tick_envelope(10), tick_envelope(11)], None)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let mut seen: BTreeSet<EntryId> = BTreeSet::new();
    for _ in 0..5 {
        for r in second.next_batch().await.unwrap() {
            assert!(seen.insert(r.id.clone()), "processed twice: {}", r.id);
            assert!(more.contains(&r.id), "an acked entry came back: {}", r.id);
            second.ack(&[r.id]).await.unwrap();
        }
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), more);
    assert_eq!(bus.pending_count(&stream, "workers").await.unwrap(), 0);
}

async fn bad_entries_go_to_the_dlq<B: Bus + Clone>(bus: B, ns: Namespace) {
    let stream = ns.md("SEI-USDC").unwrap();
    let good = tick_envelope(1);
    let mut garbage = tick_envelope(2);
    garbage.body = vec![0xc1, 0xff, 0x00];
    let mut newer = tick_envelope(3);
    newer.v = 9;
    let other = Envelope::new("SEI-USDC", UnixNanos(1), UnixNanos(1), &Other { x: 1 }).unwrap();
    let mut missing = tick_envelope(4).to_fields();
    missing.retain(|(name, _)| name != "origin_ts");

    let good_id = bus.publish(&stream, &good).await.unwrap();
    let garbage_id = bus.publish(&stream, &garbage).await.unwrap();
    let newer_id = bus.publish(&stream, &newer).await.unwrap();
    let other_id = bus.publish(&stream, &other).await.unwrap();
    let missing_id = bus.publish_raw(&stream, &missing).await.unwrap();

    let mut consumer = Consumer::<Tick, B>::start(bus.clone(), stream.clone(), fast_config("c"))
        .await
        .unwrap();
    let got = consumer.next_batch().await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].id, good_id);
    assert_eq!(got[0].msg, tick(1));
    assert_eq!(
        bus.pending_count(&stream, "workers").await.unwrap(),
        1,
        "bad entries are acked, the good one waits for the caller"
    );
    consumer.ack(&[good_id]).await.unwrap();
    assert_eq!(bus.pending_count(&stream, "workers").await.unwrap(), 0);

    let dlq = bus.range(&ns.dlq(), Range::Oldest(10)).await.unwrap();
    assert_eq!(dlq.len(), 4);
    let expect = [
        (garbage_id, "bad_body", &garbage.to_fields()),
        (newer_id, "unknown_version", &newer.to_fields()),
        (other_id, "wrong_type", &other.to_fields()),
        (missing_id, "malformed_fields", &missing),
    ];
    for (entry, (id, label, original)) in dlq.iter().zip(expect.iter()) {
        let Payload::Malformed { fields, .. } = &entry.payload else {
            panic!("a dlq entry is not an envelope")
        };
        let map = fields_of(fields);
        assert_eq!(map["source"], stream.as_str().as_bytes());
        assert_eq!(map["id"], id.as_str().as_bytes());
        let reason = String::from_utf8_lossy(map["reason"]);
        assert!(
            reason.starts_with(label),
            "{reason} should start with {label}"
        );
        for (name, value) in original.iter() {
            assert_eq!(map[format!("orig.{name}").as_str()], value.as_slice());
        }
    }
}

async fn trim_bounds_the_stream<B: Bus>(bus: B, ns: Namespace) {
    let stream = ns.md("TRIM").unwrap();
    let batch: Vec<Envelope> = (0..1000).map(tick_envelope).collect();
    // A batch longer than one append call of the Redis transport: every id, in order.
    let ids = bus.publish_batch(&stream, &batch, None).await.unwrap();
    assert_eq!(bus.len(&stream).await.unwrap(), 1000);
    let stored = bus.range(&stream, Range::Oldest(1000)).await.unwrap();
    assert_eq!(stored.iter().map(|d| d.id.clone()).collect::<Vec<_>>(), ids);
    for (i, d) in stored.iter().enumerate() {
        let Payload::Envelope(e) = &d.payload else {
            panic!("entry {i} not an envelope")
        };
        assert_eq!(e.decode::<Tick>().unwrap().seq, i as u64);
    }
    let removed = bus.trim(&stream, 50).await.unwrap();
    let left = bus.len(&stream).await.unwrap();
    assert_eq!(removed + left, 1000);
    assert!((50..=200).contains(&left), "{left} left after MAXLEN ~ 50");
    let newest = bus.range(&stream, Range::Newest(1)).await.unwrap();
    let Payload::Envelope(last) = &newest[0].payload else {
        panic!("not an envelope")
    };
    assert_eq!(
        last.decode::<Tick>().unwrap().seq,
        999,
        "trimming keeps the newest"
    );

    let capped = ns.md("CAPPED").unwrap();
    for chunk in batch.chunks(100) {
        bus.publish_batch(&capped, chunk, Some(20)).await.unwrap();
    }
    let left = bus.len(&capped).await.unwrap();
    assert!(
        (20..=200).contains(&left),
        "{left} left after capped publishes"
    );
}

async fn trimmed_pending_entries_are_reported<B: Bus + Clone>(bus: B, ns: Namespace) {
    let stream = ns.md("LOST").unwrap();
    let batch: Vec<Envelope> = (0..5).map(tick_envelope).collect();
    let published = bus.publish_batch(&stream, &batch, None).await.unwrap();
    let mut first = Consumer::<Tick, B>::start(bus.clone(), stream.clone(), fast_config("first"))
        .await
        .unwrap();
    assert_eq!(drain(&mut first, 5).await, published);
    drop(first);
    bus.trim(&stream, 0).await.unwrap();
    assert_eq!(bus.len(&stream).await.unwrap(), 0);

    tokio::time::sleep(Duration::from_millis(150)).await;
    let mut second = Consumer::<Tick, B>::start(bus.clone(), stream.clone(), fast_config("second"))
        .await
        .unwrap();
    assert!(second.next_batch().await.unwrap().is_empty());
    assert_eq!(bus.pending_count(&stream, "workers").await.unwrap(), 0);
    let dlq = bus.range(&ns.dlq(), Range::Oldest(10)).await.unwrap();
    let ids: Vec<Vec<u8>> = dlq
        .iter()
        .map(|entry| fields_of(&entry.payload.raw_fields())["id"].to_vec())
        .collect();
    let expected: Vec<Vec<u8>> = published
        .iter()
        .map(|id| id.as_str().as_bytes().to_vec())
        .collect();
    assert_eq!(ids, expected, "every lost entry is on record in the dlq");
}

async fn groups_ranges_and_state<B: Bus>(bus: B, ns: Namespace) {
    let stream = ns.orders("SEI-USDC").unwrap();
    let missing = bus
        .read_group(&stream, "nobody", "x", 10, Duration::ZERO)
        .await;
    assert!(
        matches!(missing, Err(BusError::NoGroup { .. })),
        "{missing:?}"
    );
    bus.ensure_group(&stream, "g").await.unwrap();
    bus.ensure_group(&stream, "g").await.unwrap();
    assert_eq!(bus.len(&stream).await.unwrap(), 0, "MKSTREAM created it");

    let ids = bus
        .publish_batch(
            &stream,
            &(0..4).map(tick_envelope).collect::<Vec<_>>(),
            None,
        )
        .await
        .unwrap();
    let after = bus
        .range(&stream, Range::After(ids[1].clone(), 10))
        .await
        .unwrap();
    assert_eq!(
        after.iter().map(|d| d.id.clone()).collect::<Vec<_>>(),
        ids[2..]
    );
    let newest = bus.range(&stream, Range::Newest(2)).await.unwrap();
    assert_eq!(
        newest.iter().map(|d| d.id.clone()).collect::<Vec<_>>(),
        vec![ids[3].clone(), ids[2].clone()]
    );

    bus.publish(&ns.heartbeat(), &tick_envelope(0))
        .await
        .unwrap();
    let key = ns.state("positions").unwrap();
    bus.set_state(
        &key,
        &[
            ("SEI-USDC".into(), "12".into()),
            ("paused".into(), "0".into()),
        ],
    )
    .await
    .unwrap();
    bus.set_state(&key, &[("paused".into(), "1".into())])
        .await
        .unwrap();
    let state = bus.get_state(&key).await.unwrap();
    assert_eq!(state.get("SEI-USDC").map(String::as_str), Some("12"));
    assert_eq!(state.get("paused").map(String::as_str), Some("1"));
    bus.delete_state_fields(&key, &["paused".into(), "absent".into()])
        .await
        .unwrap();
    let state = bus.get_state(&key).await.unwrap();
    assert_eq!(state.keys().collect::<Vec<_>>(), vec!["SEI-USDC"]);
    assert!(bus
        .get_state(&ns.state("absent").unwrap())
        .await
        .unwrap()
        .is_empty());

    let streams = bus.list_streams(&ns).await.unwrap();
    let names: Vec<&str> = streams.iter().map(|s| s.short()).collect();
    assert_eq!(
        names,
        vec!["heartbeat", "orders:SEI-USDC"],
        "state hashes are not streams"
    );
}

/// Reads `stream` (group `g`, blocking up to 5 s) while an entry is published on it `after`
/// the read starts; asserts the one entry arrived and returns how long the read took.
async fn read_woken_by_publish<B: Bus + Clone + 'static>(
    bus: &B,
    stream: &StreamName,
    after: Duration,
) -> Duration {
    let publisher = bus.clone();
    let target = stream.clone();
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        publisher.publish(&target, &tick_envelope(1)).await.unwrap();
    });
    let started = std::time::Instant::now();
    let got = bus
        .read_group(stream, "g", "c", 10, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    started.elapsed()
}

async fn blocking_read_wakes_on_publish<B: Bus + Clone + 'static>(bus: B, ns: Namespace) {
    let stream = ns.fills("SEI-USDC").unwrap();
    bus.ensure_group(&stream, "g").await.unwrap();
    let took = read_woken_by_publish(&bus, &stream, Duration::from_millis(100)).await;
    assert!(took < Duration::from_secs(3), "{took:?}");
    let started = std::time::Instant::now();
    let none = bus
        .read_group(&stream, "g", "c", 10, Duration::from_millis(200))
        .await
        .unwrap();
    assert!(none.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(150));
}

/// Reads blocked on quiet streams (more of them than the connections opened at start) do not
/// hold up a read on a stream that gets an entry: it returns long before their block ends.
async fn blocked_reads_do_not_hold_up_another<B: Bus + Clone + 'static>(bus: B, ns: Namespace) {
    let mut quiet = Vec::new();
    for i in 0..6 {
        let stream = ns.md(&format!("QUIET{i}-USDC")).unwrap();
        bus.ensure_group(&stream, "g").await.unwrap();
        let reader = bus.clone();
        quiet.push(tokio::spawn(async move {
            reader
                .read_group(&stream, "g", "c", 10, Duration::from_secs(5))
                .await
        }));
    }
    let busy = ns.md("BUSY-USDC").unwrap();
    bus.ensure_group(&busy, "g").await.unwrap();
    let took = read_woken_by_publish(&bus, &busy, Duration::from_millis(300)).await;
    assert!(
        took < Duration::from_secs(3),
        "waited behind the quiet readers: {took:?}"
    );
    for q in quiet {
        q.abort();
    }
}

/// Acks handed to the background within [`ACK_DELAY`] of the first go out together when it has
/// passed, not one by one (time is paused: the memory bus answers at once).
#[tokio::test(start_paused = true)]
async fn background_acks_are_gathered() {
    let bus = flashmm_bus::MemoryBus::new();
    let stream = common::unique_namespace("gather").feat("SEI-USDC").unwrap();
    let mut consumer = Consumer::<Tick, _>::start(bus.clone(), stream.clone(), fast_config("a"))
        .await
        .unwrap();
    let batch: Vec<Envelope> = (0..5).map(tick_envelope).collect();
    bus.publish_batch(&stream, &batch, None).await.unwrap();
    let ids = drain(&mut consumer, 5).await;
    assert_eq!(ids.len(), 5);

    consumer.ack_in_background(ids[..2].to_vec());
    tokio::time::sleep(ACK_DELAY / 2).await;
    consumer.ack_in_background(ids[2..].to_vec());
    assert_eq!(bus.pending_count(&stream, "workers").await.unwrap(), 5);
    tokio::time::sleep(ACK_DELAY / 2 + Duration::from_millis(1)).await;
    assert_eq!(bus.pending_count(&stream, "workers").await.unwrap(), 0);
}

macro_rules! behaviour_tests {
    ($backend:ident, $make:expr) => {
        mod $backend {
            use super::*;

            #[tokio::test]
            async fn envelope_round_trip() {
                common::isolated($make, "roundtrip", super::envelope_round_trip).await;
            }

            #[tokio::test]
            async fn publish_consume_ack() {
                common::isolated($make, "consume", super::publish_consume_ack).await;
            }

            #[tokio::test]
            async fn dead_consumer_is_taken_over() {
                common::isolated($make, "takeover", super::dead_consumer_is_taken_over).await;
            }

            #[tokio::test]
            async fn bad_entries_go_to_the_dlq() {
                common::isolated($make, "dlq", super::bad_entries_go_to_the_dlq).await;
            }

            #[tokio::test]
            async fn trim_bounds_the_stream() {
                common::isolated($make, "trim", super::trim_bounds_the_stream).await;
            }

            #[tokio::test]
            async fn trimmed_pending_entries_are_reported() {
                common::isolated($make, "lost", super::trimmed_pending_entries_are_reported).await;
            }

            #[tokio::test]
            async fn groups_ranges_and_state() {
                common::isolated($make, "groups", super::groups_ranges_and_state).await;
            }

            #[tokio::test]
            async fn blocking_read_wakes_on_publish() {
                common::isolated($make, "block", super::blocking_read_wakes_on_publish).await;
            }

            #[tokio::test]
            async fn blocked_reads_do_not_hold_up_another() {
                common::isolated(
                    $make,
                    "blocked",
                    super::blocked_reads_do_not_hold_up_another,
                )
                .await;
            }
        }
    };
}

behaviour_tests!(memory, flashmm_bus::MemoryBus::new());
behaviour_tests!(
    shared_dyn,
    std::sync::Arc::new(flashmm_bus::MemoryBus::new()) as std::sync::Arc<dyn Bus>
);
behaviour_tests!(redis, common::redis_bus().await);
