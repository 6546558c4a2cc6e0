//! `meta` (perps) and `spotMeta` (spot): asset numbers and `szDecimals`.

use crate::rules::{AssetKind, MarketRules, RulesError};
use crate::Asset;
use serde::{Deserialize, Serialize};

/// One perp of `meta.universe`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PerpAssetInfo {
    /// The coin (`BTC`).
    pub name: String,
    /// Decimals of a size.
    pub sz_decimals: u32,
    /// The highest leverage allowed, if given.
    #[serde(default)]
    pub max_leverage: Option<u32>,
    /// Whether the perp is delisted.
    #[serde(default)]
    pub is_delisted: bool,
}

/// The `meta` answer: the perps, numbered by position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// The perps; a perp's asset number is its index here.
    pub universe: Vec<PerpAssetInfo>,
}

impl Meta {
    /// The asset number and rules of the perp `coin`.
    pub fn perp(&self, coin: &str) -> Option<Result<(Asset, MarketRules), RulesError>> {
        let (index, info) = self
            .universe
            .iter()
            .enumerate()
            .find(|(_, a)| a.name == coin)?;
        let index = u32::try_from(index).ok()?;
        Some(MarketRules::new(AssetKind::Perp, info.sz_decimals).map(|r| (Asset::perp(index), r)))
    }
}

/// One spot pair of `spotMeta.universe`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpotPairInfo {
    /// The pair's name (`PURR/USDC`, or `@1` for non-canonical pairs).
    pub name: String,
    /// `[base, quote]` token indices.
    pub tokens: [u32; 2],
    /// The pair's index: its asset number is `10000 + index`.
    pub index: u32,
    /// Whether the pair is canonical.
    #[serde(default)]
    pub is_canonical: bool,
}

/// One token of `spotMeta.tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpotTokenInfo {
    /// The token (`USDC`, `PURR`).
    pub name: String,
    /// Decimals of a size in this token.
    pub sz_decimals: u32,
    /// Decimals of the token's on-chain amounts.
    pub wei_decimals: u32,
    /// The token's index.
    pub index: u32,
    /// The token id (`0x` + 32 hex digits).
    pub token_id: String,
    /// Whether the token is canonical.
    #[serde(default)]
    pub is_canonical: bool,
}

/// The `spotMeta` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotMeta {
    /// The pairs.
    pub universe: Vec<SpotPairInfo>,
    /// The tokens.
    pub tokens: Vec<SpotTokenInfo>,
}

impl SpotMeta {
    /// The asset number and rules of the pair `name` (`szDecimals` being its base token's).
    pub fn pair(&self, name: &str) -> Option<Result<(Asset, MarketRules), RulesError>> {
        let pair = self.universe.iter().find(|p| p.name == name)?;
        let base = self.tokens.iter().find(|t| t.index == pair.tokens[0])?;
        let asset = Asset::spot(pair.index)?;
        Some(MarketRules::new(AssetKind::Spot, base.sz_decimals).map(|r| (asset, r)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Shapes of the documented `meta` and `spotMeta` answers.
    const META: &str = r#"{"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":50},{"name":"ETH","szDecimals":4,"maxLeverage":50},{"name":"HPOS","szDecimals":0,"maxLeverage":3,"onlyIsolated":true,"isDelisted":true}]}"#;
    const SPOT_META: &str = r#"{"tokens":[{"name":"USDC","szDecimals":8,"weiDecimals":8,"index":0,"tokenId":"0x6d1e7cde53ba9467b783cb7c530ce054","isCanonical":true,"evmContract":null,"fullName":null},{"name":"PURR","szDecimals":0,"weiDecimals":5,"index":1,"tokenId":"0xc1fb593aeffbeb02f85e0308e9956a90","isCanonical":true,"evmContract":null,"fullName":null},{"name":"HFUN","szDecimals":2,"weiDecimals":8,"index":2,"tokenId":"0xbaf265ef389da684513d98d68edf4eae","isCanonical":false,"evmContract":null,"fullName":null}],"universe":[{"name":"PURR/USDC","tokens":[1,0],"index":0,"isCanonical":true},{"tokens":[2,0],"name":"@1","index":1,"isCanonical":false}]}"#;

    #[test]
    fn perp_numbers_are_positions() {
        let meta: Meta = serde_json::from_str(META).expect("meta");
        let (asset, rules) = meta.perp("ETH").expect("ETH").expect("rules");
        assert_eq!(asset, Asset(1));
        assert_eq!(rules.sz_decimals(), 4);
        assert_eq!(rules.max_price_decimals(), 2);
        assert!(meta.universe[2].is_delisted);
        assert!(meta.perp("SEI").is_none());
    }

    #[test]
    fn spot_numbers_are_offset_indices() {
        let spot: SpotMeta = serde_json::from_str(SPOT_META).expect("spotMeta");
        let (asset, rules) = spot.pair("@1").expect("@1").expect("rules");
        assert_eq!(asset, Asset(10_001));
        assert_eq!(rules.kind(), AssetKind::Spot);
        assert_eq!(rules.max_price_decimals(), 6);
        let (purr, purr_rules) = spot.pair("PURR/USDC").expect("PURR").expect("rules");
        assert_eq!(purr, Asset(10_000));
        assert_eq!(purr_rules.max_price_decimals(), 8);
    }
}
