//! `flashmm venue check`: connects to the configured venue, reads its markets, checks the
//! trading key against the account, compares the configured fees with the account's
//! (Hyperliquid), and prints balances and open orders. Places nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use flashmm_core::config::{Config, HyperliquidNetwork, VenueKind};
use flashmm_runtime::load_config;
use flashmm_venue::signing::keystore::{load_signer, Passphrase};
use flashmm_venue::signing::Signer;
use flashmm_venue::venue::{any, AnyVenue, Venue};

/// `flashmm venue` subcommands.
#[derive(Debug, Subcommand)]
pub enum VenueCommand {
    /// Connect, read the markets, check the key against the account, print balances and
    /// open orders.
    Check(CheckArgs),
}

/// Options of `flashmm venue check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The keystore of the trading key; defaults to `venue.key_file` (`TRADING_KEY_FILE`).
    /// `TRADING_PRIVATE_KEY` wins when set, as for execution.
    #[arg(long)]
    key_file: Option<PathBuf>,
}

/// The trading key as execution loads it.
fn trading_key(config: &Config, key_file: Option<&Path>) -> anyhow::Result<Signer> {
    if !config.venue.private_key.is_empty() {
        return Signer::from_hex(config.venue.private_key.expose(), 0)
            .map_err(|e| anyhow::anyhow!("TRADING_PRIVATE_KEY: {e}"));
    }
    let path = key_file.unwrap_or_else(|| Path::new(&config.venue.key_file));
    let passphrase = Passphrase::from_env(|name| std::env::var(name).ok())
        .context("the keystore passphrase (ENCRYPTION_KEY or ENCRYPTION_KEY_FILE)")?;
    load_signer(path, &passphrase, 0).with_context(|| format!("keystore {}", path.display()))
}

/// Runs a `venue` subcommand.
pub async fn run(config_path: &Path, command: VenueCommand) -> anyhow::Result<()> {
    let VenueCommand::Check(args) = command;
    let config = load_config(config_path)?;
    match (config.venue.kind, config.venue.hyperliquid.network) {
        (VenueKind::Hyperliquid, HyperliquidNetwork::Mainnet) => println!(
            "!!! venue: hyperliquid MAINNET ({}): real funds !!!",
            config.venue.hyperliquid.api_url
        ),
        (VenueKind::Hyperliquid, HyperliquidNetwork::Testnet) => println!(
            "venue: hyperliquid testnet ({})",
            config.venue.hyperliquid.api_url
        ),
        (kind, _) => println!("venue: {}", kind.as_str()),
    }
    let key = Arc::new(trading_key(&config, args.key_file.as_deref())?);
    let venue = any::connect(&config, Some(key), 1024)
        .await
        .context("connecting to the venue")?;
    println!("markets:");
    match &venue {
        AnyVenue::Hyperliquid(hl) => {
            for m in hl.hl_markets() {
                println!(
                    "  {:<12} coin {:<12} asset {:>6}  szDecimals {}  price decimals <= {}  tick {}  lot {}",
                    m.spec.id().as_str(),
                    m.coin,
                    m.asset.to_string(),
                    m.rules.sz_decimals(),
                    m.rules.max_price_decimals(),
                    m.spec.tick_size(),
                    m.spec.lot_size()
                );
            }
            let signer = hl.signer_address().context("no signing key")?;
            let account = hl.user().context("no account")?;
            println!("key: {signer}");
            println!("account: {account}");
            let role = hl.user_role(signer).await.context("userRole of the key")?;
            let role_name = role["role"].as_str().unwrap_or("missing");
            if signer == account {
                anyhow::ensure!(
                    role_name == "user",
                    "the venue does not know {signer} as an account (role {role_name})"
                );
            } else {
                let master = role["data"]["user"].as_str().unwrap_or("");
                anyhow::ensure!(
                    role_name == "agent" && master.eq_ignore_ascii_case(&account.to_string()),
                    "the key {signer} is not an API wallet of {account} (role {role})"
                );
                println!("key is an API wallet of the account");
            }
            let fees = hl
                .user_fees(account)
                .await
                .context("userFees of the account")?;
            println!(
                "account fees: perps maker {} taker {}, spot maker {} taker {}, referral discount {}",
                fees.user_add_rate.normalize(),
                fees.user_cross_rate.normalize(),
                fees.user_spot_add_rate.normalize(),
                fees.user_spot_cross_rate.normalize(),
                fees.active_referral_discount.normalize()
            );
            for m in hl.hl_markets() {
                let spot = m.asset.is_spot();
                let (maker, taker) = (fees.rate(spot, true), fees.rate(spot, false));
                let configured = (m.spec.maker_fee_rate(), m.spec.taker_fee_rate());
                // Fees below what the account pays make every quote look better than it is.
                let flag = if configured.0 < maker || configured.1 < taker {
                    "  !! below what the account pays: set [venue.fees] or the market's rates"
                } else {
                    ""
                };
                println!(
                    "  {:<12} configured maker {} taker {}, account pays {} / {}{flag}",
                    m.spec.id().as_str(),
                    configured.0.normalize(),
                    configured.1.normalize(),
                    maker.normalize(),
                    taker.normalize()
                );
            }
            let budget = hl.address_budget();
            println!(
                "requests: {} used of {} (10 000 plus one per USDC traded; volume {} USDC)",
                budget.n_requests_used,
                budget.n_requests_cap,
                budget.cum_vlm.normalize()
            );
        }
        AnyVenue::Sim(_) => {
            for s in venue.markets() {
                println!(
                    "  {:<12} tick {}  lot {}",
                    s.id().as_str(),
                    s.tick_size(),
                    s.lot_size()
                );
            }
        }
    }
    let markets: Vec<_> = config.market_specs()?;
    for spec in &markets {
        anyhow::ensure!(
            venue.markets().iter().any(|s| s.id() == spec.id()),
            "the venue does not list {}",
            spec.id()
        );
    }
    println!("balances:");
    for b in venue.balances().await.context("balances")? {
        println!(
            "  {:<8} available {}  held {}",
            b.asset,
            b.available.normalize(),
            b.reserved.normalize()
        );
    }
    let open = venue.open_orders(None).await.context("open orders")?;
    println!("open orders: {}", open.len());
    for o in &open {
        println!(
            "  {} {} {:?} {} @ {} (venue id {})",
            o.market,
            o.client_id,
            o.side,
            o.leaves.lots(),
            o.price.ticks(),
            o.venue_order_id
        );
    }
    println!("ok");
    Ok(())
}
