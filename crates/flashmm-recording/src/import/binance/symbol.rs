//! Binance symbols (`BTCUSDT`, `BTCUSD_PERP`) to FlashMM market ids (`BTC/USDT`,
//! `BTCPERP/USD`).

use flashmm_core::market::MarketId;

/// Quote assets recognised at the end of a symbol, longest first where one ends another
/// (`USD`, the quote of COIN-M contracts, ends `BUSD`, `TUSD` and `FDUSD`, so it comes after
/// them).
const QUOTES: [&str; 17] = [
    "FDUSD", "USDT", "USDC", "BUSD", "TUSD", "USDP", "DAI", "BTC", "ETH", "BNB", "EUR", "TRY",
    "BRL", "GBP", "JPY", "AUD", "USD",
];

/// The market id of a Binance symbol, split at a known quote asset: `BTCUSDT` → `BTC/USDT`.
///
/// A contract symbol `PAIR_SUFFIX` (COIN-M `BTCUSD_PERP`, a delivery contract
/// `BTCUSDT_240927`) names the contract in the base, priced in the pair's quote:
/// `BTCUSD_PERP` → `BTCPERP/USD`, `BTCUSDT_240927` → `BTC240927/USDT`. `None` when no known
/// quote ends the pair, the base would be empty, or the suffix is not letters and digits.
pub fn market_from_symbol(symbol: &str) -> Option<MarketId> {
    let upper = symbol.to_ascii_uppercase();
    let (pair, suffix) = match upper.split_once('_') {
        Some((pair, suffix)) if !suffix.is_empty() => (pair, suffix),
        Some(_) => return None,
        None => (upper.as_str(), ""),
    };
    QUOTES.iter().find_map(|quote| {
        let base = pair.strip_suffix(quote)?;
        if base.is_empty() {
            return None;
        }
        MarketId::new(&format!("{base}{suffix}/{quote}")).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::market_from_symbol;

    fn id(symbol: &str) -> Option<String> {
        market_from_symbol(symbol).map(|m| m.as_str().to_owned())
    }

    #[test]
    fn spot_and_usdm_pairs() {
        assert_eq!(id("BTCUSDT").as_deref(), Some("BTC/USDT"));
        assert_eq!(id("ethbtc").as_deref(), Some("ETH/BTC"));
        assert_eq!(id("BTCFDUSD").as_deref(), Some("BTC/FDUSD"));
        assert_eq!(id("BTCTUSD").as_deref(), Some("BTC/TUSD"));
        assert_eq!(id("ETHBUSD").as_deref(), Some("ETH/BUSD"));
        assert_eq!(id("USDT"), None);
        assert_eq!(id("XYZ"), None);
    }

    #[test]
    fn coin_m_and_delivery_contracts() {
        assert_eq!(id("BTCUSD_PERP").as_deref(), Some("BTCPERP/USD"));
        assert_eq!(id("ethusd_perp").as_deref(), Some("ETHPERP/USD"));
        assert_eq!(id("BTCUSD_240927").as_deref(), Some("BTC240927/USD"));
        assert_eq!(id("BTCUSDT_240927").as_deref(), Some("BTC240927/USDT"));
        assert_eq!(id("BTCUSD_"), None);
        assert_eq!(id("USD_PERP"), None);
        assert_eq!(id("BTCUSD_PE-RP"), None);
    }
}
