use super::*;

const FILE: &str = include_str!("../../../../config/flashmm.toml");

fn no_env(_: &str) -> Option<String> {
    None
}

fn err(toml: &str, env: impl Fn(&str) -> Option<String>) -> String {
    match Config::from_toml(toml, env) {
        Ok(_) => panic!("config was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn committed_file_is_valid() {
    let config = Config::from_toml(FILE, no_env).unwrap();
    assert_eq!(config.namespace, "flashmm");
    assert_eq!(config.markets[0].symbol, "SEI/USDC");
    assert_eq!(config.markets[0].tick_size.to_string(), "0.0001");
    assert_eq!(config.service("execution").unwrap().metrics_port, 9104);
    assert_eq!(config.model.path, "models/model.json");
    assert_eq!(config.model.horizon_ms, 100);
    let specs = config.market_specs().unwrap();
    assert_eq!(specs[1].id().stream_key(), "ETH-USDC");
    assert_eq!(specs[0].tick_size().to_string(), "0.0001");
    // The simulator's schedule: the 1 bp maker rebate it pays.
    assert_eq!(specs[0].maker_fee_rate().to_string(), "-0.0001");
    assert_eq!(specs[0].taker_fee_rate().to_string(), "0.0005");
}

#[test]
fn fees_are_the_venue_s_unless_a_market_sets_its_own() {
    let on = |venue: &'static str| {
        move |k: &str| match k {
            "VENUE" => Some(venue.to_string()),
            "PAPER_SYMBOLS" => Some("SEIUSDT,ETHUSDT".to_string()),
            _ => None,
        }
    };
    let rates = |text: &str, venue: &'static str| -> Vec<(String, String)> {
        Config::from_toml(text, on(venue))
            .unwrap()
            .market_specs()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s.maker_fee_rate().to_string(),
                    s.taker_fee_rate().to_string(),
                )
            })
            .collect()
    };
    // Hyperliquid's base tier, no rebate: the spot pairs of the markets' own symbols, and a
    // perp where the market names a perp coin.
    let spot = ("0.0004".to_string(), "0.0007".to_string());
    let perp = ("0.00015".to_string(), "0.00045".to_string());
    assert_eq!(rates(FILE, "hyperliquid"), [spot.clone(), spot.clone()]);
    let coins = "[venue.hyperliquid.coins]";
    assert!(FILE.contains(coins));
    let eth_perp = FILE.replacen(
        coins,
        "[venue.hyperliquid.coins]\n\"ETH/USDC\" = \"ETH\"\n",
        1,
    );
    assert_eq!(
        rates(&eth_perp, "hyperliquid"),
        [spot.clone(), perp.clone()]
    );
    // Paper trading on Binance spot: the base tier of the feed's venue.
    let paper = rates(FILE, "paper");
    assert!(
        paper.iter().all(|r| *r == ("0.001".into(), "0.001".into())),
        "{paper:?}"
    );
    // A market's own rates win over the venue's.
    let own = eth_perp.replacen(
        "min_notional = \"1\"\n",
        "min_notional = \"1\"\nmaker_fee_rate = \"0\"\n",
        1,
    );
    let hl = rates(&own, "hyperliquid");
    assert_eq!(hl[0], ("0".into(), "0.0007".into()));
    assert_eq!(hl[1], perp);
    // The venue's schedule is checked with its key.
    let bad = FILE.replace(
        "hyperliquid = { maker = \"0.00015\"",
        "hyperliquid = { maker = \"1.5\"",
    );
    assert_ne!(bad, FILE);
    let message = err(&bad, no_env);
    assert!(message.contains("`venue.fees.hyperliquid`"), "{message}");
}

#[test]
fn env_overrides_replace_keys() {
    let env = |k: &str| match k {
        "MAX_POSITION_USDC" => Some("1500.5".to_string()),
        "REDIS_URL" => Some("redis://:pw@127.0.0.1:6380".to_string()),
        "FLASHMM_NAMESPACE" => Some("t1".to_string()),
        "VENUE" => Some("hyperliquid".to_string()),
        "HYPERLIQUID_ACCOUNT" => Some("0x7e5f4552091a69125d5dfcb7b8c2659029395bdf".to_string()),
        _ => None,
    };
    let config = Config::from_toml(FILE, env).unwrap();
    assert_eq!(config.risk.max_position_usdc.to_string(), "1500.5");
    assert_eq!(config.redis.url, "redis://:pw@127.0.0.1:6380");
    let shown = toml::to_string(&config).unwrap();
    assert!(
        shown.contains("url = \"redis://:***@127.0.0.1:6380\""),
        "{shown}"
    );
    assert_eq!(config.namespace, "t1");
    assert_eq!(config.venue.kind, VenueKind::Hyperliquid);
    assert_eq!(
        config.venue.hyperliquid.network,
        HyperliquidNetwork::Testnet,
        "testnet unless set"
    );
    assert_eq!(
        config.venue.hyperliquid.account,
        "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"
    );
}

#[test]
fn venue_kinds_are_checked_at_load() {
    let with = |vars: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| (*v).to_string())
        }
    };
    let message = err(FILE, with(&[("VENUE", "sei")]));
    assert!(message.contains("venue.kind"), "{message}");
    assert!(
        message.contains("x/dex") && message.contains("2024"),
        "{message}"
    );
    let message = err(FILE, with(&[("VENUE", "binance")]));
    assert!(message.starts_with("env VENUE"), "{message}");
    let message = err(
        FILE,
        with(&[("VENUE", "hyperliquid"), ("HYPERLIQUID_NETWORK", "mainnet")]),
    );
    assert!(message.contains("testnet"), "{message}");
    let message = err(
        FILE,
        with(&[("VENUE", "hyperliquid"), ("HYPERLIQUID_ACCOUNT", "bob")]),
    );
    assert!(message.contains("venue.hyperliquid.account"), "{message}");
    let message = err(FILE, with(&[("HYPERLIQUID_NETWORK", "devnet")]));
    assert!(message.starts_with("env HYPERLIQUID_NETWORK"), "{message}");
}

#[test]
fn bad_env_value_names_the_variable_on_one_line() {
    let message = err(FILE, |k| {
        (k == "QUOTE_FREQUENCY_HZ").then(|| "fast".to_string())
    });
    assert!(message.starts_with("env QUOTE_FREQUENCY_HZ (config key `trading.quote_frequency_hz`)"));
    assert!(!message.contains('\n'));
    let message = err(FILE, |k| {
        (k == "QUOTE_FREQUENCY_HZ").then(|| "0".to_string())
    });
    assert!(message.contains("trading.quote_frequency_hz"), "{message}");
}

#[test]
fn secret_env_value_is_not_echoed() {
    let config = Config::from_toml(FILE, |k| {
        (k == "API_ADMIN_TOKEN").then(|| "s3cr3t-token".to_string())
    })
    .unwrap();
    let shown = format!("{config:?} {}", toml::to_string(&config).unwrap());
    assert!(!shown.contains("s3cr3t-token"));
    assert_eq!(config.api.admin_token.expose(), "s3cr3t-token");
}

#[test]
fn secret_key_comes_from_the_environment_and_is_redacted() {
    let config = Config::from_toml(FILE, |k| {
        (k == "SECRET_KEY").then(|| "jwt-key-123".to_string())
    })
    .unwrap();
    assert_eq!(config.api.secret_key.expose(), "jwt-key-123");
    let shown = format!("{config:?} {}", toml::to_string(&config).unwrap());
    assert!(!shown.contains("jwt-key-123"));
    assert!(config.api.cors_origins.is_empty());
}

#[test]
fn api_limits_are_checked() {
    for (from, to, key) in [
        (
            "ws_interval_ms = 333",
            "ws_interval_ms = 100",
            "api.ws_interval_ms",
        ),
        (
            "max_body_bytes = 16384",
            "max_body_bytes = 0",
            "api.max_body_bytes",
        ),
        (
            "cors_origins = []",
            "cors_origins = [\"*\"]",
            "api.cors_origins[0]",
        ),
        (
            "required_services = [\"ingest\"",
            "required_services = [\"nope\"",
            "api.required_services",
        ),
    ] {
        assert!(FILE.contains(from), "{from}");
        let message = err(&FILE.replace(from, to), no_env);
        assert!(message.contains(key), "{key}: {message}");
    }
}

#[test]
fn unknown_key_is_named() {
    let toml = FILE.replace("max_open_orders = 12", "max_open_orders = 12\nmax_opn = 1");
    let message = err(&toml, no_env);
    assert!(message.contains("risk"), "{message}");
    assert!(message.contains("max_opn"), "{message}");
    assert!(!message.contains('\n'));
}

#[test]
fn wrong_type_is_named_with_its_path() {
    let toml = FILE.replace("levels = 3", "levels = \"three\"");
    let message = err(&toml, no_env);
    assert!(
        message.starts_with("config key `trading.levels`"),
        "{message}"
    );
}

#[test]
fn rules_are_enforced() {
    for (from, to, key) in [
        (
            "tick_size = \"0.0001\"",
            "tick_size = \"0\"",
            "markets[0].tick_size",
        ),
        (
            "symbol = \"SEI/USDC\"",
            "symbol = \"SEIUSDC\"",
            "markets[0].symbol",
        ),
        (
            "max_position_usdc = \"2000\"",
            "max_position_usdc = \"-1\"",
            "risk.max_position_usdc",
        ),
        (
            "stale_data_ms = 2000",
            "stale_data_ms = 0",
            "risk.stale_data_ms",
        ),
        (
            "bind = \"127.0.0.1:8080\"",
            "bind = \"nowhere\"",
            "api.bind",
        ),
        (
            "namespace = \"flashmm\"",
            "namespace = \"a:b\"",
            "namespace",
        ),
        ("[services.api]", "[services.apx]", "services.api"),
        ("horizon_ms = 100", "horizon_ms = 50", "model.horizon_ms"),
        (
            "dead_band_bps = 0.5",
            "dead_band_bps = -1.0",
            "model.dead_band_bps",
        ),
        (
            "flat_rate_prior = 2000.0",
            "flat_rate_prior = -1.0",
            "model.flat_rate_prior",
        ),
        (
            "flat_rate_window_secs = 180",
            "flat_rate_window_secs = 100000",
            "model.flat_rate_window_secs",
        ),
    ] {
        let message = err(&FILE.replace(from, to), no_env);
        assert!(message.contains(&format!("`{key}`")), "{key}: {message}");
    }
}

#[test]
fn garbage_is_refused_with_one_line() {
    let message = err("this is = = not toml", no_env);
    assert!(message.starts_with("config key `(file)`"), "{message}");
    assert!(!message.contains('\n'));
}

#[test]
fn trading_quote_table_sets_other_quoting_parameters() {
    let config = Config::from_toml(FILE, no_env).unwrap();
    assert!(
        config.trading.quote.is_none(),
        "the committed file has none"
    );
    let with = FILE.replace(
        "[risk]",
        "[trading.quote]\nskew_multiple = 0.25\nmax_skew_bps = 1.5\n\n[risk]",
    );
    let config = Config::from_toml(&with, no_env).unwrap();
    let quote = config.trading.quote.unwrap();
    assert_eq!((quote.skew_multiple, quote.max_skew_bps), (0.25, 1.5));
    assert_eq!(
        quote.gamma,
        crate::strategy::RawQuoteParams::default().gamma
    );
    let unknown = FILE.replace("[risk]", "[trading.quote]\nskew = 1.0\n\n[risk]");
    assert!(err(&unknown, no_env).contains("skew"));
    let bad = FILE.replace("[risk]", "[trading.quote]\ngamma = -1.0\n\n[risk]");
    assert!(err(&bad, no_env).contains("trading.quote"));
}

#[test]
fn paper_needs_one_venue_symbol_per_market() {
    let markets = Config::from_toml(FILE, |_| None).unwrap().markets.len();
    let symbols: Vec<String> = (0..markets).map(|i| format!("SYM{i}USDT")).collect();
    let joined = symbols.join(",");
    let config = Config::from_toml(FILE, |k| match k {
        "VENUE" => Some("paper".to_string()),
        "PAPER_SYMBOLS" => Some(joined.clone()),
        _ => None,
    })
    .unwrap();
    assert_eq!(config.venue.kind, VenueKind::Paper);
    assert_eq!(config.venue.paper.symbols, symbols);
    assert!(
        config
            .venue
            .describe()
            .starts_with("paper (binance spot: SYM0USDT"),
        "{}",
        config.venue.describe()
    );
    let short = Config::from_toml(FILE, |k| match k {
        "VENUE" => Some("paper".to_string()),
        "PAPER_SYMBOLS" => Some("BTCUSDT".to_string()),
        _ => None,
    });
    if markets != 1 {
        let e = short.unwrap_err().to_string();
        assert!(e.contains("venue.paper.symbols"), "{e}");
    }
    let none = Config::from_toml(FILE, |k| (k == "VENUE").then(|| "paper".to_string()));
    assert!(none.is_err(), "paper without symbols is refused");
}

#[test]
fn paper_on_hyperliquid_needs_no_symbols_but_a_valid_hyperliquid_section() {
    let text = format!("{FILE}\n[venue.paper]\nsource = \"hyperliquid\"\n");
    let config = Config::from_toml(&text, |k| (k == "VENUE").then(|| "paper".into())).unwrap();
    assert_eq!(config.venue.paper.source, PaperSource::Hyperliquid);
    assert_eq!(config.venue.describe(), "paper (hyperliquid testnet)");
    // Its URLs are checked as a live start's are.
    let bad = Config::from_toml(&text, |k| match k {
        "VENUE" => Some("paper".into()),
        "HYPERLIQUID_WS_URL" => Some("http://127.0.0.1:1/ws".into()),
        _ => None,
    });
    assert!(
        bad.is_err_and(|e| e.to_string().contains("venue.hyperliquid.ws_url")),
        "a WebSocket URL that is not ws:// is refused"
    );
}
