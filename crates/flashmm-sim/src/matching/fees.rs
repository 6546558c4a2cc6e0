//! Maker and taker fees, and the worst-case fee a buy must reserve.

use super::{EngineError, Liquidity};
use flashmm_core::market::MarketSpec;
use rust_decimal::Decimal;

/// A market's fee rates, checked so fees stay exact and balances non-negative.
///
/// Fees are charged in quote currency: `fee = notional × rate`, exact, negative for a rebate.
/// A buy reserves `notional × (1 + reserve_rate)` where `reserve_rate` is the largest of the
/// two rates and zero, so it can pay any fill at or below its limit price, maker or taker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeSchedule {
    maker: Decimal,
    taker: Decimal,
    reserve_factor: Decimal,
}

impl FeeSchedule {
    /// The most decimal places that tick size, lot size and fee rate may add up to. With
    /// balances capped at [`Ledger::MAX_BALANCE`](crate::account::Ledger::MAX_BALANCE)
    /// (10^15) every fee then fits a decimal mantissa without rounding.
    pub const MAX_SCALE: u32 = 13;

    /// The fee schedule of `spec`.
    pub fn new(spec: &MarketSpec) -> Result<Self, EngineError> {
        let (maker, taker) = (spec.maker_fee_rate(), spec.taker_fee_rate());
        for rate in [maker, taker] {
            if rate >= Decimal::ONE || rate <= Decimal::NEGATIVE_ONE {
                return Err(EngineError::FeeRate(rate));
            }
        }
        let rate_scale = maker.normalize().scale().max(taker.normalize().scale());
        let scale = spec.tick_size().scale() + spec.lot_size().scale() + rate_scale;
        if scale > Self::MAX_SCALE {
            return Err(EngineError::Precision(scale));
        }
        Ok(FeeSchedule {
            maker,
            taker,
            reserve_factor: Decimal::ONE + maker.max(taker).max(Decimal::ZERO),
        })
    }

    /// The fee on `notional` for a fill with this liquidity.
    pub fn fee(&self, notional: Decimal, liquidity: Liquidity) -> Decimal {
        notional
            * match liquidity {
                Liquidity::Maker => self.maker,
                Liquidity::Taker => self.taker,
            }
    }

    /// What a buy of this notional reserves in quote, or `None` if out of range.
    pub fn buy_reserve(&self, notional: Decimal) -> Option<Decimal> {
        notional.checked_mul(self.reserve_factor)
    }
}
