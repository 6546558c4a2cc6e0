//! Market identifiers: `BASE/QUOTE` symbols and their `BASE-QUOTE` stream form.

use super::MarketIdError;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// A market symbol such as `SEI/USDC`.
///
/// Each asset is 1 to [`MarketId::MAX_ASSET_LEN`] ASCII letters or digits. Stream names use
/// the form `SEI-USDC` ([`MarketId::stream_key`]), since `/` reads badly in Redis keys.
/// On the wire it is the symbol string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MarketId {
    symbol: String,
    split: usize,
}

impl MarketId {
    /// The longest base or quote asset name accepted.
    pub const MAX_ASSET_LEN: usize = 16;

    /// Parses a symbol such as `SEI/USDC`.
    pub fn new(symbol: &str) -> Result<Self, MarketIdError> {
        Self::parse(symbol, '/')
    }

    /// Parses the stream form such as `SEI-USDC`.
    pub fn from_stream_key(key: &str) -> Result<Self, MarketIdError> {
        Self::parse(key, '-')
    }

    fn parse(s: &str, sep: char) -> Result<Self, MarketIdError> {
        let mut parts = s.split(sep);
        let (Some(base), Some(quote), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(MarketIdError::Separator(s.to_owned(), sep));
        };
        for asset in [base, quote] {
            if asset.is_empty() || asset.len() > Self::MAX_ASSET_LEN {
                return Err(MarketIdError::AssetLength(s.to_owned()));
            }
            if !asset.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(MarketIdError::Charset(s.to_owned()));
            }
        }
        Ok(MarketId {
            symbol: format!("{base}/{quote}"),
            split: base.len(),
        })
    }

    /// The symbol, e.g. `SEI/USDC`.
    pub fn as_str(&self) -> &str {
        &self.symbol
    }

    /// The base asset, e.g. `SEI`.
    pub fn base(&self) -> &str {
        &self.symbol[..self.split]
    }

    /// The quote asset, e.g. `USDC`.
    pub fn quote(&self) -> &str {
        &self.symbol[self.split + 1..]
    }

    /// The form used in stream names, e.g. `SEI-USDC`.
    pub fn stream_key(&self) -> String {
        format!("{}-{}", self.base(), self.quote())
    }
}

impl FromStr for MarketId {
    type Err = MarketIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MarketId::new(s)
    }
}

impl TryFrom<String> for MarketId {
    type Error = MarketIdError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        MarketId::new(&s)
    }
}

impl From<MarketId> for String {
    fn from(id: MarketId) -> Self {
        id.symbol
    }
}

impl std::fmt::Display for MarketId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.symbol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_and_stream_form() {
        let id = MarketId::new("SEI/USDC").unwrap();
        assert_eq!((id.base(), id.quote()), ("SEI", "USDC"));
        assert_eq!(id.stream_key(), "SEI-USDC");
        assert_eq!(MarketId::from_stream_key("SEI-USDC").unwrap(), id);
        assert_eq!(id.to_string(), "SEI/USDC");
        assert_eq!("SEI/USDC".parse::<MarketId>().unwrap(), id);
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "SEIUSDC",
            "SEI/USDC/X",
            "/USDC",
            "SEI/",
            "SEI-USDC",
            "S I/USDC",
            "ABCDEFGHIJKLMNOPQ/USDC",
        ] {
            assert!(MarketId::new(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            MarketId::new("SEI"),
            Err(MarketIdError::Separator(..))
        ));
        assert!(matches!(
            MarketId::new("SEI/US.C"),
            Err(MarketIdError::Charset(_))
        ));
        assert!(matches!(
            MarketId::new("SEI/"),
            Err(MarketIdError::AssetLength(_))
        ));
    }

    #[test]
    fn serde_validates() {
        let id: MarketId = serde_json::from_str("\"SEI/USDC\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"SEI/USDC\"");
        assert!(serde_json::from_str::<MarketId>("\"SEIUSDC\"").is_err());
    }
}
