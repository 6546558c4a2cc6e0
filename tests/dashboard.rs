//! The dashboard in a real headless Chromium (Debian's `chromium`, installed by
//! `scripts/setup`), driven over the Chrome DevTools protocol: the page loads from the `api`
//! binary, its values follow the state in Redis, and a pause click (the token typed into the
//! prompt) reaches `cmd:exec` and the audit trail.

#[path = "api_fixture.rs"]
mod fixture;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fixture::{Api, ADMIN_TOKEN};
use flashmm_auth::Role;
use flashmm_bus::{Bus, Payload, Range};
use flashmm_core::control::{AuditEntry, AuditOutcome, ExecAction};
use flashmm_e2e::rig::{start_sim, wait_market_data};
use flashmm_e2e::{bin, free_port, http_request, scratch_dir, wait_for, Service};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A headless Chromium with its DevTools endpoint on a free port.
struct Browser {
    port: u16,
    _process: Service,
    profile: std::path::PathBuf,
}

impl Browser {
    fn start() -> Browser {
        let binary = ["chromium", "chromium-browser"]
            .into_iter()
            .find(|b| {
                Command::new(b)
                    .arg("--version")
                    .output()
                    .is_ok_and(|o| o.status.success())
            })
            .expect("chromium is not installed: run scripts/setup (apt package `chromium`)");
        let port = free_port();
        let profile = scratch_dir("chromium");
        std::fs::create_dir_all(&profile).expect("profile dir");
        let child = Command::new(binary)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--window-size=1280,1600",
                &format!("--remote-debugging-port={port}"),
                &format!("--user-data-dir={}", profile.display()),
                "about:blank",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn chromium");
        let browser = Browser {
            port,
            _process: Service { child },
            profile,
        };
        wait_for(Duration::from_secs(20), || {
            http_request(port, "GET", "/json/version", &[], None)
                .ok()
                .filter(|r| r.status == 200)
        })
        .expect("chromium's DevTools endpoint answers within 20 s");
        browser
    }

    /// The DevTools WebSocket of the first page.
    fn page_ws(&self) -> String {
        let list = http_request(self.port, "GET", "/json/list", &[], None).expect("json/list");
        let targets: Vec<Value> = serde_json::from_str(&list.body).expect("targets");
        targets
            .iter()
            .find(|t| t["type"] == "page")
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .map(str::to_owned)
            .expect("a page target")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self._process.child.kill();
        let _ = self._process.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// One DevTools session on a page.
struct Page {
    socket: Socket,
    next_id: u64,
}

impl Page {
    async fn open(url: &str) -> Page {
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("DevTools socket");
        Page { socket, next_id: 1 }
    }

    async fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let request = json!({ "id": id, "method": method, "params": params });
        self.socket
            .send(Message::Text(request.to_string().into()))
            .await
            .expect("send");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = tokio::time::timeout(left, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("{method}: no answer in 10 s"))
                .expect("socket open")
                .expect("frame");
            let Message::Text(text) = message else {
                continue;
            };
            let reply: Value = serde_json::from_str(text.as_str()).expect("JSON");
            if reply["id"] == id {
                assert!(reply["error"].is_null(), "{method}: {reply}");
                return reply["result"].clone();
            }
        }
    }

    /// Evaluates `expression` in the page and returns its value.
    async fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true }),
            )
            .await;
        assert!(
            result["exceptionDetails"].is_null(),
            "{expression}: {result}"
        );
        result["result"]["value"].clone()
    }

    async fn text(&mut self, id: &str) -> String {
        let value = self
            .eval(&format!(
                "(document.getElementById('{id}') || {{}}).textContent || ''"
            ))
            .await;
        value.as_str().unwrap_or_default().to_owned()
    }

    /// Waits up to `timeout` for element `id` to satisfy `check`; returns its last text.
    async fn wait_text(
        &mut self,
        id: &str,
        timeout: Duration,
        check: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let text = self.text(id).await;
            if check(&text) {
                return text;
            }
            assert!(Instant::now() < deadline, "#{id} stayed at {text:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

async fn screenshot(page: &mut Page, path: &Path) {
    let shot = page
        .call("Page.captureScreenshot", json!({ "format": "png" }))
        .await;
    let data = shot["data"].as_str().unwrap_or_default();
    assert!(data.len() > 1000, "a screenshot was taken");
    if let Some(dir) = std::env::var_os("FLASHMM_SCREENSHOT_DIR") {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .expect("base64 screenshot");
        std::fs::write(Path::new(&dir).join(path), bytes).expect("write screenshot");
    }
}

/// Opens the dashboard of `api` with a viewer token in the address.
async fn open_dashboard(browser: &Browser, api: &Api) -> Page {
    let mut page = Page::open(&browser.page_ws()).await;
    let viewer = api.token(Role::Viewer, 600);
    page.call("Page.enable", json!({})).await;
    page.call(
        "Page.navigate",
        json!({ "url": format!("http://127.0.0.1:{}/#token={viewer}", api.port) }),
    )
    .await;
    page
}

/// Clicks button `id` with `token` typed into its prompt.
async fn click_with_token(page: &mut Page, id: &str, token: &str) {
    page.eval(&format!(
        "window.prompt = () => '{token}'; document.getElementById('{id}').click(); true"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dashboard_shows_live_state_and_pause_reaches_execution() {
    let api = Api::start("dashboard", &[]).await;
    api.seed("0.4125").await;
    api.beat_all(fixture::now_ns()).await;
    let browser = Browser::start();
    let mut page = open_dashboard(&browser, &api).await;

    page.wait_text("conn", Duration::from_secs(10), |t| t == "live")
        .await;
    page.wait_text("mid", Duration::from_secs(5), |t| t == "0.4125")
        .await;
    assert_eq!(page.text("mode").await, "quoting");
    assert_eq!(page.text("killswitch").await, "kill switch: armed");
    assert_eq!(page.text("inventory").await, "-120");
    assert_eq!(page.text("pnl-net").await, "0.93");
    assert_eq!(page.text("p-up").await, "0.500");
    assert_eq!(page.text("lat-p99").await, "2400 µs");
    assert!(page.text("fills").await.contains("0.4126"));
    assert_eq!(
        page.eval("location.hash").await,
        "",
        "the token is taken out of the address bar"
    );

    let first = page.text("updated").await;
    page.wait_text("updated", Duration::from_secs(3), |t| t != first)
        .await;
    api.set_quotes("0.4200").await;
    api.set("trading", "mode", "killed").await;
    page.wait_text("mid", Duration::from_secs(3), |t| t == "0.4200")
        .await;
    page.wait_text("killswitch", Duration::from_secs(3), |t| {
        t.contains("TRIPPED")
    })
    .await;
    let points = page
        .eval("document.getElementById('chart-price').getContext('2d').getImageData(0,0,300,200).data.some(v => v > 0)")
        .await;
    assert_eq!(points, true, "the price chart is drawn");
    screenshot(&mut page, Path::new("dashboard.png")).await;

    click_with_token(&mut page, "btn-pause", ADMIN_TOKEN).await;
    page.wait_text("action-result", Duration::from_secs(5), |t| {
        t.contains("accepted")
    })
    .await;
    let commands = api.commands().await;
    assert_eq!(commands.len(), 1, "{commands:?}");
    assert_eq!(
        commands[0].action,
        ExecAction::Pause {
            reason: "pause from the dashboard".into()
        }
    );
    assert_eq!(commands[0].actor, "admin-token");
    let trail = api
        .bus
        .range(&api.namespace.audit(), Range::Newest(1))
        .await
        .unwrap();
    let entry: AuditEntry = match &trail[0].payload {
        Payload::Envelope(e) => e.decode().unwrap(),
        Payload::Malformed { error, .. } => panic!("{error}"),
    };
    assert_eq!(
        (entry.action.as_str(), entry.outcome),
        ("pause", AuditOutcome::Accepted)
    );
    page.wait_text("audit", Duration::from_secs(3), |t| t.contains("accepted"))
        .await;

    click_with_token(&mut page, "btn-resume", "not-the-token").await;
    page.wait_text("action-result", Duration::from_secs(5), |t| {
        t.contains("403")
    })
    .await;
    drop(page);
    drop(browser);
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pause_click_pauses_the_real_execution() {
    let tag = "dash-pipeline";
    let stage = Api::config(tag, &[]);
    let env = stage.env();
    let (_sim, secret) = start_sim(&stage.config, &[], &env);
    let _ingest = stage.start("ingest", &[]);
    let bus = stage.bus().await;
    wait_market_data(&bus, &stage.namespace()).await;
    let mut exec_env = env.to_vec();
    exec_env.push(("TRADING_PRIVATE_KEY", secret.as_str()));
    let _execution = Service::start(&bin("execution"), &["--config", &stage.config], &exec_env);
    let api = Api::launch(stage).await;
    let browser = Browser::start();
    let mut page = open_dashboard(&browser, &api).await;

    page.wait_text("mode", Duration::from_secs(30), |t| t == "quoting")
        .await;
    page.wait_text("bid", Duration::from_secs(10), |t| t.contains('×'))
        .await;
    page.wait_text("ask", Duration::from_secs(10), |t| t.contains('×'))
        .await;
    let first = page.text("updated").await;
    page.wait_text("updated", Duration::from_secs(3), |t| t != first)
        .await;

    click_with_token(&mut page, "btn-pause", ADMIN_TOKEN).await;
    page.wait_text("action-result", Duration::from_secs(5), |t| {
        t.contains("accepted")
    })
    .await;
    let trading = api.namespace.state("trading").expect("key");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let state = api.bus.get_state(&trading).await.expect("HGETALL");
        if state.get("mode").map(String::as_str) == Some("paused") {
            assert!(
                state["reason"].contains("pause from the dashboard"),
                "{state:?}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "execution did not pause: {state:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    page.wait_text("mode", Duration::from_secs(5), |t| t == "paused")
        .await;

    click_with_token(&mut page, "btn-resume", ADMIN_TOKEN).await;
    page.wait_text("mode", Duration::from_secs(10), |t| t == "quoting")
        .await;
    drop(page);
    drop(browser);
    api.stop().await;
}
