//! Book levels on the wire.

use flashmm_core::book::BookLevel;
use flashmm_core::market::{ConversionError, MarketSpec};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A price level as exact decimal strings: `{"price": "0.4012", "size": "1500.5"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireLevel {
    /// The level's price in quote per base unit.
    pub price: Decimal,
    /// The aggregate size in base units; zero in a delta removes the level.
    pub size: Decimal,
}

impl WireLevel {
    /// The wire form of a level of `spec`'s market.
    pub fn from_level(spec: &MarketSpec, level: BookLevel) -> Self {
        WireLevel {
            price: spec.price_to_decimal(level.price),
            size: spec.qty_to_decimal(level.qty),
        }
    }

    /// The level in ticks and lots, refusing values off `spec`'s grid. A zero size is allowed
    /// (it removes a level in a delta).
    pub fn to_level(&self, spec: &MarketSpec) -> Result<BookLevel, ConversionError> {
        let price = spec.price_from_decimal(self.price)?;
        let qty = if self.size.is_zero() {
            flashmm_core::market::Qty::ZERO
        } else {
            spec.qty_from_decimal(self.size)?
        };
        Ok(BookLevel::new(price, qty))
    }

    /// Converts a list of wire levels.
    pub fn to_levels(
        levels: &[WireLevel],
        spec: &MarketSpec,
    ) -> Result<Vec<BookLevel>, ConversionError> {
        levels.iter().map(|l| l.to_level(spec)).collect()
    }

    /// Converts a list of core levels.
    pub fn from_levels(spec: &MarketSpec, levels: &[BookLevel]) -> Vec<WireLevel> {
        levels
            .iter()
            .map(|&l| WireLevel::from_level(spec, l))
            .collect()
    }
}
