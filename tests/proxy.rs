//! The API behind the shipped nginx (deploy/nginx.conf): client address from trusted proxies
//! only, admin rate-limit buckets, WebSocket cap, tokens kept out of access logs, and the
//! JWT key and lifetime checks.
//!
//! A real nginx (`apt-get install nginx`, as scripts/setup does) runs the shipped config,
//! rewritten only for its ports, paths and upstream address, with a throwaway self-signed
//! certificate (`openssl req`), in front of the `api` binary on the Redis at `REDIS_URL`.
//! Clients reach nginx over TLS from distinct loopback source addresses (127.0.0.x), so nginx
//! sees each as its own peer, as it would see distinct hosts.

#[path = "api_fixture.rs"]
mod fixture;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fixture::{now_secs, Api, ADMIN_TOKEN, SECRET};
use flashmm_auth::Role;
use flashmm_core::control::AuditOutcome;
use flashmm_e2e::{bin, free_port, redis_url, scratch_dir, unique_namespace, wait_for};
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// The shipped nginx config.
const NGINX_CONF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/nginx.conf");

/// A loopback source address `127.0.x.y`: one "host" in front of nginx.
fn host(x: u8, y: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, x, y))
}

/// Runs `program` with `args`; panics with its output when it fails or is missing.
fn run(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{program} is not installed ({e}): run scripts/setup (apt packages nginx, openssl)"
            )
        });
    assert!(
        out.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// nginx with the shipped config in a scratch directory; stopped (SIGTERM) when dropped.
struct Nginx {
    child: Child,
    /// The HTTPS port.
    https: u16,
    /// nginx's stdout: the access log (`access_log /dev/stdout`).
    access_log: PathBuf,
    /// nginx's stderr: the error log.
    error_log: PathBuf,
    /// The certificate, to trust it.
    cert: Vec<u8>,
}

impl Nginx {
    /// Writes a certificate and the shipped config with ports, paths and the upstream
    /// rewritten, and starts nginx in the foreground in front of `127.0.0.1:api_port`.
    fn start(dir: &Path, api_port: u16) -> Nginx {
        let tls = dir.join("tls");
        std::fs::create_dir_all(&tls).expect("tls dir");
        let key = tls.join("privkey.pem");
        let cert = tls.join("fullchain.pem");
        run(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=DNS:localhost",
                "-days",
                "1",
                "-keyout",
                &key.to_string_lossy(),
                "-out",
                &cert.to_string_lossy(),
            ],
        );
        let (http, https) = (free_port(), free_port());
        let ipv6 = std::net::TcpListener::bind("[::1]:0").is_ok();
        let v6 = |port: u16, rest: &str| {
            if ipv6 {
                format!("listen [::1]:{port}{rest};")
            } else {
                String::new()
            }
        };
        let dir_text = dir.to_string_lossy();
        let mut text = std::fs::read_to_string(NGINX_CONF).expect("deploy/nginx.conf");
        for (from, to) in [
            ("pid /tmp/nginx.pid;", format!("pid {dir_text}/nginx.pid;")),
            ("listen 80;", format!("listen 127.0.0.1:{http};")),
            ("listen [::]:80;", v6(http, "")),
            (
                "listen 443 ssl http2;",
                format!("listen 127.0.0.1:{https} ssl http2;"),
            ),
            ("listen [::]:443 ssl http2;", v6(https, " ssl http2")),
            ("/etc/nginx/tls/", format!("{dir_text}/tls/")),
            (
                "server 127.0.0.1:8080;",
                format!("server 127.0.0.1:{api_port};"),
            ),
        ] {
            assert!(text.contains(from), "deploy/nginx.conf has no {from:?}");
            text = text.replace(from, &to);
        }
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, text).expect("write nginx.conf");
        let conf = conf.to_string_lossy().into_owned();
        run(
            "nginx",
            &["-t", "-q", "-e", "stderr", "-p", &dir_text, "-c", &conf],
        );
        let access_log = dir.join("access.log");
        let error_log = dir.join("error.log");
        let child = Command::new("nginx")
            .args([
                "-e",
                "stderr",
                "-p",
                &dir_text,
                "-c",
                &conf,
                "-g",
                "daemon off;",
            ])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&access_log).expect("access log"))
            .stderr(std::fs::File::create(&error_log).expect("error log"))
            .spawn()
            .expect("spawn nginx");
        let nginx = Nginx {
            child,
            https,
            access_log,
            error_log,
            cert: std::fs::read(&cert).expect("certificate"),
        };
        wait_for(Duration::from_secs(10), || {
            flashmm_e2e::http_get(http, "/nginx-health")
                .ok()
                .filter(|(status, _)| status.contains(" 200 "))
        })
        .unwrap_or_else(|| panic!("nginx does not answer: {}", nginx.errors()));
        nginx
    }

    fn errors(&self) -> String {
        std::fs::read_to_string(&self.error_log).unwrap_or_default()
    }

    /// A TLS connection to nginx from source address `from`.
    async fn connect(&self, from: IpAddr) -> tokio_native_tls::TlsStream<TcpStream> {
        let tcp = connect_from(from, self.https).await;
        let root = native_tls::Certificate::from_pem(&self.cert).expect("certificate");
        let connector = native_tls::TlsConnector::builder()
            .add_root_certificate(root)
            .build()
            .expect("TLS connector");
        tokio_native_tls::TlsConnector::from(connector)
            .connect("localhost", tcp)
            .await
            .expect("TLS handshake")
    }

    /// One HTTPS request from `from` through nginx; returns the status and body.
    async fn request(
        &self,
        from: IpAddr,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (u16, String) {
        let tls = self.connect(from).await;
        exchange(tls, "localhost", method, path, headers).await
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP connection to `127.0.0.1:port` from source address `from`.
async fn connect_from(from: IpAddr, port: u16) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(SocketAddr::new(from, 0))
        .unwrap_or_else(|e| panic!("bind {from}: {e}"));
    socket
        .connect(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .unwrap_or_else(|e| panic!("connect from {from} to port {port}: {e}"))
}

/// Writes one HTTP/1.1 request (`Connection: close`) and reads the whole answer.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, String) {
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if method == "POST" {
        request.push_str("Content-Length: 0\r\n");
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw)).await;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_owned());
    (status, body)
}

/// One plain HTTP request straight to the API from source address `from`.
async fn direct(from: IpAddr, port: u16, path: &str, headers: &[(&str, &str)]) -> u16 {
    let tcp = connect_from(from, port).await;
    exchange(tcp, "127.0.0.1", "GET", path, headers).await.0
}

/// Requests `/health` from `from` through nginx until one is answered 429, the n-th with the
/// headers `headers(n)`.
async fn flood(nginx: &Nginx, from: IpAddr, headers: impl Fn(usize) -> Vec<(String, String)>) {
    for n in 1..=40 {
        let headers = headers(n);
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if nginx.request(from, "GET", "/health", &headers).await.0 == 429 {
            return;
        }
    }
    panic!("{from} was never answered 429 on /health");
}

fn no_headers(_: usize) -> Vec<(String, String)> {
    Vec::new()
}

/// A different `X-Forwarded-For` each time.
fn spoofed(n: usize) -> Vec<(String, String)> {
    vec![("X-Forwarded-For".to_owned(), format!("10.1.2.{n}"))]
}

#[tokio::test(flavor = "multi_thread")]
async fn api_behind_the_shipped_nginx() {
    // Buckets of 5 requests refilled at 1 a second; loopback nginx trusted, no other peer.
    let stage = Api::config(
        "proxy",
        &[
            ("rate_limit_per_sec = 10000", "rate_limit_per_sec = 1"),
            ("rate_limit_burst = 10000", "rate_limit_burst = 5"),
            (
                "trusted_proxies = [\"127.0.0.1\", \"::1\"]",
                "trusted_proxies = [\"127.0.0.1\"]",
            ),
            ("max_ws_clients = 256", "max_ws_clients = 2"),
            ("max_token_ttl_secs = 86400", "max_token_ttl_secs = 3600"),
        ],
    );
    let api_port = stage.port("api-http");
    let nginx_dir = stage.dir.join("nginx");
    let api = Api::launch(stage).await;
    let nginx = Nginx::start(&nginx_dir, api_port);
    let admin = api.token(Role::Admin, 600);
    let admin_auth = format!("Bearer {admin}");

    // (1) A client floods /health through nginx until it is answered 429; an admin's actions
    // from that same host right after still go through: admin actions have a bucket per
    // principal (buckets of 5, refilled at 1 a second: three in a row would not fit the
    // flooded one).
    let flooder = host(0, 2);
    flood(&nginx, flooder, no_headers).await;
    for _ in 0..3 {
        let (status, body) = nginx
            .request(
                flooder,
                "POST",
                "/admin/pause",
                &[("Authorization", &admin_auth)],
            )
            .await;
        assert_eq!(status, 202, "pause after a /health flood: {body}");
    }
    let entry = api
        .audit()
        .await
        .into_iter()
        .find(|e| e.action == "pause" && e.outcome == AuditOutcome::Accepted)
        .expect("the pause is audited");
    assert_eq!(
        entry.client, "127.0.0.2",
        "the audit names the host nginx saw, not nginx"
    );
    // The admin's own bucket empties; another admin's does not.
    let mut limited = false;
    for _ in 0..20 {
        let (status, _) = nginx
            .request(
                host(0, 20),
                "POST",
                "/admin/resume",
                &[("Authorization", &admin_auth)],
            )
            .await;
        if status == 429 {
            limited = true;
            break;
        }
        assert_eq!(status, 202);
    }
    assert!(limited, "an admin's actions are rate limited too");
    let static_auth = format!("Bearer {ADMIN_TOKEN}");
    let (status, body) = nginx
        .request(
            host(0, 20),
            "POST",
            "/admin/resume",
            &[("Authorization", &static_auth)],
        )
        .await;
    assert_eq!(status, 202, "another principal has its own bucket: {body}");

    // (2) Through the trusted proxy each host has its own bucket: right after one host is
    // limited, another is served. What a host writes in X-Forwarded-For itself gets it no
    // fresh bucket: a flood with a new address each time is still limited.
    flood(&nginx, flooder, no_headers).await;
    for _ in 0..3 {
        let (status, body) = nginx.request(host(0, 3), "GET", "/health", &[]).await;
        assert!(
            status == 200 || status == 503,
            "another host through nginx: {status} {body}"
        );
    }
    flood(&nginx, host(0, 5), spoofed).await;
    // Straight to the API from an untrusted peer, X-Forwarded-For and X-Real-IP are ignored:
    // a flood with a new address in them each time is limited.
    let untrusted = host(0, 4);
    let mut limited = false;
    for n in 0..40 {
        let xff = format!("10.0.0.{n}");
        let real = format!("10.0.1.{n}");
        let headers = [
            ("X-Forwarded-For", xff.as_str()),
            ("X-Real-IP", real.as_str()),
        ];
        if direct(untrusted, api_port, "/health", &headers).await == 429 {
            limited = true;
            break;
        }
    }
    assert!(
        limited,
        "an untrusted peer's forwarding headers name other clients"
    );

    // (3) At most max_ws_clients (2) live-metrics sockets; the token goes as ?token=.
    let viewer = api.token(Role::Viewer, 600);
    let url = format!(
        "wss://localhost:{}/ws/live-metrics?token={viewer}",
        nginx.https
    );
    let open = |from: IpAddr| {
        let url = url.clone();
        let nginx = &nginx;
        async move {
            let tls = nginx.connect(from).await;
            tokio_tungstenite::client_async(url, tls).await
        }
    };
    let (mut first, _) = open(host(1, 1)).await.expect("first socket");
    let (mut second, _) = open(host(1, 2)).await.expect("second socket");
    for socket in [&mut first, &mut second] {
        let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a snapshot within 5 s");
        assert!(matches!(frame, Some(Ok(m)) if m.is_text()));
    }
    match open(host(1, 3)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 503, "{response:?}");
        }
        Ok(_) => panic!("a third socket was accepted over max_ws_clients = 2"),
        Err(e) => panic!("third socket: {e}"),
    }
    first.close(None).await.expect("close");
    drop(first);
    let mut reopened = None;
    for y in 10..40 {
        if let Ok((socket, _)) = open(host(1, y)).await {
            reopened = Some(socket);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(reopened.is_some(), "a closed socket gives its slot back");
    drop(second);
    drop(reopened);

    // (4) The token sent as ?token= is in no access log line; the requests are.
    let log = std::fs::read_to_string(&nginx.access_log).expect("access log");
    assert!(
        log.contains("/ws/live-metrics"),
        "no access log line: {log}"
    );
    assert!(
        log.contains("127.0.1.3"),
        "the refused socket is logged: {log}"
    );
    assert!(
        !log.contains(&viewer),
        "a token in nginx's access log:\n{log}"
    );
    assert!(
        !log.contains("token="),
        "a query string in nginx's access log:\n{log}"
    );
    assert!(!log.contains(&admin), "a token in nginx's access log");

    // (5b) A token living longer than max_token_ttl_secs (3600) is refused, whoever signed it.
    let long = flashmm_auth::issue(
        SECRET.as_bytes(),
        "long-lived",
        Role::Viewer,
        Duration::from_secs(7_200),
        now_secs(),
    )
    .expect("token");
    let auth = format!("Bearer {long}");
    let (status, body) = nginx
        .request(
            host(2, 1),
            "GET",
            "/trading/status",
            &[("Authorization", &auth)],
        )
        .await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("longer than the allowed 3600 s"), "{body}");
    let auth = format!("Bearer {viewer}");
    let (status, body) = nginx
        .request(
            host(2, 1),
            "GET",
            "/trading/status",
            &[("Authorization", &auth)],
        )
        .await;
    assert_eq!(status, 200, "a token within the cap: {body}");

    drop(nginx);
    api.stop().await;
}

/// (5a) A non-empty SECRET_KEY shorter than 32 bytes stops the API at start: a clear error,
/// a nonzero exit, and the key itself in no output.
#[test]
fn api_refuses_a_short_jwt_secret() {
    const SHORT: &str = "short-key-17bytes";
    let dir = scratch_dir("proxy-weak-key");
    let (config, _) = flashmm_e2e::config_with_free_ports(&dir);
    let mut child = Command::new(bin("api"))
        .args(["--config", &config.to_string_lossy()])
        .env("FLASHMM_NAMESPACE", unique_namespace("proxy-weak-key"))
        .env("REDIS_URL", redis_url())
        .env("SECRET_KEY", SHORT)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn api");
    let status = wait_for(Duration::from_secs(10), || child.try_wait().ok().flatten());
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the API started with a 17-byte SECRET_KEY");
    };
    let out = child.wait_with_output().expect("output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!status.success(), "{text}");
    assert!(
        text.contains("SECRET_KEY is 17 bytes; at least 32 are required"),
        "{text}"
    );
    assert!(!text.contains(SHORT), "the key in the output: {text}");
    let _ = std::fs::remove_dir_all(&dir);
}
