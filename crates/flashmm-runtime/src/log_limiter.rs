//! Repeated warnings, logged at a bounded rate.

/// Limits repeated warnings: the first occurrence of each kind is logged, then at most one per
/// `every`, carrying how many were suppressed in between. Metrics still count every one.
#[derive(Debug)]
pub struct LogLimiter {
    every: std::time::Duration,
    seen: std::collections::HashMap<String, (std::time::Instant, u64)>,
}

impl LogLimiter {
    /// A limiter allowing one line per kind per `every`.
    pub fn new(every: std::time::Duration) -> Self {
        LogLimiter {
            every,
            seen: std::collections::HashMap::new(),
        }
    }

    /// Whether to log an occurrence of `kind` now; `Some(suppressed)` when yes, with the number
    /// of occurrences swallowed since the last line.
    pub fn allow(&mut self, kind: &str) -> Option<u64> {
        let now = std::time::Instant::now();
        match self.seen.get_mut(kind) {
            None => {
                self.seen.insert(kind.to_owned(), (now, 0));
                Some(0)
            }
            Some((last, suppressed)) if now.duration_since(*last) >= self.every => {
                let count = *suppressed;
                *last = now;
                *suppressed = 0;
                Some(count)
            }
            Some((_, suppressed)) => {
                *suppressed += 1;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_limiter_logs_first_then_throttles_per_kind() {
        let mut limiter = LogLimiter::new(std::time::Duration::from_millis(50));
        assert_eq!(limiter.allow("gap"), Some(0));
        assert_eq!(limiter.allow("gap"), None);
        assert_eq!(limiter.allow("gap"), None);
        assert_eq!(limiter.allow("crossed"), Some(0));
        std::thread::sleep(std::time::Duration::from_millis(60));
        assert_eq!(limiter.allow("gap"), Some(2));
        assert_eq!(limiter.allow("gap"), None);
    }
}
