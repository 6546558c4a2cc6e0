//! Binance symbols (`BTCUSDT`) to FlashMM market ids (`BTC/USDT`).

use flashmm_core::market::MarketId;

/// Quote assets recognised at the end of a symbol, longest first where one ends another.
const QUOTES: [&str; 16] = [
    "FDUSD", "USDT", "USDC", "BUSD", "TUSD", "USDP", "DAI", "BTC", "ETH", "BNB", "EUR", "TRY",
    "BRL", "GBP", "JPY", "AUD",
];

/// The market id of a Binance symbol, split at a known quote asset: `BTCUSDT` → `BTC/USDT`.
/// `None` when no known quote ends the symbol or the base would be empty.
pub fn market_from_symbol(symbol: &str) -> Option<MarketId> {
    let upper = symbol.to_ascii_uppercase();
    QUOTES.iter().find_map(|quote| {
        let base = upper.strip_suffix(quote)?;
        MarketId::new(&format!("{base}/{quote}")).ok()
    })
}
