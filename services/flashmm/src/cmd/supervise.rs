//! `flashmm up`, `flashmm down`, `flashmm restart SERVICE`: the operator's process supervisor.
//!
//! Each service runs as its own detached process (own process group, so a Ctrl-C in the
//! operator's terminal does not reach it), with its log in `logs/SERVICE.log` and its pid in
//! `logs/SERVICE.pid`. `up` starts what is not running, in pipeline order (the simulator first),
//! and waits for each heartbeat; `down` stops the services in reverse order with SIGTERM
//! (SIGKILL after a grace period): execution cancels every order at the venue before it exits,
//! and `down` then checks that `state:orders` is empty. The binaries are looked up next to the
//! `flashmm` binary itself.
//!
//! The simulator funds the account of the trading key that execution loads (the keystore of
//! `venue.key_file`, or `TRADING_PRIVATE_KEY`), so the two agree without copying keys around:
//! it is given the key's public id (`--account-pubkey`), never the key.
//!
//! A service does not inherit the operator's environment: each gets only the variables on its
//! allow-list ([`allowed_env`]): what any process needs (`PATH`, `HOME`, locale, `TZ`,
//! `RUST_LOG`...), the non-secret configuration overrides and `REDIS_URL`, plus its own. The
//! trading key (`TRADING_PRIVATE_KEY`, `TRADING_KEY_FILE`) and the keystore passphrase
//! (`ENCRYPTION_KEY`, `ENCRYPTION_KEY_FILE`) reach execution only; the API's tokens
//! (`API_ADMIN_TOKEN`, `SECRET_KEY`, `TWITTER_BEARER_TOKEN`) and `INFLUXDB_TOKEN` reach the API
//! only.

use std::fs::{self, OpenOptions};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Args;
use flashmm_bus::{Bus, Namespace, RedisBus, RedisBusConfig};
use flashmm_core::config::{Config, HyperliquidNetwork, VenueKind};
use flashmm_runtime::{load_config, now};
use flashmm_venue::signing::keystore::{PASSPHRASE_ENV, PASSPHRASE_FILE_ENV};
use flashmm_venue::signing::{Keystore, Signer};

/// Start order; `down` stops in reverse.
pub use flashmm_core::config::SERVICES as START_ORDER;

/// Variables every service gets: what a process needs to run, the non-secret configuration
/// overrides, and `REDIS_URL` (every service uses the bus).
const COMMON_ENV: [&str; 31] = [
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "TZ",
    "TMPDIR",
    "RUST_LOG",
    "RUST_BACKTRACE",
    "RUST_LIB_BACKTRACE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "ENVIRONMENT",
    "LOG_LEVEL",
    "FLASHMM_NAMESPACE",
    "REDIS_URL",
    "INFLUXDB_URL",
    "MAX_POSITION_USDC",
    "QUOTE_FREQUENCY_HZ",
    "VENUE",
    "PAPER_SYMBOLS",
    "PAPER_LEDGER_FILE",
    "SEI_RPC_URL",
    "SEI_WS_URL",
    "SEI_CHAIN_ID",
    "HYPERLIQUID_NETWORK",
    "HYPERLIQUID_API_URL",
    "HYPERLIQUID_WS_URL",
    "HYPERLIQUID_ACCOUNT",
];

/// Variables one service gets besides [`COMMON_ENV`]; a name ending in `*` is a prefix.
fn own_env(service: &str) -> &'static [&'static str] {
    match service {
        "inference" => &["FLASHMM_MODEL", "ORT_DYLIB_PATH"],
        "sim-venue" => &["SIM_*"],
        "execution" => &[
            "TRADING_PRIVATE_KEY",
            "TRADING_KEY_FILE",
            PASSPHRASE_ENV,
            PASSPHRASE_FILE_ENV,
            "EXEC_*",
        ],
        "api" => &[
            "API_ADMIN_TOKEN",
            "SECRET_KEY",
            "TWITTER_BEARER_TOKEN",
            "INFLUXDB_TOKEN",
        ],
        _ => &[],
    }
}

/// Whether `service` is started with the variable `name` of `flashmm up`'s environment.
pub fn allowed_env(service: &str, name: &str) -> bool {
    COMMON_ENV
        .iter()
        .chain(own_env(service))
        .any(|allowed| match allowed.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == *allowed,
        })
}

/// Options shared by `up`, `down` and `restart`.
#[derive(Debug, Args)]
pub struct SuperviseArgs {
    /// Directory of logs and pid files.
    #[arg(long, default_value = "logs")]
    pub run_dir: PathBuf,
    /// Directory of the service binaries (default: the directory of this `flashmm` binary).
    #[arg(long)]
    pub bin_dir: Option<PathBuf>,
    /// Seconds to wait for a heartbeat after a start, or for a process to stop.
    #[arg(long, default_value_t = 20)]
    pub wait_secs: u64,
}

/// `flashmm up`: starts every service that is not running.
pub async fn up(config_path: &Path, args: &SuperviseArgs) -> anyhow::Result<()> {
    let config = load_config(config_path)?;
    let sup = Supervisor::new(config_path, &config, args)?;
    let bus = connect(&config).await?;
    if config.venue.kind == VenueKind::Paper {
        println!("venue: {}", config.venue.describe());
    }
    if config.venue.kind == VenueKind::Hyperliquid {
        let hl = &config.venue.hyperliquid;
        match hl.network {
            HyperliquidNetwork::Mainnet => println!(
                "!!! venue: hyperliquid MAINNET ({}): real funds !!!",
                hl.api_url
            ),
            HyperliquidNetwork::Testnet => println!("venue: hyperliquid testnet ({})", hl.api_url),
        }
    }
    for service in START_ORDER {
        // The simulator is the venue of `sim`, and of `paper` following a live feed.
        if service == "sim-venue" && !matches!(config.venue.kind, VenueKind::Sim | VenueKind::Paper)
        {
            continue;
        }
        match sup.running(service) {
            Some(pid) => println!("{service:<10} already running (pid {pid})"),
            None => {
                let since = now();
                let mut child = sup.spawn(service)?;
                let pid = child.id();
                wait_heartbeat(&bus, &config, service, since, &sup, &mut child).await?;
                println!(
                    "{service:<10} started (pid {pid}, log {})",
                    sup.log(service).display()
                );
            }
        }
    }
    println!(
        "dashboard: http://{}/  (API_ADMIN_TOKEN pauses and resumes)",
        config.api.bind
    );
    Ok(())
}

/// `flashmm down`: stops every service, execution cancelling every order as it stops.
pub async fn down(config_path: &Path, args: &SuperviseArgs) -> anyhow::Result<()> {
    let config = load_config(config_path)?;
    let sup = Supervisor::new(config_path, &config, args)?;
    let trading = sup.running("execution").is_some();
    for service in START_ORDER.iter().rev() {
        if sup.stop(service)? {
            println!("{service:<10} stopped");
        }
    }
    // Execution cancels every order at the venue when it is stopped (SIGTERM), and then
    // empties `state:orders`.
    if trading {
        let left = async {
            let orders = Namespace::new(&config.namespace)?.state("orders")?;
            anyhow::Ok(connect(&config).await?.get_state(&orders).await?.len())
        }
        .await;
        match left {
            Ok(0) => println!("orders     all cancelled by execution before it stopped"),
            Ok(n) => eprintln!(
                "orders     {n} still recorded as open: see {} (the venue cancels on disconnect)",
                sup.log("execution").display()
            ),
            Err(e) => eprintln!("orders     not checked ({e:#})"),
        }
    }
    Ok(())
}

/// `flashmm restart SERVICE`: stops one service and starts it again.
pub async fn restart(
    config_path: &Path,
    args: &SuperviseArgs,
    service: &str,
) -> anyhow::Result<()> {
    if !START_ORDER.contains(&service) {
        bail!(
            "unknown service {service:?}: expected one of {}",
            START_ORDER.join(", ")
        );
    }
    let config = load_config(config_path)?;
    let sup = Supervisor::new(config_path, &config, args)?;
    let bus = connect(&config).await?;
    sup.stop(service)?;
    let since = now();
    let mut child = sup.spawn(service)?;
    let pid = child.id();
    wait_heartbeat(&bus, &config, service, since, &sup, &mut child).await?;
    println!("{service:<10} restarted (pid {pid})");
    Ok(())
}

/// Where the binaries, logs and pid files are.
struct Supervisor {
    config: PathBuf,
    run_dir: PathBuf,
    bin_dir: PathBuf,
    wait: Duration,
    /// The public key of the trading key, which the simulator funds as its demo account.
    sim_account: Option<String>,
}

impl Supervisor {
    fn new(config: &Path, loaded: &Config, args: &SuperviseArgs) -> anyhow::Result<Self> {
        let bin_dir = match &args.bin_dir {
            Some(d) => d.clone(),
            None => std::env::current_exe()
                .context("cannot find the flashmm binary")?
                .parent()
                .map(Path::to_path_buf)
                .context("the flashmm binary has no directory")?,
        };
        fs::create_dir_all(&args.run_dir)
            .with_context(|| format!("cannot create {}", args.run_dir.display()))?;
        Ok(Supervisor {
            config: fs::canonicalize(config)
                .with_context(|| format!("cannot read {}", config.display()))?,
            run_dir: args.run_dir.clone(),
            bin_dir,
            wait: Duration::from_secs(args.wait_secs),
            sim_account: trading_key_id(loaded)?,
        })
    }

    fn log(&self, service: &str) -> PathBuf {
        self.run_dir.join(format!("{service}.log"))
    }

    fn pid_file(&self, service: &str) -> PathBuf {
        self.run_dir.join(format!("{service}.pid"))
    }

    /// The pid of the running service, if its pid file names a live process of that binary.
    fn running(&self, service: &str) -> Option<u32> {
        let pid: u32 = fs::read_to_string(self.pid_file(service))
            .ok()?
            .trim()
            .parse()
            .ok()?;
        is_process_of(pid, service).then_some(pid)
    }

    fn spawn(&self, service: &str) -> anyhow::Result<Child> {
        if service != "sim-venue" {
            return self.spawn_with(service, &[]);
        }
        // Under `paper` the simulator follows the feed of `[venue.paper]` by itself.
        let mut extra = Vec::new();
        if let Some(key) = &self.sim_account {
            extra.extend(["--account-pubkey".into(), key.clone()]);
        }
        self.spawn_with(service, &extra)
    }

    /// Starts `service` with `--config` and `extra` arguments, detached, logging to its log.
    fn spawn_with(&self, service: &str, extra: &[String]) -> anyhow::Result<Child> {
        let bin = self.bin_dir.join(service);
        if !bin.is_file() {
            bail!(
                "no {} binary in {}: build with `cargo build --release --workspace --bins`",
                service,
                self.bin_dir.display()
            );
        }
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log(service))
            .with_context(|| format!("cannot open {}", self.log(service).display()))?;
        let env = std::env::vars_os()
            .filter(|(name, _)| name.to_str().is_some_and(|name| allowed_env(service, name)));
        let child = Command::new(&bin)
            .arg("--config")
            .arg(&self.config)
            .args(extra)
            .env_clear()
            .envs(env)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        fs::write(self.pid_file(service), format!("{}\n", child.id()))?;
        Ok(child)
    }

    /// Stops the service if it runs: SIGTERM, then SIGKILL after the grace period. True when
    /// a process was stopped.
    fn stop(&self, service: &str) -> anyhow::Result<bool> {
        let Some(pid) = self.running(service) else {
            let _ = fs::remove_file(self.pid_file(service));
            return Ok(false);
        };
        signal(pid, "TERM")?;
        let deadline = Instant::now() + self.wait;
        while is_process_of(pid, service) {
            if Instant::now() > deadline {
                eprintln!("{service} did not stop within {:?}: SIGKILL", self.wait);
                signal(pid, "KILL")?;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = fs::remove_file(self.pid_file(service));
        Ok(true)
    }
}

/// The key id (public key) of the trading key execution will load: from
/// `TRADING_PRIVATE_KEY` when set, else from the keystore file (its key id needs no passphrase).
/// `None` when there is neither: the simulator then generates and prints a demo key.
fn trading_key_id(config: &Config) -> anyhow::Result<Option<String>> {
    if !config.venue.private_key.is_empty() {
        let signer = Signer::from_hex(config.venue.private_key.expose(), 0)
            .map_err(|e| anyhow::anyhow!("TRADING_PRIVATE_KEY: {e}"))?;
        return Ok(Some(signer.key_id().to_owned()));
    }
    let path = Path::new(&config.venue.key_file);
    if !path.exists() {
        return Ok(None);
    }
    let keystore = Keystore::read(path).with_context(|| format!("keystore {}", path.display()))?;
    Ok(Some(keystore.key_id().to_owned()))
}

/// True when `pid` is alive (not a zombie) and runs the binary named `service`.
fn is_process_of(pid: u32, service: &str) -> bool {
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    let Ok(stat) = fs::read_to_string(proc_dir.join("stat")) else {
        return false;
    };
    // Field 3, after the parenthesised command name, is the state; Z is a zombie.
    let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
    if state.is_some_and(|s| s.starts_with('Z')) {
        return false;
    }
    fs::read(proc_dir.join("cmdline")).is_ok_and(|cmd| {
        let argv0 = cmd.split(|b| *b == 0).next().unwrap_or_default();
        Path::new(std::str::from_utf8(argv0).unwrap_or_default())
            .file_name()
            .is_some_and(|n| n == service)
    })
}

fn signal(pid: u32, sig: &str) -> anyhow::Result<()> {
    let status = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .context("cannot run kill")?;
    if !status.success() {
        bail!("kill -{sig} {pid} failed");
    }
    Ok(())
}

async fn connect(config: &Config) -> anyhow::Result<RedisBus> {
    RedisBus::connect(RedisBusConfig::new(config.redis.url.clone()))
        .await
        .with_context(|| {
            format!(
                "cannot connect to Redis at {}",
                flashmm_core::config::redact_url(&config.redis.url)
            )
        })
}

/// Waits for a heartbeat of `service` newer than `since`, failing early when `child` exits.
async fn wait_heartbeat(
    bus: &RedisBus,
    config: &Config,
    service: &str,
    since: flashmm_core::time::UnixNanos,
    sup: &Supervisor,
    child: &mut Child,
) -> anyhow::Result<()> {
    let key = Namespace::new(&config.namespace)?.state("heartbeat")?;
    let deadline = Instant::now() + sup.wait;
    loop {
        let beats = bus.get_state(&key).await?;
        if beats
            .get(service)
            .and_then(|v| v.parse::<i64>().ok())
            .is_some_and(|ts| ts >= since.0)
        {
            return Ok(());
        }
        // The child handle, not /proc: only its own exit status says it is gone.
        if let Some(status) = child.try_wait()? {
            bail!(
                "{service} exited at start ({status}): see {}",
                sup.log(service).display()
            );
        }
        if Instant::now() > deadline {
            bail!(
                "{service} sent no heartbeat within {:?}: see {}",
                sup.wait,
                sup.log(service).display()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flashmm_core::config::ENV_OVERRIDES;

    fn receivers(name: &str) -> Vec<&'static str> {
        START_ORDER
            .into_iter()
            .filter(|s| allowed_env(s, name))
            .collect()
    }

    #[test]
    fn the_trading_key_and_its_passphrase_reach_execution_only() {
        for name in [
            "TRADING_PRIVATE_KEY",
            "TRADING_KEY_FILE",
            PASSPHRASE_ENV,
            PASSPHRASE_FILE_ENV,
            "EXEC_PRICE_BAND_BPS",
        ] {
            assert_eq!(receivers(name), ["execution"], "{name}");
        }
    }

    #[test]
    fn every_secret_but_the_redis_url_reaches_one_service() {
        for o in ENV_OVERRIDES.iter().filter(|o| o.secret) {
            let got = receivers(o.var);
            if o.var == "REDIS_URL" {
                assert_eq!(got, START_ORDER, "every service uses the bus");
            } else {
                assert_eq!(got.len(), 1, "{}: {got:?}", o.var);
            }
        }
        for name in ["API_ADMIN_TOKEN", "SECRET_KEY", "TWITTER_BEARER_TOKEN"] {
            assert_eq!(receivers(name), ["api"], "{name}");
        }
    }

    #[test]
    fn every_override_reaches_a_service_and_nothing_else_does() {
        for o in &ENV_OVERRIDES {
            assert!(!receivers(o.var).is_empty(), "{} reaches no service", o.var);
        }
        for name in [
            "AWS_SECRET_ACCESS_KEY",
            "GITHUB_TOKEN",
            "EXEC",
            "PATHS",
            "FLASHMM_X",
        ] {
            assert!(receivers(name).is_empty(), "{name} is passed on");
        }
        assert_eq!(receivers("FLASHMM_MODEL"), ["inference"]);
    }
}
