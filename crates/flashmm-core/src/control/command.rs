//! Operator commands to the execution service.

use crate::message::StreamMessage;
use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// What an operator asks execution to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecAction {
    /// Stop quoting and cancel resting quotes; the position is kept.
    Pause {
        /// Why, for the audit trail.
        reason: String,
    },
    /// Resume quoting after a pause.
    Resume,
    /// Cancel every open order; quoting continues on the next intent.
    CancelAll,
    /// Pause, cancel every open order and close the position.
    Flatten,
}

/// A command to execution, with who sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecCommand {
    /// The requested action.
    pub action: ExecAction,
    /// Who asked (an operator or a service), for the audit trail.
    pub actor: String,
    /// When it was issued.
    pub ts: UnixNanos,
}

impl StreamMessage for ExecCommand {
    const TYPE: &'static str = "exec_command";
    const VERSION: u16 = 1;
}
