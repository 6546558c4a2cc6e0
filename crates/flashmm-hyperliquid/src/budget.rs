//! [`AddressBudget`]: the venue's per-address budget of actions, beside the per-IP weight.
//!
//! Every address may send [`INITIAL_REQUESTS`] actions plus one more for every USDC it has
//! traded (its cumulative volume). An order or cancel inside a batch counts as one request
//! each. Past the cap the address is throttled: one request every [`THROTTLED_EVERY_MS`], each
//! counted as used all the same. Cancels have more room, `min(cap + 100 000, 2 × cap)`, so a
//! throttled address can still pull its quotes. `userRateLimit` (`/info`) reports the volume,
//! the requests used and the cap. No clock is kept here: times are passed in (UTC ms).

use crate::Action;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The requests every address starts with.
pub const INITIAL_REQUESTS: u64 = 10_000;

/// How often a throttled address may send one request (ms).
pub const THROTTLED_EVERY_MS: u64 = 10_000;

/// The extra room of cancels past the cap (bounded by the cap itself).
pub const CANCEL_EXTRA: u64 = 100_000;

/// The `userRateLimit` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRateLimit {
    /// Cumulative volume traded, USDC.
    pub cum_vlm: Decimal,
    /// Requests counted so far.
    pub n_requests_used: u64,
    /// What may be used before throttling.
    pub n_requests_cap: u64,
}

/// How many requests `action` counts for the budget (each order, cancel or modify of a batch
/// is one; anything else one) and whether it only cancels.
pub fn requests_of(action: &Action) -> (u64, bool) {
    let n = |len: usize| u64::try_from(len).unwrap_or(u64::MAX).max(1);
    match action {
        Action::Order { orders, .. } => (n(orders.len()), false),
        Action::Cancel { cancels } => (n(cancels.len()), true),
        Action::CancelByCloid { cancels } => (n(cancels.len()), true),
        Action::BatchModify { modifies } => (n(modifies.len()), false),
        _ => (1, false),
    }
}

/// Why an action may not go now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    /// Requests used, this one not counted.
    pub used: u64,
    /// The cap that applies to it.
    pub cap: u64,
    /// Until the next request may go, ms.
    pub wait_ms: u64,
}

impl std::fmt::Display for Throttled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "address budget spent: {} requests used of {} (10 000 plus one per USDC traded); \
             one request every 10 s until trading earns more, the next in {} ms",
            self.used, self.cap, self.wait_ms
        )
    }
}

/// One address's budget.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressBudget {
    initial: u64,
    volume: Decimal,
    used: u64,
    /// When the last request past the cap went (UTC ms).
    last_throttled_ms: Option<u64>,
}

impl Default for AddressBudget {
    fn default() -> Self {
        AddressBudget::new(INITIAL_REQUESTS)
    }
}

impl AddressBudget {
    /// A fresh address's budget, `initial` requests before any volume (the venue's is
    /// [`INITIAL_REQUESTS`]).
    pub fn new(initial: u64) -> Self {
        AddressBudget {
            initial,
            volume: Decimal::ZERO,
            used: 0,
            last_throttled_ms: None,
        }
    }

    /// The cap of orders and other actions: the initial requests plus one per whole USDC
    /// traded.
    pub fn cap(&self) -> u64 {
        let earned = self.volume.trunc().to_u64().unwrap_or(u64::MAX);
        self.initial.saturating_add(earned)
    }

    /// The cap of cancels: `min(cap + 100 000, 2 × cap)`.
    pub fn cancel_cap(&self) -> u64 {
        let cap = self.cap();
        cap.saturating_add(CANCEL_EXTRA).min(cap.saturating_mul(2))
    }

    /// Requests counted so far.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// Cumulative volume traded, USDC.
    pub fn volume(&self) -> Decimal {
        self.volume
    }

    /// Adds a fill's notional (USDC) to the volume.
    pub fn traded(&mut self, notional: Decimal) {
        self.volume += notional.abs();
    }

    /// Takes the venue's figures (`userRateLimit`): its count and volume replace ours.
    pub fn sync(&mut self, reported: &UserRateLimit) {
        self.used = reported.n_requests_used;
        self.volume = reported.cum_vlm;
        self.initial = reported
            .n_requests_cap
            .saturating_sub(reported.cum_vlm.trunc().to_u64().unwrap_or(u64::MAX));
    }

    /// Counts an action of `n` orders or cancels (`cancel`: it only cancels) sent at
    /// `now_ms`, or says why it may not go: past the cap, one request every
    /// [`THROTTLED_EVERY_MS`].
    pub fn spend(&mut self, n: u64, cancel: bool, now_ms: u64) -> Result<(), Throttled> {
        let n = n.max(1);
        let cap = if cancel {
            self.cancel_cap()
        } else {
            self.cap()
        };
        if self.used.saturating_add(n) > cap {
            if let Some(last) = self.last_throttled_ms {
                let next = last.saturating_add(THROTTLED_EVERY_MS);
                if now_ms < next {
                    return Err(Throttled {
                        used: self.used,
                        cap,
                        wait_ms: next - now_ms,
                    });
                }
            }
            self.last_throttled_ms = Some(now_ms);
        }
        self.used = self.used.saturating_add(n);
        Ok(())
    }

    /// The figures `userRateLimit` answers with.
    pub fn report(&self) -> UserRateLimit {
        UserRateLimit {
            cum_vlm: self.volume,
            n_requests_used: self.used,
            n_requests_cap: self.cap(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_is_the_initial_requests_plus_one_per_usdc_traded() {
        let mut b = AddressBudget::default();
        assert_eq!(b.cap(), 10_000);
        assert_eq!(b.cancel_cap(), 20_000);
        b.traded(Decimal::new(3_078_221, 2));
        assert_eq!(b.cap(), 40_782);
        assert_eq!(b.cancel_cap(), 81_564);
        b.traded(Decimal::from(1_000_000));
        assert_eq!(b.cancel_cap(), b.cap() + 100_000);
    }

    #[test]
    fn past_the_cap_one_request_every_ten_seconds_and_cancels_have_more_room() {
        let mut b = AddressBudget::new(3);
        assert_eq!(b.spend(2, false, 0), Ok(()));
        assert_eq!(b.spend(1, false, 0), Ok(()));
        // The fourth request is past the cap: it goes (the first of the throttled pace)...
        assert_eq!(b.spend(1, false, 1_000), Ok(()));
        // ...and the next must wait ten seconds from it.
        let t = b.spend(1, false, 4_000).unwrap_err();
        assert_eq!(
            t,
            Throttled {
                used: 4,
                cap: 3,
                wait_ms: 7_000
            }
        );
        assert!(t.to_string().contains("4 requests used of 3"), "{t}");
        // A cancel fits within min(3 + 100000, 6).
        assert_eq!(b.spend(1, true, 4_000), Ok(()));
        assert_eq!(b.spend(1, false, 11_000), Ok(()));
        assert_eq!(b.used(), 6);
        // Volume lifts the cap: no more throttling.
        b.traded(Decimal::from(100));
        assert_eq!(b.spend(5, false, 11_001), Ok(()));
    }

    #[test]
    fn the_venues_figures_replace_ours() {
        let mut b = AddressBudget::default();
        b.spend(5, false, 0).unwrap();
        let reported: UserRateLimit = serde_json::from_str(
            r#"{"cumVlm":"1498565.3600000001","nRequestsUsed":541,"nRequestsCap":1508565}"#,
        )
        .unwrap();
        b.sync(&reported);
        assert_eq!(b.used(), 541);
        assert_eq!(b.cap(), 1_508_565);
        assert_eq!(b.report().n_requests_cap, 1_508_565);
    }
}
