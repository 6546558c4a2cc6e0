//! One market as the venue numbers and rounds it: FlashMM's ticks and lots to the venue's
//! decimal prices and sizes and back, exactly.

use crate::venue::VenueError;
use flashmm_core::market::{MarketSpec, Price, Qty, Side};
use flashmm_hyperliquid::info::{Meta, SpotMeta};
use flashmm_hyperliquid::{Asset, MarketRules};
use rust_decimal::Decimal;

/// A FlashMM market and the venue's coin, asset number and rules for it.
#[derive(Debug, Clone, PartialEq)]
pub struct HlMarket {
    /// FlashMM's spec (ticks and lots).
    pub spec: MarketSpec,
    /// The venue's coin: the name in subscriptions, `/info` requests and answers.
    pub coin: String,
    /// The asset number orders carry.
    pub asset: Asset,
    /// The venue's price and size rules.
    pub rules: MarketRules,
}

fn incompatible(spec: &MarketSpec, why: String) -> VenueError {
    VenueError::Config(format!("market {}: {why}", spec.id()))
}

impl HlMarket {
    /// Resolves `coin` (a spot pair first, then a perp) in the venue's metadata and checks
    /// that every lot count of `spec` is a size the venue accepts.
    pub fn resolve(
        spec: MarketSpec,
        coin: &str,
        meta: &Meta,
        spot: &SpotMeta,
    ) -> Result<Self, VenueError> {
        let found = spot
            .pair(coin)
            .or_else(|| meta.perp(coin))
            .ok_or_else(|| incompatible(&spec, format!("the venue lists no coin `{coin}`")))?;
        let (asset, rules) = found.map_err(|e| incompatible(&spec, e.to_string()))?;
        // A lot must be a whole number of the venue's smallest size step.
        if !rules.is_valid_size(spec.lot_size()) {
            return Err(incompatible(
                &spec,
                format!(
                    "lot size {} is finer than the venue's size step (szDecimals {})",
                    spec.lot_size(),
                    rules.sz_decimals()
                ),
            ));
        }
        Ok(HlMarket {
            spec,
            coin: coin.to_owned(),
            asset,
            rules,
        })
    }

    /// The venue price of a passive quote at `price` ticks: exact when valid, otherwise a
    /// bid rounded down and an ask rounded up to the venue's significant figures, and still
    /// a whole number of ticks.
    pub fn price_to_wire(&self, side: Side, price: Price) -> Result<Decimal, VenueError> {
        let exact = self.spec.price_to_decimal(price);
        if self.rules.is_valid_price(exact) {
            return Ok(exact);
        }
        let rounded = self
            .rules
            .passive_price(side == Side::Buy, exact)
            .map_err(|e| VenueError::Decode(e.to_string()))?;
        self.spec
            .price_from_decimal(rounded)
            .map_err(|e| VenueError::Decode(format!("price {exact} rounds to {rounded}: {e}")))?;
        Ok(rounded)
    }

    /// The venue size of `qty` lots, exact.
    pub fn size_to_wire(&self, qty: Qty) -> Result<Decimal, VenueError> {
        let size = self.spec.qty_to_decimal(qty);
        if !self.rules.is_valid_size(size) {
            return Err(VenueError::Decode(format!(
                "size {size} is not a valid size of {}",
                self.coin
            )));
        }
        Ok(size)
    }

    /// Ticks of a venue price.
    pub fn price_from_wire(&self, px: Decimal) -> Result<Price, VenueError> {
        self.spec
            .price_from_decimal(px)
            .map_err(|e| VenueError::Decode(format!("{} price {px}: {e}", self.coin)))
    }

    /// Lots of a venue size.
    pub fn qty_from_wire(&self, sz: Decimal) -> Result<Qty, VenueError> {
        self.spec
            .qty_from_decimal(sz)
            .map_err(|e| VenueError::Decode(format!("{} size {sz}: {e}", self.coin)))
    }
}
