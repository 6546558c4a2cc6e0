//! [`OrderBook`]: one market's L2 book, built from snapshots and deltas.

use super::ladder::{check_values, Ladder, Levels};
use super::{BookDelta, BookError, BookLevel, BookSnapshot};
use crate::market::{MarketId, MarketSpec, Price, Qty, Side};
use crate::time::UnixNanos;
use rust_decimal::Decimal;

/// The L2 book of one market.
///
/// Every update is checked in full before anything changes, so a refused snapshot or delta
/// leaves the book exactly as it was. On [`BookError::SequenceGap`] the owner should resync
/// from a fresh snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBook {
    market: MarketId,
    bids: Ladder,
    asks: Ladder,
    seq: Option<u64>,
    ts: UnixNanos,
}

impl OrderBook {
    /// An empty book that waits for its first snapshot.
    pub fn new(market: MarketId) -> Self {
        OrderBook {
            market,
            bids: Ladder::new(Side::Buy),
            asks: Ladder::new(Side::Sell),
            seq: None,
            ts: UnixNanos::default(),
        }
    }

    /// The book's market.
    pub fn market(&self) -> &MarketId {
        &self.market
    }

    /// The sequence of the last applied update; `None` before the first snapshot.
    pub fn seq(&self) -> Option<u64> {
        self.seq
    }

    /// The venue timestamp of the last applied update.
    pub fn ts(&self) -> UnixNanos {
        self.ts
    }

    /// Replaces the whole book with a snapshot, whatever its sequence (this is the resync
    /// path). Zero-quantity levels are dropped.
    pub fn apply_snapshot(&mut self, snap: &BookSnapshot) -> Result<(), BookError> {
        self.check_market(&snap.market)?;
        let mut sides = [snap.bids.clone(), snap.asks.clone()];
        for (side, levels) in [Side::Buy, Side::Sell].into_iter().zip(sides.iter_mut()) {
            check_values(side, levels)?;
            Ladder::sort_snapshot(side, levels);
            if let Some(price) = Ladder::first_duplicate(levels) {
                return Err(BookError::DuplicateLevel { side, price });
            }
        }
        let [bids, asks] = sides;
        check_crossed(bids.last().map(|l| l.price), asks.last().map(|l| l.price))?;
        self.bids.replace(bids);
        self.asks.replace(asks);
        self.seq = Some(snap.seq);
        self.ts = snap.ts;
        Ok(())
    }

    /// Applies a delta after checking its market, sequence (stale or, with `prev_seq`, a gap),
    /// levels and that the result is not crossed or locked.
    pub fn apply_delta(&mut self, delta: &BookDelta) -> Result<(), BookError> {
        self.check_market(&delta.market)?;
        let last = self.seq.ok_or(BookError::NoSnapshot)?;
        if delta.seq <= last {
            return Err(BookError::StaleSequence {
                last,
                got: delta.seq,
            });
        }
        if let Some(prev) = delta.prev_seq {
            if prev != last {
                return Err(BookError::SequenceGap {
                    expected: last,
                    got: prev,
                });
            }
        }
        self.bids.check(&delta.bids)?;
        self.asks.check(&delta.asks)?;
        check_crossed(
            self.bids.best_after(&delta.bids),
            self.asks.best_after(&delta.asks),
        )?;
        for &l in &delta.bids {
            self.bids.set(l);
        }
        for &l in &delta.asks {
            self.asks.set(l);
        }
        self.seq = Some(delta.seq);
        self.ts = delta.ts;
        Ok(())
    }

    /// The whole book as a snapshot message.
    pub fn to_snapshot(&self) -> Option<BookSnapshot> {
        Some(BookSnapshot {
            market: self.market.clone(),
            seq: self.seq?,
            bids: self.bids.levels().collect(),
            asks: self.asks.levels().collect(),
            ts: self.ts,
        })
    }

    /// The best bid level.
    #[inline]
    pub fn best_bid(&self) -> Option<BookLevel> {
        self.bids.best()
    }

    /// The best ask level.
    #[inline]
    pub fn best_ask(&self) -> Option<BookLevel> {
        self.asks.best()
    }

    /// Best ask minus best bid, in ticks (always positive).
    pub fn spread_ticks(&self) -> Option<i64> {
        Some(self.best_ask()?.price.ticks() - self.best_bid()?.price.ticks())
    }

    /// The mid price, exact, in quote currency.
    pub fn mid(&self, spec: &MarketSpec) -> Option<Decimal> {
        // (bid + ask) ticks × tick / 2, exact: × 5 at one more decimal place (no division).
        let ticks = i128::from(self.best_bid()?.price.ticks())
            .checked_add(i128::from(self.best_ask()?.price.ticks()))?;
        let tick = spec.tick_size();
        let mantissa = ticks.checked_mul(tick.mantissa())?.checked_mul(5)?;
        Decimal::try_from_i128_with_scale(mantissa, tick.scale() + 1).ok()
    }

    /// The mid price in ticks, as a float for features.
    pub fn mid_ticks(&self) -> Option<f64> {
        let (bid, ask) = (self.best_bid()?.price, self.best_ask()?.price);
        Some((bid.ticks() as f64 + ask.ticks() as f64) / 2.0)
    }

    /// The size-weighted microprice in ticks: the touch prices weighted by the opposite
    /// side's size, `(bid × ask_qty + ask × bid_qty) / (bid_qty + ask_qty)`.
    pub fn microprice(&self) -> Option<f64> {
        let (bid, ask) = (self.best_bid()?, self.best_ask()?);
        let (bq, aq) = (bid.qty.lots() as f64, ask.qty.lots() as f64);
        Some((bid.price.ticks() as f64 * aq + ask.price.ticks() as f64 * bq) / (bq + aq))
    }

    /// Every level of a side, best first.
    pub fn levels(&self, side: Side) -> Levels<'_> {
        self.ladder(side).levels()
    }

    /// The best `n` levels of a side, best first (fewer when the side is shallower).
    pub fn depth(&self, side: Side, n: usize) -> Levels<'_> {
        self.ladder(side).top(n)
    }

    /// The quantity shown at `price` on a side (zero when there is no such level).
    pub fn qty_at(&self, side: Side, price: Price) -> Qty {
        self.ladder(side).qty_at(price)
    }

    /// The total quantity of the best `n` levels of a side.
    pub fn total_qty(&self, side: Side, n: usize) -> Qty {
        self.ladder(side).total(n)
    }

    fn ladder(&self, side: Side) -> &Ladder {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    fn check_market(&self, market: &MarketId) -> Result<(), BookError> {
        if *market != self.market {
            return Err(BookError::MarketMismatch {
                expected: self.market.clone(),
                got: market.clone(),
            });
        }
        Ok(())
    }
}

/// Refuses a best bid at or above the best ask.
fn check_crossed(bid: Option<Price>, ask: Option<Price>) -> Result<(), BookError> {
    match (bid, ask) {
        (Some(bid), Some(ask)) if bid >= ask => Err(BookError::Crossed { bid, ask }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::str::FromStr;

    fn lv(p: i64, q: i64) -> BookLevel {
        BookLevel::new(Price::from_ticks(p), Qty::from_lots(q))
    }

    /// A side's levels, best first.
    fn side(b: &OrderBook, side: Side) -> Vec<BookLevel> {
        b.levels(side).collect()
    }

    fn mkt() -> MarketId {
        MarketId::new("SEI/USDC").unwrap()
    }

    fn book() -> OrderBook {
        let mut b = OrderBook::new(mkt());
        let snap = BookSnapshot {
            market: mkt(),
            seq: 10,
            bids: vec![lv(98, 5), lv(100, 10), lv(99, 7)],
            asks: vec![lv(103, 4), lv(101, 3), lv(102, 0)],
            ts: UnixNanos(1),
        };
        b.apply_snapshot(&snap).unwrap();
        b
    }

    fn delta(seq: u64, prev: Option<u64>, bids: Vec<BookLevel>, asks: Vec<BookLevel>) -> BookDelta {
        BookDelta {
            market: mkt(),
            seq,
            prev_seq: prev,
            bids,
            asks,
            ts: UnixNanos(seq as i64),
        }
    }

    #[test]
    fn snapshot_sorts_and_queries() {
        let b = book();
        assert_eq!(side(&b, Side::Buy), [lv(100, 10), lv(99, 7), lv(98, 5)]);
        assert_eq!(side(&b, Side::Sell), [lv(101, 3), lv(103, 4)]);
        assert_eq!(b.spread_ticks(), Some(1));
        assert_eq!(b.mid_ticks(), Some(100.5));
        let spec = MarketSpec::new(
            mkt(),
            Decimal::from_str("0.0001").unwrap(),
            Decimal::ONE,
            Decimal::ZERO,
            Decimal::ZERO,
            Decimal::ZERO,
        )
        .unwrap();
        assert_eq!(b.mid(&spec), Some(Decimal::from_str("0.01005").unwrap()));
        let micro = b.microprice().unwrap();
        assert!((micro - (100.0 * 3.0 + 101.0 * 10.0) / 13.0).abs() < 1e-12);
        assert_eq!(
            b.depth(Side::Buy, 2).collect::<Vec<_>>(),
            [lv(100, 10), lv(99, 7)]
        );
        assert_eq!(b.depth(Side::Sell, 5).len(), 2);
        assert_eq!(b.total_qty(Side::Buy, 2), Qty::from_lots(17));
        assert_eq!(b.total_qty(Side::Sell, 9), Qty::from_lots(7));
        assert_eq!(
            b.qty_at(Side::Buy, Price::from_ticks(99)),
            Qty::from_lots(7)
        );
        assert_eq!(
            b.qty_at(Side::Sell, Price::from_ticks(103)),
            Qty::from_lots(4)
        );
        assert_eq!(b.qty_at(Side::Sell, Price::from_ticks(102)), Qty::ZERO);
        assert_eq!(b.to_snapshot().unwrap().seq, 10);
    }

    #[test]
    fn delta_inserts_updates_and_removes() {
        let mut b = book();
        b.apply_delta(&delta(
            11,
            Some(10),
            vec![lv(100, 0), lv(99, 8), lv(97, 1)],
            vec![lv(100, 2)],
        ))
        .unwrap();
        assert_eq!(side(&b, Side::Buy), [lv(99, 8), lv(98, 5), lv(97, 1)]);
        assert_eq!(side(&b, Side::Sell), [lv(100, 2), lv(101, 3), lv(103, 4)]);
        assert_eq!(b.seq(), Some(11));
        // Removing an absent level is a no-op; no prev_seq means only monotonicity is checked.
        b.apply_delta(&delta(15, None, vec![lv(50, 0)], vec![]))
            .unwrap();
        assert_eq!(b.levels(Side::Buy).len(), 3);
    }

    #[test]
    fn refused_updates_leave_book_unchanged() {
        let mut b = book();
        let before = b.clone();
        let cases = [
            (
                delta(10, None, vec![], vec![]),
                BookError::StaleSequence { last: 10, got: 10 },
            ),
            (
                delta(12, Some(11), vec![], vec![]),
                BookError::SequenceGap {
                    expected: 10,
                    got: 11,
                },
            ),
            (
                delta(11, Some(10), vec![lv(99, 1), lv(101, 1)], vec![]),
                BookError::Crossed {
                    bid: Price::from_ticks(101),
                    ask: Price::from_ticks(101),
                },
            ),
            (
                delta(11, None, vec![], vec![lv(101, 0), lv(103, 0), lv(100, 1)]),
                BookError::Crossed {
                    bid: Price::from_ticks(100),
                    ask: Price::from_ticks(100),
                },
            ),
            (
                delta(11, None, vec![lv(99, 1)], vec![lv(102, -1)]),
                BookError::NegativeQty {
                    side: Side::Sell,
                    price: Price::from_ticks(102),
                    qty: Qty::from_lots(-1),
                },
            ),
            (
                delta(11, None, vec![lv(97, 1), lv(97, 2)], vec![]),
                BookError::DuplicateLevel {
                    side: Side::Buy,
                    price: Price::from_ticks(97),
                },
            ),
            (
                delta(11, None, vec![lv(0, 1)], vec![]),
                BookError::InvalidPrice {
                    side: Side::Buy,
                    price: Price::from_ticks(0),
                },
            ),
        ];
        for (d, err) in cases {
            assert_eq!(b.apply_delta(&d), Err(err));
            assert_eq!(b, before);
        }
        let mut other = delta(11, None, vec![], vec![]);
        other.market = MarketId::new("ATOM/USDC").unwrap();
        assert!(matches!(
            b.apply_delta(&other),
            Err(BookError::MarketMismatch { .. })
        ));

        let crossed = BookSnapshot {
            market: mkt(),
            seq: 20,
            bids: vec![lv(101, 1)],
            asks: vec![lv(101, 1)],
            ts: UnixNanos(2),
        };
        assert!(matches!(
            b.apply_snapshot(&crossed),
            Err(BookError::Crossed { .. })
        ));
        let dup = BookSnapshot {
            bids: vec![lv(99, 1), lv(99, 2)],
            asks: vec![],
            ..crossed
        };
        assert!(matches!(
            b.apply_snapshot(&dup),
            Err(BookError::DuplicateLevel { .. })
        ));
        assert_eq!(b, before);
    }

    #[test]
    fn delta_needs_snapshot() {
        let mut b = OrderBook::new(mkt());
        assert_eq!(
            b.apply_delta(&delta(1, None, vec![], vec![])),
            Err(BookError::NoSnapshot)
        );
        assert_eq!(b.best_bid(), None);
        assert_eq!(b.mid_ticks(), None);
        assert_eq!(b.to_snapshot(), None);
    }

    #[test]
    fn one_sided_book_is_fine() {
        let mut b = book();
        b.apply_delta(&delta(11, None, vec![], vec![lv(101, 0), lv(103, 0)]))
            .unwrap();
        assert_eq!(b.best_ask(), None);
        assert_eq!(b.spread_ticks(), None);
        assert_eq!(b.microprice(), None);
    }

    /// The map model of [`book`]: price → quantity per side.
    fn model() -> (BTreeMap<i64, i64>, BTreeMap<i64, i64>) {
        (
            [(100, 10), (99, 7), (98, 5)].into(),
            [(101, 3), (103, 4)].into(),
        )
    }

    /// A delta (no `prev_seq`) carrying the model updates `bids` and `asks`.
    fn model_delta(seq: u64, bids: &BTreeMap<i64, i64>, asks: &BTreeMap<i64, i64>) -> BookDelta {
        let levels = |m: &BTreeMap<i64, i64>| m.iter().map(|(&p, &q)| lv(p, q)).collect();
        delta(seq, None, levels(bids), levels(asks))
    }

    /// Applies an update to one side of the model: quantity zero removes the level.
    fn model_apply(side: &mut BTreeMap<i64, i64>, update: &BTreeMap<i64, i64>) {
        for (&p, &q) in update {
            if q == 0 {
                side.remove(&p);
            } else {
                side.insert(p, q);
            }
        }
    }

    /// The model's levels, best first: bids descending, asks ascending.
    fn model_levels(
        bids: &BTreeMap<i64, i64>,
        asks: &BTreeMap<i64, i64>,
    ) -> (Vec<BookLevel>, Vec<BookLevel>) {
        (
            bids.iter().rev().map(|(&p, &q)| lv(p, q)).collect(),
            asks.iter().map(|(&p, &q)| lv(p, q)).collect(),
        )
    }

    proptest::proptest! {
        /// Against a plain map model: every accepted delta matches the model, every refused
        /// one is exactly a crossed/locked result, and the ladders stay sorted best first.
        #[test]
        fn matches_map_model(
            deltas in proptest::collection::vec(
                (proptest::collection::btree_map(90i64..110, 0i64..4, 0..4),
                 proptest::collection::btree_map(90i64..110, 0i64..4, 0..4)),
                1..60,
            )
        ) {
            let mut b = book();
            let (mut bids, mut asks) = model();
            for (i, (db, da)) in deltas.into_iter().enumerate() {
                let d = model_delta(11 + i as u64, &db, &da);
                let (mut nb, mut na) = (bids.clone(), asks.clone());
                model_apply(&mut nb, &db);
                model_apply(&mut na, &da);
                let crossed = matches!(
                    (nb.keys().next_back(), na.keys().next()), (Some(b), Some(a)) if b >= a
                );
                let res = b.apply_delta(&d);
                proptest::prop_assert_eq!(res.is_err(), crossed);
                if !crossed {
                    bids = nb;
                    asks = na;
                }
                let (want_bids, want_asks) = model_levels(&bids, &asks);
                proptest::prop_assert_eq!(side(&b, Side::Buy), want_bids);
                proptest::prop_assert_eq!(side(&b, Side::Sell), want_asks);
            }
        }

        /// Deep sides (dozens of levels over more ticks than the window spans under test, so the
        /// window moves and some levels lie beyond it): every delta, never crossing, leaves both
        /// sides equal to a plain map model.
        #[test]
        fn deep_ladders_match_map_model(
            deltas in proptest::collection::vec(
                (proptest::collection::btree_map(20i64..101, 0i64..4, 0..12),
                 proptest::collection::btree_map(101i64..180, 0i64..4, 0..12)),
                1..80,
            )
        ) {
            let mut b = book();
            let (mut bids, mut asks) = model();
            for (i, (db, da)) in deltas.into_iter().enumerate() {
                let d = model_delta(11 + i as u64, &db, &da);
                model_apply(&mut bids, &db);
                model_apply(&mut asks, &da);
                proptest::prop_assert!(b.apply_delta(&d).is_ok());
                let (want_bids, want_asks) = model_levels(&bids, &asks);
                proptest::prop_assert_eq!(side(&b, Side::Buy), want_bids);
                proptest::prop_assert_eq!(side(&b, Side::Sell), want_asks);
            }
        }
    }
}
