//! `clearinghouseState` (perp margin and positions) and `spotClearinghouseState` (spot
//! balances).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A position's leverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Leverage {
    /// Cross margin.
    Cross {
        /// Leverage.
        value: u32,
    },
    /// Isolated margin.
    Isolated {
        /// Leverage.
        value: u32,
        /// The isolated margin's raw USD.
        #[serde(rename = "rawUsd")]
        raw_usd: Decimal,
    },
}

/// One perp position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Position {
    /// The coin.
    pub coin: String,
    /// Signed size: positive long, negative short.
    pub szi: Decimal,
    /// Average entry price.
    #[serde(default)]
    pub entry_px: Option<Decimal>,
    /// Leverage.
    pub leverage: Leverage,
    /// Liquidation price, if any.
    #[serde(default)]
    pub liquidation_px: Option<Decimal>,
    /// Margin used.
    pub margin_used: Decimal,
    /// Position value.
    pub position_value: Decimal,
    /// Return on equity.
    pub return_on_equity: Decimal,
    /// Unrealised P&L.
    pub unrealized_pnl: Decimal,
}

/// An entry of `assetPositions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetPosition {
    /// The position.
    pub position: Position,
    /// The position mode (`oneWay`).
    #[serde(rename = "type")]
    pub kind: String,
}

/// Account totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarginSummary {
    /// Account value.
    pub account_value: Decimal,
    /// Margin used.
    pub total_margin_used: Decimal,
    /// Total notional of the positions.
    pub total_ntl_pos: Decimal,
    /// Raw USD balance.
    pub total_raw_usd: Decimal,
}

/// The `clearinghouseState` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClearinghouseState {
    /// Open positions.
    pub asset_positions: Vec<AssetPosition>,
    /// All margin.
    pub margin_summary: MarginSummary,
    /// Cross margin.
    pub cross_margin_summary: MarginSummary,
    /// Maintenance margin of cross positions (absent from older answers).
    #[serde(default)]
    pub cross_maintenance_margin_used: Option<Decimal>,
    /// What can be withdrawn.
    pub withdrawable: Decimal,
    /// Venue time, UTC milliseconds (absent from older answers).
    #[serde(default)]
    pub time: Option<u64>,
}

/// One spot balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpotBalance {
    /// The token's name.
    pub coin: String,
    /// The token's index.
    pub token: u32,
    /// Held by open orders.
    pub hold: Decimal,
    /// Total, held included.
    pub total: Decimal,
    /// Entry notional.
    #[serde(default)]
    pub entry_ntl: Option<Decimal>,
}

impl SpotBalance {
    /// What is free for new orders: `total - hold`.
    pub fn available(&self) -> Decimal {
        self.total - self.hold
    }
}

/// The `spotClearinghouseState` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotClearinghouseState {
    /// The balances.
    pub balances: Vec<SpotBalance>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    // Shape of a recorded `clearinghouseState` answer (the SDK's test cassette), trimmed,
    // with an isolated position added.
    const STATE: &str = r#"{"assetPositions":[{"position":{"coin":"BTC","entryPx":"26951.0","leverage":{"type":"cross","value":20},"liquidationPx":"173198.69592357","marginUsed":"10.582271","maxTradeSzs":["0.76534","0.74964"],"positionValue":"211.64542","returnOnEquity":"-0.00756643","szi":"-0.00785","unrealizedPnl":"-0.08007"},"type":"oneWay"},{"position":{"coin":"ETH","entryPx":"1705.82","leverage":{"type":"isolated","value":10,"rawUsd":"-200.5"},"liquidationPx":null,"marginUsed":"11.383755","positionValue":"227.675114","returnOnEquity":"0.01042942","szi":"0.1334","unrealizedPnl":"0.118726"},"type":"oneWay"}],"crossMarginSummary":{"accountValue":"1182.312496","totalMarginUsed":"171.740766","totalNtlPos":"3434.815334","totalRawUsd":"86.549602"},"marginSummary":{"accountValue":"1182.312496","totalMarginUsed":"171.740766","totalNtlPos":"3434.815334","totalRawUsd":"86.549602"},"withdrawable":"1010.57173"}"#;
    const SPOT: &str = r#"{"balances":[{"coin":"USDC","token":0,"hold":"12.5","total":"100.25","entryNtl":"0.0"},{"coin":"PURR","token":1,"hold":"0.0","total":"2000.0","entryNtl":"1234.56"}]}"#;

    #[test]
    fn reads_perp_state() {
        let s: ClearinghouseState = serde_json::from_str(STATE).expect("clearinghouseState");
        let btc = &s.asset_positions[0].position;
        assert_eq!(btc.szi, d("-0.00785"));
        assert_eq!(btc.leverage, Leverage::Cross { value: 20 });
        let eth = &s.asset_positions[1].position;
        assert_eq!(eth.liquidation_px, None);
        assert_eq!(
            eth.leverage,
            Leverage::Isolated {
                value: 10,
                raw_usd: d("-200.5")
            }
        );
        assert_eq!(s.withdrawable, d("1010.57173"));
        assert_eq!(s.time, None);
    }

    #[test]
    fn reads_spot_balances() {
        let s: SpotClearinghouseState = serde_json::from_str(SPOT).expect("spot state");
        assert_eq!(s.balances[0].available(), d("87.75"));
        assert_eq!(s.balances[1].token, 1);
    }
}
