//! Messages the exchange asks the server to send.

use crate::account::AccountId;
use flashmm_venue::protocol::ServerMessage;

/// A message for the feed of one market or for the sessions of one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outbound {
    /// Public market data (delta or trade) of the market with this index
    /// ([`Exchange::market_index`](super::Exchange::market_index)).
    Market {
        /// The market's index.
        market: usize,
        /// The message.
        msg: ServerMessage,
    },
    /// An order update or fill of one account.
    Account {
        /// The account.
        account: AccountId,
        /// The message.
        msg: ServerMessage,
    },
}
