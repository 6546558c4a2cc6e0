//! Control-plane messages: operator [`ExecCommand`]s to execution, service [`Heartbeat`]s and
//! the [`AuditEntry`]s of operator actions.

mod audit;
mod command;
mod heartbeat;

pub use audit::{AuditEntry, AuditOutcome};
pub use command::{ExecAction, ExecCommand};
pub use heartbeat::Heartbeat;
