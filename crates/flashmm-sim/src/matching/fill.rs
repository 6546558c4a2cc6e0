//! One side of an execution.

use super::{OrderId, TradeSeq};
use crate::account::AccountId;
use flashmm_core::market::{Price, Qty, Side};
use flashmm_core::order::Liquidity;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One order's part of a trade. Each trade produces two: the maker's, then the taker's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    /// The trade this fill belongs to.
    pub trade: TradeSeq,
    /// The order filled.
    pub order: OrderId,
    /// Its owner.
    pub account: AccountId,
    /// The order's side.
    pub side: Side,
    /// Maker or taker.
    pub liquidity: Liquidity,
    /// The execution price (always the maker's price).
    pub price: Price,
    /// The quantity traded.
    pub qty: Qty,
    /// The fee charged in quote currency: `price × qty × rate`, exact; negative is a rebate.
    pub fee: Decimal,
    /// What is still open on the order after this fill.
    pub remaining: Qty,
}

impl Fill {
    /// Whether the order is now completely filled.
    pub fn is_final(&self) -> bool {
        self.remaining.is_zero()
    }
}
