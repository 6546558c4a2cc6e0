//! Ingest end to end: a fake venue WebSocket → the real `ingest` binary → Redis `md:{mkt}`.
//!
//! `cargo bench -p ingest --bench ingest_pipeline` (Redis at `REDIS_URL`). The fake venue
//! sends one SEI/USDC snapshot, then `PACED` deltas at `PACED_RATE`/s (latency), then `BURST`
//! deltas as fast as the socket takes them (throughput). Each delta carries its send time
//! (UTC ns) as `ts`; ingest stamps the receive time (`origin_ts`) and the publish time (`ts`,
//! taken just before the XADD) on the envelope. Reported: send → XADD-issued latency
//! percentiles of the paced part, sustained published deltas/s of the burst, deltas lost, and
//! ingest's peak RSS (VmHWM).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flashmm_bus::{Bus, Decodable, Namespace, Payload, Range, RedisBus, RedisBusConfig};
use flashmm_core::market_event::MarketEvent;
use futures_util::SinkExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

const PACED: u64 = 10_000;
const PACED_RATE: u64 = 5_000;
const BURST: u64 = 200_000;

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

fn delta(seq: u64) -> String {
    // Alternate the size of the best bid: never crossed, always a valid delta.
    format!(
        r#"{{"v":1,"type":"delta","market":"SEI/USDC","seq":{seq},"prev_seq":{},"bids":[{{"price":"0.4000","size":"{}"}}],"asks":[],"ts":{}}}"#,
        seq - 1,
        10 + seq % 7,
        now_ns()
    )
}

async fn fake_venue(listener: TcpListener) {
    loop {
        let Ok((mut tcp, _)) = listener.accept().await else {
            return;
        };
        // As the simulator does: a delta written while the previous one is unacknowledged
        // would otherwise wait for ingest's delayed ACK.
        let _ = tcp.set_nodelay(true);
        tokio::spawn(async move {
            let mut head = [0u8; 64];
            let n = tcp.peek(&mut head).await.unwrap_or(0);
            if head[..n].starts_with(b"GET /api/v1/") {
                let spec = |id: &str, tick: &str, lot: &str| {
                    serde_json::json!({"id": id, "tick_size": tick, "lot_size": lot,
                        "min_notional": "1", "maker_fee_rate": "-0.0001", "taker_fee_rate": "0.0005"})
                };
                let body = serde_json::json!({"markets": [spec("SEI/USDC", "0.0001", "0.1"),
                    spec("ETH/USDC", "0.01", "0.0001")]})
                .to_string();
                let mut buf = [0u8; 4096];
                let _ = tcp.read(&mut buf).await;
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tcp.write_all(resp.as_bytes()).await;
                return;
            }
            let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                return;
            };
            let snap = r#"{"v":1,"type":"snapshot","market":"SEI/USDC","seq":1,"bids":[{"price":"0.4000","size":"10"}],"asks":[{"price":"0.4010","size":"10"}],"ts":1}"#;
            if ws.send(Message::Text(snap.into())).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            let start = Instant::now();
            for i in 0..PACED {
                let due = start + Duration::from_nanos(i * 1_000_000_000 / PACED_RATE);
                tokio::time::sleep_until(due.into()).await;
                if ws.send(Message::Text(delta(2 + i).into())).await.is_err() {
                    return;
                }
            }
            for i in 0..BURST {
                if ws
                    .feed(Message::Text(delta(2 + PACED + i).into()))
                    .await
                    .is_err()
                {
                    return;
                }
                if i % 64 == 0 && ws.flush().await.is_err() {
                    return;
                }
            }
            let _ = ws.flush().await;
            while let Some(Ok(_)) = futures_util::StreamExt::next(&mut ws).await {}
        });
    }
}

fn config(dir: &std::path::Path, venue_port: u16, metrics_port: u16) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../config/flashmm.toml");
    let mut text = std::fs::read_to_string(root).expect("config/flashmm.toml");
    text = text.replace("127.0.0.1:9300", &format!("127.0.0.1:{venue_port}"));
    text = text.replace("stream_maxlen = 100000", "stream_maxlen = 10000000");
    let header = "[services.ingest]\nmetrics_port = ";
    let start = text.find(header).expect("ingest table") + header.len();
    let end = start + text[start..].find('\n').expect("line end");
    text.replace_range(start..end, &metrics_port.to_string());
    let path = dir.join("flashmm.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// The ingest process, killed however the bench ends (a panic included).
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn percentile(sorted: &[i64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1_000.0
}

#[tokio::main]
async fn main() {
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let venue_port = listener.local_addr().unwrap().port();
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    tokio::spawn(fake_venue(listener));
    let ns = format!("bench-ingest-{}-{}", std::process::id(), now_ns());
    let dir = std::env::temp_dir().join(&ns);
    std::fs::create_dir_all(&dir).unwrap();
    let config = config(&dir, venue_port, metrics_port);
    let ingest = Command::new(env!("CARGO_BIN_EXE_ingest"))
        .arg("--config")
        .arg(&config)
        .env("FLASHMM_NAMESPACE", &ns)
        .env("REDIS_URL", &redis)
        .env("LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ingest binary");
    let mut ingest = KillOnDrop(ingest);
    let bus = RedisBus::connect(RedisBusConfig {
        // Reading back 210 000 entries in one XRANGE takes longer than the default bound.
        command_timeout: Duration::from_secs(60),
        ..RedisBusConfig::new(redis.clone())
    })
    .await
    .unwrap();
    let namespace = Namespace::new(&ns).unwrap();
    let stream = namespace.md("SEI-USDC").unwrap();
    let want = PACED + BURST;
    let deadline = Instant::now() + Duration::from_secs(120);
    let (mut last_len, mut still) = (0u64, 0);
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let len = bus.len(&stream).await.unwrap_or(0);
        still = if len == last_len && len > 0 {
            still + 1
        } else {
            0
        };
        last_len = len;
        if len > want || still >= 6 {
            break;
        }
    }
    let entries = bus.range(&stream, Range::Oldest(10_000_000)).await.unwrap();
    let deltas: Vec<(u64, i64, i64, i64)> = entries
        .into_iter()
        .filter_map(|d| match d.payload {
            Payload::Envelope(e) => match MarketEvent::decode(&e).ok()? {
                MarketEvent::Delta(delta) => Some((
                    delta.seq,
                    delta.ts.as_i64(),
                    e.origin_ts.as_i64(),
                    e.ts.as_i64(),
                )),
                _ => None,
            },
            Payload::Malformed { .. } => None,
        })
        .collect();
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", ingest.0.id())).unwrap_or_default();
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: ?")
        .to_owned();
    let _ = ingest.0.kill();
    let _ = ingest.0.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let _ = bus.purge(&namespace).await;

    let paced: Vec<_> = deltas.iter().filter(|d| d.0 < 2 + PACED).collect();
    let burst: Vec<_> = deltas.iter().filter(|d| d.0 >= 2 + PACED).collect();
    let mut send_to_xadd: Vec<i64> = paced.iter().map(|d| d.3 - d.1).collect();
    let mut recv_to_xadd: Vec<i64> = paced.iter().map(|d| d.3 - d.2).collect();
    send_to_xadd.sort_unstable();
    recv_to_xadd.sort_unstable();
    println!(
        "ingest pipeline: {} paced deltas at {PACED_RATE}/s, {} burst deltas",
        paced.len(),
        burst.len()
    );
    if !send_to_xadd.is_empty() {
        println!(
            "  WS send -> XADD issued: p50 {:.1} us, p99 {:.1} us, max {:.1} us",
            percentile(&send_to_xadd, 0.5),
            percentile(&send_to_xadd, 0.99),
            percentile(&send_to_xadd, 1.0)
        );
        println!(
            "  socket read (origin_ts) -> XADD issued: p50 {:.1} us, p99 {:.1} us",
            percentile(&recv_to_xadd, 0.5),
            percentile(&recv_to_xadd, 0.99)
        );
    }
    if let (Some(first), Some(last)) = (burst.first(), burst.last()) {
        let secs = (last.3 - first.3) as f64 / 1e9;
        println!(
            "  burst: {:.0} deltas/s published (first send -> last XADD {:.3} s)",
            burst.len() as f64 / ((last.3 - first.1) as f64 / 1e9),
            (last.3 - first.1) as f64 / 1e9
        );
        println!(
            "  burst: {:.0} deltas/s between first and last XADD ({secs:.3} s)",
            burst.len() as f64 / secs
        );
        let sending = (last.1 - first.1) as f64 / 1e9;
        println!(
            "  burst: the fake venue sent {:.0} deltas/s ({sending:.3} s from first to last send)",
            burst.len() as f64 / sending
        );
    }
    println!("  lost: {} of {want}", want - deltas.len() as u64);
    println!(
        "  ingest peak RSS: {}",
        hwm.split_whitespace().skip(1).collect::<Vec<_>>().join(" ")
    );
}
