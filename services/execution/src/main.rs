//! `execution`: quotes from `md:{mkt}` and `pred:{mkt}`, through the risk manager, to the venue.
//!
//! Reads: `{ns}:md:{mkt}`, `{ns}:pred:{mkt}`, `{ns}:cmd:exec` (group `execution`),
//! `{ns}:state:model` (live hit rate), the venue's own order and fill events.
//! Writes: orders to the venue; `{ns}:orders:{mkt}`, `{ns}:fills:{mkt}`, `{ns}:risk`; the hashes
//! `{ns}:state:{trading,positions,quotes,orders,pnl,latency,exec}`; heartbeat.
//!
//! Run alone: `cargo run -p execution -- --config config/flashmm.toml` with
//! the keystore passphrase in `ENCRYPTION_KEY` (or `TRADING_PRIVATE_KEY` for a throwaway key);
//! it waits for the venue when it is not up yet (`--check` validates the configuration and
//! exits). See
//! `services/execution/README.md`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use execution::engine::{retrying, Engine};
use execution::inputs::{self, Input};
use execution::settings::ExecArgs;
use execution::state::{SavedMode, StateStore};
use flashmm_core::risk::KillSwitch;
use flashmm_runtime::{self as runtime, ServiceArgs};
use flashmm_trading::MarketEngine;
use flashmm_venue::venue::{any, AnyVenue, Venue, VenueError};
use tokio::sync::mpsc;

/// Command line of `execution`.
#[derive(Debug, Parser)]
#[command(
    name = "execution",
    version,
    about = "Quotes from md:{mkt} and pred:{mkt}, through the risk manager, to the venue."
)]
struct Args {
    #[command(flatten)]
    service: ServiceArgs,
    #[command(flatten)]
    exec: ExecArgs,
}

fn main() -> anyhow::Result<()> {
    runtime::run_on_one_worker(run())
}

async fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let Some(config) = runtime::start("execution", &args.service)? else {
        return Ok(());
    };
    let (bus, ns) = flashmm_bus::connect_bus(&config).await?;
    let _heartbeat =
        flashmm_bus::spawn_heartbeat(bus.clone(), ns.clone(), "execution", Duration::from_secs(1));
    let maxlen = usize::try_from(config.redis.stream_maxlen).ok();
    let store = StateStore::new(&ns, maxlen)?;
    let epoch = store.next_epoch(&bus).await?;
    let signer = execution::keys::load_signer(&config, args.exec.key_file.as_deref())?;
    any::announce(&config, "execution");
    let shutdown = runtime::shutdown_signal();
    tokio::pin!(shutdown);
    let venue = tokio::select! {
        venue = connect_venue(&config, Arc::new(signer)) => venue?,
        _ = &mut shutdown => {
            tracing::info!(service = "execution", "stopped before the venue answered");
            return Ok(());
        }
    };
    let now = runtime::now();
    let (kill, epoch) = start_mode(&store, &bus, &venue, epoch, now).await?;
    let limits = flashmm_trading::settings::risk_limits(&config);
    let template = flashmm_trading::settings::quote_template(&config);
    let mut markets = Vec::new();
    for spec in config.market_specs()? {
        let mut m = MarketEngine::new(
            spec,
            template.clone(),
            config.trading.level_notional_usdc,
            limits.clone(),
            args.exec.guards(),
            epoch,
            now,
        );
        if let Some(saved) = store.load_market(&bus, m.key()).await? {
            m.position = saved.position;
            m.ledger = saved.ledger;
            m.traded_notional = saved.traded_notional;
        }
        markets.push(m);
    }
    let ids: Vec<_> = markets.iter().map(|m| m.spec().id().clone()).collect();
    let keys: Vec<String> = markets.iter().map(|m| m.key().to_owned()).collect();
    let events = venue.account_events(&ids).await?;
    let mut engine = Engine::new(
        bus.clone(),
        ns.clone(),
        store,
        venue,
        markets,
        kill,
        args.exec,
    );
    engine
        .reconcile()
        .await
        .context("reconciliation with the venue")?;

    let (tx, rx) = mpsc::channel::<Input>(65_536);
    let mut tasks = tokio::task::JoinSet::new();
    for (idx, key) in keys.into_iter().enumerate() {
        tasks.spawn(inputs::market(
            bus.clone(),
            ns.clone(),
            idx,
            key,
            tx.clone(),
        ));
    }
    tasks.spawn(inputs::commands(bus.clone(), ns.clone(), tx.clone()));
    let venue_task = tokio::spawn(inputs::venue_events(events, tx));
    tracing::info!(epoch, "execution started");
    engine.run(rx, shutdown).await?;
    venue_task.abort();
    tasks.abort_all();
    tracing::info!(service = "execution", "stopped");
    Ok(())
}

/// The trading mode to start in, and the client-id epoch. A saved hold (kill switch, pause)
/// holds. A trading state that cannot be read starts paused, and so does an empty one when the
/// venue knows the account (orders or fills): Redis lost what execution saved, so the operator
/// checks before quoting resumes, and the epoch moves past every id the lost count handed out.
/// Only a first start (no state, no history at the venue) quotes at once.
async fn start_mode(
    store: &StateStore,
    bus: &flashmm_bus::RedisBus,
    venue: &AnyVenue,
    epoch: u64,
    now: flashmm_core::time::UnixNanos,
) -> anyhow::Result<(KillSwitch, u64)> {
    let paused = |reason: String| {
        tracing::error!(reason, "starting paused: resume once checked");
        let mut k = KillSwitch::new(now);
        k.pause(reason, now);
        k
    };
    match store.load_mode(bus).await {
        Ok(SavedMode::Held(hold)) => {
            tracing::warn!(mode = %hold.mode, reason = hold.reason, "operator hold restored");
            Ok((hold.restore(now), epoch))
        }
        Ok(SavedMode::Free) => Ok((KillSwitch::new(now), epoch)),
        Ok(SavedMode::Empty) if epoch == 1 && !venue_knows_account(venue).await? => {
            Ok((KillSwitch::new(now), epoch))
        }
        Ok(SavedMode::Empty) => {
            let epoch = store.skip_epochs(bus, now).await?;
            let reason = "saved trading state lost while the venue knows the account".to_owned();
            Ok((paused(reason), epoch))
        }
        Err(e) => Ok((
            paused(format!("saved trading state unreadable: {e}")),
            epoch,
        )),
    }
}

/// Whether the account has open orders or fills at the venue.
async fn venue_knows_account(venue: &AnyVenue) -> anyhow::Result<bool> {
    let patience = Duration::from_secs(15);
    let open = retrying("open orders", patience, || venue.open_orders(None)).await?;
    let fills = retrying("fills", patience, || venue.fills(0)).await?;
    Ok(!open.is_empty() || !fills.is_empty())
}

/// Connects to the venue `venue.kind` names, retrying with capped exponential backoff and
/// jitter until it answers (the venue may start after execution, or restart under it);
/// nothing is quoted meanwhile. A configuration the venue cannot serve (an unknown coin, a
/// lot finer than its size step) stops the service.
async fn connect_venue(
    config: &flashmm_core::config::Config,
    signer: Arc<flashmm_venue::signing::Signer>,
) -> anyhow::Result<AnyVenue> {
    let mut delay = Duration::from_millis(100);
    let mut attempts: u64 = 0;
    loop {
        match any::connect(config, Some(signer.clone()), 65_536).await {
            Ok(venue) => {
                if attempts > 0 {
                    tracing::info!(attempts, "venue reachable");
                }
                return Ok(venue);
            }
            Err(e @ VenueError::Config(_)) => {
                return Err(anyhow::Error::new(e).context("the venue refuses the configuration"))
            }
            Err(e) => {
                attempts += 1;
                metrics::counter!("flashmm_execution_venue_connect_failures_total").increment(1);
                if attempts == 1 || attempts.is_power_of_two() {
                    tracing::warn!(error = %e, attempts, "cannot reach the venue; retrying");
                }
                let jitter =
                    Duration::from_millis(rand::random_range(0..=delay.as_millis() as u64 / 2));
                tokio::time::sleep(delay + jitter).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}
