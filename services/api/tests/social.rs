//! Social summaries end to end: state in the real Redis at `REDIS_URL` (a namespace of its
//! own), the X API played by a local axum server that records every request.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use flashmm_api::reader::StateReader;
use flashmm_api::social::error::SocialError;
use flashmm_api::social::task::{now_ns, Summariser};
use flashmm_bus::{Bus, Envelope, Namespace, RedisBus, RedisBusConfig};
use flashmm_core::config::{Secret, SocialConfig};
use flashmm_core::identifiers::{ClientOrderId, TradeId, VenueOrderId};
use flashmm_core::market::{MarketId, Price, Qty, Side};
use flashmm_core::order::{Fill, Liquidity};
use flashmm_core::time::UnixNanos;
use serde_json::{json, Value};

const TOKEN: &str = "test-bearer-s3cr3t";

/// One request the mock received.
#[derive(Debug, Clone)]
struct Seen {
    path: &'static str,
    auth: String,
    body: Value,
}

#[derive(Clone, Default)]
struct Mock {
    seen: Arc<Mutex<Vec<Seen>>>,
    limited: Arc<Mutex<bool>>,
}

impl Mock {
    fn record(&self, path: &'static str, headers: &HeaderMap, body: Value) {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        self.seen.lock().unwrap().push(Seen { path, auth, body });
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn upload(State(m): State<Mock>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    m.record("/2/media/upload", &headers, body);
    if *m.limited.lock().unwrap() {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "120")],
            "slow down",
        )
            .into_response();
    }
    Json(json!({"data": {"id": "1146654567674912769", "media_key": "3_1"}})).into_response()
}

async fn tweet(State(m): State<Mock>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    m.record("/2/tweets", &headers, body);
    (
        StatusCode::CREATED,
        Json(json!({"data": {"id": "post-42", "text": "..."}})),
    )
        .into_response()
}

async fn mock_x() -> (Mock, String) {
    let mock = Mock::default();
    let app = Router::new()
        .route("/2/media/upload", post(upload))
        .route("/2/tweets", post(tweet))
        .with_state(mock.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (mock, format!("http://{addr}"))
}

/// A namespace holding a P&L, a position and three fills of the last hour.
async fn state(name: &str) -> (Arc<dyn Bus>, Namespace, StateReader) {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let bus: Arc<dyn Bus> = Arc::new(RedisBus::connect(RedisBusConfig::new(url)).await.unwrap());
    let ns = Namespace::new(&format!("test-social-{name}-{}", std::process::id())).unwrap();
    bus.purge(&ns).await.unwrap();
    let config = flashmm_runtime::load_config(Path::new("../../config/flashmm.toml")).unwrap();
    let markets = config.market_specs().unwrap();
    let pnl = r#"{"realized":"1.5","unrealized":"-0.25","fees":"0.05","net":"1.2","ts":1}"#;
    bus.set_state(&ns.state("pnl").unwrap(), &[("total".into(), pnl.into())])
        .await
        .unwrap();
    let position = r#"{"market":"SEI/USDC","base_qty":"-12.5","avg_entry":"0.4123","realized_pnl":"1.5",
        "unrealized_pnl":"-0.25","fees":"0.05","mark":"0.4150","notional":"-5.1875","updated_ts":1}"#;
    bus.set_state(
        &ns.state("positions").unwrap(),
        &[("SEI/USDC".into(), position.into())],
    )
    .await
    .unwrap();
    let now = now_ns();
    let stream = ns.fills("SEI-USDC").unwrap();
    for (i, (side, ticks, lots)) in [
        (Side::Buy, 4120, 1000),
        (Side::Buy, 4100, 1000),
        (Side::Sell, 4140, 1500),
    ]
    .into_iter()
    .enumerate()
    {
        let ts = UnixNanos(now - 60_000_000_000 + i as i64);
        let fill = Fill {
            market: MarketId::new("SEI/USDC").unwrap(),
            client_id: ClientOrderId::new(format!("c{i}")).unwrap(),
            venue_order_id: VenueOrderId::new(format!("v{i}")).unwrap(),
            trade_id: TradeId::new(format!("t{i}")).unwrap(),
            side,
            price: Price::from_ticks(ticks),
            qty: Qty::from_lots(lots),
            fee: rust_decimal::Decimal::ZERO,
            liquidity: Liquidity::Maker,
            ts,
        };
        let env = Envelope::new("SEI-USDC", ts, ts, &fill).unwrap();
        bus.publish(&stream, &env).await.unwrap();
    }
    let reader = StateReader::new(bus.clone(), ns.clone(), markets);
    (bus, ns, reader)
}

fn social(dry_run: bool, base: &str, dir: &Path) -> SocialConfig {
    SocialConfig {
        dry_run,
        interval_minutes: 60,
        twitter_bearer_token: Secret::new(TOKEN),
        api_base_url: base.to_owned(),
        reports_dir: dir.display().to_string(),
    }
}

fn reports_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flashmm-social-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn assert_png(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    assert_eq!((be(&bytes[16..20]), be(&bytes[20..24])), (1000, 600));
    bytes
}

/// No file under `dir` holds the token.
fn assert_no_token(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()));
    }
}

#[tokio::test]
async fn dry_run_writes_text_and_png_and_sends_nothing() {
    let (mock, base) = mock_x().await;
    let (bus, ns, reader) = state("dry").await;
    let dir = reports_dir("dry");
    let mut s = Summariser::new(
        reader,
        &social(true, &base, &dir),
        now_ns() - 3_600_000_000_000,
    )
    .unwrap();
    let written = s.summarise(now_ns()).await.unwrap();
    bus.purge(&ns).await.unwrap();

    assert_eq!(written.post_id, None);
    let name = written
        .text_path
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        name.starts_with("summary-") && name.ends_with("Z.txt"),
        "{name}"
    );
    let text = std::fs::read_to_string(&written.text_path).unwrap();
    assert_eq!(text, written.text);
    assert!(
        text.contains("Net P&L +1.2 (realised +1.5, fees 0.05)"),
        "{text}"
    );
    assert!(text.contains("Volume 144.3 in 3 fills"), "{text}");
    assert!(text.contains("Spread captured +0.45"), "{text}");
    assert!(text.contains("Uptime 1h 00m"), "{text}");
    assert!(text.contains("Inventory SEI/USDC -12.5"), "{text}");
    assert_png(&written.png_path);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
    assert_no_token(&dir);
    assert!(mock.seen().is_empty(), "{:?}", mock.seen());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn posts_media_then_the_summary_once_per_interval() {
    let (mock, base) = mock_x().await;
    let (bus, ns, reader) = state("post").await;
    let dir = reports_dir("post");
    let mut s = Summariser::new(
        reader,
        &social(false, &base, &dir),
        now_ns() - 3_600_000_000_000,
    )
    .unwrap();
    let written = s.summarise(now_ns()).await.unwrap();
    assert_eq!(written.post_id.as_deref(), Some("post-42"));

    let seen = mock.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].path, "/2/media/upload");
    assert_eq!(seen[0].auth, format!("Bearer {TOKEN}"));
    assert_eq!(seen[0].body["media_category"], "tweet_image");
    let media = base64::engine::general_purpose::STANDARD
        .decode(seen[0].body["media"].as_str().unwrap())
        .unwrap();
    assert_eq!(media, assert_png(&written.png_path));
    assert_eq!(seen[1].path, "/2/tweets");
    assert_eq!(seen[1].auth, format!("Bearer {TOKEN}"));
    assert_eq!(
        seen[1].body["media"]["media_ids"],
        json!(["1146654567674912769"])
    );
    assert_eq!(seen[1].body["text"].as_str().unwrap(), written.text);

    // A second summary within the interval is written but not posted.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let err = s.summarise(now_ns()).await.unwrap_err();
    bus.purge(&ns).await.unwrap();
    assert!(
        matches!(err, SocialError::RateLimited { retry_after } if retry_after > Duration::from_secs(3_500)),
        "{err}"
    );
    assert_eq!(mock.seen().len(), 2);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 4);
    assert_no_token(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_429_is_respected_until_retry_after() {
    let (mock, base) = mock_x().await;
    let (bus, ns, reader) = state("429").await;
    let dir = reports_dir("429");
    *mock.limited.lock().unwrap() = true;
    let mut s = Summariser::new(
        reader,
        &social(false, &base, &dir),
        now_ns() - 3_600_000_000_000,
    )
    .unwrap();
    let err = s.summarise(now_ns()).await.unwrap_err();
    assert!(
        matches!(err, SocialError::RateLimited { retry_after } if retry_after == Duration::from_secs(120)),
        "{err}"
    );
    assert!(!err.to_string().contains(TOKEN));
    assert_eq!(
        mock.seen().len(),
        1,
        "the post is not attempted after a refused upload"
    );

    // The API would accept now, but Retry-After has not passed: nothing is sent.
    *mock.limited.lock().unwrap() = false;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let err = s.summarise(now_ns()).await.unwrap_err();
    bus.purge(&ns).await.unwrap();
    assert!(
        matches!(err, SocialError::RateLimited { retry_after } if retry_after > Duration::from_secs(100)),
        "{err}"
    );
    assert_eq!(mock.seen().len(), 1);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        4,
        "files are written all the same"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
