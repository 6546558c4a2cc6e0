//! [`FeeSchedule`]: maker rebates and taker fees, exact.

use flashmm_core::market::{ConversionError, MarketSpec, Price, Qty};
use flashmm_core::order::Liquidity;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Fee rates as fractions of notional; negative is a rebate (e.g. a maker rate of `-0.0001`
/// pays one basis point back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeSchedule {
    /// Rate on fills of our resting orders.
    pub maker_rate: Decimal,
    /// Rate on fills of our orders that crossed the spread.
    pub taker_rate: Decimal,
}

impl FeeSchedule {
    /// The rates of a market's spec.
    pub fn from_spec(spec: &MarketSpec) -> Self {
        FeeSchedule {
            maker_rate: spec.maker_fee_rate(),
            taker_rate: spec.taker_fee_rate(),
        }
    }

    /// The rate for `liquidity`.
    pub fn rate(&self, liquidity: Liquidity) -> Decimal {
        match liquidity {
            Liquidity::Maker => self.maker_rate,
            Liquidity::Taker => self.taker_rate,
        }
    }

    /// The exact fee of a fill of `qty` at `price`, in quote currency (negative: a rebate).
    pub fn fee(
        &self,
        spec: &MarketSpec,
        price: Price,
        qty: Qty,
        liquidity: Liquidity,
    ) -> Result<Decimal, ConversionError> {
        spec.notional(price, qty)?
            .checked_mul(self.rate(liquidity))
            .ok_or(ConversionError::Overflow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn maker_rebate_and_taker_fee_are_exact() {
        let d = |s| Decimal::from_str(s).unwrap();
        let spec = flashmm_core::market::fixture::sei_usdc_with_fees();
        let fees = FeeSchedule::from_spec(&spec);
        // 123 lots (12.3 SEI) at 4123 ticks (0.4123): notional 5.07129.
        let (p, q) = (Price::from_ticks(4_123), Qty::from_lots(123));
        assert_eq!(
            fees.fee(&spec, p, q, Liquidity::Maker).unwrap(),
            d("-0.000507129")
        );
        assert_eq!(
            fees.fee(&spec, p, q, Liquidity::Taker).unwrap(),
            d("0.002535645")
        );
    }
}
