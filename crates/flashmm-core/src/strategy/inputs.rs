//! [`QuoteInputs`]: what a quote is formed from at one instant, so that a caller holding a
//! quote can tell, without forming it again, that it would come out the same.

use super::{InventoryView, PredictionStatus, Touch};

/// Everything [`Quoter::quote_at`](super::Quoter::quote_at) reads at one instant beside the
/// quoter's fixed parameters: the book's touch (and the others' touch with `join_touch` or `unwind_at_touch`), the
/// estimates (σ, κ, A, each side's adverse move), the inventory, the prediction as the quote
/// would use it, and the revision of our working orders. Of one quoter, equal inputs give an
/// equal quote. Estimates are compared by their bits: equal means identical.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuoteInputs {
    /// The book's best bid and ask, in ticks.
    pub(super) best: (Option<i64>, Option<i64>),
    /// σ, κ and A.
    pub(super) estimates: [u64; 3],
    /// The adverse move of a fill of each side, placed at the front of its queue and behind.
    pub(super) adverse: [Option<u64>; 4],
    /// Position and traded notional.
    pub(super) inventory: InventoryView,
    /// Whether the prediction is used, and when it is, its terms (origin, horizon,
    /// probabilities and expected move).
    pub(super) prediction: (PredictionStatus, Option<(i64, u32, [u32; 4])>),
    /// The others' touch, with `join_touch` or `unwind_at_touch`.
    pub(super) touch: Option<Touch>,
    /// [`WorkingOrders::revision`](crate::order::WorkingOrders::revision).
    pub(super) own: u64,
}
