//! Turns a bearer token into a [`Principal`]: a JWT checked against `SECRET_KEY`, or the static
//! `API_ADMIN_TOKEN`.

use flashmm_core::config::Secret;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::AuthError;
use crate::jwt;
use crate::role::Role;

/// The subject recorded for callers holding the static admin token.
pub const STATIC_TOKEN_SUBJECT: &str = "admin-token";

/// How a caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A JWT signed with `SECRET_KEY`.
    Jwt,
    /// The static `API_ADMIN_TOKEN`.
    StaticToken,
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Who: the token's `sub`, or [`STATIC_TOKEN_SUBJECT`].
    pub sub: String,
    /// What they may do.
    pub role: Role,
    /// How they proved it.
    pub credential: Credential,
    /// When their token expires (Unix seconds); `None` for the static token.
    pub expires: Option<i64>,
}

impl Principal {
    /// `Ok` when the caller's role allows a route that needs `needed`.
    pub fn require(&self, needed: Role) -> Result<(), AuthError> {
        if self.role.allows(needed) {
            Ok(())
        } else {
            Err(AuthError::Forbidden {
                have: self.role,
                needed,
            })
        }
    }
}

/// Checks bearer tokens. Holds the secrets; its `Debug` shows neither.
#[derive(Clone)]
pub struct Authenticator {
    jwt_secret: Option<Secret>,
    /// Longest accepted JWT lifetime (`exp - iat`), seconds; `None`: no cap.
    max_lifetime_secs: Option<i64>,
    /// SHA-256 of the static token: comparing digests keeps the compare constant-time in the
    /// token's length as well as its content.
    static_digest: Option<[u8; 32]>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("jwt", &self.jwt_secret.is_some())
            .field("static_token", &self.static_digest.is_some())
            .field("max_lifetime_secs", &self.max_lifetime_secs)
            .finish()
    }
}

fn digest(value: &[u8]) -> [u8; 32] {
    Sha256::digest(value).into()
}

impl Authenticator {
    /// An authenticator accepting JWTs signed with `jwt_secret` and the static admin token;
    /// an empty or absent secret disables that way in. A non-empty JWT secret shorter than
    /// [`jwt::MIN_SECRET_LEN`] bytes is refused ([`AuthError::WeakSecret`]).
    pub fn new(
        jwt_secret: Option<Secret>,
        static_admin_token: Option<Secret>,
    ) -> Result<Self, AuthError> {
        let jwt_secret = jwt_secret.filter(|s| !s.is_empty());
        if let Some(secret) = &jwt_secret {
            jwt::check_secret(secret.expose().as_bytes())?;
        }
        Ok(Authenticator {
            jwt_secret,
            max_lifetime_secs: None,
            static_digest: static_admin_token
                .filter(|s| !s.is_empty())
                .map(|s| digest(s.expose().as_bytes())),
        })
    }

    /// Refuses JWTs whose lifetime (`exp - iat`) is longer than `secs`
    /// ([`AuthError::LifetimeTooLong`]), whoever signed them.
    pub fn with_max_lifetime(mut self, secs: u64) -> Self {
        self.max_lifetime_secs = Some(i64::try_from(secs).unwrap_or(i64::MAX));
        self
    }

    /// True when neither way in is configured: every token is refused.
    pub fn is_closed(&self) -> bool {
        self.jwt_secret.is_none() && self.static_digest.is_none()
    }

    /// Checks a bearer token (without the `Bearer ` prefix) at `now_unix` (Unix seconds).
    ///
    /// A token of JWT form (three dot-separated parts) is checked as a JWT. Any other token is
    /// compared with the static admin token in constant time: a mismatch is
    /// [`AuthError::WrongToken`]; with no static token configured it is
    /// [`AuthError::Malformed`].
    pub fn verify(&self, bearer_token: &str, now_unix: i64) -> Result<Principal, AuthError> {
        let token = bearer_token.trim();
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        if let Some(expected) = &self.static_digest {
            if bool::from(digest(token.as_bytes()).ct_eq(expected)) {
                return Ok(Principal {
                    sub: STATIC_TOKEN_SUBJECT.to_owned(),
                    role: Role::Admin,
                    credential: Credential::StaticToken,
                    expires: None,
                });
            }
        }
        if token.matches('.').count() == 2 {
            let secret = self.jwt_secret.as_ref().ok_or(AuthError::JwtDisabled)?;
            let claims = jwt::decode(secret.expose().as_bytes(), token, now_unix)?;
            if let Some(max_secs) = self.max_lifetime_secs {
                let lifetime_secs = claims.exp.saturating_sub(claims.iat);
                if lifetime_secs > max_secs {
                    return Err(AuthError::LifetimeTooLong {
                        lifetime_secs,
                        max_secs,
                    });
                }
            }
            return Ok(Principal {
                sub: claims.sub,
                role: claims.role,
                credential: Credential::Jwt,
                expires: Some(claims.exp),
            });
        }
        if self.static_digest.is_some() {
            Err(AuthError::WrongToken)
        } else {
            Err(AuthError::Malformed("not a JWT".to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const NOW: i64 = 1_700_000_000;
    const JWT_SECRET: &str = "jwt-secret-of-thirty-two-bytes!!";

    fn both() -> Authenticator {
        Authenticator::new(
            Some(Secret::new(JWT_SECRET)),
            Some(Secret::new("static-admin")),
        )
        .unwrap()
    }

    fn token(secret: &str, role: Role, ttl: u64) -> String {
        jwt::issue(
            secret.as_bytes(),
            "bob",
            role,
            Duration::from_secs(ttl),
            NOW,
        )
        .unwrap()
    }

    #[test]
    fn valid_jwt_gives_its_subject_and_role() {
        let p = both()
            .verify(&token(JWT_SECRET, Role::Viewer, 60), NOW)
            .unwrap();
        assert_eq!(p.sub, "bob");
        assert_eq!(p.role, Role::Viewer);
        assert_eq!(p.credential, Credential::Jwt);
        assert_eq!(p.expires, Some(NOW + 60));
    }

    #[test]
    fn static_token_is_admin() {
        let p = both().verify("static-admin", NOW).unwrap();
        assert_eq!(p.role, Role::Admin);
        assert_eq!(p.credential, Credential::StaticToken);
        assert_eq!(p.sub, STATIC_TOKEN_SUBJECT);
        assert!(p.require(Role::Admin).is_ok());
    }

    #[test]
    fn each_refusal_has_its_own_error() {
        let auth = both();
        assert_eq!(auth.verify("", NOW), Err(AuthError::Missing));
        assert_eq!(auth.verify("   ", NOW), Err(AuthError::Missing));
        assert_eq!(auth.verify("static-admiN", NOW), Err(AuthError::WrongToken));
        assert_eq!(
            auth.verify("static-admin2", NOW),
            Err(AuthError::WrongToken)
        );
        assert!(matches!(
            auth.verify("x.y.z", NOW),
            Err(AuthError::Malformed(_))
        ));
        assert_eq!(
            auth.verify(&token("other", Role::Admin, 60), NOW),
            Err(AuthError::BadSignature)
        );
        assert!(matches!(
            auth.verify(&token(JWT_SECRET, Role::Admin, 60), NOW + 61),
            Err(AuthError::Expired { .. })
        ));
        let viewer = auth
            .verify(&token(JWT_SECRET, Role::Viewer, 60), NOW)
            .unwrap();
        assert_eq!(
            viewer.require(Role::Admin),
            Err(AuthError::Forbidden {
                have: Role::Viewer,
                needed: Role::Admin
            })
        );
    }

    #[test]
    fn forbidden_is_told_from_unauthenticated() {
        assert!(AuthError::WrongToken.is_forbidden());
        assert!(AuthError::Forbidden {
            have: Role::Viewer,
            needed: Role::Admin
        }
        .is_forbidden());
        for e in [
            AuthError::Missing,
            AuthError::BadSignature,
            AuthError::Malformed(String::new()),
            AuthError::Expired { exp: 0, now: 1 },
            AuthError::JwtDisabled,
        ] {
            assert!(!e.is_forbidden(), "{e}");
        }
    }

    #[test]
    fn without_a_static_token_a_plain_token_is_malformed() {
        let auth = Authenticator::new(Some(Secret::new(JWT_SECRET)), None).unwrap();
        assert!(matches!(
            auth.verify("abc", NOW),
            Err(AuthError::Malformed(_))
        ));
    }

    #[test]
    fn without_a_jwt_secret_jwts_are_refused() {
        let auth = Authenticator::new(None, Some(Secret::new("static-admin"))).unwrap();
        assert_eq!(
            auth.verify(&token(JWT_SECRET, Role::Admin, 60), NOW),
            Err(AuthError::JwtDisabled)
        );
        let empty = Authenticator::new(Some(Secret::new("")), Some(Secret::new(""))).unwrap();
        assert!(empty.is_closed());
        assert!(empty.verify("anything", NOW).is_err());
    }

    #[test]
    fn a_short_jwt_secret_is_refused() {
        let short = "k".repeat(jwt::MIN_SECRET_LEN - 1);
        assert_eq!(
            Authenticator::new(Some(Secret::new(short)), None).err(),
            Some(AuthError::WeakSecret {
                len: jwt::MIN_SECRET_LEN - 1,
                min: jwt::MIN_SECRET_LEN
            })
        );
        let message = AuthError::WeakSecret { len: 3, min: 32 }.to_string();
        assert!(message.contains("SECRET_KEY is 3 bytes"), "{message}");
    }

    #[test]
    fn tokens_living_longer_than_the_cap_are_refused() {
        let auth = both().with_max_lifetime(3600);
        assert!(auth
            .verify(&token(JWT_SECRET, Role::Admin, 3600), NOW)
            .is_ok());
        assert_eq!(
            auth.verify(&token(JWT_SECRET, Role::Admin, 3601), NOW),
            Err(AuthError::LifetimeTooLong {
                lifetime_secs: 3601,
                max_secs: 3600
            })
        );
        assert!(
            both()
                .verify(&token(JWT_SECRET, Role::Admin, 3601), NOW)
                .is_ok(),
            "no cap unless set"
        );
    }

    #[test]
    fn debug_shows_no_secret() {
        let text = format!("{:?}", both());
        assert!(!text.contains(JWT_SECRET));
        assert!(!text.contains("static-admin"));
    }
}
