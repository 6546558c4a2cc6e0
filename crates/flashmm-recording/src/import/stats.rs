//! What an import read, wrote, fixed and skipped.

use super::MalformedCounts;
use flashmm_core::time::UnixNanos;

/// The statistics of one import.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportStats {
    /// Input files read.
    pub files: u64,
    /// Input lines read (empty lines included).
    pub lines: u64,
    /// Well-formed depth updates (diffs) read.
    pub depth_updates: u64,
    /// Well-formed top-of-book messages (`bookTicker`) read.
    pub book_tickers: u64,
    /// Well-formed trade messages read.
    pub trade_messages: u64,
    /// Well-formed full-depth (REST) snapshots found in the input.
    pub depth_snapshots: u64,
    /// `Snapshot` records written: the first book, then one per resync.
    pub snapshots: u64,
    /// `Delta` records written.
    pub deltas: u64,
    /// `Trade` records written.
    pub trades: u64,
    /// `Top` records written.
    pub tops: u64,
    /// Sequence gaps between depth updates.
    pub gaps: u64,
    /// Times the book was thrown away and rebuilt after a gap.
    pub resyncs: u64,
    /// Depth updates skipped because they were already covered (`u` not after the last one).
    pub stale_updates: u64,
    /// Book levels removed because they crossed the exact top of book or a newer update.
    pub crossed_fixes: u64,
    /// Depth-update levels ignored because a newer top of book had already set that side's
    /// best price and size.
    pub ticker_overrides: u64,
    /// Lines skipped, by kind.
    pub malformed: MalformedCounts,
    /// The first local receive time seen.
    pub first_recv_ts: Option<UnixNanos>,
    /// The last local receive time seen.
    pub last_recv_ts: Option<UnixNanos>,
    /// Lines whose receive time is earlier than the line before them.
    pub recv_ts_backwards: u64,
}

impl ImportStats {
    /// Every record written.
    pub fn records(&self) -> u64 {
        self.snapshots + self.deltas + self.trades + self.tops
    }
}

impl std::fmt::Display for ImportStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let span = match (self.first_recv_ts, self.last_recv_ts) {
            (Some(a), Some(b)) => format!("{a} .. {b} ({:.3} s)", b.since(a) as f64 / 1e9),
            _ => "-".to_owned(),
        };
        writeln!(f, "files                {}", self.files)?;
        writeln!(f, "lines                {}", self.lines)?;
        writeln!(f, "recv span (ns)       {span}")?;
        writeln!(f, "recv ts backwards    {}", self.recv_ts_backwards)?;
        writeln!(
            f,
            "input                depth {} / book ticker {} / trade {} / depth snapshot {}",
            self.depth_updates, self.book_tickers, self.trade_messages, self.depth_snapshots
        )?;
        writeln!(
            f,
            "records written      {} (snapshot {} / delta {} / trade {} / top {})",
            self.records(),
            self.snapshots,
            self.deltas,
            self.trades,
            self.tops
        )?;
        writeln!(
            f,
            "sequence             gaps {} / resyncs {} / stale updates {}",
            self.gaps, self.resyncs, self.stale_updates
        )?;
        writeln!(
            f,
            "book fixes           crossed levels removed {} / levels overridden by top {}",
            self.crossed_fixes, self.ticker_overrides
        )?;
        write!(f, "malformed            {}", self.malformed.total())?;
        for (kind, n) in self.malformed.nonzero() {
            write!(f, " / {kind} {n}")?;
        }
        Ok(())
    }
}
