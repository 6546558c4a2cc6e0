//! Binance's REST endpoints the feed needs: the depth snapshot and the symbols' tick and lot.

use crate::error::{retry_after, RestError};
use crate::BinanceMarket;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::time::Duration;

/// A REST client of one Binance market (no key: public endpoints only).
#[derive(Debug, Clone)]
pub struct RestClient {
    http: reqwest::Client,
    base: String,
    market: BinanceMarket,
}

/// A symbol's price and size increments, from the exchange information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolGrid {
    /// The symbol, e.g. `BTCUSDT`.
    pub symbol: String,
    /// `PRICE_FILTER.tickSize`.
    pub tick_size: Decimal,
    /// `LOT_SIZE.stepSize`.
    pub lot_size: Decimal,
}

#[derive(Deserialize)]
struct ExchangeInfo {
    symbols: Vec<SymbolInfo>,
}

#[derive(Deserialize)]
struct SymbolInfo {
    symbol: String,
    filters: Vec<Filter>,
}

#[derive(Deserialize)]
struct Filter {
    #[serde(rename = "filterType")]
    kind: String,
    #[serde(rename = "tickSize", default)]
    tick_size: Option<Decimal>,
    #[serde(rename = "stepSize", default)]
    step_size: Option<Decimal>,
}

impl RestClient {
    /// A client of `market` at `base` (e.g. [`BinanceMarket::default_rest_url`]).
    pub fn new(
        market: BinanceMarket,
        base: impl Into<String>,
        timeout: Duration,
    ) -> Result<Self, RestError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| RestError::Transport(e.to_string()))?;
        Ok(RestClient {
            http,
            base: base.into().trim_end_matches('/').to_owned(),
            market,
        })
    }

    /// The depth snapshot of `symbol` (`limit` levels a side), as the body's JSON text
    /// (`{"lastUpdateId":..,"bids":..,"asks":..}`).
    pub async fn depth_snapshot(&self, symbol: &str, limit: u32) -> Result<String, RestError> {
        let url = format!(
            "{}{}?symbol={}&limit={limit}",
            self.base,
            self.market.depth_path(),
            symbol.to_ascii_uppercase()
        );
        self.get(&url).await
    }

    /// The tick and lot of each of `symbols` (all the venue lists when empty).
    pub async fn grids(&self, symbols: &[String]) -> Result<Vec<SymbolGrid>, RestError> {
        let url = format!("{}{}", self.base, self.market.exchange_info_path());
        let body = self.get(&url).await?;
        let info: ExchangeInfo =
            serde_json::from_str(&body).map_err(|e| RestError::Decode(e.to_string()))?;
        let mut grids = Vec::new();
        for s in info.symbols {
            if !symbols.is_empty() && !symbols.iter().any(|w| w.eq_ignore_ascii_case(&s.symbol)) {
                continue;
            }
            let find = |kind: &str| s.filters.iter().find(|f| f.kind == kind);
            let tick = find("PRICE_FILTER").and_then(|f| f.tick_size);
            let lot = find("LOT_SIZE").and_then(|f| f.step_size);
            let (Some(tick_size), Some(lot_size)) = (tick, lot) else {
                return Err(RestError::Decode(format!(
                    "{}: no PRICE_FILTER tickSize or LOT_SIZE stepSize",
                    s.symbol
                )));
            };
            grids.push(SymbolGrid {
                symbol: s.symbol,
                tick_size: tick_size.normalize(),
                lot_size: lot_size.normalize(),
            });
        }
        Ok(grids)
    }

    async fn get(&self, url: &str) -> Result<String, RestError> {
        let resp = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| RestError::Transport(e.to_string()))?;
        let status = resp.status().as_u16();
        if status == 429 || status == 418 {
            return Err(RestError::RateLimited {
                status,
                retry_after: retry_after(resp.headers()),
            });
        }
        let body = resp
            .text()
            .await
            .map_err(|e| RestError::Transport(e.to_string()))?;
        if status != 200 {
            return Err(RestError::Http {
                status,
                body: body.chars().take(300).collect(),
            });
        }
        Ok(body)
    }
}
