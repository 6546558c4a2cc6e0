//! The `api` binary over real HTTP on a real Redis: every route, every way a token is refused,
//! admin actions reaching `cmd:exec` and the audit trail, limits, CORS, health, the
//! live-metrics WebSocket, and no secret in any response or log line.

#[path = "api_fixture.rs"]
mod fixture;

use std::time::Duration;

use fixture::{now_ns, now_secs, Api, ADMIN_TOKEN, SECRET};
use flashmm_auth::{Claims, Role};
use flashmm_core::control::{AuditOutcome, ExecAction};
use flashmm_e2e::{http_request, metric};
use futures_util::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn read_routes_serve_execution_state() {
    let api = Api::start("api-read", &[]).await;
    api.seed("0.4125").await;
    api.set("positions", "ETH/USDC", "{not json").await;
    let viewer = api.token(Role::Viewer, 600);
    let v = Some(viewer.as_str());

    let r = api.get("/trading/status", v);
    assert_eq!(r.status, 200, "{}", r.body);
    let status = json(&r.body);
    assert_eq!(status["mode"], "quoting");
    assert_eq!(status["venue"], "sim");
    assert_eq!(status["paused"], false);
    let sei = &status["markets"][0];
    assert_eq!(sei["market"], "SEI/USDC");
    assert_eq!(sei["mid"], "0.4125");
    assert_eq!(sei["quotes"]["bids"][0]["price"], "0.4124");
    assert_eq!(sei["spread_bps"], "4.85");
    assert_eq!(sei["prediction"]["model_version"], "mlp-7");
    assert_eq!(sei["model"]["healthy"], true);
    assert_eq!(status["open_orders"], 1);
    assert_eq!(status["latency"]["tick_to_quote_p99_us"], 2400);
    assert_eq!(status["markets"][1]["quotes"], Value::Null);

    let r = api.get("/trading/positions", v);
    assert_eq!(r.status, 200);
    let positions = json(&r.body);
    assert_eq!(positions["positions"][0]["base_qty"], "-120");
    assert_eq!(positions["positions"].as_array().unwrap().len(), 1);
    assert_eq!(
        positions["invalid"][0]["key"], "ETH/USDC",
        "bad value reported"
    );

    let r = api.get("/trading/orders", v);
    let orders = json(&r.body);
    assert_eq!(orders["count"], 1);
    assert_eq!(orders["orders"][0]["client_order_id"], "fm-1");
    assert_eq!(orders["orders"][0]["venue_id"], "v-77");

    let history = flashmm_e2e::wait_for(Duration::from_secs(5), || {
        let pnl = json(&api.get("/trading/pnl", v).body);
        (pnl["history"].as_array().map_or(0, Vec::len) >= 2).then_some(pnl)
    })
    .expect("P&L history is sampled");
    assert_eq!(history["total"]["net"], "0.93");
    assert_eq!(history["markets"]["SEI/USDC"]["realized"], "1.25");
    assert_eq!(history["history"][0]["net"], "0.93");
    assert_eq!(history["market_history"]["SEI/USDC"][0]["realized"], "1.25");
    assert_eq!(history["market_history"]["ETH/USDC"], serde_json::json!([]));
    assert_eq!(history["sample_interval_ms"], 333);

    let r = api.get("/", None);
    assert_eq!(r.status, 200);
    assert!(r.body.contains("<canvas id=\"chart-pnl\""));
    let csp = r.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    let js = api.get("/assets/dashboard.js", None);
    assert_eq!(
        js.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(js.body.contains("/ws/live-metrics"));
    assert_eq!(api.get("/assets/dashboard.css", None).status, 200);
    let doc = json(&api.get("/openapi.json", None).body);
    for path in [
        "/health",
        "/trading/pnl",
        "/admin/flatten",
        "/ws/live-metrics",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} not documented");
    }
    assert_eq!(api.get("/nope", v).status, 404);

    let metrics = api.get("/metrics", None);
    assert_eq!(metrics.status, 200);
    assert!(
        metric(&metrics.body, "flashmm_api_snapshots_total") >= 2.0,
        "{}",
        metrics.body
    );
    assert!(
        metric(
            &metrics.body,
            "flashmm_api_bad_state_total{source=\"state:positions\"}"
        ) >= 1.0
    );
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn each_bad_credential_gets_its_status() {
    let api = Api::start("api-auth", &[]).await;
    let viewer = api.token(Role::Viewer, 600);
    let admin = api.token(Role::Admin, 600);
    let expired = flashmm_auth::jwt::encode(
        SECRET.as_bytes(),
        &Claims {
            sub: "late".into(),
            role: Role::Admin,
            iat: now_secs() - 7200,
            exp: now_secs() - 3600,
        },
    )
    .unwrap();
    let forged = flashmm_auth::issue(
        b"another-key",
        "mallory",
        Role::Admin,
        Duration::from_secs(600),
        now_secs(),
    )
    .unwrap();

    let cases: [(&str, Option<&str>, u16, &str); 7] = [
        ("none", None, 401, "missing bearer token"),
        ("malformed", Some("a.b.c"), 401, "malformed token"),
        ("expired", Some(&expired), 401, "token expired"),
        ("wrong signature", Some(&forged), 401, "bad token signature"),
        ("viewer on admin", Some(&viewer), 403, "role viewer may not do this"),
        ("wrong static token", Some("not-the-admin-token"), 403, "wrong admin token"),
        ("alg none", Some("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZSI6ImFkbWluIiwiaWF0IjowLCJleHAiOjk5OTk5OTk5OTl9."), 401, "unsupported token algorithm"),
    ];
    for (name, token, code, message) in cases {
        let r = api.post("/admin/pause", token, "{}");
        assert_eq!(r.status, code, "{name}: {}", r.body);
        let body = json(&r.body);
        assert!(
            body["message"].as_str().unwrap().contains(message),
            "{name}: {}",
            r.body
        );
        if code == 401 {
            assert_eq!(
                r.header("www-authenticate"),
                Some("Bearer realm=\"flashmm\""),
                "{name}"
            );
        }
    }
    assert!(
        api.commands().await.is_empty(),
        "no refused call reached execution"
    );
    let denied = api.audit().await;
    assert_eq!(denied.len(), 7, "every refusal is audited");
    assert!(denied
        .iter()
        .all(|e| e.outcome == AuditOutcome::Denied && e.action == "pause"));
    let by_viewer = denied
        .iter()
        .find(|e| e.role == "viewer")
        .expect("viewer refusal");
    assert_eq!(by_viewer.actor, "e2e-viewer");
    assert_eq!(by_viewer.client, "127.0.0.1");

    for (token, code) in [
        (None, 401),
        (Some("a.b.c"), 401),
        (Some(expired.as_str()), 401),
        (Some(forged.as_str()), 401),
    ] {
        assert_eq!(api.get("/trading/status", token).status, code);
    }
    assert_eq!(api.get("/trading/status", Some(&viewer)).status, 200);
    assert_eq!(
        api.get("/trading/status", Some(&admin)).status,
        200,
        "admin implies viewer"
    );
    assert_eq!(api.get("/trading/status", Some(ADMIN_TOKEN)).status, 200);
    assert_eq!(api.post("/admin/resume", Some(&admin), "").status, 202);
    assert_eq!(api.post("/admin/resume", Some(ADMIN_TOKEN), "").status, 202);
    let metrics = api.get("/metrics", None).body;
    assert!(
        metric(
            &metrics,
            "flashmm_api_auth_refused_total{reason=\"expired\"}"
        ) >= 2.0
    );
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_actions_reach_execution_and_the_audit_trail() {
    let api = Api::start(
        "api-admin",
        &[("max_body_bytes = 16384", "max_body_bytes = 1024")],
    )
    .await;
    let admin = api.token(Role::Admin, 600);
    let a = Some(admin.as_str());

    let r = api.post("/admin/pause", a, r#"{"reason":"deploy window"}"#);
    assert_eq!(r.status, 202, "{}", r.body);
    let accepted = json(&r.body);
    assert_eq!(accepted["action"], "pause");
    assert_eq!(accepted["actor"], "e2e-admin");
    assert_eq!(api.post("/admin/resume", a, "").status, 202);
    assert_eq!(api.post("/admin/cancel-all", a, "{}").status, 202);
    assert_eq!(
        api.post("/admin/flatten", a, r#"{"reason":"eod"}"#).status,
        202
    );

    for (body, what) in [
        ("{\"reason\":", "truncated"),
        ("[1,2]", "not an object"),
        ("{\"reason\":42}", "wrong type"),
        ("{\"why\":\"x\"}", "unknown field"),
    ] {
        let r = api.post("/admin/pause", a, body);
        assert_eq!(r.status, 400, "{what}: {}", r.body);
        let e = json(&r.body);
        assert_eq!(e["error"], "bad_request");
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .starts_with("invalid JSON body"),
            "{}",
            r.body
        );
    }
    let big = format!(r#"{{"reason":"{}"}}"#, "x".repeat(4096));
    assert_eq!(api.post("/admin/pause", a, &big).status, 413);

    let sent = api.commands().await;
    let actions: Vec<ExecAction> = sent.iter().map(|c| c.action.clone()).collect();
    assert_eq!(
        actions,
        [
            ExecAction::Pause {
                reason: "deploy window".into()
            },
            ExecAction::Resume,
            ExecAction::CancelAll,
            ExecAction::Flatten,
        ],
        "only the four valid calls were sent"
    );
    assert!(sent.iter().all(|c| c.actor == "e2e-admin"));
    assert!(sent
        .iter()
        .all(|c| (now_ns() - c.ts.0).abs() < 60_000_000_000));
    let trail = api.audit().await;
    let summary: Vec<(&str, AuditOutcome, &str)> = trail
        .iter()
        .map(|e| (e.action.as_str(), e.outcome, e.detail.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("pause", AuditOutcome::Accepted, "deploy window"),
            ("resume", AuditOutcome::Accepted, ""),
            ("cancel_all", AuditOutcome::Accepted, ""),
            ("flatten", AuditOutcome::Accepted, "eod"),
        ]
    );
    assert!(trail
        .iter()
        .all(|e| e.actor == "e2e-admin" && e.role == "admin"));
    let metrics = api.get("/metrics", None).body;
    assert!(metric(&metrics, "flashmm_api_bad_requests_total") >= 4.0);
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn health_fails_when_a_required_heartbeat_is_stale() {
    let api = Api::start(
        "api-health",
        &[("heartbeat_stale_ms = 5000", "heartbeat_stale_ms = 3000")],
    )
    .await;
    let r = api.get("/health", None);
    assert_eq!(r.status, 503, "nothing beats yet: {}", r.body);

    api.beat_all(now_ns()).await;
    let r = api.get("/health", None);
    assert_eq!(r.status, 200, "{}", r.body);
    let report = json(&r.body);
    assert_eq!(
        report["status"], "degraded",
        "sim-venue is optional and absent"
    );
    let api_row = report["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "api")
        .cloned()
        .unwrap();
    assert_eq!(api_row["up"], true, "the API beats itself");

    api.set(
        "heartbeat",
        "execution",
        &(now_ns() - 10_000_000_000).to_string(),
    )
    .await;
    let r = api.get("/health", None);
    assert_eq!(r.status, 503, "{}", r.body);
    let report = json(&r.body);
    assert_eq!(report["status"], "down");
    let exec = report["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "execution")
        .cloned()
        .unwrap();
    assert_eq!(exec["up"], false);
    assert!(exec["age_ms"].as_i64().unwrap() >= 10_000);

    api.set("heartbeat", "execution", "garbage").await;
    assert_eq!(
        api.get("/health", None).status,
        503,
        "an unreadable beat is not a live one"
    );
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limit_per_client_and_cors() {
    let api = Api::start(
        "api-limits",
        &[
            ("rate_limit_per_sec = 10000", "rate_limit_per_sec = 1"),
            ("rate_limit_burst = 10000", "rate_limit_burst = 3"),
            (
                "cors_origins = []",
                "cors_origins = [\"http://dash.example:3000\"]",
            ),
        ],
    )
    .await;
    let _ = api.get("/health", None);
    tokio::time::sleep(Duration::from_millis(3_100)).await;
    let preflight = |origin: &str| {
        http_request(
            api.port,
            "OPTIONS",
            "/trading/status",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "GET"),
                ("Access-Control-Request-Headers", "authorization"),
            ],
            None,
        )
        .unwrap()
    };
    let allowed = preflight("http://dash.example:3000");
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("http://dash.example:3000")
    );
    let foreign = preflight("http://evil.example");
    assert_eq!(
        foreign.header("access-control-allow-origin"),
        None,
        "{:?}",
        foreign.headers
    );
    let third = api.get("/health", None);
    assert_ne!(third.status, 429);
    let limited = api.get("/health", None);
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert_eq!(json(&limited.body)["error"], "rate_limited");
    assert!(limited.header("retry-after").is_some());
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_ne!(api.get("/health", None).status, 429, "the bucket refills");
    tokio::time::sleep(Duration::from_millis(3_100)).await;
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cors_is_closed_by_default() {
    let api = Api::start("api-cors", &[]).await;
    let viewer = api.token(Role::Viewer, 600);
    let auth = format!("Bearer {viewer}");
    let r = http_request(
        api.port,
        "GET",
        "/trading/status",
        &[("Origin", "http://evil.example"), ("Authorization", &auth)],
        None,
    )
    .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), None);
    let pre = http_request(
        api.port,
        "OPTIONS",
        "/trading/status",
        &[
            ("Origin", "http://evil.example"),
            ("Access-Control-Request-Method", "GET"),
        ],
        None,
    )
    .unwrap();
    assert_eq!(pre.header("access-control-allow-origin"), None);
    assert_ne!(pre.status, 200);
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn live_metrics_checks_the_token_at_upgrade_and_pushes_snapshots() {
    let api = Api::start("api-ws", &[]).await;
    api.seed("0.4125").await;
    let url = format!("ws://127.0.0.1:{}/ws/live-metrics", api.port);

    for query in ["", "?token=a.b.c", "?token=wrong-static"] {
        match tokio_tungstenite::connect_async(format!("{url}{query}")).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                let expected = if query.contains("wrong-static") {
                    403
                } else {
                    401
                };
                assert_eq!(response.status().as_u16(), expected, "{query}");
            }
            other => panic!("{query}: upgrade not refused: {:?}", other.map(|_| ())),
        }
    }

    let viewer = api.token(Role::Viewer, 600);
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("{url}?token={viewer}"))
        .await
        .expect("upgrade with a viewer token");
    let mut snapshots = Vec::new();
    let started = std::time::Instant::now();
    let mut moved = false;
    while snapshots.len() < 8 {
        let message = tokio::time::timeout(Duration::from_secs(3), socket.next())
            .await
            .expect("a snapshot within 3 s")
            .expect("open socket")
            .expect("frame");
        if let Message::Text(text) = message {
            let snapshot = json(text.as_str());
            snapshots.push(snapshot);
            if snapshots.len() == 3 && !moved {
                api.set_quotes("0.4200").await;
                moved = true;
            }
        }
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(1_400) && elapsed < Duration::from_secs(5),
        "8 snapshots at 3 Hz took {elapsed:?}"
    );
    let ts: Vec<i64> = snapshots
        .iter()
        .map(|s| s["ts"].as_i64().unwrap())
        .collect();
    assert!(ts.windows(2).all(|w| w[1] > w[0]), "{ts:?}");
    let first = snapshots
        .iter()
        .find(|s| s["status"]["markets"][0]["mid"] == "0.4125")
        .expect("the seeded state reaches the socket");
    assert_eq!(first["books"][0]["position"]["base_qty"], "-120");
    assert_eq!(first["books"][0]["fills"][0]["price"], "0.4126");
    assert_eq!(
        first["books"][0]["fills"][0]["qty"], "120.0",
        "1200 lots of 0.1"
    );
    assert_eq!(first["pnl_total"]["net"], "0.93");
    assert!(first["health"]["services"].is_array());
    let last = snapshots.last().unwrap();
    assert_eq!(
        last["status"]["markets"][0]["mid"], "0.4200",
        "a state change reaches the socket"
    );
    assert!(
        last["pnl_history"].as_array().unwrap().len()
            > first["pnl_history"].as_array().unwrap().len()
    );
    drop(socket);

    let short = api.token(Role::Viewer, 2);
    let request = http_header_request(&url, &short);
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("header token");
    let closed = tokio::time::timeout(Duration::from_secs(6), async {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Close(frame) = message {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    })
    .await
    .expect("closed within 6 s");
    assert_eq!(closed, Some(4401), "closed because the token expired");
    api.stop().await;
}

fn http_header_request(
    url: &str,
    token: &str,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse().unwrap());
    request
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_leave_the_process() {
    let api = Api::start("api-secrets", &[]).await;
    api.seed("0.4125").await;
    let admin = api.token(Role::Admin, 600);
    let mut bodies = Vec::new();
    for path in [
        "/",
        "/openapi.json",
        "/health",
        "/metrics",
        "/trading/status",
        "/trading/positions",
        "/trading/orders",
        "/trading/pnl",
    ] {
        bodies.push(api.get(path, Some(&admin)).body);
    }
    bodies.push(api.post("/admin/pause", Some(ADMIN_TOKEN), "{}").body);
    bodies.push(api.post("/admin/pause", Some(&admin), "{").body);
    bodies.push(
        api.post("/admin/pause", Some(&format!("{ADMIN_TOKEN}x")), "{}")
            .body,
    );
    bodies.push(
        api.get(&format!("/trading/status?token={admin}"), None)
            .body,
    );
    let url = format!("ws://127.0.0.1:{}/ws/live-metrics?token={admin}", api.port);
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.expect("ws");
    if let Ok(Some(Ok(Message::Text(text)))) =
        tokio::time::timeout(Duration::from_secs(3), socket.next()).await
    {
        bodies.push(text.to_string());
    }
    drop(socket);
    let log = api.stop().await;
    assert!(log.contains("\"listening\""), "the log was captured: {log}");
    assert!(log.contains("\"audit\""), "{log}");
    for secret in [SECRET, ADMIN_TOKEN, admin.as_str()] {
        for body in &bodies {
            assert!(!body.contains(secret), "a response holds a secret: {body}");
        }
        assert!(!log.contains(secret), "the log holds a secret");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_that_stalls_times_out() {
    use std::io::{Read, Write};
    let api = Api::start(
        "api-timeout",
        &[("request_timeout_ms = 5000", "request_timeout_ms = 300")],
    )
    .await;
    let admin = api.token(Role::Admin, 600);
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", api.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "POST /admin/pause HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin}\r\n\
         Content-Type: application/json\r\nContent-Length: 40\r\n\r\n{{\"reason\":"
    )
    .unwrap();
    let started = std::time::Instant::now();
    let mut response = vec![0u8; 256];
    let n = stream.read(&mut response).unwrap();
    let head = String::from_utf8_lossy(&response[..n]).into_owned();
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
    assert!(started.elapsed() < Duration::from_secs(4));
    assert!(api.commands().await.is_empty(), "nothing was sent");
    api.stop().await;
}
