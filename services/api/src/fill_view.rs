//! Our fills as the API shows them: prices and sizes converted from ticks and lots to exact
//! decimals of the market's spec.

use flashmm_core::market::{MarketSpec, Side};
use flashmm_core::order::{Fill, Liquidity};
use rust_decimal::Decimal;
use serde::Serialize;

/// One of our fills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FillView {
    /// The market symbol.
    pub market: String,
    /// Our order's client id.
    pub client_id: String,
    /// Our side.
    pub side: Side,
    /// Execution price, quote units.
    pub price: Decimal,
    /// Executed size, base units.
    pub qty: Decimal,
    /// Fee, quote units (negative: rebate).
    pub fee: Decimal,
    /// Maker or taker.
    pub liquidity: Liquidity,
    /// When the venue executed it, UTC ns.
    pub ts: i64,
}

impl FillView {
    /// `fill` in decimals of `spec`.
    pub fn new(fill: &Fill, spec: &MarketSpec) -> Self {
        FillView {
            market: fill.market.as_str().to_owned(),
            client_id: fill.client_id.as_str().to_owned(),
            side: fill.side,
            price: spec.price_to_decimal(fill.price),
            qty: spec.qty_to_decimal(fill.qty),
            fee: fill.fee,
            liquidity: fill.liquidity,
            ts: fill.ts.0,
        }
    }
}
