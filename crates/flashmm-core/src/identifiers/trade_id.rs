//! Trade ids: the ids a venue assigns to executions.

use super::IdError;

string_id!(
    /// The id a venue assigns to a trade: 1 to 128 characters, no whitespace or control
    /// characters.
    TradeId,
    check
);

fn check(s: &str) -> Result<(), IdError> {
    super::check_venue_id(s, 128)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates() {
        assert_eq!(TradeId::new("0xabc-1").unwrap().to_string(), "0xabc-1");
        assert_eq!(TradeId::new(""), Err(IdError::Empty));
        assert!(matches!(TradeId::new("a\tb"), Err(IdError::Charset(_))));
        assert!(matches!(
            TradeId::new("x".repeat(129)),
            Err(IdError::TooLong { .. })
        ));
    }
}
