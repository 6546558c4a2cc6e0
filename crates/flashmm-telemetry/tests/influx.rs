//! The writer against a real `influxd` (Debian's `influxdb` package, installed by
//! `scripts/setup`), started per test on free ports with a scratch data directory.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use flashmm_core::time::UnixNanos;
use flashmm_telemetry::{FieldValue, Point, Stats, Telemetry, WriterConfig};
use rust_decimal::Decimal;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// An `influxd` of the test's own, killed (and its data removed) when dropped.
struct Influxd {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Influxd {
    fn start(port: u16, tag: &str) -> Influxd {
        let dir = std::env::temp_dir().join(format!("flashmm-influx-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.display();
        let conf = format!(
            "reporting-disabled = true\nbind-address = \"127.0.0.1:{rpc}\"\n\
             [meta]\n  dir = \"{d}/meta\"\n\
             [data]\n  dir = \"{d}/data\"\n  wal-dir = \"{d}/wal\"\n  query-log-enabled = false\n\
             [monitor]\n  store-enabled = false\n\
             [http]\n  bind-address = \"127.0.0.1:{port}\"\n  log-enabled = false\n",
            rpc = free_port()
        );
        std::fs::write(dir.join("influxdb.conf"), conf).unwrap();
        let child = Command::new("influxd")
            .arg("-config")
            .arg(dir.join("influxdb.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("influxd not found: run scripts/setup (installs Debian's influxdb package)");
        Influxd { child, dir, port }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Runs an InfluxQL query and returns the `values` of the first series.
    async fn select(&self, db: &str, q: &str) -> Vec<Vec<serde_json::Value>> {
        let client = influxdb::Client::new(self.url(), db);
        let text = client.query(influxdb::ReadQuery::new(q)).await.unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        serde_json::from_value(json["results"][0]["series"][0]["values"].clone())
            .unwrap_or_default()
    }
}

impl Drop for Influxd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn wait_for(timeout: Duration, telemetry: &Telemetry, done: impl Fn(Stats) -> bool) -> Stats {
    let deadline = Instant::now() + timeout;
    loop {
        let stats = telemetry.stats();
        if done(stats) || Instant::now() > deadline {
            return stats;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn fast(url: String, db: &str) -> WriterConfig {
    let mut config = WriterConfig::new(url, db);
    config.flush_every = Duration::from_millis(50);
    config.write_timeout = Duration::from_millis(500);
    config
}

fn pnl(seq: i64) -> Point {
    Point::new("pnl", UnixNanos(1_700_000_000_000_000_000 + seq * 1_000))
        .tag("market", if seq % 2 == 0 { "SEI-USDC" } else { "ETH-USDC" })
        .field("seq", FieldValue::Int(seq))
        .field("realized", FieldValue::Decimal(Decimal::new(seq * 25, 2)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_reach_influxdb() {
    let influx = Influxd::start(free_port(), "batches");
    let mut config = fast(influx.url(), "flashmm_test");
    config.batch_size = 100;
    let (telemetry, task) = Telemetry::spawn(config);
    for seq in 0..250 {
        telemetry.record(pnl(seq));
    }
    let stats = wait_for(Duration::from_secs(20), &telemetry, |s| s.written == 250).await;
    assert_eq!(
        (stats.written, stats.dropped, stats.buffered),
        (250, 0, 0),
        "{stats:?}"
    );

    let count = influx
        .select("flashmm_test", "SELECT count(seq) FROM pnl")
        .await;
    assert_eq!(count[0][1], 250, "{count:?}");
    let last = influx
        .select(
            "flashmm_test",
            "SELECT realized, seq FROM pnl WHERE market = 'SEI-USDC' ORDER BY time DESC LIMIT 1",
        )
        .await;
    assert_eq!(
        (last[0][1].as_f64(), last[0][2].as_i64()),
        (Some(62.0), Some(248))
    );

    drop(telemetry);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the writer stops when its handles are gone")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_influxdb_is_down_points_wait_in_a_bounded_buffer() {
    let port = free_port();
    let mut config = fast(format!("http://127.0.0.1:{port}"), "flashmm_test");
    config.max_buffered = 50;
    let (telemetry, _task) = Telemetry::spawn(config);
    for seq in 0..80 {
        telemetry.record(pnl(seq));
    }
    let stats = wait_for(Duration::from_secs(10), &telemetry, |s| {
        s.buffered == 50 && s.dropped == 30 && s.write_errors > 0
    })
    .await;
    assert_eq!(
        (stats.buffered, stats.dropped, stats.written),
        (50, 30, 0),
        "{stats:?}"
    );
    assert!(stats.write_errors > 0, "{stats:?}");

    // InfluxDB comes up: the buffered points, the newest 50, are written.
    let influx = Influxd::start(port, "recovers");
    let stats = wait_for(Duration::from_secs(20), &telemetry, |s| s.written == 50).await;
    assert_eq!((stats.written, stats.buffered), (50, 0), "{stats:?}");
    let oldest = influx
        .select("flashmm_test", "SELECT min(seq), count(seq) FROM pnl")
        .await;
    assert_eq!(
        (oldest[0][1].as_i64(), oldest[0][2].as_i64()),
        (Some(30), Some(50))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_never_waits_on_a_hung_influxdb() {
    // Accepts connections (the kernel's backlog) and never answers.
    let hung = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", hung.local_addr().unwrap());
    let mut config = fast(url, "flashmm_test");
    config.write_timeout = Duration::from_secs(5);
    config.batch_size = 5;
    config.queue_capacity = 10;
    let (telemetry, _task) = Telemetry::spawn(config);
    for seq in 0..1000 {
        telemetry.record(pnl(seq));
    }
    let stats = telemetry.stats();
    // The writer holds at most one batch in flight plus its inbox; the rest were dropped at
    // once instead of waiting.
    assert!(stats.dropped >= 1000 - 15, "{stats:?}");
    assert_eq!(stats.written, 0);
    drop(hung);
}
