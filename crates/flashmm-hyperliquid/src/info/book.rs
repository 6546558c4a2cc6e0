//! [`L2Book`]: the `l2Book` answer and WebSocket message.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One price level: total size `sz` of `n` orders at `px`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// Price.
    pub px: Decimal,
    /// Total size at the price.
    pub sz: Decimal,
    /// Number of orders at the price.
    pub n: u32,
}

/// A book snapshot: `levels` is `[bids, asks]`, bids from the best (highest) down, asks from
/// the best (lowest) up. Hyperliquid sends whole snapshots, never deltas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct L2Book {
    /// The coin (`BTC`, `PURR/USDC`, `@107`).
    pub coin: String,
    /// `[bids, asks]`.
    pub levels: [Vec<Level>; 2],
    /// Venue time, UTC milliseconds.
    pub time: u64,
}

impl L2Book {
    /// Bids, best first.
    pub fn bids(&self) -> &[Level] {
        &self.levels[0]
    }

    /// Asks, best first.
    pub fn asks(&self) -> &[Level] {
        &self.levels[1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    // Shape of a recorded `l2Book` answer (the SDK's test cassette for DYDX), trimmed.
    const SAMPLE: &str = r#"{"coin":"DYDX","levels":[[{"n":1,"px":"2.111","sz":"134.4"},{"n":1,"px":"2.1105","sz":"141.1"}],[{"n":2,"px":"2.1124","sz":"352.3"},{"n":2,"px":"2.1125","sz":"364.9"}]],"time":1689630203930}"#;

    #[test]
    fn reads_bids_then_asks() {
        let book: L2Book = serde_json::from_str(SAMPLE).expect("l2Book");
        assert_eq!(book.coin, "DYDX");
        assert_eq!(book.time, 1_689_630_203_930);
        assert_eq!(book.bids()[0].px, Decimal::from_str("2.111").expect("px"));
        assert_eq!(book.asks()[0].px, Decimal::from_str("2.1124").expect("px"));
        assert!(book.bids()[0].px < book.asks()[0].px);
        assert_eq!(book.asks()[1].n, 2);
        assert!(serde_json::from_str::<L2Book>(r#"{"coin":"X","levels":[[]],"time":1}"#).is_err());
    }
}
