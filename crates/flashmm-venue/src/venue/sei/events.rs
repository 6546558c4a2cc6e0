//! Tendermint event attributes into [`VenueEvent`]s.
//!
//! A `Tx` event notification carries `events`: a map from `"type.attribute"` to the values of
//! that attribute, one per emitted event of the type, in order. FlashMM's order-book module
//! is expected to emit:
//!
//! | type | attributes |
//! |---|---|
//! | `flashmm_book` | `market`, `seq`, `prev_seq` (empty when none), `bids`, `asks` (`price:size` pairs joined by `;`, size `0` removes the level), `ts` (UTC ns) |
//! | `flashmm_trade` | `market`, `id`, `price`, `size`, `aggressor` (`buy` or `sell`), `ts` |
//!
//! Decimals are parsed exactly and converted with the market's spec; an off-grid value is an
//! error, never rounded.

use flashmm_core::market_event::MarketEvent;
use std::collections::HashMap;

use flashmm_core::book::{BookDelta, BookLevel, BookSnapshot};
use flashmm_core::identifiers::TradeId;
use flashmm_core::market::{MarketSpec, Side};
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;
use rust_decimal::Decimal;
use std::str::FromStr;
use thiserror::Error;

use crate::venue::VenueEvent;

/// The event type of book changes.
pub const BOOK_EVENT: &str = "flashmm_book";
/// The event type of public trades.
pub const TRADE_EVENT: &str = "flashmm_trade";

/// Why event attributes could not be turned into venue events.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EventParseError {
    /// An attribute the event type needs is absent.
    #[error("event {event}: attribute `{attribute}` missing")]
    Missing {
        /// The event type.
        event: &'static str,
        /// The attribute.
        attribute: &'static str,
    },
    /// An attribute has fewer values than the event type has occurrences.
    #[error("event {event}: attribute `{attribute}` has {got} values for {want} events")]
    Count {
        /// The event type.
        event: &'static str,
        /// The attribute.
        attribute: &'static str,
        /// Values present.
        got: usize,
        /// Occurrences of the event.
        want: usize,
    },
    /// A value does not parse (number, decimal, side, level pair, identifier).
    #[error("attribute `{attribute}`: bad value `{value}`")]
    Value {
        /// The attribute.
        attribute: &'static str,
        /// The value, truncated.
        value: String,
    },
    /// The market is not one the adapter trades.
    #[error("unknown market `{0}`")]
    UnknownMarket(String),
}

fn bad(attribute: &'static str, value: &str) -> EventParseError {
    EventParseError::Value {
        attribute,
        value: value.chars().take(64).collect(),
    }
}

/// The venue events in one notification's `events` map, book changes first, for the markets
/// of `specs`; events of other types are ignored.
pub fn parse_events(
    events: &HashMap<String, Vec<String>>,
    specs: &[MarketSpec],
) -> Result<Vec<VenueEvent>, EventParseError> {
    let mut out = Vec::new();
    let books = Occurrences::new(events, BOOK_EVENT)?;
    for i in 0..books.count {
        let attrs = books.at(i)?;
        out.push(VenueEvent::Market(MarketEvent::Delta(book_delta(
            &attrs, specs,
        )?)));
    }
    let trades = Occurrences::new(events, TRADE_EVENT)?;
    for i in 0..trades.count {
        let a = trades.at(i)?;
        let spec = spec_of(specs, get(&a, TRADE_EVENT, "market")?)?;
        let price = get(&a, TRADE_EVENT, "price")?;
        let size = get(&a, TRADE_EVENT, "size")?;
        let id = get(&a, TRADE_EVENT, "id")?;
        let aggressor = match get(&a, TRADE_EVENT, "aggressor")? {
            "buy" => Side::Buy,
            "sell" => Side::Sell,
            other => return Err(bad("aggressor", other)),
        };
        out.push(VenueEvent::Market(MarketEvent::Trade(Trade {
            market: spec.id().clone(),
            trade_id: TradeId::new(id).map_err(|_| bad("id", id))?,
            price: spec.price(price).map_err(|_| bad("price", price))?,
            qty: spec.qty(size).map_err(|_| bad("size", size))?,
            aggressor,
            ts: ts(get(&a, TRADE_EVENT, "ts")?)?,
        })));
    }
    Ok(out)
}

/// A whole book from the attributes of a book snapshot (`abci_query` answer): the
/// `flashmm_book` attributes without `prev_seq`.
pub fn parse_book_attributes(
    attrs: &HashMap<String, String>,
    specs: &[MarketSpec],
) -> Result<BookSnapshot, EventParseError> {
    let a: HashMap<&str, &str> = attrs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let d = book_delta(&a, specs)?;
    Ok(BookSnapshot {
        market: d.market,
        seq: d.seq,
        bids: d.bids.into_iter().filter(|l| l.qty.lots() > 0).collect(),
        asks: d.asks.into_iter().filter(|l| l.qty.lots() > 0).collect(),
        ts: d.ts,
    })
}

/// The values of one event type's attributes, by occurrence.
struct Occurrences<'a> {
    event: &'static str,
    attrs: Vec<(&'a str, &'a [String])>,
    count: usize,
}

impl<'a> Occurrences<'a> {
    fn new(
        events: &'a HashMap<String, Vec<String>>,
        event: &'static str,
    ) -> Result<Self, EventParseError> {
        let attrs: Vec<(&str, &[String])> = events
            .iter()
            .filter_map(|(k, v)| {
                let (ty, attr) = k.split_once('.')?;
                (ty == event).then_some((attr, v.as_slice()))
            })
            .collect();
        let count = attrs
            .iter()
            .find(|(a, _)| *a == "market")
            .map_or(0, |(_, v)| v.len());
        if count == 0 && !attrs.is_empty() {
            return Err(EventParseError::Missing {
                event,
                attribute: "market",
            });
        }
        Ok(Occurrences {
            event,
            attrs,
            count,
        })
    }

    fn at(&self, i: usize) -> Result<HashMap<&'a str, &'a str>, EventParseError> {
        let mut out = HashMap::new();
        for (attr, values) in &self.attrs {
            let v = values.get(i).ok_or(EventParseError::Count {
                event: self.event,
                attribute: "values",
                got: values.len(),
                want: self.count,
            })?;
            out.insert(*attr, v.as_str());
        }
        Ok(out)
    }
}

fn get<'a>(
    a: &HashMap<&str, &'a str>,
    event: &'static str,
    attribute: &'static str,
) -> Result<&'a str, EventParseError> {
    a.get(attribute)
        .copied()
        .ok_or(EventParseError::Missing { event, attribute })
}

fn spec_of<'a>(specs: &'a [MarketSpec], market: &str) -> Result<&'a MarketSpec, EventParseError> {
    specs
        .iter()
        .find(|s| s.id().as_str() == market)
        .ok_or_else(|| EventParseError::UnknownMarket(market.chars().take(64).collect()))
}

fn ts(v: &str) -> Result<UnixNanos, EventParseError> {
    v.parse::<i64>().map(UnixNanos).map_err(|_| bad("ts", v))
}

fn book_delta(a: &HashMap<&str, &str>, specs: &[MarketSpec]) -> Result<BookDelta, EventParseError> {
    let spec = spec_of(specs, get(a, BOOK_EVENT, "market")?)?;
    let seq_text = get(a, BOOK_EVENT, "seq")?;
    let seq = seq_text.parse::<u64>().map_err(|_| bad("seq", seq_text))?;
    let prev_seq = match a.get("prev_seq").copied().unwrap_or("") {
        "" => None,
        p => Some(p.parse::<u64>().map_err(|_| bad("prev_seq", p))?),
    };
    Ok(BookDelta {
        market: spec.id().clone(),
        seq,
        prev_seq,
        bids: levels(spec, "bids", a.get("bids").copied().unwrap_or(""))?,
        asks: levels(spec, "asks", a.get("asks").copied().unwrap_or(""))?,
        ts: ts(get(a, BOOK_EVENT, "ts")?)?,
    })
}

fn levels(
    spec: &MarketSpec,
    attribute: &'static str,
    text: &str,
) -> Result<Vec<BookLevel>, EventParseError> {
    text.split(';')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (price, size) = pair.split_once(':').ok_or_else(|| bad(attribute, pair))?;
            let price_d = Decimal::from_str(price).map_err(|_| bad(attribute, pair))?;
            let size_d = Decimal::from_str(size).map_err(|_| bad(attribute, pair))?;
            if price_d <= Decimal::ZERO || size_d < Decimal::ZERO {
                return Err(bad(attribute, pair));
            }
            Ok(BookLevel::new(
                spec.price_from_decimal(price_d)
                    .map_err(|_| bad(attribute, pair))?,
                spec.qty_from_decimal(size_d)
                    .map_err(|_| bad(attribute, pair))?,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flashmm_core::market::{Price, Qty};

    fn specs() -> Vec<MarketSpec> {
        vec![flashmm_core::market::fixture::sei_usdc()]
    }

    fn map(pairs: &[(&str, &[&str])]) -> HashMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn book_and_trade_attributes_become_exact_events() {
        let events = map(&[
            ("tm.event", &["Tx"]),
            ("flashmm_book.market", &["SEI/USDC", "SEI/USDC"]),
            ("flashmm_book.seq", &["5", "6"]),
            ("flashmm_book.prev_seq", &["4", "5"]),
            ("flashmm_book.bids", &["0.4001:120.5;0.4000:0", ""]),
            ("flashmm_book.asks", &["", "0.4003:7"]),
            ("flashmm_book.ts", &["10", "11"]),
            ("flashmm_trade.market", &["SEI/USDC"]),
            ("flashmm_trade.id", &["t-9"]),
            ("flashmm_trade.price", &["0.4002"]),
            ("flashmm_trade.size", &["3.5"]),
            ("flashmm_trade.aggressor", &["sell"]),
            ("flashmm_trade.ts", &["12"]),
        ]);
        let out = parse_events(&events, &specs()).unwrap();
        assert_eq!(out.len(), 3);
        let VenueEvent::Market(MarketEvent::Delta(d)) = &out[0] else {
            panic!("{out:?}")
        };
        assert_eq!((d.seq, d.prev_seq), (5, Some(4)));
        assert_eq!(
            d.bids,
            [
                BookLevel::new(Price::from_ticks(4001), Qty::from_lots(1205)),
                BookLevel::new(Price::from_ticks(4000), Qty::from_lots(0))
            ]
        );
        let VenueEvent::Market(MarketEvent::Trade(t)) = &out[2] else {
            panic!("{out:?}")
        };
        assert_eq!((t.price.ticks(), t.qty.lots()), (4002, 35));
        assert_eq!(t.aggressor, Side::Sell);
    }

    #[test]
    fn bad_attributes_are_typed_errors() {
        let base = |k: &'static str, v: &'static str| {
            let mut m = map(&[
                ("flashmm_book.market", &["SEI/USDC"]),
                ("flashmm_book.seq", &["1"]),
                ("flashmm_book.bids", &["0.4:1"]),
                ("flashmm_book.ts", &["1"]),
            ]);
            m.insert(k.to_owned(), vec![v.to_owned()]);
            parse_events(&m, &specs())
        };
        assert!(base("flashmm_book.seq", "1").is_ok());
        for (k, v) in [
            ("flashmm_book.bids", "0.40005:1"),
            ("flashmm_book.bids", "NaN:1"),
            ("flashmm_book.bids", "-0.4:1"),
            ("flashmm_book.asks", "0.4:-1"),
            ("flashmm_book.seq", "x"),
        ] {
            assert!(
                matches!(base(k, v), Err(EventParseError::Value { .. })),
                "{k}={v}"
            );
        }
        assert!(matches!(
            base("flashmm_book.market", "BTC/USDC"),
            Err(EventParseError::UnknownMarket(_))
        ));
        let mut short = map(&[
            ("flashmm_book.market", &["SEI/USDC", "SEI/USDC"]),
            ("flashmm_book.seq", &["1"]),
            ("flashmm_book.ts", &["1", "2"]),
        ]);
        assert!(matches!(
            parse_events(&short, &specs()),
            Err(EventParseError::Count { .. })
        ));
        short.remove("flashmm_book.market");
        assert!(matches!(
            parse_events(&short, &specs()),
            Err(EventParseError::Missing { .. })
        ));
    }
}
