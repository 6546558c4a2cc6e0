//! `docker-compose.yml` describes a system that trades: the file is valid against the Compose
//! Specification's JSON schema (`../shared/schemas/compose-spec.json`), and its FlashMM
//! services, started as local processes with each one's command and environment as compose
//! would give them, quote both sides of both markets.
//!
//! No Docker daemon is needed. The test lays out a project directory as an operator would
//! (`.env` from `.env.example` with the test's values, `config/`, `keys/` with a keystore made
//! by `flashmm keys import`, `secrets/passphrase`, `models/`), then for each service of the
//! `flashmm` image: interpolates `${VAR}` from that `.env`, resolves `environment` (a name
//! without a value takes it from `.env`, or stays unset) and `env_file`, adds the image's
//! `ENV`, maps the container paths of its volumes and secrets to the project directory and
//! compose service host names to 127.0.0.1, and runs `target/debug/<command>` with exactly
//! that environment in `depends_on` order. Redis is the test's own (a namespace of its own);
//! the ports are free ones (`config_with_free_ports`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use flashmm_bus::{Bus, Namespace, RedisBus, RedisBusConfig};
use flashmm_core::market::{MarketId, Side};
use flashmm_e2e::{
    bin, bin_dir, config_with_free_ports, http_get, port, redis_url, scratch_dir, test_signer,
    unique_namespace, wait_for, Service, TEST_KEY, TEST_KEY_ID,
};
use flashmm_venue::venue::{OrderReport, SimVenue, SimVenueConfig, Venue};
use serde_norway::Value;

const PASSPHRASE: &str = "compose-passphrase-31c7";
const API_ADMIN_TOKEN: &str = "compose-admin-token-0b9d5e-83c2a7f14d";
const SECRET_KEY: &str = "compose-jwt-secret-7d21aa-5be04f93c1";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `docker-compose.yml`, parsed, with its `<<` merge keys applied.
fn compose() -> Value {
    let mut value: Value = serde_norway::from_str(&read(&root().join("docker-compose.yml")))
        .expect("docker-compose.yml is YAML");
    value.apply_merge().expect("merge keys");
    value
}

// --- schema ----------------------------------------------------------------------------------

/// The Compose Specification's schema, from `shared/` beside the repository. Missing, the test
/// fails: the check is never skipped.
fn compose_schema() -> jsonschema::Validator {
    let path = root().join("../shared/schemas/compose-spec.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: the Compose schema lives in shared/schemas beside the repository",
            path.display()
        )
    });
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::draft7::new(&schema).expect("a draft-07 schema")
}

fn schema_errors(validator: &jsonschema::Validator, file: &Value) -> Vec<String> {
    let instance = serde_json::to_value(file).expect("YAML as JSON");
    validator
        .iter_errors(&instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn compose_file_is_valid_against_the_compose_schema() {
    let validator = compose_schema();
    let file = compose();
    let errors = schema_errors(&validator, &file);
    assert!(errors.is_empty(), "docker-compose.yml: {errors:#?}");

    // The check bites: a misspelt key and a wrongly typed value are refused.
    let mut misspelt = file.clone();
    misspelt["services"]["execution"]
        .as_mapping_mut()
        .expect("execution")
        .insert("comand".into(), "execution".into());
    assert!(!schema_errors(&validator, &misspelt).is_empty());
    let mut mistyped = file;
    mistyped["services"]["sim-venue"]["restart"] = Value::Sequence(Vec::new());
    assert!(!schema_errors(&validator, &mistyped).is_empty());
}

// --- interpolation ---------------------------------------------------------------------------

/// Compose's interpolation of `text` (`$$`, `$VAR`, `${VAR}`, `${VAR:-default}`,
/// `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`) with `vars`; an unset variable is empty
/// and a `?` one is an error, as `docker compose` reports it.
fn interpolate(text: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
        } else if let Some(body) = rest.strip_prefix('{') {
            let end = body
                .find('}')
                .ok_or_else(|| format!("unclosed ${{ in {text:?}"))?;
            out.push_str(&expand(&body[..end], vars)?);
            rest = &body[end + 1..];
        } else {
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            out.push_str(vars.get(&rest[..len]).map_or("", String::as_str));
            rest = &rest[len..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// One `${...}` body.
fn expand(body: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let len = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(body.len());
    let (name, op) = body.split_at(len);
    let value = vars.get(name);
    let empty = value.is_none_or(String::is_empty);
    let pick = |unset: bool, alt: &str| match value {
        Some(v) if !unset => Ok(v.clone()),
        _ => interpolate(alt, vars),
    };
    match op {
        "" => Ok(value.cloned().unwrap_or_default()),
        _ if op.starts_with(":-") => pick(empty, &op[2..]),
        _ if op.starts_with('-') => pick(value.is_none(), &op[1..]),
        _ if op.starts_with(":?") && empty => Err(format!("{name}: {}", &op[2..])),
        _ if op.starts_with('?') && value.is_none() => Err(format!("{name}: {}", &op[1..])),
        _ if op.starts_with(":?") || op.starts_with('?') => Ok(value.cloned().unwrap_or_default()),
        _ => Err(format!("unsupported interpolation ${{{body}}}")),
    }
}

#[test]
fn interpolation_follows_compose() {
    let vars: BTreeMap<String, String> = [("A", "1"), ("E", "")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let i = |t: &str| interpolate(t, &vars);
    assert_eq!(i("x${A}y$A$$A").unwrap(), "x1y1$A");
    assert_eq!(i("${B:-d}${E:-e}${E-f}${B-g}").unwrap(), "deg");
    assert_eq!(i("${A:?no}").unwrap(), "1");
    assert!(i("${E:?no}").is_err());
    assert_eq!(i("${E?no}").unwrap(), "");
    assert!(i("${B?no}").is_err());
}

/// `NAME=value` lines of an env file (comments and blank lines skipped).
fn env_file(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// The `ENV` of the Dockerfile's last stage (`NAME=value` pairs, `\` continuations).
fn image_env(dockerfile: &str) -> BTreeMap<String, String> {
    let joined = dockerfile.replace("\\\n", " ");
    let last_stage = joined
        .rsplit("\nFROM ")
        .next()
        .expect("a FROM line")
        .to_owned();
    last_stage
        .lines()
        .filter_map(|l| l.strip_prefix("ENV "))
        .flat_map(str::split_whitespace)
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

// --- running the file ------------------------------------------------------------------------

/// What the test starts of one compose service.
struct Plan {
    name: String,
    binary: String,
    args: Vec<String>,
    env: BTreeMap<String, String>,
    depends_on: Vec<String>,
}

/// The strings of a list, or of a scalar.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(seq) => seq
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A container path rewritten to where the test's project directory holds it, by the longest
/// mount that contains it; other values unchanged. Service host names become 127.0.0.1.
fn localise(value: &str, mounts: &[(String, PathBuf)], hosts: &BTreeSet<String>) -> String {
    let mount = mounts
        .iter()
        .filter(|(inside, _)| {
            value == inside.as_str()
                || value
                    .strip_prefix(inside.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        })
        .max_by_key(|(inside, _)| inside.len());
    let mut out = match mount {
        Some((inside, outside)) => format!("{}{}", outside.display(), &value[inside.len()..]),
        None => value.to_owned(),
    };
    for host in hosts {
        out = out.replace(&format!("://{host}:"), "://127.0.0.1:");
    }
    out
}

/// How compose would run each service of the `flashmm` image, from the project in `project`
/// (its `.env`, `config/`, `keys/`, `secrets/`, `models/`), with container paths mapped into
/// it. `Err` is what `docker compose` would refuse the file for.
fn plan(
    file: &Value,
    project: &Path,
    local_files: &[(String, PathBuf)],
) -> Result<Vec<Plan>, String> {
    let dotenv = env_file(&read(&project.join(".env")));
    let image = image_env(&read(&root().join("deploy/Dockerfile")));
    let services = file["services"].as_mapping().expect("services");
    let hosts: BTreeSet<String> = services
        .keys()
        .filter_map(|k| k.as_str().map(str::to_owned))
        .collect();
    let mut plans = Vec::new();
    for (name, service) in services {
        let name = name.as_str().expect("service name").to_owned();
        if !service["image"]
            .as_str()
            .is_some_and(|i| i.starts_with("flashmm:"))
        {
            continue;
        }
        let here = |p: &str| project.join(p.trim_start_matches("./"));
        // Where the container's paths are on this machine: files of the image, then mounts.
        let mut mounts: Vec<(String, PathBuf)> = local_files.to_vec();
        for volume in strings(&service["volumes"]) {
            let mut parts = volume.split(':');
            let (Some(outside), Some(inside)) = (parts.next(), parts.next()) else {
                return Err(format!("{name}: volume {volume:?}"));
            };
            mounts.push((inside.to_owned(), here(outside)));
        }
        for secret in strings(&service["secrets"]) {
            let file = file["secrets"][secret.as_str()]["file"]
                .as_str()
                .ok_or_else(|| format!("{name}: secret {secret} has no file"))?;
            mounts.push((format!("/run/secrets/{secret}"), here(file)));
        }

        let mut env: BTreeMap<String, String> = image.clone();
        for entry in match &service["env_file"] {
            Value::Null => Vec::new(),
            Value::String(s) => vec![(s.clone(), true)],
            Value::Sequence(list) => list
                .iter()
                .filter_map(|e| match e {
                    Value::String(s) => Some((s.clone(), true)),
                    _ => Some((scalar(&e["path"])?, e["required"].as_bool().unwrap_or(true))),
                })
                .collect(),
            other => return Err(format!("{name}: env_file {other:?}")),
        } {
            let (path, required) = entry;
            match std::fs::read_to_string(here(&path)) {
                Ok(text) => env.extend(env_file(&text)),
                Err(e) if required => return Err(format!("{name}: env_file {path}: {e}")),
                Err(_) => {}
            }
        }
        let declared: Vec<(String, Option<String>)> = match &service["environment"] {
            Value::Mapping(map) => map
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), scalar(v))))
                .collect(),
            Value::Sequence(list) => list
                .iter()
                .filter_map(Value::as_str)
                .map(|e| match e.split_once('=') {
                    Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                    None => (e.to_owned(), None),
                })
                .collect(),
            _ => Vec::new(),
        };
        for (var, value) in declared {
            match value {
                Some(v) => {
                    env.insert(var, interpolate(&v, &dotenv)?);
                }
                None => match dotenv.get(&var) {
                    Some(v) => {
                        env.insert(var, v.clone());
                    }
                    None => {
                        env.remove(&var);
                    }
                },
            }
        }
        for value in env.values_mut() {
            *value = localise(value, &mounts, &hosts);
        }
        // The image has no ENTRYPOINT: the command is the whole argv.
        let mut argv = Vec::new();
        for arg in strings(&service["entrypoint"])
            .into_iter()
            .chain(strings(&service["command"]))
        {
            argv.push(localise(&interpolate(&arg, &dotenv)?, &mounts, &hosts));
        }
        let Some((binary, args)) = argv.split_first() else {
            return Err(format!("{name}: no command"));
        };
        let depends_on = match &service["depends_on"] {
            Value::Mapping(map) => map
                .keys()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect(),
            other => strings(other),
        };
        plans.push(Plan {
            name,
            binary: binary.clone(),
            args: args.to_vec(),
            env,
            depends_on,
        });
    }
    Ok(plans)
}

/// The plans in an order where each comes after what it depends on.
fn start_order(mut plans: Vec<Plan>) -> Vec<Plan> {
    let names: BTreeSet<String> = plans.iter().map(|p| p.name.clone()).collect();
    let mut started: BTreeSet<String> = BTreeSet::new();
    let mut order = Vec::new();
    while !plans.is_empty() {
        let ready = plans
            .iter()
            .position(|p| {
                p.depends_on
                    .iter()
                    .all(|d| started.contains(d) || !names.contains(d))
            })
            .expect("a depends_on cycle");
        let plan = plans.remove(ready);
        started.insert(plan.name.clone());
        order.push(plan);
    }
    order
}

/// Runs `flashmm` with `args` in `project`, the passphrase in the environment, and `stdin`.
fn flashmm(project: &Path, args: &[&str], stdin: &str) -> String {
    let config = root().join("config/flashmm.toml");
    let mut child = Command::new(bin("flashmm"))
        .arg("--config")
        .arg(&config)
        .args(args)
        .current_dir(project)
        .env_remove("ENCRYPTION_KEY_FILE")
        .env_remove("TRADING_PRIVATE_KEY")
        .env("ENCRYPTION_KEY", PASSPHRASE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run flashmm");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait for flashmm");
    assert!(
        out.status.success(),
        "flashmm {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The operator's project directory: `.env` from `.env.example` plus `values`, `config/` with
/// free ports, `keys/trading.json` (made by `flashmm keys import`), `secrets/passphrase`,
/// `models/`. Returns the free ports.
fn lay_out_project(project: &Path, values: &[(&str, &str)]) -> Vec<(String, u16)> {
    let (_, ports) = config_with_free_ports(&project.join("config"));
    for dir in ["keys", "secrets"] {
        std::fs::create_dir_all(project.join(dir)).expect("project dir");
    }
    std::fs::write(
        project.join("secrets/passphrase"),
        format!("{PASSPHRASE}\n"),
    )
    .expect("passphrase file");
    std::os::unix::fs::symlink(root().join("models"), project.join("models")).expect("models");
    let keystore = project.join("keys/trading.json");
    let keystore = keystore.to_str().expect("utf-8 path");
    flashmm(project, &["keys", "import", "--file", keystore], TEST_KEY);
    let key_id = flashmm(project, &["keys", "address", "--file", keystore], "");
    assert_eq!(key_id, TEST_KEY_ID, "flashmm keys address");

    let mut dotenv = read(&root().join(".env.example"));
    dotenv.push_str("\n# the test's values\n");
    for (k, v) in values {
        dotenv.push_str(&format!("{k}={v}\n"));
    }
    dotenv.push_str(&format!("TRADING_KEY_ID={key_id}\n"));
    std::fs::write(project.join(".env"), dotenv).expect(".env");
    ports
}

/// Whether both sides of both markets have resting orders.
fn two_sided(orders: &[OrderReport]) -> bool {
    ["SEI/USDC", "ETH/USDC"].iter().all(|m| {
        let m = MarketId::new(m).expect("market");
        [Side::Buy, Side::Sell]
            .iter()
            .all(|s| orders.iter().any(|o| o.market == m && o.side == *s))
    })
}

/// The environment of a running process.
fn environ(pid: u32) -> BTreeMap<String, String> {
    std::fs::read(format!("/proc/{pid}/environ"))
        .unwrap_or_default()
        .split(|b| *b == 0)
        .filter_map(|kv| std::str::from_utf8(kv).ok()?.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_compose_services_quote_both_markets() {
    let project = scratch_dir("compose");
    let ns = unique_namespace("compose");
    let url = redis_url();
    let values = [
        ("FLASHMM_NAMESPACE", ns.as_str()),
        ("REDIS_URL", url.as_str()),
        ("API_ADMIN_TOKEN", API_ADMIN_TOKEN),
        ("SECRET_KEY", SECRET_KEY),
    ];
    let ports = lay_out_project(&project, &values);

    // A file the image holds besides the mounts: the ONNX Runtime library (`ORT_DYLIB_PATH`
    // of the image), here the one `scripts/setup` installed.
    let ort = std::env::var("ORT_DYLIB_PATH")
        .ok()
        .filter(|p| !p.is_empty())
        .or_else(|| std::fs::read_to_string(root().join(".venv/ort-dylib-path")).ok())
        .map(|p| PathBuf::from(p.trim()))
        .filter(|p| p.is_file())
        .expect("no ONNX Runtime library: run scripts/setup (it records .venv/ort-dylib-path)");
    let image = image_env(&read(&root().join("deploy/Dockerfile")));
    let image_ort = image
        .get("ORT_DYLIB_PATH")
        .expect("the image sets ORT_DYLIB_PATH");
    let image_files = [(image_ort.clone(), ort)];

    let file = compose();
    let plans = start_order(
        plan(&file, &project, &image_files)
            .unwrap_or_else(|e| panic!("docker compose would refuse the file: {e}")),
    );
    let binaries: BTreeSet<&str> = plans.iter().map(|p| p.binary.as_str()).collect();
    let expected: BTreeSet<&str> = flashmm_core::config::SERVICES.iter().copied().collect();
    assert_eq!(binaries, expected, "the compose file runs every service");

    let mut running: Vec<(String, String, Service, PathBuf)> = Vec::new();
    for plan in &plans {
        let log = project.join(format!("{}.log", plan.name));
        let out = std::fs::File::create(&log).expect("log file");
        let mut cmd = Command::new(bin(&plan.binary));
        cmd.args(&plan.args)
            .env_clear()
            .envs(&plan.env)
            .env("PATH", format!("{}:/usr/bin:/bin", bin_dir().display()))
            .current_dir(&project)
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log file"))
            .stderr(out);
        let service = Service {
            child: cmd.spawn().expect("start a service"),
        };
        // As its healthcheck would: the service serves /metrics before dependants start.
        let metrics = port(&ports, &plan.binary);
        let up = wait_for(Duration::from_secs(20), || {
            http_get(metrics, "/metrics").ok()
        });
        assert!(
            up.is_some(),
            "{} serves no /metrics:\n{}",
            plan.name,
            tail(&log)
        );
        running.push((plan.name.clone(), plan.binary.clone(), service, log));
    }

    // Execution signs with the keystore's key; the simulator must know that account.
    let venue_port = port(&ports, "venue");
    let venue = SimVenue::connect(
        SimVenueConfig::new(
            format!("http://127.0.0.1:{venue_port}"),
            format!("ws://127.0.0.1:{venue_port}/ws"),
        ),
        Some(Arc::new(test_signer(TEST_KEY))),
    )
    .await
    .expect("the simulator answers");
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut orders = Vec::new();
    while Instant::now() < deadline {
        orders = venue.open_orders(None).await.unwrap_or_default();
        if two_sided(&orders) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let logs = || {
        running
            .iter()
            .map(|(name, _, _, log)| format!("--- {name}\n{}", tail(log)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        two_sided(&orders),
        "no two-sided quotes on both markets at the venue for the keystore's account \
         ({} open orders)\n{}",
        orders.len(),
        logs()
    );
    let bus = RedisBus::connect(RedisBusConfig::new(url.clone()))
        .await
        .expect("Redis");
    let namespace = Namespace::new(&ns).expect("namespace");
    // Execution records its quotes for the API and `flashmm status`.
    let key = namespace.state("quotes").expect("state key");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut quotes = bus.get_state(&key).await.expect("state:quotes");
    while quotes.len() < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        quotes = bus.get_state(&key).await.expect("state:quotes");
    }
    for m in ["SEI/USDC", "ETH/USDC"] {
        assert!(quotes.contains_key(m), "state:quotes lacks {m}: {quotes:?}");
    }

    // Each process has what its compose service names, and no other service's secrets.
    for (name, _, service, _) in &running {
        let env = environ(service.child.id());
        assert_eq!(env.get("FLASHMM_NAMESPACE"), Some(&ns), "{name}");
        let holds = |secret: &str| env.values().any(|v| v.contains(secret));
        assert_eq!(
            holds(API_ADMIN_TOKEN),
            name == "api",
            "{name}: API_ADMIN_TOKEN"
        );
        assert_eq!(holds(SECRET_KEY), name == "api", "{name}: SECRET_KEY");
        assert_eq!(
            env.contains_key("ENCRYPTION_KEY_FILE"),
            name == "execution",
            "{name}: ENCRYPTION_KEY_FILE"
        );
        assert!(!holds(TEST_KEY) && !holds(PASSPHRASE), "{name}");
    }

    drop(running);
    bus.purge(&namespace).await.expect("purge");
    let _ = std::fs::remove_dir_all(&project);
}

#[test]
fn compose_refuses_to_run_without_the_trading_key_id() {
    let project = scratch_dir("compose-nokey");
    std::fs::create_dir_all(&project).expect("project dir");
    std::fs::write(project.join(".env"), read(&root().join(".env.example"))).expect(".env");
    let refused = plan(&compose(), &project, &[]).err();
    let _ = std::fs::remove_dir_all(&project);
    assert!(
        refused
            .as_deref()
            .is_some_and(|e| e.contains("TRADING_KEY_ID")),
        "the simulator would start with no account: {refused:?}"
    );
}
