//! The whole system as the operator runs it (`flashmm up`: simulator, ingest, feature,
//! inference, execution, api as detached processes, real Redis) under failure:
//!
//! - two-sided quotes on both markets soon after the start;
//! - `kill -9` of ingest, feature, inference, execution and api in turn, each restarted with
//!   `flashmm up`: consumer groups end with nothing pending and no lag, no orphan order,
//!   position equal to the venue's fills, no client id submitted twice or seen as two venue
//!   orders over the whole run;
//! - garbage, an unknown `type` and a future `v` written raw into `md`, `feat`, `pred` and
//!   `cmd:exec`: each dead-lettered with a reason by every group that reads it, counted, no
//!   service down;
//! - a private Redis stopped mid-run and started again: quotes pulled while it is down, every
//!   service still running, quoting again after it is back;
//! - feed faults (freeze, dropped WebSocket, sequence gap): quotes pulled within the stale
//!   timeout, restored after the resync;
//! - a 60 s soak with RSS and open file descriptors of every service flat.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use flashmm_bus::{Bus, Envelope, Namespace, Range, RedisBus};
use flashmm_core::control::{ExecAction, ExecCommand};
use flashmm_core::market::Side;
use flashmm_e2e::rig::{open_orders, two_sided, wait_until};
use flashmm_e2e::{
    bin, bin_dir, client_id_use, free_port, http_get, http_post_json, metric, redis_url,
    scratch_dir, Stage, SERVICES, TEST_KEY,
};
use flashmm_venue::protocol::FillMsg;
use flashmm_venue::venue::{OrderReport, SimVenue, SimVenueConfig, Venue};
use rust_decimal::Decimal;

/// The markets of `config/flashmm.toml`, as stream keys and as venue ids.
const MARKETS: [(&str, &str); 2] = [("SEI-USDC", "SEI/USDC"), ("ETH-USDC", "ETH/USDC")];

/// The consumer groups of the pipeline: (stream kind, group).
const GROUPS: [(&str, &str); 5] = [
    ("md", "feature"),
    ("md", "execution"),
    ("md", "inference-drift"),
    ("feat", "inference"),
    ("pred", "execution"),
];

/// `risk.stale_data_ms` of `config/flashmm.toml`.
const STALE_MS: u64 = 2000;

/// The whole system started by `flashmm up` in a namespace and scratch directory of its own.
struct System {
    stage: Stage,
    namespace: Namespace,
    run_dir: PathBuf,
    bus: RedisBus,
    venue: SimVenue,
}

impl System {
    /// Starts every service against the Redis at `url` and waits for two-sided quotes.
    async fn up(tag: &str, url: &str) -> System {
        let stage = Stage::on(tag, url.to_owned());
        let run_dir = stage.dir.join("logs");
        let started = Instant::now();
        let up = flashmm(&stage, &run_dir, &["up"]);
        if !up.status.success() {
            let _ = flashmm(&stage, &run_dir, &["down"]);
            panic!(
                "flashmm up failed: {}{}",
                String::from_utf8_lossy(&up.stdout),
                String::from_utf8_lossy(&up.stderr)
            );
        }
        let sys = System {
            bus: stage.bus().await,
            venue: connect_venue(stage.port("venue")).await,
            namespace: stage.namespace(),
            stage,
            run_dir,
        };
        assert!(
            sys.wait_two_sided(Duration::from_secs(30)).await,
            "no two-sided quotes: {}",
            sys.logs("execution")
        );
        eprintln!(
            "{tag}: two-sided quotes {:?} after `flashmm up` was run (process starts included)",
            started.elapsed()
        );
        sys
    }

    fn flashmm(&self, args: &[&str]) -> Output {
        flashmm(&self.stage, &self.run_dir, args)
    }

    fn flashmm_ok(&self, args: &[&str]) {
        let out = self.flashmm(args);
        assert!(
            out.status.success(),
            "flashmm {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn pid(&self, service: &str) -> u32 {
        std::fs::read_to_string(self.run_dir.join(format!("{service}.pid")))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| panic!("no pid file for {service}"))
    }

    /// Asserts every service still runs.
    fn assert_all_alive(&self) {
        for service in SERVICES {
            let pid = self.pid(service);
            assert!(
                alive(pid),
                "{service} (pid {pid}) died: {}",
                self.logs(service)
            );
        }
    }

    /// `kill -9` of a service, then `flashmm up` starts it again.
    async fn kill_9_and_restart(&self, service: &str, down_for: Duration) {
        let pid = self.pid(service);
        let status = Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        assert!(
            wait_until(Duration::from_secs(5), || async { !alive(pid) }).await,
            "{service} survived kill -9"
        );
        tokio::time::sleep(down_for).await;
        self.flashmm_ok(&["up"]);
        assert_ne!(self.pid(service), pid, "{service} was not started again");
    }

    /// The account's open orders at the venue (see [`open_orders`]).
    async fn open_orders(&self) -> Vec<OrderReport> {
        open_orders(&self.venue).await
    }

    async fn wait_two_sided(&self, timeout: Duration) -> bool {
        wait_until(timeout, || async { two_sided(&self.open_orders().await) }).await
    }

    async fn wait_no_orders(&self, timeout: Duration) -> bool {
        wait_until(timeout, || async {
            self.venue
                .open_orders(None)
                .await
                .is_ok_and(|o| o.is_empty())
        })
        .await
    }

    async fn state(&self, name: &str) -> BTreeMap<String, String> {
        self.bus
            .get_state(&self.namespace.state(name).expect("state key"))
            .await
            .unwrap_or_default()
    }

    async fn command(&self, action: ExecAction) {
        let cmd = ExecCommand {
            action,
            actor: "reliability-test".into(),
            ts: flashmm_runtime::now(),
        };
        let e = Envelope::new("", cmd.ts, cmd.ts, &cmd).expect("envelope");
        self.bus
            .publish(&self.namespace.cmd_exec(), &e)
            .await
            .expect("publish command");
    }

    fn metrics(&self, service: &str) -> String {
        http_get(self.stage.port(service), "/metrics")
            .map(|(_, b)| b)
            .unwrap_or_default()
    }

    /// The last warnings and errors of a service's log, for failure messages.
    fn logs(&self, service: &str) -> String {
        let text = std::fs::read_to_string(self.run_dir.join(format!("{service}.log")))
            .unwrap_or_default();
        let lines: Vec<&str> = text.lines().filter(|l| !l.contains("\"INFO\"")).collect();
        format!(
            "\n--- {service} log ---\n{}",
            lines[lines.len().saturating_sub(12)..].join("\n")
        )
    }

    /// Pending entries and lag of every pipeline group, as "stream/group pending lag".
    async fn backlog(&self) -> Vec<(String, u64, u64)> {
        let mut out = Vec::new();
        for (kind, group) in GROUPS {
            for (mkt, _) in MARKETS {
                let stream = match kind {
                    "md" => self.namespace.md(mkt),
                    "feat" => self.namespace.feat(mkt),
                    _ => self.namespace.pred(mkt),
                }
                .expect("stream name");
                let pending = self
                    .bus
                    .pending_count(&stream, group)
                    .await
                    .unwrap_or(u64::MAX);
                let lag = group_lag(&self.stage.url, stream.as_str(), group).unwrap_or(u64::MAX);
                out.push((format!("{}/{group}", stream.short()), pending, lag));
            }
        }
        out
    }

    /// Pauses execution, waits until nothing rests at the venue and the state is flushed, and
    /// checks the position of every market against the sum of the venue's fills; returns the
    /// fills.
    async fn assert_positions_match_fills(&self) -> Vec<FillMsg> {
        self.command(ExecAction::Pause {
            reason: "position check".into(),
        })
        .await;
        assert!(
            self.wait_no_orders(Duration::from_secs(10)).await,
            "pause did not cancel: {}",
            self.logs("execution")
        );
        // Fill events queue behind market data in execution's input: poll until the booked
        // positions converge on the venue's fills.
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let Ok(fills) = self.venue.fills_since(0).await else {
                assert!(Instant::now() < deadline, "venue fills not readable");
                tokio::time::sleep(Duration::from_millis(250)).await;
                continue;
            };
            let positions = self.state("positions").await;
            let pairs: Vec<(Decimal, Decimal)> = MARKETS
                .iter()
                .map(|(_, m)| {
                    let venue: Decimal = fills
                        .iter()
                        .filter(|f| f.market.as_str() == *m)
                        .map(|f| match f.side {
                            Side::Buy => f.size,
                            Side::Sell => -f.size,
                        })
                        .sum();
                    let ours = positions
                        .get(*m)
                        .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
                        .and_then(|p| p["base_qty"].as_str()?.parse().ok())
                        .unwrap_or(Decimal::MIN);
                    (ours, venue)
                })
                .collect();
            if pairs.iter().all(|(ours, venue)| ours == venue) {
                eprintln!("positions equal the venue's {} fills", fills.len());
                return fills;
            }
            assert!(
                Instant::now() < deadline,
                "positions (ours, venue's fills) per market differ: {pairs:?}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn down(self) {
        let out = self.flashmm(&["down"]);
        assert!(
            out.status.success(),
            "flashmm down: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let _ = self.bus.purge(&self.namespace).await;
        let _ = std::fs::remove_dir_all(&self.stage.dir);
    }
}

impl Drop for System {
    fn drop(&mut self) {
        if self.run_dir.join("execution.pid").exists() {
            let _ = self.flashmm(&["down", "--wait-secs", "3"]);
        }
    }
}

/// `flashmm ARGS --run-dir RUN [--bin-dir BINS]` in a namespace, with the test key.
fn flashmm(stage: &Stage, run_dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(bin("flashmm"));
    cmd.arg("--config").arg(&stage.config).args(args);
    if args.first() != Some(&"down") {
        cmd.arg("--bin-dir").arg(bin_dir());
    }
    cmd.arg("--run-dir")
        .arg(run_dir)
        .envs(stage.env())
        .env("TRADING_PRIVATE_KEY", TEST_KEY)
        .output()
        .expect("run flashmm")
}

/// A venue client for the test account.
async fn connect_venue(venue_port: u16) -> SimVenue {
    let signer = Arc::new(flashmm_e2e::test_signer(TEST_KEY));
    for _ in 0..100 {
        let cfg = SimVenueConfig::new(
            format!("http://127.0.0.1:{venue_port}"),
            format!("ws://127.0.0.1:{venue_port}/ws"),
        );
        if let Ok(v) = SimVenue::connect(cfg, Some(signer.clone())).await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the simulator does not answer on port {venue_port}");
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        !s.rsplit_once(')')
            .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
    })
}

/// A stream entry id as (ms, seq), for ordering.
fn entry_id(id: &str) -> Option<(u64, u64)> {
    let (ms, seq) = id.split_once('-')?;
    Some((ms.parse().ok()?, seq.parse().ok()?))
}

/// `redis-cli` output lines, trimmed.
fn redis_lines(url: &str, args: &[&str]) -> Vec<String> {
    Command::new("redis-cli")
        .args(["-u", url])
        .args(args)
        .stderr(Stdio::null())
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(|l| l.trim().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The id of a stream's newest entry.
fn newest_id(url: &str, stream: &str) -> Option<(u64, u64)> {
    entry_id(redis_lines(url, &["XREVRANGE", stream, "+", "-", "COUNT", "1"]).first()?)
}

/// Whether consumer group `group` of `stream` has read and acked every entry up to `mark`:
/// its last delivered id is at or past it, and its oldest pending entry (if any) is after it.
fn consumed_through(url: &str, stream: &str, group: &str, mark: (u64, u64)) -> bool {
    let info = redis_lines(url, &["XINFO", "GROUPS", stream]);
    let mut current = None;
    let mut delivered = None;
    for pair in info.chunks(2) {
        match pair {
            [k, v] if k == "name" => current = Some(v.clone()),
            [k, v] if k == "last-delivered-id" && current.as_deref() == Some(group) => {
                delivered = entry_id(v);
            }
            _ => {}
        }
    }
    // XPENDING summary: count, oldest id, newest id, consumers.
    let pending = redis_lines(url, &["XPENDING", stream, group]);
    let oldest_pending = pending.get(1).and_then(|id| entry_id(id));
    delivered.is_some_and(|d| d >= mark) && oldest_pending.is_none_or(|p| p > mark)
}

/// The `lag` of a consumer group (`XINFO GROUPS`), read with `redis-cli`.
fn group_lag(url: &str, stream: &str, group: &str) -> Option<u64> {
    let out = Command::new("redis-cli")
        .args(["-u", url, "XINFO", "GROUPS", stream])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut current = None;
    for pair in lines.chunks(2) {
        match pair {
            ["name", name] => current = Some(*name),
            ["lag", lag] if current == Some(group) => return lag.parse().ok(),
            _ => {}
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_of_each_service_loses_nothing() {
    let sys = System::up("rel-kill", &redis_url()).await;
    for service in ["ingest", "feature", "inference", "execution", "api"] {
        let t = Instant::now();
        sys.kill_9_and_restart(service, Duration::from_millis(1500))
            .await;
        assert!(
            sys.wait_two_sided(Duration::from_secs(30)).await,
            "no quotes after {service} was killed and restarted: {}",
            sys.logs("execution")
        );
        eprintln!(
            "{service}: killed, restarted, quoting again in {:?}",
            t.elapsed()
        );
    }
    sys.assert_all_alive();

    // Every entry a dead consumer had read but not acked is taken over, and what was published
    // while it was down is consumed.
    // Under live flow a group is drained once everything in its stream when the check began
    // was delivered to it and acked (entries keep arriving, so "nothing pending at all" is a
    // moment the flow may not leave).
    let mut marks = Vec::new();
    for (kind, group) in GROUPS {
        for (mkt, _) in MARKETS {
            let stream = match kind {
                "md" => sys.namespace.md(mkt),
                "feat" => sys.namespace.feat(mkt),
                _ => sys.namespace.pred(mkt),
            }
            .expect("stream name");
            // An empty stream (no model served: no predictions) is consumed through 0-0.
            let mark = newest_id(&sys.stage.url, stream.as_str()).unwrap_or((0, 0));
            marks.push((stream, group, mark));
        }
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut undrained: Vec<String> = Vec::new();
    while Instant::now() < deadline {
        undrained = marks
            .iter()
            .filter(|(stream, group, mark)| {
                !consumed_through(&sys.stage.url, stream.as_str(), group, *mark)
            })
            .map(|(stream, group, _)| format!("{}/{group}", stream.short()))
            .collect();
        if undrained.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        undrained.is_empty(),
        "groups that never consumed what their stream held: {undrained:?}; backlog (stream/group, pending, lag): {:?}",
        sys.backlog().await
    );

    // No orphan: every order resting at the venue is one execution tracks (its state is
    // flushed once a second, so a fresh order may be missing from one snapshot, not from all).
    // The check needs orders to look at: an empty listing proves nothing.
    let deadline = Instant::now() + Duration::from_secs(10);
    let (open, orphans) = loop {
        let open = sys.open_orders().await;
        let saved = sys.state("orders").await;
        let orphans: Vec<String> = open
            .iter()
            .filter(|o| !saved.contains_key(o.client_id.as_str()))
            .map(|o| o.client_id.as_str().to_owned())
            .collect();
        if (!open.is_empty() && orphans.is_empty()) || Instant::now() >= deadline {
            break (open, orphans);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert!(
        !open.is_empty(),
        "no open order at the venue to check for orphans: {}",
        sys.logs("execution")
    );
    assert!(
        orphans.is_empty(),
        "orders at the venue execution does not track: {orphans:?}"
    );
    let fills = sys.assert_positions_match_fills().await;
    // No intent went out twice, across every restart: each client id was submitted once and
    // is one order at the venue (the venue only refuses a client id while it is open).
    let markets: Vec<&str> = MARKETS.iter().map(|(key, _)| *key).collect();
    let ids = client_id_use(&sys.bus, &sys.namespace, &markets, &fills).await;
    assert!(ids.submitted > 0, "no order records to check: {ids:?}");
    assert!(ids.reused.is_empty(), "client ids reused: {:?}", ids.reused);
    eprintln!(
        "{} client ids submitted, {} filled",
        ids.submitted, ids.filled
    );
    sys.down().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_input_at_every_boundary_is_dead_lettered() {
    let sys = System::up("rel-dlq", &redis_url()).await;
    let streams = [
        sys.namespace.md("SEI-USDC").expect("md"),
        sys.namespace.feat("SEI-USDC").expect("feat"),
        sys.namespace.pred("SEI-USDC").expect("pred"),
        sys.namespace.cmd_exec(),
    ];
    let field = |k: &str, v: &str| (k.to_owned(), v.as_bytes().to_vec());
    let bad: [Vec<(String, Vec<u8>)>; 3] = [
        vec![("garbage".to_owned(), vec![0xff, 0x00, 0x13])],
        vec![
            field("type", "no_such_type"),
            field("v", "1"),
            field("mkt", "SEI-USDC"),
            field("ts", "1"),
            field("origin_ts", "1"),
            ("body".to_owned(), vec![0x80]),
        ],
        vec![
            field("type", "book_delta"),
            field("v", "99"),
            field("mkt", "SEI-USDC"),
            field("ts", "1"),
            field("origin_ts", "1"),
            ("body".to_owned(), vec![0x80]),
        ],
    ];
    for stream in &streams {
        for fields in &bad {
            sys.bus.publish_raw(stream, fields).await.expect("raw XADD");
        }
    }
    // Every group reading a stream dead-letters each bad entry once, with a reason.
    let readers = |short: &str| if short.starts_with("md:") { 3 } else { 1 };
    let deadline = Instant::now() + Duration::from_secs(20);
    let (complete, seen) = loop {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let dlq = sys
            .bus
            .range(&sys.namespace.dlq(), Range::Oldest(10_000))
            .await
            .unwrap_or_default();
        for d in dlq {
            let fields: BTreeMap<String, Vec<u8>> = d.payload.raw_fields().into_iter().collect();
            let source =
                String::from_utf8_lossy(fields.get("source").map_or(&[][..], |v| v)).into_owned();
            let reason = fields.get("reason").map_or(0, Vec::len);
            assert!(reason > 0, "dead letter from {source} without a reason");
            *seen.entry(source).or_insert(0) += 1;
        }
        let complete = streams
            .iter()
            .all(|s| seen.get(s.as_str()).copied().unwrap_or(0) >= 3 * readers(s.short()));
        if complete || Instant::now() >= deadline {
            break (complete, seen);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert!(complete, "dead letters by source: {seen:?}");
    for (service, least) in [("feature", 3.0), ("inference", 6.0), ("execution", 9.0)] {
        let counted = metric(&sys.metrics(service), "flashmm_bus_dead_letters_total");
        assert!(
            counted >= least,
            "{service} counted {counted} dead letters, expected {least}"
        );
    }
    sys.assert_all_alive();
    assert!(
        sys.wait_two_sided(Duration::from_secs(10)).await,
        "quoting stopped after bad input"
    );
    sys.down().await;
}

/// A redis-server of the test's own on a free port, persisting to a scratch directory.
struct PrivateRedis {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl PrivateRedis {
    fn start(dir: &Path) -> PrivateRedis {
        std::fs::create_dir_all(dir).expect("redis dir");
        let mut r = PrivateRedis {
            port: free_port(),
            dir: dir.to_path_buf(),
            child: None,
        };
        r.spawn();
        r
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--appendonly", "yes", "--save", ""])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server");
        self.child = Some(child);
        let up = (0..250).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            Command::new("redis-cli")
                .args(["-p", &self.port.to_string(), "PING"])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("PONG"))
        });
        assert!(up, "private redis-server did not start");
    }

    /// SIGTERM: Redis writes its append-only file and exits.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn redis_restart_pauses_trading_and_services_reconnect() {
    let redis_dir = scratch_dir("rel-redis-data");
    let mut redis = PrivateRedis::start(&redis_dir);
    let sys = System::up("rel-redis", &redis.url()).await;
    let pids: Vec<u32> = SERVICES.iter().map(|s| sys.pid(s)).collect();

    let stopped = Instant::now();
    redis.stop();
    // Without Redis no market data reaches execution: the quotes go within the stale timeout.
    assert!(
        sys.wait_no_orders(Duration::from_millis(STALE_MS + 5000))
            .await,
        "quotes still rest with Redis down: {}",
        sys.logs("execution")
    );
    eprintln!("redis down: quotes pulled after {:?}", stopped.elapsed());
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        sys.open_orders().await.is_empty(),
        "execution quoted while Redis was down"
    );
    for (service, pid) in SERVICES.iter().zip(&pids) {
        assert!(
            alive(*pid),
            "{service} exited with Redis down: {}",
            sys.logs(service)
        );
    }

    redis.spawn();
    let restarted = Instant::now();
    assert!(
        sys.wait_two_sided(Duration::from_secs(30)).await,
        "no quotes after Redis came back: {}{}",
        sys.logs("execution"),
        sys.logs("ingest")
    );
    eprintln!("redis back: quoting again after {:?}", restarted.elapsed());
    assert!(
        wait_until(Duration::from_secs(10), || async {
            sys.state("trading").await.get("mode").map(String::as_str) == Some("quoting")
        })
        .await,
        "state:trading not written again after the reconnect"
    );
    for (service, pid) in SERVICES.iter().zip(&pids) {
        assert!(
            alive(*pid),
            "{service} exited after Redis came back: {}",
            sys.logs(service)
        );
    }
    sys.down().await;
    drop(redis);
    let _ = std::fs::remove_dir_all(&redis_dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn feed_faults_pull_quotes_and_resync_restores_them() {
    let sys = System::up("rel-feed", &redis_url()).await;
    let venue_port = sys.stage.port("venue");
    let fault = |json: &str| {
        let (status, body) = http_post_json(venue_port, "/admin/faults", json).expect("faults");
        assert!(status.contains("200"), "{status}: {body}");
    };

    // Frozen feed: nothing new for longer than the stale timeout pulls every quote.
    let t = Instant::now();
    fault(r#"{"freeze_feed_ms": 5000}"#);
    assert!(
        sys.wait_no_orders(Duration::from_millis(STALE_MS + 2500))
            .await,
        "frozen feed: quotes not pulled"
    );
    eprintln!("freeze: quotes pulled after {:?}", t.elapsed());
    assert!(
        sys.wait_two_sided(Duration::from_secs(20)).await,
        "frozen feed: quotes not restored"
    );

    // Dropped WebSocket sessions: the simulator cancels on disconnect, ingest and execution
    // reconnect and resync, quoting resumes.
    let before = metric(
        &sys.metrics("ingest"),
        "flashmm_ingest_venue_disconnects_total",
    );
    fault(r#"{"drop_ws": true}"#);
    assert!(
        wait_until(Duration::from_secs(10), || async {
            metric(
                &sys.metrics("ingest"),
                "flashmm_ingest_venue_disconnects_total",
            ) > before
        })
        .await,
        "ingest did not see the drop"
    );
    assert!(
        sys.wait_two_sided(Duration::from_secs(20)).await,
        "dropped WebSocket: quotes not restored: {}",
        sys.logs("execution")
    );

    // A sequence gap: ingest resyncs from a snapshot, quoting goes on.
    let before = metric(&sys.metrics("ingest"), "flashmm_ingest_resyncs_total");
    fault(r#"{"skip_seq": 3}"#);
    assert!(
        wait_until(Duration::from_secs(10), || async {
            metric(&sys.metrics("ingest"), "flashmm_ingest_resyncs_total") > before
        })
        .await,
        "ingest did not resync after the gap: {}",
        sys.logs("ingest")
    );
    assert!(
        sys.wait_two_sided(Duration::from_secs(20)).await,
        "sequence gap: quotes not restored"
    );
    sys.assert_all_alive();
    sys.down().await;
}

/// Resident set size (kB) and open file descriptors of a process, from /proc.
fn rss_and_fds(pid: u32) -> (u64, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count);
    (rss, fds)
}

#[tokio::test(flavor = "multi_thread")]
async fn soak_keeps_rss_and_fds_flat() {
    let sys = System::up("rel-soak", &redis_url()).await;
    // Warm-up: buffers, connections and windows reach their working size.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let start: Vec<(u64, usize)> = SERVICES.iter().map(|s| rss_and_fds(sys.pid(s))).collect();
    tokio::time::sleep(Duration::from_secs(60)).await;
    sys.assert_all_alive();
    let end: Vec<(u64, usize)> = SERVICES.iter().map(|s| rss_and_fds(sys.pid(s))).collect();
    for ((service, (rss0, fd0)), (rss1, fd1)) in SERVICES.iter().zip(&start).zip(&end) {
        eprintln!("{service:<10} rss {rss0} kB -> {rss1} kB, fds {fd0} -> {fd1}");
        assert!(*rss0 > 0 && *fd0 > 0, "{service}: nothing read from /proc");
        assert!(
            *rss1 * 10 < *rss0 * 13,
            "{service}: RSS grew more than 30 % ({rss0} kB -> {rss1} kB)"
        );
        assert!(*fd1 < fd0 + 10, "{service}: open fds grew ({fd0} -> {fd1})");
    }
    assert!(
        sys.wait_two_sided(Duration::from_secs(10)).await,
        "not quoting at the end of the soak"
    );
    sys.down().await;
}
