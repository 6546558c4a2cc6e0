//! Shared helpers for the integration tests: test messages, unique namespaces, isolation.

#![allow(dead_code)]

use std::future::Future;
use std::time::{SystemTime, UNIX_EPOCH};

use flashmm_bus::{Bus, Envelope, Namespace, RedisBus, RedisBusConfig};
use flashmm_core::message::StreamMessage;
use flashmm_core::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// The message the tests publish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tick {
    pub seq: u64,
    pub px: i64,
    pub note: String,
}

impl StreamMessage for Tick {
    const TYPE: &'static str = "test_tick";
    const VERSION: u16 = 1;
}

/// A second message type, to provoke wrong-type errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Other {
    pub x: u8,
}

impl StreamMessage for Other {
    const TYPE: &'static str = "test_other";
    const VERSION: u16 = 1;
}

pub fn tick(seq: u64) -> Tick {
    Tick {
        seq,
        px: 1_000 + seq as i64,
        note: format!("tick {seq}"),
    }
}

pub fn tick_envelope(seq: u64) -> Envelope {
    Envelope::new(
        "SEI-USDC",
        UnixNanos(2_000 + seq as i64),
        UnixNanos(1_000 + seq as i64),
        &tick(seq),
    )
    .expect("encode tick")
}

/// A namespace no other test (or test run) uses.
pub fn unique_namespace(name: &str) -> Namespace {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    Namespace::new(&format!("test-{}-{}-{}", std::process::id(), nanos, name))
        .expect("valid namespace")
}

/// A client on the shared test Redis (`REDIS_URL`, default `redis://127.0.0.1:6379`).
pub async fn redis_bus() -> RedisBus {
    RedisBus::connect(RedisBusConfig::from_env())
        .await
        .expect("a Redis at REDIS_URL (default redis://127.0.0.1:6379)")
}

/// Run `case` on its own task under a fresh namespace, delete the namespace's keys, then
/// re-raise the case's panic, if any.
pub async fn isolated<B, F, Fut>(bus: B, name: &str, case: F)
where
    B: Bus + Clone + 'static,
    F: FnOnce(B, Namespace) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let ns = unique_namespace(name);
    let outcome = tokio::spawn(case(bus.clone(), ns.clone())).await;
    bus.purge(&ns).await.expect("purge test namespace");
    if let Err(err) = outcome {
        std::panic::resume_unwind(err.into_panic());
    }
}

/// A `redis-server` of the test's own on a free port, without persistence (so `FLUSHALL`, or a
/// restart, leaves it empty), with extra arguments; killed on drop.
pub struct PrivateRedis {
    pub port: u16,
    child: std::process::Child,
}

impl PrivateRedis {
    pub fn start(extra: &[&str]) -> PrivateRedis {
        use std::time::{Duration, Instant};
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(extra)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("redis-server on PATH");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not start on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        PrivateRedis { port, child }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain `fred` client for what the bus does not do (FLUSHALL, DEL, SET, XGROUP DESTROY).
pub async fn raw_client(url: &str) -> fred::prelude::Client {
    use fred::prelude::*;
    let client = Builder::from_config(Config::from_url(url).expect("redis url"))
        .build()
        .expect("client");
    client.init().await.expect("connect");
    client
}
