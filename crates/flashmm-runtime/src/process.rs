//! Process metrics every service exports on `/metrics`, under the names Prometheus client
//! libraries use, so standard dashboards and alerts work unchanged:
//!
//! - `process_cpu_seconds_total`: user plus system CPU time, seconds.
//! - `process_resident_memory_bytes`: resident set size.
//! - `process_open_fds`, `process_max_fds`: open file descriptors and their limit.
//! - `process_threads`: OS threads.
//! - `process_start_time_seconds`: when the metrics started, UTC seconds since the epoch.
//!
//! They are read from `/proc/self` (Linux) once a second by [`spawn_sampler`]; on a system
//! without `/proc` nothing is recorded.

use std::time::Duration;

use metrics::gauge;

/// Gauge of CPU seconds used (user + system); only ever grows.
pub const CPU_SECONDS_TOTAL: &str = "process_cpu_seconds_total";
/// Gauge of the resident set size, bytes.
pub const RESIDENT_MEMORY_BYTES: &str = "process_resident_memory_bytes";
/// Gauge of open file descriptors.
pub const OPEN_FDS: &str = "process_open_fds";
/// Gauge of the open file descriptor limit.
pub const MAX_FDS: &str = "process_max_fds";
/// Gauge of OS threads.
pub const THREADS: &str = "process_threads";
/// Gauge of the process's start time, UTC seconds.
pub const START_TIME_SECONDS: &str = "process_start_time_seconds";

/// Clock ticks per second of `/proc/*/stat` times: `USER_HZ`, 100 on every Linux architecture.
const USER_HZ: f64 = 100.0;

/// One reading of the process's resources.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProcessSample {
    /// User plus system CPU time, seconds.
    pub cpu_seconds: f64,
    /// Resident set size, bytes.
    pub resident_bytes: u64,
    /// Open file descriptors.
    pub open_fds: u64,
    /// The soft limit of open file descriptors, if it is not unlimited.
    pub max_fds: Option<u64>,
    /// OS threads.
    pub threads: u64,
}

/// CPU seconds from the text of `/proc/PID/stat` (the fields after the parenthesised name).
fn cpu_seconds(stat: &str) -> Option<f64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3 of the line, utime 14 and stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / USER_HZ)
}

/// The value of a `Name:   value [kB]` line of `/proc/PID/status`.
fn status_field(status: &str, name: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let value = line.strip_prefix(name)?.strip_prefix(':')?;
        value.split_whitespace().next()?.parse().ok()
    })
}

/// The soft limit of `Max open files` in `/proc/PID/limits`.
fn max_open_files(limits: &str) -> Option<u64> {
    limits
        .lines()
        .find_map(|l| l.strip_prefix("Max open files"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

impl ProcessSample {
    /// Reads this process's resources from `/proc/self`; `None` where `/proc` is absent.
    pub fn read() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
        let open_fds = std::fs::read_dir("/proc/self/fd").ok()?.count() as u64;
        Some(ProcessSample {
            cpu_seconds: cpu_seconds(&stat)?,
            resident_bytes: status_field(&status, "VmRSS")? * 1024,
            // The directory handle of the count itself is one of them.
            open_fds: open_fds.saturating_sub(1),
            max_fds: max_open_files(&limits),
            threads: status_field(&status, "Threads")?,
        })
    }

    /// Sets the process gauges to this sample.
    pub fn record(&self) {
        gauge!(CPU_SECONDS_TOTAL).set(self.cpu_seconds);
        gauge!(RESIDENT_MEMORY_BYTES).set(self.resident_bytes as f64);
        gauge!(OPEN_FDS).set(self.open_fds as f64);
        if let Some(max) = self.max_fds {
            gauge!(MAX_FDS).set(max as f64);
        }
        gauge!(THREADS).set(self.threads as f64);
    }
}

/// Records the start time and a first sample now, then samples every `every` on a tokio task.
/// Call inside the tokio runtime, after the metrics recorder is installed.
pub fn spawn_sampler(every: Duration) -> tokio::task::JoinHandle<()> {
    let start = crate::now().as_i64() as f64 / 1e9;
    gauge!(START_TIME_SECONDS).set(start);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match ProcessSample::read() {
                Some(sample) => sample.record(),
                None => return,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_texts() {
        let stat = "42 (a (weird) name) S 1 42 42 0 -1 4194560 300 0 0 0 250 75 0 0 20 0 7 0 1 2 3";
        assert_eq!(cpu_seconds(stat), Some(3.25));
        assert_eq!(cpu_seconds("42 (x) S 1"), None);
        let status = "Name:\tx\nVmRSS:\t    2044 kB\nThreads:\t7\n";
        assert_eq!(status_field(status, "VmRSS"), Some(2044));
        assert_eq!(status_field(status, "Threads"), Some(7));
        assert_eq!(status_field(status, "VmSwap"), None);
        let limits = "Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n";
        assert_eq!(max_open_files(limits), Some(1024));
        assert_eq!(
            max_open_files("Max open files  unlimited unlimited files"),
            None
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_this_process() {
        let file = std::fs::File::open("/proc/self/stat").unwrap();
        let sample = ProcessSample::read().unwrap();
        assert!(sample.resident_bytes > 1 << 20, "{sample:?}");
        assert!(sample.threads >= 1, "{sample:?}");
        assert!(sample.open_fds >= 4, "stdio and the open file: {sample:?}");
        assert!(sample.max_fds.is_some_and(|m| m >= sample.open_fds));
        assert!(sample.cpu_seconds >= 0.0);
        drop(file);
    }
}
