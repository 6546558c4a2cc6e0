//! A market's trading parameters and the exact conversions between decimals and ticks/lots.

use super::{ConversionError, MarketId, Price, Qty, SpecError};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The trading parameters of one market.
///
/// Built through [`MarketSpec::new`] (or deserialised, which runs the same checks), so the
/// tick and lot sizes are positive and coarse enough for every conversion of an `i64` tick or
/// lot count to be exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawSpec")]
pub struct MarketSpec {
    id: MarketId,
    tick_size: Decimal,
    lot_size: Decimal,
    min_notional: Decimal,
    maker_fee_rate: Decimal,
    taker_fee_rate: Decimal,
}

/// The unchecked wire form of a [`MarketSpec`].
#[derive(Deserialize)]
struct RawSpec {
    id: MarketId,
    tick_size: Decimal,
    lot_size: Decimal,
    min_notional: Decimal,
    maker_fee_rate: Decimal,
    taker_fee_rate: Decimal,
}

impl TryFrom<RawSpec> for MarketSpec {
    type Error = SpecError;

    fn try_from(r: RawSpec) -> Result<Self, Self::Error> {
        MarketSpec::new(
            r.id,
            r.tick_size,
            r.lot_size,
            r.min_notional,
            r.maker_fee_rate,
            r.taker_fee_rate,
        )
    }
}

/// Largest tick or lot mantissa accepted, so `i64 × mantissa` fits a decimal's 96 bits.
const MAX_STEP_MANTISSA: i128 = u32::MAX as i128;

impl MarketSpec {
    /// Checks and builds a spec. Fee rates are fractions of notional; negative means a rebate.
    pub fn new(
        id: MarketId,
        tick_size: Decimal,
        lot_size: Decimal,
        min_notional: Decimal,
        maker_fee_rate: Decimal,
        taker_fee_rate: Decimal,
    ) -> Result<Self, SpecError> {
        if tick_size <= Decimal::ZERO {
            return Err(SpecError::TickSize(tick_size));
        }
        if lot_size <= Decimal::ZERO {
            return Err(SpecError::LotSize(lot_size));
        }
        if min_notional < Decimal::ZERO {
            return Err(SpecError::MinNotional(min_notional));
        }
        let (tick_size, lot_size) = (tick_size.normalize(), lot_size.normalize());
        if tick_size.mantissa() > MAX_STEP_MANTISSA
            || lot_size.mantissa() > MAX_STEP_MANTISSA
            || tick_size.scale() + lot_size.scale() > 28
        {
            return Err(SpecError::Precision {
                tick: tick_size,
                lot: lot_size,
            });
        }
        Ok(MarketSpec {
            id,
            tick_size,
            lot_size,
            min_notional,
            maker_fee_rate,
            taker_fee_rate,
        })
    }

    /// The same market with other fee rates (a venue's schedule over a recording's spec).
    pub fn with_fees(mut self, maker_fee_rate: Decimal, taker_fee_rate: Decimal) -> Self {
        self.maker_fee_rate = maker_fee_rate;
        self.taker_fee_rate = taker_fee_rate;
        self
    }

    /// The market this spec describes.
    pub fn id(&self) -> &MarketId {
        &self.id
    }

    /// The price increment, in quote currency per base unit.
    pub fn tick_size(&self) -> Decimal {
        self.tick_size
    }

    /// The size increment, in base units.
    pub fn lot_size(&self) -> Decimal {
        self.lot_size
    }

    /// The smallest order notional the venue accepts, in quote currency.
    pub fn min_notional(&self) -> Decimal {
        self.min_notional
    }

    /// The fee rate for resting (maker) fills; negative is a rebate.
    pub fn maker_fee_rate(&self) -> Decimal {
        self.maker_fee_rate
    }

    /// The fee rate for aggressing (taker) fills; negative is a rebate.
    pub fn taker_fee_rate(&self) -> Decimal {
        self.taker_fee_rate
    }

    /// Parses a decimal price string such as `"0.4123"` into ticks.
    ///
    /// Refuses anything that is not a plain decimal, zero or negative prices, values off the
    /// tick grid and values beyond `i64` ticks.
    pub fn price(&self, s: &str) -> Result<Price, ConversionError> {
        self.price_from_decimal(parse_decimal(s)?)
    }

    /// Converts a decimal price into ticks, with the checks of [`MarketSpec::price`].
    pub fn price_from_decimal(&self, value: Decimal) -> Result<Price, ConversionError> {
        if value.is_zero() {
            return Err(ConversionError::ZeroPrice);
        }
        to_steps(value, self.tick_size).map(Price::from_ticks)
    }

    /// Parses a decimal size string such as `"12.5"` into lots (zero allowed).
    pub fn qty(&self, s: &str) -> Result<Qty, ConversionError> {
        self.qty_from_decimal(parse_decimal(s)?)
    }

    /// Converts a decimal size into lots, with the checks of [`MarketSpec::qty`].
    pub fn qty_from_decimal(&self, value: Decimal) -> Result<Qty, ConversionError> {
        to_steps(value, self.lot_size).map(Qty::from_lots)
    }

    /// The exact decimal value of a price.
    pub fn price_to_decimal(&self, price: Price) -> Decimal {
        step_value(price.ticks(), self.tick_size)
    }

    /// The exact decimal value of a quantity.
    pub fn qty_to_decimal(&self, qty: Qty) -> Decimal {
        step_value(qty.lots(), self.lot_size)
    }

    /// The exact notional `price × qty` in quote currency.
    pub fn notional(&self, price: Price, qty: Qty) -> Result<Decimal, ConversionError> {
        self.quote_from_units(i128::from(price.ticks()) * i128::from(qty.lots()))
    }

    /// Converts an amount counted in tick×lot units (one tick of price on one lot) into an exact
    /// decimal in quote currency.
    pub fn quote_from_units(&self, units: i128) -> Result<Decimal, ConversionError> {
        units
            .checked_mul(self.tick_size.mantissa())
            .and_then(|m| m.checked_mul(self.lot_size.mantissa()))
            .and_then(|m| {
                Decimal::try_from_i128_with_scale(m, self.tick_size.scale() + self.lot_size.scale())
                    .ok()
            })
            .ok_or(ConversionError::Overflow)
    }
}

/// `count × step` for a validated step: `|count| < 2^63` and `step`'s mantissa `< 2^32`, so
/// the product fits the 96-bit mantissa and the constructor cannot fail.
fn step_value(count: i64, step: Decimal) -> Decimal {
    Decimal::from_i128_with_scale(i128::from(count) * step.mantissa(), step.scale())
}

/// Parses a plain decimal number (optional sign, digits, optional point and digits) exactly.
/// Syntax is checked here, so any error from the decimal parser means out of range.
fn parse_decimal(s: &str) -> Result<Decimal, ConversionError> {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty()
        || !digits(int)
        || !digits(frac)
        || (unsigned.contains('.') && frac.is_empty())
    {
        return Err(ConversionError::Invalid(s.to_owned()));
    }
    Decimal::from_str_exact(s).map_err(|_| ConversionError::Overflow)
}

/// The whole number of `step`s in a non-negative `value`.
fn to_steps(value: Decimal, step: Decimal) -> Result<i64, ConversionError> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(ConversionError::Negative(value));
    }
    let count = value
        .checked_div(step)
        .ok_or(ConversionError::Overflow)?
        .trunc();
    if count.checked_mul(step) != Some(value) {
        return Err(ConversionError::OffGrid { value, step });
    }
    count.to_i64().ok_or(ConversionError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn spec() -> MarketSpec {
        crate::market::fixture::sei_usdc_with_fees()
    }

    #[test]
    fn price_and_qty_round_trip() {
        let s = spec();
        let p = s.price("0.4123").unwrap();
        assert_eq!(p.ticks(), 4123);
        assert_eq!(s.price_to_decimal(p), d("0.4123"));
        let q = s.qty("12.5").unwrap();
        assert_eq!(q.lots(), 125);
        assert_eq!(s.qty_to_decimal(q), d("12.5"));
        assert_eq!(s.qty("0").unwrap(), Qty::ZERO);
        assert_eq!(s.price("+0.41230").unwrap(), p);
        assert_eq!(s.notional(p, q).unwrap(), d("5.15375"));
    }

    #[test]
    fn rejects_bad_input() {
        let s = spec();
        assert!(matches!(
            s.price("0.41235"),
            Err(ConversionError::OffGrid { .. })
        ));
        assert!(matches!(
            s.qty("0.05"),
            Err(ConversionError::OffGrid { .. })
        ));
        assert!(matches!(s.price("-0.4"), Err(ConversionError::Negative(_))));
        assert!(matches!(s.qty("-1"), Err(ConversionError::Negative(_))));
        assert!(matches!(s.price("0"), Err(ConversionError::ZeroPrice)));
        for bad in [
            "", "NaN", "inf", "1e3", " 1", "0x10", "1_000", "1.2.3", "--1", ".",
        ] {
            assert!(
                matches!(s.price(bad), Err(ConversionError::Invalid(_))),
                "{bad:?}"
            );
        }
        assert_eq!(
            s.price("922337203685477.5808"),
            Err(ConversionError::Overflow)
        );
        assert!(s.price("922337203685477.5807").is_ok());
        assert_eq!(
            s.price("99999999999999999999999999999999"),
            Err(ConversionError::Overflow)
        );
        assert!(s.price("0.41230000000000000000000000001").is_err());
        for bad in [".5", "5.", "+", "-.1"] {
            assert!(
                matches!(s.price(bad), Err(ConversionError::Invalid(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn spec_validation() {
        let id = MarketId::new("SEI/USDC").unwrap();
        let z = Decimal::ZERO;
        let one = Decimal::ONE;
        assert!(matches!(
            MarketSpec::new(id.clone(), z, one, z, z, z),
            Err(SpecError::TickSize(_))
        ));
        assert!(matches!(
            MarketSpec::new(id.clone(), one, -one, z, z, z),
            Err(SpecError::LotSize(_))
        ));
        assert!(matches!(
            MarketSpec::new(id.clone(), one, one, -one, z, z),
            Err(SpecError::MinNotional(_))
        ));
        let fine = d("0.000000000000001");
        assert!(matches!(
            MarketSpec::new(id, fine, fine, z, z, z),
            Err(SpecError::Precision { .. })
        ));
    }

    #[test]
    fn extreme_values_stay_exact() {
        let s = spec();
        let max = Price::from_ticks(i64::MAX);
        assert_eq!(s.price_to_decimal(max), d("922337203685477.5807"));
        assert!(s.notional(max, Qty::from_lots(i64::MAX)).is_err());
    }

    #[test]
    fn serde_checks_spec() {
        let json = r#"{"id":"SEI/USDC","tick_size":"0.0001","lot_size":"0.1","min_notional":"1",
            "maker_fee_rate":"-0.0001","taker_fee_rate":"0.0005"}"#;
        let s: MarketSpec = serde_json::from_str(json).unwrap();
        assert_eq!(s, spec());
        let bad = json.replace("\"0.0001\",\"lot", "\"0\",\"lot");
        assert!(serde_json::from_str::<MarketSpec>(&bad).is_err());
    }
}
