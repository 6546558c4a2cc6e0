//! Helpers for the end-to-end tests: where the built binaries are, a namespace of the test's
//! own on the Redis at `REDIS_URL`, a config file with free ports, and service processes that
//! are stopped when dropped.

pub mod private_redis;
pub mod rig;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A throwaway secp256k1 trading key (the account `flashmm up` funds in the simulator).
pub const TEST_KEY: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

/// The public key id of [`TEST_KEY`], as `flashmm keys` prints it.
pub const TEST_KEY_ID: &str = "024e3b81af9c2234cad09d679ce6035ed1392347ce64ce405f5dcd36228a25de6e";

/// Every long-running service, in the order `flashmm up` starts them.
pub use flashmm_core::config::SERVICES;

/// The Redis the tests use.
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// The directory of the built binaries (`target/debug`), found from the test's own path.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .expect("target/<profile>/deps/<test>")
}

/// The path of a workspace binary; panics with the command to build it when it is missing.
pub fn bin(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo build --workspace --bins` first (scripts/test does)",
        path.display()
    );
    path
}

/// A namespace no other test or run uses.
pub fn unique_namespace(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("e2e-{}-{nanos}-{tag}", std::process::id())
}

/// A TCP port free on loopback right now, below the kernel's ephemeral range (32768 and up)
/// so that no outgoing connection takes it before the service binds it, and never handed
/// out twice by this process.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 20_000;
    const SPAN: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    let seed = std::process::id().wrapping_mul(7_919)
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
    let _ = NEXT.compare_exchange(u32::MAX, seed % SPAN, Ordering::SeqCst, Ordering::SeqCst);
    for _ in 0..SPAN {
        let port = FIRST + NEXT.fetch_add(1, Ordering::SeqCst) % SPAN;
        let port = u16::try_from(port).expect("port range");
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port in {FIRST}..{}", FIRST + SPAN)
}

/// Writes a copy of `config/flashmm.toml` with free ports for every service's metrics, the API
/// (`api-http`) and the simulator (`venue`), and returns its path and the ports by name.
pub fn config_with_free_ports(dir: &Path) -> (PathBuf, Vec<(String, u16)>) {
    let original = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/flashmm.toml");
    let mut text = std::fs::read_to_string(&original).expect("config/flashmm.toml");
    let mut ports = Vec::new();
    for service in flashmm_core::config::SERVICES {
        let header = format!("[services.{service}]\nmetrics_port = ");
        let start = text.find(&header).expect("service table") + header.len();
        let end = start + text[start..].find('\n').expect("line end");
        let port = free_port();
        text.replace_range(start..end, &port.to_string());
        ports.push((service.to_owned(), port));
    }
    let api = format!("127.0.0.1:{}", free_port());
    text = text.replace("bind = \"127.0.0.1:8080\"", &format!("bind = \"{api}\""));
    let venue = free_port();
    text = text.replace("127.0.0.1:9300", &format!("127.0.0.1:{venue}"));
    ports.push(("venue".to_owned(), venue));
    ports.push((
        "api-http".to_owned(),
        api.rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0),
    ));
    std::fs::create_dir_all(dir).expect("config dir");
    let path = dir.join("flashmm.toml");
    std::fs::write(&path, text).expect("write config");
    (path, ports)
}

/// A venue signer for the trading key execution also uses. The venue remembers each key's
/// latest 4 096 nonces and refuses one older than all of them; execution counts up from the
/// time it started (in ns), so the test's own counter starts far above it, and the test's few
/// requests never crowd execution's out of that window.
pub fn test_signer(secret_hex: &str) -> flashmm_venue::signing::Signer {
    flashmm_venue::signing::Signer::from_hex(secret_hex, u64::MAX / 2).expect("test key")
}

/// A scratch directory under the system temp dir, unique to this test.
pub fn scratch_dir(tag: &str) -> PathBuf {
    std::env::temp_dir().join(unique_namespace(tag))
}

/// What an end-to-end test starts from: a scratch directory with a config on free ports, and a
/// namespace of the test's own on a Redis.
pub struct Stage {
    /// The scratch directory (config, logs).
    pub dir: PathBuf,
    /// The config file with free ports.
    pub config: String,
    /// The ports by name (see [`config_with_free_ports`]).
    pub ports: Vec<(String, u16)>,
    /// The namespace's name.
    pub ns: String,
    /// The Redis URL.
    pub url: String,
}

impl Stage {
    /// A stage on the Redis at [`redis_url`]; `tag` names its directory and namespace.
    pub fn new(tag: &str) -> Stage {
        Stage::on(tag, redis_url())
    }

    /// A stage on the Redis at `url`.
    pub fn on(tag: &str, url: String) -> Stage {
        let dir = scratch_dir(tag);
        let (config, ports) = config_with_free_ports(&dir);
        Stage {
            config: config.to_string_lossy().into_owned(),
            ports,
            ns: unique_namespace(tag),
            url,
            dir,
        }
    }

    /// The environment of the test's services: `FLASHMM_NAMESPACE` and `REDIS_URL`.
    pub fn env(&self) -> [(&str, &str); 2] {
        [
            ("FLASHMM_NAMESPACE", self.ns.as_str()),
            ("REDIS_URL", self.url.as_str()),
        ]
    }

    /// Starts the binary `name` with `--config` and `args`, in [`Stage::env`].
    pub fn start(&self, name: &str, args: &[&str]) -> Service {
        let args: Vec<&str> = ["--config", self.config.as_str()]
            .into_iter()
            .chain(args.iter().copied())
            .collect();
        Service::start(&bin(name), &args, &self.env())
    }

    /// The port named `name`.
    pub fn port(&self, name: &str) -> u16 {
        port(&self.ports, name)
    }

    /// The test's namespace.
    pub fn namespace(&self) -> flashmm_bus::Namespace {
        flashmm_bus::Namespace::new(&self.ns).expect("namespace")
    }

    /// A Redis connection of the test's own.
    pub async fn bus(&self) -> flashmm_bus::RedisBus {
        flashmm_bus::RedisBus::connect(flashmm_bus::RedisBusConfig::new(self.url.clone()))
            .await
            .expect("redis")
    }
}

/// Every entry of `stream` (up to a million) with its envelope, decoded as `T`.
///
/// # Panics
/// On a read error, a malformed entry or one that does not decode as `T`.
pub async fn read_stream<T: flashmm_bus::Decodable>(
    bus: &flashmm_bus::RedisBus,
    stream: &flashmm_bus::StreamName,
) -> Vec<(flashmm_bus::Envelope, T)> {
    use flashmm_bus::{Bus, Payload, Range};
    bus.range(stream, Range::Oldest(1_000_000))
        .await
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", stream.as_str()))
        .into_iter()
        .map(|d| match d.payload {
            Payload::Envelope(e) => {
                let msg = T::decode(&e)
                    .unwrap_or_else(|err| panic!("entry of {}: {err}", stream.as_str()));
                (e, msg)
            }
            Payload::Malformed { error, .. } => {
                panic!("malformed entry on {}: {error}", stream.as_str())
            }
        })
        .collect()
}

/// Polls `check` every `every` until it holds (`true`) or `timeout` passes (`false`).
pub async fn poll_until<F, Fut>(every: Duration, timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(every).await;
    }
}

/// A service process, killed when dropped.
pub struct Service {
    /// The child process.
    pub child: Child,
}

impl Service {
    /// Starts `bin` with `args` and extra environment.
    pub fn start(bin: &Path, args: &[&str], env: &[(&str, &str)]) -> Service {
        let mut cmd = Command::new(bin);
        cmd.args(args).stdout(Stdio::null()).stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        Service {
            child: cmd.spawn().expect("spawn service"),
        }
    }

    /// SIGKILL (`kill -9`), and reaps the process.
    pub fn kill_9(&mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and waits up to `timeout` for a clean exit; returns the exit status.
    pub fn terminate(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.0 GET on loopback; returns the status line and the body.
pub fn http_get(port: u16, path: &str) -> std::io::Result<(String, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.lines().next().unwrap_or_default().to_owned();
    Ok((status, body.to_owned()))
}

/// A plain HTTP/1.0 POST of a JSON body on loopback; returns the status line and the body.
pub fn http_post_json(port: u16, path: &str, json: &str) -> std::io::Result<(String, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "POST {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
        json.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    Ok((
        head.lines().next().unwrap_or_default().to_owned(),
        body.to_owned(),
    ))
}

/// The value of a Prometheus sample whose line starts with `prefix` (name and labels), summed
/// over every matching line; 0 when absent.
pub fn metric(body: &str, prefix: &str) -> f64 {
    body.lines()
        .filter(|l| l.starts_with(prefix))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// The port registered under `name` by [`config_with_free_ports`].
pub fn port(ports: &[(String, u16)], name: &str) -> u16 {
    ports
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, p)| *p)
        .unwrap_or_else(|| panic!("no port named {name}"))
}

/// Polls `check` every 20 ms until it returns `Some` or `timeout` passes.
pub fn wait_for<T>(timeout: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// An HTTP response read by [`http_request`].
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names (lower case) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl HttpResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP/1.1 request on loopback (`Connection: close`) with extra headers and an optional
/// body; the body is read to its `Content-Length` (servers that keep the connection open
/// anyway, such as Chromium's DevTools endpoint, work too) or to the end of the stream.
pub fn http_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> std::io::Result<HttpResponse> {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    if let Some(body) = body {
        stream.write_all(body)?;
    }
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let mut raw = Vec::new();
    match length {
        Some(n) => {
            raw.resize(n, 0);
            reader.read_exact(&mut raw)?;
        }
        None => {
            reader.read_to_end(&mut raw)?;
        }
    }
    Ok(HttpResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&raw).into_owned(),
    })
}

/// What the run's order records say about client ids placed more than once.
#[derive(Debug, Default)]
pub struct ClientIdUse {
    /// Client ids execution submitted (its `Submitted` records on `orders:{mkt}`).
    pub submitted: usize,
    /// Client ids the venue filled.
    pub filled: usize,
    /// Client ids sent or filled as more than one order, each with why.
    pub reused: Vec<String>,
}

/// Checks that every client id went out as one order over the whole run: execution recorded
/// `Submitted` for it once on `orders:{mkt}` (of each stream key in `markets`) and saw it
/// accepted under one venue order id, and the venue's `fills` of it carry one venue order id.
/// The venue refuses a client id only while it is open, so an intent sent again after its
/// first order filled or was cancelled would show here as a second submission or venue id.
pub async fn client_id_use(
    bus: &flashmm_bus::RedisBus,
    ns: &flashmm_bus::Namespace,
    markets: &[&str],
    fills: &[flashmm_venue::protocol::FillMsg],
) -> ClientIdUse {
    use flashmm_core::order::{OrderEvent, OrderUpdate};
    use std::collections::{BTreeMap, BTreeSet};
    let mut submitted: BTreeMap<String, usize> = BTreeMap::new();
    let mut venue_ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for mkt in markets {
        let stream = ns.orders(mkt).expect("orders stream name");
        for (_, update) in read_stream::<OrderUpdate>(bus, &stream).await {
            let id = update.order.client_id().as_str().to_owned();
            if update.event == OrderEvent::Submitted {
                *submitted.entry(id.clone()).or_default() += 1;
            }
            if let Some(v) = update.order.venue_order_id() {
                venue_ids
                    .entry(id)
                    .or_default()
                    .insert(v.as_str().to_owned());
            }
        }
    }
    let mut reused: Vec<String> = submitted
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, n)| format!("{id}: submitted {n} times"))
        .collect();
    reused.extend(
        venue_ids
            .iter()
            .filter(|(_, v)| v.len() > 1)
            .map(|(id, v)| format!("{id}: accepted as venue orders {v:?}")),
    );
    let mut filled: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for f in fills {
        filled
            .entry(f.client_order_id.as_str())
            .or_default()
            .insert(f.order_id.as_str());
    }
    reused.extend(
        filled
            .iter()
            .filter(|(_, v)| v.len() > 1)
            .map(|(id, v)| format!("{id}: filled as venue orders {v:?}")),
    );
    ClientIdUse {
        submitted: submitted.len(),
        filled: filled.len(),
        reused,
    }
}
