//! The operator CLI as a user runs it: the built `flashmm` binary, a real Redis at `REDIS_URL`
//! and a namespace of the test's own.

use std::process::{Command, Output};

use flashmm_bus::{Bus, Envelope, Namespace, RedisBus, RedisBusConfig};
use flashmm_core::control::Heartbeat;
use flashmm_core::market_event::MarketEvent;
use flashmm_core::time::UnixNanos;

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/flashmm.toml");

fn flashmm(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flashmm"));
    cmd.args(["--config", CONFIG]).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run flashmm")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn config_check_prints_the_config_with_secrets_redacted() {
    let out = flashmm(
        &["config", "check"],
        &[
            ("API_ADMIN_TOKEN", "tok-9f8e7d"),
            ("REDIS_URL", "redis://:hunter2@127.0.0.1:6379"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("admin_token = \"***\""), "{text}");
    assert!(text.contains("redis://:***@127.0.0.1:6379"), "{text}");
    assert!(!text.contains("tok-9f8e7d") && !text.contains("hunter2"));
    assert!(!stderr(&out).contains("tok-9f8e7d"));
    // Each market's fees on the venue in use: the simulator's rebate here, Hyperliquid's base
    // tier there.
    assert!(text.contains("# fees on sim (maker, taker):"), "{text}");
    assert!(text.contains("#   SEI/USDC: -0.0001, 0.0005"), "{text}");
    let out = flashmm(&["config", "check"], &[("VENUE", "hyperliquid")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("# fees on hyperliquid (maker, taker):"),
        "{text}"
    );
    assert!(text.contains("#   SEI/USDC: 0.0004, 0.0007"), "{text}");
}

#[test]
fn config_check_names_the_bad_key_on_one_line() {
    let out = flashmm(&["config", "check"], &[("MAX_POSITION_USDC", "lots")]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("MAX_POSITION_USDC"), "{err}");
    assert!(err.contains("risk.max_position_usdc"), "{err}");
}

#[test]
fn config_check_refuses_a_missing_file() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flashmm"));
    let out = cmd
        .args(["--config", "/nonexistent/flashmm.toml", "config", "check"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cannot read config file /nonexistent/flashmm.toml"));
}

#[tokio::test]
async fn streams_list_and_tail_decode_msgpack_bodies() {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let name = format!("test-cli-{}", std::process::id());
    let ns = Namespace::new(&name).unwrap();
    let bus = RedisBus::connect(RedisBusConfig::new(url.clone()))
        .await
        .unwrap();
    let beat = Heartbeat {
        service: "ingest".into(),
        instance: "ingest-1".into(),
        ts: UnixNanos(1_700_000_000_000_000_500),
    };
    let env = Envelope::new("", beat.ts, UnixNanos(1_700_000_000_000_000_000), &beat).unwrap();
    bus.publish(&ns.heartbeat(), &env).await.unwrap();
    let trade = MarketEvent::Trade(flashmm_core::trade::Trade {
        market: flashmm_core::market::MarketId::new("SEI/USDC").unwrap(),
        trade_id: flashmm_core::identifiers::TradeId::new("t-77").unwrap(),
        price: flashmm_core::market::Price::from_ticks(4_321),
        qty: flashmm_core::market::Qty::from_lots(15),
        aggressor: flashmm_core::market::Side::Sell,
        ts: UnixNanos(5),
    });
    let md = ns.md("SEI-USDC").unwrap();
    bus.publish(
        &md,
        &Envelope::new("SEI-USDC", UnixNanos(5), UnixNanos(4), &trade).unwrap(),
    )
    .await
    .unwrap();
    bus.publish_raw(&md, &vec![("type".into(), b"junk".to_vec())])
        .await
        .unwrap();

    let env = [
        ("FLASHMM_NAMESPACE", name.as_str()),
        ("REDIS_URL", url.as_str()),
    ];
    let list = flashmm(&["streams", "list"], &env);
    let tail = flashmm(
        &["streams", "tail", "md:SEI-USDC", "--json", "--no-follow"],
        &env,
    );
    let human = flashmm(&["streams", "tail", "heartbeat", "--no-follow"], &env);
    bus.purge(&ns).await.unwrap();

    assert!(list.status.success(), "{}", stderr(&list));
    let listed = stdout(&list);
    assert!(listed.contains(&format!("{name}:heartbeat")), "{listed}");
    assert!(listed.contains(&format!("{name}:md:SEI-USDC")), "{listed}");

    assert!(tail.status.success(), "{}", stderr(&tail));
    let lines: Vec<serde_json::Value> = stdout(&tail)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["type"], "trade");
    assert_eq!(lines[0]["mkt"], "SEI-USDC");
    assert_eq!(lines[0]["origin_ts"], 4);
    assert_eq!(lines[0]["body"]["price"], 4_321);
    assert_eq!(lines[0]["body"]["aggressor"], "sell");
    assert_eq!(lines[0]["body"]["trade_id"], "t-77");
    assert!(lines[1]["malformed"].is_string(), "{}", lines[1]);

    assert!(human.status.success());
    let human = stdout(&human);
    assert!(human.contains("heartbeat v1 - hop=0µs"), "{human}");
    assert!(human.contains("\"instance\":\"ingest-1\""), "{human}");
}
