//! Service liveness from the heartbeats in `{ns}:state:heartbeat`.
//!
//! A service's beat carries the last progress of its consume loops, not merely that its
//! process runs (`flashmm_bus::progress`): a loop stuck retrying an error makes the beat age
//! like a dead service's, and `stalled_ms:{service}` says for how long (0 when it progresses).
//! A stalled service is down.

use std::collections::BTreeMap;

use flashmm_core::config::SERVICES;
use serde::Serialize;

/// One service's liveness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceHealth {
    /// The service name.
    pub name: String,
    /// Whether its last heartbeat is recent enough and it is not stalled.
    pub up: bool,
    /// Whether its heartbeat reports a consume loop without progress (`stalled_ms:{service}`
    /// above 0): the process runs, its work does not move.
    pub stalled: bool,
    /// Whether `/health` fails while it is down.
    pub required: bool,
    /// Its last heartbeat, UTC ns; `None` if it never beat.
    pub last_seen_ts: Option<i64>,
    /// How long ago that was, ms; `None` if it never beat.
    pub age_ms: Option<i64>,
}

/// The liveness of every service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthReport {
    /// `ok` (everything up), `degraded` (an optional service down) or `down` (a required
    /// service down: `GET /health` answers 503).
    pub status: &'static str,
    /// Every known service, in [`SERVICES`] order.
    pub services: Vec<ServiceHealth>,
}

impl HealthReport {
    /// Judges `heartbeats` (service → UTC ns, and `stalled_ms:{service}` → ms) at `now_ns`: a
    /// service is up when its last heartbeat is at most `stale_ms` old and does not report a
    /// stalled consume loop.
    pub fn judge(
        heartbeats: &BTreeMap<String, i64>,
        now_ns: i64,
        stale_ms: u64,
        required: &[String],
    ) -> Self {
        let stale_ms = i64::try_from(stale_ms).unwrap_or(i64::MAX);
        let services: Vec<ServiceHealth> = SERVICES
            .iter()
            .map(|name| {
                let last = heartbeats.get(*name).copied();
                let age_ms = last.map(|ts| now_ns.saturating_sub(ts) / 1_000_000);
                let stalled = heartbeats
                    .get(&flashmm_bus::stalled_field(name))
                    .is_some_and(|ms| *ms > 0);
                ServiceHealth {
                    name: (*name).to_owned(),
                    up: age_ms.is_some_and(|age| age <= stale_ms) && !stalled,
                    stalled,
                    required: required.iter().any(|r| r == name),
                    last_seen_ts: last,
                    age_ms,
                }
            })
            .collect();
        let status = if services.iter().any(|s| s.required && !s.up) {
            "down"
        } else if services.iter().any(|s| !s.up) {
            "degraded"
        } else {
            "ok"
        };
        HealthReport { status, services }
    }

    /// True when every required service is up.
    pub fn is_healthy(&self) -> bool {
        self.status != "down"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000_000_000;

    #[test]
    fn stale_required_service_is_down() {
        let mut beats = BTreeMap::new();
        for s in SERVICES {
            beats.insert(s.to_owned(), NOW - 1_000_000_000);
        }
        let required = vec!["execution".to_owned()];
        let report = HealthReport::judge(&beats, NOW, 5_000, &required);
        assert_eq!(report.status, "ok");
        beats.insert("execution".to_owned(), NOW - 6_000_000_000);
        let report = HealthReport::judge(&beats, NOW, 5_000, &required);
        assert_eq!(report.status, "down");
        assert!(!report.is_healthy());
        let exec = report.services.iter().find(|s| s.name == "execution");
        assert_eq!(exec.and_then(|s| s.age_ms), Some(6_000));
    }

    #[test]
    fn stalled_service_is_down_though_its_beat_is_fresh() {
        let mut beats = BTreeMap::new();
        for s in SERVICES {
            beats.insert(s.to_owned(), NOW - 500_000_000);
            beats.insert(format!("stalled_ms:{s}"), 0);
        }
        let required = vec!["feature".to_owned()];
        let report = HealthReport::judge(&beats, NOW, 5_000, &required);
        assert_eq!(report.status, "ok");
        beats.insert("stalled_ms:feature".to_owned(), 5_200);
        let report = HealthReport::judge(&beats, NOW, 5_000, &required);
        assert_eq!(report.status, "down");
        let feature = report.services.iter().find(|s| s.name == "feature");
        assert_eq!(feature.map(|s| (s.up, s.stalled)), Some((false, true)));
        let ingest = report.services.iter().find(|s| s.name == "ingest");
        assert_eq!(ingest.map(|s| (s.up, s.stalled)), Some((true, false)));
    }

    #[test]
    fn missing_optional_service_is_degraded() {
        let mut beats = BTreeMap::new();
        beats.insert("execution".to_owned(), NOW);
        let report = HealthReport::judge(&beats, NOW, 5_000, &["execution".to_owned()]);
        assert_eq!(report.status, "degraded");
        assert!(report.is_healthy());
        let ingest = report.services.iter().find(|s| s.name == "ingest");
        assert_eq!(ingest.map(|s| (s.up, s.last_seen_ts)), Some((false, None)));
    }
}
