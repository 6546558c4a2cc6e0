//! Why a token was refused or could not be issued.

/// A refused credential or a failed issue. [`AuthError::is_forbidden`] tells "who you are is
/// known but not allowed" (HTTP 403) from "who you are is unknown" (HTTP 401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No bearer token was presented.
    #[error("missing bearer token")]
    Missing,
    /// The token is not a well-formed JWT.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// The JWT names an algorithm other than HS256 (`none` included).
    #[error("unsupported token algorithm {0:?}; expected HS256")]
    UnsupportedAlgorithm(String),
    /// The JWT's signature does not match the configured secret.
    #[error("bad token signature")]
    BadSignature,
    /// The JWT's expiry has passed.
    #[error("token expired at {exp} (now {now})")]
    Expired {
        /// The token's `exp`, Unix seconds.
        exp: i64,
        /// The time it was checked at, Unix seconds.
        now: i64,
    },
    /// The JWT claims to be issued later than now (beyond the allowed clock skew).
    #[error("token issued in the future at {iat} (now {now})")]
    IssuedInFuture {
        /// The token's `iat`, Unix seconds.
        iat: i64,
        /// The time it was checked at, Unix seconds.
        now: i64,
    },
    /// A JWT arrived but no `SECRET_KEY` is configured to check it.
    #[error("token authentication is not configured (no SECRET_KEY)")]
    JwtDisabled,
    /// A plain token arrived that is not the static admin token.
    #[error("wrong admin token")]
    WrongToken,
    /// The credential is valid but its role does not allow the route.
    #[error("role {have} may not do this; needs {needed}")]
    Forbidden {
        /// The bearer's role.
        have: crate::Role,
        /// The role the route needs.
        needed: crate::Role,
    },
    /// A role name other than `viewer` or `admin`.
    #[error("unknown role {0:?}; expected viewer or admin")]
    UnknownRole(String),
    /// A token cannot be issued with an empty secret.
    #[error("cannot issue a token: the secret is empty")]
    EmptySecret,
    /// A token's lifetime does not fit in the time range.
    #[error("token lifetime out of range")]
    BadTtl,
    /// The JWT signing key is shorter than [`crate::jwt::MIN_SECRET_LEN`] bytes: too weak for
    /// HS256 (RFC 7518 section 3.2 asks for a key at least as long as the hash).
    #[error("SECRET_KEY is {len} bytes; at least {min} are required (e.g. head -c 32 /dev/urandom | base64)")]
    WeakSecret {
        /// The key's length in bytes.
        len: usize,
        /// The least accepted length in bytes.
        min: usize,
    },
    /// The JWT lives longer (`exp - iat`) than the configured cap allows, or a token asked to
    /// be issued for longer.
    #[error("token lifetime {lifetime_secs} s is longer than the allowed {max_secs} s")]
    LifetimeTooLong {
        /// The token's lifetime, seconds.
        lifetime_secs: i64,
        /// The longest allowed, seconds.
        max_secs: i64,
    },
}

impl AuthError {
    /// True for refusals of a known caller (HTTP 403): a wrong static token or a role too low.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, AuthError::WrongToken | AuthError::Forbidden { .. })
    }
}
