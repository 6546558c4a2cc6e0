//! [`FeatureConfig`]: the windows and book depths the features are computed over.

use crate::error::FeatureError;
use serde::{Deserialize, Serialize};

/// Parameters of the feature set. Every field enters the schema hash, so a model trained
/// with one configuration refuses vectors computed with another.
///
/// The number of windows of each kind is fixed (it is part of the feature order); their
/// lengths are free within the limits [`FeatureConfig::validate`] checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeatureConfig {
    /// Book depths (levels per side) of the four imbalance features, strictly ascending.
    pub imbalance_levels: [usize; 4],
    /// Levels per side summed by the depth and slope features.
    pub depth_levels: usize,
    /// Event-time windows, in book events, strictly ascending.
    pub event_windows: [usize; 2],
    /// Wall-time windows, in milliseconds, strictly ascending.
    pub time_windows_ms: [u64; 3],
    /// The VWAP window, in milliseconds.
    pub vwap_window_ms: u64,
    /// Cap on the time-since-last-trade feature (also its value before the first trade),
    /// in milliseconds.
    pub max_trade_age_ms: u64,
    /// Most samples a window buffer holds; the oldest are dropped beyond it, which bounds
    /// memory when events arrive faster than the longest wall-time window can hold.
    pub max_window_samples: usize,
}

impl FeatureConfig {
    /// Longest window accepted, in milliseconds (one day).
    pub const MAX_WINDOW_MS: u64 = 86_400_000;
    /// Deepest book level accepted for imbalance, depth and slope.
    pub const MAX_LEVELS: usize = 1_000;
    /// Largest window buffer accepted, in samples.
    pub const MAX_WINDOW_SAMPLES: usize = 1 << 22;

    /// Checks every field, naming the first one out of range.
    pub fn validate(&self) -> Result<(), FeatureError> {
        let levels = &self.imbalance_levels;
        if levels[0] == 0 || !ascending(levels) || levels[3] > Self::MAX_LEVELS {
            return Err(invalid(
                "imbalance_levels",
                format!(
                    "{levels:?} must be strictly ascending within 1..={}",
                    Self::MAX_LEVELS
                ),
            ));
        }
        if self.depth_levels == 0 || self.depth_levels > Self::MAX_LEVELS {
            return Err(invalid(
                "depth_levels",
                format!(
                    "{} must be within 1..={}",
                    self.depth_levels,
                    Self::MAX_LEVELS
                ),
            ));
        }
        let samples = self.max_window_samples;
        if !(16..=Self::MAX_WINDOW_SAMPLES).contains(&samples) {
            return Err(invalid(
                "max_window_samples",
                format!("{samples} must be within 16..={}", Self::MAX_WINDOW_SAMPLES),
            ));
        }
        let events = &self.event_windows;
        if events[0] == 0 || !ascending(events) || events[1] > samples {
            return Err(invalid(
                "event_windows",
                format!(
                    "{events:?} must be strictly ascending within 1..=max_window_samples ({samples})"
                ),
            ));
        }
        let times = &self.time_windows_ms;
        if times[0] == 0 || !ascending(times) || times[2] > Self::MAX_WINDOW_MS {
            return Err(invalid(
                "time_windows_ms",
                format!(
                    "{times:?} must be strictly ascending within 1..={}",
                    Self::MAX_WINDOW_MS
                ),
            ));
        }
        for (field, ms) in [
            ("vwap_window_ms", self.vwap_window_ms),
            ("max_trade_age_ms", self.max_trade_age_ms),
        ] {
            if ms == 0 || ms > Self::MAX_WINDOW_MS {
                return Err(invalid(
                    field,
                    format!("{ms} must be within 1..={}", Self::MAX_WINDOW_MS),
                ));
            }
        }
        Ok(())
    }

    /// The deepest level any book feature reads.
    pub(crate) fn max_levels(&self) -> usize {
        self.imbalance_levels[3].max(self.depth_levels)
    }
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            imbalance_levels: [1, 3, 5, 10],
            depth_levels: 10,
            event_windows: [10, 100],
            time_windows_ms: [1_000, 5_000, 30_000],
            vwap_window_ms: 5_000,
            max_trade_age_ms: 300_000,
            max_window_samples: 65_536,
        }
    }
}

fn ascending<T: PartialOrd>(values: &[T]) -> bool {
    values.windows(2).all(|w| w[0] < w[1])
}

fn invalid(field: &'static str, reason: String) -> FeatureError {
    FeatureError::InvalidConfig { field, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(cfg: &FeatureConfig) -> Option<&'static str> {
        match cfg.validate() {
            Err(FeatureError::InvalidConfig { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn default_is_valid() {
        assert_eq!(FeatureConfig::default().validate(), Ok(()));
    }

    #[test]
    fn each_bad_field_is_named() {
        let d = FeatureConfig::default;
        let cases: Vec<(FeatureConfig, &str)> = vec![
            (
                FeatureConfig {
                    imbalance_levels: [0, 3, 5, 10],
                    ..d()
                },
                "imbalance_levels",
            ),
            (
                FeatureConfig {
                    imbalance_levels: [1, 5, 5, 10],
                    ..d()
                },
                "imbalance_levels",
            ),
            (
                FeatureConfig {
                    depth_levels: 0,
                    ..d()
                },
                "depth_levels",
            ),
            (
                FeatureConfig {
                    event_windows: [100, 10],
                    ..d()
                },
                "event_windows",
            ),
            (
                FeatureConfig {
                    event_windows: [10, 100_000],
                    ..d()
                },
                "event_windows",
            ),
            (
                FeatureConfig {
                    time_windows_ms: [0, 5_000, 30_000],
                    ..d()
                },
                "time_windows_ms",
            ),
            (
                FeatureConfig {
                    time_windows_ms: [1_000, 5_000, 100_000_000],
                    ..d()
                },
                "time_windows_ms",
            ),
            (
                FeatureConfig {
                    vwap_window_ms: 0,
                    ..d()
                },
                "vwap_window_ms",
            ),
            (
                FeatureConfig {
                    max_trade_age_ms: 0,
                    ..d()
                },
                "max_trade_age_ms",
            ),
            (
                FeatureConfig {
                    max_window_samples: 4,
                    ..d()
                },
                "max_window_samples",
            ),
        ];
        for (cfg, want) in cases {
            assert_eq!(field_of(&cfg), Some(want), "{cfg:?}");
        }
    }

    #[test]
    fn toml_defaults_and_unknown_keys() {
        let cfg: FeatureConfig = toml::from_str("depth_levels = 5").unwrap();
        assert_eq!(cfg.depth_levels, 5);
        assert_eq!(cfg.time_windows_ms, [1_000, 5_000, 30_000]);
        assert!(toml::from_str::<FeatureConfig>("depth = 5").is_err());
    }
}
