//! [`BookFlow`]: windowed features of the stream of book events — order-flow imbalance,
//! mid log returns and realised volatility — over two event-count and three wall-time
//! windows sharing one buffer.

use crate::config::FeatureConfig;
use crate::numeric::{ratio, BPS, NANOS_PER_MS};
use crate::ofi::{ofi_contribution, Touch};
use crate::window::{NestedWindows, WindowSample, WindowSpan};

/// Windows per book stream: `event_windows[0..2]` then `time_windows_ms[0..3]`.
pub const BOOK_WINDOWS: usize = 5;

/// What one book event adds to the windows.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BookSample {
    /// OFI contribution of the event, in lots (summed).
    pub ofi: i128,
    /// Bid plus ask size at the touch after the event, in lots (summed).
    pub touch_depth: i128,
    /// Squared mid log return since the previous event with a mid (summed).
    pub r2: f64,
    /// Log of the last known mid in ticks, carried across one-sided states (not summed).
    pub ln_mid: Option<f64>,
}

impl WindowSample for BookSample {
    #[inline]
    fn add(&mut self, o: &Self) {
        self.ofi = self.ofi.wrapping_add(o.ofi);
        self.touch_depth = self.touch_depth.wrapping_add(o.touch_depth);
        self.r2 += o.r2;
    }

    #[inline]
    fn sub(&mut self, o: &Self) {
        self.ofi = self.ofi.wrapping_sub(o.ofi);
        self.touch_depth = self.touch_depth.wrapping_sub(o.touch_depth);
        self.r2 -= o.r2;
    }
}

/// The values of one window.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FlowValues {
    /// `Σ e / mean(touch depth / 2)` over the window: OFI in units of the average size at
    /// one side of the touch; 0 when the window is empty or the touch was always empty.
    pub ofi: f64,
    /// `(ln mid_now − ln mid_ref) · 1e4`, `mid_ref` being the mid just before the window's
    /// first event (the first event's own mid until the window has been filled once).
    pub ret_bps: f64,
    /// `sqrt(Σ r²) · 1e4` over the window's events.
    pub rv_bps: f64,
}

/// OFI, returns and realised volatility of one market's book events.
#[derive(Debug, Clone)]
pub struct BookFlow {
    windows: NestedWindows<BookSample, BOOK_WINDOWS>,
    prev: Option<Touch>,
    ln_mid: Option<f64>,
}

impl BookFlow {
    /// Empty windows sized by `config` (assumed valid).
    pub fn new(config: &FeatureConfig) -> Self {
        let [e0, e1] = config.event_windows;
        let [t0, t1, t2] = config
            .time_windows_ms
            .map(|ms| i64::try_from(ms).map_or(i64::MAX, |ms| ms.saturating_mul(NANOS_PER_MS)));
        BookFlow {
            windows: NestedWindows::new(
                [
                    WindowSpan::Events(e0),
                    WindowSpan::Events(e1),
                    WindowSpan::Nanos(t0),
                    WindowSpan::Nanos(t1),
                    WindowSpan::Nanos(t2),
                ],
                config.max_window_samples,
            ),
            prev: None,
            ln_mid: None,
        }
    }

    /// Records a book event at `now` (ns, non-decreasing) with its touch and mid in ticks.
    /// The first event only sets the reference touch: its OFI is 0.
    pub fn on_book(&mut self, now: i64, touch: Touch, mid_ticks: Option<f64>) {
        let ofi = self.prev.map_or(0, |p| ofi_contribution(&p, &touch));
        let ln_now = mid_ticks.filter(|m| *m > 0.0).map(f64::ln);
        let r2 = match (self.ln_mid, ln_now) {
            (Some(a), Some(b)) => (b - a) * (b - a),
            _ => 0.0,
        };
        if ln_now.is_some() {
            self.ln_mid = ln_now;
        }
        self.prev = Some(touch);
        self.windows.push(
            now,
            BookSample {
                ofi,
                touch_depth: touch.depth(),
                r2,
                ln_mid: self.ln_mid,
            },
        );
        self.windows.advance(now);
    }

    /// Moves time to `now` without an event.
    #[inline]
    pub fn advance(&mut self, now: i64) {
        self.windows.advance(now);
    }

    /// The values of window `k` (0–1 event windows, 2–4 wall-time windows).
    pub fn values(&self, k: usize) -> FlowValues {
        let w = &self.windows;
        let sum = w.sum(k);
        let n = w.len(k) as f64;
        let reference = w.last_evicted(k).or_else(|| w.oldest(k));
        let ret = match (self.ln_mid, reference.and_then(|s| s.ln_mid)) {
            (Some(now), Some(then)) => (now - then) * BPS,
            _ => 0.0,
        };
        FlowValues {
            ofi: ratio(sum.ofi as f64 * 2.0 * n, sum.touch_depth as f64),
            ret_bps: ret,
            rv_bps: sum.r2.max(0.0).sqrt() * BPS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flashmm_core::book::BookLevel;
    use flashmm_core::market::{Price, Qty};

    fn touch(bid: (i64, i64), ask: (i64, i64)) -> Touch {
        let lv = |(p, q): (i64, i64)| BookLevel::new(Price::from_ticks(p), Qty::from_lots(q));
        Touch {
            bid: Some(lv(bid)),
            ask: Some(lv(ask)),
        }
    }

    use flashmm_core::time::NANOS_PER_MILLI as MS;

    #[test]
    fn ofi_returns_and_vol_by_hand() {
        let cfg = FeatureConfig {
            event_windows: [2, 3],
            time_windows_ms: [10, 20, 30],
            ..FeatureConfig::default()
        };
        let mut f = BookFlow::new(&cfg);
        f.on_book(0, touch((99, 10), (101, 10)), Some(100.0));
        // Bid size +6: e = +6; depth 26.
        f.on_book(5 * MS, touch((99, 16), (101, 10)), Some(100.0));
        // Ask price drops 101 -> 100 with 4 lots: e = −4; mid 99.5; depth 20.
        f.on_book(12 * MS, touch((99, 16), (100, 4)), Some(99.5));
        // Last two events: Σe = 2, mean half-depth (26 + 20) / 4 = 11.5.
        let v = f.values(0);
        assert!((v.ofi - 2.0 / 11.5).abs() < 1e-12);
        // Return over the last two events: from 100 to 99.5.
        let r = (99.5f64 / 100.0).ln();
        assert!((v.ret_bps - r * 1e4).abs() < 1e-9);
        assert!((v.rv_bps - r.abs() * 1e4).abs() < 1e-9);
        // Wall time 10 ms at 12 ms holds the events at 5 and 12 ms: the same two events.
        let t0 = f.values(2);
        assert!((t0.ofi - 2.0 * 2.0 * 2.0 / 46.0).abs() < 1e-12);
        assert!((t0.ret_bps - r * 1e4).abs() < 1e-9);
        // After a long silence the wall-time windows are empty: no flow, no move, no vol.
        f.advance(10_000 * MS);
        for k in 2..5 {
            assert_eq!(f.values(k), FlowValues::default());
        }
        // Event windows do not age with time.
        assert!((f.values(0).ret_bps - r * 1e4).abs() < 1e-9);
    }

    #[test]
    fn one_sided_states_carry_the_mid() {
        let cfg = FeatureConfig::default();
        let mut f = BookFlow::new(&cfg);
        f.on_book(0, touch((99, 10), (101, 10)), Some(100.0));
        f.on_book(1, Touch::default(), None);
        f.on_book(2, touch((100, 10), (102, 10)), Some(101.0));
        let v = f.values(1);
        let r = (101f64 / 100.0).ln();
        assert!((v.ret_bps - r * 1e4).abs() < 1e-9);
        assert!((v.rv_bps - r * 1e4).abs() < 1e-9);
        assert!(v.ofi.is_finite());
    }
}
