//! [`Report`]: the figures of one run, written as JSON, and how they are computed from the
//! [`MetricsRecorder`].

use std::path::Path;

use flashmm_core::inventory::Position;
use flashmm_core::market::{MarketSpec, Qty};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::config::BacktestConfig;
use crate::error::BacktestError;
use crate::metrics::MetricsRecorder;
use crate::strategy::StrategyStats;

/// Money figures, exact, in quote currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PnlReport {
    /// Realized + unrealized − fees + rebates, at the final mid.
    pub net: Decimal,
    /// Realized P&L, before fees.
    pub realized: Decimal,
    /// Unrealized P&L of the final position at the final mid.
    pub unrealized: Decimal,
    /// Fees paid (taker, or positive maker rates).
    pub fees_paid: Decimal,
    /// Rebates received.
    pub rebates: Decimal,
    /// The same P&L by cash-flow accounting: Σ cash of fills − Σ fees + position × final mid.
    /// Equal to `net` exactly.
    pub cash_flow: Decimal,
    /// Final position in base units.
    pub final_position: Decimal,
    /// The final mid.
    pub final_mid: Option<Decimal>,
    /// Net P&L per unit of notional traded, in bps.
    pub per_notional_bps: Option<f64>,
    /// Net P&L per base unit traded, in quote currency.
    pub per_base_unit: Option<Decimal>,
    /// Largest fall of the sampled equity from its running peak (≥ 0).
    pub max_drawdown: Decimal,
}

/// Sharpe ratio of per-minute P&L changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharpeReport {
    /// Whole minutes of returns.
    pub minutes: usize,
    /// Mean per-minute P&L change, quote currency.
    pub mean: f64,
    /// Standard deviation of the per-minute P&L changes (sample, n − 1).
    pub std: f64,
    /// `mean / std` per minute (`None` with fewer than 2 returns or no variation).
    pub per_minute: Option<f64>,
    /// Annualised: per-minute × √525 600.
    pub annualised: Option<f64>,
}

/// Order flow figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TradingReport {
    /// Fills of resting orders.
    pub maker_fills: u64,
    /// Fills of crossing orders.
    pub taker_fills: u64,
    /// Base units bought.
    pub bought: Decimal,
    /// Base units sold.
    pub sold: Decimal,
    /// Notional traded.
    pub notional: Decimal,
    /// Filled lots / placed lots.
    pub fill_ratio: Option<f64>,
    /// Cancels sent per fill.
    pub cancels_per_fill: Option<f64>,
    /// What the strategy did.
    pub strategy: StrategyStats,
}

/// Spreads, time-weighted over the time the market was two-sided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpreadReport {
    /// The market's spread, bps of the mid.
    pub market_bps: Option<f64>,
    /// The market's spread, ticks.
    pub market_ticks: Option<f64>,
    /// Our own spread (our best ask − our best bid) while both rest, bps.
    pub ours_bps: Option<f64>,
    /// The spread of the book with our orders in it, bps: below `market_bps` when our
    /// quotes tighten the market.
    pub with_us_bps: Option<f64>,
    /// Share of the time our orders made the spread tighter.
    pub tighter_share: Option<f64>,
    /// Share of the time our orders rested (the market two-sided) that our best bid or best
    /// ask was at or inside the market's touch.
    #[serde(default)]
    pub at_touch_share: Option<f64>,
    /// Share of the time both our bid and ask rested.
    pub two_sided_share: Option<f64>,
    /// Share of the time at least one of our orders rested.
    pub quoting_share: Option<f64>,
}

/// The distribution of the position over time (time-weighted), in base units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryReport {
    /// Time-weighted mean position.
    pub mean: f64,
    /// Time-weighted mean absolute position.
    pub mean_abs: f64,
    /// Smallest position held.
    pub min: Decimal,
    /// Largest position held.
    pub max: Decimal,
    /// Time-weighted quantiles: (q, position) for q in 1, 5, 25, 50, 75, 95, 99 %.
    pub quantiles: Vec<(f64, Decimal)>,
    /// Share of the time flat.
    pub flat_share: f64,
}

/// Adverse selection: the mid move after our fills, signed so that positive is in our favour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkoutReport {
    /// Horizon after the fill, ms.
    pub horizon_ms: u64,
    /// Fills measured.
    pub fills: u64,
    /// Size-weighted mean markout, bps of the fill price.
    pub mean_bps: Option<f64>,
    /// Share of fills with a positive markout.
    pub favourable_share: Option<f64>,
    /// Fills whose horizon ran past the end of the data.
    pub unresolved: u64,
}

/// Replay counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayReport {
    /// Records read.
    pub records: u64,
    /// Book snapshots and deltas.
    pub book_events: u64,
    /// Public trades.
    pub trades: u64,
    /// Records of other markets, skipped.
    pub other_markets: u64,
    /// Records that could not be read (skipped, counted).
    pub unreadable: u64,
    /// Book updates the venue's book refused.
    pub refused_updates: u64,
    /// Venue time counted (from `trade_from`), seconds.
    pub seconds: f64,
    /// First and last venue time counted, ns.
    pub span_ns: Option<(i64, i64)>,
}

/// The figures of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// `baseline` or `ml`.
    pub strategy: String,
    /// The model's id for `ml`.
    pub model_id: Option<String>,
    /// The market.
    pub market: String,
    /// The run's settings.
    pub config: BacktestConfig,
    /// Replay counts.
    pub replay: ReplayReport,
    /// P&L.
    pub pnl: PnlReport,
    /// Sharpe of per-minute P&L changes.
    pub sharpe: SharpeReport,
    /// Order flow.
    pub trading: TradingReport,
    /// Spreads.
    pub spread: SpreadReport,
    /// Inventory distribution.
    pub inventory: InventoryReport,
    /// Markouts at each horizon.
    pub markouts: Vec<MarkoutReport>,
    /// Equity samples (venue time ns, net P&L), for charts.
    pub equity_curve: Vec<(i64, Decimal)>,
    /// Position after each fill (venue time ns, base units), for charts.
    pub position_curve: Vec<(i64, Decimal)>,
}

impl Report {
    /// Writes the report as pretty JSON to `path`.
    pub fn write_json(&self, path: &Path) -> Result<(), BacktestError> {
        let out = |e: &dyn std::fmt::Display| BacktestError::Output {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        let text = serde_json::to_string_pretty(self).map_err(|e| out(&e))?;
        std::fs::write(path, text).map_err(|e| out(&e))
    }
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b != 0.0 && (a / b).is_finite()).then(|| a / b)
}

/// The inputs of a report besides the recorder.
#[derive(Debug)]
pub struct ReportInputs<'a> {
    /// `baseline` or `ml`.
    pub strategy: &'a str,
    /// The model's id.
    pub model_id: Option<String>,
    /// The market's spec.
    pub spec: &'a MarketSpec,
    /// The run's settings.
    pub config: &'a BacktestConfig,
    /// The true final position.
    pub position: &'a Position,
    /// The final mid.
    pub final_mid: Option<Decimal>,
    /// Strategy counts.
    pub stats: StrategyStats,
    /// Replay counts.
    pub replay: ReplayReport,
}

/// Computes the report of a finished run.
pub fn build_report(m: &MetricsRecorder, inp: ReportInputs<'_>) -> Result<Report, BacktestError> {
    let spec = inp.spec;
    let base = |lots: i64| spec.qty_to_decimal(Qty::from_lots(lots));
    let pos = inp.position;
    let mid = inp.final_mid.unwrap_or(Decimal::ZERO);
    let realized = pos.realized_pnl(spec)?;
    let unrealized = if pos.is_flat() {
        Decimal::ZERO
    } else {
        pos.unrealized_pnl(spec, mid)?
    };
    let net = realized + unrealized - pos.net_fees();
    let cash_flow = spec.quote_from_units(m.cash_units)? - m.fees + pos.notional(spec, mid)?;
    let traded_base = base(m.bought_sold_lots.0 + m.bought_sold_lots.1);

    let mut peak = Decimal::ZERO;
    let mut max_drawdown = Decimal::ZERO;
    for &(_, e) in &m.equity {
        peak = peak.max(e);
        max_drawdown = max_drawdown.max(peak - e);
    }

    let pnl = PnlReport {
        net,
        realized,
        unrealized,
        fees_paid: pos.fees_paid(),
        rebates: pos.rebates_earned(),
        cash_flow,
        final_position: base(pos.qty()),
        final_mid: inp.final_mid,
        per_notional_bps: (!m.traded_notional.is_zero())
            .then(|| net / m.traded_notional * Decimal::from(10_000))
            .and_then(|d| d.to_f64()),
        per_base_unit: (!traded_base.is_zero()).then(|| net / traded_base),
        max_drawdown,
    };

    let sharpe = sharpe(m);
    let fills = m.fills.0 + m.fills.1;
    let filled_lots = (m.filled_lots.0 + m.filled_lots.1) as f64;
    let trading = TradingReport {
        maker_fills: m.fills.0,
        taker_fills: m.fills.1,
        bought: base(m.bought_sold_lots.0),
        sold: base(m.bought_sold_lots.1),
        notional: m.traded_notional,
        fill_ratio: ratio(filled_lots, inp.stats.lots_placed as f64),
        cancels_per_fill: ratio(inp.stats.cancels_sent as f64, fills as f64),
        strategy: inp.stats,
    };

    let mt = m.market_time_ns as f64;
    let total = m.span.map_or(0, |(a, b)| b - a) as f64;
    let spread = SpreadReport {
        market_bps: ratio(m.market_spread_bps_ns, mt),
        market_ticks: ratio(m.market_spread_ticks_ns, mt),
        ours_bps: ratio(m.ours_spread_bps_ns, m.ours_time_ns as f64),
        with_us_bps: ratio(m.combined_spread_bps_ns, mt),
        tighter_share: ratio(m.tighter_time_ns as f64, mt),
        at_touch_share: ratio(m.at_touch_time_ns as f64, m.resting_market_time_ns as f64),
        two_sided_share: ratio(m.ours_time_ns as f64, mt),
        quoting_share: ratio(m.quoting_time_ns as f64, total),
    };

    let inventory = inventory(m, &base);
    let markouts = m
        .markouts
        .iter()
        .map(|a| MarkoutReport {
            horizon_ms: a.horizon_ms,
            fills: a.fills,
            mean_bps: ratio(a.weighted_bps, a.lots as f64),
            favourable_share: ratio(a.favourable as f64, a.fills as f64),
            unresolved: a.unresolved,
        })
        .collect();

    Ok(Report {
        strategy: inp.strategy.to_owned(),
        model_id: inp.model_id,
        market: spec.id().to_string(),
        config: inp.config.clone(),
        replay: inp.replay,
        pnl,
        sharpe,
        trading,
        spread,
        inventory,
        markouts,
        equity_curve: m.equity.clone(),
        position_curve: m.positions.iter().map(|&(t, l)| (t, base(l))).collect(),
    })
}

/// Sharpe of the per-minute changes of the sampled equity, minute boundaries counted from the
/// first sample.
fn sharpe(m: &MetricsRecorder) -> SharpeReport {
    use flashmm_core::time::NANOS_PER_MINUTE as MINUTE;
    let mut at_minutes: Vec<f64> = Vec::new();
    if let Some(&(t0, _)) = m.equity.first() {
        let mut next = t0;
        for &(t, e) in &m.equity {
            if t >= next {
                at_minutes.push(e.to_f64().unwrap_or(0.0));
                next = t0 + (((t - t0) / MINUTE) + 1) * MINUTE;
            }
        }
    }
    let returns: Vec<f64> = at_minutes.windows(2).map(|w| w[1] - w[0]).collect();
    let n = returns.len();
    let mean = if n > 0 {
        returns.iter().sum::<f64>() / n as f64
    } else {
        0.0
    };
    let std = if n > 1 {
        (returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    let per_minute = (n > 1).then(|| ratio(mean, std)).flatten();
    SharpeReport {
        minutes: n,
        mean,
        std,
        per_minute,
        annualised: per_minute.map(|s| s * 525_600f64.sqrt()),
    }
}

fn inventory(m: &MetricsRecorder, base: &dyn Fn(i64) -> Decimal) -> InventoryReport {
    let total: i64 = m.inventory_ns.values().sum();
    let tf = total as f64;
    let (mut mean, mut mean_abs) = (0.0, 0.0);
    for (&lots, &ns) in &m.inventory_ns {
        let b = base(lots).to_f64().unwrap_or(0.0);
        mean += b * ns as f64;
        mean_abs += b.abs() * ns as f64;
    }
    let quantile = |q: f64| {
        let target = q * tf;
        let mut acc = 0.0;
        for (&lots, &ns) in &m.inventory_ns {
            acc += ns as f64;
            if acc >= target {
                return base(lots);
            }
        }
        m.inventory_ns
            .keys()
            .last()
            .map_or(Decimal::ZERO, |&l| base(l))
    };
    InventoryReport {
        mean: ratio(mean, tf).unwrap_or(0.0),
        mean_abs: ratio(mean_abs, tf).unwrap_or(0.0),
        min: m
            .inventory_ns
            .keys()
            .next()
            .map_or(Decimal::ZERO, |&l| base(l)),
        max: m
            .inventory_ns
            .keys()
            .last()
            .map_or(Decimal::ZERO, |&l| base(l)),
        quantiles: [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]
            .iter()
            .map(|&q| (q, quantile(q)))
            .collect(),
        flat_share: ratio(m.inventory_ns.get(&0).copied().unwrap_or(0) as f64, tf).unwrap_or(0.0),
    }
}
