//! Interned asset handles.

/// A handle to an asset registered in a [`Ledger`](super::Ledger), e.g. `USDC`.
///
/// Handles are cheap to copy and index balances directly; they are only meaningful for the
/// ledger that issued them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AssetId(pub(crate) u16);

impl AssetId {
    /// The position of the asset in its ledger's registration order.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}
