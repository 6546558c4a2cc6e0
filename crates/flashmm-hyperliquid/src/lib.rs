//! Hyperliquid's wire for FlashMM: the actions FlashMM sends, their L1 hash and EIP-712
//! signature, and the venue's price and size rules. Pure: no clock, no network.

#![warn(missing_docs)]
