//! Appends [`AuditEntry`]s of admin actions to the append-only `{ns}:audit` stream and logs
//! them (who, what, outcome; never a credential).

use std::sync::Arc;

use flashmm_bus::{Bus, Envelope, StreamName};
use flashmm_core::control::{AuditEntry, AuditOutcome};
use flashmm_runtime as runtime;

use crate::telemetry;

/// Entries kept in `{ns}:audit` (`MAXLEN ~`).
pub const AUDIT_MAXLEN: usize = 100_000;

/// Writes the audit trail.
#[derive(Clone)]
pub struct AuditLog {
    bus: Arc<dyn Bus>,
    stream: StreamName,
}

impl AuditLog {
    /// A log appending to `stream` (`{ns}:audit`).
    pub fn new(bus: Arc<dyn Bus>, stream: StreamName) -> Self {
        AuditLog { bus, stream }
    }

    /// Records one action. A failure to write is logged and counted, never hidden.
    pub async fn record(
        &self,
        actor: &str,
        role: &str,
        action: &str,
        detail: &str,
        outcome: AuditOutcome,
        client: &str,
    ) {
        let outcome_label = match outcome {
            AuditOutcome::Accepted => "accepted",
            AuditOutcome::Denied => "denied",
            AuditOutcome::Failed => "failed",
        };
        metrics::counter!(
            telemetry::ADMIN_ACTIONS,
            "action" => action.to_owned(),
            "outcome" => outcome_label
        )
        .increment(1);
        tracing::info!(
            actor,
            role,
            action,
            detail,
            outcome = outcome_label,
            client,
            "audit"
        );
        let ts = runtime::now();
        let entry = AuditEntry {
            actor: actor.to_owned(),
            role: role.to_owned(),
            action: action.to_owned(),
            detail: detail.to_owned(),
            outcome,
            client: client.to_owned(),
            ts,
        };
        let written = match Envelope::new("", ts, ts, &entry) {
            Ok(envelope) => self
                .bus
                .publish_capped(&self.stream, &envelope, Some(AUDIT_MAXLEN))
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(error) = written {
            metrics::counter!(telemetry::BUS_ERRORS).increment(1);
            tracing::error!(action, outcome = outcome_label, %error, "audit entry not written");
        }
    }
}
