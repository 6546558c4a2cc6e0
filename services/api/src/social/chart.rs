//! The summary's PNG: net P&L and inventory over the samples taken since the API started.
//! Text is drawn with a font compiled into the binary, so it renders the same on a machine
//! without any system font.

use std::path::Path;
use std::sync::OnceLock;

use plotters::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::error::SocialError;

const FONT: &str = "sans-serif";
/// Width and height of the chart, pixels.
pub const SIZE: (u32, u32) = (1000, 600);
const BLUE: RGBColor = RGBColor(31, 119, 180);
const RED: RGBColor = RGBColor(214, 39, 40);

/// One point of the curves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurvePoint {
    /// When it was sampled, UTC ns.
    pub ts: i64,
    /// Total net P&L, quote units.
    pub net: Decimal,
    /// Sum of the positions' notionals at the mark, quote units.
    pub inventory: Decimal,
}

fn register_font() -> Result<(), SocialError> {
    static RESULT: OnceLock<bool> = OnceLock::new();
    let ok = *RESULT.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, epaint_default_fonts::UBUNTU_LIGHT)
            .is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(SocialError::Chart(
            "the embedded font does not parse".into(),
        ))
    }
}

/// Draws `title` over the net P&L and inventory curves of `points` into a PNG at `path`.
pub fn write_png(points: &[CurvePoint], title: &str, path: &Path) -> Result<(), SocialError> {
    register_font()?;
    let err = |e: &dyn std::fmt::Display| SocialError::Chart(e.to_string());
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (top, rest) = root.split_vertically(50);
    let (pnl_area, inv_area) = rest.split_vertically(300);
    top.draw(&Text::new(title, (12, 12), (FONT, 24).into_font()))
        .map_err(|e| err(&e))?;

    let t0 = points.first().map_or(0, |p| p.ts);
    let minutes = |t: i64| (t - t0) as f64 / 60e9;
    let x_max = points.last().map_or(0.0, |p| minutes(p.ts)).max(1e-3);
    let net: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (minutes(p.ts), p.net.to_f64().unwrap_or(0.0)))
        .collect();
    let inventory: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (minutes(p.ts), p.inventory.to_f64().unwrap_or(0.0)))
        .collect();
    draw_curve(&pnl_area, "net P&L (quote)", BLUE, net, x_max).map_err(|e| err(&e))?;
    draw_curve(
        &inv_area,
        "inventory at the mark (quote)",
        RED,
        inventory,
        x_max,
    )
    .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// One curve with its axes in `area`.
fn draw_curve(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    caption: &str,
    colour: RGBColor,
    series: Vec<(f64, f64)>,
    x_max: f64,
) -> Result<(), Box<dyn std::error::Error>> {
    let (lo, hi) = bounds(series.iter().map(|p| p.1));
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 18))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..x_max, lo..hi)?;
    chart
        .configure_mesh()
        .x_desc("minutes")
        .label_style((FONT, 13))
        .draw()?;
    chart.draw_series(LineSeries::new(series, &colour))?;
    Ok(())
}

/// A y range around the values, never empty.
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((0f64, 0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let pad = ((hi - lo) * 0.1).max(1e-6);
    (lo - pad, hi + pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_size(bytes: &[u8]) -> (u32, u32) {
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG magic");
        assert_eq!(&bytes[12..16], b"IHDR");
        let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        (be(&bytes[16..20]), be(&bytes[20..24]))
    }

    #[test]
    fn writes_a_png_of_the_curves() {
        let dir = std::env::temp_dir().join(format!("flashmm-chart-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.png");
        let points: Vec<CurvePoint> = (0..50)
            .map(|i| CurvePoint {
                ts: i * 60_000_000_000,
                net: Decimal::new(i * 3 - 40, 2),
                inventory: Decimal::new(500 - i * 20, 1),
            })
            .collect();
        write_png(&points, "FlashMM test", &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(png_size(&bytes), SIZE);
        assert!(bytes.len() > 5_000, "{} bytes", bytes.len());
    }

    #[test]
    fn no_points_still_draws() {
        let dir = std::env::temp_dir().join(format!("flashmm-chart0-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.png");
        write_png(&[], "empty", &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(png_size(&bytes), SIZE);
    }
}
