//! The bus when Redis fails in ways other than going away: it comes back empty (`FLUSHALL` on
//! a Redis of the test's own), a group is deleted, a consumer cannot progress (its stream
//! holds the wrong type: the heartbeat turns stale), Redis is out of memory under
//! `noeviction` (unavailable, not a failed command), and the dead-letter stream stays bounded.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use flashmm_bus::progress::Progress;
use flashmm_bus::{spawn_heartbeat_watching, stalled_field};
use flashmm_bus::{Bus, Consumer, ConsumerConfig, EntryId, RedisBus, RedisBusConfig};
use fred::prelude::*;

use common::{raw_client, redis_bus, tick, tick_envelope, unique_namespace, PrivateRedis, Tick};

fn fast(group: &str) -> ConsumerConfig {
    ConsumerConfig {
        block: Duration::from_millis(100),
        ..ConsumerConfig::new(group, "c1")
    }
}

/// Reads until `want` ticks arrived or 5 s passed; returns their sequence numbers.
async fn read_seqs<B: Bus>(consumer: &mut Consumer<Tick, B>, want: usize) -> Vec<u64> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seqs = Vec::new();
    while seqs.len() < want && Instant::now() < deadline {
        let batch = consumer.next_batch().await.expect("next_batch");
        let ids: Vec<EntryId> = batch.iter().map(|r| r.id.clone()).collect();
        seqs.extend(batch.into_iter().map(|r| r.msg.seq));
        consumer.ack(&ids).await.expect("ack");
    }
    seqs
}

#[tokio::test]
async fn after_flushall_the_consumer_recreates_its_group_and_reads_the_new_stream() {
    let redis = PrivateRedis::start(&[]);
    let bus = RedisBus::connect(RedisBusConfig::new(redis.url()))
        .await
        .expect("connect");
    let raw = raw_client(&redis.url()).await;
    let ns = unique_namespace("flush");
    let stream = ns.md("SEI-USDC").unwrap();
    let progress = Progress::new();
    let mut consumer: Consumer<Tick, _> =
        Consumer::start_with(bus.clone(), stream.clone(), fast("feature"), &progress)
            .await
            .unwrap();
    for seq in 1..=3 {
        bus.publish(&stream, &tick_envelope(seq)).await.unwrap();
    }
    assert_eq!(read_seqs(&mut consumer, 3).await, vec![1, 2, 3]);

    raw.flushall::<()>(false).await.expect("FLUSHALL");
    // Written after the flush and before the consumer's next read: the new stream's first
    // entries, which the recreated group must deliver (it starts at 0).
    for seq in 10..=12 {
        bus.publish(&stream, &tick_envelope(seq)).await.unwrap();
    }
    assert_eq!(
        read_seqs(&mut consumer, 3).await,
        vec![10, 11, 12],
        "the consumer reads the stream written after the flush"
    );
    assert_eq!(bus.pending_count(&stream, "feature").await.unwrap(), 0);
    let slowest = progress.slowest().expect("the consumer is watched");
    assert!(
        slowest.age < Duration::from_secs(1),
        "reading after the flush is progress: {slowest:?}"
    );
    bus.quit().await.ok();
}

#[tokio::test]
async fn a_deleted_group_is_recreated_after_the_last_entry_read() {
    let bus = redis_bus().await;
    let raw = raw_client(&flashmm_bus::RedisBusConfig::from_env().url).await;
    let ns = unique_namespace("group-gone");
    let stream = ns.cmd_exec();
    let mut consumer: Consumer<Tick, _> =
        Consumer::start(bus.clone(), stream.clone(), fast("exec"))
            .await
            .unwrap();
    for seq in 1..=3 {
        bus.publish(&stream, &tick_envelope(seq)).await.unwrap();
    }
    assert_eq!(read_seqs(&mut consumer, 3).await, vec![1, 2, 3]);
    let destroyed: i64 = raw
        .xgroup_destroy(stream.as_str(), "exec")
        .await
        .expect("XGROUP DESTROY");
    assert_eq!(destroyed, 1);
    bus.publish(&stream, &tick_envelope(4)).await.unwrap();
    // The stream kept the entries already read: they are not delivered again.
    let seqs = read_seqs(&mut consumer, 1).await;
    let more = read_seqs(&mut consumer, 1).await;
    assert_eq!(seqs, vec![4], "nothing read before comes again");
    assert!(more.is_empty(), "{more:?}");
    bus.purge(&ns).await.unwrap();
}

#[tokio::test]
async fn a_consumer_that_cannot_progress_turns_its_heartbeat_stale() {
    let bus = redis_bus().await;
    let raw = raw_client(&flashmm_bus::RedisBusConfig::from_env().url).await;
    let ns = unique_namespace("stall");
    let stream = ns.feat("SEI-USDC").unwrap();
    let progress = Progress::new();
    let mut consumer: Consumer<Tick, _> =
        Consumer::start_with(bus.clone(), stream.clone(), fast("inference"), &progress)
            .await
            .unwrap();
    let errors = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let loop_errors = Arc::clone(&errors);
    // The service's consume loop: retries errors forever, as the services do.
    let consume = tokio::spawn(async move {
        loop {
            match consumer.next_batch().await {
                Ok(batch) => {
                    let ids: Vec<EntryId> = batch.iter().map(|r| r.id.clone()).collect();
                    let _ = consumer.ack(&ids).await;
                }
                Err(_) => {
                    loop_errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    });
    let heartbeat = spawn_heartbeat_watching(
        bus.clone(),
        ns.clone(),
        "inference",
        Duration::from_millis(100),
        progress.clone(),
        Duration::from_millis(600),
    );
    let key = ns.state("heartbeat").unwrap();
    let beat = || async {
        let state = bus.get_state(&key).await.unwrap();
        let ts: i64 = state
            .get("inference")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let stalled: i64 = state
            .get(&stalled_field("inference"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1);
        let age_ms = (flashmm_runtime::now().as_i64() - ts) / 1_000_000;
        (age_ms, stalled)
    };
    let wait = |what: &'static str, ok: fn((i64, i64)) -> bool| {
        let beat = &beat;
        async move {
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                let b = beat().await;
                if ok(b) {
                    return b;
                }
                assert!(Instant::now() < deadline, "{what}: beat {b:?}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    wait("fresh while polling", |(age, stalled)| {
        age < 400 && stalled == 0
    })
    .await;

    // The stream key now holds a string: every read fails (WRONGTYPE), the loop retries.
    let _: i64 = raw.del(stream.as_str()).await.unwrap();
    let _: () = raw
        .set(stream.as_str(), "not a stream", None, None, false)
        .await
        .unwrap();
    let (age, stalled) = wait("stale while stuck", |(age, stalled)| {
        age > 600 && stalled > 600
    })
    .await;
    assert!(
        errors.load(std::sync::atomic::Ordering::Relaxed) > 0,
        "the loop was failing"
    );
    assert!(
        age >= stalled - 200,
        "the beat is the last progress: {age} {stalled}"
    );

    // The key goes: the consumer recreates its group (NOGROUP) and polls again.
    let _: i64 = raw.del(stream.as_str()).await.unwrap();
    wait("fresh again", |(age, stalled)| age < 400 && stalled == 0).await;
    bus.publish(&stream, &tick_envelope(7)).await.unwrap();
    heartbeat.abort();
    consume.abort();
    bus.purge(&ns).await.unwrap();
    let _ = tick(0);
}

#[tokio::test]
async fn out_of_memory_is_unavailable() {
    let redis = PrivateRedis::start(&["--maxmemory-policy", "noeviction"]);
    let bus = RedisBus::connect(RedisBusConfig::new(redis.url()))
        .await
        .expect("connect");
    let raw = raw_client(&redis.url()).await;
    let ns = unique_namespace("oom");
    let stream = ns.fills("SEI-USDC").unwrap();
    let big = vec![("pad".to_owned(), vec![b'x'; 64 * 1024])];
    for _ in 0..32 {
        bus.publish_raw(&stream, &big)
            .await
            .expect("room before the limit");
    }
    // 2 MB of entries over a 1 MB limit: every write is refused until memory is freed.
    let _: Value = raw
        .custom(
            fred::types::CustomCommand::new_static("CONFIG", None, false),
            vec!["SET", "maxmemory", "1mb"],
        )
        .await
        .expect("CONFIG SET maxmemory");
    let single = bus
        .publish(&stream, &tick_envelope(1))
        .await
        .expect_err("Redis refuses writes past maxmemory");
    assert!(
        single.is_unavailable(),
        "OOM must read as unavailable: {single}"
    );
    assert!(single.to_string().contains("OOM"), "{single}");
    let batch = bus
        .publish_batch(&stream, &[tick_envelope(1), tick_envelope(2)], None)
        .await
        .expect_err("a batch is refused too");
    assert!(batch.is_unavailable(), "the batch path: {batch}");
    let state = bus
        .set_state(&ns.state("positions").unwrap(), &[("a".into(), "1".into())])
        .await
        .expect_err("state writes are refused too");
    assert!(state.is_unavailable(), "{state}");
    bus.quit().await.ok();
}

#[tokio::test]
async fn the_dead_letter_stream_is_trimmed() {
    let redis = PrivateRedis::start(&[]);
    let bus = RedisBus::connect(RedisBusConfig {
        dlq_maxlen: 50,
        ..RedisBusConfig::new(redis.url())
    })
    .await
    .expect("connect");
    let ns = unique_namespace("dlq");
    let source = ns.md("SEI-USDC").unwrap();
    let fields = tick_envelope(1).to_fields();
    for i in 0..400 {
        bus.dead_letter(
            &source,
            &EntryId::new(format!("{i}-0")),
            &fields,
            "bad_body: x",
        )
        .await
        .unwrap();
    }
    let len = bus.len(&ns.dlq()).await.unwrap();
    // `MAXLEN ~` removes whole nodes of 100 entries (Redis's stream-node-max-entries).
    assert!((50..=150).contains(&len), "dlq holds {len} entries");
    bus.quit().await.ok();
}
