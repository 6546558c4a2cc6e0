//! The `api` binary on a real Redis for the API and dashboard tests: a namespace and config of
//! the test's own, its log captured, tokens signed with the configured key, and execution's
//! state contract written by hand.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use flashmm_auth::Role;
use flashmm_bus::{Bus, Envelope, Namespace, RedisBus};
use flashmm_core::control::{AuditEntry, ExecCommand};
use flashmm_core::identifiers::{ClientOrderId, TradeId, VenueOrderId};
use flashmm_core::market::{MarketId, Price, Qty, Side};
use flashmm_core::order::{Fill, Liquidity};
use flashmm_core::signal::Prediction;
use flashmm_core::time::UnixNanos;
use flashmm_e2e::{bin, http_request, read_stream, wait_for, HttpResponse, Service, Stage};

/// `SECRET_KEY` of the API under test.
pub const SECRET: &str = "e2e-jwt-signing-key-7f3a-0d5e91b2";
/// `API_ADMIN_TOKEN` of the API under test.
pub const ADMIN_TOKEN: &str = "e2e-static-admin-9c1d";

/// A running `api`.
pub struct Api {
    /// Its HTTP port.
    pub port: u16,
    /// Its namespace.
    pub namespace: Namespace,
    /// A client of the same Redis.
    pub bus: RedisBus,
    /// Its stderr (JSON log lines).
    pub log: PathBuf,
    dir: PathBuf,
    process: Service,
}

/// The wall clock, UTC ns.
pub fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or_default()
}

/// The wall clock, Unix seconds.
pub fn now_secs() -> i64 {
    now_ns() / 1_000_000_000
}

impl Api {
    /// Starts `api` with the committed config, rate limits raised out of the way, and
    /// `edits` (`from`, `to`) applied to the config text.
    pub async fn start(tag: &str, edits: &[(&str, &str)]) -> Api {
        Api::launch(Api::config(tag, edits)).await
    }

    /// A stage whose config has rate limits raised out of the way and `edits` applied.
    pub fn config(tag: &str, edits: &[(&str, &str)]) -> Stage {
        let stage = Stage::new(tag);
        let mut text = std::fs::read_to_string(&stage.config).expect("config");
        let mut all = vec![
            ("rate_limit_per_sec = 20", "rate_limit_per_sec = 10000"),
            ("rate_limit_burst = 40", "rate_limit_burst = 10000"),
        ];
        all.extend_from_slice(edits);
        for (from, to) in all {
            assert!(text.contains(from), "config has no {from:?}");
            text = text.replace(from, to);
        }
        std::fs::write(&stage.config, text).expect("write config");
        stage
    }

    /// Starts `api` on `stage`; its directory is removed by [`Api::stop`].
    pub async fn launch(stage: Stage) -> Api {
        let log = stage.dir.join("api.log");
        let child = Command::new(bin("api"))
            .args(["--config", &stage.config])
            .envs(stage.env())
            .env("SECRET_KEY", SECRET)
            .env("API_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("LOG_LEVEL", "debug")
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("spawn api");
        let process = Service { child };
        let port = stage.port("api-http");
        wait_for(Duration::from_secs(10), || {
            http_request(port, "GET", "/health", &[], None).ok()
        })
        .expect("api answers within 10 s");
        Api {
            port,
            namespace: stage.namespace(),
            bus: stage.bus().await,
            log,
            dir: stage.dir,
            process,
        }
    }

    /// A JWT for `role` signed with [`SECRET`], valid `ttl_secs`.
    pub fn token(&self, role: Role, ttl_secs: u64) -> String {
        let sub = format!("e2e-{role}");
        flashmm_auth::issue(
            SECRET.as_bytes(),
            &sub,
            role,
            Duration::from_secs(ttl_secs),
            now_secs(),
        )
        .expect("token")
    }

    /// `GET path` with an optional bearer token.
    pub fn get(&self, path: &str, token: Option<&str>) -> HttpResponse {
        let auth = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = auth
            .as_deref()
            .map(|a| vec![("Authorization", a)])
            .unwrap_or_default();
        http_request(self.port, "GET", path, &headers, None).expect("GET")
    }

    /// `POST path` with an optional bearer token and a JSON body.
    pub fn post(&self, path: &str, token: Option<&str>, body: &str) -> HttpResponse {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(a) = auth.as_deref() {
            headers.push(("Authorization", a));
        }
        http_request(self.port, "POST", path, &headers, Some(body.as_bytes())).expect("POST")
    }

    /// The commands written to `cmd:exec`, oldest first.
    pub async fn commands(&self) -> Vec<ExecCommand> {
        let entries = read_stream(&self.bus, &self.namespace.cmd_exec()).await;
        entries.into_iter().map(|(_, command)| command).collect()
    }

    /// The audit trail, oldest first.
    pub async fn audit(&self) -> Vec<AuditEntry> {
        let entries = read_stream(&self.bus, &self.namespace.audit()).await;
        entries.into_iter().map(|(_, entry)| entry).collect()
    }

    /// Writes one field of a state hash.
    pub async fn set(&self, hash: &str, field: &str, value: &str) {
        let key = self.namespace.state(hash).expect("state key");
        self.bus
            .set_state(&key, &[(field.to_owned(), value.to_owned())])
            .await
            .expect("HSET");
    }

    /// Writes a heartbeat of every required service at `ts`.
    pub async fn beat_all(&self, ts: i64) {
        for service in ["ingest", "feature", "inference", "execution"] {
            self.set("heartbeat", service, &ts.to_string()).await;
        }
    }

    /// Writes the state execution and inference keep, as their contract says, with the mid at
    /// `mid` (a decimal string) for SEI/USDC.
    pub async fn seed(&self, mid: &str) {
        let ts = now_ns();
        self.set("trading", "mode", "quoting").await;
        self.set("trading", "reason", "").await;
        self.set("trading", "updated_ts", &ts.to_string()).await;
        self.set(
            "positions",
            "SEI/USDC",
            &format!(
                r#"{{"market":"SEI/USDC","base_qty":"-120","avg_entry":"0.4125","realized_pnl":"1.25",
                "unrealized_pnl":"-0.30","fees":"0.02","mark":"{mid}","notional":"-49.5","updated_ts":{ts}}}"#
            ),
        )
        .await;
        self.set_quotes(mid).await;
        self.set(
            "orders",
            "fm-1",
            &format!(
                r#"{{"market":"SEI/USDC","side":"buy","price":"0.4120","qty":"100","filled":"0",
                "status":"open","venue_id":"v-77","ts":{ts}}}"#
            ),
        )
        .await;
        let pnl = format!(
            r#"{{"realized":"1.25","unrealized":"-0.30","fees":"0.02","net":"0.93","ts":{ts}}}"#
        );
        self.set("pnl", "SEI/USDC", &pnl).await;
        self.set("pnl", "total", &pnl).await;
        self.set("latency", "tick_to_quote_p50_us", "850").await;
        self.set("latency", "tick_to_quote_p99_us", "2400").await;
        self.set("latency", "decision_p99_us", "31").await;
        self.set("model", "healthy:SEI-USDC", "1").await;
        self.set("model", "model_id:SEI-USDC", "mlp-7").await;
        let market = MarketId::new("SEI/USDC").expect("market");
        let prediction = Prediction {
            market: market.clone(),
            model_version: "mlp-7".into(),
            horizon_ms: 500,
            p_down: 0.2,
            p_flat: 0.3,
            p_up: 0.5,
            expected_move_bps: 1.5,
            ts: UnixNanos(ts),
            origin_ts: UnixNanos(ts),
            inference_ns: 0,
        };
        let envelope =
            Envelope::new("SEI-USDC", UnixNanos(ts), UnixNanos(ts), &prediction).expect("env");
        let stream = self.namespace.pred("SEI-USDC").expect("pred");
        self.bus.publish(&stream, &envelope).await.expect("XADD");
        let fill = Fill {
            market,
            client_id: ClientOrderId::new("fm-0").expect("id"),
            venue_order_id: VenueOrderId::new("v-76").expect("id"),
            trade_id: TradeId::new("t-1").expect("id"),
            side: Side::Sell,
            price: Price::from_ticks(4_126),
            qty: Qty::from_lots(1_200),
            fee: rust_decimal::Decimal::new(2, 2),
            liquidity: Liquidity::Maker,
            ts: UnixNanos(ts),
        };
        let envelope = Envelope::new("SEI-USDC", UnixNanos(ts), UnixNanos(ts), &fill).expect("env");
        let stream = self.namespace.fills("SEI-USDC").expect("fills");
        self.bus.publish(&stream, &envelope).await.expect("XADD");
    }

    /// Writes SEI/USDC quotes one tick either side of `mid`.
    pub async fn set_quotes(&self, mid: &str) {
        let m: rust_decimal::Decimal = mid.parse().expect("mid");
        let tick = rust_decimal::Decimal::new(1, 4);
        self.set(
            "quotes",
            "SEI/USDC",
            &format!(
                r#"{{"bids":[{{"price":"{}","qty":"100"}}],"asks":[{{"price":"{}","qty":"100"}}],
                "mid":"{mid}","ts":{},"prediction_fresh":true}}"#,
                m - tick,
                m + tick,
                now_ns()
            ),
        )
        .await;
    }

    /// Stops the API (SIGTERM, clean exit asserted), removes its keys and returns its log.
    pub async fn stop(mut self) -> String {
        let status = self.process.terminate(Duration::from_secs(5));
        assert!(
            status.is_some_and(|s| s.success()),
            "api did not stop cleanly: {status:?}"
        );
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        self.bus.purge(&self.namespace).await.expect("purge");
        let _ = std::fs::remove_dir_all(&self.dir);
        log
    }
}
