//! The deployment files agree with the code: `docker-compose.yml`, `.env.example`,
//! `deploy/prometheus.yml`, `deploy/alerts.yml` and the Grafana dashboards name the services,
//! ports, variables and metrics that really exist; and a running service serves the process
//! metrics the dashboards and alerts use.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use flashmm_bus::Bus;
use flashmm_core::config::{Config, ENV_OVERRIDES, SERVICES};
use flashmm_e2e::{http_get, metric, wait_for, Stage};
use flashmm_venue::signing::keystore::{PASSPHRASE_ENV, PASSPHRASE_FILE_ENV};
use serde_norway::Value;

/// Variables the compose file may set besides the config overrides: the config file, the
/// model path and the keystore passphrase.
const OTHER_VARS: [&str; 4] = [
    "FLASHMM_CONFIG",
    "FLASHMM_MODEL",
    PASSPHRASE_ENV,
    PASSPHRASE_FILE_ENV,
];

/// Variables of `.env.example` that only the compose file reads (in `${...}`): the trading
/// key's public id, which the simulator funds.
const COMPOSE_VARS: [&str; 1] = ["TRADING_KEY_ID"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn yaml(path: &str) -> Value {
    let mut value: Value =
        serde_norway::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    value.apply_merge().unwrap();
    value
}

fn config() -> Config {
    Config::from_toml(&read("config/flashmm.toml"), |_| None).unwrap()
}

fn metrics_port(config: &Config, service: &str) -> u16 {
    config.service(service).unwrap().metrics_port
}

fn compose_services() -> BTreeMap<String, Value> {
    let compose = yaml("docker-compose.yml");
    compose["services"]
        .as_mapping()
        .expect("services")
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_owned(), v.clone()))
        .collect()
}

/// The services of the compose file that run a FlashMM binary, with that binary.
fn flashmm_services() -> BTreeMap<String, (String, Value)> {
    compose_services()
        .into_iter()
        .filter(|(_, s)| {
            s["image"]
                .as_str()
                .is_some_and(|i| i.starts_with("flashmm:"))
        })
        .map(|(name, s)| {
            let bin = s["command"][0].as_str().expect("command").to_owned();
            (name, (bin, s))
        })
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(seq) => seq.iter().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn every_compose_service_has_a_healthcheck_and_a_restart_policy() {
    let services = compose_services();
    assert!(services.len() >= 10, "{:?}", services.keys());
    for (name, service) in &services {
        let test = strings(&service["healthcheck"]["test"]);
        assert!(
            test.len() >= 2 && test[0] == "CMD",
            "{name}: healthcheck {test:?}"
        );
        let restart = service["restart"].as_str().unwrap_or_default();
        assert!(
            ["always", "unless-stopped", "on-failure"].contains(&restart),
            "{name}: restart {restart:?}"
        );
    }
    for name in ["redis", "influxdb", "prometheus", "grafana", "nginx"] {
        assert!(services.contains_key(name), "no {name} service");
    }
}

#[test]
fn compose_runs_every_service_and_probes_its_metrics_port() {
    let config = config();
    let services = flashmm_services();
    let dockerfile = read("deploy/Dockerfile");
    let ran: BTreeSet<&str> = services.values().map(|(bin, _)| bin.as_str()).collect();
    assert_eq!(ran, SERVICES.iter().copied().collect(), "compose services");
    for (name, (bin, service)) in &services {
        let probe = strings(&service["healthcheck"]["test"]).join(" ");
        let want = format!("http://127.0.0.1:{}/metrics", metrics_port(&config, bin));
        assert!(
            probe.contains(&want),
            "{name}: {probe} does not probe {want}"
        );
        assert!(
            dockerfile.contains(bin.as_str()),
            "deploy/Dockerfile lacks {bin}"
        );
        assert_eq!(service["network_mode"].as_str(), Some("host"), "{name}");
    }
    assert!(
        dockerfile.contains("requirements-train.txt") && dockerfile.contains("ORT_DYLIB_PATH"),
        "the image takes ONNX Runtime from the pinned wheel"
    );
}

#[test]
fn redis_never_evicts_streams() {
    let redis = &compose_services()["redis"];
    let command = strings(&redis["command"]);
    let after = |flag: &str| {
        command
            .iter()
            .position(|a| a == flag)
            .and_then(|i| command.get(i + 1))
            .cloned()
    };
    assert_eq!(after("--maxmemory-policy").as_deref(), Some("noeviction"));
    assert!(
        after("--maxmemory").is_some_and(|m| m != "0"),
        "{command:?}"
    );
}

/// `NAME` of every `NAME=value` or `# NAME=value` line.
fn env_example_names() -> Vec<String> {
    read(".env.example")
        .lines()
        .filter_map(|line| {
            let line = line.trim_start_matches('#').trim();
            let (name, _) = line.split_once('=')?;
            let ok = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            ok.then(|| name.to_owned())
        })
        .collect()
}

#[test]
fn env_names_match_the_config_loader() {
    let names = env_example_names();
    let listed: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(listed.len(), names.len(), ".env.example repeats a name");
    let overrides: BTreeSet<&str> = ENV_OVERRIDES.iter().map(|o| o.var).collect();
    for var in &overrides {
        assert!(listed.contains(var), ".env.example lacks {var}");
    }
    for var in [PASSPHRASE_ENV, PASSPHRASE_FILE_ENV] {
        assert!(listed.contains(var), ".env.example lacks {var}");
    }
    let compose = read("docker-compose.yml");
    for var in &listed {
        assert!(
            overrides.contains(var) || OTHER_VARS.contains(var) || COMPOSE_VARS.contains(var),
            ".env.example names {var}, which FlashMM does not read"
        );
    }
    for var in COMPOSE_VARS {
        assert!(
            compose.contains(&format!("${{{var}")),
            "docker-compose.yml does not use {var}"
        );
    }
    for (name, (_, service)) in flashmm_services() {
        if let Some(env) = service["environment"].as_mapping() {
            for key in env.keys() {
                let var = key.as_str().unwrap();
                assert!(
                    overrides.contains(var) || OTHER_VARS.contains(&var),
                    "{name} sets {var}, which FlashMM does not read"
                );
            }
        }
    }
    for reference in compose.split("${").skip(1) {
        let var: String = reference
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        assert!(
            listed.contains(var.as_str()),
            "compose uses ${{{var}}}, not in .env.example"
        );
    }
}

#[test]
fn only_execution_gets_the_key_and_its_passphrase() {
    let env = read(".env.example");
    let value = |var: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{var}=")))
            .unwrap_or_else(|| panic!(".env.example sets no {var}"))
            .to_owned()
    };
    let key_file = value("TRADING_KEY_FILE");
    let passphrase_file = value(PASSPHRASE_FILE_ENV);
    for (name, (_, service)) in flashmm_services() {
        let mounts = strings(&service["volumes"]);
        let secrets = strings(&service["secrets"]);
        let has_keys = mounts.iter().any(|m| m.ends_with(":/app/keys:ro"));
        if name == "execution" {
            assert!(has_keys && key_file.starts_with("/app/keys/"), "{mounts:?}");
            let secret = passphrase_file.strip_prefix("/run/secrets/").unwrap();
            assert_eq!(secrets, [secret]);
            assert!(yaml("docker-compose.yml")["secrets"][secret]["file"].is_string());
        } else {
            assert!(
                !has_keys && secrets.is_empty(),
                "{name} gets the trading key"
            );
        }
    }
}

/// The variables a compose service's container gets by name (`environment`), and whether it
/// reads a whole env file (which would hand it every variable of `.env`).
fn environment(service: &Value) -> (BTreeSet<String>, bool) {
    let names = match &service["environment"] {
        Value::Mapping(map) => map
            .keys()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect(),
        Value::Sequence(list) => list
            .iter()
            .filter_map(|v| v.as_str())
            .map(|v| v.split_once('=').map_or(v, |(k, _)| k).to_owned())
            .collect(),
        _ => BTreeSet::new(),
    };
    (names, !service["env_file"].is_null())
}

#[test]
fn each_container_gets_only_its_own_secrets() {
    let only = [
        ("TRADING_PRIVATE_KEY", "execution"),
        ("TRADING_KEY_FILE", "execution"),
        (PASSPHRASE_ENV, "execution"),
        (PASSPHRASE_FILE_ENV, "execution"),
        ("API_ADMIN_TOKEN", "api"),
        ("SECRET_KEY", "api"),
        ("TWITTER_BEARER_TOKEN", "api"),
        ("INFLUXDB_TOKEN", "api"),
    ];
    for (name, (_, service)) in flashmm_services() {
        let (vars, env_file) = environment(&service);
        assert!(!env_file, "{name} reads a whole env file");
        for var in ["FLASHMM_NAMESPACE", "REDIS_URL", "LOG_LEVEL"] {
            assert!(vars.contains(var), "{name} does not get {var}");
        }
        for (var, owner) in only {
            assert_eq!(
                vars.contains(var),
                name == owner,
                "{var}: only {owner} gets it, {name} {}",
                if vars.contains(var) {
                    "does"
                } else {
                    "does not"
                }
            );
        }
    }
}

#[test]
fn prometheus_scrapes_every_service_at_its_metrics_port() {
    let config = config();
    let prometheus = yaml("deploy/prometheus.yml");
    let jobs: BTreeMap<String, Vec<String>> = prometheus["scrape_configs"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|job| {
            let name = job["job_name"].as_str().unwrap().to_owned();
            (name, strings(&job["static_configs"][0]["targets"]))
        })
        .collect();
    let services: BTreeSet<&str> = SERVICES.iter().copied().collect();
    assert_eq!(
        jobs.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        services
    );
    for service in SERVICES {
        let want = format!("127.0.0.1:{}", metrics_port(&config, service));
        assert_eq!(jobs[service], [want], "{service}");
    }
    let rules = strings(&prometheus["rule_files"]);
    assert_eq!(rules, ["alerts.yml"]);
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The metric names of a PromQL expression: identifiers of FlashMM's prefixes and the
/// process metrics, without the `_sum`/`_count`/`_bucket` series of histograms.
fn metric_names(expr: &str) -> Vec<String> {
    expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|t| {
            ["flashmm_", "sim_venue_", "process_"]
                .iter()
                .any(|p| t.starts_with(p))
        })
        .map(|t| {
            ["_sum", "_count", "_bucket"]
                .iter()
                .find_map(|s| t.strip_suffix(s))
                .unwrap_or(t)
                .to_owned()
        })
        .collect()
}

/// The quoted identifiers of an InfluxQL query (`SELECT last("net") FROM "pnl" ... "market"`):
/// the measurement, fields and tags it reads.
fn influx_names(query: &str) -> Vec<String> {
    query
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The queries of every dashboard panel: (panel title, PromQL expression or InfluxQL query,
/// whether it is InfluxQL).
fn dashboard_queries() -> Vec<(String, String, bool)> {
    let dir = root().join("deploy/grafana/dashboards");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let dashboard: serde_json::Value = serde_json::from_str(&text).unwrap();
        for panel in dashboard["panels"].as_array().unwrap() {
            let title = panel["title"].as_str().unwrap().to_owned();
            for target in panel["targets"].as_array().unwrap() {
                match (target["expr"].as_str(), target["query"].as_str()) {
                    (Some(expr), None) => out.push((title.clone(), expr.to_owned(), false)),
                    (None, Some(query)) => out.push((title.clone(), query.to_owned(), true)),
                    _ => panic!("{title}: a target with neither `expr` nor `query`"),
                }
            }
        }
    }
    out
}

#[test]
fn dashboards_and_alerts_name_metrics_that_exist() {
    let mut sources = Vec::new();
    for dir in ["crates", "services"] {
        rust_files(&root().join(dir), &mut sources);
    }
    let code: String = sources
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();

    let alerts = yaml("deploy/alerts.yml");
    let mut queries: Vec<(String, String)> = Vec::new();
    for group in alerts["groups"].as_sequence().unwrap() {
        for rule in group["rules"].as_sequence().unwrap() {
            let name = rule["alert"].as_str().unwrap().to_owned();
            queries.push((name, rule["expr"].as_str().unwrap().to_owned()));
        }
    }
    let alert_count = queries.len();
    let mut influx = Vec::new();
    for (title, query, is_influx) in dashboard_queries() {
        if is_influx {
            influx.push((title, query));
        } else {
            queries.push((title, query));
        }
    }
    assert!(alert_count >= 4 && queries.len() > alert_count + 10);

    let mut checked = 0;
    for (what, expr) in &queries {
        for name in metric_names(expr) {
            assert!(
                code.contains(&format!("\"{name}\"")),
                "{what}: `{expr}` names {name}, which no crate or service records"
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} metric names checked");

    // InfluxDB panels read measurements, fields and tags that some point writes.
    assert!(influx.len() >= 3, "P&L, position and spread panels");
    for (what, query) in &influx {
        let names = influx_names(query);
        assert!(names.len() >= 3, "{what}: {query}");
        for name in names {
            assert!(
                code.contains(&format!("\"{name}\"")),
                "{what}: `{query}` reads {name}, which no telemetry point writes"
            );
        }
    }
}

#[test]
fn grafana_reads_the_configured_influx_database() {
    let sources = yaml("deploy/grafana/provisioning/datasources/flashmm.yml");
    let influx = sources["datasources"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|d| d["type"].as_str() == Some("influxdb"))
        .expect("an InfluxDB data source");
    assert_eq!(
        influx["jsonData"]["dbName"].as_str(),
        Some(config().influxdb.database.as_str())
    );
    assert_eq!(influx["url"].as_str(), Some(config().influxdb.url.as_str()));
}

#[test]
fn influx_names_are_read_from_queries() {
    assert_eq!(
        influx_names(r#"SELECT last("net") FROM "pnl" WHERE $timeFilter GROUP BY "market""#),
        ["net", "pnl", "market"]
    );
}

#[test]
fn metric_names_are_read_from_queries() {
    assert_eq!(
        metric_names("histogram_quantile(0.99, rate(flashmm_x_seconds_bucket[1m])) + up"),
        ["flashmm_x_seconds"]
    );
    assert_eq!(
        metric_names("rate(process_cpu_seconds_total{job=\"api\"}[1m])"),
        ["process_cpu_seconds_total"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_service_serves_process_metrics() {
    let stage = Stage::new("procmetrics");
    let mut service = stage.start("sim-venue", &[]);
    let metrics_port = stage.port("sim-venue");
    let body = wait_for(Duration::from_secs(10), || {
        http_get(metrics_port, "/metrics")
            .ok()
            .map(|(_, body)| body)
            .filter(|b| b.contains("process_threads"))
    })
    .expect("no process metrics on /metrics");
    for name in [
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_max_fds",
        "process_threads",
        "process_start_time_seconds",
    ] {
        assert!(
            body.contains(&format!("# TYPE {name} gauge")),
            "{name}: {body}"
        );
    }
    assert!(
        metric(&body, "process_resident_memory_bytes") > 1e6,
        "{body}"
    );
    assert!(
        metric(&body, "process_threads") >= 2.0,
        "tokio workers: {body}"
    );
    assert!(metric(&body, "process_open_fds") >= 3.0, "{body}");
    assert!(
        metric(&body, "process_start_time_seconds") > 1.6e9,
        "{body}"
    );
    assert!(metric(&body, "process_cpu_seconds_total") >= 0.0);

    assert!(service.terminate(Duration::from_secs(5)).is_some());
    stage.bus().await.purge(&stage.namespace()).await.unwrap();
    let _ = std::fs::remove_dir_all(&stage.dir);
}
