//! The audit trail of operator actions.

use crate::message::StreamMessage;
use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    /// The action was carried out (for commands: written to `cmd:exec`).
    Accepted,
    /// The caller was refused: no, a bad or an insufficient credential.
    Denied,
    /// The caller was allowed but the action could not be carried out.
    Failed,
}

/// One operator action, appended to `{ns}:audit` and never rewritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Who: the token's subject, `admin-token` for the static token, empty when unknown.
    pub actor: String,
    /// The caller's role (`viewer`, `admin`), empty when unknown.
    pub role: String,
    /// What: the action, e.g. `pause`, `resume`, `cancel_all`, `flatten`.
    pub action: String,
    /// Its argument or why it was refused or failed, e.g. the pause reason.
    pub detail: String,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// The client's address as the server saw it.
    pub client: String,
    /// When it happened.
    pub ts: UnixNanos,
}

impl StreamMessage for AuditEntry {
    const TYPE: &'static str = "audit_entry";
    const VERSION: u16 = 1;
}
