//! Hyperliquid's wire for FlashMM: the actions FlashMM sends, their L1 hash and EIP-712
//! signature, and the venue's price and size rules. Pure: no clock, no network.
//!
//! Everything that is hashed or signed is checked byte for byte against golden vectors written
//! by the official Python SDK (`tests/golden.rs`, `scripts/hyperliquid_vectors.py`).
//!
//! - [`action`] holds the `order`, `cancel`, `cancelByCloid`, `batchModify` and `scheduleCancel`
//!   actions, in the SDK's field names and order, and the `/exchange` request body.
//! - [`signing`] holds the action hash, the phantom agent, the EIP-712 digest, signing and signer
//!   recovery; [`Signer`] holds the key.
//! - [`address`], [`network`], [`signature`] hold the 20-byte address, mainnet or testnet, and the
//!   `{r, s, v}` signature as the SDK writes it.
//! - [`nonce`] holds strictly increasing millisecond nonces.
//! - [`cloid`] holds the 16-byte client order id derived from a FlashMM client order id.
//! - [`asset`], [`wire`], [`rules`] hold asset numbers, the decimal wire format of prices and sizes,
//!   and the venue's tick and lot rules.
//! - [`budget`] holds the per-address budget of actions (10 000 plus one per USDC traded).
//! - [`info`], [`ws`], [`exchange`] hold the `/info` answers, the WebSocket messages and the
//!   `/exchange` response FlashMM reads.

#![warn(missing_docs)]

pub mod action;
pub mod address;
pub mod asset;
pub mod budget;
pub mod cloid;
pub mod exchange;
pub mod info;
pub mod network;
pub mod nonce;
pub mod rules;
pub mod signature;
pub mod signing;
pub mod wire;
pub mod ws;

mod hex_util;

pub use action::{
    Action, CancelByCloidWire, CancelWire, ExchangeRequest, Grouping, LimitWire, ModifyWire,
    OrderRef, OrderRequest, OrderTypeWire, OrderWire, Tif,
};
pub use address::{Address, AddressError};
pub use asset::Asset;
pub use budget::{AddressBudget, Throttled, UserRateLimit};
pub use cloid::{Cloid, CloidError};
pub use exchange::ExchangeResponse;
pub use network::Network;
pub use nonce::NonceSeq;
pub use rules::{AssetKind, MarketRules, Rounding, RulesError};
pub use signature::{Signature, SignatureError};
pub use signing::{L1Context, SignError, Signer};
pub use wire::{decimal_to_wire, WireError};
