//! [`Fill`]: an entry of `userFills` / `userFillsByTime`, and of the WebSocket's `userFills`.

use crate::info::Side;
use crate::Cloid;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One fill of one of the user's orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fill {
    /// The coin.
    pub coin: String,
    /// Fill price.
    pub px: Decimal,
    /// Fill size.
    pub sz: Decimal,
    /// The user's side.
    pub side: Side,
    /// Venue time, UTC milliseconds.
    pub time: u64,
    /// The position before the fill (signed).
    pub start_position: Decimal,
    /// What the fill did to the position (`Open Long`, `Close Short`, `Buy`, ...), for display.
    pub dir: String,
    /// Realised P&L of the fill.
    pub closed_pnl: Decimal,
    /// The L1 transaction hash.
    pub hash: String,
    /// The venue's order id.
    pub oid: u64,
    /// Whether the order crossed the spread (was the taker).
    pub crossed: bool,
    /// Fee paid; negative is a rebate.
    pub fee: Decimal,
    /// Trade id (absent from older answers). With the time and coin, identifies the trade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<u64>,
    /// The token the fee was paid in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_token: Option<String>,
    /// The part of the fee paid to a builder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builder_fee: Option<Decimal>,
    /// The order's cloid, when it was given one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloid: Option<Cloid>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    // Shape of a recorded `userFillsByTime` answer (the SDK's test cassette), trimmed, plus a
    // current-format entry with `tid`, `feeToken` and `cloid`.
    const SAMPLE: &str = r#"[{"closedPnl":"-0.25686","coin":"SUI","crossed":true,"dir":"Close Long","fee":"0.0","hash":"0x3d4770d0527317ef77c404017559cb0103000b34010cc95e97b437cbc3b6087a","oid":189324432,"px":"1.3189","side":"A","startPosition":"4623.5","sz":"142.7","time":1683245884863},{"coin":"@107","px":"0.42137","sz":"1250.5","side":"B","time":1717171717500,"startPosition":"0.0","dir":"Buy","closedPnl":"0.0","hash":"0x0000000000000000000000000000000000000000000000000000000000000000","oid":91490942,"crossed":false,"fee":"-0.0105","tid":118906512037719,"feeToken":"USDC","cloid":"0x31f0fd4df66403362e7be692f9043936"}]"#;

    #[test]
    fn reads_fills() {
        let fills: Vec<Fill> = serde_json::from_str(SAMPLE).expect("fills");
        assert_eq!(fills[0].side, Side::Ask);
        assert_eq!(
            fills[0].closed_pnl,
            Decimal::from_str("-0.25686").expect("pnl")
        );
        assert_eq!(fills[0].tid, None);
        assert!(fills[0].crossed);
        assert_eq!(fills[1].tid, Some(118_906_512_037_719));
        assert!(fills[1].fee.is_sign_negative(), "a maker rebate");
        assert_eq!(fills[1].fee_token.as_deref(), Some("USDC"));
        assert!(fills[1].cloid.is_some());
        let back: Vec<Fill> =
            serde_json::from_str(&serde_json::to_string(&fills).expect("json")).expect("back");
        assert_eq!(back, fills);
    }
}
