//! Identifiers of orders and trades: [`ClientOrderId`] (ours), [`VenueOrderId`] and
//! [`TradeId`] (the venue's). Each is a validated string newtype, written as a plain string
//! on the wire and checked again when read.

#[macro_use]
mod macros;
mod client_order_id;
mod error;
mod trade_id;
mod venue_order_id;

pub use client_order_id::ClientOrderId;
pub use error::IdError;
pub use trade_id::TradeId;
pub use venue_order_id::VenueOrderId;

/// Checks the rules shared by venue-assigned ids: 1 to `max` characters, none of them
/// whitespace or control characters.
fn check_venue_id(s: &str, max: usize) -> Result<(), IdError> {
    check_len(s, max)?;
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(IdError::Charset(s.to_owned()));
    }
    Ok(())
}

/// Checks that `s` holds 1 to `max` bytes.
fn check_len(s: &str, max: usize) -> Result<(), IdError> {
    match s.len() {
        0 => Err(IdError::Empty),
        len if len > max => Err(IdError::TooLong { len, max }),
        _ => Ok(()),
    }
}
