//! [`BookFeatures`]: the features of one book state (spread, microprice, imbalance, depth,
//! slope), read from its top levels in one pass per side.

use crate::config::FeatureConfig;
use crate::numeric::{ratio, BPS};
use flashmm_core::book::{Levels, OrderBook};
use flashmm_core::market::Side;

/// Features of a single book state. Values that need both sides are 0 on a one-sided or
/// empty book, and `two_sided` says which case it is.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BookFeatures {
    /// `(ask − bid) / mid · 1e4`.
    pub spread_bps: f64,
    /// `(microprice − mid) / mid · 1e4`.
    pub micro_mid_bps: f64,
    /// 1 when both sides have a level, else 0.
    pub two_sided: f64,
    /// `(B_n − A_n) / (B_n + A_n)` for each of `imbalance_levels`, with `B_n`, `A_n` the
    /// bid and ask lots on the first `n` levels; 0 when both are 0.
    pub imbalance: [f64; 4],
    /// `ln(1 + lots)` on the first `depth_levels` levels: bid, ask.
    pub depth: [f64; 2],
    /// `Σ q·|p − mid| / Σ q / mid · 1e4` over the first `depth_levels` levels: bid, ask.
    pub slope_bps: [f64; 2],
    /// The mid in ticks, when the book is two-sided.
    pub mid_ticks: Option<f64>,
}

/// One pass over a side's top levels. Lot counts add up saturating (an `i64` of lots is
/// far beyond any real book); distances are in f64 ticks.
#[derive(Debug, Default)]
struct SideScan {
    /// Lots on the first `imbalance_levels[i]` levels.
    cum: [i64; 4],
    /// Lots on the first `depth_levels` levels.
    depth: i64,
    /// `Σ q · |p − mid|` on the first `depth_levels` levels (ticks × lots).
    dist: f64,
}

impl SideScan {
    fn run(levels: Levels<'_>, config: &FeatureConfig, mid: Option<f64>) -> Self {
        let mut scan = SideScan::default();
        let mut cum = 0i64;
        for (i, l) in levels.enumerate() {
            let lots = l.qty.lots().max(0);
            cum = cum.saturating_add(lots);
            let n = i + 1;
            for (slot, &lv) in scan.cum.iter_mut().zip(&config.imbalance_levels) {
                if n <= lv {
                    *slot = cum;
                }
            }
            if n <= config.depth_levels {
                scan.depth = cum;
                if let Some(mid) = mid {
                    scan.dist += lots as f64 * (l.price.ticks() as f64 - mid).abs();
                }
            }
        }
        scan
    }
}

impl BookFeatures {
    /// The features of `book` under `config`.
    pub fn compute(book: &OrderBook, config: &FeatureConfig) -> Self {
        let n = config.max_levels();
        let (bids, asks) = (book.depth(Side::Buy, n), book.depth(Side::Sell, n));
        let touch = book.best_bid().zip(book.best_ask());
        let mid = touch.map(|(b, a)| (b.price.ticks() as f64 + a.price.ticks() as f64) / 2.0);
        let b = SideScan::run(bids, config, mid);
        let a = SideScan::run(asks, config, mid);
        let imb = |bq: i64, aq: i64| {
            let (bq, aq) = (bq as f64, aq as f64);
            ratio(bq - aq, bq + aq)
        };
        let (b_depth, a_depth) = (b.depth as f64, a.depth as f64);
        let mut f = BookFeatures {
            imbalance: std::array::from_fn(|i| imb(b.cum[i], a.cum[i])),
            depth: [b_depth.ln_1p(), a_depth.ln_1p()],
            ..BookFeatures::default()
        };
        if let (Some((bid, ask)), Some(mid)) = (touch, mid) {
            let spread = ask.price.ticks() as f64 - bid.price.ticks() as f64;
            let (bq, aq) = (bid.qty.lots() as f64, ask.qty.lots() as f64);
            f.mid_ticks = Some(mid);
            f.two_sided = 1.0;
            f.spread_bps = ratio(spread, mid) * BPS;
            // microprice − mid = spread · (qb − qa) / (2 (qb + qa)).
            f.micro_mid_bps = ratio(spread * ratio(bq - aq, bq + aq) / 2.0, mid) * BPS;
            f.slope_bps = [
                ratio(ratio(b.dist, b_depth), mid) * BPS,
                ratio(ratio(a.dist, a_depth), mid) * BPS,
            ];
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flashmm_core::book::{BookLevel, BookSnapshot};
    use flashmm_core::market::{MarketId, Price, Qty};
    use flashmm_core::time::UnixNanos;

    fn book(bids: &[(i64, i64)], asks: &[(i64, i64)]) -> OrderBook {
        let market = MarketId::new("SEI/USDC").unwrap();
        let lv = |&(p, q): &(i64, i64)| BookLevel::new(Price::from_ticks(p), Qty::from_lots(q));
        let mut b = OrderBook::new(market.clone());
        b.apply_snapshot(&BookSnapshot {
            market,
            seq: 1,
            bids: bids.iter().map(lv).collect(),
            asks: asks.iter().map(lv).collect(),
            ts: UnixNanos(0),
        })
        .unwrap();
        b
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn tiny_book_by_hand() {
        // Bids 99×10, 98×20, 97×30, 96×40; asks 101×30, 102×10, 103×10.
        let b = book(
            &[(99, 10), (98, 20), (97, 30), (96, 40)],
            &[(101, 30), (102, 10), (103, 10)],
        );
        let cfg = FeatureConfig {
            imbalance_levels: [1, 2, 3, 5],
            depth_levels: 2,
            ..FeatureConfig::default()
        };
        let f = BookFeatures::compute(&b, &cfg);
        assert_eq!(f.mid_ticks, Some(100.0));
        assert_eq!(f.two_sided, 1.0);
        // Spread 2 ticks on a mid of 100: 200 bps.
        assert!(close(f.spread_bps, 200.0));
        // Microprice (99·30 + 101·10) / 40 = 99.5: −0.5 ticks = −50 bps.
        assert!(close(f.micro_mid_bps, -50.0));
        // L1 (10−30)/40, L2 (30−40)/70, L3 (60−50)/110, L5 (100−50)/150.
        let want = [-0.5, -10.0 / 70.0, 10.0 / 110.0, 50.0 / 150.0];
        for (got, want) in f.imbalance.iter().zip(want) {
            assert!(close(*got, want), "{got} vs {want}");
        }
        assert!(close(f.depth[0], 31f64.ln()));
        assert!(close(f.depth[1], 41f64.ln()));
        // Bid: (10·1 + 20·2) / 30 ticks from the mid; ask: (30·1 + 10·2) / 40.
        assert!(close(f.slope_bps[0], 50.0 / 30.0 / 100.0 * 1e4));
        assert!(close(f.slope_bps[1], 50.0 / 40.0 / 100.0 * 1e4));
    }

    #[test]
    fn one_sided_and_empty() {
        let f = BookFeatures::compute(&book(&[(99, 10)], &[]), &FeatureConfig::default());
        assert_eq!(f.two_sided, 0.0);
        assert_eq!(f.mid_ticks, None);
        assert_eq!((f.spread_bps, f.micro_mid_bps), (0.0, 0.0));
        assert_eq!(f.imbalance, [1.0; 4]);
        assert_eq!(f.slope_bps, [0.0; 2]);
        let f = BookFeatures::compute(&book(&[], &[]), &FeatureConfig::default());
        assert_eq!(f, BookFeatures::default());
    }
}
