//! Model drift: the live hit rate of the predictions (published by inference) below a floor
//! over its rolling window trips the kill switch.

use super::{GuardLimits, RiskViolation};
use rust_decimal::Decimal;

/// The violation when `hit_rate` (over `samples` scored outcomes) is under the floor; `None`
/// while the rate is unknown or covers fewer than `drift_min_samples` outcomes.
pub fn check_drift(
    limits: &GuardLimits,
    hit_rate: Option<f64>,
    samples: u64,
) -> Option<RiskViolation> {
    let rate = hit_rate.filter(|r| r.is_finite())?;
    if samples < limits.drift_min_samples || rate >= limits.drift_hit_rate_floor {
        return None;
    }
    Some(RiskViolation::ModelDrift {
        hit_rate: Decimal::from_f64_retain(rate)
            .unwrap_or_default()
            .round_dp(4),
        floor: Decimal::from_f64_retain(limits.drift_hit_rate_floor)
            .unwrap_or_default()
            .round_dp(4),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::fixture::guard_limits;
    use crate::risk::RiskViolationKind;

    #[test]
    fn trips_below_floor_once_enough_samples() {
        let l = guard_limits();
        assert_eq!(check_drift(&l, None, 1_000), None);
        assert_eq!(check_drift(&l, Some(0.30), 99), None, "too few outcomes");
        assert_eq!(
            check_drift(&l, Some(0.45), 500),
            None,
            "at the floor passes"
        );
        let v = check_drift(&l, Some(0.40), 100).unwrap();
        assert_eq!(v.kind(), RiskViolationKind::ModelDrift);
        assert_eq!(check_drift(&l, Some(f64::NAN), 500), None);
    }
}
