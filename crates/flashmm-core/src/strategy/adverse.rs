//! [`AdverseSelection`]: how far the mid moves against a resting order after a public trade
//! hits it, estimated online per side from the market's own trades.
//!
//! A passive bid at the touch fills when a seller takes the bid; what that fill is worth is the
//! mid some time later, so the mid's move over `horizon` after each public trade, signed
//! against the resting side (down after a sell aggressor, up after a buy aggressor), is the
//! adverse move a touch order of that side should expect. Each side's estimate is an EWMA of
//! those markouts, in bps of the mid at the trade.

use crate::market::Side;
use crate::time::UnixNanos;
use std::collections::VecDeque;

/// Trades awaiting their markout at most; more are left out until the oldest mature (a burst
/// of trades within one horizon measures one move many times over).
const MAX_PENDING: usize = 1_024;

/// One trade waiting for its horizon.
#[derive(Debug, Clone, Copy)]
struct Pending {
    due: UnixNanos,
    aggressor: Side,
    mid: f64,
}

/// One side's EWMA of markouts.
#[derive(Debug, Clone, Copy, Default)]
struct SideEstimate {
    mean_bps: f64,
    samples: u32,
}

/// Online estimate of the adverse move after a public trade, per aggressor side.
#[derive(Debug, Clone)]
pub struct AdverseSelection {
    horizon_ns: i64,
    alpha: f64,
    min_samples: u32,
    pending: VecDeque<Pending>,
    /// Markouts of trades that sold into the bids (the bid side's adverse move).
    sells: SideEstimate,
    /// Markouts of trades that bought from the asks (the ask side's adverse move).
    buys: SideEstimate,
}

impl AdverseSelection {
    /// An estimator of markouts `horizon_ms` after each trade, each new one weighted `alpha`,
    /// reporting once `min_samples` of a side matured.
    pub fn new(horizon_ms: u64, alpha: f64, min_samples: u32) -> Self {
        AdverseSelection {
            horizon_ns: i64::try_from(horizon_ms)
                .unwrap_or(i64::MAX / 2_000_000)
                .saturating_mul(1_000_000),
            alpha,
            min_samples,
            pending: VecDeque::new(),
            sells: SideEstimate::default(),
            buys: SideEstimate::default(),
        }
    }

    /// A public trade by `aggressor` at `ts`, when the mid was `mid` (ticks).
    pub fn on_trade(&mut self, ts: UnixNanos, aggressor: Side, mid: f64) {
        if self.pending.len() >= MAX_PENDING || mid.is_nan() || mid <= 0.0 {
            return;
        }
        self.pending.push_back(Pending {
            due: UnixNanos(ts.as_i64().saturating_add(self.horizon_ns)),
            aggressor,
            mid,
        });
    }

    /// The mid (ticks) at `now`: matures every trade whose horizon has passed.
    pub fn on_mid(&mut self, now: UnixNanos, mid: f64) {
        while let Some(p) = self.pending.front().copied() {
            if p.due > now {
                break;
            }
            self.pending.pop_front();
            let up_bps = (mid - p.mid) / p.mid * 1e4;
            if !up_bps.is_finite() {
                continue;
            }
            let (estimate, adverse) = match p.aggressor {
                Side::Sell => (&mut self.sells, -up_bps),
                Side::Buy => (&mut self.buys, up_bps),
            };
            estimate.mean_bps = if estimate.samples == 0 {
                adverse
            } else {
                estimate.mean_bps + self.alpha * (adverse - estimate.mean_bps)
            };
            estimate.samples = estimate.samples.saturating_add(1);
        }
    }

    /// The expected adverse move, in bps, of a resting order of `side` filled at the touch
    /// (positive: the mid moves against it); `None` until `min_samples` of the trades that
    /// fill that side matured.
    pub fn adverse_bps(&self, side: Side) -> Option<f64> {
        let e = match side {
            Side::Buy => self.sells,
            Side::Sell => self.buys,
        };
        (e.samples >= self.min_samples).then_some(e.mean_bps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: i64 = 1_000_000_000;

    #[test]
    fn a_sell_followed_by_a_drop_is_adverse_to_bids_only() {
        let mut a = AdverseSelection::new(1_000, 0.5, 2);
        a.on_trade(UnixNanos(0), Side::Sell, 10_000.0);
        a.on_mid(UnixNanos(SEC / 2), 9_000.0);
        assert_eq!(a.adverse_bps(Side::Buy), None, "not matured yet");
        a.on_mid(UnixNanos(SEC), 9_990.0);
        a.on_trade(UnixNanos(SEC), Side::Sell, 9_990.0);
        a.on_mid(UnixNanos(2 * SEC), 9_990.0);
        // Markouts 10 bps then 0: EWMA 10 + 0.5 × (0 − 10) = 5.
        assert!((a.adverse_bps(Side::Buy).unwrap() - 5.0).abs() < 1e-9);
        assert_eq!(a.adverse_bps(Side::Sell), None, "no buy trade yet");
    }

    #[test]
    fn a_buy_followed_by_a_drop_is_favourable_to_asks() {
        let mut a = AdverseSelection::new(100, 1.0, 1);
        a.on_trade(UnixNanos(0), Side::Buy, 10_000.0);
        a.on_mid(UnixNanos(SEC), 9_999.0);
        assert!((a.adverse_bps(Side::Sell).unwrap() + 1.0).abs() < 1e-9);
    }

    #[test]
    fn pending_trades_are_bounded() {
        let mut a = AdverseSelection::new(1_000, 0.1, 1);
        for i in 0..(MAX_PENDING as i64 + 10) {
            a.on_trade(UnixNanos(i), Side::Buy, 100.0);
        }
        assert_eq!(a.pending.len(), MAX_PENDING);
        a.on_trade(UnixNanos(0), Side::Buy, f64::NAN);
        assert_eq!(a.pending.len(), MAX_PENDING);
    }
}
