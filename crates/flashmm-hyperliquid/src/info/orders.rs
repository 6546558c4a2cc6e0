//! [`OpenOrder`]: an entry of the `openOrders` answer.

use crate::info::Side;
use crate::Cloid;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One resting order of the `openOrders` answer (and of the WebSocket's `orderUpdates`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenOrder {
    /// The coin.
    pub coin: String,
    /// Buy or sell.
    pub side: Side,
    /// Limit price.
    pub limit_px: Decimal,
    /// Size still open.
    pub sz: Decimal,
    /// The venue's order id.
    pub oid: u64,
    /// Placement time, UTC milliseconds.
    pub timestamp: u64,
    /// Size when placed (absent from older answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orig_sz: Option<Decimal>,
    /// The order's cloid, when it was given one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloid: Option<Cloid>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    // Shape of a recorded `openOrders` answer (the SDK's test cassette), trimmed, plus a
    // current-format entry with `origSz` and `cloid`.
    const SAMPLE: &str = r#"[{"coin":"MATIC","limitPx":"1.0357","oid":62269971,"side":"B","sz":"208.7","timestamp":1679940217356},{"coin":"BTC","limitPx":"26971.0","oid":62269698,"side":"A","sz":"0.00611","timestamp":1679940200665},{"coin":"@107","side":"A","limitPx":"0.42138","sz":"100.0","oid":91490942,"timestamp":1717171717000,"origSz":"250.0","cloid":"0x31f0fd4df66403362e7be692f9043936"}]"#;

    #[test]
    fn reads_open_orders() {
        let orders: Vec<OpenOrder> = serde_json::from_str(SAMPLE).expect("openOrders");
        assert_eq!(orders.len(), 3);
        assert_eq!(orders[0].side, Side::Bid);
        assert_eq!(orders[1].limit_px, Decimal::from_str("26971").expect("px"));
        assert_eq!(orders[1].cloid, None);
        assert_eq!(
            orders[2].cloid.map(|c| c.to_string()).as_deref(),
            Some("0x31f0fd4df66403362e7be692f9043936")
        );
        assert_eq!(orders[2].orig_sz, Some(Decimal::from(250)));
    }
}
