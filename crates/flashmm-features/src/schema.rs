//! The feature order: [`Feature`], [`FEATURE_NAMES`] and the [`schema_hash`] that a model
//! checks before it accepts a vector.

use crate::config::FeatureConfig;

/// Number of features in a vector.
pub const NUM_FEATURES: usize = 34;

/// Version tag hashed ahead of the names; bump it when a formula changes under an
/// unchanged name.
pub const SCHEMA_VERSION: &str = "flashmm-features/1";

/// Feature names in vector order. Window and level parameters are slots (`_e0`, `_t1`,
/// `imbalance_2`); [`labels`] resolves them against a configuration.
pub const FEATURE_NAMES: [&str; NUM_FEATURES] = [
    "spread_bps",
    "micro_mid_bps",
    "book_two_sided",
    "imbalance_0",
    "imbalance_1",
    "imbalance_2",
    "imbalance_3",
    "depth_bid",
    "depth_ask",
    "slope_bid_bps",
    "slope_ask_bps",
    "ofi_e0",
    "ofi_e1",
    "ofi_t0",
    "ofi_t1",
    "ofi_t2",
    "ret_e0_bps",
    "ret_e1_bps",
    "ret_t0_bps",
    "ret_t1_bps",
    "ret_t2_bps",
    "rv_e0_bps",
    "rv_e1_bps",
    "rv_t0_bps",
    "rv_t1_bps",
    "rv_t2_bps",
    "signed_vol_t0",
    "signed_vol_t1",
    "signed_vol_t2",
    "trade_imb_t0",
    "trade_imb_t1",
    "trade_imb_t2",
    "vwap_mid_bps",
    "time_since_trade_s",
];

/// One feature, by its position in the vector. The crate README gives each formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(usize)]
pub enum Feature {
    /// Best ask minus best bid over the mid, in bps.
    SpreadBps,
    /// Size-weighted microprice minus mid, over the mid, in bps.
    MicroMidBps,
    /// 1 when both sides of the book have a level, else 0.
    BookTwoSided,
    /// Quantity imbalance over the first `imbalance_levels[0]` levels, in [-1, 1].
    Imbalance0,
    /// Quantity imbalance over the first `imbalance_levels[1]` levels, in [-1, 1].
    Imbalance1,
    /// Quantity imbalance over the first `imbalance_levels[2]` levels, in [-1, 1].
    Imbalance2,
    /// Quantity imbalance over the first `imbalance_levels[3]` levels, in [-1, 1].
    Imbalance3,
    /// `ln(1 + lots)` resting on the first `depth_levels` bid levels.
    DepthBid,
    /// `ln(1 + lots)` resting on the first `depth_levels` ask levels.
    DepthAsk,
    /// Quantity-weighted distance of the first `depth_levels` bid levels from the mid, bps.
    SlopeBidBps,
    /// Quantity-weighted distance of the first `depth_levels` ask levels from the mid, bps.
    SlopeAskBps,
    /// Order-flow imbalance over the last `event_windows[0]` book events, in touch depths.
    OfiE0,
    /// Order-flow imbalance over the last `event_windows[1]` book events, in touch depths.
    OfiE1,
    /// Order-flow imbalance over the last `time_windows_ms[0]`, in touch depths.
    OfiT0,
    /// Order-flow imbalance over the last `time_windows_ms[1]`, in touch depths.
    OfiT1,
    /// Order-flow imbalance over the last `time_windows_ms[2]`, in touch depths.
    OfiT2,
    /// Mid log return over the last `event_windows[0]` book events, in bps.
    RetE0Bps,
    /// Mid log return over the last `event_windows[1]` book events, in bps.
    RetE1Bps,
    /// Mid log return over the last `time_windows_ms[0]`, in bps.
    RetT0Bps,
    /// Mid log return over the last `time_windows_ms[1]`, in bps.
    RetT1Bps,
    /// Mid log return over the last `time_windows_ms[2]`, in bps.
    RetT2Bps,
    /// Realised volatility of the mid over the last `event_windows[0]` book events, in bps.
    RvE0Bps,
    /// Realised volatility of the mid over the last `event_windows[1]` book events, in bps.
    RvE1Bps,
    /// Realised volatility of the mid over the last `time_windows_ms[0]`, in bps.
    RvT0Bps,
    /// Realised volatility of the mid over the last `time_windows_ms[1]`, in bps.
    RvT1Bps,
    /// Realised volatility of the mid over the last `time_windows_ms[2]`, in bps.
    RvT2Bps,
    /// Signed log of the net aggressor volume over the last `time_windows_ms[0]`.
    SignedVolT0,
    /// Signed log of the net aggressor volume over the last `time_windows_ms[1]`.
    SignedVolT1,
    /// Signed log of the net aggressor volume over the last `time_windows_ms[2]`.
    SignedVolT2,
    /// Buy minus sell trade count over their sum, last `time_windows_ms[0]`, in [-1, 1].
    TradeImbT0,
    /// Buy minus sell trade count over their sum, last `time_windows_ms[1]`, in [-1, 1].
    TradeImbT1,
    /// Buy minus sell trade count over their sum, last `time_windows_ms[2]`, in [-1, 1].
    TradeImbT2,
    /// Trade VWAP over the last `vwap_window_ms` minus the mid, over the mid, in bps.
    VwapMidBps,
    /// Seconds since the last trade, capped at `max_trade_age_ms`.
    TimeSinceTradeS,
}

impl Feature {
    /// Every feature, in vector order.
    pub const ALL: [Feature; NUM_FEATURES] = [
        Feature::SpreadBps,
        Feature::MicroMidBps,
        Feature::BookTwoSided,
        Feature::Imbalance0,
        Feature::Imbalance1,
        Feature::Imbalance2,
        Feature::Imbalance3,
        Feature::DepthBid,
        Feature::DepthAsk,
        Feature::SlopeBidBps,
        Feature::SlopeAskBps,
        Feature::OfiE0,
        Feature::OfiE1,
        Feature::OfiT0,
        Feature::OfiT1,
        Feature::OfiT2,
        Feature::RetE0Bps,
        Feature::RetE1Bps,
        Feature::RetT0Bps,
        Feature::RetT1Bps,
        Feature::RetT2Bps,
        Feature::RvE0Bps,
        Feature::RvE1Bps,
        Feature::RvT0Bps,
        Feature::RvT1Bps,
        Feature::RvT2Bps,
        Feature::SignedVolT0,
        Feature::SignedVolT1,
        Feature::SignedVolT2,
        Feature::TradeImbT0,
        Feature::TradeImbT1,
        Feature::TradeImbT2,
        Feature::VwapMidBps,
        Feature::TimeSinceTradeS,
    ];

    /// The feature's position in the vector.
    #[inline]
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The feature's name in [`FEATURE_NAMES`].
    pub const fn name(self) -> &'static str {
        FEATURE_NAMES[self as usize]
    }

    /// The feature with this name.
    pub fn from_name(name: &str) -> Option<Feature> {
        Feature::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// FNV-1a, 64 bit: a tiny hash whose value is fixed by its definition, so it is the same on
/// every platform, build and Rust version (unlike `std::hash`).
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a64(u64);

impl Fnv1a64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    /// A fresh hasher.
    pub const fn new() -> Self {
        Fnv1a64(Self::OFFSET)
    }

    /// Feeds bytes.
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(Self::PRIME);
        }
    }

    /// The hash of everything fed so far.
    pub const fn finish(self) -> u64 {
        self.0
    }
}

impl Default for Fnv1a64 {
    fn default() -> Self {
        Self::new()
    }
}

/// The schema hash of `config`: FNV-1a 64 over [`SCHEMA_VERSION`], the names in order and
/// every configuration field, each written as a `\n`-terminated text line.
pub fn schema_hash(config: &FeatureConfig) -> u64 {
    let mut h = Fnv1a64::new();
    let mut line = |text: &str| {
        h.write(text.as_bytes());
        h.write(b"\n");
    };
    line(SCHEMA_VERSION);
    for name in FEATURE_NAMES {
        line(name);
    }
    line(&format!("imbalance_levels={:?}", config.imbalance_levels));
    line(&format!("depth_levels={}", config.depth_levels));
    line(&format!("event_windows={:?}", config.event_windows));
    line(&format!("time_windows_ms={:?}", config.time_windows_ms));
    line(&format!("vwap_window_ms={}", config.vwap_window_ms));
    line(&format!("max_trade_age_ms={}", config.max_trade_age_ms));
    line(&format!("max_window_samples={}", config.max_window_samples));
    h.finish()
}

/// The names with their slots resolved against `config`, e.g. `ofi_t0 (1000 ms)`, for
/// reports and model metadata.
pub fn labels(config: &FeatureConfig) -> Vec<String> {
    Feature::ALL
        .into_iter()
        .map(|f| match parameter(f, config) {
            Some(p) => format!("{} ({p})", f.name()),
            None => f.name().to_owned(),
        })
        .collect()
}

fn parameter(f: Feature, c: &FeatureConfig) -> Option<String> {
    use Feature::*;
    let levels = |n: usize| format!("{n} levels");
    let events = |n: usize| format!("{n} events");
    let ms = |n: u64| format!("{n} ms");
    Some(match f {
        Imbalance0 => levels(c.imbalance_levels[0]),
        Imbalance1 => levels(c.imbalance_levels[1]),
        Imbalance2 => levels(c.imbalance_levels[2]),
        Imbalance3 => levels(c.imbalance_levels[3]),
        DepthBid | DepthAsk | SlopeBidBps | SlopeAskBps => levels(c.depth_levels),
        OfiE0 | RetE0Bps | RvE0Bps => events(c.event_windows[0]),
        OfiE1 | RetE1Bps | RvE1Bps => events(c.event_windows[1]),
        OfiT0 | RetT0Bps | RvT0Bps | SignedVolT0 | TradeImbT0 => ms(c.time_windows_ms[0]),
        OfiT1 | RetT1Bps | RvT1Bps | SignedVolT1 | TradeImbT1 => ms(c.time_windows_ms[1]),
        OfiT2 | RetT2Bps | RvT2Bps | SignedVolT2 | TradeImbT2 => ms(c.time_windows_ms[2]),
        VwapMidBps => ms(c.vwap_window_ms),
        TimeSinceTradeS => format!("cap {} ms", c.max_trade_age_ms),
        SpreadBps | MicroMidBps | BookTwoSided => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_names_agree() {
        for (i, f) in Feature::ALL.into_iter().enumerate() {
            assert_eq!(f.index(), i);
            assert_eq!(Feature::from_name(f.name()), Some(f));
        }
        let mut names = FEATURE_NAMES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), NUM_FEATURES);
        assert_eq!(Feature::from_name("nope"), None);
    }

    #[test]
    fn fnv_reference_values() {
        // Published FNV-1a 64 test vectors.
        let hash = |s: &str| {
            let mut h = Fnv1a64::new();
            h.write(s.as_bytes());
            h.finish()
        };
        assert_eq!(hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash("foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn labels_resolve_slots() {
        let l = labels(&FeatureConfig::default());
        assert_eq!(l[Feature::SpreadBps.index()], "spread_bps");
        assert_eq!(l[Feature::Imbalance3.index()], "imbalance_3 (10 levels)");
        assert_eq!(l[Feature::OfiT0.index()], "ofi_t0 (1000 ms)");
        assert_eq!(l[Feature::RvE1Bps.index()], "rv_e1_bps (100 events)");
    }
}
