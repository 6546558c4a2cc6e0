//! The unit of a capture's receive times, told from their magnitude.
//!
//! Captures of the same public Binance source stamp the local receive time in nanoseconds
//! (current collectors) or in microseconds (older ones). A receive time of a date between
//! 2001-09-09 and 2286-11-20 has 19 digits in nanoseconds, 16 in microseconds and 13 in
//! milliseconds, so the number of digits names the unit without ambiguity.

use flashmm_core::time::UnixNanos;

/// The unit of a receive time since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum TimeUnit {
    /// Nanoseconds (19 digits).
    #[default]
    Nanos,
    /// Microseconds (16 digits).
    Micros,
    /// Milliseconds (13 digits).
    Millis,
}

impl TimeUnit {
    /// Every unit, finest first.
    pub const ALL: [TimeUnit; 3] = [TimeUnit::Nanos, TimeUnit::Micros, TimeUnit::Millis];

    /// The unit a receive time of a date between 2001-09-09 and 2286-11-20 is written in;
    /// `None` for a value of no such date in any unit (zero, negative, too short or long).
    pub fn of(raw: i64) -> Option<TimeUnit> {
        match raw {
            1_000_000_000_000_000_000..=i64::MAX => Some(TimeUnit::Nanos),
            1_000_000_000_000_000..=9_999_999_999_999_999 => Some(TimeUnit::Micros),
            1_000_000_000_000..=9_999_999_999_999 => Some(TimeUnit::Millis),
            _ => None,
        }
    }

    /// Nanoseconds in one of this unit.
    pub fn nanos(self) -> i64 {
        match self {
            TimeUnit::Nanos => 1,
            TimeUnit::Micros => 1_000,
            TimeUnit::Millis => 1_000_000,
        }
    }

    /// `raw` (in this unit) as UTC nanoseconds; `None` on overflow.
    pub fn to_nanos(self, raw: i64) -> Option<UnixNanos> {
        raw.checked_mul(self.nanos()).map(UnixNanos)
    }

    /// The unit's name, as the import statistics print it.
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Nanos => "ns",
            TimeUnit::Micros => "µs",
            TimeUnit::Millis => "ms",
        }
    }
}

impl std::fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How many receive times of each unit a scan saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeUnitCounts {
    /// Receive times of 19 digits.
    pub nanos: u64,
    /// Receive times of 16 digits.
    pub micros: u64,
    /// Receive times of 13 digits.
    pub millis: u64,
}

impl TimeUnitCounts {
    /// Counts one receive time (values of no unit are not counted).
    pub fn add(&mut self, raw: i64) {
        match TimeUnit::of(raw) {
            Some(TimeUnit::Nanos) => self.nanos += 1,
            Some(TimeUnit::Micros) => self.micros += 1,
            Some(TimeUnit::Millis) => self.millis += 1,
            None => {}
        }
    }

    /// The count of `unit`.
    pub fn get(&self, unit: TimeUnit) -> u64 {
        match unit {
            TimeUnit::Nanos => self.nanos,
            TimeUnit::Micros => self.micros,
            TimeUnit::Millis => self.millis,
        }
    }

    /// The one unit every counted receive time is in: `None` when none was counted,
    /// `Err` with these counts when units are mixed.
    pub fn unit(&self) -> Result<Option<TimeUnit>, TimeUnitCounts> {
        let mut seen = TimeUnit::ALL.into_iter().filter(|&u| self.get(u) > 0);
        match (seen.next(), seen.next()) {
            (None, _) => Ok(None),
            (Some(u), None) => Ok(Some(u)),
            (Some(_), Some(_)) => Err(*self),
        }
    }
}

impl std::fmt::Display for TimeUnitCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} in ns, {} in µs, {} in ms",
            self.nanos, self.micros, self.millis
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_name_the_unit() {
        assert_eq!(
            TimeUnit::of(1_723_161_253_937_085_768),
            Some(TimeUnit::Nanos)
        );
        assert_eq!(TimeUnit::of(1_723_161_253_937_085), Some(TimeUnit::Micros));
        assert_eq!(TimeUnit::of(1_723_161_253_937), Some(TimeUnit::Millis));
        for bad in [0, -5, 42, 1_723_161_253, 17_231_612_539_370_857] {
            assert_eq!(TimeUnit::of(bad), None, "{bad}");
        }
        assert_eq!(
            TimeUnit::Micros.to_nanos(1_723_161_253_937_085),
            Some(UnixNanos(1_723_161_253_937_085_000))
        );
        assert_eq!(TimeUnit::Millis.to_nanos(i64::MAX / 10), None);
    }

    #[test]
    fn counts_tell_one_unit_or_refuse_a_mix() {
        let mut c = TimeUnitCounts::default();
        assert_eq!(c.unit(), Ok(None));
        c.add(1_723_161_253_937_085);
        c.add(7);
        assert_eq!(c.unit(), Ok(Some(TimeUnit::Micros)));
        c.add(1_723_161_253_937_085_768);
        let mixed = c.unit().unwrap_err();
        assert_eq!((mixed.nanos, mixed.micros), (1, 1));
        assert_eq!(mixed.to_string(), "1 in ns, 1 in µs, 0 in ms");
    }
}
