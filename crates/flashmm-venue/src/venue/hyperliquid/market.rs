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

    /// Checks that every price on the tick grid near `mid` is one the venue accepts: the tick
    /// must be a whole number of the venue's price step there (5 significant figures, at most
    /// `MAX_DECIMALS - szDecimals` decimals). A finer tick would have quotes rounded away
    /// from the prices the trading core chose.
    pub fn check_tick_at(&self, mid: Decimal) -> Result<(), VenueError> {
        if mid <= Decimal::ZERO {
            return Ok(());
        }
        let step = self.rules.price_step_at(mid);
        let tick = self.spec.tick_size();
        if (tick / step).fract().is_zero() {
            return Ok(());
        }
        Err(incompatible(
            &self.spec,
            format!(
                "tick size {tick} is finer than the venue's price step near {mid} ({step}: \
                 at most 5 significant figures and {} decimals); set tick_size to {step} or \
                 a multiple of it",
                self.rules.max_price_decimals()
            ),
        ))
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

#[cfg(test)]
mod tests {
    use super::*;
    use flashmm_hyperliquid::AssetKind;

    fn market(symbol: &str, tick: &str, lot: &str, kind: AssetKind, sz: u32) -> HlMarket {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        HlMarket {
            spec: MarketSpec::new(
                symbol.parse().unwrap(),
                d(tick),
                d(lot),
                Decimal::ZERO,
                Decimal::ZERO,
                Decimal::ZERO,
            )
            .unwrap(),
            coin: symbol.to_owned(),
            asset: Asset(0),
            rules: MarketRules::new(kind, sz).unwrap(),
        }
    }

    #[test]
    fn a_tick_finer_than_the_venues_step_where_the_market_trades_is_refused() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        // ETH perp at 3000: five significant figures leave one decimal.
        let eth = market("ETH/USDC", "0.01", "0.0001", AssetKind::Perp, 4);
        let err = eth.check_tick_at(d("3000.5")).unwrap_err().to_string();
        assert!(err.contains("set tick_size to 0.1"), "{err}");
        let eth = market("ETH/USDC", "0.1", "0.0001", AssetKind::Perp, 4);
        assert!(eth.check_tick_at(d("3000.5")).is_ok());
        // Below 1000 the same 0.01 tick is fine.
        let eth = market("ETH/USDC", "0.01", "0.0001", AssetKind::Perp, 4);
        assert!(eth.check_tick_at(d("999.5")).is_ok());
        // A spot pair at 0.41 allows five decimals; at 1.2 only four.
        let sei = market("SEI/USDC", "0.00001", "0.1", AssetKind::Spot, 1);
        assert!(sei.check_tick_at(d("0.41")).is_ok());
        assert!(sei.check_tick_at(d("1.2")).is_err());
        // Above 10^5 only integers are left.
        let btc = market("BTC/USDC", "1", "0.00001", AssetKind::Perp, 5);
        assert!(btc.check_tick_at(d("100500")).is_ok());
        assert!(market("BTC/USDC", "0.5", "0.00001", AssetKind::Perp, 5)
            .check_tick_at(d("100500"))
            .is_err());
    }
}
