//! [`TradeFlow`]: features of the public trade stream — signed volume, trade-count
//! imbalance, VWAP and time since the last trade — over wall-time windows.

use crate::config::FeatureConfig;
use crate::numeric::{ratio, signed_log1p, BPS, NANOS_PER_MS, NANOS_PER_SEC};
use crate::window::{NestedWindows, WindowSample, WindowSpan};
use flashmm_core::market::Side;

/// Windows per trade stream: `time_windows_ms[0..3]`, then `vwap_window_ms`.
pub const TRADE_WINDOWS: usize = 4;

/// Index of the VWAP window.
const VWAP: usize = 3;

/// What one trade adds to the windows (every field summed). Integer sums wrap, so adding
/// and removing a sample always cancel exactly; they are exact while the true sum fits in
/// an `i128`, which holds for any real market.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TradeSample {
    /// `+qty` for a buyer-initiated trade, `−qty` for a seller-initiated one, in lots.
    pub signed_qty: i128,
    /// Traded lots.
    pub qty: i128,
    /// Price × quantity, in ticks × lots.
    pub notional: i128,
    /// 1 for a buyer-initiated trade.
    pub buys: i64,
    /// 1 for a seller-initiated trade.
    pub sells: i64,
}

impl TradeSample {
    /// The sample of a trade of `qty` lots at `price` ticks hit by `aggressor`.
    pub fn new(price_ticks: i64, qty_lots: i64, aggressor: Side) -> Self {
        let qty = i128::from(qty_lots);
        let buy = aggressor == Side::Buy;
        TradeSample {
            signed_qty: if buy { qty } else { -qty },
            qty,
            notional: i128::from(price_ticks) * qty,
            buys: i64::from(buy),
            sells: i64::from(!buy),
        }
    }
}

impl WindowSample for TradeSample {
    #[inline]
    fn add(&mut self, o: &Self) {
        self.signed_qty = self.signed_qty.wrapping_add(o.signed_qty);
        self.qty = self.qty.wrapping_add(o.qty);
        self.notional = self.notional.wrapping_add(o.notional);
        self.buys = self.buys.wrapping_add(o.buys);
        self.sells = self.sells.wrapping_add(o.sells);
    }

    #[inline]
    fn sub(&mut self, o: &Self) {
        self.signed_qty = self.signed_qty.wrapping_sub(o.signed_qty);
        self.qty = self.qty.wrapping_sub(o.qty);
        self.notional = self.notional.wrapping_sub(o.notional);
        self.buys = self.buys.wrapping_sub(o.buys);
        self.sells = self.sells.wrapping_sub(o.sells);
    }
}

/// Trade features of one market.
#[derive(Debug, Clone)]
pub struct TradeFlow {
    windows: NestedWindows<TradeSample, TRADE_WINDOWS>,
    last_trade: Option<i64>,
    max_age_ns: i64,
}

impl TradeFlow {
    /// Empty windows sized by `config` (assumed valid).
    pub fn new(config: &FeatureConfig) -> Self {
        let nanos =
            |ms: u64| i64::try_from(ms).map_or(i64::MAX, |ms| ms.saturating_mul(NANOS_PER_MS));
        let [t0, t1, t2] = config.time_windows_ms.map(nanos);
        TradeFlow {
            windows: NestedWindows::new(
                [
                    WindowSpan::Nanos(t0),
                    WindowSpan::Nanos(t1),
                    WindowSpan::Nanos(t2),
                    WindowSpan::Nanos(nanos(config.vwap_window_ms)),
                ],
                config.max_window_samples,
            ),
            last_trade: None,
            max_age_ns: nanos(config.max_trade_age_ms),
        }
    }

    /// Records a trade at `now` (ns, non-decreasing).
    pub fn on_trade(&mut self, now: i64, sample: TradeSample) {
        self.windows.push(now, sample);
        self.windows.advance(now);
        self.last_trade = Some(now);
    }

    /// Moves time to `now` without a trade.
    #[inline]
    pub fn advance(&mut self, now: i64) {
        self.windows.advance(now);
    }

    /// `sign(v) · ln(1 + |v|)` of the net aggressor lots `v` in wall-time window `k` (0–2).
    pub fn signed_volume(&self, k: usize) -> f64 {
        signed_log1p(self.windows.sum(k).signed_qty as f64)
    }

    /// `(buys − sells) / (buys + sells)` in wall-time window `k` (0–2); 0 with no trade.
    pub fn count_imbalance(&self, k: usize) -> f64 {
        let s = self.windows.sum(k);
        ratio((s.buys - s.sells) as f64, (s.buys + s.sells) as f64)
    }

    /// `(vwap − mid) / mid · 1e4` over the VWAP window; 0 with no trade or no mid.
    pub fn vwap_mid_bps(&self, mid_ticks: Option<f64>) -> f64 {
        let s = self.windows.sum(VWAP);
        match mid_ticks {
            Some(mid) if s.qty > 0 => {
                let vwap = s.notional as f64 / s.qty as f64;
                ratio(vwap - mid, mid) * BPS
            }
            _ => 0.0,
        }
    }

    /// Seconds from the last trade to `now`, capped at `max_trade_age_ms` (the cap before
    /// any trade).
    pub fn time_since_trade_s(&self, now: i64) -> f64 {
        let age = self.last_trade.map_or(self.max_age_ns, |t| {
            now.saturating_sub(t).clamp(0, self.max_age_ns)
        });
        age as f64 / NANOS_PER_SEC
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use flashmm_core::time::NANOS_PER_MILLI as MS;

    #[test]
    fn signed_volume_and_counts_by_hand() {
        let cfg = FeatureConfig {
            time_windows_ms: [10, 100, 1_000],
            vwap_window_ms: 100,
            ..FeatureConfig::default()
        };
        let mut f = TradeFlow::new(&cfg);
        assert_eq!(f.time_since_trade_s(0), 300.0);
        f.on_trade(0, TradeSample::new(100, 5, Side::Buy));
        f.on_trade(20 * MS, TradeSample::new(101, 3, Side::Buy));
        f.on_trade(25 * MS, TradeSample::new(99, 10, Side::Sell));
        // 10 ms window (after 15 ms): net 3 − 10 = −7, one buy and one sell.
        assert_eq!(f.signed_volume(0), -(7f64.ln_1p()));
        assert_eq!(f.count_imbalance(0), 0.0);
        // 100 ms: net 5 + 3 − 10 = −2, 2 buys vs 1 sell.
        assert_eq!(f.signed_volume(1), -(2f64.ln_1p()));
        assert_eq!(f.count_imbalance(1), 1.0 / 3.0);
        // VWAP (500 + 303 + 990) / 18 against a mid of 100.
        let vwap = 1793.0 / 18.0;
        assert!((f.vwap_mid_bps(Some(100.0)) - (vwap - 100.0) / 100.0 * 1e4).abs() < 1e-9);
        assert_eq!(f.vwap_mid_bps(None), 0.0);
        assert!((f.time_since_trade_s(525 * MS) - 0.5).abs() < 1e-12);
        // A huge gap empties the windows and caps the age.
        f.advance(i64::MAX);
        assert_eq!(f.signed_volume(2), 0.0);
        assert_eq!(f.count_imbalance(2), 0.0);
        assert_eq!(f.vwap_mid_bps(Some(100.0)), 0.0);
        assert_eq!(f.time_since_trade_s(i64::MAX), 300.0);
    }
}
