//! Errors raised when validating identifiers.

use thiserror::Error;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    /// The identifier is empty.
    #[error("identifier is empty")]
    Empty,
    /// The identifier is longer than allowed.
    #[error("identifier is {len} bytes long, at most {max} allowed")]
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// The identifier contains a character not allowed in it.
    #[error("identifier `{0}` contains a character not allowed in it")]
    Charset(String),
}
