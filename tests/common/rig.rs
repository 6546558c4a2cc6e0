//! [`Rig`]: a simulator with its demo key, ingest, a namespace of the test's own, and
//! execution started on demand: what the execution end-to-end tests share.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::{bin, http_get, poll_until, port, read_stream, redis_url, test_signer, Service, Stage};
use flashmm_bus::{Bus, Envelope, Namespace, RedisBus};
use flashmm_core::control::{ExecAction, ExecCommand};
use flashmm_core::market::{MarketId, Side};
use flashmm_core::risk::RiskEvent;
use flashmm_venue::venue::{OrderReport, SimVenue, SimVenueConfig, Venue};

/// A running simulator with its demo key, ingest, and what execution needs.
pub struct Rig {
    /// The config file with free ports.
    pub config: String,
    /// The ports by service name.
    pub ports: Vec<(String, u16)>,
    /// The namespace's name.
    pub ns: String,
    /// The test's namespace.
    pub namespace: Namespace,
    /// The Redis URL.
    pub url: String,
    /// The trading account's secret key (the simulator's demo key).
    pub secret: String,
    /// The test's own Redis connection.
    pub bus: RedisBus,
    /// A venue client with the trading account's key.
    pub venue: SimVenue,
    _sim: Service,
    /// The ingest process (taken to stop it).
    pub ingest: Option<Service>,
    /// The scratch directory (config, logs).
    pub dir: std::path::PathBuf,
}

impl Rig {
    pub async fn start(tag: &str) -> Rig {
        Rig::start_with(tag, &[]).await
    }

    /// A rig whose simulator takes `sim_args` too.
    pub async fn start_with(tag: &str, sim_args: &[&str]) -> Rig {
        Rig::start_on(tag, sim_args, redis_url()).await
    }

    /// A rig on the Redis at `url` whose simulator takes `sim_args` too.
    pub async fn start_on(tag: &str, sim_args: &[&str], url: String) -> Rig {
        let stage = Stage::on(tag, url);
        let (sim, secret) = start_sim(&stage.config, sim_args, &stage.env());
        let ingest = stage.start("ingest", &[]);
        let bus = stage.bus().await;
        let Stage {
            dir,
            config,
            ports,
            ns,
            url,
        } = stage;
        let venue_port = port(&ports, "venue");
        let mut venue = None;
        for _ in 0..100 {
            let cfg = SimVenueConfig::new(
                format!("http://127.0.0.1:{venue_port}"),
                format!("ws://127.0.0.1:{venue_port}/ws"),
            );
            if let Ok(v) = SimVenue::connect(cfg, Some(Arc::new(test_signer(&secret)))).await {
                venue = Some(v);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let namespace = Namespace::new(&ns).unwrap();
        // Market data flows before execution starts.
        wait_market_data(&bus, &namespace).await;
        Rig {
            config,
            ports,
            namespace,
            ns,
            url,
            secret,
            bus,
            venue: venue.expect("simulator answers"),
            _sim: sim,
            ingest: Some(ingest),
            dir,
        }
    }

    pub fn execution(&self, extra_env: &[(&str, &str)], args: &[&str]) -> Service {
        let mut env = vec![
            ("FLASHMM_NAMESPACE", self.ns.as_str()),
            ("REDIS_URL", self.url.as_str()),
            ("TRADING_PRIVATE_KEY", self.secret.as_str()),
        ];
        env.extend_from_slice(extra_env);
        let mut cmd = Command::new(bin("execution"));
        cmd.args(["--config", self.config.as_str()]).args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("execution.log"))
            .expect("log file");
        cmd.stdout(Stdio::null()).stderr(log);
        Service {
            child: cmd.spawn().expect("spawn execution"),
        }
    }

    /// The account's open orders at the venue (see [`open_orders`]).
    pub async fn open_orders(&self) -> Vec<OrderReport> {
        open_orders(&self.venue).await
    }

    pub async fn state(&self, name: &str) -> std::collections::BTreeMap<String, String> {
        self.bus
            .get_state(&self.namespace.state(name).unwrap())
            .await
            .unwrap()
    }

    pub async fn command(&self, action: ExecAction) {
        let cmd = ExecCommand {
            action,
            actor: "test".into(),
            ts: flashmm_core::time::UnixNanos(0),
        };
        let e = Envelope::new("", cmd.ts, cmd.ts, &cmd).unwrap();
        self.bus
            .publish(&self.namespace.cmd_exec(), &e)
            .await
            .unwrap();
    }

    pub async fn risk_kinds(&self) -> Vec<String> {
        let events = read_stream::<RiskEvent>(&self.bus, &self.namespace.risk()).await;
        events
            .into_iter()
            .map(|(_, e)| e.kind.as_str().to_owned())
            .collect()
    }

    pub fn metrics(&self) -> String {
        http_get(port(&self.ports, "execution"), "/metrics")
            .map(|(_, b)| b)
            .unwrap_or_default()
    }

    /// The execution logs, for failure messages.
    pub fn logs(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("execution.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().filter(|l| !l.contains("\"INFO\"")).collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    pub async fn cleanup(self) {
        self.bus.purge(&self.namespace).await.unwrap();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts the simulator (`--seed 11` and `sim_args`) on `config` in `env`; returns it with its
/// demo account's secret key, from the first line it prints.
pub fn start_sim(config: &str, sim_args: &[&str], env: &[(&str, &str)]) -> (Service, String) {
    let mut child = Command::new(bin("sim-venue"))
        .args(["--config", config, "--seed", "11"])
        .args(sim_args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sim-venue");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("demo key line");
    let secret = line
        .split_whitespace()
        .skip_while(|w| *w != "secret")
        .nth(1)
        .expect("secret on the demo line")
        .to_owned();
    (Service { child }, secret)
}

/// Waits (20 s at most, else fails the test) until ingest has written market data of both
/// markets into `namespace`.
pub async fn wait_market_data(bus: &RedisBus, namespace: &Namespace) {
    for mkt in ["SEI-USDC", "ETH-USDC"] {
        let stream = namespace.md(mkt).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while bus.len(&stream).await.unwrap_or(0) < 5 {
            assert!(Instant::now() < deadline, "{mkt}: no market data");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The open orders of `venue`'s account. A refused query (the test shares the account's rate
/// limit with execution) is retried; one that keeps failing for 5 s fails the test, so an
/// unreadable venue never passes for one with nothing open.
pub async fn open_orders(venue: &impl Venue) -> Vec<OrderReport> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match venue.open_orders(None).await {
            Ok(orders) => return orders,
            Err(e) => assert!(Instant::now() < deadline, "venue open orders: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Whether both sides of both markets have resting orders.
pub fn two_sided(orders: &[OrderReport]) -> bool {
    MARKETS.iter().all(|m| {
        let m = MarketId::new(m).unwrap();
        [Side::Buy, Side::Sell]
            .iter()
            .all(|s| orders.iter().any(|o| o.market == m && o.side == *s))
    })
}

/// Polls `f` every 250 ms until it holds or `timeout` passes. The checks query the venue with
/// the trading account's key, whose signed requests share one rate-limit bucket with
/// execution: faster polling would starve the service under test.
pub async fn wait_until<F, Fut>(timeout: Duration, f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    poll_until(Duration::from_millis(250), timeout, f).await
}

/// The markets the rig trades, in configuration order.
pub const MARKETS: [&str; 2] = ["SEI/USDC", "ETH/USDC"];

/// Per market of [`MARKETS`], the base position the venue's fills add up to.
pub fn venue_positions(fills: &[flashmm_venue::protocol::FillMsg]) -> Vec<rust_decimal::Decimal> {
    MARKETS
        .iter()
        .map(|m| {
            fills
                .iter()
                .filter(|f| f.market.as_str() == *m)
                .map(|f| match f.side {
                    Side::Buy => f.size,
                    Side::Sell => -f.size,
                })
                .sum()
        })
        .collect()
}

/// Per market of [`MARKETS`], the base position execution saved in `state:positions` of `ns`
/// (`Decimal::MIN` where none is saved, or the state cannot be read).
pub async fn saved_positions(bus: &RedisBus, ns: &Namespace) -> Vec<rust_decimal::Decimal> {
    let positions = bus
        .get_state(&ns.state("positions").expect("key"))
        .await
        .unwrap_or_default();
    MARKETS
        .iter()
        .map(|m| {
            positions
                .get(*m)
                .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
                .and_then(|p| p["base_qty"].as_str()?.parse().ok())
                .unwrap_or(rust_decimal::Decimal::MIN)
        })
        .collect()
}

impl Rig {
    /// The trading mode execution last wrote (`state:trading` field `mode`; empty when none).
    pub async fn mode(&self) -> String {
        self.state("trading")
            .await
            .get("mode")
            .cloned()
            .unwrap_or_default()
    }

    /// Whether the mode becomes `mode` within `timeout`.
    pub async fn wait_mode(&self, mode: &str, timeout: Duration) -> bool {
        wait_until(timeout, || async { self.mode().await == mode }).await
    }

    /// Whether both sides of both markets rest orders within `timeout`.
    pub async fn wait_two_sided(&self, timeout: Duration) -> bool {
        wait_until(timeout, || async { two_sided(&self.open_orders().await) }).await
    }

    /// [`saved_positions`] of the rig's namespace.
    pub async fn positions(&self) -> Vec<rust_decimal::Decimal> {
        saved_positions(&self.bus, &self.namespace).await
    }

    /// Every fill of the account at the venue (retrying the account's rate limit).
    pub async fn venue_fills(&self) -> Vec<flashmm_venue::protocol::FillMsg> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.venue.fills_since(0).await {
                Ok(fills) => return fills,
                Err(e) => {
                    assert!(Instant::now() < deadline, "venue fills: {e}");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
        }
    }
}
