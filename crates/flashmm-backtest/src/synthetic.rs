//! [`synthetic_records`]: a seeded random-walk market (book deltas and trades) for benches
//! and tests that need volume rather than hand-picked events.

use flashmm_core::book::{BookDelta, BookLevel, BookSnapshot};
use flashmm_core::identifiers::TradeId;
use flashmm_core::market::{MarketId, Price, Qty, Side};
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;
use flashmm_recording::{Record, RecordEvent};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn lv(ticks: i64, lots: i64) -> BookLevel {
    BookLevel::new(Price::from_ticks(ticks), Qty::from_lots(lots))
}

/// `n` records of `market`, one every `step_ns` from `t0`: a 10-level book around a mid
/// near 10 000 ticks whose touch moves a tick at random, size changes at the touch, and a
/// trade every fourth event. Deterministic for `seed`.
pub fn synthetic_records(
    market: &MarketId,
    n: usize,
    t0: i64,
    step_ns: i64,
    seed: u64,
) -> Vec<Record> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut bid = 10_000i64;
    let mut out = Vec::with_capacity(n);
    let depth = 10;
    out.push(Record {
        recv_ts: UnixNanos(t0),
        event: RecordEvent::from(BookSnapshot {
            market: market.clone(),
            seq: 1,
            bids: (0..depth).map(|i| lv(bid - i, 100)).collect(),
            asks: (0..depth).map(|i| lv(bid + 1 + i, 100)).collect(),
            ts: UnixNanos(t0),
        }),
    });
    let mut seq = 1u64;
    for i in 1..n {
        let ts = UnixNanos(t0 + i as i64 * step_ns);
        if i % 4 == 0 {
            let aggressor = if rng.random_bool(0.5) {
                Side::Buy
            } else {
                Side::Sell
            };
            let price = match aggressor {
                Side::Buy => bid + 1,
                Side::Sell => bid,
            };
            let Ok(trade_id) = TradeId::new(i.to_string()) else {
                continue;
            };
            out.push(Record {
                recv_ts: ts,
                event: RecordEvent::from(Trade {
                    market: market.clone(),
                    trade_id,
                    price: Price::from_ticks(price),
                    qty: Qty::from_lots(rng.random_range(1..40)),
                    aggressor,
                    ts,
                }),
            });
            continue;
        }
        let (bids, asks) = match rng.random_range(0..4) {
            0 => {
                // Up a tick: a new best bid, the best ask goes, a new deep ask.
                bid += 1;
                (
                    vec![lv(bid, 100), lv(bid - depth, 0)],
                    vec![lv(bid, 0), lv(bid + depth, 100)],
                )
            }
            1 => {
                bid -= 1;
                (
                    vec![lv(bid + 1, 0), lv(bid - depth + 1, 100)],
                    vec![lv(bid + 1, 100), lv(bid + depth + 1, 0)],
                )
            }
            2 => (vec![lv(bid, rng.random_range(20..200))], vec![]),
            _ => (vec![], vec![lv(bid + 1, rng.random_range(20..200))]),
        };
        seq += 1;
        out.push(Record {
            recv_ts: ts,
            event: RecordEvent::from(BookDelta {
                market: market.clone(),
                seq,
                prev_seq: Some(seq - 1),
                bids,
                asks,
                ts,
            }),
        });
    }
    out
}
