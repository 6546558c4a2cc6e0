//! Control-plane messages: operator [`ExecCommand`]s to execution and service
//! [`Heartbeat`]s.

mod command;
mod heartbeat;

pub use command::{ExecAction, ExecCommand};
pub use heartbeat::Heartbeat;
