//! No secret leaves a process: every service runs with every secret set (the Redis password,
//! the trading key in an encrypted keystore and its passphrase, API tokens), and neither their
//! logs nor `flashmm config check` / `flashmm keys` output contain any of them. And secrets
//! reach only who needs them: `flashmm up` gives each service only its own variables, read
//! back from `/proc/PID/environ`.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use flashmm_bus::{Bus, Namespace, RedisBus, RedisBusConfig};
use flashmm_e2e::{
    bin, bin_dir, config_with_free_ports, http_get, port, redis_url, scratch_dir, unique_namespace,
    wait_for, SERVICES, TEST_KEY, TEST_KEY_ID,
};

const PASSPHRASE: &str = "passphrase-7f3a9e";
const REDIS_PASSWORD: &str = "redis-pw-5d1e0c";
const API_ADMIN_TOKEN: &str = "admin-token-9c2e44-a71d0e5b93f26c48";
const SECRET_KEY: &str = "jwt-secret-81aa27-4c9e-b1d07a3f5e2c";
const TWITTER_BEARER_TOKEN: &str = "twitter-token-4410";
const INFLUXDB_TOKEN: &str = "influx-token-12bf";

const SECRETS: [&str; 7] = [
    TEST_KEY,
    PASSPHRASE,
    REDIS_PASSWORD,
    API_ADMIN_TOKEN,
    SECRET_KEY,
    TWITTER_BEARER_TOKEN,
    INFLUXDB_TOKEN,
];

fn assert_clean(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} shows a secret:\n{text}");
    }
}

/// Stops `child` with SIGTERM (SIGKILL after 5 s) and returns its stdout and stderr.
fn stop(child: Child) -> String {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let pid = child.id();
    let killer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(5));
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    });
    let out = child.wait_with_output().expect("wait");
    drop(killer);
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn no_log_or_cli_output_holds_a_secret() {
    let dir = scratch_dir("secrets");
    let (config, ports) = config_with_free_ports(&dir);
    let config = config.to_string_lossy().into_owned();
    let keystore = dir.join("trading.json");
    let keystore = keystore.to_string_lossy().into_owned();
    let ns = unique_namespace("secrets");
    // The test Redis has no password: the client's AUTH is refused with a warning and the
    // connection goes on, so the services run with a password in their URL.
    let url = redis_url().replacen("redis://", &format!("redis://:{REDIS_PASSWORD}@"), 1);
    let env = [
        ("FLASHMM_NAMESPACE", ns.as_str()),
        ("REDIS_URL", url.as_str()),
        ("TRADING_KEY_FILE", keystore.as_str()),
        ("ENCRYPTION_KEY", PASSPHRASE),
        ("API_ADMIN_TOKEN", API_ADMIN_TOKEN),
        ("SECRET_KEY", SECRET_KEY),
        ("TWITTER_BEARER_TOKEN", TWITTER_BEARER_TOKEN),
        ("INFLUXDB_TOKEN", INFLUXDB_TOKEN),
    ];
    let command = |name: &str, args: &[&str]| {
        let mut cmd = Command::new(bin(name));
        cmd.args(["--config", &config])
            .args(args)
            .env_remove("TRADING_PRIVATE_KEY")
            .env_remove("ENCRYPTION_KEY_FILE")
            .envs(env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    };

    let mut import = command("flashmm", &["keys", "import"]).spawn().unwrap();
    import
        .stdin
        .take()
        .unwrap()
        .write_all(TEST_KEY.as_bytes())
        .unwrap();
    let out = import.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), TEST_KEY_ID);
    assert_clean("flashmm keys import", &text);
    let stored = std::fs::read_to_string(&keystore).unwrap();
    assert_clean("the keystore file", &stored);

    for args in [&["keys", "verify"][..], &["config", "check"]] {
        let out = command("flashmm", args).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "flashmm {args:?}: {text}");
        assert_clean(&format!("flashmm {args:?}"), &text);
    }

    // The simulator knows the key (by its id only); then the pipeline and the API.
    let sim = command("sim-venue", &["--account-pubkey", TEST_KEY_ID])
        .spawn()
        .unwrap();
    let sim_port = port(&ports, "sim-venue");
    wait_for(Duration::from_secs(10), || {
        http_get(sim_port, "/metrics").ok()
    })
    .expect("sim-venue serves /metrics");
    let mut running = vec![("sim-venue", sim)];
    for name in ["ingest", "feature", "inference", "execution", "api"] {
        running.push((name, command(name, &[]).spawn().unwrap()));
    }
    for name in ["ingest", "feature", "inference", "execution", "api"] {
        let metrics = port(&ports, name);
        wait_for(Duration::from_secs(10), || {
            http_get(metrics, "/metrics").ok()
        })
        .unwrap_or_else(|| panic!("{name} serves no /metrics"));
    }
    // Let them work a little: connect, quote, beat.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for (name, mut child) in running {
        let exited = child.try_wait().unwrap();
        let log = stop(child);
        assert!(exited.is_none(), "{name} exited ({exited:?}):\n{log}");
        assert!(log.lines().count() >= 2, "{name} logged nothing:\n{log}");
        assert_clean(name, &log);
    }
    let bus = RedisBus::connect(RedisBusConfig::new(redis_url()))
        .await
        .unwrap();
    bus.purge(&Namespace::new(&ns).unwrap()).await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

/// The environment of a running process, from `/proc/PID/environ`.
fn environ(pid: u32) -> std::collections::BTreeMap<String, String> {
    std::fs::read(format!("/proc/{pid}/environ"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/environ: {e}"))
        .split(|b| *b == 0)
        .filter_map(|kv| std::str::from_utf8(kv).ok()?.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn flashmm_up_gives_each_service_only_its_own_secrets() {
    const UNLISTED: &str = "unlisted-credential-5e3f";
    let dir = scratch_dir("secrets-up");
    let (config, _ports) = config_with_free_ports(&dir);
    let ns = unique_namespace("secrets-up");
    let run_dir = dir.join("logs");
    let run = run_dir.to_string_lossy().into_owned();
    let bins = bin_dir().to_string_lossy().into_owned();
    let passphrase_file = dir.join("passphrase");
    std::fs::write(&passphrase_file, PASSPHRASE).unwrap();
    let passphrase_file = passphrase_file.to_string_lossy().into_owned();
    let keystore = dir.join("trading.json").to_string_lossy().into_owned();
    let flashmm = |args: &[&str]| {
        Command::new(bin("flashmm"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("FLASHMM_NAMESPACE", &ns)
            .env("REDIS_URL", redis_url())
            .env("TRADING_PRIVATE_KEY", TEST_KEY)
            .env("TRADING_KEY_FILE", &keystore)
            .env("ENCRYPTION_KEY", PASSPHRASE)
            .env("ENCRYPTION_KEY_FILE", &passphrase_file)
            .env("API_ADMIN_TOKEN", API_ADMIN_TOKEN)
            .env("SECRET_KEY", SECRET_KEY)
            .env("TWITTER_BEARER_TOKEN", TWITTER_BEARER_TOKEN)
            .env("INFLUXDB_TOKEN", INFLUXDB_TOKEN)
            .env("FLASHMM_E2E_UNLISTED", UNLISTED)
            .output()
            .expect("run flashmm")
    };
    struct Down<F: Fn()>(F);
    impl<F: Fn()> Drop for Down<F> {
        fn drop(&mut self) {
            (self.0)();
        }
    }
    let _down = Down(|| {
        let _ = flashmm(&["down", "--run-dir", &run]);
    });

    let up = flashmm(&["up", "--run-dir", &run, "--bin-dir", &bins]);
    assert!(
        up.status.success(),
        "flashmm up failed: {}{}",
        String::from_utf8_lossy(&up.stdout),
        String::from_utf8_lossy(&up.stderr)
    );
    // Which service may hold which secret's value; every other holds none of them.
    let owners = [
        (TEST_KEY, "execution"),
        (PASSPHRASE, "execution"),
        (passphrase_file.as_str(), "execution"),
        (keystore.as_str(), "execution"),
        (API_ADMIN_TOKEN, "api"),
        (SECRET_KEY, "api"),
        (TWITTER_BEARER_TOKEN, "api"),
        (INFLUXDB_TOKEN, "api"),
    ];
    for service in SERVICES {
        let pid: u32 = std::fs::read_to_string(run_dir.join(format!("{service}.pid")))
            .unwrap_or_else(|e| panic!("{service}.pid: {e}"))
            .trim()
            .parse()
            .unwrap();
        let env = environ(pid);
        assert_eq!(
            env.get("FLASHMM_NAMESPACE"),
            Some(&ns),
            "{service}: {env:?}"
        );
        assert!(env.contains_key("REDIS_URL"), "{service} has no REDIS_URL");
        let holds = |value: &str| env.values().any(|v| v.contains(value));
        assert!(!holds(UNLISTED), "{service} got an unlisted variable");
        for (secret, owner) in owners {
            assert_eq!(
                holds(secret),
                service == owner,
                "{service}: a secret of {owner} ({})",
                env.iter()
                    .find(|(_, v)| v.contains(secret))
                    .map_or("missing", |(k, _)| k.as_str())
            );
        }
    }
    let down = flashmm(&["down", "--run-dir", &run]);
    assert!(down.status.success());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let bus = RedisBus::connect(RedisBusConfig::new(redis_url()))
            .await
            .unwrap();
        bus.purge(&Namespace::new(&ns).unwrap()).await.unwrap();
    });
    let _ = std::fs::remove_dir_all(&dir);
}
