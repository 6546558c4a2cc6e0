//! The heartbeat every service publishes: alive only while its consume loops make progress.

/// The field of `{ns}:state:heartbeat` next to the service's beat: how long its slowest
/// consume loop has gone without progress, ms, when that is past
/// [`STALL_AFTER`](crate::progress::STALL_AFTER); 0 otherwise.
pub fn stalled_field(service: &str) -> String {
    format!("stalled_ms:{service}")
}

/// Publishes a [`Heartbeat`](flashmm_core::control::Heartbeat) of `service` every `every` to
/// `{ns}:heartbeat` and records its time in the hash `{ns}:state:heartbeat` (field = service),
/// which `/health` reads. Failures (Redis down) are counted in
/// `flashmm_heartbeat_errors_total` and retried at the next beat.
///
/// The beat tells the truth about the service's consume loops (every [`Consumer`](crate::Consumer)
/// of the process, [`Progress::global`](crate::progress::Progress::global)): while one has gone
/// without progress for longer than [`STALL_AFTER`](crate::progress::STALL_AFTER), the beat
/// carries that loop's last progress time instead of the time of the beat (so it ages as a
/// dead service's would), and `stalled_ms:{service}` says for how long (0 when none is
/// stalled); `flashmm_heartbeat_stalled{service}` is 1 meanwhile. A process without consumers
/// beats as long as it runs.
pub fn spawn_heartbeat<B: crate::Bus + 'static>(
    bus: B,
    namespace: crate::Namespace,
    service: &'static str,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    spawn_heartbeat_watching(
        bus,
        namespace,
        service,
        every,
        crate::progress::Progress::global(),
        crate::progress::STALL_AFTER,
    )
}

/// [`spawn_heartbeat`] watching the loops of `progress`, stalled past `stall_after`.
pub fn spawn_heartbeat_watching<B: crate::Bus + 'static>(
    bus: B,
    namespace: crate::Namespace,
    service: &'static str,
    every: std::time::Duration,
    progress: crate::progress::Progress,
    stall_after: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    let instance = format!("{service}-{}", std::process::id());
    tokio::spawn(async move {
        let stream = namespace.heartbeat();
        let state = match namespace.state("heartbeat") {
            Ok(key) => key,
            Err(e) => {
                tracing::error!(error = %e, "heartbeat state key");
                return;
            }
        };
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut was_stalled = false;
        loop {
            tick.tick().await;
            let now = flashmm_runtime::now();
            let stalled = progress.stalled(stall_after);
            let (ts, stalled_ms) = match &stalled {
                Some(slowest) => {
                    let age_ns = i64::try_from(slowest.age.as_nanos()).unwrap_or(i64::MAX);
                    let age_ms = i64::try_from(slowest.age.as_millis()).unwrap_or(i64::MAX);
                    (
                        flashmm_core::time::UnixNanos(now.0.saturating_sub(age_ns)),
                        age_ms.max(1),
                    )
                }
                None => (now, 0),
            };
            match (&stalled, was_stalled) {
                (Some(slowest), false) => tracing::error!(
                    service,
                    consumer = %slowest.name,
                    since_ms = stalled_ms,
                    "consume loop makes no progress: heartbeat reports the service stalled"
                ),
                (None, true) => tracing::info!(service, "consume loops make progress again"),
                _ => {}
            }
            was_stalled = stalled.is_some();
            metrics::gauge!(crate::telemetry::HEARTBEAT_STALLED, "service" => service)
                .set(if was_stalled { 1.0 } else { 0.0 });
            let beat = flashmm_core::control::Heartbeat {
                service: service.to_owned(),
                instance: instance.clone(),
                ts,
            };
            let result = async {
                let envelope = crate::Envelope::new("", ts, ts, &beat)?;
                bus.publish_capped(&stream, &envelope, Some(10_000)).await?;
                bus.set_state(
                    &state,
                    &[
                        (service.to_owned(), ts.as_i64().to_string()),
                        (stalled_field(service), stalled_ms.to_string()),
                    ],
                )
                .await
            }
            .await;
            if let Err(e) = result {
                metrics::counter!("flashmm_heartbeat_errors_total", "service" => service)
                    .increment(1);
                tracing::warn!(service, error = %e, "heartbeat not written");
            }
        }
    })
}
