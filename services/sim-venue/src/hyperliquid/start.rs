//! Starting the mock: accounts funded by address, API wallets approved, served until
//! shutdown.

use super::{HlOptions, HlState};
use crate::state::{AppState, ServerOptions};
use anyhow::Context;
use flashmm_hyperliquid::{Address, Network};
use flashmm_sim::exchange::Exchange;
use flashmm_sim::ratelimit::RateLimit;
use rust_decimal::Decimal;
use std::net::SocketAddr;
use std::time::Duration;

/// What the mock starts with.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The network actions must be signed for.
    pub network: Network,
    /// Accounts (addresses) funded with `funds` of every listed asset.
    pub accounts: Vec<Address>,
    /// API wallets, `AGENT=MASTER`.
    pub agents: Vec<(Address, Address)>,
    /// Deposit of every asset per account.
    pub funds: Decimal,
    /// `/exchange` actions per address.
    pub rate_limit: RateLimit,
    /// Seed of the fault injector.
    pub seed: u64,
    /// Hosted markets listed as perps; the others are spot pairs.
    pub perps: Vec<flashmm_core::market::MarketId>,
    /// The requests every address may send before its volume earns more.
    pub initial_requests: u64,
}

/// Parses `AGENT=MASTER`.
pub fn parse_agent(s: &str) -> anyhow::Result<(Address, Address)> {
    let (agent, master) = s
        .split_once('=')
        .with_context(|| format!("`{s}` is not AGENT=MASTER"))?;
    Ok((
        agent
            .parse()
            .with_context(|| format!("agent address `{agent}`"))?,
        master
            .parse()
            .with_context(|| format!("master address `{master}`"))?,
    ))
}

/// Registers the accounts in `exchange` (each under a fresh key of the simulator's own
/// wire, never used) and funds them with every asset the markets list.
pub fn state(mut exchange: Exchange, setup: &Setup) -> anyhow::Result<HlState> {
    let mut assets: Vec<String> = Vec::new();
    for spec in exchange.markets().markets {
        for a in [spec.id().base(), spec.id().quote()] {
            if !assets.iter().any(|x| x == a) {
                assets.push(a.to_owned());
            }
        }
    }
    let deposits: Vec<(&str, Decimal)> = assets.iter().map(|a| (a.as_str(), setup.funds)).collect();
    let mut accounts = Vec::new();
    for address in &setup.accounts {
        let key = flashmm_venue::signing::Signer::generate(0)?;
        let (account, _) = exchange.register_account(key.key_id(), &deposits)?;
        tracing::info!(%address, %account, "hyperliquid account funded");
        accounts.push((*address, account));
    }
    let hosted = exchange.markets().markets;
    if let Some(perp) = setup
        .perps
        .iter()
        .find(|p| !hosted.iter().any(|s| s.id() == *p))
    {
        anyhow::bail!("--hl-perp {perp} is not a configured market");
    }
    for (agent, master) in &setup.agents {
        if !setup.accounts.contains(master) {
            anyhow::bail!("agent {agent} approved for {master}, which is not an account");
        }
    }
    let app = AppState::new(
        exchange,
        ServerOptions {
            cancel_on_disconnect: false,
            fault_seed: setup.seed,
            ..ServerOptions::default()
        },
    );
    Ok(HlState::new(
        app,
        HlOptions {
            network: setup.network,
            accounts,
            agents: setup.agents.clone(),
            rate_limit: setup.rate_limit,
            perps: setup.perps.clone(),
            funds: setup.funds,
            initial_requests: setup.initial_requests,
        },
    )?)
}

/// Serves the mock on `bind` until `shutdown`, with the background flow and scheduled
/// cancels running.
pub async fn run(
    exchange: Exchange,
    setup: Setup,
    bind: SocketAddr,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = state(exchange, &setup)?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    tracing::info!(%bind, network = ?setup.network, "hyperliquid mock listening");
    let _flow = crate::spawn_flow(state.app.clone(), Duration::from_millis(5));
    let _schedules = super::spawn_schedules(state.clone(), Duration::from_millis(100));
    super::serve(listener, state, shutdown).await?;
    Ok(())
}
