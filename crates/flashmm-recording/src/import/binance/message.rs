//! One raw Binance message parsed into a typed message, decimals still as strings.
//!
//! [`parse_message`] reads the JSON of a combined-stream frame (`{"stream":..,"data":..}`) or
//! of a REST depth snapshot; [`parse_line`] reads a capture line `<recv time> <JSON>`. The
//! live adapter (`flashmm-binance`) and the importer share these, so Binance's messages are
//! parsed in one place.

use crate::import::MalformedKind;
use flashmm_core::market::Side;
use serde::Deserialize;
use serde_json::value::RawValue;

/// A price level as sent: `[price, qty]` decimal strings.
pub type RawLevel<'a> = [&'a str; 2];

/// A parsed line: its local receive time and message.
#[derive(Debug)]
pub struct Line<'a> {
    /// The local receive time as written, in the capture's unit (see [`TimeUnit`](super::TimeUnit)).
    pub recv_raw: i64,
    /// The message.
    pub msg: Message<'a>,
}

/// The messages the importer understands.
#[derive(Debug)]
pub enum Message<'a> {
    /// A `depthUpdate` diff.
    Depth(DepthUpdate<'a>),
    /// A `bookTicker`: the exact best bid and ask.
    Ticker(BookTicker<'a>),
    /// A public trade (`trade` or `aggTrade`).
    Trade(RawTrade<'a>),
    /// A full depth snapshot as the REST endpoint returns it.
    Snapshot(DepthSnapshot<'a>),
}

impl<'a> Message<'a> {
    /// The symbol the message is for (a REST snapshot names none).
    pub fn symbol(&self) -> Option<&'a str> {
        match self {
            Message::Depth(d) => Some(d.symbol),
            Message::Ticker(t) => Some(t.symbol),
            Message::Trade(t) => Some(t.symbol),
            Message::Snapshot(_) => None,
        }
    }

    /// Every price string, then every size string, of the message.
    pub fn decimals(&self) -> (Vec<&'a str>, Vec<&'a str>) {
        match self {
            Message::Depth(d) => split_levels(&d.bids, &d.asks),
            Message::Snapshot(s) => split_levels(&s.bids, &s.asks),
            Message::Ticker(t) => (vec![t.bid, t.ask], vec![t.bid_qty, t.ask_qty]),
            Message::Trade(t) => (vec![t.price], vec![t.qty]),
        }
    }
}

/// The prices and the sizes of two lists of levels.
fn split_levels<'a>(bids: &[RawLevel<'a>], asks: &[RawLevel<'a>]) -> (Vec<&'a str>, Vec<&'a str>) {
    bids.iter().chain(asks).map(|l| (l[0], l[1])).unzip()
}

/// A `depthUpdate`: the levels changed between update ids `first` and `last`.
#[derive(Debug, Deserialize)]
pub struct DepthUpdate<'a> {
    /// Event time, ms.
    #[serde(rename = "E")]
    pub event_ms: u64,
    /// The symbol.
    #[serde(rename = "s")]
    pub symbol: &'a str,
    /// First update id in the event.
    #[serde(rename = "U")]
    pub first: u64,
    /// Last update id in the event.
    #[serde(rename = "u")]
    pub last: u64,
    /// Futures only: the last update id of the previous event.
    #[serde(rename = "pu", default)]
    pub prev: Option<u64>,
    /// Changed bids.
    #[serde(rename = "b", borrow)]
    pub bids: Vec<RawLevel<'a>>,
    /// Changed asks.
    #[serde(rename = "a", borrow)]
    pub asks: Vec<RawLevel<'a>>,
}

/// A `bookTicker`.
#[derive(Debug, Deserialize)]
pub struct BookTicker<'a> {
    /// The order-book update id.
    #[serde(rename = "u")]
    pub update_id: u64,
    /// The symbol.
    #[serde(rename = "s")]
    pub symbol: &'a str,
    /// Best bid price.
    #[serde(rename = "b")]
    pub bid: &'a str,
    /// Best bid size.
    #[serde(rename = "B")]
    pub bid_qty: &'a str,
    /// Best ask price.
    #[serde(rename = "a")]
    pub ask: &'a str,
    /// Best ask size.
    #[serde(rename = "A")]
    pub ask_qty: &'a str,
    /// Event time, ms (futures only).
    #[serde(rename = "E", default)]
    pub event_ms: Option<u64>,
}

/// A `trade` or `aggTrade`, with the id taken from `t` or `a` respectively.
#[derive(Debug)]
pub struct RawTrade<'a> {
    /// The symbol.
    pub symbol: &'a str,
    /// The trade id.
    pub id: u64,
    /// Price.
    pub price: &'a str,
    /// Size.
    pub qty: &'a str,
    /// Trade time, ms.
    pub trade_ms: u64,
    /// Whether the buyer was the maker (a sell aggressor).
    pub buyer_is_maker: bool,
}

impl RawTrade<'_> {
    /// The side that crossed the spread: the seller when the buyer was the maker.
    pub fn aggressor(&self) -> Side {
        if self.buyer_is_maker {
            Side::Sell
        } else {
            Side::Buy
        }
    }
}

#[derive(Deserialize)]
struct TradeData<'a> {
    #[serde(rename = "s")]
    symbol: &'a str,
    #[serde(rename = "t")]
    id: u64,
    #[serde(rename = "p")]
    price: &'a str,
    #[serde(rename = "q")]
    qty: &'a str,
    #[serde(rename = "T")]
    trade_ms: u64,
    #[serde(rename = "m")]
    buyer_is_maker: bool,
}

#[derive(Deserialize)]
struct AggTradeData<'a> {
    #[serde(rename = "s")]
    symbol: &'a str,
    #[serde(rename = "a")]
    id: u64,
    #[serde(rename = "p")]
    price: &'a str,
    #[serde(rename = "q")]
    qty: &'a str,
    #[serde(rename = "T")]
    trade_ms: u64,
    #[serde(rename = "m")]
    buyer_is_maker: bool,
}

/// A full depth snapshot (`GET /depth`), as the collector records it at start.
#[derive(Debug, Deserialize)]
pub struct DepthSnapshot<'a> {
    /// The last update id the snapshot includes.
    #[serde(rename = "lastUpdateId")]
    pub last_update_id: u64,
    /// Event time, ms (futures only).
    #[serde(rename = "E", default)]
    pub event_ms: Option<u64>,
    /// Bids.
    #[serde(borrow)]
    pub bids: Vec<RawLevel<'a>>,
    /// Asks.
    #[serde(borrow)]
    pub asks: Vec<RawLevel<'a>>,
}

/// The combined-stream wrapper, or a REST snapshot (which has `lastUpdateId` instead).
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default, borrow)]
    stream: Option<&'a str>,
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
    #[serde(rename = "lastUpdateId", default)]
    last_update_id: Option<u64>,
}

/// Parses one capture line (without its newline): `<recv time> <JSON>`.
pub fn parse_line(line: &str) -> Result<Line<'_>, MalformedKind> {
    let (ts, json) = line.split_once(' ').ok_or(MalformedKind::Timestamp)?;
    if ts.is_empty() || !ts.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MalformedKind::Timestamp);
    }
    let recv_raw = ts.parse::<i64>().map_err(|_| MalformedKind::Timestamp)?;
    let msg = parse_message(json)?;
    Ok(Line { recv_raw, msg })
}

/// Parses one message: a combined-stream frame `{"stream":..,"data":..}` (depth diff,
/// `bookTicker`, `trade`, `aggTrade`) or a REST depth snapshot (`{"lastUpdateId":..}`).
pub fn parse_message(json: &str) -> Result<Message<'_>, MalformedKind> {
    let env: Envelope<'_> = serde_json::from_str(json).map_err(json_kind)?;
    Ok(match (env.stream, env.data, env.last_update_id) {
        (Some(stream), Some(data), _) => parse_stream(stream, data.get())?,
        (None, None, Some(_)) => Message::Snapshot(serde_json::from_str(json).map_err(json_kind)?),
        (Some(_), None, _) | (None, _, _) => return Err(MalformedKind::Schema),
    })
}

fn parse_stream<'a>(stream: &str, data: &'a str) -> Result<Message<'a>, MalformedKind> {
    let kind = stream.split_once('@').map(|(_, k)| k).unwrap_or("");
    let kind = kind.split_once('@').map(|(k, _)| k).unwrap_or(kind);
    Ok(match kind {
        "depth" => Message::Depth(serde_json::from_str(data).map_err(json_kind)?),
        "bookTicker" => Message::Ticker(serde_json::from_str(data).map_err(json_kind)?),
        "trade" => {
            let t: TradeData<'a> = serde_json::from_str(data).map_err(json_kind)?;
            Message::Trade(RawTrade {
                symbol: t.symbol,
                id: t.id,
                price: t.price,
                qty: t.qty,
                trade_ms: t.trade_ms,
                buyer_is_maker: t.buyer_is_maker,
            })
        }
        "aggTrade" => {
            let t: AggTradeData<'a> = serde_json::from_str(data).map_err(json_kind)?;
            Message::Trade(RawTrade {
                symbol: t.symbol,
                id: t.id,
                price: t.price,
                qty: t.qty,
                trade_ms: t.trade_ms,
                buyer_is_maker: t.buyer_is_maker,
            })
        }
        _ => return Err(MalformedKind::UnknownStream),
    })
}

/// Syntax errors are bad JSON; type and missing-field errors are schema errors.
fn json_kind(e: serde_json::Error) -> MalformedKind {
    match e.classify() {
        serde_json::error::Category::Data => MalformedKind::Schema,
        _ => MalformedKind::Json,
    }
}
