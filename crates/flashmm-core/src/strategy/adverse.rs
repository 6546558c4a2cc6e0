//! [`AdverseSelection`]: how far the mid moves against a resting order after a public trade
//! hits it, estimated online per side from the market's own trades.
//!
//! A passive bid at the touch fills when a seller takes the bid; what that fill is worth is the
//! mid some time later, so the mid's move over `horizon` after each public trade, signed
//! against the resting side (down after a sell aggressor, up after a buy aggressor), is the
//! adverse move a touch order of that side should expect. Each side's estimate is an EWMA of
//! those markouts, in bps of the mid at the trade.
//!
//! The public trades are only a prior: an order that joins the back of a queue fills mostly
//! when the level is swept, which moves the mid more than the average trade does, while one
//! alone at a price it improved fills on the next trade. So the markouts of our own fills are
//! kept the same way, apart by where the order stood in the queue when it was placed
//! ([`QueuePlace`]), and as they accumulate they take over: with `n` own fills of a side and
//! place, the estimate is `(n·own + prior·public) / (n + prior)`.

use super::QueuePlace;
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
    /// The side whose resting orders the trade filled.
    filled: Side,
    mid: f64,
    /// Our own fill, and where the order stood in the queue; `None` for a public trade.
    own: Option<QueuePlace>,
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
    prior_fills: u32,
    pending: VecDeque<Pending>,
    /// Markouts of public trades that sold into the bids (the bid side's adverse move).
    sells: SideEstimate,
    /// Markouts of public trades that bought from the asks (the ask side's adverse move).
    buys: SideEstimate,
    /// Markouts of our own fills, by side and queue place ([`own_index`]).
    own: [SideEstimate; 4],
    /// The latest mid's time.
    last_mid: Option<UnixNanos>,
}

impl AdverseSelection {
    /// An estimator of markouts `horizon_ms` after each trade, each new one weighted `alpha`,
    /// reporting once `min_samples` public trades of a side matured; the public estimate
    /// weighs as much as `prior_fills` of our own fills.
    pub fn new(horizon_ms: u64, alpha: f64, min_samples: u32, prior_fills: u32) -> Self {
        AdverseSelection {
            horizon_ns: i64::try_from(horizon_ms)
                .unwrap_or(i64::MAX / 2_000_000)
                .saturating_mul(1_000_000),
            alpha,
            min_samples,
            prior_fills,
            pending: VecDeque::new(),
            sells: SideEstimate::default(),
            buys: SideEstimate::default(),
            own: [SideEstimate::default(); 4],
            last_mid: None,
        }
    }

    /// A public trade by `aggressor` at `ts`, when the mid was `mid` (ticks).
    pub fn on_trade(&mut self, ts: UnixNanos, aggressor: Side, mid: f64) {
        self.push(ts, aggressor.opposite(), mid, None);
    }

    /// A fill of our own resting order of `side`, placed at `place` in its queue, at `ts`,
    /// when the mid was `mid` (ticks). A fill older than the horizon at the latest mid (one
    /// learnt late, after a restart) is left out: its markout is past.
    pub fn on_own_fill(&mut self, ts: UnixNanos, side: Side, place: QueuePlace, mid: f64) {
        let late = self
            .last_mid
            .is_some_and(|t| ts.as_i64().saturating_add(self.horizon_ns) < t.as_i64());
        if !late {
            self.push(ts, side, mid, Some(place));
        }
    }

    fn push(&mut self, ts: UnixNanos, filled: Side, mid: f64, own: Option<QueuePlace>) {
        if self.pending.len() >= MAX_PENDING || mid.is_nan() || mid <= 0.0 {
            return;
        }
        self.pending.push_back(Pending {
            due: UnixNanos(ts.as_i64().saturating_add(self.horizon_ns)),
            filled,
            mid,
            own,
        });
    }

    /// The mid (ticks) at `now`: matures every trade whose horizon has passed.
    pub fn on_mid(&mut self, now: UnixNanos, mid: f64) {
        self.last_mid = Some(now);
        while let Some(p) = self.pending.front().copied() {
            if p.due > now {
                break;
            }
            self.pending.pop_front();
            let up_bps = (mid - p.mid) / p.mid * 1e4;
            if !up_bps.is_finite() {
                continue;
            }
            let adverse = match p.filled {
                Side::Buy => -up_bps,
                Side::Sell => up_bps,
            };
            let estimate = match (p.filled, p.own) {
                (Side::Buy, None) => &mut self.sells,
                (Side::Sell, None) => &mut self.buys,
                (side, Some(place)) => &mut self.own[own_index(side, place)],
            };
            estimate.mean_bps = if estimate.samples == 0 {
                adverse
            } else {
                estimate.mean_bps + self.alpha * (adverse - estimate.mean_bps)
            };
            estimate.samples = estimate.samples.saturating_add(1);
        }
    }

    /// The expected adverse move, in bps, of a resting order of `side` placed at `place` in
    /// its queue and filled (positive: the mid moves against it): the public trades' estimate
    /// shrunk towards our own fills' of that side and place as they accumulate; `None` until
    /// `min_samples` of the public trades that fill that side matured.
    pub fn adverse_bps(&self, side: Side, place: QueuePlace) -> Option<f64> {
        let public = match side {
            Side::Buy => self.sells,
            Side::Sell => self.buys,
        };
        let own = self.own[own_index(side, place)];
        if public.samples < self.min_samples {
            return None;
        }
        let (n, prior) = (f64::from(own.samples), f64::from(self.prior_fills));
        if n + prior == 0.0 {
            return Some(public.mean_bps);
        }
        Some((n * own.mean_bps + prior * public.mean_bps) / (n + prior))
    }
}

/// The slot of `side` and `place` among the own-fill estimates.
fn own_index(side: Side, place: QueuePlace) -> usize {
    let side = match side {
        Side::Buy => 0,
        Side::Sell => 2,
    };
    side + match place {
        QueuePlace::Front => 0,
        QueuePlace::Behind => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: i64 = 1_000_000_000;

    #[test]
    fn a_sell_followed_by_a_drop_is_adverse_to_bids_only() {
        let mut a = AdverseSelection::new(1_000, 0.5, 2, 10);
        a.on_trade(UnixNanos(0), Side::Sell, 10_000.0);
        a.on_mid(UnixNanos(SEC / 2), 9_000.0);
        assert_eq!(
            a.adverse_bps(Side::Buy, QueuePlace::Behind),
            None,
            "not matured yet"
        );
        a.on_mid(UnixNanos(SEC), 9_990.0);
        a.on_trade(UnixNanos(SEC), Side::Sell, 9_990.0);
        a.on_mid(UnixNanos(2 * SEC), 9_990.0);
        // Markouts 10 bps then 0: EWMA 10 + 0.5 × (0 − 10) = 5.
        assert!((a.adverse_bps(Side::Buy, QueuePlace::Behind).unwrap() - 5.0).abs() < 1e-9);
        assert_eq!(
            a.adverse_bps(Side::Sell, QueuePlace::Behind),
            None,
            "no buy trade yet"
        );
    }

    #[test]
    fn a_buy_followed_by_a_drop_is_favourable_to_asks() {
        let mut a = AdverseSelection::new(100, 1.0, 1, 10);
        a.on_trade(UnixNanos(0), Side::Buy, 10_000.0);
        a.on_mid(UnixNanos(SEC), 9_999.0);
        assert!((a.adverse_bps(Side::Sell, QueuePlace::Behind).unwrap() + 1.0).abs() < 1e-9);
    }

    #[test]
    fn our_own_fills_take_over_from_the_public_prior() {
        let mut a = AdverseSelection::new(1_000, 1.0, 1, 2);
        a.on_trade(UnixNanos(0), Side::Sell, 10_000.0);
        a.on_mid(UnixNanos(SEC), 10_000.0);
        assert_eq!(a.adverse_bps(Side::Buy, QueuePlace::Behind), Some(0.0));
        // Two of our bids filled, each followed by a 10 bp drop: (2 × 10 + 2 × 0) / 4.
        for t in [2, 4] {
            a.on_mid(UnixNanos(t * SEC), 10_000.0);
            a.on_own_fill(UnixNanos(t * SEC), Side::Buy, QueuePlace::Behind, 10_000.0);
            a.on_mid(UnixNanos((t + 1) * SEC), 9_990.0);
        }
        assert!((a.adverse_bps(Side::Buy, QueuePlace::Behind).unwrap() - 5.0).abs() < 1e-9);
        // Bids placed at the front of their queue learn apart: still the prior, until one of
        // them fills, followed by a 2 bp rise: (1 × −2 + 2 × 0) / 3.
        assert_eq!(a.adverse_bps(Side::Buy, QueuePlace::Front), Some(0.0));
        a.on_mid(UnixNanos(6 * SEC), 10_000.0);
        a.on_own_fill(UnixNanos(6 * SEC), Side::Buy, QueuePlace::Front, 10_000.0);
        a.on_mid(UnixNanos(7 * SEC), 10_002.0);
        let front = a.adverse_bps(Side::Buy, QueuePlace::Front).unwrap();
        assert!((front + 2.0 / 3.0).abs() < 1e-9, "{front}");
        assert!((a.adverse_bps(Side::Buy, QueuePlace::Behind).unwrap() - 5.0).abs() < 1e-9);
        // A fill learnt long after it happened is left out.
        a.on_own_fill(UnixNanos(0), Side::Buy, QueuePlace::Behind, 20_000.0);
        assert!(a.pending.is_empty());
    }

    #[test]
    fn pending_trades_are_bounded() {
        let mut a = AdverseSelection::new(1_000, 0.1, 1, 10);
        for i in 0..(MAX_PENDING as i64 + 10) {
            a.on_trade(UnixNanos(i), Side::Buy, 100.0);
        }
        assert_eq!(a.pending.len(), MAX_PENDING);
        a.on_trade(UnixNanos(0), Side::Buy, f64::NAN);
        assert_eq!(a.pending.len(), MAX_PENDING);
    }
}
