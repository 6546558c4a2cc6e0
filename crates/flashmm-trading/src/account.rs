//! [`Account`]: what the markets share — the trading mode (the kill switch) and the account's
//! P&L marks (the day's starting equity, the equity peak) — and the view of it each market's
//! decision takes ([`AccountView`]).

use flashmm_core::risk::{KillSwitch, RiskAction, RiskViolation};
use flashmm_core::time::{MonoNanos, UnixNanos};
use rust_decimal::Decimal;

use crate::market::{AccountView, Decision, Flatten, MarketEngine};

const DAY_NS: i64 = flashmm_core::time::NANOS_PER_DAY;

/// The account over every market.
#[derive(Debug, Clone)]
pub struct Account {
    /// The trading mode.
    pub kill: KillSwitch,
    /// The UTC day (days since the epoch) the marks are of.
    pub day: i64,
    /// Net P&L when the day began.
    pub day_start_equity: Decimal,
    /// The highest net P&L seen.
    pub equity_peak: Decimal,
}

impl Account {
    /// An account in `kill`'s mode with its marks at zero (day 0: the first [`Account::mark`]
    /// starts the day).
    pub fn new(kill: KillSwitch) -> Self {
        Account {
            kill,
            day: 0,
            day_start_equity: Decimal::ZERO,
            equity_peak: Decimal::ZERO,
        }
    }

    /// Net P&L over every market at their marks.
    pub fn equity(markets: &[MarketEngine]) -> Decimal {
        markets.iter().map(MarketEngine::net_pnl).sum()
    }

    /// What a market's decision sees: quoting allowed when the mode allows it and the
    /// service's connections are up (`connected`), the day's P&L, the equity and its peak,
    /// and the exposure over every market.
    pub fn view(&self, markets: &[MarketEngine], connected: bool) -> AccountView {
        let equity = Self::equity(markets);
        AccountView {
            can_quote: self.kill.can_quote() && connected,
            daily_pnl: equity - self.day_start_equity,
            equity,
            equity_peak: self.equity_peak.max(equity),
            global_exposure: markets.iter().map(|m| m.position_notional().abs()).sum(),
        }
    }

    /// Moves the marks on at `now`: a new UTC day starts from the equity now; the peak takes
    /// the equity now.
    pub fn mark(&mut self, now: UnixNanos, markets: &[MarketEngine]) {
        let equity = Self::equity(markets);
        let day = now.as_i64().div_euclid(DAY_NS);
        if day != self.day {
            self.day = day;
            self.day_start_equity = equity;
        }
        self.equity_peak = self.equity_peak.max(equity);
    }

    /// Trips the kill switch on the first violation whose action is the kill switch; returns
    /// its reason when the mode changed now (the caller saves it, then cancels everything).
    pub fn on_violations(
        &mut self,
        violations: &[RiskViolation],
        now: UnixNanos,
    ) -> Option<String> {
        let v = violations
            .iter()
            .find(|v| v.kind().action() == RiskAction::KillSwitch)?;
        self.kill
            .trip(v.to_string(), now)
            .then(|| self.kill.reason().to_owned())
    }

    /// Decides for market `idx` at `now` (UTC) and `mono` (monotonic), at most `budget`
    /// requests: nothing when the market is [`MarketEngine::idle`]; on the standing checks of
    /// the last few milliseconds when they were clear ([`MarketEngine::decide_recent`]); else a
    /// whole decision over this account's view (`connected`: the shell's connections are up).
    pub fn decide(
        &self,
        markets: &mut [MarketEngine],
        idx: usize,
        now: UnixNanos,
        mono: MonoNanos,
        connected: bool,
        budget: usize,
    ) -> Decision {
        let can_quote = self.kill.can_quote() && connected;
        let Some(m) = markets.get_mut(idx) else {
            return Decision::default();
        };
        if m.idle(now, can_quote) {
            return Decision::default();
        }
        if let Some(d) = m.decide_recent(now, mono, can_quote, budget) {
            return d;
        }
        let view = self.view(markets, connected);
        markets[idx].decide(now, mono, &view, budget)
    }

    /// An operator's resume: quoting again, and no flatten in progress.
    pub fn resume(&mut self, now: UnixNanos, markets: &mut [MarketEngine]) {
        self.kill.resume(now);
        for m in markets {
            m.flatten = None;
        }
    }

    /// An operator's flatten: paused, and every market works its position back to flat
    /// (passively; aggressively after `aggressive_after_ns` when given).
    pub fn flatten(
        &mut self,
        reason: String,
        now: UnixNanos,
        aggressive_after_ns: Option<i64>,
        markets: &mut [MarketEngine],
    ) {
        self.kill.pause(reason, now);
        for m in markets {
            m.flatten = Some(Flatten {
                since: now,
                aggressive_after_ns,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flashmm_core::risk::TradingMode;
    use rust_decimal::Decimal;

    #[test]
    fn the_first_kill_switch_violation_trips_once() {
        let mut a = Account::new(KillSwitch::new(UnixNanos(0)));
        let refuse = RiskViolation::OrderRate { limit_per_sec: 5 };
        assert_eq!(
            a.on_violations(std::slice::from_ref(&refuse), UnixNanos(1)),
            None
        );
        let drift = RiskViolation::ModelDrift {
            hit_rate: Decimal::new(3, 1),
            floor: Decimal::new(4, 1),
        };
        let reason = a.on_violations(&[refuse, drift.clone()], UnixNanos(2));
        assert_eq!(reason, Some(drift.to_string()));
        assert_eq!(a.kill.mode(), TradingMode::Killed);
        assert_eq!(
            a.on_violations(&[drift], UnixNanos(3)),
            None,
            "already killed"
        );
    }

    #[test]
    fn a_new_day_starts_from_the_equity_then() {
        let mut a = Account::new(KillSwitch::new(UnixNanos(0)));
        a.mark(UnixNanos(DAY_NS * 3 + 5), &[]);
        assert_eq!(a.day, 3);
        assert_eq!(a.view(&[], true).daily_pnl, Decimal::ZERO);
        assert!(a.view(&[], true).can_quote);
        assert!(!a.view(&[], false).can_quote);
    }
}
