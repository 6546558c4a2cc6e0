//! Client order ids: the ids FlashMM assigns to its own orders.

use super::{check_len, IdError};

string_id!(
    /// The id FlashMM gives an order before sending it: 1 to [`ClientOrderId::MAX_LEN`] ASCII
    /// letters, digits, `_` or `-`, so every venue accepts it unchanged.
    ClientOrderId,
    check_client_id
);

impl ClientOrderId {
    /// The longest id accepted.
    pub const MAX_LEN: usize = 36;

    /// The deterministic id `{prefix}-{seq}`, e.g. `mm1-42`: a replay that numbers orders the
    /// same way produces the same ids.
    pub fn from_sequence(prefix: &str, seq: u64) -> Result<Self, IdError> {
        Self::new(format!("{prefix}-{seq}"))
    }
}

fn check_client_id(s: &str) -> Result<(), IdError> {
    check_len(s, ClientOrderId::MAX_LEN)?;
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(IdError::Charset(s.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_ids() {
        let id = ClientOrderId::from_sequence("mm1", 42).unwrap();
        assert_eq!(id.as_str(), "mm1-42");
        assert_eq!(id, ClientOrderId::from_sequence("mm1", 42).unwrap());
        assert!(ClientOrderId::from_sequence("mm1", u64::MAX).is_ok());
    }

    #[test]
    fn rejects_bad_ids() {
        assert_eq!(ClientOrderId::new(""), Err(IdError::Empty));
        assert!(matches!(
            ClientOrderId::new("a b"),
            Err(IdError::Charset(_))
        ));
        assert!(matches!(
            ClientOrderId::from_sequence("x/y", 1),
            Err(IdError::Charset(_))
        ));
        assert!(matches!(
            ClientOrderId::new("a".repeat(37)),
            Err(IdError::TooLong { len: 37, max: 36 })
        ));
        assert!(serde_json::from_str::<ClientOrderId>("\"a b\"").is_err());
    }
}
