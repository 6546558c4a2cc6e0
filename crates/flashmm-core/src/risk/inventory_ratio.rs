//! Inventory relative to the notional traded: the target is |position value| within a
//! fraction (2 %) of the notional traded; beyond it the quoter widens the side that grows it.

use rust_decimal::Decimal;

/// `|position value| / notional traded`, or `None` before anything traded.
pub fn inventory_ratio(position_notional: Decimal, traded_notional: Decimal) -> Option<Decimal> {
    if traded_notional <= Decimal::ZERO {
        return None;
    }
    position_notional.abs().checked_div(traded_notional)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_of_traded() {
        assert_eq!(inventory_ratio(Decimal::from(-20), Decimal::ZERO), None);
        assert_eq!(
            inventory_ratio(Decimal::from(-20), Decimal::from(1_000)),
            Some(Decimal::new(2, 2))
        );
    }
}
