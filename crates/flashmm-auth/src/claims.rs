//! What a token says about its bearer.

use serde::{Deserialize, Serialize};

use crate::role::Role;

/// The claims of a FlashMM token (RFC 7519 names; times are Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Who the token was issued to, e.g. `alice`; written to the audit trail.
    pub sub: String,
    /// What the bearer may do.
    pub role: Role,
    /// When it was issued.
    pub iat: i64,
    /// When it stops being accepted (exclusive).
    pub exp: i64,
}
