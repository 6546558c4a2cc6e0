//! The mock's state beside the exchange: accounts by address, API wallets, the nonces each
//! signer used, scheduled cancels, rate limits, outages, and the coins of the markets.

use crate::state::{now_ns, AppState};
use flashmm_core::market::{MarketId, MarketSpec};
use flashmm_hyperliquid::{
    Address, AddressBudget, Asset, AssetKind, MarketRules, Network, Throttled, UserRateLimit,
};
use flashmm_sim::account::AccountId;
use flashmm_sim::ratelimit::{RateLimit, RateLimiter};
use rust_decimal::Decimal;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

/// Nonces kept per signer: a new one must be above the smallest of them (the venue's rule).
pub const NONCES_KEPT: usize = 100;

/// A nonce further back than this from the venue's clock is refused (two days, in ms).
pub const NONCE_PAST_MS: u64 = 2 * 24 * 3600 * 1000;

/// A nonce further ahead than this of the venue's clock is refused (one day, in ms).
pub const NONCE_FUTURE_MS: u64 = 24 * 3600 * 1000;

/// The earliest a scheduled cancel may be set, from now (ms).
pub const SCHEDULE_MIN_MS: u64 = 5_000;

/// Options of the Hyperliquid mock.
#[derive(Debug, Clone)]
pub struct HlOptions {
    /// The network actions must be signed for.
    pub network: Network,
    /// Accounts (master addresses) and the exchange accounts that hold their funds.
    pub accounts: Vec<(Address, AccountId)>,
    /// API wallets: agent address → master address.
    pub agents: Vec<(Address, Address)>,
    /// `/exchange` actions per address: bucket capacity and refill per second.
    pub rate_limit: RateLimit,
    /// Hosted markets listed as perps (named by their base, numbered from 0 in this order);
    /// the others are spot pairs.
    pub perps: Vec<MarketId>,
    /// What every account was funded with, per asset: a perp's position is its base
    /// balance less this.
    pub funds: Decimal,
    /// The requests every address may send before its volume earns more (the venue's
    /// 10 000; fewer to test throttling).
    pub initial_requests: u64,
}

/// One listed coin: a spot pair or a perp of a hosted market.
#[derive(Debug, Clone)]
pub struct Coin {
    /// The coin's name: a spot pair's is the market's symbol (`SEI/USDC`), a perp's its base
    /// (`ETH`).
    pub name: String,
    /// Spot pair or perp.
    pub kind: AssetKind,
    /// The hosted market.
    pub market: MarketId,
    /// Its index in the exchange.
    pub index: usize,
    /// Its spec.
    pub spec: MarketSpec,
    /// Its asset number (`10000 + index` for a pair, the perp's index in `meta`).
    pub asset: Asset,
    /// Its rules (`szDecimals` from the lot size).
    pub rules: MarketRules,
}

/// Decimals of a lot size: `0.1` → 1.
pub fn sz_decimals(spec: &MarketSpec) -> u32 {
    spec.lot_size().normalize().scale()
}

#[derive(Debug)]
pub(crate) struct Book {
    pub accounts: HashMap<Address, AccountId>,
    pub agents: HashMap<Address, Address>,
    pub nonces: HashMap<Address, BTreeSet<u64>>,
    pub schedules: HashMap<Address, u64>,
    pub limiter: RateLimiter<Address>,
    /// Each master address's budget of actions, and the time of the last fill counted in its
    /// volume (UTC ns).
    pub budgets: HashMap<Address, (AddressBudget, i64)>,
    pub initial_requests: u64,
    pub next_anonymous: u64,
    /// Until when (UTC ns) WebSocket upgrades and `/exchange` are refused.
    pub ws_down_until: i64,
    pub exchange_down_until: i64,
    /// Scheduled cancels that fired, for tests and logs.
    pub fired: u64,
}

struct Shared {
    network: Network,
    funds: Decimal,
    coins: Vec<Coin>,
    tokens: Vec<String>,
    book: Mutex<Book>,
}

/// Cheaply cloneable handle on the mock's state (and the exchange's, through [`AppState`]).
#[derive(Clone)]
pub struct HlState {
    /// The exchange, its feed and faults.
    pub app: AppState,
    shared: Arc<Shared>,
}

impl HlState {
    /// The mock over `app`'s exchange: the markets of `options.perps` are listed as perps,
    /// every other hosted market as a spot pair; the tokens are the pairs' assets and the
    /// perps' quote (their collateral).
    pub fn new(app: AppState, options: HlOptions) -> Result<Self, flashmm_hyperliquid::RulesError> {
        let specs = app.with_exchange(|ex, _| ex.markets().markets);
        let mut coins = Vec::with_capacity(specs.len());
        let mut tokens: Vec<String> = Vec::new();
        let mut perps = 0u32;
        for (index, spec) in specs.into_iter().enumerate() {
            let perp = options.perps.contains(spec.id());
            let listed: &[&str] = if perp {
                &[spec.id().quote()]
            } else {
                &[spec.id().quote(), spec.id().base()]
            };
            for t in listed {
                if !tokens.iter().any(|x| x == t) {
                    tokens.push((*t).to_owned());
                }
            }
            let (name, kind, asset) = if perp {
                perps += 1;
                let asset = Asset::perp(perps - 1);
                (spec.id().base().to_owned(), AssetKind::Perp, asset)
            } else {
                let pair = u32::try_from(index).unwrap_or(u32::MAX);
                let asset = Asset::spot(pair).unwrap_or(Asset(u32::MAX));
                (spec.id().as_str().to_owned(), AssetKind::Spot, asset)
            };
            coins.push(Coin {
                name,
                kind,
                market: spec.id().clone(),
                index,
                asset,
                rules: MarketRules::new(kind, sz_decimals(&spec))?,
                spec,
            });
        }
        let book = Book {
            accounts: options.accounts.into_iter().collect(),
            agents: options.agents.into_iter().collect(),
            nonces: HashMap::new(),
            schedules: HashMap::new(),
            limiter: RateLimiter::new(options.rate_limit),
            budgets: HashMap::new(),
            initial_requests: options.initial_requests,
            next_anonymous: 1,
            ws_down_until: 0,
            exchange_down_until: 0,
            fired: 0,
        };
        Ok(HlState {
            app,
            shared: Arc::new(Shared {
                network: options.network,
                funds: options.funds,
                coins,
                tokens,
                book: Mutex::new(book),
            }),
        })
    }

    /// The network actions are checked against.
    pub fn network(&self) -> Network {
        self.shared.network
    }

    /// The listed coins.
    pub fn coins(&self) -> &[Coin] {
        &self.shared.coins
    }

    /// The tokens, by index.
    pub fn tokens(&self) -> &[String] {
        &self.shared.tokens
    }

    /// The signed position of `account` in the perp `coin`: its base balance less what the
    /// account was funded with (the simulator settles a perp's fills in its base asset).
    pub fn perp_position(&self, account: AccountId, coin: &Coin) -> Decimal {
        let base = coin.spec.id().base();
        let held = self.app.with_exchange(|ex, _| {
            ex.balances(account)
                .balances
                .iter()
                .find(|b| b.asset == base)
                .map(|b| b.available + b.reserved)
        });
        held.map_or(Decimal::ZERO, |h| h - self.shared.funds)
    }

    /// Runs `f` on `user`'s budget once its volume is brought up to its fills (`account` is
    /// its exchange account).
    fn with_budget<R>(
        &self,
        user: Address,
        account: AccountId,
        f: impl FnOnce(&mut AddressBudget) -> R,
    ) -> R {
        let since = self
            .book()
            .budgets
            .get(&user)
            .map_or(i64::MIN, |(_, seen)| *seen);
        let fills = self
            .app
            .with_exchange(|ex, _| ex.fills_since(account, since).fills);
        let mut book = self.book();
        let initial = book.initial_requests;
        let (budget, seen) = book
            .budgets
            .entry(user)
            .or_insert_with(|| (AddressBudget::new(initial), i64::MIN));
        for f in fills.iter().filter(|f| f.ts > *seen) {
            budget.traded(f.price * f.size);
        }
        if let Some(last) = fills.iter().map(|f| f.ts).max() {
            *seen = (*seen).max(last);
        }
        f(budget)
    }

    /// `userRateLimit` of `user`.
    pub fn user_rate_limit(&self, user: Address, account: AccountId) -> UserRateLimit {
        self.with_budget(user, account, |b| b.report())
    }

    /// Counts an action of `n` requests of `user` (`cancel`: it only cancels) against its
    /// budget, or says why it may not go (with the volume traded).
    pub fn spend_budget(
        &self,
        user: Address,
        account: AccountId,
        n: u64,
        cancel: bool,
        now_ms: u64,
    ) -> Result<(), (Throttled, Decimal)> {
        self.with_budget(user, account, |b| {
            let volume = b.volume();
            b.spend(n, cancel, now_ms).map_err(|t| (t, volume))
        })
    }

    /// The coin named `name`.
    pub fn coin(&self, name: &str) -> Option<&Coin> {
        self.shared.coins.iter().find(|c| c.name == name)
    }

    /// The coin of an asset number.
    pub fn coin_of_asset(&self, asset: Asset) -> Option<&Coin> {
        self.shared.coins.iter().find(|c| c.asset == asset)
    }

    /// The coin of a market index.
    pub fn coin_of_index(&self, index: usize) -> Option<&Coin> {
        self.shared.coins.get(index).filter(|c| c.index == index)
    }

    pub(crate) fn book(&self) -> MutexGuard<'_, Book> {
        self.shared.book.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The exchange account of `user` (a master address).
    pub fn account(&self, user: &Address) -> Option<AccountId> {
        self.book().accounts.get(user).copied()
    }

    /// The master address `address` acts for: itself when it is an account, its master
    /// when it is an approved API wallet.
    pub fn master_of(&self, address: &Address) -> Option<Address> {
        let book = self.book();
        if book.accounts.contains_key(address) {
            return Some(*address);
        }
        book.agents.get(address).copied()
    }

    /// The master address of an exchange account.
    pub fn address_of(&self, account: AccountId) -> Option<Address> {
        self.book()
            .accounts
            .iter()
            .find(|(_, a)| **a == account)
            .map(|(addr, _)| *addr)
    }

    /// Refuses WebSocket upgrades (and drops every session) for `ws_ms`, and `/exchange`
    /// for `exchange_ms`, from now.
    pub fn outage(&self, ws_ms: u64, exchange_ms: u64) {
        let now = now_ns();
        let ms = |v: u64| {
            i64::try_from(v)
                .unwrap_or(i64::MAX)
                .saturating_mul(1_000_000)
        };
        {
            let mut book = self.book();
            book.ws_down_until = now.saturating_add(ms(ws_ms));
            book.exchange_down_until = now.saturating_add(ms(exchange_ms));
        }
        if ws_ms > 0 {
            self.app.drop_ws_connections();
        }
    }

    /// Scheduled cancels that fired so far.
    pub fn scheduled_cancels_fired(&self) -> u64 {
        self.book().fired
    }

    /// Cancels every open order of the accounts whose scheduled cancel time has passed.
    pub fn fire_schedules(&self, now_ms: u64) {
        let due: Vec<Address> = {
            let mut book = self.book();
            let due: Vec<Address> = book
                .schedules
                .iter()
                .filter(|(_, t)| **t <= now_ms)
                .map(|(a, _)| *a)
                .collect();
            for a in &due {
                book.schedules.remove(a);
            }
            book.fired += due.len() as u64;
            due
        };
        for user in due {
            let Some(account) = self.account(&user) else {
                continue;
            };
            let now = now_ns();
            let cancelled = self.app.with_exchange(|ex, out| {
                ex.cancel_all(account, None, now, out)
                    .map(|r| r.cancelled.len())
                    .unwrap_or(0)
            });
            metrics::counter!("sim_venue_faults_total", "kind" => "schedule_cancel").increment(1);
            tracing::info!(%user, cancelled, "scheduleCancel fired");
        }
    }
}
