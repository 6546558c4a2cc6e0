//! [`AdverseSelection`]: how far the mid moves against a resting order after a public trade
//! hits it, estimated online per side from the market's own trades.
//!
//! A passive bid at the touch fills when a seller takes the bid; what that fill is worth is the
//! mid some time later, so the mid's move over `horizon` after each public trade, signed
//! against the resting side (down after a sell aggressor, up after a buy aggressor), is the
//! adverse move a touch order of that side should expect. Each side's estimate is an EWMA of
//! those markouts, in bps of the mid at the trade.
//!
//! With `by_balance`, the public markouts are also kept apart by the [`QueueBalance`] of the
//! filled side at the trade: a trade into a thin queue is followed by the queue's sweep more
//! often than one into a thick queue. A balance of fewer than `min_samples` markouts falls
//! back to the side's pooled estimate.
//!
//! The public trades are only a prior: an order that joins the back of a queue fills mostly
//! when the level is swept, which moves the mid more than the average trade does, while one
//! alone at a price it improved fills on the next trade. So the markouts of our own fills are
//! kept apart by where the order stood in the queue when it was placed ([`QueuePlace`]), and
//! as they accumulate they take over: with `n` own fills of a side and place, the estimate is
//! `(n·own + prior·public) / (n + prior)`. With `by_balance` the public estimate differs by
//! balance, so each own fill is kept as its excess over the public estimate for its side and
//! the balance when its order was placed (what the decision to place it read), and the
//! estimate is `public + n·excess / (n + prior)`.

use super::{QueueBalance, QueuePlace};
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
    /// The filled side's queue balance at the trade, when known.
    balance: Option<QueueBalance>,
    /// Our own fill, and where the order stood in the queue; `None` for a public trade.
    own: Option<QueuePlace>,
}

/// One EWMA of markouts.
#[derive(Debug, Clone, Copy, Default)]
struct SideEstimate {
    mean_bps: f64,
    samples: u32,
}

impl SideEstimate {
    fn observe(&mut self, alpha: f64, x: f64) {
        self.mean_bps = if self.samples == 0 {
            x
        } else {
            self.mean_bps + alpha * (x - self.mean_bps)
        };
        self.samples = self.samples.saturating_add(1);
    }
}

/// The public trades' estimates of one filled side.
#[derive(Debug, Clone, Copy, Default)]
struct PublicEstimate {
    /// Every trade of the side.
    pooled: SideEstimate,
    /// The trades apart by the side's [`QueueBalance`] at the trade.
    by_balance: [SideEstimate; 3],
}

/// Online estimate of the adverse move after a public trade, per aggressor side.
#[derive(Debug, Clone)]
pub struct AdverseSelection {
    horizon_ns: i64,
    alpha: f64,
    min_samples: u32,
    prior_fills: u32,
    by_balance: bool,
    pending: VecDeque<Pending>,
    /// Markouts of public trades, by the side they filled (bids, asks).
    public: [PublicEstimate; 2],
    /// Our own fills' markouts (with `by_balance`: their excess over the public estimate they
    /// were priced with), by side and queue place ([`own_index`]).
    own: [SideEstimate; 4],
    /// The latest mid's time.
    last_mid: Option<UnixNanos>,
}

impl AdverseSelection {
    /// An estimator of markouts `horizon_ms` after each trade, each new one weighted `alpha`,
    /// reporting once `min_samples` public trades of a side matured; the public estimate
    /// weighs as much as `prior_fills` of our own fills; with `by_balance`, public markouts
    /// are learnt apart by the filled queue's [`QueueBalance`] too.
    pub fn new(
        horizon_ms: u64,
        alpha: f64,
        min_samples: u32,
        prior_fills: u32,
        by_balance: bool,
    ) -> Self {
        AdverseSelection {
            horizon_ns: i64::try_from(horizon_ms)
                .unwrap_or(i64::MAX / 2_000_000)
                .saturating_mul(1_000_000),
            alpha,
            min_samples,
            prior_fills,
            by_balance,
            pending: VecDeque::new(),
            public: [PublicEstimate::default(); 2],
            own: [SideEstimate::default(); 4],
            last_mid: None,
        }
    }

    /// A public trade by `aggressor` at `ts`, when the mid was `mid` (ticks) and the filled
    /// side's queue stood at `balance`.
    pub fn on_trade(
        &mut self,
        ts: UnixNanos,
        aggressor: Side,
        mid: f64,
        balance: Option<QueueBalance>,
    ) {
        self.push(ts, aggressor.opposite(), mid, balance, None);
    }

    /// A fill of our own resting order of `side`, placed at `place` in its queue while the
    /// side's queue stood at `balance`, at `ts`, when the mid was `mid` (ticks): its excess
    /// is over the public estimate the order was priced with. A fill older
    /// than the horizon at the latest mid (one learnt late, after a restart) is left out: its
    /// markout is past.
    pub fn on_own_fill(
        &mut self,
        ts: UnixNanos,
        side: Side,
        place: QueuePlace,
        mid: f64,
        balance: Option<QueueBalance>,
    ) {
        let late = self
            .last_mid
            .is_some_and(|t| ts.as_i64().saturating_add(self.horizon_ns) < t.as_i64());
        if !late {
            self.push(ts, side, mid, balance, Some(place));
        }
    }

    fn push(
        &mut self,
        ts: UnixNanos,
        filled: Side,
        mid: f64,
        balance: Option<QueueBalance>,
        own: Option<QueuePlace>,
    ) {
        if self.pending.len() >= MAX_PENDING || mid.is_nan() || mid <= 0.0 {
            return;
        }
        self.pending.push_back(Pending {
            due: UnixNanos(ts.as_i64().saturating_add(self.horizon_ns)),
            filled,
            mid,
            balance: balance.filter(|_| self.by_balance),
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
            match p.own {
                None => {
                    let public = &mut self.public[side_index(p.filled)];
                    public.pooled.observe(self.alpha, adverse);
                    if let Some(b) = p.balance {
                        public.by_balance[b.index()].observe(self.alpha, adverse);
                    }
                }
                Some(place) if self.by_balance => {
                    // Before the public estimate has a markout there is nothing to exceed.
                    if let Some(public) = self.public_bps(p.filled, p.balance, 1) {
                        self.own[own_index(p.filled, place)].observe(self.alpha, adverse - public);
                    }
                }
                Some(place) => self.own[own_index(p.filled, place)].observe(self.alpha, adverse),
            }
        }
    }

    /// The public trades' estimate for a fill of `side` at `balance`, from `least` markouts:
    /// the balance's own when it has that many, else the side's pooled one.
    fn public_bps(&self, side: Side, balance: Option<QueueBalance>, least: u32) -> Option<f64> {
        let public = &self.public[side_index(side)];
        balance
            .map(|b| public.by_balance[b.index()])
            .filter(|e| e.samples >= least.max(1))
            .or(Some(public.pooled).filter(|e| e.samples >= least.max(1)))
            .map(|e| e.mean_bps)
    }

    /// The expected adverse move, in bps, of a resting order of `side` placed at `place` in
    /// its queue and filled while its queue stands at `balance` (positive: the mid moves
    /// against it): the public trades' estimate (for that balance, with `by_balance`) plus
    /// our own fills' excess of that side and place, shrunk by the prior as they accumulate;
    /// `None` until `min_samples` of the public trades that fill that side matured.
    pub fn adverse_bps(
        &self,
        side: Side,
        place: QueuePlace,
        balance: Option<QueueBalance>,
    ) -> Option<f64> {
        let balance = balance.filter(|_| self.by_balance);
        let public = self.public_bps(side, balance, self.min_samples)?;
        let own = self.own[own_index(side, place)];
        let (n, prior) = (f64::from(own.samples), f64::from(self.prior_fills));
        if n + prior == 0.0 {
            return Some(public);
        }
        Some(if self.by_balance {
            public + n * own.mean_bps / (n + prior)
        } else {
            (n * own.mean_bps + prior * public) / (n + prior)
        })
    }
}

/// The slot of the side a trade filled among the public estimates.
fn side_index(side: Side) -> usize {
    match side {
        Side::Buy => 0,
        Side::Sell => 1,
    }
}

/// The slot of `side` and `place` among the own-fill estimates.
fn own_index(side: Side, place: QueuePlace) -> usize {
    2 * side_index(side)
        + match place {
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
        let mut a = AdverseSelection::new(1_000, 0.5, 2, 10, false);
        a.on_trade(UnixNanos(0), Side::Sell, 10_000.0, None);
        a.on_mid(UnixNanos(SEC / 2), 9_000.0);
        assert_eq!(
            a.adverse_bps(Side::Buy, QueuePlace::Behind, None),
            None,
            "not matured yet"
        );
        a.on_mid(UnixNanos(SEC), 9_990.0);
        a.on_trade(UnixNanos(SEC), Side::Sell, 9_990.0, None);
        a.on_mid(UnixNanos(2 * SEC), 9_990.0);
        // Markouts 10 bps then 0: EWMA 10 + 0.5 × (0 − 10) = 5.
        assert!((a.adverse_bps(Side::Buy, QueuePlace::Behind, None).unwrap() - 5.0).abs() < 1e-9);
        assert_eq!(
            a.adverse_bps(Side::Sell, QueuePlace::Behind, None),
            None,
            "no buy trade yet"
        );
    }

    #[test]
    fn a_buy_followed_by_a_drop_is_favourable_to_asks() {
        let mut a = AdverseSelection::new(100, 1.0, 1, 10, false);
        a.on_trade(UnixNanos(0), Side::Buy, 10_000.0, None);
        a.on_mid(UnixNanos(SEC), 9_999.0);
        assert!((a.adverse_bps(Side::Sell, QueuePlace::Behind, None).unwrap() + 1.0).abs() < 1e-9);
    }

    #[test]
    fn our_own_fills_take_over_from_the_public_prior() {
        let mut a = AdverseSelection::new(1_000, 1.0, 1, 2, false);
        a.on_trade(UnixNanos(0), Side::Sell, 10_000.0, None);
        a.on_mid(UnixNanos(SEC), 10_000.0);
        assert_eq!(
            a.adverse_bps(Side::Buy, QueuePlace::Behind, None),
            Some(0.0)
        );
        // Two of our bids filled, each followed by a 10 bp drop: (2 × 10 + 2 × 0) / 4.
        for t in [2, 4] {
            a.on_mid(UnixNanos(t * SEC), 10_000.0);
            a.on_own_fill(
                UnixNanos(t * SEC),
                Side::Buy,
                QueuePlace::Behind,
                10_000.0,
                None,
            );
            a.on_mid(UnixNanos((t + 1) * SEC), 9_990.0);
        }
        assert!((a.adverse_bps(Side::Buy, QueuePlace::Behind, None).unwrap() - 5.0).abs() < 1e-9);
        // Bids placed at the front of their queue learn apart: still the prior, until one of
        // them fills, followed by a 2 bp rise: (1 × −2 + 2 × 0) / 3.
        assert_eq!(a.adverse_bps(Side::Buy, QueuePlace::Front, None), Some(0.0));
        a.on_mid(UnixNanos(6 * SEC), 10_000.0);
        a.on_own_fill(
            UnixNanos(6 * SEC),
            Side::Buy,
            QueuePlace::Front,
            10_000.0,
            None,
        );
        a.on_mid(UnixNanos(7 * SEC), 10_002.0);
        let front = a.adverse_bps(Side::Buy, QueuePlace::Front, None).unwrap();
        assert!((front + 2.0 / 3.0).abs() < 1e-9, "{front}");
        assert!((a.adverse_bps(Side::Buy, QueuePlace::Behind, None).unwrap() - 5.0).abs() < 1e-9);
        // A fill learnt long after it happened is left out.
        a.on_own_fill(UnixNanos(0), Side::Buy, QueuePlace::Behind, 20_000.0, None);
        assert!(a.pending.is_empty());
    }

    #[test]
    fn with_by_balance_thin_and_thick_queues_learn_apart() {
        let (thin, thick) = (Some(QueueBalance::Thin), Some(QueueBalance::Thick));
        let mut a = AdverseSelection::new(1_000, 1.0, 1, 2, true);
        // A sell into a thin bid queue is followed by a 10 bp drop, one into a thick queue
        // by nothing.
        a.on_trade(UnixNanos(0), Side::Sell, 10_000.0, thin);
        a.on_mid(UnixNanos(SEC), 9_990.0);
        a.on_trade(UnixNanos(SEC), Side::Sell, 9_990.0, thick);
        a.on_mid(UnixNanos(2 * SEC), 9_990.0);
        let bid = |a: &AdverseSelection, b| a.adverse_bps(Side::Buy, QueuePlace::Behind, b);
        assert!((bid(&a, thin).unwrap() - 10.0).abs() < 1e-9);
        assert_eq!(bid(&a, thick), Some(0.0));
        // A balance with no markout of its own, or none given, falls back to the pooled
        // EWMA (α = 1: the latest markout).
        assert_eq!(bid(&a, Some(QueueBalance::Even)), Some(0.0));
        assert_eq!(bid(&a, None), Some(0.0));
        // An own fill in a thin queue 4 bp worse than the public thin estimate: its excess
        // moves every balance's estimate by 1 × 4 / (1 + 2).
        a.on_own_fill(
            UnixNanos(2 * SEC),
            Side::Buy,
            QueuePlace::Behind,
            9_990.0,
            thin,
        );
        a.on_mid(UnixNanos(3 * SEC), 9_990.0 * (1.0 - 14e-4));
        assert!((bid(&a, thin).unwrap() - (10.0 + 4.0 / 3.0)).abs() < 1e-6);
        assert!((bid(&a, thick).unwrap() - 4.0 / 3.0).abs() < 1e-6);
        // Without by_balance the balance is ignored.
        let mut pooled = AdverseSelection::new(1_000, 1.0, 1, 2, false);
        pooled.on_trade(UnixNanos(0), Side::Sell, 10_000.0, thin);
        pooled.on_mid(UnixNanos(SEC), 9_990.0);
        pooled.on_trade(UnixNanos(SEC), Side::Sell, 9_990.0, thick);
        pooled.on_mid(UnixNanos(2 * SEC), 9_990.0);
        assert_eq!(bid(&pooled, thin), Some(0.0));
    }

    #[test]
    fn pending_trades_are_bounded() {
        let mut a = AdverseSelection::new(1_000, 0.1, 1, 10, false);
        for i in 0..(MAX_PENDING as i64 + 10) {
            a.on_trade(UnixNanos(i), Side::Buy, 100.0, None);
        }
        assert_eq!(a.pending.len(), MAX_PENDING);
        a.on_trade(UnixNanos(0), Side::Buy, f64::NAN, None);
        assert_eq!(a.pending.len(), MAX_PENDING);
    }
}
