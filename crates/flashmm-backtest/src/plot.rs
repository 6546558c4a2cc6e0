//! [`write_png`]: a chart of one or more runs: net P&L and position over time, and the
//! markouts by horizon. Text is drawn with a font compiled into the binary, so the chart
//! renders the same on a machine without any system font.

use std::path::Path;
use std::sync::Once;

use plotters::prelude::*;
use rust_decimal::prelude::ToPrimitive;

use crate::error::BacktestError;
use crate::report::Report;

const FONT: &str = "sans-serif";
const COLOURS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];

fn register_font() -> Result<(), BacktestError> {
    static ONCE: Once = Once::new();
    let mut result = Ok(());
    ONCE.call_once(|| {
        if plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            epaint_default_fonts::UBUNTU_LIGHT,
        )
        .is_err()
        {
            result = Err(BacktestError::Output {
                path: "(font)".into(),
                reason: "the embedded font does not parse".into(),
            });
        }
    });
    result
}

/// Draws `runs` (one line colour each) into a 1200 × 1000 PNG at `path`.
pub fn write_png(runs: &[&Report], path: &Path) -> Result<(), BacktestError> {
    register_font()?;
    let err = |e: &dyn std::fmt::Display| BacktestError::Output {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let root = BitMapBackend::new(path, (1200, 1000)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (top, rest) = root.split_vertically(70);
    let (pnl_area, rest) = rest.split_vertically(340);
    let (pos_area, mark_area) = rest.split_vertically(300);

    let t0 = runs
        .iter()
        .filter_map(|r| r.equity_curve.first().map(|e| e.0))
        .min()
        .unwrap_or(0);
    let t1 = runs
        .iter()
        .filter_map(|r| r.equity_curve.last().map(|e| e.0))
        .max()
        .unwrap_or(t0 + 1);
    let minutes = |t: i64| (t - t0) as f64 / 60e9;
    let x_max = minutes(t1).max(1e-3);

    let market = runs.first().map_or("", |r| r.market.as_str());
    top.draw(&Text::new(
        format!("FlashMM backtest  {market}"),
        (12, 8),
        (FONT, 24).into_font(),
    ))
    .map_err(|e| err(&e))?;
    for (i, r) in runs.iter().enumerate() {
        let line = format!(
            "{}: net {} | fills {} | spread ours {} bps vs market {} bps",
            label(r),
            r.pnl.net.round_dp(4),
            r.trading.maker_fills + r.trading.taker_fills,
            fmt_opt(r.spread.ours_bps),
            fmt_opt(r.spread.market_bps),
        );
        top.draw(&Text::new(
            line,
            (12, 38 + 16 * i as i32),
            (FONT, 15).into_font().color(&COLOURS[i % COLOURS.len()]),
        ))
        .map_err(|e| err(&e))?;
    }

    // Net P&L.
    let series: Vec<Vec<(f64, f64)>> = runs
        .iter()
        .map(|r| {
            r.equity_curve
                .iter()
                .map(|(t, e)| (minutes(*t), e.to_f64().unwrap_or(0.0)))
                .collect()
        })
        .collect();
    let (lo, hi) = bounds(series.iter().flatten().map(|p| p.1));
    let mut chart = ChartBuilder::on(&pnl_area)
        .caption("net P&L (quote currency)", (FONT, 18))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..x_max, lo..hi)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("minutes")
        .label_style((FONT, 13))
        .draw()
        .map_err(|e| err(&e))?;
    for (i, s) in series.iter().enumerate() {
        let c = COLOURS[i % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(s.iter().copied(), &c))
            .map_err(|e| err(&e))?
            .label(label(runs[i]))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c));
    }
    chart
        .configure_series_labels()
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;

    // Position, as a step line.
    let steps: Vec<Vec<(f64, f64)>> = runs
        .iter()
        .map(|r| {
            let mut pts = vec![(0.0, 0.0)];
            let mut last = 0.0;
            for (t, q) in &r.position_curve {
                let x = minutes(*t);
                pts.push((x, last));
                last = q.to_f64().unwrap_or(0.0);
                pts.push((x, last));
            }
            pts.push((x_max, last));
            pts
        })
        .collect();
    let (lo, hi) = bounds(steps.iter().flatten().map(|p| p.1));
    let mut chart = ChartBuilder::on(&pos_area)
        .caption("position (base units)", (FONT, 18))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..x_max, lo..hi)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("minutes")
        .label_style((FONT, 13))
        .draw()
        .map_err(|e| err(&e))?;
    for (i, s) in steps.iter().enumerate() {
        chart
            .draw_series(LineSeries::new(
                s.iter().copied(),
                &COLOURS[i % COLOURS.len()],
            ))
            .map_err(|e| err(&e))?;
    }

    // Markouts by horizon.
    let marks: Vec<Vec<(f64, f64)>> = runs
        .iter()
        .map(|r| {
            r.markouts
                .iter()
                .filter_map(|m| Some(((m.horizon_ms as f64 / 1e3).log10(), m.mean_bps?)))
                .collect()
        })
        .collect();
    let (lo, hi) = bounds(marks.iter().flatten().map(|p| p.1).chain([0.0]));
    let mut chart = ChartBuilder::on(&mark_area)
        .caption(
            "markout after fills (bps, positive = in our favour)",
            (FONT, 18),
        )
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(80)
        .build_cartesian_2d(-0.5f64..2.5f64, lo..hi)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("horizon")
        .x_label_formatter(&|x| format!("{} s", 10f64.powf(*x).round()))
        .label_style((FONT, 13))
        .draw()
        .map_err(|e| err(&e))?;
    for (i, s) in marks.iter().enumerate() {
        let c = COLOURS[i % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(s.iter().copied(), &c))
            .map_err(|e| err(&e))?;
        chart
            .draw_series(s.iter().map(|&p| Circle::new(p, 4, c.filled())))
            .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

fn label(r: &Report) -> String {
    match &r.model_id {
        Some(id) => format!("{} ({id})", r.strategy),
        None => r.strategy.clone(),
    }
}

fn fmt_opt(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:.3}"))
}

/// A padded, non-empty range covering `values`.
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (-1.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(1e-9);
    (lo - pad, hi + pad)
}
