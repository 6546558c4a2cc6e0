//! [`QuoteParams`]: every tunable of the quoting strategy, checked once when built.

use super::QuoteParamsError;
use serde::{Deserialize, Serialize};

/// The quoting strategy's parameters for one market.
///
/// Units: `_bps` are basis points of the mid; `_lots` are lots of the market's spec; γ is per
/// basis point and κ per basis point of distance from the mid, so the same values suit markets
/// with very different tick sizes. Built through [`QuoteParams::validate`] or deserialised
/// (which runs the same checks); missing fields take their [`Default`] value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(try_from = "RawQuoteParams", into = "RawQuoteParams")]
pub struct QuoteParams(RawQuoteParams);

/// Which closed form prices the reservation offset and the half-spread; everything after it
/// (prediction skew, widenings, cap, ticks, touch, sizes) is shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteModel {
    /// Avellaneda–Stoikov with a rolling horizon `horizon_secs`
    /// ([`AvellanedaStoikov`](super::AvellanedaStoikov)): uses γ, σ, τ and κ. The default.
    #[default]
    AvellanedaStoikov,
    /// Guéant–Lehalle–Fernandez-Tapia's closed-form approximation ([`Glft`](super::Glft)):
    /// uses γ, σ, κ and the trade arrival rate A (`a_*`), no horizon.
    Glft,
}

/// The unchecked form of [`QuoteParams`]; see the field docs there through the accessors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawQuoteParams {
    /// The pricing model: `avellaneda_stoikov` (the default) or `glft`.
    pub model: QuoteModel,
    /// Risk aversion γ, per bps (> 0).
    pub gamma: f64,
    /// The Avellaneda–Stoikov horizon τ = T − t in seconds (> 0), held constant (a rolling
    /// horizon): the time over which inventory risk is priced.
    pub horizon_secs: f64,
    /// Half-life of the EWMA of squared per-second log-returns, in seconds (> 0).
    pub sigma_halflife_secs: f64,
    /// Shortest interval between two mid samples of the σ estimator, in milliseconds (≥ 1).
    pub sigma_min_interval_ms: u64,
    /// σ used until `sigma_min_samples` returns were seen, in bps per √s (> 0).
    pub sigma_default_bps: f64,
    /// Lowest σ ever reported, in bps per √s (> 0, ≤ default).
    pub sigma_floor_bps: f64,
    /// Highest σ ever reported, in bps per √s (≥ default).
    pub sigma_cap_bps: f64,
    /// Returns needed before the estimate replaces the default.
    pub sigma_min_samples: u32,
    /// Weight of each new trade in the EWMA of trade distances from the mid (0 < α ≤ 1).
    pub kappa_alpha: f64,
    /// κ used until `kappa_min_samples` trades were seen, per bps (> 0).
    pub kappa_default: f64,
    /// Lowest κ reported, per bps (> 0).
    pub kappa_min: f64,
    /// Highest κ reported, per bps (≥ `kappa_min`).
    pub kappa_max: f64,
    /// Trades needed before the estimate replaces the default.
    pub kappa_min_samples: u32,
    /// Weight of each new inter-trade interval in the EWMA behind the trade arrival rate A
    /// (0 < α ≤ 1); A is used by the `glft` model.
    pub a_alpha: f64,
    /// A used until `a_min_samples` intervals were seen, in trades per second (> 0).
    pub a_default: f64,
    /// Lowest A reported, in trades per second (> 0).
    pub a_min: f64,
    /// Highest A reported, in trades per second (≥ `a_min`).
    pub a_max: f64,
    /// Inter-trade intervals needed before the estimate of A replaces the default.
    pub a_min_samples: u32,
    /// Multiple of the prediction's expected move (bps) added to the reservation price (≥ 0).
    pub skew_multiple: f64,
    /// Largest prediction skew applied, in bps (≥ 0).
    pub max_skew_bps: f64,
    /// Half-spread widening per unit of normalised prediction entropy: × (1 + this × H) (≥ 0).
    pub entropy_widen: f64,
    /// Half-spread widening per unit of σ above `vol_ref_bps`:
    /// × (1 + this × max(0, σ / ref − 1)) (≥ 0).
    pub vol_widen: f64,
    /// The σ at and below which no volatility widening applies, in bps per √s (> 0).
    pub vol_ref_bps: f64,
    /// Half-spread multiple used without a fresh prediction (≥ 1).
    pub stale_widen: f64,
    /// Levels per side (1 to 20).
    pub levels: usize,
    /// Distance between consecutive levels of a side, in bps (> 0; at least one tick is used).
    pub level_spacing_bps: f64,
    /// Size of the first level, in lots (> 0).
    pub base_size_lots: i64,
    /// Size growth per level: level `i` is `base × (1 + growth × i)` (≥ 0).
    pub size_ladder_growth: f64,
    /// Size reduction of the side that grows inventory per unit of `|position| / limit`: its
    /// sizes are × max(0, 1 − this × |q| / `inventory_limit_lots`) (≥ 0).
    pub size_skew: f64,
    /// The inventory scale for size skew, in lots (> 0).
    pub inventory_limit_lots: i64,
    /// Smallest distance between our best bid and best ask, in bps (≥ 0; at least one tick).
    pub min_spread_bps: f64,
    /// Farthest our best bid or ask may be from the mid, in bps (> 0; `min_spread_bps` wins
    /// when wider). Bounds the closed form where σ or the inventory term blow up (a coarse
    /// tick makes σ of a few hundred ms noisy), so quotes stay where they can trade.
    pub max_quote_offset_bps: f64,
    /// Inventory value beyond this fraction of the notional traded widens the side that
    /// grows it (≥ 0).
    pub inventory_fraction: f64,
    /// How much that side is widened, in bps (≥ 0).
    pub inventory_widen_bps: f64,
    /// Smallest distance between our best bid and best ask, in ticks (≥ 1): the floor of
    /// touch quoting, which may go inside `min_spread_bps`.
    pub min_spread_ticks: i64,
    /// Touch quoting: put the first level of a side at the others' best price (join) or one
    /// tick inside it (improve, where their spread leaves room) when the expected edge of a
    /// fill there ([`fill_edge_bps`](crate::strategy::fill_edge_bps): distance from the mid,
    /// the calibrated expected move, the adverse move after a fill, the maker fee) is at least
    /// `touch_min_edge_bps`; else the model's price. Never less aggressive than the model.
    pub join_touch: bool,
    /// The least expected edge of a touch fill, in bps (finite; may be negative).
    pub touch_min_edge_bps: f64,
    /// Horizon of the adverse-move estimate: the mid's move this long after a public trade,
    /// in milliseconds (≥ 1).
    pub adverse_horizon_ms: u64,
    /// Weight of each new markout in the adverse-move EWMA (0 < α ≤ 1).
    pub adverse_alpha: f64,
    /// Markouts of public trades a side needs before touch quoting uses its estimate.
    pub adverse_min_samples: u32,
    /// How many of our own fills the public trades' adverse estimate weighs as: our fills'
    /// markouts take over as they outnumber it.
    pub adverse_prior_fills: u32,
    /// Learn the public trades' adverse move apart by the filled side's
    /// [`QueueBalance`](crate::strategy::QueueBalance) (thin, even or thick against the other
    /// side's touch), and price a touch order with its queue's balance now.
    pub adverse_by_balance: bool,
    /// Whether the side that reduces an inventory beyond `inventory_fraction` of the traded
    /// notional joins the others' best price whatever its expected edge (with or without
    /// `join_touch`): inventory risk traded for a touch fill.
    pub unwind_at_touch: bool,
    /// The adverse-selection filter: a side is not quoted while a fresh prediction gives a
    /// move through it (down for bids, up for asks) a probability above this (0 < p ≤ 1;
    /// 1 never pulls).
    pub pull_probability: f64,
    /// Most re-quotes per second (> 0): QUOTE_FREQUENCY_HZ.
    pub quote_frequency_hz: f64,
    /// A level re-quotes when its price moves by more than this many ticks (≥ 0).
    pub requote_tolerance_ticks: i64,
    /// A level re-quotes when its size changes by more than this fraction of the target (≥ 0).
    pub requote_size_tolerance: f64,
}

impl Default for RawQuoteParams {
    fn default() -> Self {
        RawQuoteParams {
            model: QuoteModel::AvellanedaStoikov,
            gamma: 0.1,
            horizon_secs: 10.0,
            sigma_halflife_secs: 30.0,
            sigma_min_interval_ms: 100,
            sigma_default_bps: 2.0,
            sigma_floor_bps: 0.2,
            sigma_cap_bps: 500.0,
            sigma_min_samples: 20,
            kappa_alpha: 0.05,
            kappa_default: 0.5,
            kappa_min: 0.01,
            kappa_max: 100.0,
            kappa_min_samples: 20,
            a_alpha: 0.05,
            a_default: 1.0,
            a_min: 0.01,
            a_max: 1_000.0,
            a_min_samples: 20,
            skew_multiple: 0.5,
            max_skew_bps: 20.0,
            entropy_widen: 0.5,
            vol_widen: 0.5,
            vol_ref_bps: 2.0,
            stale_widen: 1.5,
            levels: 3,
            level_spacing_bps: 2.0,
            base_size_lots: 10,
            size_ladder_growth: 0.5,
            size_skew: 1.0,
            inventory_limit_lots: 1_000,
            min_spread_bps: 4.0,
            max_quote_offset_bps: 50.0,
            inventory_fraction: 0.02,
            inventory_widen_bps: 5.0,
            min_spread_ticks: 1,
            join_touch: false,
            touch_min_edge_bps: 0.0,
            adverse_horizon_ms: 1_000,
            adverse_alpha: 0.02,
            adverse_min_samples: 50,
            adverse_prior_fills: 10,
            adverse_by_balance: false,
            unwind_at_touch: false,
            pull_probability: 1.0,
            quote_frequency_hz: 5.0,
            requote_tolerance_ticks: 1,
            requote_size_tolerance: 0.2,
        }
    }
}

impl TryFrom<RawQuoteParams> for QuoteParams {
    type Error = QuoteParamsError;

    fn try_from(raw: RawQuoteParams) -> Result<Self, Self::Error> {
        QuoteParams::validate(raw)
    }
}

impl From<QuoteParams> for RawQuoteParams {
    fn from(p: QuoteParams) -> Self {
        p.0
    }
}

/// Refuses `value` unless it is finite and `ok(value)`.
fn check_f64(
    field: &'static str,
    value: f64,
    ok: bool,
    expected: &'static str,
) -> Result<(), QuoteParamsError> {
    if value.is_finite() && ok {
        Ok(())
    } else {
        Err(out_of_range(field, value, expected))
    }
}

/// Checks an EWMA estimator's `[alpha, min, max, default]`, named `fields`: a weight in
/// (0, 1], a positive floor, a cap at or above it (`expected[0]`), a default within them
/// (`expected[1]`).
fn check_estimator(
    fields: [&'static str; 4],
    [alpha, min, max, default]: [f64; 4],
    expected: [&'static str; 2],
) -> Result<(), QuoteParamsError> {
    check_f64(fields[0], alpha, alpha > 0.0 && alpha <= 1.0, "in (0, 1]")?;
    check_f64(fields[1], min, min > 0.0, "a finite number > 0")?;
    check_f64(fields[2], max, max >= min, expected[0])?;
    check_f64(
        fields[3],
        default,
        default >= min && default <= max,
        expected[1],
    )
}

fn out_of_range(
    field: &'static str,
    value: impl ToString,
    expected: &'static str,
) -> QuoteParamsError {
    QuoteParamsError::OutOfRange {
        field,
        value: value.to_string(),
        expected,
    }
}

impl QuoteParams {
    /// The most levels per side allowed.
    pub const MAX_LEVELS: usize = 20;

    /// Checks every parameter and wraps them.
    pub fn validate(r: RawQuoteParams) -> Result<Self, QuoteParamsError> {
        const POS: &str = "a finite number > 0";
        const NONNEG: &str = "a finite number >= 0";
        check_f64("gamma", r.gamma, r.gamma > 0.0, POS)?;
        check_f64("horizon_secs", r.horizon_secs, r.horizon_secs > 0.0, POS)?;
        let hl = r.sigma_halflife_secs;
        check_f64("sigma_halflife_secs", hl, hl > 0.0, POS)?;
        if r.sigma_min_interval_ms == 0 {
            return Err(out_of_range("sigma_min_interval_ms", 0, ">= 1"));
        }
        let floor = r.sigma_floor_bps;
        check_f64("sigma_floor_bps", floor, floor > 0.0, POS)?;
        let def = r.sigma_default_bps;
        check_f64(
            "sigma_default_bps",
            def,
            def >= floor,
            "a finite number >= sigma_floor_bps",
        )?;
        let cap = r.sigma_cap_bps;
        check_f64(
            "sigma_cap_bps",
            cap,
            cap >= def,
            "a finite number >= sigma_default_bps",
        )?;
        check_estimator(
            ["kappa_alpha", "kappa_min", "kappa_max", "kappa_default"],
            [r.kappa_alpha, r.kappa_min, r.kappa_max, r.kappa_default],
            [
                "a finite number >= kappa_min",
                "within [kappa_min, kappa_max]",
            ],
        )?;
        check_estimator(
            ["a_alpha", "a_min", "a_max", "a_default"],
            [r.a_alpha, r.a_min, r.a_max, r.a_default],
            ["a finite number >= a_min", "within [a_min, a_max]"],
        )?;
        for (field, v) in [
            ("skew_multiple", r.skew_multiple),
            ("max_skew_bps", r.max_skew_bps),
            ("entropy_widen", r.entropy_widen),
            ("vol_widen", r.vol_widen),
            ("size_ladder_growth", r.size_ladder_growth),
            ("size_skew", r.size_skew),
            ("min_spread_bps", r.min_spread_bps),
            ("inventory_fraction", r.inventory_fraction),
            ("inventory_widen_bps", r.inventory_widen_bps),
            ("requote_size_tolerance", r.requote_size_tolerance),
        ] {
            check_f64(field, v, v >= 0.0, NONNEG)?;
        }
        check_f64("vol_ref_bps", r.vol_ref_bps, r.vol_ref_bps > 0.0, POS)?;
        let mo = r.max_quote_offset_bps;
        check_f64("max_quote_offset_bps", mo, mo > 0.0, POS)?;
        check_f64(
            "stale_widen",
            r.stale_widen,
            r.stale_widen >= 1.0,
            "a finite number >= 1",
        )?;
        if r.levels == 0 || r.levels > Self::MAX_LEVELS {
            return Err(out_of_range("levels", r.levels, "1 to 20"));
        }
        let sp = r.level_spacing_bps;
        check_f64("level_spacing_bps", sp, sp > 0.0, POS)?;
        if r.base_size_lots <= 0 {
            return Err(out_of_range("base_size_lots", r.base_size_lots, ">= 1"));
        }
        if r.inventory_limit_lots <= 0 {
            return Err(out_of_range(
                "inventory_limit_lots",
                r.inventory_limit_lots,
                ">= 1",
            ));
        }
        if r.min_spread_ticks < 1 {
            return Err(out_of_range("min_spread_ticks", r.min_spread_ticks, ">= 1"));
        }
        check_f64(
            "touch_min_edge_bps",
            r.touch_min_edge_bps,
            true,
            "a finite number",
        )?;
        if r.adverse_horizon_ms == 0 {
            return Err(out_of_range("adverse_horizon_ms", 0, ">= 1"));
        }
        let adv = r.adverse_alpha;
        check_f64("adverse_alpha", adv, adv > 0.0 && adv <= 1.0, "in (0, 1]")?;
        let pp = r.pull_probability;
        check_f64("pull_probability", pp, pp > 0.0 && pp <= 1.0, "in (0, 1]")?;
        let hz = r.quote_frequency_hz;
        check_f64("quote_frequency_hz", hz, hz > 0.0, POS)?;
        if r.requote_tolerance_ticks < 0 {
            return Err(out_of_range(
                "requote_tolerance_ticks",
                r.requote_tolerance_ticks,
                ">= 0",
            ));
        }
        Ok(QuoteParams(r))
    }

    /// The checked values.
    pub fn values(&self) -> &RawQuoteParams {
        &self.0
    }

    /// The shortest interval between two re-quotes, in nanoseconds (at least 1).
    pub fn min_requote_interval_ns(&self) -> i64 {
        let ns = 1e9 / self.0.quote_frequency_hz;
        if ns >= i64::MAX as f64 {
            i64::MAX
        } else {
            (ns.ceil() as i64).max(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_serde_round_trips() {
        let p = QuoteParams::validate(RawQuoteParams::default()).unwrap();
        assert_eq!(p, QuoteParams::default());
        assert_eq!(p.values().levels, 3);
        assert_eq!(p.min_requote_interval_ns(), 200_000_000);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<QuoteParams>(&json).unwrap(), p);
        let partial: QuoteParams = serde_json::from_str(r#"{"gamma":0.3,"levels":5}"#).unwrap();
        assert_eq!((partial.values().gamma, partial.values().levels), (0.3, 5));
        assert_eq!(partial.values().model, QuoteModel::AvellanedaStoikov);
    }

    #[test]
    fn model_by_name_in_json_and_toml() {
        let p: QuoteParams = serde_json::from_str(r#"{"model":"glft","a_default":2.0}"#).unwrap();
        assert_eq!(
            (p.values().model, p.values().a_default),
            (QuoteModel::Glft, 2.0)
        );
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["model"], "glft");
        let p: QuoteParams = toml::from_str("model = \"avellaneda_stoikov\"").unwrap();
        assert_eq!(p.values().model, QuoteModel::AvellanedaStoikov);
        let text = toml::to_string(&RawQuoteParams {
            model: QuoteModel::Glft,
            ..RawQuoteParams::default()
        })
        .unwrap();
        assert!(text.contains("model = \"glft\""), "{text}");
        assert!(serde_json::from_str::<QuoteParams>(r#"{"model":"GLFT"}"#).is_err());
        assert!(serde_json::from_str::<QuoteParams>(r#"{"model":"nope"}"#).is_err());
    }

    /// A parameter name and a change that makes it invalid.
    type BadCase = (&'static str, Box<dyn Fn(&mut RawQuoteParams)>);

    #[test]
    fn refuses_each_bad_value() {
        let cases: Vec<BadCase> = vec![
            ("gamma", Box::new(|r| r.gamma = 0.0)),
            ("gamma", Box::new(|r| r.gamma = f64::NAN)),
            ("horizon_secs", Box::new(|r| r.horizon_secs = -1.0)),
            (
                "sigma_min_interval_ms",
                Box::new(|r| r.sigma_min_interval_ms = 0),
            ),
            ("sigma_default_bps", Box::new(|r| r.sigma_default_bps = 0.1)),
            ("sigma_cap_bps", Box::new(|r| r.sigma_cap_bps = 1.0)),
            ("kappa_alpha", Box::new(|r| r.kappa_alpha = 1.5)),
            ("kappa_default", Box::new(|r| r.kappa_default = 1000.0)),
            ("a_alpha", Box::new(|r| r.a_alpha = 0.0)),
            ("a_alpha", Box::new(|r| r.a_alpha = f64::NAN)),
            ("a_min", Box::new(|r| r.a_min = 0.0)),
            ("a_max", Box::new(|r| r.a_max = 0.001)),
            ("a_max", Box::new(|r| r.a_max = f64::INFINITY)),
            ("a_default", Box::new(|r| r.a_default = 5_000.0)),
            ("a_default", Box::new(|r| r.a_default = 0.001)),
            ("skew_multiple", Box::new(|r| r.skew_multiple = -0.1)),
            ("stale_widen", Box::new(|r| r.stale_widen = 0.9)),
            ("levels", Box::new(|r| r.levels = 0)),
            ("levels", Box::new(|r| r.levels = 21)),
            ("base_size_lots", Box::new(|r| r.base_size_lots = 0)),
            (
                "inventory_limit_lots",
                Box::new(|r| r.inventory_limit_lots = -5),
            ),
            (
                "quote_frequency_hz",
                Box::new(|r| r.quote_frequency_hz = f64::INFINITY),
            ),
            (
                "requote_tolerance_ticks",
                Box::new(|r| r.requote_tolerance_ticks = -1),
            ),
            ("min_spread_ticks", Box::new(|r| r.min_spread_ticks = 0)),
            (
                "touch_min_edge_bps",
                Box::new(|r| r.touch_min_edge_bps = f64::NAN),
            ),
            ("adverse_horizon_ms", Box::new(|r| r.adverse_horizon_ms = 0)),
            ("adverse_alpha", Box::new(|r| r.adverse_alpha = 0.0)),
            ("pull_probability", Box::new(|r| r.pull_probability = 1.5)),
        ];
        for (field, change) in cases {
            let mut r = RawQuoteParams::default();
            change(&mut r);
            match QuoteParams::validate(r) {
                Err(QuoteParamsError::OutOfRange { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        assert!(serde_json::from_str::<QuoteParams>(r#"{"levels":0}"#).is_err());
        assert!(serde_json::from_str::<QuoteParams>(r#"{"nope":1}"#).is_err());
    }
}
