//! The Redis state execution keeps (`{ns}:state:*` hashes) and the streams it publishes.
//!
//! The writes are rendered here and applied by [`crate::writer`].
//!
//! Hashes (contract with the API): `trading` (`mode`, `reason`, `updated_ts`), `positions`,
//! `quotes`, `orders`, `pnl`, `latency`; and `exec`, the service's own restart state (`epoch`,
//! `saved:{mkt}`: position, fill ledger and notional traded; `day`, `day_start_equity`,
//! `equity_peak`).

use crate::writer::Write;
use flashmm_bus::{Bus, BusError, Envelope, Namespace, StateKey, StreamName};
use flashmm_core::inventory::Position;
use flashmm_core::market::Side;
use flashmm_core::order::{Fill, FillLedger, Order, OrderUpdate};
use flashmm_core::risk::{KillSwitch, RiskEvent, TradingMode};
use flashmm_core::time::UnixNanos;
use flashmm_trading::MarketEngine;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The field of `state:trading` that holds the operator hold ([`Hold`] as JSON, empty when
/// none).
pub const HOLD: &str = "hold";

/// A kill-switch trip or an operator pause, saved apart from the mode so that only an
/// operator's resume lifts it: a graceful stop, a `kill -9` or a Redis restart with AOF keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    /// `killed` or `paused`.
    pub mode: TradingMode,
    /// The cause (the violation or the operator's reason).
    pub reason: String,
    /// The market whose violation tripped it, if one did.
    pub market: Option<String>,
    /// When it was entered.
    pub ts: UnixNanos,
}

impl Hold {
    /// The kill switch this hold restores.
    pub fn restore(&self, now: UnixNanos) -> KillSwitch {
        KillSwitch::restore(self.mode, self.reason.clone(), self.ts, now)
    }
}

/// The trading state found at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SavedMode {
    /// An operator hold is saved: it stays until an operator resumes.
    Held(Hold),
    /// The state is there and holds nothing: quoting may start.
    Free,
    /// No trading state at all: a first start, or a Redis that lost its data.
    Empty,
}

/// What a market saves to survive a restart.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedMarket {
    /// The position.
    pub position: Position,
    /// The fills booked.
    pub ledger: FillLedger,
    /// Notional traded.
    pub traded_notional: Decimal,
}

/// Names of every hash and stream execution writes.
#[derive(Debug, Clone)]
pub struct StateStore {
    /// `{ns}:state:trading`.
    pub trading: StateKey,
    /// `{ns}:state:positions`.
    pub positions: StateKey,
    /// `{ns}:state:quotes`.
    pub quotes: StateKey,
    /// `{ns}:state:orders`.
    pub orders: StateKey,
    /// `{ns}:state:pnl`.
    pub pnl: StateKey,
    /// `{ns}:state:latency`.
    pub latency: StateKey,
    /// `{ns}:state:exec`.
    pub exec: StateKey,
    /// `{ns}:state:model` (read).
    pub model: StateKey,
    /// `{ns}:risk`.
    pub risk: StreamName,
    maxlen: Option<usize>,
}

fn s(d: Decimal) -> String {
    d.normalize().to_string()
}

impl StateStore {
    /// The names under `ns`.
    pub fn new(ns: &Namespace, maxlen: Option<usize>) -> Result<Self, BusError> {
        Ok(StateStore {
            trading: ns.state("trading")?,
            positions: ns.state("positions")?,
            quotes: ns.state("quotes")?,
            orders: ns.state("orders")?,
            pnl: ns.state("pnl")?,
            latency: ns.state("latency")?,
            exec: ns.state("exec")?,
            model: ns.state(flashmm_core::signal::MODEL_STATE)?,
            risk: ns.risk(),
            maxlen,
        })
    }

    /// Bumps and returns the client-id epoch, atomically (`HINCRBY`): two processes started
    /// at once never share an epoch.
    pub async fn next_epoch<B: Bus>(&self, bus: &B) -> Result<u64, BusError> {
        let epoch = bus.incr_state(&self.exec, "epoch", 1).await?;
        u64::try_from(epoch).map_err(|_| BusError::Command(format!("epoch {epoch} is negative")))
    }

    /// Moves the epoch past every epoch a lost state may have handed out (its count started
    /// again at 1): adds the Unix time in seconds, atomically, and returns the new epoch.
    pub async fn skip_epochs<B: Bus>(&self, bus: &B, now: UnixNanos) -> Result<u64, BusError> {
        let secs = now.as_i64() / flashmm_core::time::NANOS_PER_SEC;
        let epoch = bus.incr_state(&self.exec, "epoch", secs.max(1)).await?;
        u64::try_from(epoch).map_err(|_| BusError::Command(format!("epoch {epoch} is negative")))
    }

    /// What the saved trading state says at start: the operator hold (kill switch or pause)
    /// when one is saved; whether the state is there at all.
    pub async fn load_mode<B: Bus>(&self, bus: &B) -> Result<SavedMode, BusError> {
        let t = bus.get_state(&self.trading).await?;
        if let Some(text) = t.get(HOLD) {
            if text.is_empty() {
                return Ok(SavedMode::Free);
            }
            return match serde_json::from_str::<Hold>(text) {
                Ok(hold) => Ok(SavedMode::Held(hold)),
                Err(e) => Err(BusError::Command(format!("{HOLD} unreadable: {e}"))),
            };
        }
        // Written before holds were kept apart from the mode.
        let mode = t.get("mode").and_then(|m| TradingMode::parse(m));
        Ok(match mode {
            Some(mode @ (TradingMode::Killed | TradingMode::Paused)) => SavedMode::Held(Hold {
                mode,
                reason: t.get("reason").cloned().unwrap_or_default(),
                market: None,
                ts: t
                    .get("updated_ts")
                    .and_then(|v| v.parse::<i64>().ok())
                    .map_or(UnixNanos(0), UnixNanos),
            }),
            Some(_) => SavedMode::Free,
            None => SavedMode::Empty,
        })
    }

    /// The operator hold of `k` (`none` while quoting), kept while Redis is away: a trip is
    /// never lost to an outage, and a shutdown's `stopped` mode never lifts it.
    pub fn hold(&self, k: &KillSwitch, market: Option<&str>) -> Write {
        let text = match k.mode() {
            TradingMode::Killed | TradingMode::Paused => serde_json::to_string(&Hold {
                mode: k.mode(),
                reason: k.reason().to_owned(),
                market: market.map(str::to_owned),
                ts: k.since(),
            })
            .unwrap_or_default(),
            TradingMode::Quoting | TradingMode::Stopped => String::new(),
        };
        Write::SetKept {
            key: self.trading.clone(),
            fields: vec![(HOLD.to_owned(), text)],
        }
    }

    /// The trading mode.
    pub fn mode(&self, k: &KillSwitch) -> Write {
        Write::Set {
            key: self.trading.clone(),
            fields: vec![
                ("mode".into(), k.mode().as_str().into()),
                ("reason".into(), k.reason().into()),
                ("updated_ts".into(), k.since().to_string()),
            ],
        }
    }

    /// A market's saved position and fills, if any.
    pub async fn load_market<B: Bus>(
        &self,
        bus: &B,
        key: &str,
    ) -> Result<Option<SavedMarket>, BusError> {
        let saved = bus.get_state(&self.exec).await?;
        Ok(saved
            .get(&format!("saved:{key}"))
            .and_then(|j| serde_json::from_str(j).ok()))
    }

    /// A market's position, fills and notional traded (one write), then its contract views
    /// (`positions`, `pnl`).
    pub fn market(&self, m: &MarketEngine, now: UnixNanos) -> [Write; 3] {
        let saved = SavedMarket {
            position: m.position.clone(),
            ledger: m.ledger.clone(),
            traded_notional: m.traded_notional,
        };
        let text = serde_json::to_string(&saved).unwrap_or_default();
        let spec = m.spec();
        let symbol = spec.id().as_str().to_owned();
        let mark = m.mark().unwrap_or_default();
        let realized = m.position.realized_pnl(spec).unwrap_or_default();
        let unrealized = m.position.unrealized_pnl(spec, mark).unwrap_or_default();
        let fees = m.position.fees_paid() - m.position.rebates_earned();
        let position = json!({
            "market": symbol,
            "base_qty": s(spec.qty_to_decimal(flashmm_core::market::Qty::from_lots(m.position.qty()))),
            "avg_entry": m.position.avg_entry_price(spec).map(s).unwrap_or_default(),
            "realized_pnl": s(realized),
            "unrealized_pnl": s(unrealized),
            "fees": s(fees),
            "mark": s(mark),
            "notional": s(m.position_notional()),
            "updated_ts": now.as_i64(),
        });
        [
            Write::Set {
                key: self.exec.clone(),
                fields: vec![(format!("saved:{}", m.key()), text)],
            },
            Write::Set {
                key: self.positions.clone(),
                fields: vec![(symbol.clone(), position.to_string())],
            },
            self.pnl_entry(symbol, realized, unrealized, fees, now),
        ]
    }

    /// The account's total P&L.
    pub fn total_pnl(
        &self,
        realized: Decimal,
        unrealized: Decimal,
        fees: Decimal,
        now: UnixNanos,
    ) -> Write {
        self.pnl_entry("total".into(), realized, unrealized, fees, now)
    }

    /// The `pnl` view's entry `name` (a market's symbol, or `total`).
    fn pnl_entry(
        &self,
        name: String,
        realized: Decimal,
        unrealized: Decimal,
        fees: Decimal,
        now: UnixNanos,
    ) -> Write {
        let pnl = json!({
            "realized": s(realized),
            "unrealized": s(unrealized),
            "fees": s(fees),
            "net": s(realized + unrealized - fees),
            "ts": now.as_i64(),
        });
        Write::Set {
            key: self.pnl.clone(),
            fields: vec![(name, pnl.to_string())],
        }
    }

    /// The market's latest quote, if it quoted yet.
    pub fn quote(&self, m: &MarketEngine, now: UnixNanos) -> Option<Write> {
        let q = m.last_quote.as_ref()?;
        let spec = m.spec();
        let levels = |v: &[flashmm_core::book::BookLevel]| {
            v.iter()
                .map(|l| {
                    json!({
                        "price": s(spec.price_to_decimal(l.price)),
                        "qty": s(spec.qty_to_decimal(l.qty)),
                    })
                })
                .collect::<Vec<_>>()
        };
        let value = json!({
            "bids": levels(&q.target.bids),
            "asks": levels(&q.target.asks),
            "mid": s(m.mark().unwrap_or_default()),
            "ts": now.as_i64(),
            "prediction_fresh": !q.diagnostics.prediction_stale,
            "queue_ahead": {
                "bid": m.queue_ahead(Side::Buy).map(|a| s(spec.qty_to_decimal(a))),
                "ask": m.queue_ahead(Side::Sell).map(|a| s(spec.qty_to_decimal(a))),
            },
        });
        Some(Write::Set {
            key: self.quotes.clone(),
            fields: vec![(spec.id().as_str().to_owned(), value.to_string())],
        })
    }

    /// An order's state in `orders` (removed once terminal) and the update on
    /// `orders:{mkt}`.
    pub fn order_update(
        &self,
        ns: &Namespace,
        m: &MarketEngine,
        update: &OrderUpdate,
    ) -> Result<[Write; 2], BusError> {
        let state = self.order_state(m, &update.order);
        let envelope = Envelope::new(m.key(), update.ts, update.ts, update)?;
        Ok([
            state,
            Write::Publish {
                stream: ns.orders(m.key())?,
                envelope,
                maxlen: self.maxlen,
                keep: false,
            },
        ])
    }

    /// An order's entry in `orders`: set while it works, removed once terminal.
    pub fn order_state(&self, m: &MarketEngine, order: &Order) -> Write {
        let id = order.client_id().as_str().to_owned();
        if order.status().is_terminal() {
            return Write::Delete {
                key: self.orders.clone(),
                fields: vec![id],
            };
        }
        let spec = m.spec();
        let value = json!({
            "market": spec.id().as_str(),
            "side": order.side().to_string(),
            "price": s(spec.price_to_decimal(order.price())),
            "qty": s(spec.qty_to_decimal(order.qty())),
            "filled": s(spec.qty_to_decimal(order.filled())),
            "status": order.status().to_string(),
            "venue_id": order.venue_order_id().map(|v| v.as_str().to_owned()).unwrap_or_default(),
            "ts": order.ts().as_i64(),
        });
        Write::Set {
            key: self.orders.clone(),
            fields: vec![(id, value.to_string())],
        }
    }

    /// Removes orders from `orders` (after a cancel-all).
    pub fn clear_orders(&self, ids: Vec<String>) -> Write {
        Write::Delete {
            key: self.orders.clone(),
            fields: ids,
        }
    }

    /// A fill on `fills:{mkt}` (held while Redis is away).
    pub fn fill(
        &self,
        ns: &Namespace,
        key: &str,
        fill: &Fill,
        now: UnixNanos,
    ) -> Result<Write, BusError> {
        Ok(Write::Publish {
            stream: ns.fills(key)?,
            envelope: Envelope::new(key, now, fill.ts, fill)?,
            maxlen: self.maxlen,
            keep: true,
        })
    }

    /// A risk event on `risk`.
    pub fn risk(&self, key: &str, event: &RiskEvent) -> Result<Write, BusError> {
        Ok(Write::Publish {
            stream: self.risk.clone(),
            envelope: Envelope::new(key, event.ts, event.ts, event)?,
            maxlen: self.maxlen,
            keep: false,
        })
    }

    /// Fields of `state:exec` or `state:latency`.
    pub fn set(&self, key: &StateKey, fields: Vec<(String, String)>) -> Write {
        Write::Set {
            key: key.clone(),
            fields,
        }
    }

    /// The model's live hit rate and window of a market (`hit_rate:{mkt}`, `hit_rate_n:{mkt}`
    /// of `state:model`).
    pub async fn hit_rate<B: Bus>(
        &self,
        bus: &B,
    ) -> Result<std::collections::BTreeMap<String, String>, BusError> {
        bus.get_state(&self.model).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flashmm_bus::MemoryBus;

    async fn apply(bus: &MemoryBus, w: Write) {
        match w {
            Write::Set { key, fields } | Write::SetKept { key, fields } => {
                bus.set_state(&key, &fields).await.unwrap();
            }
            other => panic!("unexpected write {other:?}"),
        }
    }

    #[tokio::test]
    async fn the_hold_outlives_a_stop_and_only_a_resume_lifts_it() {
        let bus = MemoryBus::new();
        let store = StateStore::new(&Namespace::new("t").unwrap(), None).unwrap();
        assert_eq!(store.load_mode(&bus).await.unwrap(), SavedMode::Empty);
        let mut k = KillSwitch::new(UnixNanos(1));
        apply(&bus, store.hold(&k, None)).await;
        assert_eq!(store.load_mode(&bus).await.unwrap(), SavedMode::Free);

        k.trip("model hit rate 0.5 below the floor 0.99", UnixNanos(5));
        apply(&bus, store.hold(&k, Some("SEI-USDC"))).await;
        k.stop("shutdown", UnixNanos(9));
        apply(&bus, store.mode(&k)).await;
        let SavedMode::Held(hold) = store.load_mode(&bus).await.unwrap() else {
            panic!("the stop lifted the hold");
        };
        assert_eq!(hold.market.as_deref(), Some("SEI-USDC"));
        let restored = hold.restore(UnixNanos(20));
        assert_eq!(restored.mode(), TradingMode::Killed);
        assert_eq!(restored.since(), UnixNanos(5));

        let mut k = restored;
        k.resume(UnixNanos(30));
        apply(&bus, store.hold(&k, None)).await;
        assert_eq!(store.load_mode(&bus).await.unwrap(), SavedMode::Free);

        bus.set_state(&store.trading, &[(HOLD.into(), "{not json".into())])
            .await
            .unwrap();
        assert!(store.load_mode(&bus).await.is_err(), "an unreadable hold");
    }

    #[tokio::test]
    async fn epochs_count_up_and_skip_past_a_lost_count() {
        let bus = MemoryBus::new();
        let store = StateStore::new(&Namespace::new("t").unwrap(), None).unwrap();
        assert_eq!(store.next_epoch(&bus).await.unwrap(), 1);
        assert_eq!(store.next_epoch(&bus).await.unwrap(), 2);
        let skipped = store
            .skip_epochs(&bus, UnixNanos(1_700_000_000_000_000_000))
            .await
            .unwrap();
        assert_eq!(skipped, 1_700_000_002);
        assert_eq!(store.next_epoch(&bus).await.unwrap(), skipped + 1);
    }
}
