//! Hyperliquid's price and size rules, exact on [`Decimal`]s.
//!
//! - A size has at most `szDecimals` decimals (the asset's, from `meta` or `spotMeta`).
//! - A price is positive and either an integer (always allowed), or has at most 5 significant
//!   figures and at most `MAX_DECIMALS - szDecimals` decimals, `MAX_DECIMALS` being 6 for perps
//!   and 8 for spot.
//!
//! So within the decade `[10^e, 10^(e+1))` the valid prices are exactly the multiples of
//! `10^-d` with `d = min(MAX_DECIMALS - szDecimals, max(0, 4 - e))`; rounding to the nearest
//! valid price is rounding to `d` decimals, in the direction asked.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// The most significant figures of a non-integer price.
pub const MAX_SIG_FIGS: u32 = 5;

/// Perp or spot: they differ in how many price decimals they allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AssetKind {
    /// A perpetual: prices carry at most `6 - szDecimals` decimals.
    Perp,
    /// A spot pair: prices carry at most `8 - szDecimals` decimals.
    Spot,
}

impl AssetKind {
    /// `MAX_DECIMALS`: 6 for perps, 8 for spot.
    pub const fn max_decimals(self) -> u32 {
        match self {
            AssetKind::Perp => 6,
            AssetKind::Spot => 8,
        }
    }
}

/// Which way to round onto the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rounding {
    /// To the largest valid value not above the input.
    Down,
    /// To the smallest valid value not below the input.
    Up,
}

impl Rounding {
    /// The side-aware rounding of a passive quote: a bid rounds down and an ask rounds up, so
    /// neither moves toward (or across) the other side of the book.
    pub const fn passive(is_buy: bool) -> Self {
        if is_buy {
            Rounding::Down
        } else {
            Rounding::Up
        }
    }

    const fn strategy(self) -> RoundingStrategy {
        match self {
            Rounding::Down => RoundingStrategy::ToNegativeInfinity,
            Rounding::Up => RoundingStrategy::ToPositiveInfinity,
        }
    }
}

/// A price or size that cannot be put on the grid, or rules that cannot exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// `szDecimals` above the kind's `MAX_DECIMALS`.
    #[error("szDecimals {sz_decimals} exceeds the {max} decimals a {kind:?} price may carry")]
    SzDecimals {
        /// The asset's `szDecimals`.
        sz_decimals: u32,
        /// `MAX_DECIMALS` of its kind.
        max: u32,
        /// Perp or spot.
        kind: AssetKind,
    },
    /// The price or size is zero or negative.
    #[error("{0} is not positive")]
    NotPositive(Decimal),
    /// Rounded down, the value is zero: it is below the smallest tick or lot.
    #[error("{0} is below the smallest valid value")]
    BelowMinimum(Decimal),
}

/// The price and size rules of one asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MarketRules {
    kind: AssetKind,
    sz_decimals: u32,
}

impl MarketRules {
    /// The rules of an asset of `kind` with `sz_decimals` (from `meta` or `spotMeta`).
    pub fn new(kind: AssetKind, sz_decimals: u32) -> Result<Self, RulesError> {
        let max = kind.max_decimals();
        if sz_decimals > max {
            return Err(RulesError::SzDecimals {
                sz_decimals,
                max,
                kind,
            });
        }
        Ok(MarketRules { kind, sz_decimals })
    }

    /// Perp or spot.
    pub const fn kind(&self) -> AssetKind {
        self.kind
    }

    /// The asset's `szDecimals`.
    pub const fn sz_decimals(&self) -> u32 {
        self.sz_decimals
    }

    /// The most decimals a price may carry: `MAX_DECIMALS - szDecimals`.
    pub const fn max_price_decimals(&self) -> u32 {
        self.kind.max_decimals() - self.sz_decimals
    }

    /// Whether `size` is a valid order size: positive, at most `szDecimals` decimals.
    pub fn is_valid_size(&self, size: Decimal) -> bool {
        size > Decimal::ZERO && size.normalize().scale() <= self.sz_decimals
    }

    /// `size` rounded onto the lot grid (`szDecimals` decimals); fails when `size` is not
    /// positive or rounds down to zero.
    pub fn round_size(&self, size: Decimal, rounding: Rounding) -> Result<Decimal, RulesError> {
        if size <= Decimal::ZERO {
            return Err(RulesError::NotPositive(size));
        }
        let rounded = size
            .round_dp_with_strategy(self.sz_decimals, rounding.strategy())
            .normalize();
        if rounded.is_zero() {
            return Err(RulesError::BelowMinimum(size));
        }
        Ok(rounded)
    }

    /// Whether `price` is a valid limit price: positive, and an integer or at most 5
    /// significant figures and at most [`Self::max_price_decimals`] decimals.
    pub fn is_valid_price(&self, price: Decimal) -> bool {
        if price <= Decimal::ZERO {
            return false;
        }
        let p = price.normalize();
        if p.scale() == 0 {
            return true;
        }
        // Normalised with a fraction: the mantissa's digits are the significant figures.
        digits(p.mantissa().unsigned_abs()) <= MAX_SIG_FIGS
            && p.scale() <= self.max_price_decimals()
    }

    /// The price step in `price`'s decade: `10^-d` for the decimals `d` a price may carry
    /// there (5 significant figures, at most [`Self::max_price_decimals`]), 1 where only
    /// integers are left. `price` must be positive.
    pub fn price_step_at(&self, price: Decimal) -> Decimal {
        Decimal::new(1, self.price_decimals_at(price))
    }

    /// The decimals a price may carry in `price`'s decade:
    /// `min(MAX_DECIMALS - szDecimals, max(0, 4 - floor(log10(price))))`. `price` must be
    /// positive.
    fn price_decimals_at(&self, price: Decimal) -> u32 {
        let p = price.normalize();
        // price = mantissa × 10^-scale, so floor(log10(price)) = digits(mantissa) - 1 - scale.
        let exponent = i64::from(digits(p.mantissa().unsigned_abs())) - 1 - i64::from(p.scale());
        let by_sig_figs = (i64::from(MAX_SIG_FIGS) - 1 - exponent).max(0);
        let max = i64::from(self.max_price_decimals());
        // Both bounds lie in 0..=8, so the cast cannot truncate.
        by_sig_figs.min(max) as u32
    }

    /// The nearest valid price to `price` in the direction asked; fails when `price` is not
    /// positive or (rounding down) is below the smallest valid price.
    pub fn round_price(&self, price: Decimal, rounding: Rounding) -> Result<Decimal, RulesError> {
        if price <= Decimal::ZERO {
            return Err(RulesError::NotPositive(price));
        }
        let rounded = price
            .round_dp_with_strategy(self.price_decimals_at(price), rounding.strategy())
            .normalize();
        if rounded.is_zero() {
            return Err(RulesError::BelowMinimum(price));
        }
        Ok(rounded)
    }

    /// The valid price of a passive quote at `price`: a bid rounds down, an ask rounds up.
    pub fn passive_price(&self, is_buy: bool, price: Decimal) -> Result<Decimal, RulesError> {
        self.round_price(price, Rounding::passive(is_buy))
    }
}

/// The number of decimal digits of `n` (1 for 0).
fn digits(mut n: u128) -> u32 {
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    fn perp(sz: u32) -> MarketRules {
        MarketRules::new(AssetKind::Perp, sz).expect("rules")
    }

    fn spot(sz: u32) -> MarketRules {
        MarketRules::new(AssetKind::Spot, sz).expect("rules")
    }

    #[test]
    fn documented_examples() {
        // BTC perp, szDecimals 5: 1 price decimal at most; integers always.
        let btc = perp(5);
        assert_eq!(btc.max_price_decimals(), 1);
        assert!(btc.is_valid_price(d("64012")));
        assert!(btc.is_valid_price(d("123456")));
        assert!(btc.is_valid_price(d("1234.5")));
        assert!(!btc.is_valid_price(d("12345.6")), "6 significant figures");
        assert!(!btc.is_valid_price(d("0.01")), "2 decimals");
        // Spot with szDecimals 0: 8 decimals, 5 significant figures.
        let sei = spot(0);
        assert!(sei.is_valid_price(d("0.42137")));
        assert!(!sei.is_valid_price(d("0.421375")));
        assert!(sei.is_valid_price(d("0.00012345")));
        assert!(!sei.is_valid_price(d("0.000012345")), "9 decimals");
        assert!(!sei.is_valid_price(d("0")));
        assert!(!sei.is_valid_price(d("-1")));
        assert!(
            sei.is_valid_price(d("1.10000")),
            "trailing zeros do not count"
        );
    }

    #[test]
    fn rounds_prices_side_aware() {
        let sei = spot(2);
        assert_eq!(sei.passive_price(true, d("0.421378")), Ok(d("0.42137")));
        assert_eq!(sei.passive_price(false, d("0.421371")), Ok(d("0.42138")));
        assert_eq!(sei.passive_price(false, d("0.42137")), Ok(d("0.42137")));
        assert_eq!(sei.round_price(d("0.999995"), Rounding::Up), Ok(d("1")));
        assert_eq!(
            sei.round_price(d("12345.6"), Rounding::Down),
            Ok(d("12345"))
        );
        assert_eq!(sei.round_price(d("12345.6"), Rounding::Up), Ok(d("12346")));
        assert_eq!(sei.round_price(d("99999.5"), Rounding::Up), Ok(d("100000")));
        let btc = perp(5);
        assert_eq!(btc.round_price(d("0.05"), Rounding::Up), Ok(d("0.1")));
        assert_eq!(
            btc.round_price(d("0.05"), Rounding::Down),
            Err(RulesError::BelowMinimum(d("0.05")))
        );
        assert_eq!(
            btc.round_price(d("0"), Rounding::Up),
            Err(RulesError::NotPositive(d("0")))
        );
    }

    #[test]
    fn rounds_sizes_to_sz_decimals() {
        let r = perp(3);
        assert_eq!(r.round_size(d("1.23456"), Rounding::Down), Ok(d("1.234")));
        assert_eq!(r.round_size(d("1.23401"), Rounding::Up), Ok(d("1.235")));
        assert_eq!(
            r.round_size(d("0.0004"), Rounding::Down),
            Err(RulesError::BelowMinimum(d("0.0004")))
        );
        assert!(r.is_valid_size(d("1.230")));
        assert!(!r.is_valid_size(d("1.2301")));
        assert!(!r.is_valid_size(d("0")));
        assert_eq!(
            MarketRules::new(AssetKind::Perp, 7),
            Err(RulesError::SzDecimals {
                sz_decimals: 7,
                max: 6,
                kind: AssetKind::Perp
            })
        );
        assert!(MarketRules::new(AssetKind::Spot, 8).is_ok());
    }

    /// Brute force on fine grids around decade boundaries: rounding down gives the largest
    /// valid grid price not above the input, rounding up the smallest not below it.
    #[test]
    fn rounding_agrees_with_brute_force() {
        let windows = [
            ("0.0000095", "0.0000105"),
            ("0.000099", "0.000101"),
            ("0.0999", "0.1001"),
            ("0.99995", "1.00005"),
            ("9.999", "10.001"),
            ("9999.5", "10000.5"),
            ("99990", "100010"),
        ];
        for rules in [perp(0), perp(3), perp(5), spot(0), spot(2), spot(6)] {
            for (lo, hi) in windows {
                let (lo, hi) = (d(lo), d(hi));
                // A step finer than any valid tick in the window.
                let step = Decimal::new(1, 9).max((hi - lo) / Decimal::from(4_000));
                let mut grid = Vec::new();
                let mut p = lo;
                while p <= hi {
                    grid.push(p);
                    p += step;
                }
                let valid: Vec<Decimal> = grid
                    .iter()
                    .copied()
                    .filter(|&p| rules.is_valid_price(p))
                    .collect();
                for &p in &grid {
                    let down = rules.round_price(p, Rounding::Down);
                    let up = rules.round_price(p, Rounding::Up).expect("up");
                    assert!(rules.is_valid_price(up), "{rules:?} {p} up {up}");
                    assert!(up >= p);
                    if let Some(&below) = valid.iter().rev().find(|&&v| v <= p) {
                        assert_eq!(down, Ok(below), "{rules:?} {p} down");
                    } else if let Ok(down) = down {
                        assert!(down <= p && rules.is_valid_price(down));
                    }
                    if let Some(&above) = valid.iter().find(|&&v| v >= p) {
                        assert_eq!(up, above, "{rules:?} {p} up");
                    }
                    assert_eq!(rules.is_valid_price(p), down == Ok(p), "{rules:?} {p}");
                }
            }
        }
    }
}
