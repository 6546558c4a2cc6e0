//! `sim-venue`: the local exchange simulator, a real network server on loopback.
//!
//! Run alone: `cargo run -p sim-venue -- --config config/flashmm.toml` (`--check` validates the
//! configuration and exits). See the crate README for endpoints and flags.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use flashmm_runtime::{self as runtime, ServiceArgs};
use flashmm_sim::exchange::{
    default_flow_params, Exchange, ExchangeConfig, MarketSetup, ReplayOptions,
};
use flashmm_sim::latency::Latency;
use flashmm_sim::queue::CancelModel;
use flashmm_sim::ratelimit::RateLimit;
use flashmm_venue::signing::Signer;
use rust_decimal::Decimal;
use sim_venue::{AppState, ServerOptions};

/// Command line of `sim-venue`.
#[derive(Debug, Parser)]
#[command(name = "sim-venue", version, about = "The local exchange simulator.")]
struct Args {
    #[command(flatten)]
    service: ServiceArgs,
    /// Address to listen on; defaults to the host and port of `venue.sim_rest_url`.
    #[arg(long)]
    bind: Option<SocketAddr>,
    /// Seed of the background flow and fault draws: same seed, same flow.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Simulated flow (or replayed recording) time per wall-clock time.
    #[arg(long, default_value_t = 1.0, env = "SIM_SPEED")]
    speed: f64,
    /// Public key (hex, compressed or uncompressed secp256k1) of the demo account; a key is
    /// generated and printed when absent.
    #[arg(long)]
    account_pubkey: Option<String>,
    /// Amount of every listed asset deposited into the demo account.
    #[arg(long, default_value = "100000")]
    demo_funds: Decimal,
    /// Calibrated flow parameters of a market, `MARKET=PATH` (e.g.
    /// `ETH/USDC=config/flow.toml`, written by `flashmm calibrate`); repeatable. Markets
    /// without one use the built-in parameters. `SIM_FLOW`: comma separated.
    #[arg(
        long = "flow",
        value_name = "MARKET=PATH",
        env = "SIM_FLOW",
        value_delimiter = ','
    )]
    flow: Vec<String>,
    /// Disable background flow (a quiet book that only participants trade in).
    #[arg(long)]
    no_flow: bool,
    /// A recording (`flashmm import`, `flashmm record`) whose markets follow it instead of a
    /// synthetic flow: the recorded book is their resting liquidity, participants' orders are
    /// filled by the queue model; repeatable (recordings of one span stay aligned). Each
    /// recorded market must be configured with the recording's tick and lot.
    #[arg(
        long = "replay",
        value_name = "REC",
        env = "SIM_REPLAY",
        value_delimiter = ','
    )]
    replay: Vec<std::path::PathBuf>,
    /// With `--replay`: start the recordings again from their beginning when they end (the
    /// participants' orders are cancelled and the books cleared); otherwise the markets stay
    /// as the recordings left them.
    #[arg(long = "loop", env = "SIM_REPLAY_LOOP", requires = "replay")]
    looped: bool,
    /// Paper trading: the `--symbols` markets (every configured market with `hyperliquid`)
    /// follow this venue's live public feed instead of a flow or a recording (the feed's book
    /// and trades are their public data, participants' orders fill by the queue model). Each
    /// must be configured with the venue's tick and lot.
    #[arg(long, value_enum, env = "SIM_FOLLOW", conflicts_with = "replay")]
    follow: Option<FollowSource>,
    /// With `--follow binance`: the venue's symbols, comma separated (e.g. `BTCUSDT,ETHUSDT`).
    #[arg(long, env = "SIM_FOLLOW_SYMBOLS", value_delimiter = ',')]
    symbols: Vec<String>,
    /// With `--follow binance`: `spot` or `usdm` (USD-M futures).
    #[arg(long, env = "SIM_FOLLOW_MARKET", default_value = "spot")]
    market: flashmm_binance::BinanceMarket,
    /// With `--follow binance`: the venue's WebSocket base URL (default: its own for the market).
    #[arg(long, env = "SIM_FOLLOW_WS_URL")]
    ws_url: Option<String>,
    /// With `--follow binance`: the venue's REST base URL (default: its own for the market).
    #[arg(long, env = "SIM_FOLLOW_REST_URL")]
    rest_url: Option<String>,
    /// How long a participant's order request takes to reach the matching engine, ms (the
    /// backtester's latency model: requests are applied and acknowledged that much later, in
    /// arrival order). Under `venue.kind = "paper"`, `[venue.paper]`'s unless set.
    #[arg(long, env = "SIM_ORDER_LATENCY_MS", default_value_t = 0.0)]
    order_latency_ms: f64,
    /// A uniform jitter added to each order's latency, up to this many ms.
    #[arg(long, env = "SIM_ORDER_LATENCY_JITTER_MS", default_value_t = 0.0)]
    order_latency_jitter_ms: f64,
    /// Keep the participants' balances and fill history in this file across restarts
    /// (written after every fill and at shutdown, read at start): paper trading's account.
    /// Without it every start funds the account afresh.
    #[arg(long, env = "SIM_LEDGER_FILE")]
    ledger_file: Option<std::path::PathBuf>,
    /// Cancel an account's orders when its last authenticated WebSocket session drops.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    cancel_on_disconnect: bool,
    /// Signed requests per key: bucket capacity.
    #[arg(long, default_value_t = 50)]
    rate_capacity: u32,
    /// Signed requests per key: refill per second.
    #[arg(long, default_value_t = 20)]
    rate_per_sec: u32,
    /// The wire spoken: the simulator's own, or Hyperliquid's (`/info`, `/exchange`, `/ws`).
    #[arg(long, value_enum, default_value_t = Wire::Sim)]
    wire: Wire,
    /// Hyperliquid wire: an account (address) funded with `--demo-funds`; repeatable.
    #[arg(long = "hl-account", value_name = "ADDRESS")]
    hl_account: Vec<flashmm_hyperliquid::Address>,
    /// Hyperliquid wire: an approved API wallet, `AGENT=MASTER`; repeatable.
    #[arg(long = "hl-agent", value_name = "AGENT=MASTER")]
    hl_agent: Vec<String>,
    /// Hyperliquid wire: a configured market listed as a perp (named by its base, e.g.
    /// `ETH` for `ETH/USDC`) instead of a spot pair; repeatable.
    #[arg(long = "hl-perp", value_name = "MARKET")]
    hl_perp: Vec<flashmm_core::market::MarketId>,
    /// Hyperliquid wire: the requests every address may send before its traded volume earns
    /// more (one per USDC), as the venue's address budget.
    #[arg(long = "hl-initial-requests", default_value_t = flashmm_hyperliquid::budget::INITIAL_REQUESTS)]
    hl_initial_requests: u64,
    /// Hyperliquid wire: the network actions must be signed for.
    #[arg(long = "hl-network", default_value = "testnet")]
    hl_network: String,
}

/// A live feed the markets can follow (`--follow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FollowSource {
    /// Binance's public market data (spot or USD-M, `--market`).
    Binance,
    /// Hyperliquid's public market data (`l2Book`, `trades`) of every configured market, at
    /// `[venue.hyperliquid]`'s URLs and coins; no key needed.
    Hyperliquid,
}

/// The live feed the markets follow.
enum Followed {
    /// Binance's combined streams.
    Binance(flashmm_binance::FeedStream),
    /// Hyperliquid's WebSocket, through its venue client.
    Hyperliquid(flashmm_venue::venue::EventStream),
}

/// The live feed of `--follow binance`: each symbol's configured market, whose tick and lot
/// must be the venue's (`exchangeInfo`, refined by a first depth snapshot as `flashmm
/// record` does).
async fn follow_config(
    args: &Args,
    specs: &[flashmm_core::market::MarketSpec],
) -> anyhow::Result<flashmm_binance::FeedConfig> {
    use flashmm_binance::{record::resolve_symbols, FeedConfig, FeedSymbol, RestClient};
    let symbols: Vec<String> = args
        .symbols
        .iter()
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| !s.is_empty())
        .collect();
    if symbols.is_empty() {
        anyhow::bail!("--follow needs --symbols");
    }
    let mut feed = FeedConfig::new(args.market, Vec::new());
    if let Some(url) = &args.ws_url {
        feed.ws_url = url.clone();
    }
    if let Some(url) = &args.rest_url {
        feed.rest_url = url.clone();
    }
    let rest = RestClient::new(args.market, feed.rest_url.clone(), feed.http_timeout)?;
    let venue = resolve_symbols(&rest, &symbols, feed.depth_limit)
        .await
        .context("resolving the symbols' tick and lot")?;
    for v in venue {
        let spec = specs
            .iter()
            .find(|s| s.id() == v.spec.id())
            .with_context(|| {
                format!(
                    "--follow: {} ({}) is not a configured market",
                    v.symbol,
                    v.spec.id()
                )
            })?;
        if spec.tick_size() != v.spec.tick_size() || spec.lot_size() != v.spec.lot_size() {
            anyhow::bail!(
                "--follow: {} is configured with tick {} and lot {}, the venue's are tick {} and lot {}",
                spec.id(),
                spec.tick_size(),
                spec.lot_size(),
                v.spec.tick_size(),
                v.spec.lot_size()
            );
        }
        feed.symbols.push(FeedSymbol {
            symbol: v.symbol,
            spec: spec.clone(),
        });
    }
    Ok(feed)
}

/// The wire `sim-venue` speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Wire {
    /// FlashMM's own protocol (`/api/v1/...`, `/ws`).
    Sim,
    /// Hyperliquid's (`/info`, `/exchange`, `/ws`): a local mock of the venue.
    Hyperliquid,
}

fn bind_from_url(url: &str) -> anyhow::Result<SocketAddr> {
    let rest = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .trim_end_matches('/');
    rest.parse()
        .with_context(|| format!("venue.sim_rest_url `{url}` is not http://IP:PORT"))
}

/// One market's records from the `--replay` recordings, with the recording's spec of it.
type Replayed = (
    flashmm_core::market::MarketSpec,
    Vec<flashmm_recording::Record>,
);

/// Reads the `--replay` recordings into each market's records (tops left out: the book
/// events carry them) and the recording-time span they share.
fn load_replays(
    paths: &[std::path::PathBuf],
) -> anyhow::Result<(std::collections::HashMap<String, Replayed>, i64, i64)> {
    let mut markets: std::collections::HashMap<String, Replayed> = Default::default();
    let (mut start, mut end) = (i64::MAX, i64::MIN);
    for path in paths {
        let shown = path.display();
        let reader = flashmm_recording::RecordingReader::open(path)
            .with_context(|| format!("opening recording {shown}"))?;
        let header = reader.header().clone();
        for record in reader {
            let record = record.with_context(|| format!("reading recording {shown}"))?;
            if matches!(record.event, flashmm_recording::RecordEvent::Top(_)) {
                continue;
            }
            let symbol = record.event.market().as_str().to_owned();
            let entry = match markets.entry(symbol) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let spec = header.market(e.key()).cloned().with_context(|| {
                        format!("{shown}: a record of {}, not in its header", e.key())
                    })?;
                    e.insert((spec, Vec::new()))
                }
            };
            let ts = record.recv_ts.as_i64();
            if entry.1.last().is_some_and(|r| r.recv_ts.as_i64() > ts) {
                anyhow::bail!("{shown}: records of {} out of time order", entry.0.id());
            }
            start = start.min(ts);
            end = end.max(ts);
            entry.1.push(record);
        }
    }
    Ok((markets, start, end))
}

/// The `--flow MARKET=PATH` files, read and checked, by market.
fn load_flows(
    flows: &[String],
) -> anyhow::Result<std::collections::HashMap<String, flashmm_sim::flow::FlowParams>> {
    let mut out = std::collections::HashMap::new();
    for flow in flows {
        let (market, path) = flow
            .split_once('=')
            .with_context(|| format!("--flow `{flow}` is not MARKET=PATH"))?;
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
        let params = flashmm_sim::flow::FlowParams::from_toml(&text)
            .with_context(|| format!("loading {path}"))?;
        out.insert(market.to_owned(), params);
    }
    Ok(out)
}

/// Under `venue.kind = "paper"` the simulator is the paper venue, whoever starts it (`flashmm
/// up`, the compose file): what its command line and environment leave unset comes from
/// `[venue.paper]`: it follows the feed of those symbols (unless it replays), with that
/// order latency, keeping the account in that ledger file.
fn paper_defaults(
    args: &mut Args,
    matches: &clap::ArgMatches,
    config: &flashmm_core::config::Config,
) -> anyhow::Result<()> {
    use clap::parser::ValueSource;
    use flashmm_core::config::{PaperSource, VenueKind};
    if config.venue.kind != VenueKind::Paper {
        return Ok(());
    }
    let unset = |id: &str| {
        matches!(
            matches.value_source(id),
            None | Some(ValueSource::DefaultValue)
        )
    };
    let paper = &config.venue.paper;
    if unset("follow") && args.replay.is_empty() {
        args.follow = Some(match paper.source {
            PaperSource::Binance => FollowSource::Binance,
            PaperSource::Hyperliquid => FollowSource::Hyperliquid,
        });
    }
    if unset("symbols") {
        args.symbols = paper.symbols.clone();
    }
    if unset("market") {
        args.market = paper
            .market
            .parse()
            .map_err(|e| anyhow::anyhow!("venue.paper.market: {e}"))?;
    }
    if unset("order_latency_ms") {
        args.order_latency_ms = paper.order_latency_ms as f64;
    }
    if unset("order_latency_jitter_ms") {
        args.order_latency_jitter_ms = paper.order_latency_jitter_ms as f64;
    }
    if unset("ledger_file") {
        args.ledger_file = Some(paper.ledger_file.clone().into());
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let matches = <Args as clap::CommandFactory>::command().get_matches();
    let mut args = <Args as clap::FromArgMatches>::from_arg_matches(&matches)?;
    let Some(config) = runtime::start("sim-venue", &args.service)? else {
        return Ok(());
    };
    paper_defaults(&mut args, &matches, &config)?;
    let _heartbeat = match flashmm_bus::connect_bus(&config).await {
        Ok((bus, namespace)) => Some(flashmm_bus::spawn_heartbeat(
            bus,
            namespace,
            "sim-venue",
            Duration::from_secs(1),
        )),
        Err(e) => {
            tracing::warn!(error = %e, "no Redis: running without heartbeat");
            None
        }
    };

    for (name, ms) in [
        ("--order-latency-ms", args.order_latency_ms),
        ("--order-latency-jitter-ms", args.order_latency_jitter_ms),
    ] {
        if !(ms.is_finite() && (0.0..=60_000.0).contains(&ms)) {
            anyhow::bail!("{name} {ms} is not a number of ms in [0, 60000]");
        }
    }
    if !(args.speed.is_finite() && args.speed > 0.0) {
        anyhow::bail!("--speed {} is not a positive number", args.speed);
    }
    let mut calibrated = load_flows(&args.flow)?;
    let (mut replays, replay_start, replay_end) = load_replays(&args.replay)?;
    let specs = config.market_specs()?;
    let follow = match args.follow {
        Some(FollowSource::Binance) => Some(follow_config(&args, &specs).await?),
        Some(FollowSource::Hyperliquid) | None => None,
    };
    let follow_hl = args.follow == Some(FollowSource::Hyperliquid);
    let followed = |spec: &flashmm_core::market::MarketSpec| {
        follow_hl
            || follow
                .as_ref()
                .is_some_and(|f| f.symbols.iter().any(|s| s.spec.id() == spec.id()))
    };
    let mut markets = Vec::with_capacity(config.markets.len());
    let mut replayed = Vec::new();
    for spec in specs.iter().cloned() {
        let params = calibrated
            .remove(spec.id().as_str())
            .unwrap_or_else(|| default_flow_params(&spec));
        let flow = match replays.remove(spec.id().as_str()) {
            Some(replay) => {
                replayed.push((spec.id().clone(), replay));
                None
            }
            None if followed(&spec) => None,
            None => (!args.no_flow).then_some(params),
        };
        markets.push(MarketSetup { spec, flow });
    }
    if let Some(market) = calibrated.keys().next() {
        anyhow::bail!("--flow names {market}, which is not a configured market");
    }
    if let Some(market) = replays.keys().next() {
        anyhow::bail!("--replay: the recording's market {market} is not a configured market");
    }
    let exchange_config = ExchangeConfig {
        rate_limit: RateLimit {
            capacity: args.rate_capacity,
            refill_per_sec: args.rate_per_sec,
        },
        seed: args.seed,
        speed: args.speed,
        ..ExchangeConfig::default()
    };
    let mut exchange = Exchange::new(markets, exchange_config, sim_venue::now_ns())?;
    for (market, (recorded, records)) in replayed {
        tracing::info!(
            %market,
            records = records.len(),
            span_s = (replay_end - replay_start) as f64 / 1e9,
            looped = args.looped,
            speed = args.speed,
            "replaying a recording"
        );
        let options = ReplayOptions {
            start_ns: replay_start,
            end_ns: replay_end,
            looped: args.looped,
            cancel_model: CancelModel::default(),
        };
        exchange.attach_replay(&market, &recorded, records, options)?;
    }
    let feed = match follow {
        Some(feed) => {
            for s in &feed.symbols {
                exchange.attach_follow(s.spec.id())?;
                tracing::info!(market = %s.spec.id(), symbol = %s.symbol, venue = %feed.market, "following the live feed");
            }
            Some(Followed::Binance(flashmm_binance::subscribe(feed)?))
        }
        None if follow_hl => {
            for spec in &specs {
                exchange.attach_follow(spec.id())?;
                tracing::info!(market = %spec.id(), venue = "hyperliquid", "following the live feed");
            }
            let hl = flashmm_venue::venue::any::hyperliquid_config(&config)?;
            let feed = sim_venue::follow::hyperliquid(hl, specs.clone())
                .await
                .context("--follow hyperliquid: reading the venue's markets")?;
            Some(Followed::Hyperliquid(feed))
        }
        None => None,
    };
    if args.wire == Wire::Hyperliquid {
        if feed.is_some() {
            anyhow::bail!("--follow is not served on the Hyperliquid wire");
        }
        if args.ledger_file.is_some() {
            anyhow::bail!("--ledger-file is not served on the Hyperliquid wire");
        }
        use sim_venue::hyperliquid::start;
        let network = match args.hl_network.as_str() {
            "testnet" => flashmm_hyperliquid::Network::Testnet,
            "mainnet" => flashmm_hyperliquid::Network::Mainnet,
            other => anyhow::bail!("--hl-network `{other}`: testnet or mainnet"),
        };
        let setup = start::Setup {
            network,
            accounts: args.hl_account.clone(),
            agents: args
                .hl_agent
                .iter()
                .map(|a| start::parse_agent(a))
                .collect::<anyhow::Result<_>>()?,
            funds: args.demo_funds,
            rate_limit: RateLimit {
                capacity: args.rate_capacity,
                refill_per_sec: args.rate_per_sec,
            },
            seed: args.seed,
            perps: args.hl_perp.clone(),
            initial_requests: args.hl_initial_requests,
        };
        let bind = match args.bind {
            Some(addr) => addr,
            None => bind_from_url(&config.venue.sim_rest_url)?,
        };
        start::run(exchange, setup, bind, runtime::shutdown_signal()).await?;
        tracing::info!(service = "sim-venue", "stopped");
        return Ok(());
    }

    let pubkey = match &args.account_pubkey {
        Some(hex) => hex.clone(),
        None => {
            let signer = Signer::generate(0)?;
            println!(
                "sim-venue demo account: key id {} secret {}",
                signer.key_id(),
                signer.secret_hex()
            );
            signer.key_id().to_owned()
        }
    };
    let mut assets: Vec<String> = Vec::new();
    for m in &config.markets {
        for asset in m.symbol.split('/') {
            if !assets.iter().any(|a| a == asset) {
                assets.push(asset.to_owned());
            }
        }
    }
    let deposits: Vec<(&str, Decimal)> = assets
        .iter()
        .map(|a| (a.as_str(), args.demo_funds))
        .collect();
    let (account, key_id) = exchange.register_account(&pubkey, &deposits)?;
    tracing::info!(%account, key_id, "demo account funded");
    if let Some(path) = &args.ledger_file {
        match sim_venue::ledger_file::load(path)? {
            Some(saved) => {
                let restored = exchange
                    .restore_accounts(&saved)
                    .with_context(|| format!("restoring {}", path.display()))?;
                tracing::info!(path = %path.display(), restored, "accounts restored from the ledger file");
            }
            None => {
                tracing::info!(path = %path.display(), "no ledger file yet: accounts start funded")
            }
        }
    }

    let state = AppState::new(
        exchange,
        ServerOptions {
            cancel_on_disconnect: args.cancel_on_disconnect,
            fault_seed: args.seed,
            order_latency: Latency::from_ms(args.order_latency_ms, args.order_latency_jitter_ms),
            ..ServerOptions::default()
        },
    );
    let bind = match args.bind {
        Some(addr) => addr,
        None => bind_from_url(&config.venue.sim_rest_url)?,
    };
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    tracing::info!(%bind, "listening");
    let _flow = sim_venue::spawn_flow(state.clone(), Duration::from_millis(5));
    let _follow = feed.map(|feed| match feed {
        Followed::Binance(feed) => sim_venue::follow::spawn(state.clone(), feed),
        Followed::Hyperliquid(feed) => sim_venue::follow::spawn_venue(state.clone(), feed),
    });
    let _saver = match &args.ledger_file {
        Some(path) => {
            // Written now too, so the file exists from the first start.
            sim_venue::ledger_file::save(&state, path)?;
            Some(sim_venue::ledger_file::spawn_saver(
                state.clone(),
                path.clone(),
            ))
        }
        None => None,
    };
    sim_venue::serve(listener, state.clone(), runtime::shutdown_signal()).await?;
    if let Some(path) = &args.ledger_file {
        sim_venue::ledger_file::save(&state, path)?;
    }
    tracing::info!(service = "sim-venue", "stopped");
    Ok(())
}
