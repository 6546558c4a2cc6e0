//! A SEI/USDC [`MarketEngine`] with loose limits and a book around a mid, shared by the unit
//! tests of [`market`](super::market) and the decision bench (which takes this file by path).

use super::market::{AccountView, MarketEngine};
use flashmm_core::book::{BookLevel, BookSnapshot};
use flashmm_core::market::{MarketSpec, Price, Qty};
use flashmm_core::risk::{BreakerConfig, GuardLimits, RiskLimits};
use flashmm_core::strategy::RawQuoteParams;
use flashmm_core::time::UnixNanos;
use rust_decimal::Decimal;

/// SEI/USDC: tick 0.0001, lot 0.1, min notional 1, no fees.
pub fn spec() -> MarketSpec {
    flashmm_core::market::fixture::sei_usdc()
}

/// An engine that re-quotes on every tick and every decision, with at most `max_open_orders`.
pub fn engine(max_open_orders: u32) -> MarketEngine {
    MarketEngine::new(
        spec(),
        RawQuoteParams {
            quote_frequency_hz: 1e9,
            requote_tolerance_ticks: 0,
            ..RawQuoteParams::default()
        },
        Decimal::from(100),
        RiskLimits {
            max_position_quote: Decimal::from(2_000),
            max_order_notional: Decimal::from(500),
            max_open_orders,
            daily_loss_limit: Decimal::from(200),
            max_drawdown: Decimal::from(300),
            stale_data_timeout_ms: u64::MAX / 2_000_000,
            max_orders_per_sec: u32::MAX,
        },
        GuardLimits {
            price_band_bps: Decimal::from(500),
            global_max_notional: Decimal::from(1_000_000),
            extreme_move_sigmas: 5.0,
            extreme_move_window_ms: 1_000,
            extreme_move_min_bps: 30.0,
            drift_hit_rate_floor: 0.4,
            drift_min_samples: 200,
            breaker: BreakerConfig {
                threshold: 5,
                window_ms: 1_000,
                backoff_ms: 1_000,
                max_backoff_ms: 10_000,
            },
            max_clock_skew_ms: 1_000,
        },
        1,
        UnixNanos(0),
    )
}

/// Twenty levels of 500 lots from `start` ticks, `step` ticks apart.
pub fn levels(start: i64, step: i64) -> Vec<BookLevel> {
    (0..20)
        .map(|i| BookLevel::new(Price::from_ticks(start + step * i), Qty::from_lots(500)))
        .collect()
}

/// A level of `lots` at `ticks`.
pub fn level(ticks: i64, lots: i64) -> BookLevel {
    BookLevel::new(Price::from_ticks(ticks), Qty::from_lots(lots))
}

/// A SEI/USDC snapshot of `bids` and `asks`, seq `seq`, stamped 0.
pub fn book_snapshot(seq: u64, bids: Vec<BookLevel>, asks: Vec<BookLevel>) -> BookSnapshot {
    BookSnapshot {
        market: spec().id().clone(),
        seq,
        bids,
        asks,
        ts: UnixNanos(0),
    }
}

/// A flat account, quoting allowed or not.
pub fn account(can_quote: bool) -> AccountView {
    AccountView {
        can_quote,
        daily_pnl: Decimal::ZERO,
        equity: Decimal::ZERO,
        equity_peak: Decimal::ZERO,
        global_exposure: Decimal::ZERO,
    }
}
