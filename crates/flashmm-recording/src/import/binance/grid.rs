//! The first pass: the instrument's symbol and the smallest price and size increments.

use super::message::{parse_line, Message};
use super::TimeUnitCounts;
use rust_decimal::Decimal;

/// Finer increments than this are treated as garbage (left to the second pass to reject).
const MAX_SCALE: u32 = 16;

/// What a scan of the input found: the first symbol, the most decimal places any price
/// and any size of that symbol uses (trailing zeros ignored), the units the receive times
/// are written in, and whether any depth (diff or snapshot) is in the data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GridScan {
    symbol: Option<String>,
    price_scale: Option<u32>,
    qty_scale: Option<u32>,
    messages: u64,
    depth_messages: u64,
    time_units: TimeUnitCounts,
}

impl GridScan {
    /// An empty scan.
    pub fn new() -> Self {
        GridScan::default()
    }

    /// Looks at one input line; malformed lines are ignored here.
    pub fn push_line(&mut self, line: &[u8]) {
        let Ok(text) = std::str::from_utf8(line) else {
            return;
        };
        let Ok(line) = parse_line(text.trim_end()) else {
            return;
        };
        if let Some(symbol) = line.msg.symbol() {
            match &self.symbol {
                None => self.symbol = Some(symbol.to_owned()),
                Some(s) if s != symbol => return,
                Some(_) => {}
            }
        }
        self.messages += 1;
        self.time_units.add(line.recv_raw);
        if matches!(line.msg, Message::Depth(_) | Message::Snapshot(_)) {
            self.depth_messages += 1;
        }
        let (prices, qtys) = line.msg.decimals();
        for p in prices {
            widen(&mut self.price_scale, p);
        }
        for q in qtys {
            widen(&mut self.qty_scale, q);
        }
    }

    /// The first symbol seen.
    pub fn symbol(&self) -> Option<&str> {
        self.symbol.as_deref()
    }

    /// Well-formed messages of the symbol seen.
    pub fn messages(&self) -> u64 {
        self.messages
    }

    /// Well-formed depth diffs and depth snapshots seen: none means a capture of
    /// `bookTicker` and trades only.
    pub fn depth_messages(&self) -> u64 {
        self.depth_messages
    }

    /// How many receive times of each unit were seen (see [`TimeUnitCounts::unit`]).
    pub fn time_units(&self) -> TimeUnitCounts {
        self.time_units
    }

    /// The tick: `10^-p` for the most decimal places `p` of any price.
    pub fn tick_size(&self) -> Option<Decimal> {
        self.price_scale.map(|s| Decimal::new(1, s))
    }

    /// The lot: `10^-q` for the most decimal places `q` of any size.
    pub fn lot_size(&self) -> Option<Decimal> {
        self.qty_scale.map(|s| Decimal::new(1, s))
    }
}

/// Raises `scale` to the decimal places `s` needs, when `s` is a plain decimal.
fn widen(scale: &mut Option<u32>, s: &str) {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return;
    }
    let places = frac.trim_end_matches('0').len() as u32;
    if places <= MAX_SCALE {
        *scale = Some(scale.map_or(places, |s| s.max(places)));
    }
}
