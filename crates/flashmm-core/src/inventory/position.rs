//! [`Position`]: signed inventory in one market and its P&L, kept in exact integers.

use super::PositionError;
use crate::market::{ConversionError, MarketId, MarketSpec, Price, Qty, Side};
use crate::order::Fill;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The inventory held in one market and the P&L it has produced.
///
/// Amounts are kept as integers in tick×lot units (one tick of price on one lot), so booking
/// a fill is a few integer operations and never rounds; [`MarketSpec`] converts them to exact
/// decimals in quote currency. Cost is the average-cost basis: closing part of a position
/// releases the matching share of the open cost. When that share is not a whole unit it is
/// truncated and the remainder stays in the open cost, so realized plus unrealized P&L
/// always equals the mark-to-market change exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    market: MarketId,
    /// Signed lots: positive long, negative short.
    qty: i64,
    /// Signed open cost in tick×lot units (same sign as `qty`, zero when flat).
    cost: i128,
    /// Realized P&L in tick×lot units, before fees.
    realized: i128,
    /// Fees charged, in quote currency (non-negative).
    fees_paid: Decimal,
    /// Rebates received, in quote currency (non-negative).
    rebates: Decimal,
}

impl Position {
    /// A flat position with no history.
    pub fn new(market: MarketId) -> Self {
        Position {
            market,
            qty: 0,
            cost: 0,
            realized: 0,
            fees_paid: Decimal::ZERO,
            rebates: Decimal::ZERO,
        }
    }

    /// The market.
    pub fn market(&self) -> &MarketId {
        &self.market
    }

    /// The signed position in lots: positive long, negative short.
    pub fn qty(&self) -> i64 {
        self.qty
    }

    /// The side held, or `None` when flat.
    pub fn side(&self) -> Option<Side> {
        match self.qty {
            0 => None,
            q if q > 0 => Some(Side::Buy),
            _ => Some(Side::Sell),
        }
    }

    /// Whether nothing is held.
    pub fn is_flat(&self) -> bool {
        self.qty == 0
    }

    /// Books one of our fills after checking its market.
    pub fn apply(&mut self, fill: &Fill) -> Result<(), PositionError> {
        if fill.market != self.market {
            return Err(PositionError::MarketMismatch {
                expected: self.market.clone(),
                got: fill.market.clone(),
            });
        }
        self.apply_fill(fill.side, fill.price, fill.qty, fill.fee)
    }

    /// Books a fill of `qty` at `price` on `side`, with `fee` in quote currency (negative is a
    /// rebate). Closes against the open position first, then opens the rest on the other side.
    #[inline]
    pub fn apply_fill(
        &mut self,
        side: Side,
        price: Price,
        qty: Qty,
        fee: Decimal,
    ) -> Result<(), PositionError> {
        use PositionError::Overflow;
        if qty.lots() <= 0 {
            return Err(PositionError::Qty(qty));
        }
        let (px, lots) = (i128::from(price.ticks()), i128::from(qty.lots()));
        let sign = i128::from(side.sign());
        let held = i128::from(self.qty);
        let (mut new_qty, mut cost, mut realized) = (held, self.cost, self.realized);
        let mut open = lots;
        if held != 0 && (held > 0) != (sign > 0) {
            // Close `closed` lots at the average cost, then open whatever is left.
            let closed = lots.min(held.abs());
            let released = if closed == held.abs() {
                cost
            } else {
                cost.checked_mul(closed).ok_or(Overflow)? / held.abs()
            };
            let proceeds = -sign * closed * px;
            let gain = proceeds.checked_sub(released).ok_or(Overflow)?;
            realized = realized.checked_add(gain).ok_or(Overflow)?;
            cost -= released;
            new_qty -= -sign * closed;
            open = lots - closed;
        }
        new_qty += sign * open;
        cost = cost.checked_add(sign * open * px).ok_or(Overflow)?;
        let (mut fees_paid, mut rebates) = (self.fees_paid, self.rebates);
        if fee.is_sign_negative() {
            rebates = rebates.checked_sub(fee).ok_or(Overflow)?;
        } else {
            fees_paid = fees_paid.checked_add(fee).ok_or(Overflow)?;
        }
        self.qty = i64::try_from(new_qty).map_err(|_| Overflow)?;
        self.cost = cost;
        self.realized = realized;
        self.fees_paid = fees_paid;
        self.rebates = rebates;
        Ok(())
    }

    /// The average entry price of the open position, or `None` when flat. Exact whenever the
    /// quotient terminates within a decimal's 28 digits.
    pub fn avg_entry_price(&self, spec: &MarketSpec) -> Option<Decimal> {
        let n = i128::from(self.qty).abs();
        if n == 0 {
            return None;
        }
        let (whole, rem) = (self.cost.abs() / n, self.cost.abs() % n);
        let frac = Decimal::from(i64::try_from(rem).ok()?)
            .checked_div(Decimal::from(i64::try_from(n).ok()?))?;
        let ticks = Decimal::try_from_i128_with_scale(whole, 0)
            .ok()?
            .checked_add(frac)?;
        ticks.checked_mul(spec.tick_size())
    }

    /// Realized P&L in quote currency, before fees.
    pub fn realized_pnl(&self, spec: &MarketSpec) -> Result<Decimal, ConversionError> {
        spec.quote_from_units(self.realized)
    }

    /// Unrealized P&L of the open position at `mark` (e.g. the mid), in quote currency.
    pub fn unrealized_pnl(
        &self,
        spec: &MarketSpec,
        mark: Decimal,
    ) -> Result<Decimal, ConversionError> {
        self.notional(spec, mark)?
            .checked_sub(spec.quote_from_units(self.cost)?)
            .ok_or(ConversionError::Overflow)
    }

    /// The signed value of the position at `mark`, in quote currency.
    pub fn notional(&self, spec: &MarketSpec, mark: Decimal) -> Result<Decimal, ConversionError> {
        spec.qty_to_decimal(Qty::from_lots(self.qty))
            .checked_mul(mark)
            .ok_or(ConversionError::Overflow)
    }

    /// Fees charged so far (non-negative).
    pub fn fees_paid(&self) -> Decimal {
        self.fees_paid
    }

    /// Rebates received so far (non-negative).
    pub fn rebates_earned(&self) -> Decimal {
        self.rebates
    }

    /// Fees paid minus rebates earned: the net cost of trading.
    pub fn net_fees(&self) -> Decimal {
        self.fees_paid - self.rebates
    }

    /// Realized plus unrealized P&L at `mark`, net of fees and rebates.
    pub fn total_pnl(&self, spec: &MarketSpec, mark: Decimal) -> Result<Decimal, ConversionError> {
        self.realized_pnl(spec)?
            .checked_add(self.unrealized_pnl(spec, mark)?)
            .and_then(|p| p.checked_sub(self.net_fees()))
            .ok_or(ConversionError::Overflow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn spec() -> MarketSpec {
        let id = MarketId::new("SEI/USDC").unwrap();
        MarketSpec::new(
            id,
            d("0.01"),
            d("0.1"),
            Decimal::ZERO,
            d("-0.0001"),
            d("0.0005"),
        )
        .unwrap()
    }

    fn fill(p: &mut Position, side: Side, px: i64, lots: i64, fee: &str) {
        p.apply_fill(side, Price::from_ticks(px), Qty::from_lots(lots), d(fee))
            .unwrap();
    }

    #[test]
    fn open_add_reduce_flip_close() {
        let s = spec();
        let mut p = Position::new(s.id().clone());
        fill(&mut p, Side::Buy, 100, 10, "0.01"); // 1.0 SEI at 1.00
        fill(&mut p, Side::Buy, 103, 20, "-0.002"); // 2.0 SEI at 1.03
        assert_eq!(p.qty(), 30);
        assert_eq!(p.avg_entry_price(&s), Some(d("1.02")));
        fill(&mut p, Side::Sell, 110, 15, "0"); // sell 1.5 SEI at 1.10: +0.08 × 1.5
        assert_eq!(p.realized_pnl(&s).unwrap(), d("0.12"));
        assert_eq!(p.avg_entry_price(&s), Some(d("1.02")));
        fill(&mut p, Side::Sell, 90, 25, "0"); // close 1.5 at 0.90 (-0.18), open 1.0 short
        assert_eq!(p.realized_pnl(&s).unwrap(), d("-0.06"));
        assert_eq!((p.qty(), p.side()), (-10, Some(Side::Sell)));
        assert_eq!(p.avg_entry_price(&s), Some(d("0.90")));
        assert_eq!(p.unrealized_pnl(&s, d("0.85")).unwrap(), d("0.05"));
        assert_eq!(p.notional(&s, d("0.85")).unwrap(), d("-0.85"));
        fill(&mut p, Side::Buy, 80, 10, "0");
        assert!(p.is_flat());
        assert_eq!(p.realized_pnl(&s).unwrap(), d("0.04"));
        assert_eq!(p.unrealized_pnl(&s, d("123")).unwrap(), Decimal::ZERO);
        assert_eq!(p.avg_entry_price(&s), None);
        assert_eq!(
            (p.fees_paid(), p.rebates_earned(), p.net_fees()),
            (d("0.01"), d("0.002"), d("0.008"))
        );
        assert_eq!(p.total_pnl(&s, d("1")).unwrap(), d("0.032"));
    }

    #[test]
    fn uneven_average_keeps_remainder_in_cost() {
        let s = spec();
        let mut p = Position::new(s.id().clone());
        fill(&mut p, Side::Buy, 100, 1, "0");
        fill(&mut p, Side::Buy, 101, 2, "0");
        assert_eq!(
            p.avg_entry_price(&s).unwrap().round_dp(10),
            d("1.0066666667")
        );
        fill(&mut p, Side::Sell, 101, 1, "0");
        let total = p.realized_pnl(&s).unwrap() + p.unrealized_pnl(&s, d("1.01")).unwrap();
        assert_eq!(total, d("0.001"));
    }

    #[test]
    fn refuses_bad_fills_without_change() {
        let s = spec();
        let mut p = Position::new(s.id().clone());
        let before = p.clone();
        let bad = p.apply_fill(Side::Buy, Price::from_ticks(1), Qty::ZERO, Decimal::ZERO);
        assert_eq!(bad, Err(PositionError::Qty(Qty::ZERO)));
        fill(&mut p, Side::Buy, i64::MAX, i64::MAX, "0");
        let over = p.apply_fill(
            Side::Buy,
            Price::from_ticks(1),
            Qty::from_lots(1),
            Decimal::ZERO,
        );
        assert_eq!(over, Err(PositionError::Overflow));
        assert_ne!(p, before);
    }

    #[test]
    fn survives_serialisation() {
        let s = spec();
        let mut p = Position::new(s.id().clone());
        fill(&mut p, Side::Sell, i64::MAX, 3, "-0.5");
        let back: Position = rmp_serde::from_slice(&rmp_serde::to_vec_named(&p).unwrap()).unwrap();
        assert_eq!(back, p);
        let back: Position = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }

    proptest! {
        /// Realized + unrealized − fees equals the mark-to-market change (cash flows plus the
        /// position valued at the mark) exactly, for any fill sequence and mark.
        #[test]
        fn pnl_identity(
            fills in prop::collection::vec((any::<bool>(), 1i64..2_000, 1i64..50, -500i64..500), 1..40),
            mark_half_ticks in 2i64..4_000,
        ) {
            let s = spec();
            let mark = s.tick_size() * Decimal::from(mark_half_ticks) / Decimal::TWO;
            let mut p = Position::new(s.id().clone());
            let mut cash = Decimal::ZERO;
            let mut held = 0i64;
            for (buy, px, lots, fee_cents) in fills {
                let side = if buy { Side::Buy } else { Side::Sell };
                let (price, qty, fee) = (Price::from_ticks(px), Qty::from_lots(lots), Decimal::new(fee_cents, 4));
                p.apply_fill(side, price, qty, fee).unwrap();
                cash -= Decimal::from(side.sign()) * s.notional(price, qty).unwrap() + fee;
                held += side.sign() * lots;
                prop_assert_eq!(p.qty(), held);
                if p.is_flat() {
                    prop_assert_eq!(p.unrealized_pnl(&s, mark).unwrap(), Decimal::ZERO);
                }
            }
            let mtm = cash + s.qty_to_decimal(Qty::from_lots(held)) * mark;
            prop_assert_eq!(p.total_pnl(&s, mark).unwrap(), mtm);
            let fees = p.fees_paid() - p.rebates_earned();
            prop_assert_eq!(
                p.realized_pnl(&s).unwrap() + p.unrealized_pnl(&s, mark).unwrap() - fees,
                mtm
            );
        }
    }
}
