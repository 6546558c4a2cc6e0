//! Trading statistics to InfluxDB: every live snapshot becomes points written through
//! [`flashmm_telemetry`] (batched, bounded, never blocking the snapshot loop).
//!
//! Measurements (UTC ns of the snapshot):
//! - `pnl,market=M realized=,unrealized=,fees=,net=` (also `market=total`);
//! - `position,market=M base_qty=,notional=`;
//! - `quotes,market=M mid=,spread_bps=`;
//! - `trading,mode=MODE paused=,killed=,open_orders=`;
//! - `latency tick_to_quote_p50_us=,tick_to_quote_p99_us=,decision_p99_us=`.

use std::sync::OnceLock;

use flashmm_core::config::InfluxConfig;
use flashmm_core::time::UnixNanos;
use flashmm_telemetry::{FieldValue, Point, Telemetry, WriterConfig};

use crate::contract::Pnl;
use crate::live::Snapshot;

static SINK: OnceLock<Telemetry> = OnceLock::new();

/// Starts the InfluxDB writer when `[influxdb] url` is set (inside the tokio runtime); later
/// snapshots are then recorded. Returns whether telemetry is on.
pub fn install(config: &InfluxConfig) -> bool {
    let Some(writer) = WriterConfig::from_config(config) else {
        return false;
    };
    let (telemetry, _task) = Telemetry::spawn(writer);
    SINK.set(telemetry).is_ok()
}

/// Records the points of `snapshot` when telemetry is on.
pub fn record(snapshot: &Snapshot) {
    if let Some(sink) = SINK.get() {
        for point in points(snapshot) {
            sink.record(point);
        }
    }
}

fn pnl_point(market: &str, pnl: &Pnl, ts: UnixNanos) -> Point {
    Point::new("pnl", ts)
        .tag("market", market)
        .field("realized", FieldValue::Decimal(pnl.realized))
        .field("unrealized", FieldValue::Decimal(pnl.unrealized))
        .field("fees", FieldValue::Decimal(pnl.fees))
        .field("net", FieldValue::Decimal(pnl.net))
}

/// The points of one snapshot.
pub fn points(snapshot: &Snapshot) -> Vec<Point> {
    let ts = UnixNanos(snapshot.ts);
    let mut out = Vec::new();
    for book in &snapshot.books {
        if let Some(pnl) = &book.pnl {
            out.push(pnl_point(&book.market, pnl, ts));
        }
        if let Some(position) = &book.position {
            let mut p = Point::new("position", ts)
                .tag("market", &book.market)
                .field("base_qty", FieldValue::Decimal(position.base_qty));
            if let Some(notional) = position.notional {
                p = p.field("notional", FieldValue::Decimal(notional));
            }
            out.push(p);
        }
    }
    if let Some(total) = &snapshot.pnl_total {
        out.push(pnl_point("total", total, ts));
    }
    for market in &snapshot.status.markets {
        let mut p = Point::new("quotes", ts).tag("market", &market.market);
        if let Some(mid) = market.mid {
            p = p.field("mid", FieldValue::Decimal(mid));
        }
        if let Some(spread) = market.spread_bps {
            p = p.field("spread_bps", FieldValue::Decimal(spread));
        }
        if !p.fields.is_empty() {
            out.push(p);
        }
    }
    let status = &snapshot.status;
    out.push(
        Point::new("trading", ts)
            .tag("mode", &status.mode)
            .field("paused", FieldValue::Bool(status.paused))
            .field("killed", FieldValue::Bool(status.killed))
            .field(
                "open_orders",
                FieldValue::Int(i64::try_from(status.open_orders).unwrap_or(i64::MAX)),
            ),
    );
    let latency = &status.latency;
    let mut p = Point::new("latency", ts);
    for (name, value) in [
        ("tick_to_quote_p50_us", latency.tick_to_quote_p50_us),
        ("tick_to_quote_p99_us", latency.tick_to_quote_p99_us),
        ("decision_p99_us", latency.decision_p99_us),
    ] {
        if let Some(v) = value.and_then(|v| i64::try_from(v).ok()) {
            p = p.field(name, FieldValue::Int(v));
        }
    }
    if !p.fields.is_empty() {
        out.push(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;
    use crate::contract::{Latency, Position};
    use crate::health::HealthReport;
    use crate::live::MarketBook;
    use crate::status::{MarketStatus, ModelHealth, TradingStatus};

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn pnl(net: &str) -> Pnl {
        Pnl {
            realized: d("1.5"),
            unrealized: d("-0.25"),
            fees: d("-0.01"),
            net: d(net),
            ts: 1,
        }
    }

    #[test]
    fn a_snapshot_becomes_pnl_position_quote_trading_and_latency_points() {
        let snapshot = Snapshot {
            ts: 1_700_000_000_000_000_000,
            status: TradingStatus {
                venue: "sim".into(),
                mode: "quoting".into(),
                paused: false,
                killed: false,
                reason: String::new(),
                updated_ts: 0,
                markets: vec![MarketStatus {
                    market: "SEI/USDC".into(),
                    mid: Some(d("0.4321")),
                    spread_bps: Some(d("4.6")),
                    quotes: None,
                    prediction: None,
                    model: ModelHealth::default(),
                }],
                open_orders: 6,
                latency: Latency {
                    tick_to_quote_p50_us: Some(850),
                    tick_to_quote_p99_us: None,
                    decision_p99_us: Some(40),
                },
                invalid: Vec::new(),
            },
            health: HealthReport {
                status: "ok",
                services: Vec::new(),
            },
            books: vec![MarketBook {
                market: "SEI/USDC".into(),
                position: Some(Position {
                    market: "SEI/USDC".into(),
                    base_qty: d("-120.5"),
                    avg_entry: None,
                    realized_pnl: d("1.5"),
                    unrealized_pnl: d("-0.25"),
                    fees: d("-0.01"),
                    mark: None,
                    notional: None,
                    updated_ts: 0,
                }),
                pnl: Some(pnl("1.26")),
                fills: Vec::new(),
            }],
            pnl_total: Some(pnl("1.26")),
            pnl_history: Vec::new(),
            audit: Vec::new(),
            risk: Vec::new(),
        };
        let points = points(&snapshot);
        let names: Vec<&str> = points.iter().map(|p| p.measurement.as_str()).collect();
        assert_eq!(
            names,
            ["pnl", "position", "pnl", "quotes", "trading", "latency"]
        );
        assert_eq!(points[0].tags, [("market".into(), "SEI/USDC".into())]);
        assert_eq!(points[2].tags, [("market".into(), "total".into())]);
        assert!(points[0]
            .fields
            .contains(&("net".into(), FieldValue::Decimal(d("1.26")))));
        assert_eq!(
            points[1].fields,
            [("base_qty".into(), FieldValue::Decimal(d("-120.5")))]
        );
        assert!(points[3]
            .fields
            .contains(&("spread_bps".into(), FieldValue::Decimal(d("4.6")))));
        assert!(points[4]
            .fields
            .contains(&("open_orders".into(), FieldValue::Int(6))));
        assert_eq!(points[5].fields.len(), 2, "absent figures are left out");
        assert!(points.iter().all(|p| p.ts == UnixNanos(snapshot.ts)));
    }
}
