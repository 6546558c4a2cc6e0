//! Balances of every account and asset at the venue, and the venue's own fee income.

use super::{AccountId, AssetId, Balance, LedgerError};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// Balances per account and asset, plus the fees the venue has collected per asset.
///
/// Amounts are exact decimals. Every public mutation checks its preconditions and changes
/// nothing when it fails, so no balance is ever negative. Fees paid by accounts (and rebates
/// paid to them, as negative fees) go to [`Ledger::fee_income`], so for every asset
/// `Σ account totals + fee income` only changes through deposits and withdrawals.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    names: Vec<String>,
    accounts: HashMap<AccountId, Vec<Balance>>,
    fee_income: Vec<Decimal>,
}

impl Ledger {
    /// The largest balance a deposit may create: 10^15 units. Together with the tick, lot and
    /// fee-rate precision limits of the matching engine it keeps every amount exact.
    pub const MAX_BALANCE: Decimal = Decimal::from_parts(0xA4C6_8000, 0x0003_8D7E, 0, false, 0);

    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    /// The handle of asset `name`, registering it on first use.
    pub fn register_asset(&mut self, name: &str) -> Result<AssetId, LedgerError> {
        if let Some(id) = self.asset_id(name) {
            return Ok(id);
        }
        let idx = u16::try_from(self.names.len()).map_err(|_| LedgerError::TooManyAssets)?;
        self.names.push(name.to_owned());
        self.fee_income.push(Decimal::ZERO);
        Ok(AssetId(idx))
    }

    /// The handle of an already registered asset.
    pub fn asset_id(&self, name: &str) -> Option<AssetId> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| AssetId(i as u16))
    }

    /// The name of a registered asset.
    pub fn asset_name(&self, asset: AssetId) -> &str {
        self.names.get(asset.index()).map_or("", String::as_str)
    }

    /// The names of the registered assets, in registration order.
    pub fn asset_names(&self) -> &[String] {
        &self.names
    }

    /// The accounts that hold or have held a balance, in ascending order.
    pub fn accounts(&self) -> Vec<AccountId> {
        let mut ids: Vec<AccountId> = self.accounts.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    /// The balance of `asset` in `account` (zero when never funded).
    pub fn balance(&self, account: AccountId, asset: AssetId) -> Balance {
        self.accounts
            .get(&account)
            .and_then(|b| b.get(asset.index()))
            .copied()
            .unwrap_or_default()
    }

    /// The fees the venue has collected in `asset`, net of rebates paid (may be negative).
    pub fn fee_income(&self, asset: AssetId) -> Decimal {
        self.fee_income
            .get(asset.index())
            .copied()
            .unwrap_or_default()
    }

    /// The sum of all accounts' totals in `asset`, not counting fee income.
    pub fn total(&self, asset: AssetId) -> Decimal {
        self.accounts
            .values()
            .filter_map(|b| b.get(asset.index()))
            .map(Balance::total)
            .sum()
    }

    /// Adds `amount` to the available balance.
    pub fn deposit(
        &mut self,
        account: AccountId,
        asset: AssetId,
        amount: Decimal,
    ) -> Result<(), LedgerError> {
        check_positive(amount)?;
        let b = self.entry(account, asset);
        let available = b.available + amount;
        if available + b.reserved > Self::MAX_BALANCE {
            return Err(LedgerError::Overflow);
        }
        b.available = available;
        Ok(())
    }

    /// Removes `amount` from the available balance.
    pub fn withdraw(
        &mut self,
        account: AccountId,
        asset: AssetId,
        amount: Decimal,
    ) -> Result<(), LedgerError> {
        check_positive(amount)?;
        self.take_available(account, asset, amount)
    }

    /// Moves `amount` from available to reserved. A zero amount is a no-op.
    pub fn reserve(
        &mut self,
        account: AccountId,
        asset: AssetId,
        amount: Decimal,
    ) -> Result<(), LedgerError> {
        self.take_available(account, asset, amount)?;
        self.entry(account, asset).reserved += amount;
        Ok(())
    }

    /// Moves `amount` from reserved back to available. A zero amount is a no-op.
    pub fn release(
        &mut self,
        account: AccountId,
        asset: AssetId,
        amount: Decimal,
    ) -> Result<(), LedgerError> {
        let reserved = self.balance(account, asset).reserved;
        if amount < Decimal::ZERO || amount > reserved {
            return Err(LedgerError::OverRelease {
                asset: self.asset_name(asset).to_owned(),
                amount,
                reserved,
            });
        }
        let b = self.entry(account, asset);
        b.reserved -= amount;
        b.available += amount;
        Ok(())
    }

    /// Spends `spend` out of `from_reserved` of the reservation and returns the rest to
    /// available. The caller guarantees `0 <= spend <= from_reserved <= reserved`.
    pub(crate) fn spend_reserved(
        &mut self,
        account: AccountId,
        asset: AssetId,
        from_reserved: Decimal,
        spend: Decimal,
    ) {
        let b = self.entry(account, asset);
        b.reserved -= from_reserved;
        b.available += from_reserved - spend;
    }

    /// Adds `amount` (not negative) to the available balance, as fill proceeds.
    pub(crate) fn credit(&mut self, account: AccountId, asset: AssetId, amount: Decimal) {
        self.entry(account, asset).available += amount;
    }

    /// Books a fee (negative: a rebate) as venue income.
    pub(crate) fn collect_fee(&mut self, asset: AssetId, fee: Decimal) {
        if let Some(income) = self.fee_income.get_mut(asset.index()) {
            *income += fee;
        }
    }

    fn take_available(
        &mut self,
        account: AccountId,
        asset: AssetId,
        amount: Decimal,
    ) -> Result<(), LedgerError> {
        if amount < Decimal::ZERO {
            return Err(LedgerError::NonPositiveAmount(amount));
        }
        let available = self.balance(account, asset).available;
        if amount > available {
            return Err(LedgerError::Insufficient {
                asset: self.asset_name(asset).to_owned(),
                required: amount,
                available,
            });
        }
        self.entry(account, asset).available -= amount;
        Ok(())
    }

    fn entry(&mut self, account: AccountId, asset: AssetId) -> &mut Balance {
        let n = self.names.len().max(asset.index() + 1);
        let balances = self.accounts.entry(account).or_default();
        if balances.len() < n {
            balances.resize(n, Balance::default());
        }
        &mut balances[asset.index()]
    }
}

fn check_positive(amount: Decimal) -> Result<(), LedgerError> {
    if amount <= Decimal::ZERO {
        return Err(LedgerError::NonPositiveAmount(amount));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn max_balance_is_ten_to_the_fifteen() {
        assert_eq!(Ledger::MAX_BALANCE, d("1000000000000000"));
    }

    #[test]
    fn reserve_release_never_negative() {
        let mut l = Ledger::new();
        let usdc = l.register_asset("USDC").unwrap();
        assert_eq!(l.register_asset("USDC").unwrap(), usdc);
        let a = AccountId(1);
        l.deposit(a, usdc, d("10")).unwrap();
        l.reserve(a, usdc, d("7.5")).unwrap();
        assert_eq!(
            l.balance(a, usdc),
            Balance {
                available: d("2.5"),
                reserved: d("7.5")
            }
        );
        assert!(matches!(
            l.reserve(a, usdc, d("2.6")),
            Err(LedgerError::Insufficient { .. })
        ));
        assert!(matches!(
            l.release(a, usdc, d("7.6")),
            Err(LedgerError::OverRelease { .. })
        ));
        assert!(matches!(
            l.withdraw(a, usdc, d("2.51")),
            Err(LedgerError::Insufficient { .. })
        ));
        assert!(matches!(
            l.reserve(a, usdc, d("-1")),
            Err(LedgerError::NonPositiveAmount(_))
        ));
        l.release(a, usdc, d("7.5")).unwrap();
        l.withdraw(a, usdc, d("10")).unwrap();
        assert_eq!(l.balance(a, usdc).total(), Decimal::ZERO);
    }

    #[test]
    fn deposits_are_positive_and_bounded() {
        let mut l = Ledger::new();
        let sei = l.register_asset("SEI").unwrap();
        let a = AccountId(2);
        assert!(l.deposit(a, sei, Decimal::ZERO).is_err());
        l.deposit(a, sei, Ledger::MAX_BALANCE).unwrap();
        assert_eq!(l.deposit(a, sei, d("0.000001")), Err(LedgerError::Overflow));
        assert_eq!(l.total(sei), Ledger::MAX_BALANCE);
        assert_eq!(l.accounts(), vec![a]);
    }
}
