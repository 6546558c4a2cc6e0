//! The time split of a dataset file into train, validation and test parts, shared by
//! `scripts/train_model.py` and `flashmm eval-model`.
//!
//! Each dataset file is cut by its own time span: with `t0`, `t1` the first and last row time
//! and `span = t1 − t0` (ns), validation starts at `t0 + ⌊span · (1 − val − test)⌋` and test
//! at `t0 + ⌊span · (1 − test)⌋`. Rows less than one label horizon before a cut (the embargo)
//! belong to no part, so no label of an earlier part looks into a later one. The test part
//! runs to the end of the file.

use serde::{Deserialize, Serialize};

/// Default fraction of each file's span in the validation part.
pub const DEFAULT_VAL_FRAC: f64 = 0.15;
/// Default fraction of each file's span in the test part.
pub const DEFAULT_TEST_FRAC: f64 = 0.2;

/// Which part of a file a row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Fitted on.
    Train,
    /// Model selection and early stopping.
    Validation,
    /// Reported on; never fitted on.
    Test,
    /// In an embargo before a cut: in no part.
    Embargo,
}

/// The split fractions, as recorded in `model.json` (`split.val_frac`, `split.test_frac`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SplitSpec {
    /// Fraction of each file's span in the validation part.
    pub val_frac: f64,
    /// Fraction of each file's span in the test part.
    pub test_frac: f64,
}

impl Default for SplitSpec {
    fn default() -> Self {
        SplitSpec {
            val_frac: DEFAULT_VAL_FRAC,
            test_frac: DEFAULT_TEST_FRAC,
        }
    }
}

/// The cuts of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSplit {
    /// First validation row time (UTC ns).
    pub cut_val_ts: i64,
    /// First test row time (UTC ns).
    pub cut_test_ts: i64,
    /// Rows within this many ns before a cut are in no part (one label horizon).
    pub embargo_ns: i64,
}

impl SplitSpec {
    /// Whether both fractions are in (0, 1) and leave a training part.
    pub fn is_valid(&self) -> bool {
        let ok = |f: f64| f.is_finite() && f > 0.0 && f < 1.0;
        ok(self.val_frac) && ok(self.test_frac) && self.val_frac + self.test_frac < 1.0
    }

    /// The cuts of a file whose rows have times `ts` (any order), with an embargo of
    /// `horizon_ms`; `None` for a file without rows.
    pub fn cuts(&self, ts: &[i64], horizon_ms: u32) -> Option<TimeSplit> {
        let t0 = *ts.iter().min()?;
        let t1 = *ts.iter().max()?;
        let span = (t1 - t0) as f64;
        // Truncation toward zero, as Python's int() of a non-negative float.
        let at = |frac: f64| t0 + (span * frac) as i64;
        Some(TimeSplit {
            cut_val_ts: at(1.0 - self.val_frac - self.test_frac),
            cut_test_ts: at(1.0 - self.test_frac),
            embargo_ns: i64::from(horizon_ms) * 1_000_000,
        })
    }
}

impl TimeSplit {
    /// The part of a row at time `ts`.
    pub fn part(&self, ts: i64) -> Part {
        if ts >= self.cut_test_ts {
            Part::Test
        } else if ts >= self.cut_val_ts && ts < self.cut_test_ts - self.embargo_ns {
            Part::Validation
        } else if ts < self.cut_val_ts - self.embargo_ns {
            Part::Train
        } else {
            Part::Embargo
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_follow_the_cuts_with_an_embargo() {
        let ts: Vec<i64> = (0..=100).map(|i| i * 10_000_000).collect(); // 0..1 s, 10 ms apart
        let split = SplitSpec::default().cuts(&ts, 50).unwrap();
        // 1 − 0.15 − 0.2 is 0.6499999999999999 in f64, as in Python: the cut truncates.
        assert_eq!(split.cut_val_ts, 649_999_999);
        assert_eq!(split.cut_test_ts, 800_000_000);
        let parts: Vec<Part> = ts.iter().map(|&t| split.part(t)).collect();
        let count = |p: Part| parts.iter().filter(|&&x| x == p).count();
        assert_eq!(count(Part::Train), 60); // 0..590 ms: 600 ms is within 50 ms of the cut
        assert_eq!(count(Part::Validation), 10); // 650..740 ms
        assert_eq!(count(Part::Test), 21); // 800..1000 ms
        assert_eq!(count(Part::Embargo), 10);
        assert_eq!(split.part(600_000_000), Part::Embargo);
        assert_eq!(split.part(599_999_998), Part::Train);
        assert_eq!(split.part(750_000_000), Part::Embargo);
    }

    #[test]
    fn fractions_are_checked_and_empty_files_have_no_cuts() {
        assert!(SplitSpec::default().is_valid());
        for (v, t) in [(0.0, 0.2), (0.5, 0.5), (0.1, f64::NAN), (0.2, -0.1)] {
            assert!(
                !SplitSpec {
                    val_frac: v,
                    test_frac: t
                }
                .is_valid(),
                "{v} {t}"
            );
        }
        assert_eq!(SplitSpec::default().cuts(&[], 100), None);
    }
}
