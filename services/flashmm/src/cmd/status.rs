//! `flashmm status`: one screen of what the running system is doing, read from Redis.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use flashmm_bus::{Bus, Decodable, Namespace, Payload, Range, RedisBus, RedisBusConfig};
use flashmm_core::config::SERVICES;
use flashmm_core::market_event::MarketEvent;
use flashmm_core::signal::Prediction;
use flashmm_runtime::{load_config, now};
use serde_json::Value;

/// Prints heartbeats, per-market stream activity, the last prediction and trading state.
pub async fn run(path: &Path) -> anyhow::Result<()> {
    let config = load_config(path)?;
    let namespace = Namespace::new(&config.namespace)?;
    let bus = RedisBus::connect(RedisBusConfig::new(config.redis.url.clone()))
        .await
        .context("cannot connect to Redis")?;
    let t = now();
    let beats = bus.get_state(&namespace.state("heartbeat")?).await?;
    let line: Vec<String> = SERVICES
        .iter()
        .map(|s| service_cell(s, &beats, t.0))
        .collect();
    println!("venue      {}", config.venue.describe());
    println!("services   {}", line.join(" | "));
    let trading = bus.get_state(&namespace.state("trading")?).await?;
    println!(
        "trading    {} {}",
        trading.get("mode").map_or("unknown", String::as_str),
        trading.get("reason").map_or("", String::as_str)
    );
    let quotes = bus.get_state(&namespace.state("quotes")?).await?;
    let positions = bus.get_state(&namespace.state("positions")?).await?;
    for spec in config.market_specs()? {
        let mkt = spec.id().stream_key();
        let md = namespace.md(&mkt)?;
        let last_trade = bus
            .range(&md, Range::Newest(64))
            .await?
            .into_iter()
            .find_map(|d| match d.payload {
                Payload::Envelope(e) => match MarketEvent::decode(&e) {
                    Ok(MarketEvent::Trade(trade)) => Some(trade),
                    _ => None,
                },
                Payload::Malformed { .. } => None,
            });
        let pred = bus
            .range(&namespace.pred(&mkt)?, Range::Newest(1))
            .await?
            .into_iter()
            .find_map(|d| match d.payload {
                Payload::Envelope(e) => e.decode::<Prediction>().ok(),
                Payload::Malformed { .. } => None,
            });
        println!(
            "{:<10} md {:>7}  feat {:>7}  pred {:>7}  last trade {}",
            spec.id().as_str(),
            bus.len(&md).await?,
            bus.len(&namespace.feat(&mkt)?).await?,
            bus.len(&namespace.pred(&mkt)?).await?,
            last_trade.map_or("-".to_owned(), |tr| format!(
                "{} x {}",
                spec.price_to_decimal(tr.price),
                spec.qty_to_decimal(tr.qty)
            )),
        );
        if let Some(p) = pred {
            println!(
                "           prediction {}ms: down {:.2} flat {:.2} up {:.2} (exp {:+.2} bps, {:.1} µs)",
                p.horizon_ms,
                p.p_down,
                p.p_flat,
                p.p_up,
                p.expected_move_bps,
                p.inference_ns as f64 / 1e3
            );
        }
        if let Some(q) = quotes.get(spec.id().as_str()) {
            println!("           quotes   {}", quote_line(q));
        }
        if let Some(p) = positions.get(spec.id().as_str()) {
            println!("           position {}", position_line(p));
        }
    }
    let latency = bus.get_state(&namespace.state("latency")?).await?;
    if let (Some(p50), Some(p99)) = (
        latency.get("tick_to_quote_p50_us"),
        latency.get("tick_to_quote_p99_us"),
    ) {
        println!("latency    tick-to-quote p50 {p50} µs, p99 {p99} µs");
    }
    if let Some(total) = bus.get_state(&namespace.state("pnl")?).await?.get("total") {
        println!("pnl        {}", pnl_line(total));
    }
    Ok(())
}

/// One service's liveness from `{ns}:state:heartbeat` at `now_ns`: `ok`, `STALLED Ns` (the
/// process beats but a consume loop has made no progress for N s: its beat carries that
/// loop's last progress, and `stalled_ms:{service}` is above 0), `DOWN Ns` (no beat for N s),
/// or `-` (never beat).
fn service_cell(service: &str, beats: &BTreeMap<String, String>, now_ns: i64) -> String {
    let stalled_ms = beats
        .get(&flashmm_bus::stalled_field(service))
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|ms| *ms > 0);
    match beats.get(service).and_then(|v| v.parse::<i64>().ok()) {
        Some(ts) if stalled_ms.is_some() => {
            format!(
                "{service} STALLED {}s",
                (now_ns - ts) / flashmm_core::time::NANOS_PER_SEC
            )
        }
        Some(ts) if now_ns - ts < 3_000_000_000 => format!("{service} ok"),
        Some(ts) => format!(
            "{service} DOWN {}s",
            (now_ns - ts) / flashmm_core::time::NANOS_PER_SEC
        ),
        None => format!("{service} -"),
    }
}

/// `bid PRICE x QTY (N) | ask PRICE x QTY (N)  mid M` from a `state:quotes` JSON value.
fn quote_line(json: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(json) else {
        return json.to_owned();
    };
    let side = |name: &str| {
        let levels = v[name].as_array().map_or(&[][..], Vec::as_slice);
        match levels.first() {
            Some(l) => format!(
                "{name} {} x {} ({})",
                text(&l["price"]),
                text(&l["qty"]),
                levels.len()
            ),
            None => format!("{name} -"),
        }
    };
    format!(
        "{} | {}  mid {}",
        side("bids"),
        side("asks"),
        text(&v["mid"])
    )
}

/// `QTY @ AVG  realized R  unrealized U  fees F` from a `state:positions` JSON value.
fn position_line(json: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(json) else {
        return json.to_owned();
    };
    format!(
        "{} @ {}  realized {}  unrealized {}  fees {}",
        text(&v["base_qty"]),
        text(&v["avg_entry"]),
        text(&v["realized_pnl"]),
        text(&v["unrealized_pnl"]),
        text(&v["fees"])
    )
}

/// `net N (realized R, unrealized U, fees F)` from a `state:pnl` JSON value.
fn pnl_line(json: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(json) else {
        return json.to_owned();
    };
    format!(
        "net {} (realized {}, unrealized {}, fees {})",
        text(&v["net"]),
        text(&v["realized"]),
        text(&v["unrealized"]),
        text(&v["fees"])
    )
}

/// A JSON string or number as text, `-` when absent.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000_000_000;

    #[test]
    fn a_stalled_service_is_not_ok() {
        let mut beats = BTreeMap::new();
        beats.insert("feature".to_owned(), (NOW - 500_000_000).to_string());
        beats.insert("stalled_ms:feature".to_owned(), "0".to_owned());
        assert_eq!(service_cell("feature", &beats, NOW), "feature ok");
        beats.insert("feature".to_owned(), (NOW - 6_000_000_000).to_string());
        beats.insert("stalled_ms:feature".to_owned(), "6000".to_owned());
        assert_eq!(service_cell("feature", &beats, NOW), "feature STALLED 6s");
        beats.insert("stalled_ms:feature".to_owned(), "0".to_owned());
        assert_eq!(service_cell("feature", &beats, NOW), "feature DOWN 6s");
        assert_eq!(service_cell("ingest", &beats, NOW), "ingest -");
    }
}
