//! [`Grid`]: named quoting parameters, each with a list of values, and their cartesian
//! product as [`ParamSet`]s.

use std::collections::BTreeMap;

use flashmm_core::strategy::{QuoteParams, RawQuoteParams};
use serde_json::Value;

use super::TuneError;

/// Parameters a grid may not name: the sizes, which come from notionals at the first mid.
pub const SIZE_PARAMS: [&str; 2] = ["base_size_lots", "inventory_limit_lots"];

/// Named `QuoteParams` fields, each with the values to try. Names in sorted order; the sets
/// are enumerated with the last name varying fastest.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    axes: Vec<(String, Vec<Value>)>,
    len: usize,
}

/// One parameter set of a grid: field name → value, applied over a quoting template.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParamSet(pub BTreeMap<String, Value>);

impl Grid {
    /// The default largest number of sets a grid may have.
    pub const DEFAULT_MAX_SETS: usize = 10_000;

    /// A grid of `axes`; refuses unknown or size fields, empty lists and more than
    /// `max_sets` sets.
    pub fn new(axes: BTreeMap<String, Vec<Value>>, max_sets: usize) -> Result<Self, TuneError> {
        let known = serde_json::to_value(RawQuoteParams::default())
            .map_err(|e| TuneError::Grid(e.to_string()))?;
        let mut len: usize = 1;
        for (name, values) in &axes {
            if known.get(name).is_none() {
                return Err(TuneError::Grid(format!(
                    "{name} is not a quoting parameter (a field of QuoteParams)"
                )));
            }
            if SIZE_PARAMS.contains(&name.as_str()) {
                return Err(TuneError::Grid(format!(
                    "{name} cannot be tuned: sizes come from level_notional_usdc and \
                     max_position_usdc"
                )));
            }
            if values.is_empty() {
                return Err(TuneError::Grid(format!("{name} has no values")));
            }
            len = len
                .checked_mul(values.len())
                .filter(|n| *n <= max_sets)
                .ok_or_else(|| {
                    TuneError::Grid(format!("more than {max_sets} parameter sets (--max-sets)"))
                })?;
        }
        Ok(Grid {
            axes: axes.into_iter().collect(),
            len,
        })
    }

    /// Parses a grid from a JSON object of lists (the CLI turns its TOML file into one).
    pub fn from_value(value: Value, max_sets: usize) -> Result<Self, TuneError> {
        let axes: BTreeMap<String, Vec<Value>> = serde_json::from_value(value)
            .map_err(|e| TuneError::Grid(format!("expected `name = [values...]` entries: {e}")))?;
        Self::new(axes, max_sets)
    }

    /// The number of sets (1 for an empty grid: the template itself).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the grid has no sets (never: an empty grid has the template).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The parameter names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.axes.iter().map(|(n, _)| n.as_str())
    }

    /// Set `index` (0-based, `< len()`), the last name varying fastest.
    pub fn set(&self, index: usize) -> ParamSet {
        let mut rest = index;
        let mut out = BTreeMap::new();
        for (name, values) in self.axes.iter().rev() {
            let n = values.len().max(1);
            if let Some(v) = values.get(rest % n) {
                out.insert(name.clone(), v.clone());
            }
            rest /= n;
        }
        ParamSet(out)
    }

    /// Every set, in order.
    pub fn sets(&self) -> Vec<ParamSet> {
        (0..self.len).map(|i| self.set(i)).collect()
    }
}

impl ParamSet {
    /// `template` with this set's values; checked as `QuoteParams`.
    pub fn apply(&self, template: &RawQuoteParams) -> Result<RawQuoteParams, TuneError> {
        let mut value =
            serde_json::to_value(template).map_err(|e| TuneError::Grid(e.to_string()))?;
        if let Value::Object(map) = &mut value {
            for (k, v) in &self.0 {
                map.insert(k.clone(), v.clone());
            }
        }
        let raw: RawQuoteParams = serde_json::from_value(value)
            .map_err(|e| TuneError::Grid(format!("set {}: {e}", self.label())))?;
        QuoteParams::validate(raw.clone())
            .map_err(|e| TuneError::Grid(format!("set {}: {e}", self.label())))?;
        Ok(raw)
    }

    /// `name=value` pairs, comma-separated (`template` when empty).
    pub fn label(&self) -> String {
        if self.0.is_empty() {
            return "template".to_owned();
        }
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn product_order_and_limits() {
        let g = Grid::from_value(
            json!({"skew_multiple": [0.0, 1.0], "max_skew_bps": [1.0, 2.0, 3.0]}),
            10,
        )
        .unwrap();
        assert_eq!(g.len(), 6);
        assert_eq!(
            g.names().collect::<Vec<_>>(),
            ["max_skew_bps", "skew_multiple"]
        );
        assert_eq!(g.set(0).label(), "max_skew_bps=1.0,skew_multiple=0.0");
        assert_eq!(g.set(1).label(), "max_skew_bps=1.0,skew_multiple=1.0");
        assert_eq!(g.set(5).label(), "max_skew_bps=3.0,skew_multiple=1.0");
        let raw = g.set(5).apply(&RawQuoteParams::default()).unwrap();
        assert_eq!((raw.max_skew_bps, raw.skew_multiple), (3.0, 1.0));
        assert!(Grid::from_value(json!({"a": [1], "skew_multiple": [1.0]}), 10).is_err());
        assert!(Grid::from_value(json!({"base_size_lots": [1]}), 10).is_err());
        assert!(Grid::from_value(json!({"gamma": []}), 10).is_err());
        assert!(Grid::from_value(json!({"gamma": [0.1, 0.2], "levels": [1, 2]}), 3).is_err());
        let bad = Grid::from_value(json!({"gamma": [-1.0]}), 10).unwrap();
        assert!(bad.set(0).apply(&RawQuoteParams::default()).is_err());
        assert_eq!(Grid::from_value(json!({}), 10).unwrap().len(), 1);
    }
}
