//! [`SavedAccounts`]: what the participants' accounts hold at the venue (balances and fill
//! history), taken from one exchange and given to the next, so paper trading's account
//! survives a restart of the simulator as a real venue's does. Open orders are not kept: a
//! restarted venue has none, and what they reserved is available again.

use super::{Exchange, ExchangeError};
use flashmm_venue::protocol::FillMsg;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// The version of [`SavedAccounts`] written by this code.
pub const SAVED_ACCOUNTS_VERSION: u32 = 1;

/// One participant account, by the key it is registered with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedAccount {
    /// The id of the account's key (as `register_account` returns it).
    pub key_id: String,
    /// Every asset's total (available and reserved), by asset name.
    pub balances: BTreeMap<String, Decimal>,
    /// The account's latest fills, oldest first (what `GET /api/v1/fills` answers).
    pub fills: Vec<FillMsg>,
}

/// Every participant account of an exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedAccounts {
    /// The format's version ([`SAVED_ACCOUNTS_VERSION`]).
    pub version: u32,
    /// The accounts, ordered by key id.
    pub accounts: Vec<SavedAccount>,
}

impl Exchange {
    /// The balances and the latest `max_fills` fills of every account registered with a key.
    pub fn saved_accounts(&self, max_fills: usize) -> SavedAccounts {
        let mut accounts: Vec<SavedAccount> = self
            .keys
            .iter()
            .map(|(key_id, &account)| {
                let balances = self
                    .ledger
                    .asset_names()
                    .iter()
                    .filter_map(|name| {
                        let asset = self.ledger.asset_id(name)?;
                        Some((name.clone(), self.ledger.balance(account, asset).total()))
                    })
                    .collect();
                let fills = self
                    .fills
                    .get(&account)
                    .map(|log| {
                        let skip = log.len().saturating_sub(max_fills);
                        log.iter().skip(skip).cloned().collect()
                    })
                    .unwrap_or_default();
                SavedAccount {
                    key_id: key_id.clone(),
                    balances,
                    fills,
                }
            })
            .collect();
        accounts.sort_by(|a, b| a.key_id.cmp(&b.key_id));
        SavedAccounts {
            version: SAVED_ACCOUNTS_VERSION,
            accounts,
        }
    }

    /// Gives each registered account its saved balances (in place of what it was funded
    /// with) and fill history. Call after registering the keys and before any order. Saved
    /// accounts whose key is not registered are left out; an asset no market lists is kept,
    /// so it is saved again. Returns how many accounts were restored.
    pub fn restore_accounts(&mut self, saved: &SavedAccounts) -> Result<usize, ExchangeError> {
        let invalid = |reason: String| ExchangeError::Saved(reason);
        if saved.version != SAVED_ACCOUNTS_VERSION {
            return Err(invalid(format!(
                "version {} (this simulator reads version {SAVED_ACCOUNTS_VERSION})",
                saved.version
            )));
        }
        let mut restored = 0;
        for entry in &saved.accounts {
            let Some(&account) = self.keys.get(&entry.key_id) else {
                continue;
            };
            for (name, &total) in &entry.balances {
                if total < Decimal::ZERO {
                    return Err(invalid(format!(
                        "key {}: a negative {name} balance {total}",
                        entry.key_id
                    )));
                }
                let asset = self.ledger.register_asset(name)?;
                let now = self.ledger.balance(account, asset);
                if now.reserved != Decimal::ZERO {
                    return Err(invalid(format!(
                        "key {}: {name} is reserved by open orders already",
                        entry.key_id
                    )));
                }
                if total > now.available {
                    self.ledger.deposit(account, asset, total - now.available)?;
                } else if total < now.available {
                    self.ledger
                        .withdraw(account, asset, now.available - total)?;
                }
            }
            let keep = self.config.fill_history;
            let skip = entry.fills.len().saturating_sub(keep);
            let log: VecDeque<FillMsg> = entry.fills.iter().skip(skip).cloned().collect();
            self.fills.insert(account, log);
            restored += 1;
        }
        Ok(restored)
    }
}
