//! The participants' accounts on disk (`--ledger-file`): their balances and fill history,
//! written after every batch of fills and at shutdown, read at start. Paper trading keeps
//! its account this way across restarts of the simulator, as a real venue keeps it; open
//! orders are not kept (a restarted venue has none).
//!
//! The file is JSON ([`SavedAccounts`]), replaced atomically (written beside, then renamed),
//! so a `kill -9` leaves either the previous or the new state, never half of one. It keeps
//! each account's latest [`SAVED_FILLS`] fills: what a restart of execution reconciles from
//! (its cursor is its last booked fill), at a size that is cheap to write after every fill.

use crate::AppState;
use anyhow::Context;
use flashmm_sim::exchange::SavedAccounts;
use std::path::{Path, PathBuf};

/// Fills kept per account in the file.
pub const SAVED_FILLS: usize = 1_000;

/// The saved accounts in `path`; `None` when there is no file yet.
pub fn load(path: &Path) -> anyhow::Result<Option<SavedAccounts>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let saved = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a saved ledger", path.display()))?;
    Ok(Some(saved))
}

/// Writes the exchange's accounts to `path`, atomically.
pub fn save(state: &AppState, path: &Path) -> anyhow::Result<()> {
    let saved = state.with_exchange(|ex, _| ex.saved_accounts(SAVED_FILLS));
    let json = serde_json::to_vec(&saved)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, json).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

/// Saves the accounts to `path` after every batch of fills (a failed write is logged and
/// counted, `sim_venue_ledger_save_errors_total`, and retried at the next fill).
pub fn spawn_saver(state: AppState, path: PathBuf) -> tokio::task::JoinHandle<()> {
    let mut fills = state.fill_signal();
    tokio::spawn(async move {
        while fills.changed().await.is_ok() {
            if let Err(e) = save(&state, &path) {
                metrics::counter!("sim_venue_ledger_save_errors_total").increment(1);
                tracing::error!(error = %format!("{e:#}"), "cannot save the ledger");
            }
        }
    })
}
