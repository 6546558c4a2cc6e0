//! Small numeric helpers that keep every feature finite.

/// Basis points per unit.
pub(crate) const BPS: f64 = 10_000.0;

/// Nanoseconds per millisecond.
pub(crate) use flashmm_core::time::NANOS_PER_MILLI as NANOS_PER_MS;

/// Nanoseconds per second, as a float.
pub(crate) const NANOS_PER_SEC: f64 = flashmm_core::time::NANOS_PER_SEC as f64;

/// `num / den`, or 0 when the denominator is 0 or the quotient is not finite.
#[inline]
pub(crate) fn ratio(num: f64, den: f64) -> f64 {
    let q = num / den;
    if den == 0.0 || !q.is_finite() {
        0.0
    } else {
        q
    }
}

/// `sign(x) · ln(1 + |x|)`: compresses volumes of any scale, odd and monotone.
#[inline]
pub(crate) fn signed_log1p(x: f64) -> f64 {
    x.signum() * x.abs().ln_1p()
}

/// The f32 value of a feature: NaN becomes 0, anything beyond f32's range is clamped.
#[inline]
pub(crate) fn to_feature(x: f64) -> f32 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(f64::from(f32::MIN), f64::from(f32::MAX)) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards() {
        assert_eq!(ratio(1.0, 0.0), 0.0);
        assert_eq!(ratio(0.0, 0.0), 0.0);
        assert_eq!(ratio(3.0, 2.0), 1.5);
        assert_eq!(to_feature(f64::NAN), 0.0);
        assert_eq!(to_feature(f64::INFINITY), f32::MAX);
        assert_eq!(to_feature(-1e300), f32::MIN);
        assert_eq!(signed_log1p(0.0), 0.0);
        assert_eq!(signed_log1p(-(std::f64::consts::E - 1.0)), -1.0);
    }
}
