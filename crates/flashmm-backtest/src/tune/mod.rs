//! Walk-forward tuning: every parameter set of a [`Grid`] is backtested on a training window
//! of each recording, one set is chosen on the training figures alone, and that set is
//! reported on the later window (walk-forward: the report window is never replayed before
//! the choice, and a training run never reads a record at or after its window's end).
//!
//! Each recording is decoded once ([`Tape`], records shared read-only behind an `Arc`); runs
//! go to a pool of scoped threads.

pub mod grid;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use flashmm_core::market::MarketSpec;
use flashmm_core::strategy::RawQuoteParams;
use flashmm_core::time::UnixNanos;
use flashmm_recording::Record;
use rust_decimal::Decimal;
use thiserror::Error;

pub use grid::{Grid, ParamSet};

use crate::config::BacktestConfig;
use crate::error::BacktestError;
use crate::fees::FeeSchedule;
use crate::report::Report;
use crate::runner::Backtest;
use crate::seam::BusSeam;
use crate::source::DataSource;
use crate::strategy::Quoting;

/// Why a tuning run could not be set up or finished.
#[derive(Debug, Error)]
pub enum TuneError {
    /// The grid is malformed, too large, or one of its sets is not valid quoting.
    #[error("grid: {0}")]
    Grid(String),
    /// The windows cannot be laid out on a recording.
    #[error("windows of {recording}: {reason}")]
    Windows {
        /// The recording's name.
        recording: String,
        /// What is wrong.
        reason: String,
    },
    /// A backtest failed.
    #[error(transparent)]
    Backtest(#[from] BacktestError),
}

/// What a set is chosen by, computed on the training windows only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// Net P&L summed over the recordings (exact decimals).
    Net,
    /// The 10 s markout in bps, fill-weighted over the recordings.
    Markout10s,
    /// The per-minute Sharpe ratio, averaged over the recordings that have one.
    Sharpe,
}

impl std::str::FromStr for Objective {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "net" => Ok(Objective::Net),
            "markout10s" => Ok(Objective::Markout10s),
            "sharpe" => Ok(Objective::Sharpe),
            _ => Err(format!("expected net, markout10s or sharpe, got {s:?}")),
        }
    }
}

impl std::fmt::Display for Objective {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Objective::Net => "net",
            Objective::Markout10s => "markout10s",
            Objective::Sharpe => "sharpe",
        })
    }
}

/// A value of the objective; higher is better, an undefined one ranks below every defined one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Score {
    /// Money (net P&L).
    Money(Decimal),
    /// A ratio or bps figure; `None` when undefined (no fills, too few minutes).
    Ratio(Option<f64>),
}

impl Score {
    /// Whether `self` ranks strictly above `other`.
    pub fn beats(&self, other: &Score) -> bool {
        match (self, other) {
            (Score::Money(a), Score::Money(b)) => a > b,
            (Score::Ratio(Some(a)), Score::Ratio(Some(b))) => a.total_cmp(b).is_gt(),
            (Score::Ratio(Some(_)), Score::Ratio(None)) => true,
            _ => false,
        }
    }
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Score::Money(d) => write!(f, "{}", d.round_dp(6)),
            Score::Ratio(Some(x)) => write!(f, "{x:.3}"),
            Score::Ratio(None) => write!(f, "-"),
        }
    }
}

/// The figures of one run that the objectives and the table need.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Net P&L.
    pub net: Decimal,
    /// Mean 10 s markout, bps, and the fills it is over.
    pub markout10s: (Option<f64>, u64),
    /// Per-minute Sharpe ratio.
    pub sharpe: Option<f64>,
    /// Maker + taker fills.
    pub fills: u64,
    /// Book events replayed (snapshots and deltas, warm-up included).
    pub book_events: u64,
}

impl Summary {
    /// The figures of `report`.
    pub fn of(report: &Report) -> Self {
        let m = report.markouts.iter().find(|m| m.horizon_ms == 10_000);
        Summary {
            net: report.pnl.net,
            markout10s: m.map_or((None, 0), |m| (m.mean_bps, m.fills)),
            sharpe: report.sharpe.per_minute,
            fills: report.trading.maker_fills + report.trading.taker_fills,
            book_events: report.replay.book_events,
        }
    }
}

impl Objective {
    /// The objective over the runs of one set on several recordings.
    pub fn score(&self, runs: &[Summary]) -> Score {
        match self {
            Objective::Net => Score::Money(runs.iter().map(|s| s.net).sum()),
            Objective::Markout10s => {
                let (mut sum, mut n) = (0.0, 0u64);
                for (mean, fills) in runs.iter().map(|s| s.markout10s) {
                    if let Some(m) = mean.filter(|_| fills > 0) {
                        sum += m * fills as f64;
                        n += fills;
                    }
                }
                Score::Ratio((n > 0).then(|| sum / n as f64))
            }
            Objective::Sharpe => {
                let v: Vec<f64> = runs.iter().filter_map(|s| s.sharpe).collect();
                Score::Ratio((!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64))
            }
        }
    }
}

/// The index of the best score; ties go to the lowest index (the grid's order).
pub fn argmax(scores: &[Score]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, s) in scores.iter().enumerate() {
        if best.is_none_or(|b| scores.get(b).is_some_and(|bs| s.beats(bs))) {
            best = Some(i);
        }
    }
    best
}

/// A replay window: quoting (and the report) from `from`; the replay stops before `until`.
/// Records before `from` warm up the book, estimators and features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First time quoted and counted.
    pub from: UnixNanos,
    /// No record at or after this time is replayed.
    pub until: UnixNanos,
}

/// A training window and the report window after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fold {
    /// Where the sets are compared.
    pub train: Window,
    /// Where the chosen set is reported.
    pub report: Window,
}

/// How the windows are laid out on each recording.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Split {
    /// Warm-up after the first record before anything is quoted, ns.
    pub warmup_ns: i64,
    /// With one fold: the share of the usable span that trains.
    pub train_frac: f64,
    /// One: a training part then a report part. N ≥ 2: the usable span in N equal parts,
    /// training on part k and reporting on part k + 1.
    pub folds: usize,
    /// Gap between a training window's end and its report window's start, ns.
    pub embargo_ns: i64,
}

impl Split {
    /// The folds on a recording whose first record is at `first`, usable until `bound`
    /// (nothing at or after it is replayed), with an explicit training end `cut` (one fold
    /// only) or one from the split.
    pub fn folds(
        &self,
        name: &str,
        first: i64,
        bound: i64,
        cut: Option<i64>,
    ) -> Result<Vec<Fold>, TuneError> {
        let bad = |reason: String| TuneError::Windows {
            recording: name.to_owned(),
            reason,
        };
        let start = first.saturating_add(self.warmup_ns);
        let span = bound.saturating_sub(start);
        if span <= 0 {
            return Err(bad(format!(
                "the bound {bound} is not after the warm-up's end {start}"
            )));
        }
        let w = |a: i64, b: i64| Window {
            from: UnixNanos(a),
            until: UnixNanos(b),
        };
        let mut out = Vec::new();
        if self.folds <= 1 {
            if !(self.train_frac > 0.0 && self.train_frac < 1.0) {
                return Err(bad(format!(
                    "the training fraction {} is not in (0, 1)",
                    self.train_frac
                )));
            }
            let cut = cut.unwrap_or(start + (span as f64 * self.train_frac) as i64);
            out.push(Fold {
                train: w(start, cut),
                report: w(cut.saturating_add(self.embargo_ns), bound),
            });
        } else {
            if cut.is_some() {
                return Err(bad("an explicit cut needs one fold".into()));
            }
            let n = self.folds as i64;
            let edge = |i: i64| start + (span as i128 * i as i128 / n as i128) as i64;
            for k in 0..n - 1 {
                out.push(Fold {
                    train: w(edge(k), edge(k + 1)),
                    report: w(edge(k + 1).saturating_add(self.embargo_ns), edge(k + 2)),
                });
            }
        }
        for f in &out {
            if f.train.from >= f.train.until || f.report.from >= f.report.until {
                return Err(bad(format!(
                    "empty window (training {}..{}, report {}..{}): more data, a smaller \
                     embargo or fewer folds",
                    f.train.from, f.train.until, f.report.from, f.report.until
                )));
            }
        }
        Ok(out)
    }
}

/// One recording decoded once: its records in memory, shared read-only.
#[derive(Debug, Clone)]
pub struct Tape {
    /// A name for tables (the file's).
    pub name: String,
    /// The market replayed.
    pub spec: MarketSpec,
    /// Every readable record, in file order.
    pub records: Arc<Vec<Record>>,
    /// Records that could not be read (skipped, as a backtest skips them).
    pub unreadable: u64,
}

impl Tape {
    /// Decodes `source` once, for the market `market` (default: its first).
    pub fn decode(
        name: &str,
        source: &DataSource,
        market: Option<&str>,
    ) -> Result<Self, TuneError> {
        let spec = source.spec(market)?;
        let mut records = Vec::new();
        let mut unreadable = 0;
        for r in source.reader()? {
            match r {
                Ok(r) => records.push(r),
                Err(_) => unreadable += 1,
            }
        }
        Ok(Tape {
            name: name.to_owned(),
            spec,
            records: Arc::new(records),
            unreadable,
        })
    }

    /// The time of the first record, if any.
    pub fn first_ts(&self) -> Option<i64> {
        self.records.first().map(|r| r.recv_ts.as_i64())
    }

    /// The time of the last record, if any.
    pub fn last_ts(&self) -> Option<i64> {
        self.records.last().map(|r| r.recv_ts.as_i64())
    }

    /// The time of the first two-sided snapshot of the market, if any.
    pub fn first_book_ts(&self) -> Option<i64> {
        self.records
            .iter()
            .find(|r| r.event.is_two_sided_snapshot_of(self.spec.id()))
            .map(|r| r.recv_ts.as_i64())
    }

    /// Backtests `config` with quoting trading from `window.from`, replaying the records
    /// before `window.until` only.
    pub fn run(
        &self,
        mut config: BacktestConfig,
        window: Window,
        seam: Option<BusSeam>,
    ) -> Result<Report, BacktestError> {
        config.trade_from = Some(window.from);
        let until = window.until;
        let records = self
            .records
            .iter()
            .take_while(|r| r.recv_ts < until)
            .cloned()
            .map(Ok);
        Backtest::new(config, self.spec.clone(), seam)?.run(records, &mut |_| {})
    }
}

/// Builds the model seam of a run for a market (`None`: the baseline); called on the
/// worker thread that runs it.
pub type SeamFactory<'a> =
    dyn Fn(&MarketSpec) -> Result<Option<BusSeam>, BacktestError> + Sync + 'a;

/// Everything a tuning run needs.
pub struct Tuner<'a> {
    /// The recordings, each with its folds (the same number on each) and its fees.
    pub tapes: Vec<(Tape, Vec<Fold>, FeeSchedule)>,
    /// Settings of every run but the quoting and the windows.
    pub base: BacktestConfig,
    /// The quoting template the sets override (the configuration's `[trading]`).
    pub template: RawQuoteParams,
    /// Quote currency per first level; sizes in lots at the first mid, as live.
    pub level_notional: Decimal,
    /// The parameter sets.
    pub grid: Grid,
    /// What the choice maximises.
    pub objective: Objective,
    /// Worker threads (≥ 1).
    pub threads: usize,
    /// The model seam of each run.
    pub seam: &'a SeamFactory<'a>,
    /// Called after each finished run (progress).
    pub on_run: &'a (dyn Fn() + Sync + 'a),
}

/// The outcome on one fold.
#[derive(Debug, Clone)]
pub struct FoldOutcome {
    /// The fold's windows on each recording.
    pub windows: Vec<Fold>,
    /// Per set, its runs on the training windows (one per recording).
    pub train: Vec<Vec<Summary>>,
    /// Per set, the objective on the training windows.
    pub scores: Vec<Score>,
    /// The chosen set: the argmax of `scores`, the lowest index among ties.
    pub chosen: usize,
    /// The chosen set on each recording's report window.
    pub report: Vec<Report>,
}

/// The outcome of a tuning run.
#[derive(Debug, Clone)]
pub struct TuneOutcome {
    /// The grid's sets.
    pub sets: Vec<ParamSet>,
    /// One per fold, in time order; the last fold's choice is the result.
    pub folds: Vec<FoldOutcome>,
    /// Backtest runs made.
    pub runs: usize,
    /// Book events replayed over all runs (warm-ups included).
    pub book_events: u64,
}

impl TuneOutcome {
    /// The set chosen on the latest training window.
    pub fn chosen(&self) -> Option<&ParamSet> {
        self.folds.last().and_then(|f| self.sets.get(f.chosen))
    }
}

impl Tuner<'_> {
    /// Runs every set on every training window, chooses on each fold, then runs the chosen
    /// set on that fold's report windows.
    pub fn run(&self) -> Result<TuneOutcome, TuneError> {
        let sets = self.grid.sets();
        let raws = sets
            .iter()
            .map(|s| s.apply(&self.template))
            .collect::<Result<Vec<_>, _>>()?;
        let n_folds = self.tapes.first().map_or(0, |(_, f, _)| f.len());
        if self.tapes.iter().any(|(_, f, _)| f.len() != n_folds) || n_folds == 0 {
            return Err(TuneError::Grid(
                "every recording needs the same number of folds (at least one)".into(),
            ));
        }
        let n_tapes = self.tapes.len();
        let config = |raw: &RawQuoteParams, fees: FeeSchedule| {
            let mut c = self.base.clone();
            c.fees = fees;
            c.quote = Quoting::FromNotional {
                template: raw.clone(),
                level_notional: self.level_notional,
            };
            c
        };
        let run = |set: usize, fold: usize, tape: usize, report: bool| {
            let (t, folds, fees) = &self.tapes[tape];
            let f = folds[fold];
            let window = if report { f.report } else { f.train };
            let r = t.run(config(&raws[set], *fees), window, (self.seam)(&t.spec)?);
            (self.on_run)();
            r
        };
        // Training: fold-major, then set, then recording.
        let per_fold = sets.len() * n_tapes;
        let train = par_map(n_folds * per_fold, self.threads, &|i| {
            let (fold, rest) = (i / per_fold, i % per_fold);
            run(rest / n_tapes, fold, rest % n_tapes, false).map(|r| Summary::of(&r))
        })?;
        let mut book_events: u64 = train.iter().map(|s| s.book_events).sum();
        let mut folds = Vec::new();
        for (fold, chunk) in train.chunks(per_fold.max(1)).enumerate() {
            let train: Vec<Vec<Summary>> = chunk.chunks(n_tapes).map(<[_]>::to_vec).collect();
            let scores: Vec<Score> = train.iter().map(|s| self.objective.score(s)).collect();
            let chosen = argmax(&scores).unwrap_or(0);
            folds.push(FoldOutcome {
                windows: self.tapes.iter().map(|(_, f, _)| f[fold]).collect(),
                train,
                scores,
                chosen,
                report: Vec::new(),
            });
        }
        // Report windows, only now.
        let chosen: Vec<usize> = folds.iter().map(|f| f.chosen).collect();
        let reports = par_map(n_folds * n_tapes, self.threads, &|i| {
            let fold = i / n_tapes;
            run(chosen[fold], fold, i % n_tapes, true)
        })?;
        book_events += reports.iter().map(|r| r.replay.book_events).sum::<u64>();
        let runs = train.len() + reports.len();
        let mut reports = reports.into_iter();
        for f in &mut folds {
            f.report = reports.by_ref().take(n_tapes).collect();
        }
        Ok(TuneOutcome {
            sets,
            folds,
            runs,
            book_events,
        })
    }
}

/// `f(0..n)` on `threads` scoped threads, results in index order; stops at the first error.
fn par_map<T: Send, E: Send>(
    n: usize,
    threads: usize,
    f: &(dyn Fn(usize) -> Result<T, E> + Sync),
) -> Result<Vec<T>, E> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let slots: Mutex<Vec<Option<T>>> = Mutex::new((0..n).map(|_| None).collect());
    let error: Mutex<Option<E>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, n.max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n || failed.load(Ordering::Relaxed) {
                    break;
                }
                match f(i) {
                    Ok(v) => {
                        if let Ok(mut slots) = slots.lock() {
                            slots[i] = Some(v);
                        }
                    }
                    Err(e) => {
                        failed.store(true, Ordering::Relaxed);
                        if let Ok(mut err) = error.lock() {
                            err.get_or_insert(e);
                        }
                        break;
                    }
                }
            });
        }
    });
    if let Some(e) = error.into_inner().ok().flatten() {
        return Err(e);
    }
    Ok(slots
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_ties_and_undefined() {
        let m = |x: i64| Score::Money(Decimal::from(x));
        assert_eq!(argmax(&[m(1), m(3), m(3), m(2)]), Some(1));
        let r = Score::Ratio;
        assert_eq!(argmax(&[r(None), r(Some(-1.0)), r(None)]), Some(1));
        assert_eq!(argmax(&[r(None), r(None)]), Some(0));
        assert_eq!(argmax(&[]), None);
    }

    #[test]
    fn folds_never_overlap() {
        let s = Split {
            warmup_ns: 10,
            train_frac: 0.6,
            folds: 1,
            embargo_ns: 5,
        };
        let f = s.folds("x", 0, 110, None).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].train.from.0, f[0].train.until.0), (10, 70));
        assert_eq!((f[0].report.from.0, f[0].report.until.0), (75, 110));
        let f = Split { folds: 4, ..s }.folds("x", 0, 110, None).unwrap();
        assert_eq!(f.len(), 3);
        for w in f.windows(2) {
            assert!(w[0].train.until <= w[0].report.from);
            assert_eq!(w[0].report.until, w[1].train.until);
            assert_eq!(w[0].train.until.0 + 5, w[0].report.from.0);
        }
        assert!(s.folds("x", 0, 5, None).is_err());
        assert!(Split {
            embargo_ns: 100,
            ..s
        }
        .folds("x", 0, 110, None)
        .is_err());
    }
}
