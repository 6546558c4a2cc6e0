//! The kinds of input lines an importer skips, and their counts.

/// Why an input line was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MalformedKind {
    /// The line is not valid UTF-8.
    Encoding,
    /// The local receive timestamp before the JSON is missing or not an integer.
    Timestamp,
    /// The JSON does not parse as a message (bad syntax, or a level with more than a price
    /// and a size, which the parser sees as trailing characters).
    Json,
    /// Valid JSON, but a field is missing or has the wrong type.
    Schema,
    /// The stream name is not one the importer knows.
    UnknownStream,
    /// The message is for another instrument than the one being imported.
    OtherSymbol,
    /// A price or size is not a plain non-negative decimal (NaN, garbage, negative, a zero
    /// price, out of range), or a venue time is out of range.
    Number,
    /// A price or size is not a whole multiple of the tick or lot size.
    OffGrid,
    /// A top of book with bid at or above ask, or a depth update whose own bids and asks
    /// cross.
    Crossed,
}

impl MalformedKind {
    /// Every kind, in display order.
    pub const ALL: [MalformedKind; 9] = [
        MalformedKind::Encoding,
        MalformedKind::Timestamp,
        MalformedKind::Json,
        MalformedKind::Schema,
        MalformedKind::UnknownStream,
        MalformedKind::OtherSymbol,
        MalformedKind::Number,
        MalformedKind::OffGrid,
        MalformedKind::Crossed,
    ];

    /// A short snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            MalformedKind::Encoding => "encoding",
            MalformedKind::Timestamp => "timestamp",
            MalformedKind::Json => "json",
            MalformedKind::Schema => "schema",
            MalformedKind::UnknownStream => "unknown_stream",
            MalformedKind::OtherSymbol => "other_symbol",
            MalformedKind::Number => "number",
            MalformedKind::OffGrid => "off_grid",
            MalformedKind::Crossed => "crossed",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for MalformedKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How many lines were skipped, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MalformedCounts([u64; MalformedKind::ALL.len()]);

impl MalformedCounts {
    /// Counts one more line of `kind`.
    pub fn add(&mut self, kind: MalformedKind) {
        self.0[kind.index()] += 1;
    }

    /// The count of `kind`.
    pub fn get(&self, kind: MalformedKind) -> u64 {
        self.0[kind.index()]
    }

    /// All skipped lines.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// The kinds with a non-zero count, with their counts.
    pub fn nonzero(&self) -> impl Iterator<Item = (MalformedKind, u64)> + '_ {
        MalformedKind::ALL
            .into_iter()
            .map(|k| (k, self.get(k)))
            .filter(|&(_, n)| n > 0)
    }
}
