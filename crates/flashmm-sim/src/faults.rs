//! Run-time fault injection of the simulator: what the operator switched on, and the
//! decisions drawn from it.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// A change of the fault settings (`POST /admin/faults`): only the fields given change.
///
/// ```json
/// {"drop_ws": true, "skip_seq": 3, "ack_delay_ms": 200, "ack_drop_fraction": 0.1,
///  "reject_fraction": 0.05, "freeze_feed_ms": 1500, "cancel_on_disconnect": true}
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    /// Drop every WebSocket connection now.
    #[serde(default)]
    pub drop_ws: bool,
    /// Withhold the next N book deltas of each market from the feed, so clients see a gap.
    #[serde(default)]
    pub skip_seq: Option<u32>,
    /// Delay every REST acknowledgement by this many milliseconds (0 turns it off).
    #[serde(default)]
    pub ack_delay_ms: Option<u64>,
    /// Process this fraction of orders but answer [`AckDropped`](flashmm_venue::protocol::ErrorCode).
    #[serde(default)]
    pub ack_drop_fraction: Option<f64>,
    /// Refuse this fraction of order requests with
    /// [`InjectedReject`](flashmm_venue::protocol::ErrorCode) before they reach the engine.
    #[serde(default)]
    pub reject_fraction: Option<f64>,
    /// Hold back every market-data message for this many milliseconds from now; they are
    /// delivered, late, when the freeze ends.
    #[serde(default)]
    pub freeze_feed_ms: Option<u64>,
    /// Cancel an authenticated session's orders when its WebSocket drops.
    #[serde(default)]
    pub cancel_on_disconnect: Option<bool>,
}

/// The fault settings in force (`GET /admin/faults`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultStatus {
    /// Book deltas still to withhold, per market.
    pub skip_seq_pending: u32,
    /// REST acknowledgement delay, ms.
    pub ack_delay_ms: u64,
    /// Fraction of acknowledgements dropped.
    pub ack_drop_fraction: f64,
    /// Fraction of orders refused.
    pub reject_fraction: f64,
    /// The feed is frozen until this UTC ns (0: not frozen).
    pub feed_frozen_until_ns: i64,
    /// Whether cancel-on-disconnect is on.
    pub cancel_on_disconnect: bool,
    /// How many times WebSocket connections were dropped by request.
    pub ws_drops: u64,
}

/// Why a fault request is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultError {
    /// A fraction outside `[0, 1]` or not finite.
    #[error("{field} must be a fraction in [0, 1], got {value}")]
    Fraction {
        /// The field.
        field: &'static str,
        /// The value given.
        value: f64,
    },
}

/// The simulator's fault state and the random draws it makes (seeded, so a run with the same
/// seed and requests makes the same decisions).
#[derive(Debug, Clone)]
pub struct Faults {
    status: FaultStatus,
    skip_by_market: Vec<u32>,
    rng: ChaCha8Rng,
}

impl Faults {
    /// No faults; cancel-on-disconnect as given; `markets` counters for skipped deltas.
    pub fn new(seed: u64, markets: usize, cancel_on_disconnect: bool) -> Self {
        Faults {
            status: FaultStatus {
                skip_seq_pending: 0,
                ack_delay_ms: 0,
                ack_drop_fraction: 0.0,
                reject_fraction: 0.0,
                feed_frozen_until_ns: 0,
                cancel_on_disconnect,
                ws_drops: 0,
            },
            skip_by_market: vec![0; markets],
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0xFA01_7000),
        }
    }

    /// Applies a change at `now_ns`; returns whether WebSocket connections must drop now.
    pub fn apply(&mut self, req: &FaultRequest, now_ns: i64) -> Result<bool, FaultError> {
        for (field, value) in [
            ("ack_drop_fraction", req.ack_drop_fraction),
            ("reject_fraction", req.reject_fraction),
        ] {
            if let Some(v) = value {
                if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                    return Err(FaultError::Fraction { field, value: v });
                }
            }
        }
        if let Some(n) = req.skip_seq {
            self.skip_by_market.iter_mut().for_each(|s| *s = n);
            self.status.skip_seq_pending = n;
        }
        if let Some(ms) = req.ack_delay_ms {
            self.status.ack_delay_ms = ms;
        }
        if let Some(f) = req.ack_drop_fraction {
            self.status.ack_drop_fraction = f;
        }
        if let Some(f) = req.reject_fraction {
            self.status.reject_fraction = f;
        }
        if let Some(ms) = req.freeze_feed_ms {
            let ms = i64::try_from(ms).unwrap_or(i64::MAX / 1_000_000);
            self.status.feed_frozen_until_ns = now_ns.saturating_add(ms.saturating_mul(1_000_000));
        }
        if let Some(on) = req.cancel_on_disconnect {
            self.status.cancel_on_disconnect = on;
        }
        if req.drop_ws {
            self.status.ws_drops += 1;
        }
        Ok(req.drop_ws)
    }

    /// The settings in force.
    pub fn status(&self) -> &FaultStatus {
        &self.status
    }

    /// Whether the next book delta of market number `market` is withheld (and counts it).
    pub fn take_skip(&mut self, market: usize) -> bool {
        match self.skip_by_market.get_mut(market) {
            Some(n) if *n > 0 => {
                *n -= 1;
                self.status.skip_seq_pending =
                    self.skip_by_market.iter().copied().max().unwrap_or(0);
                true
            }
            _ => false,
        }
    }

    /// Whether to refuse the next order request.
    pub fn draw_reject(&mut self) -> bool {
        let f = self.status.reject_fraction;
        f > 0.0 && self.rng.random::<f64>() < f
    }

    /// Whether to drop the next acknowledgement.
    pub fn draw_ack_drop(&mut self) -> bool {
        let f = self.status.ack_drop_fraction;
        f > 0.0 && self.rng.random::<f64>() < f
    }

    /// The acknowledgement delay, ms.
    pub fn ack_delay_ms(&self) -> u64 {
        self.status.ack_delay_ms
    }

    /// Until when the feed is frozen, UTC ns (0 or past: not frozen).
    pub fn frozen_until_ns(&self) -> i64 {
        self.status.feed_frozen_until_ns
    }

    /// Whether cancel-on-disconnect is on.
    pub fn cancel_on_disconnect(&self) -> bool {
        self.status.cancel_on_disconnect
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_partial_changes_and_checks_fractions() {
        let mut f = Faults::new(1, 2, true);
        let req: FaultRequest =
            serde_json::from_str(r#"{"skip_seq": 2, "freeze_feed_ms": 5}"#).unwrap();
        assert!(!f.apply(&req, 1_000).unwrap());
        assert_eq!(f.frozen_until_ns(), 5_001_000);
        assert!(f.take_skip(0) && f.take_skip(0) && !f.take_skip(0));
        assert!(f.take_skip(1));
        assert!(!f.take_skip(7));
        let bad = FaultRequest {
            reject_fraction: Some(1.5),
            ..FaultRequest::default()
        };
        assert!(f.apply(&bad, 0).is_err());
        assert!(f.cancel_on_disconnect());
        assert!(!f.draw_reject());
        let all = FaultRequest {
            reject_fraction: Some(1.0),
            drop_ws: true,
            ..FaultRequest::default()
        };
        assert!(f.apply(&all, 0).unwrap());
        assert!(f.draw_reject());
        assert!(serde_json::from_str::<FaultRequest>(r#"{"nope": 1}"#).is_err());
    }
}
