//! Authentication of FlashMM's HTTP API.
//!
//! - [`role`]: [`Role`], `viewer` (read routes, dashboard, live metrics) or `admin` (pause,
//!   resume, cancel-all, flatten); admin implies viewer.
//! - [`claims`]: [`Claims`], what a token says: subject, role, issue and expiry times.
//! - [`jwt`]: [`issue`] and [`decode`] of HS256 JSON Web Tokens signed with `SECRET_KEY`;
//!   [`jwt::check_secret`] refuses a key shorter than [`jwt::MIN_SECRET_LEN`] (32) bytes.
//! - [`authenticator`]: [`Authenticator`], which turns a bearer token into a [`Principal`],
//!   accepting a JWT or the static `API_ADMIN_TOKEN`, compared in constant time; it refuses
//!   a weak JWT key at construction and, with a cap set, JWTs that live longer than it.
//! - [`error`]: [`AuthError`], one variant per way a token is refused.
//!
//! Pure code: no I/O and no clock; the current time is passed in as Unix seconds.

#![warn(missing_docs)]

pub mod authenticator;
pub mod claims;
pub mod error;
pub mod jwt;
pub mod role;

pub use authenticator::{Authenticator, Credential, Principal};
pub use claims::Claims;
pub use error::AuthError;
pub use jwt::{decode, issue};
pub use role::Role;
