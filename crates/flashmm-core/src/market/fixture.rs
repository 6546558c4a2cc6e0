//! Market specs for tests and benches of every crate (feature `fixture`): one place that builds
//! them instead of a constructor per test file.

use rust_decimal::Decimal;

use super::{MarketId, MarketSpec};

/// A fee-less spec of `symbol` with `tick`, `lot` and `min_notional`.
///
/// # Panics
/// On a symbol or spec the market module refuses: fixtures are fixed test values.
pub fn spec(symbol: &str, tick: Decimal, lot: Decimal, min_notional: Decimal) -> MarketSpec {
    let id = MarketId::new(symbol).expect("fixture market id");
    MarketSpec::new(id, tick, lot, min_notional, Decimal::ZERO, Decimal::ZERO)
        .expect("fixture market spec")
}

/// SEI/USDC as the simulator lists it: tick 0.0001, lot 0.1, min notional 1, no fees.
pub fn sei_usdc() -> MarketSpec {
    spec(
        "SEI/USDC",
        Decimal::new(1, 4),
        Decimal::new(1, 1),
        Decimal::ONE,
    )
}

/// A spec of `symbol` on the simulator's SEI/USDC grid (tick 0.0001, lot 0.1) with
/// `min_notional` and the simulator's default fees: a maker rebate of 1 bp, a taker fee of 5 bp.
pub fn simulated(symbol: &str, min_notional: Decimal) -> MarketSpec {
    let id = MarketId::new(symbol).expect("fixture market id");
    let (tick, lot) = (Decimal::new(1, 4), Decimal::new(1, 1));
    MarketSpec::new(
        id,
        tick,
        lot,
        min_notional,
        Decimal::new(-1, 4),
        Decimal::new(5, 4),
    )
    .expect("fixture market spec")
}

/// SEI/USDC as the simulator lists it, fees included: min notional 1.
pub fn sei_usdc_with_fees() -> MarketSpec {
    simulated("SEI/USDC", Decimal::ONE)
}
