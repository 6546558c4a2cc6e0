//! [`RequotePolicy`]: when a new target is worth acting on, so quotes do not churn.

use super::{QuoteParams, QuoteTarget};
use crate::book::BookLevel;
use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// Why the policy asks for a re-quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequoteReason {
    /// A side gained or lost a level (including the first quote and a filled level).
    LevelCount,
    /// A level's price moved by more than the tick tolerance.
    PriceMoved,
    /// A level's size changed by more than the size tolerance.
    SizeChanged,
}

/// Why the policy holds the current quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    /// Every level is within tolerance of what is working.
    WithinTolerance,
    /// A re-quote is due but the last one was less than `1 / quote_frequency_hz` ago.
    RateLimited,
}

/// The policy's verdict on a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequoteDecision {
    /// Act on the target now (diff it against the working orders).
    Requote(RequoteReason),
    /// Leave the working orders as they are.
    Hold(HoldReason),
}

/// Decides whether a target differs enough from the working quotes to act on, at most
/// `quote_frequency_hz` times a second. Pure: the caller passes the time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequotePolicy {
    min_interval_ns: i64,
    price_tolerance_ticks: i64,
    /// Size tolerance as parts per million of the working size.
    size_tolerance_ppm: i64,
    last: Option<UnixNanos>,
}

impl RequotePolicy {
    /// The policy of `params` (`quote_frequency_hz`, `requote_tolerance_ticks`,
    /// `requote_size_tolerance`), with no re-quote yet.
    pub fn new(params: &QuoteParams) -> Self {
        let p = params.values();
        RequotePolicy {
            min_interval_ns: params.min_requote_interval_ns(),
            price_tolerance_ticks: p.requote_tolerance_ticks,
            size_tolerance_ppm: (p.requote_size_tolerance * 1e6)
                .round()
                .min(i64::MAX as f64) as i64,
            last: None,
        }
    }

    /// When the last re-quote was allowed.
    pub fn last_requote(&self) -> Option<UnixNanos> {
        self.last
    }

    /// Compares `target` with the `working` quotes (the order manager's live levels) and,
    /// when it says [`RequoteDecision::Requote`], records `now` as the last re-quote.
    pub fn decide(
        &mut self,
        now: UnixNanos,
        working: &QuoteTarget,
        target: &QuoteTarget,
    ) -> RequoteDecision {
        let Some(reason) = self.difference(working, target) else {
            return RequoteDecision::Hold(HoldReason::WithinTolerance);
        };
        if let Some(last) = self.last {
            if now.since(last) < self.min_interval_ns {
                return RequoteDecision::Hold(HoldReason::RateLimited);
            }
        }
        self.last = Some(now);
        RequoteDecision::Requote(reason)
    }

    /// The first reason `target` is out of tolerance of `working`, if any.
    pub fn difference(&self, working: &QuoteTarget, target: &QuoteTarget) -> Option<RequoteReason> {
        let mut reason = None;
        for (w, t) in [(&working.bids, &target.bids), (&working.asks, &target.asks)] {
            if w.len() != t.len() {
                return Some(RequoteReason::LevelCount);
            }
            for (w, t) in w.iter().zip(t) {
                reason = reason.or(self.level_difference(w, t));
            }
        }
        reason
    }

    fn level_difference(&self, w: &BookLevel, t: &BookLevel) -> Option<RequoteReason> {
        if (w.price.ticks() - t.price.ticks()).abs() > self.price_tolerance_ticks {
            return Some(RequoteReason::PriceMoved);
        }
        let diff = i128::from(w.qty.lots() - t.qty.lots()).abs() * 1_000_000;
        let allowed = i128::from(w.qty.lots()).abs() * i128::from(self.size_tolerance_ppm);
        (diff > allowed).then_some(RequoteReason::SizeChanged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::{Price, Qty};
    use crate::strategy::RawQuoteParams;

    fn lv(p: i64, q: i64) -> BookLevel {
        BookLevel::new(Price::from_ticks(p), Qty::from_lots(q))
    }

    fn target(bid: i64, ask: i64, q: i64) -> QuoteTarget {
        QuoteTarget {
            bids: vec![lv(bid, q), lv(bid - 2, q)],
            asks: vec![lv(ask, q), lv(ask + 2, q)],
        }
    }

    fn policy() -> RequotePolicy {
        let raw = RawQuoteParams {
            quote_frequency_hz: 10.0,
            requote_tolerance_ticks: 1,
            requote_size_tolerance: 0.2,
            ..RawQuoteParams::default()
        };
        RequotePolicy::new(&QuoteParams::validate(raw).unwrap())
    }

    use crate::time::NANOS_PER_MILLI as MS;

    #[test]
    fn tolerance_and_rate() {
        let mut p = policy();
        let none = QuoteTarget::empty();
        let t = target(100, 104, 10);
        assert_eq!(
            p.decide(UnixNanos(0), &none, &t),
            RequoteDecision::Requote(RequoteReason::LevelCount)
        );
        // Working now equals t: within one tick and 20 % nothing moves.
        for (now, nt) in [(1, target(101, 105, 12)), (2, target(99, 103, 8))] {
            assert_eq!(
                p.decide(UnixNanos(now * 1_000 * MS), &t, &nt),
                RequoteDecision::Hold(HoldReason::WithinTolerance)
            );
        }
        // Beyond tolerance but within 100 ms of the last re-quote: rate-limited.
        assert_eq!(
            p.decide(UnixNanos(99 * MS), &t, &target(102, 106, 10)),
            RequoteDecision::Hold(HoldReason::RateLimited)
        );
        assert_eq!(
            p.decide(UnixNanos(100 * MS), &t, &target(102, 106, 10)),
            RequoteDecision::Requote(RequoteReason::PriceMoved)
        );
        assert_eq!(p.last_requote(), Some(UnixNanos(100 * MS)));
        assert_eq!(
            p.decide(UnixNanos(300 * MS), &t, &target(100, 104, 13)),
            RequoteDecision::Requote(RequoteReason::SizeChanged)
        );
        let mut filled = t.clone();
        filled.asks.remove(0);
        assert_eq!(
            p.decide(UnixNanos(500 * MS), &filled, &t),
            RequoteDecision::Requote(RequoteReason::LevelCount)
        );
    }
}
