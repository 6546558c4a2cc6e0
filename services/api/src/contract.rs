//! The state execution keeps in Redis hashes under `{ns}:state:*`, as the API reads it.
//! Money is exact: decimals travel as strings and stay [`Decimal`].

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// `{ns}:state:trading`: whether execution quotes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradingState {
    /// `quoting`, `paused`, `killed`, `stopped`, or `unknown` before execution wrote it.
    pub mode: String,
    /// Why it is in this mode (pause reason, tripped limit).
    pub reason: String,
    /// When the mode last changed, UTC ns (0 when unknown).
    pub updated_ts: i64,
}

impl TradingState {
    /// Reads the hash's fields; absent fields give `unknown`, empty and 0.
    pub fn from_fields(fields: &BTreeMap<String, String>) -> Self {
        TradingState {
            mode: fields
                .get("mode")
                .filter(|m| !m.is_empty())
                .cloned()
                .unwrap_or_else(|| "unknown".to_owned()),
            reason: fields.get("reason").cloned().unwrap_or_default(),
            updated_ts: fields
                .get("updated_ts")
                .and_then(|t| t.parse().ok())
                .unwrap_or(0),
        }
    }

    /// True when execution does not quote on its own: paused, killed or stopped.
    pub fn is_paused(&self) -> bool {
        matches!(self.mode.as_str(), "paused" | "killed" | "stopped")
    }

    /// True when the kill switch has tripped.
    pub fn is_killed(&self) -> bool {
        self.mode == "killed"
    }
}

/// An optional decimal written as a string: `null`, absent or `""` is `None`.
fn optional_decimal<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// One value of `{ns}:state:positions` (field = market symbol).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The market symbol, e.g. `SEI/USDC`.
    pub market: String,
    /// Signed position in base units.
    pub base_qty: Decimal,
    /// Average entry price; absent (or written empty) when flat.
    #[serde(default, deserialize_with = "optional_decimal")]
    pub avg_entry: Option<Decimal>,
    /// Realised P&L in quote units.
    pub realized_pnl: Decimal,
    /// Unrealised P&L at the mark, in quote units.
    pub unrealized_pnl: Decimal,
    /// Fees paid (negative: rebates received), in quote units.
    pub fees: Decimal,
    /// The mark price; absent before the first mid.
    #[serde(default, deserialize_with = "optional_decimal")]
    pub mark: Option<Decimal>,
    /// Position value at the mark, in quote units.
    #[serde(default, deserialize_with = "optional_decimal")]
    pub notional: Option<Decimal>,
    /// When it was written, UTC ns.
    #[serde(default)]
    pub updated_ts: i64,
}

/// One price level of our quotes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLevel {
    /// Price in quote units.
    pub price: Decimal,
    /// Size in base units.
    pub qty: Decimal,
}

/// One value of `{ns}:state:quotes` (field = market symbol): our quotes on the book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quotes {
    /// Our bids, best first.
    #[serde(default)]
    pub bids: Vec<QuoteLevel>,
    /// Our asks, best first.
    #[serde(default)]
    pub asks: Vec<QuoteLevel>,
    /// The market's mid when they were set; absent without a two-sided book.
    #[serde(default, deserialize_with = "optional_decimal")]
    pub mid: Option<Decimal>,
    /// When they were set, UTC ns.
    #[serde(default)]
    pub ts: i64,
    /// Whether a fresh prediction skewed them.
    #[serde(default)]
    pub prediction_fresh: bool,
    /// Base size ahead of our best resting order of each side in its price's queue.
    #[serde(default)]
    pub queue_ahead: QueueAhead,
}

/// The size ahead of our best bid and best ask in their queues (`None`: none resting).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueAhead {
    /// Ahead of our best bid.
    #[serde(default, deserialize_with = "optional_decimal")]
    pub bid: Option<Decimal>,
    /// Ahead of our best ask.
    #[serde(default, deserialize_with = "optional_decimal")]
    pub ask: Option<Decimal>,
}

impl Quotes {
    /// Our spread (best ask − best bid) in basis points of the mid, to 0.01 bp.
    pub fn spread_bps(&self) -> Option<Decimal> {
        let bid = self.bids.first()?.price;
        let ask = self.asks.first()?.price;
        let mid = self.mid.filter(|m| !m.is_zero())?;
        Some(((ask - bid) / mid * Decimal::from(10_000)).round_dp(2))
    }
}

/// One value of `{ns}:state:pnl` (field = market symbol or `total`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pnl {
    /// Realised P&L, quote units.
    pub realized: Decimal,
    /// Unrealised P&L, quote units.
    pub unrealized: Decimal,
    /// Fees paid, quote units.
    pub fees: Decimal,
    /// Realised + unrealised − fees, quote units.
    pub net: Decimal,
    /// When it was written, UTC ns.
    #[serde(default)]
    pub ts: i64,
}

/// `{ns}:state:latency`, microseconds; absent figures are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Latency {
    /// Median tick-to-quote latency.
    pub tick_to_quote_p50_us: Option<u64>,
    /// 99th percentile tick-to-quote latency.
    pub tick_to_quote_p99_us: Option<u64>,
    /// 99th percentile decision latency inside execution.
    pub decision_p99_us: Option<u64>,
}

impl Latency {
    /// Reads the hash's fields; absent or unparsable figures are `None`.
    pub fn from_fields(fields: &BTreeMap<String, String>) -> Self {
        let get = |name: &str| fields.get(name).and_then(|v| v.trim().parse().ok());
        Latency {
            tick_to_quote_p50_us: get("tick_to_quote_p50_us"),
            tick_to_quote_p99_us: get("tick_to_quote_p99_us"),
            decision_p99_us: get("decision_p99_us"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_contract_json() {
        let p: Position = serde_json::from_str(
            r#"{"market":"SEI/USDC","base_qty":"-12.5","avg_entry":"0.4123","realized_pnl":"1.5",
            "unrealized_pnl":"-0.25","fees":"0.01","mark":"0.4150","notional":"-5.1875",
            "updated_ts":1700000000000000000}"#,
        )
        .unwrap();
        assert_eq!(p.base_qty, Decimal::new(-125, 1));
        assert_eq!(p.mark, Some(Decimal::new(4150, 4)));
        let q: Quotes = serde_json::from_str(
            r#"{"bids":[{"price":"0.4120","qty":"100"}],"asks":[{"price":"0.4130","qty":"100"}],
            "mid":"0.4125","ts":1,"prediction_fresh":true}"#,
        )
        .unwrap();
        assert_eq!(q.spread_bps(), Some(Decimal::new(2424, 2)));
        assert_eq!(
            q.queue_ahead,
            QueueAhead::default(),
            "written before the field"
        );
        let q: Quotes = serde_json::from_str(
            r#"{"bids":[],"asks":[],"ts":1,"queue_ahead":{"bid":"250.5","ask":null}}"#,
        )
        .unwrap();
        assert_eq!(q.queue_ahead.bid, Some(Decimal::new(2505, 1)));
        assert_eq!(q.queue_ahead.ask, None);
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains(r#""base_qty":"-12.5""#), "{json}");
    }

    #[test]
    fn flat_position_has_no_entry() {
        let p: Position = serde_json::from_str(
            r#"{"market":"SEI/USDC","base_qty":"0","avg_entry":"","realized_pnl":"0",
            "unrealized_pnl":"0","fees":"0","mark":"0","notional":"0","updated_ts":1}"#,
        )
        .unwrap();
        assert_eq!(p.avg_entry, None);
        assert_eq!(p.mark, Some(Decimal::ZERO));
        let bad = r#"{"market":"X","base_qty":"1","avg_entry":"abc","realized_pnl":"0",
            "unrealized_pnl":"0","fees":"0"}"#;
        assert!(serde_json::from_str::<Position>(bad).is_err());
    }

    #[test]
    fn trading_state_defaults_to_unknown() {
        let t = TradingState::from_fields(&BTreeMap::new());
        assert_eq!(t.mode, "unknown");
        assert!(!t.is_paused());
        let mut fields = BTreeMap::new();
        fields.insert("mode".to_owned(), "killed".to_owned());
        fields.insert("reason".to_owned(), "drawdown".to_owned());
        let t = TradingState::from_fields(&fields);
        assert!(t.is_paused() && t.is_killed());
        assert_eq!(t.reason, "drawdown");
    }

    #[test]
    fn latency_ignores_garbage() {
        let mut fields = BTreeMap::new();
        fields.insert("tick_to_quote_p50_us".to_owned(), "850".to_owned());
        fields.insert("decision_p99_us".to_owned(), "x".to_owned());
        let l = Latency::from_fields(&fields);
        assert_eq!(l.tick_to_quote_p50_us, Some(850));
        assert_eq!(l.decision_p99_us, None);
    }
}
