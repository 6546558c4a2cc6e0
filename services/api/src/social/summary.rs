//! A summary's text from a [`Snapshot`] of the state: pure, no I/O.
//!
//! - P&L: the `total` of `{ns}:state:pnl` (net, realised, fees).
//! - Volume and fills: our fills of the period, in quote units.
//! - Spread captured: per market, the quantity both bought and sold in the period times the
//!   difference of the average sell and buy prices (the edge of the round trips, before fees).
//!   A fill's mid is not recorded, so the edge against the mid is not claimed.
//! - Uptime: since the API started.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::contract::Pnl;
use crate::fill_view::FillView;
use flashmm_core::market::Side;

/// The most characters of a post.
pub const MAX_CHARS: usize = 280;

/// What one market did in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketActivity {
    /// The market symbol.
    pub market: String,
    /// Signed position in base units; `None` when execution wrote none.
    pub position: Option<Decimal>,
    /// Our fills of the period.
    pub fills: Vec<FillView>,
}

/// The state a summary is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// When it was read, UTC ns.
    pub ts: i64,
    /// Start of the period, UTC ns.
    pub period_start: i64,
    /// When the API started, UTC ns.
    pub started: i64,
    /// The `total` of `{ns}:state:pnl`; `None` before execution wrote it.
    pub total: Option<Pnl>,
    /// Each configured market.
    pub markets: Vec<MarketActivity>,
}

/// The figures of a summary, in quote units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// When, UTC ns.
    pub ts: i64,
    /// Length of the period, minutes.
    pub period_minutes: i64,
    /// Net P&L (total).
    pub net: Option<Decimal>,
    /// Realised P&L (total).
    pub realized: Option<Decimal>,
    /// Fees paid (total).
    pub fees: Option<Decimal>,
    /// Traded notional of the period.
    pub volume: Decimal,
    /// Fills of the period.
    pub fills: usize,
    /// Edge of the period's round trips.
    pub spread_captured: Decimal,
    /// Uptime, seconds.
    pub uptime_secs: i64,
    /// Positions, by market symbol.
    pub positions: Vec<(String, Decimal)>,
}

impl Summary {
    /// The figures of `snapshot`.
    pub fn new(snapshot: &Snapshot) -> Self {
        let mut volume = Decimal::ZERO;
        let mut fills = 0;
        let mut spread_captured = Decimal::ZERO;
        for m in &snapshot.markets {
            let (mut bq, mut bn, mut sq, mut sn) =
                (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
            for f in &m.fills {
                let notional = f.price * f.qty;
                volume += notional;
                fills += 1;
                match f.side {
                    Side::Buy => (bq, bn) = (bq + f.qty, bn + notional),
                    Side::Sell => (sq, sn) = (sq + f.qty, sn + notional),
                }
            }
            if !bq.is_zero() && !sq.is_zero() {
                spread_captured += bq.min(sq) * (sn / sq - bn / bq);
            }
        }
        Summary {
            ts: snapshot.ts,
            period_minutes: (snapshot.ts - snapshot.period_start).max(0) / 60_000_000_000,
            net: snapshot.total.as_ref().map(|p| p.net),
            realized: snapshot.total.as_ref().map(|p| p.realized),
            fees: snapshot.total.as_ref().map(|p| p.fees),
            volume: volume.round_dp(2),
            fills,
            spread_captured: spread_captured.round_dp(4),
            uptime_secs: (snapshot.ts - snapshot.started).max(0)
                / flashmm_core::time::NANOS_PER_SEC,
            positions: snapshot
                .markets
                .iter()
                .filter_map(|m| m.position.map(|p| (m.market.clone(), p.normalize())))
                .collect(),
        }
    }

    /// The post's text, at most [`MAX_CHARS`] characters.
    pub fn text(&self) -> String {
        let money = |d: Option<Decimal>| match d {
            Some(d) if d.is_sign_negative() && !d.is_zero() => {
                d.round_dp(4).normalize().to_string()
            }
            Some(d) => format!("+{}", d.round_dp(4).normalize()),
            None => "n/a".to_owned(),
        };
        let mut text = format!(
            "FlashMM {} | last {} min\nNet P&L {} (realised {}, fees {})\nVolume {} in {} fills\nSpread captured {}\nUptime {}",
            utc(self.ts),
            self.period_minutes,
            money(self.net),
            money(self.realized),
            self.fees
                .map_or("n/a".to_owned(), |f| f.round_dp(4).normalize().to_string()),
            self.volume.normalize(),
            self.fills,
            money(Some(self.spread_captured)),
            uptime(self.uptime_secs),
        );
        let positions: Vec<String> = self
            .positions
            .iter()
            .map(|(m, q)| format!("{m} {q}"))
            .collect();
        if !positions.is_empty() {
            let line = format!("\nInventory {}", positions.join(", "));
            if text.chars().count() + line.chars().count() <= MAX_CHARS {
                text.push_str(&line);
            }
        }
        text.chars().take(MAX_CHARS).collect()
    }
}

/// `3d 04h 05m` style.
fn uptime(secs: i64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3_600, secs % 3_600 / 60);
    if d > 0 {
        format!("{d}d {h:02}h {m:02}m")
    } else {
        format!("{h}h {m:02}m")
    }
}

/// `2024-03-01 12:05 UTC` for a UTC ns timestamp.
pub fn utc(ts: i64) -> String {
    let (date, secs) = civil(ts);
    format!("{date} {:02}:{:02} UTC", secs / 3_600, secs % 3_600 / 60)
}

/// `20240301T120500Z` for a UTC ns timestamp, for file names.
pub fn utc_compact(ts: i64) -> String {
    let (date, secs) = civil(ts);
    format!(
        "{}T{:02}{:02}{:02}Z",
        date.replace('-', ""),
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

/// The date `YYYY-MM-DD` and the seconds into that day (days-to-civil of the proleptic
/// Gregorian calendar).
fn civil(ts: i64) -> (String, i64) {
    let secs = ts.div_euclid(flashmm_core::time::NANOS_PER_SEC);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (format!("{y:04}-{m:02}-{d:02}"), rem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flashmm_core::order::Liquidity;

    const T0: i64 = 1_709_294_400_000_000_000; // 2024-03-01 12:00:00 UTC

    fn fill(side: Side, price: &str, qty: &str) -> FillView {
        FillView {
            market: "SEI/USDC".into(),
            client_id: "c".into(),
            side,
            price: price.parse().unwrap(),
            qty: qty.parse().unwrap(),
            fee: Decimal::ZERO,
            liquidity: Liquidity::Maker,
            ts: T0,
        }
    }

    fn snapshot() -> Snapshot {
        Snapshot {
            ts: T0 + 3_600_000_000_000,
            period_start: T0,
            started: T0 - 2 * 86_400_000_000_000 - 5 * 60_000_000_000,
            total: Some(Pnl {
                realized: "1.5".parse().unwrap(),
                unrealized: "-0.25".parse().unwrap(),
                fees: "0.05".parse().unwrap(),
                net: "1.2".parse().unwrap(),
                ts: T0,
            }),
            markets: vec![MarketActivity {
                market: "SEI/USDC".into(),
                position: Some("-12.50".parse().unwrap()),
                fills: vec![
                    fill(Side::Buy, "0.4120", "100"),
                    fill(Side::Buy, "0.4100", "100"),
                    fill(Side::Sell, "0.4140", "150"),
                ],
            }],
        }
    }

    #[test]
    fn figures_of_a_fixed_snapshot() {
        let s = Summary::new(&snapshot());
        assert_eq!(s.fills, 3);
        // 41.2 + 41.0 + 62.1
        assert_eq!(s.volume, "144.30".parse().unwrap());
        // 150 round-tripped × (0.4140 − 0.4110)
        assert_eq!(s.spread_captured, "0.45".parse().unwrap());
        assert_eq!(s.period_minutes, 60);
        assert_eq!(s.uptime_secs, 2 * 86_400 + 65 * 60);
    }

    #[test]
    fn text_of_a_fixed_snapshot() {
        let text = Summary::new(&snapshot()).text();
        assert_eq!(
            text,
            "FlashMM 2024-03-01 13:00 UTC | last 60 min\n\
             Net P&L +1.2 (realised +1.5, fees 0.05)\n\
             Volume 144.3 in 3 fills\n\
             Spread captured +0.45\n\
             Uptime 2d 01h 05m\n\
             Inventory SEI/USDC -12.5"
        );
        assert!(text.chars().count() <= MAX_CHARS);
    }

    #[test]
    fn no_state_yet_says_so() {
        let mut snap = snapshot();
        snap.total = None;
        snap.markets[0].fills.clear();
        snap.markets[0].position = None;
        let s = Summary::new(&snap);
        assert_eq!(s.spread_captured, Decimal::ZERO);
        let text = s.text();
        assert!(
            text.contains("Net P&L n/a (realised n/a, fees n/a)"),
            "{text}"
        );
        assert!(text.contains("Volume 0 in 0 fills"), "{text}");
        assert!(!text.contains("Inventory"), "{text}");
    }

    #[test]
    fn one_sided_fills_capture_nothing() {
        let mut snap = snapshot();
        snap.markets[0].fills.truncate(2);
        assert_eq!(Summary::new(&snap).spread_captured, Decimal::ZERO);
    }

    #[test]
    fn long_inventory_stays_within_a_post() {
        let mut snap = snapshot();
        let m = snap.markets[0].clone();
        snap.markets = (0..40)
            .map(|i| MarketActivity {
                market: format!("MKT{i}/USDC"),
                ..m.clone()
            })
            .collect();
        assert!(Summary::new(&snap).text().chars().count() <= MAX_CHARS);
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_compact(T0 + 59_000_000_000), "20240301T120059Z");
        assert_eq!(utc(951_782_400_000_000_000), "2000-02-29 00:00 UTC");
    }
}
