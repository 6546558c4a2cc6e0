//! Redis transport figures on the local Redis at `REDIS_URL`:
//! publish→consume latency for a 200-byte body (p50, p99) through a typed `Consumer`, one
//! probe at a time (each published once the previous one was consumed and acked), and
//! pipelined publish throughput (batches through `publish_batch`, one or four batches in
//! flight), all on one thread (a current-thread runtime).
//!
//! Run with `cargo bench -p flashmm-bus --bench redis`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use flashmm_bus::{Bus, Consumer, ConsumerConfig, Envelope, Namespace, RedisBus, RedisBusConfig};
use flashmm_core::message::StreamMessage;
use flashmm_core::time::UnixNanos;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

const BODY_BYTES: usize = 200;
const WARMUP: usize = 500;
const ROUND_TRIPS: usize = 10_000;
const THROUGHPUT_ENTRIES: usize = 200_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Probe {
    sent_ns: u64,
    pad: String,
}

impl StreamMessage for Probe {
    const TYPE: &'static str = "bench_probe";
    const VERSION: u16 = 1;
}

/// Added to every send time so it always encodes as a 9-byte msgpack u64.
const TIME_OFFSET_NS: u64 = 1 << 40;

/// The padding that makes a probe's msgpack body exactly `BODY_BYTES` long.
fn padding() -> String {
    let mut msg = Probe {
        sent_ns: TIME_OFFSET_NS,
        pad: String::new(),
    };
    while rmp_serde::to_vec_named(&msg)
        .map(|b| b.len())
        .unwrap_or(BODY_BYTES)
        < BODY_BYTES
    {
        msg.pad.push('x');
    }
    msg.pad
}

fn envelope(msg: &Probe) -> Envelope {
    Envelope::new("SEI-USDC", UnixNanos(0), UnixNanos(0), msg).expect("encode probe")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

async fn round_trip(bus: &RedisBus, ns: &Namespace) {
    let stream = ns.md("SEI-USDC").expect("stream name");
    let config = ConsumerConfig {
        block: Duration::from_secs(1),
        ..ConsumerConfig::new("bench", "c1")
    };
    let mut consumer = Consumer::<Probe, RedisBus>::start(bus.clone(), stream.clone(), config)
        .await
        .expect("consumer");
    let origin = Instant::now();
    let (tx, mut rx) = mpsc::unbounded_channel::<Duration>();
    let reader = tokio::spawn(async move {
        let mut seen = 0;
        while seen < WARMUP + ROUND_TRIPS {
            let batch = consumer.next_batch().await.expect("next_batch");
            let now = origin.elapsed();
            for received in batch {
                let sent = Duration::from_nanos(received.msg.sent_ns - TIME_OFFSET_NS);
                // Acked before the sample goes back, so the next probe is published while
                // this consumer waits in its blocking read, as a live consumer between
                // messages does: the figure is publish → consumed, not the ack's round trip.
                consumer.ack(&[received.id]).await.expect("ack");
                let _ = tx.send(now.saturating_sub(sent));
                seen += 1;
            }
        }
    });

    let pad = padding();
    let probe = |sent_ns: u64| Probe {
        sent_ns: sent_ns + TIME_OFFSET_NS,
        pad: pad.clone(),
    };
    assert_eq!(envelope(&probe(0)).body.len(), BODY_BYTES);
    let mut latencies = Vec::with_capacity(ROUND_TRIPS);
    for i in 0..WARMUP + ROUND_TRIPS {
        let sent_ns = u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX);
        bus.publish(&stream, &envelope(&probe(sent_ns)))
            .await
            .expect("publish");
        let latency = rx.recv().await.expect("consumer alive");
        if i >= WARMUP {
            latencies.push(latency);
        }
    }
    reader.await.expect("reader task");
    latencies.sort();
    println!(
        "round trip publish->consume ({BODY_BYTES} B body, {ROUND_TRIPS} samples): p50 {:?}  p99 {:?}  max {:?}",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or_default(),
    );
}

async fn throughput(bus: &RedisBus, ns: &Namespace, batch: usize) {
    let stream = ns
        .feat(&format!("THROUGHPUT-{batch}"))
        .expect("stream name");
    let pad = padding();
    let envelopes: Vec<Envelope> = (0..batch)
        .map(|i| {
            envelope(&Probe {
                sent_ns: i as u64 + TIME_OFFSET_NS,
                pad: pad.clone(),
            })
        })
        .collect();
    let total = if batch == 1 {
        THROUGHPUT_ENTRIES / 10
    } else {
        THROUGHPUT_ENTRIES
    };
    let rounds = total / batch;
    for in_flight in [1, 4] {
        let started = Instant::now();
        let published: usize = futures_util::stream::iter(0..rounds)
            .map(|_| bus.publish_batch(&stream, &envelopes, None))
            .buffered(in_flight)
            .map(|ids| ids.expect("publish_batch").len())
            .fold(0, |sum, n| async move { sum + n })
            .await;
        let elapsed = started.elapsed();
        assert_eq!(published, rounds * batch);
        println!(
            "pipelined publish, batches of {batch}, {in_flight} in flight: {published} entries in {elapsed:?} = {:.0} entries/s",
            published as f64 / elapsed.as_secs_f64()
        );
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let bus = RedisBus::connect(RedisBusConfig::from_env())
        .await
        .expect("a Redis at REDIS_URL (default redis://127.0.0.1:6379)");
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let ns = Namespace::new(&format!("bench-{}-{nanos}", std::process::id())).expect("namespace");

    round_trip(&bus, &ns).await;
    for batch in [1, 100, 1000] {
        throughput(&bus, &ns, batch).await;
    }
    bus.purge(&ns).await.expect("purge bench keys");
    bus.quit().await.expect("quit");
}
