//! One trading core, two shells: one input sequence (market data, predictions, fills, with
//! their times) through execution's engine — the very loop the service runs, over an in-memory
//! bus, a scripted in-memory venue and a scripted clock — and through the backtester's
//! strategy yields the same order intents, in the same order: each place (side, price, size),
//! each cancel (of which placed order), each cancel-all.
//!
//! What differs by design (latency, queue position and fills, which here are scripted alike
//! for both) is the venue shell's; see `docs/architecture.md`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use clap::Parser;
use execution::engine::{Clock, Engine};
use execution::inputs::Input;
use execution::settings::ExecArgs;
use execution::state::StateStore;
use flashmm_backtest::order::{ExchangeReport, OrderAction, OrderId};
use flashmm_backtest::{FeeSchedule, Quoting, RequestBudget, Strategy, StrategySetup};
use flashmm_bus::{MemoryBus, Namespace};
use flashmm_core::book::BookSnapshot;
use flashmm_core::identifiers::{ClientOrderId, TradeId, VenueOrderId};
use flashmm_core::market::{MarketId, MarketSpec, Price, Qty, Side};
use flashmm_core::order::TimeInForce;
use flashmm_core::order::{Fill, Liquidity, OrderStatus};
use flashmm_core::risk::{KillSwitch, RiskLimits};
use flashmm_core::signal::Prediction;
use flashmm_core::strategy::RawQuoteParams;
use flashmm_core::time::UnixNanos;
use flashmm_features::FeatureConfig;
use flashmm_trading::MarketEngine;
use flashmm_venue::venue::{
    AssetBalance, EventStream, NewOrder, OrderRef, OrderReport, ReplaceOrder, Venue, VenueError,
};
use rust_decimal::Decimal;
use tokio::sync::mpsc;

/// What a shell sent to its venue, with orders named by the order of their placement.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Intent {
    /// The `n`-th order placed.
    Place {
        n: usize,
        side: Side,
        price: i64,
        qty: i64,
    },
    /// A cancel of the `n`-th order placed.
    Cancel { n: usize },
    /// A cancel of every order of the market.
    CancelAll,
}

/// A venue that answers every request at once and records it.
#[derive(Default)]
struct ScriptedVenue {
    markets: Vec<MarketSpec>,
    log: Mutex<(Vec<Intent>, Vec<ClientOrderId>)>,
}

impl ScriptedVenue {
    fn ordinal(placed: &[ClientOrderId], id: &ClientOrderId) -> usize {
        placed.iter().position(|p| p == id).unwrap_or(usize::MAX)
    }

    fn report(order: &NewOrder, status: OrderStatus) -> OrderReport {
        OrderReport {
            market: order.market.clone(),
            client_id: order.client_id.clone(),
            venue_order_id: VenueOrderId::new(format!("v-{}", order.client_id)).unwrap(),
            side: order.side,
            price: order.price,
            qty: order.qty,
            filled: Qty::from_lots(0),
            leaves: order.qty,
            tif: order.tif,
            status,
            reason: None,
            ts: UnixNanos(0),
            fills: Vec::new(),
        }
    }
}

#[async_trait]
impl Venue for ScriptedVenue {
    fn name(&self) -> &str {
        "scripted"
    }

    fn markets(&self) -> &[MarketSpec] {
        &self.markets
    }

    async fn subscribe(&self, _: &[MarketId]) -> Result<EventStream, VenueError> {
        Err(VenueError::Unsupported("subscribe"))
    }

    async fn snapshot(&self, _: &MarketId) -> Result<BookSnapshot, VenueError> {
        Err(VenueError::Unsupported("snapshot"))
    }

    async fn place(&self, order: &NewOrder) -> Result<OrderReport, VenueError> {
        let mut log = self.log.lock().unwrap();
        let n = log.1.len();
        log.1.push(order.client_id.clone());
        log.0.push(Intent::Place {
            n,
            side: order.side,
            price: order.price.ticks(),
            qty: order.qty.lots(),
        });
        Ok(Self::report(order, OrderStatus::Open))
    }

    async fn cancel(&self, market: &MarketId, order: &OrderRef) -> Result<OrderReport, VenueError> {
        let OrderRef::ClientOrderId(id) = order else {
            return Err(VenueError::Unsupported("cancel by venue id"));
        };
        let mut log = self.log.lock().unwrap();
        let n = Self::ordinal(&log.1, id);
        log.0.push(Intent::Cancel { n });
        let placed = NewOrder {
            market: market.clone(),
            client_id: id.clone(),
            side: Side::Buy,
            price: Price::from_ticks(1),
            qty: Qty::from_lots(1),
            tif: TimeInForce::PostOnly,
        };
        Ok(Self::report(&placed, OrderStatus::Cancelled))
    }

    async fn cancel_replace(&self, _: &ReplaceOrder) -> Result<OrderReport, VenueError> {
        Err(VenueError::Unsupported("replace"))
    }

    async fn cancel_all(&self, _: Option<&MarketId>) -> Result<Vec<OrderReport>, VenueError> {
        self.log.lock().unwrap().0.push(Intent::CancelAll);
        Ok(Vec::new())
    }

    async fn open_orders(&self, _: Option<&MarketId>) -> Result<Vec<OrderReport>, VenueError> {
        Ok(Vec::new())
    }

    async fn balances(&self) -> Result<Vec<AssetBalance>, VenueError> {
        Ok(Vec::new())
    }
}

/// A clock the test moves.
struct ScriptedClock {
    base: Instant,
    t0: i64,
    now: Mutex<i64>,
}

impl ScriptedClock {
    fn set(&self, t: i64) {
        *self.now.lock().unwrap() = t;
    }
}

impl Clock for ScriptedClock {
    fn utc(&self) -> UnixNanos {
        UnixNanos(*self.now.lock().unwrap())
    }

    fn instant(&self) -> Instant {
        let t = *self.now.lock().unwrap();
        self.base + Duration::from_nanos(u64::try_from(t - self.t0).unwrap_or(0))
    }
}

#[derive(Parser)]
struct Flags {
    #[command(flatten)]
    exec: ExecArgs,
}

fn spec() -> MarketSpec {
    flashmm_core::market::fixture::sei_usdc()
}

fn limits() -> RiskLimits {
    RiskLimits {
        max_position_quote: Decimal::from(5_000),
        max_order_notional: Decimal::from(1_000),
        max_open_orders: 12,
        daily_loss_limit: Decimal::from(1_000_000),
        max_drawdown: Decimal::from(1_000_000),
        stale_data_timeout_ms: 2_000,
        max_orders_per_sec: 20,
    }
}

fn template() -> RawQuoteParams {
    RawQuoteParams {
        quote_frequency_hz: 5.0,
        levels: 3,
        min_spread_bps: 2.0,
        ..RawQuoteParams::default()
    }
}

fn prediction(t: i64, p_up: f32) -> Prediction {
    Prediction {
        market: spec().id().clone(),
        model_version: "parity".into(),
        horizon_ms: 1_000,
        p_down: (1.0 - p_up) / 2.0,
        p_flat: (1.0 - p_up) / 2.0,
        p_up,
        expected_move_bps: (p_up - 0.33) * 10.0,
        ts: UnixNanos(t),
        origin_ts: UnixNanos(t),
        inference_ns: 0,
    }
}

/// The backtester's strategy with a venue that answers at once: its actions as intents.
struct BacktestShell {
    strategy: Strategy,
    intents: Vec<Intent>,
    placed: Vec<OrderId>,
    live: Vec<OrderId>,
}

impl BacktestShell {
    fn take(&mut self, t: i64, out: Vec<OrderAction>) {
        for action in out {
            let report = match action {
                OrderAction::Place(o) => {
                    self.intents.push(Intent::Place {
                        n: self.placed.len(),
                        side: o.side,
                        price: o.price.ticks(),
                        qty: o.qty.lots(),
                    });
                    self.placed.push(o.id);
                    self.live.push(o.id);
                    continue;
                }
                OrderAction::Cancel(id) => {
                    let n = self
                        .placed
                        .iter()
                        .position(|p| *p == id)
                        .unwrap_or(usize::MAX);
                    self.intents.push(Intent::Cancel { n });
                    self.live.retain(|l| *l != id);
                    vec![ExchangeReport::Cancelled { id }]
                }
                OrderAction::CancelAll => {
                    self.intents.push(Intent::CancelAll);
                    std::mem::take(&mut self.live)
                        .into_iter()
                        .map(|id| ExchangeReport::Cancelled { id })
                        .collect()
                }
            };
            for r in report {
                let mut more = Vec::new();
                self.strategy
                    .on_report(UnixNanos(t), &r, &mut more)
                    .unwrap();
                assert!(more.is_empty(), "a cancel's answer decides nothing");
            }
        }
    }
}

#[tokio::test]
async fn execution_and_the_backtester_send_the_same_intents() {
    let flags = Flags::parse_from(["parity"]);
    let guards = flags.exec.guards();
    let market = spec().id().clone();
    let records = flashmm_backtest::synthetic::synthetic_records(
        &market,
        1_500,
        1_700_000_000_000_000_000,
        20_000_000,
        3,
    );
    let t0 = records[0].recv_ts.as_i64();

    // Execution's engine over an in-memory bus, the scripted venue and clock.
    let clock = Arc::new(ScriptedClock {
        base: Instant::now(),
        t0,
        now: Mutex::new(t0),
    });
    let venue = ScriptedVenue {
        markets: vec![spec()],
        ..ScriptedVenue::default()
    };
    let ns = Namespace::new("parity").unwrap();
    let store = StateStore::new(&ns, None).unwrap();
    let m = MarketEngine::new(
        spec(),
        template(),
        Decimal::from(100),
        limits(),
        guards.clone(),
        1,
        UnixNanos(t0),
    );
    let mut engine = Engine::new(
        MemoryBus::new(),
        ns,
        store,
        venue,
        vec![m],
        KillSwitch::new(UnixNanos(t0)),
        flags.exec.clone(),
    )
    .with_clock(clock.clone());
    let (_tx, mut rx) = mpsc::channel::<Input>(16);

    // The backtester's strategy, the same settings.
    let mut bt = BacktestShell {
        strategy: Strategy::new(StrategySetup {
            spec: spec(),
            quoting: Quoting::FromNotional {
                template: template(),
                level_notional: Decimal::from(100),
            },
            limits: limits(),
            guards,
            budget: RequestBudget {
                per_sec: flags.exec.venue_requests_per_sec,
                burst: flags.exec.venue_request_burst,
            },
            fees: FeeSchedule {
                maker_rate: Decimal::ZERO,
                taker_rate: Decimal::ZERO,
            },
            features: FeatureConfig::default(),
            feature_rate_hz: 50.0,
            flat_rate: flashmm_core::signal::FlatRateConfig::OFF,
            seam: None,
            trade_from: None,
        })
        .unwrap(),
        intents: Vec::new(),
        placed: Vec::new(),
        live: Vec::new(),
    };

    let mut fills = 0;
    for (i, record) in records.iter().enumerate() {
        let t = record.recv_ts.as_i64();
        clock.set(t);
        let Some(event) = record.event.as_market().cloned() else {
            continue;
        };
        let started = clock.instant();
        engine
            .step(Input::Md(0, event, UnixNanos(t), started), &mut rx)
            .await;
        let mut out = Vec::new();
        bt.strategy
            .on_market(UnixNanos(t), UnixNanos(t), record.event.clone(), &mut out)
            .unwrap();
        bt.take(t, out);

        // A prediction every 25 events, leaning up and down in turn.
        if i % 25 == 0 {
            let p = prediction(t, if (i / 25) % 2 == 0 { 0.7 } else { 0.1 });
            engine
                .step(Input::Pred(0, p.clone(), UnixNanos(t), started), &mut rx)
                .await;
            bt.strategy.on_prediction(p);
        }

        // Every 40 events the oldest order still resting at both venues fills whole.
        if i % 40 == 20 {
            let (intents, placed) = engine_log(&engine);
            same(&intents, &bt.intents, &format!("before event {i}"));
            let live_n = bt
                .live
                .first()
                .and_then(|id| bt.placed.iter().position(|p| p == id));
            if let Some(n) = live_n {
                let Some(Intent::Place {
                    side, price, qty, ..
                }) = intents
                    .iter()
                    .find(|x| matches!(x, Intent::Place { n: k, .. } if *k == n))
                    .cloned()
                else {
                    panic!("order {n} was never placed");
                };
                fills += 1;
                let fill = Fill {
                    market: market.clone(),
                    client_id: placed[n].clone(),
                    venue_order_id: VenueOrderId::new(format!("v-{}", placed[n])).unwrap(),
                    trade_id: TradeId::new(format!("f{fills}")).unwrap(),
                    side,
                    price: Price::from_ticks(price),
                    qty: Qty::from_lots(qty),
                    fee: Decimal::ZERO,
                    liquidity: Liquidity::Maker,
                    ts: UnixNanos(t),
                };
                engine
                    .step(
                        Input::Venue(flashmm_venue::venue::VenueEvent::Fill(fill)),
                        &mut rx,
                    )
                    .await;
                let id = bt.placed[n];
                bt.live.retain(|l| *l != id);
                let mut out = Vec::new();
                bt.strategy
                    .on_report(
                        UnixNanos(t),
                        &ExchangeReport::Filled {
                            id,
                            side,
                            price: Price::from_ticks(price),
                            qty: Qty::from_lots(qty),
                            liquidity: Liquidity::Maker,
                            done: true,
                            ts: UnixNanos(t),
                        },
                        &mut out,
                    )
                    .unwrap();
                bt.take(t, out);
            }
        }
    }
    let (intents, _) = engine_log(&engine);
    let places = intents
        .iter()
        .filter(|x| matches!(x, Intent::Place { .. }))
        .count();
    let cancels = intents.len() - places;
    assert!(
        places > 20 && cancels > 10,
        "too little trading to compare: {places} places, {cancels} cancels"
    );
    assert!(fills > 5, "too few fills to compare: {fills}");
    eprintln!("parity: {places} places, {cancels} cancels, {fills} fills");
    same(&intents, &bt.intents, "at the end");
    assert_eq!(
        engine.markets[0].position.qty(),
        bt.strategy.engine().position.qty(),
        "positions differ"
    );
}

/// Asserts both shells sent the same intents, naming the first that differs.
fn same(execution: &[Intent], backtest: &[Intent], when: &str) {
    if let Some(k) =
        (0..execution.len().max(backtest.len())).find(|&k| execution.get(k) != backtest.get(k))
    {
        let from = k.saturating_sub(3);
        panic!(
            "{when}: intent {k} differs: execution {:?}, backtest {:?}",
            &execution[from.min(execution.len())..(k + 3).min(execution.len())],
            &backtest[from.min(backtest.len())..(k + 3).min(backtest.len())],
        );
    }
}

/// The scripted venue's log of `engine`.
fn engine_log(engine: &Engine<MemoryBus, ScriptedVenue>) -> (Vec<Intent>, Vec<ClientOrderId>) {
    let log = engine.venue().log.lock().unwrap();
    (log.0.clone(), log.1.clone())
}
