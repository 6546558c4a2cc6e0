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
    /// SHA-256 of the static token: comparing digests keeps the compare constant-time in the
    /// token's length as well as its content.
    static_digest: Option<[u8; 32]>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("jwt", &self.jwt_secret.is_some())
            .field("static_token", &self.static_digest.is_some())
            .finish()
    }
}

fn digest(value: &[u8]) -> [u8; 32] {
    Sha256::digest(value).into()
}

impl Authenticator {
    /// An authenticator accepting JWTs signed with `jwt_secret` and the static admin token;
    /// an empty or absent secret disables that way in.
    pub fn new(jwt_secret: Option<Secret>, static_admin_token: Option<Secret>) -> Self {
        Authenticator {
            jwt_secret: jwt_secret.filter(|s| !s.is_empty()),
            static_digest: static_admin_token
                .filter(|s| !s.is_empty())
                .map(|s| digest(s.expose().as_bytes())),
        }
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

    fn both() -> Authenticator {
        Authenticator::new(
            Some(Secret::new("jwt-secret")),
            Some(Secret::new("static-admin")),
        )
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
            .verify(&token("jwt-secret", Role::Viewer, 60), NOW)
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
            auth.verify(&token("jwt-secret", Role::Admin, 60), NOW + 61),
            Err(AuthError::Expired { .. })
        ));
        let viewer = auth
            .verify(&token("jwt-secret", Role::Viewer, 60), NOW)
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
        let auth = Authenticator::new(Some(Secret::new("jwt-secret")), None);
        assert!(matches!(
            auth.verify("abc", NOW),
            Err(AuthError::Malformed(_))
        ));
    }

    #[test]
    fn without_a_jwt_secret_jwts_are_refused() {
        let auth = Authenticator::new(None, Some(Secret::new("static-admin")));
        assert_eq!(
            auth.verify(&token("jwt-secret", Role::Admin, 60), NOW),
            Err(AuthError::JwtDisabled)
        );
        let empty = Authenticator::new(Some(Secret::new("")), Some(Secret::new("")));
        assert!(empty.is_closed());
        assert!(empty.verify("anything", NOW).is_err());
    }

    #[test]
    fn debug_shows_no_secret() {
        let text = format!("{:?}", both());
        assert!(!text.contains("jwt-secret"));
        assert!(!text.contains("static-admin"));
    }
}
