//! Venue order ids: the ids a venue assigns to accepted orders.

use super::IdError;

string_id!(
    /// The id a venue assigns to an order: 1 to 128 characters, no whitespace or control
    /// characters.
    VenueOrderId,
    check
);

fn check(s: &str) -> Result<(), IdError> {
    super::check_venue_id(s, 128)
}
