//! HS256 JSON Web Tokens (RFC 7519 compact form), signed and checked with HMAC-SHA-256.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::claims::Claims;
use crate::error::AuthError;
use crate::role::Role;

/// The only algorithm accepted.
pub const ALGORITHM: &str = "HS256";

/// Clock skew allowed on `iat`, in seconds.
pub const IAT_LEEWAY_SECS: i64 = 60;

/// Longest accepted token, in bytes; longer ones are refused before any decoding.
pub const MAX_TOKEN_LEN: usize = 4096;

/// Shortest accepted signing key, in bytes: the length of the SHA-256 output (RFC 7518
/// section 3.2). The API refuses to start with a shorter non-empty `SECRET_KEY`.
pub const MIN_SECRET_LEN: usize = 32;

/// `Ok` when `secret` is long enough to sign and check tokens with
/// ([`AuthError::WeakSecret`] otherwise; an empty key is [`AuthError::EmptySecret`]).
pub fn check_secret(secret: &[u8]) -> Result<(), AuthError> {
    if secret.is_empty() {
        return Err(AuthError::EmptySecret);
    }
    if secret.len() < MIN_SECRET_LEN {
        return Err(AuthError::WeakSecret {
            len: secret.len(),
            min: MIN_SECRET_LEN,
        });
    }
    Ok(())
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    alg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    typ: Option<String>,
}

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length; the error case cannot occur.
    <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!())
}

/// Issues a token for `sub` with `role`, valid for `ttl` from `now_unix` (Unix seconds).
pub fn issue(
    secret: &[u8],
    sub: &str,
    role: Role,
    ttl: Duration,
    now_unix: i64,
) -> Result<String, AuthError> {
    if secret.is_empty() {
        return Err(AuthError::EmptySecret);
    }
    let ttl = i64::try_from(ttl.as_secs()).map_err(|_| AuthError::BadTtl)?;
    let exp = now_unix.checked_add(ttl).ok_or(AuthError::BadTtl)?;
    let claims = Claims {
        sub: sub.to_owned(),
        role,
        iat: now_unix,
        exp,
    };
    encode(secret, &claims)
}

/// Signs `claims` as they are (tests use it to make expired or odd tokens).
pub fn encode(secret: &[u8], claims: &Claims) -> Result<String, AuthError> {
    if secret.is_empty() {
        return Err(AuthError::EmptySecret);
    }
    let header = Header {
        alg: ALGORITHM.to_owned(),
        typ: Some("JWT".to_owned()),
    };
    let signing_input = format!("{}.{}", b64_json(&header), b64_json(claims));
    let mut mac = mac(secret);
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    Ok(format!("{signing_input}.{signature}"))
}

/// Checks a token's form, algorithm, signature (in constant time) and times, returning its
/// claims.
pub fn decode(secret: &[u8], token: &str, now_unix: i64) -> Result<Claims, AuthError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(AuthError::Malformed(format!(
            "longer than {MAX_TOKEN_LEN} bytes"
        )));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthError::Malformed(
            "expected three dot-separated parts".to_owned(),
        ));
    };
    let header: Header = json_part("header", header)?;
    if header.alg != ALGORITHM {
        return Err(AuthError::UnsupportedAlgorithm(header.alg));
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|e| AuthError::Malformed(format!("signature: {e}")))?;
    let signed_len = token.len() - signature_len(token);
    let mut mac = mac(secret);
    mac.update(&token.as_bytes()[..signed_len]);
    mac.verify_slice(&signature)
        .map_err(|_| AuthError::BadSignature)?;
    let claims: Claims = json_part("claims", payload)?;
    if now_unix >= claims.exp {
        return Err(AuthError::Expired {
            exp: claims.exp,
            now: now_unix,
        });
    }
    if claims.iat > now_unix.saturating_add(IAT_LEEWAY_SECS) {
        return Err(AuthError::IssuedInFuture {
            iat: claims.iat,
            now: now_unix,
        });
    }
    Ok(claims)
}

/// Length of the signature part plus its leading dot.
fn signature_len(token: &str) -> usize {
    token.rfind('.').map_or(0, |dot| token.len() - dot)
}

fn json_part<T: serde::de::DeserializeOwned>(what: &str, part: &str) -> Result<T, AuthError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|e| AuthError::Malformed(format!("{what}: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| AuthError::Malformed(format!("{what}: {e}")))
}

/// Base64url of the JSON of a header or claims. They hold only strings and integers, so
/// serialising them cannot fail.
fn b64_json<T: Serialize>(value: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"test-secret-of-some-length";
    const NOW: i64 = 1_700_000_000;

    #[test]
    fn issued_token_decodes_to_its_claims() {
        let token = issue(SECRET, "alice", Role::Admin, Duration::from_secs(3600), NOW).unwrap();
        let claims = decode(SECRET, &token, NOW + 10).unwrap();
        assert_eq!(
            claims,
            Claims {
                sub: "alice".into(),
                role: Role::Admin,
                iat: NOW,
                exp: NOW + 3600
            }
        );
    }

    #[test]
    fn known_vector_matches_an_independent_hs256() {
        // Header {"alg":"HS256","typ":"JWT"} and claims as below, signed with "secret";
        // the signature was computed with `openssl dgst -sha256 -hmac secret`.
        let claims = Claims {
            sub: "ops".into(),
            role: Role::Viewer,
            iat: 0,
            exp: 10,
        };
        let token = encode(b"secret", &claims).unwrap();
        let mut parts = token.split('.');
        assert_eq!(parts.next(), Some("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"));
        assert_eq!(
            parts.next(),
            Some("eyJzdWIiOiJvcHMiLCJyb2xlIjoidmlld2VyIiwiaWF0IjowLCJleHAiOjEwfQ")
        );
        assert_eq!(
            parts.next(),
            Some("sobu2d-vDUZS7gl2kfIUrSkJ65J9yKIUpyJ_qsuWm2g")
        );
        assert_eq!(decode(b"secret", &token, 5).unwrap(), claims);
    }

    #[test]
    fn expired_token_is_refused() {
        let token = issue(SECRET, "a", Role::Viewer, Duration::from_secs(60), NOW).unwrap();
        assert_eq!(
            decode(SECRET, &token, NOW + 60),
            Err(AuthError::Expired {
                exp: NOW + 60,
                now: NOW + 60
            })
        );
    }

    #[test]
    fn token_from_the_future_is_refused() {
        let token = issue(
            SECRET,
            "a",
            Role::Viewer,
            Duration::from_secs(60),
            NOW + 120,
        )
        .unwrap();
        assert!(matches!(
            decode(SECRET, &token, NOW),
            Err(AuthError::IssuedInFuture { .. })
        ));
        let near = issue(SECRET, "a", Role::Viewer, Duration::from_secs(60), NOW + 30).unwrap();
        assert!(decode(SECRET, &near, NOW).is_ok());
    }

    #[test]
    fn wrong_secret_is_a_bad_signature() {
        let token = issue(b"other", "a", Role::Admin, Duration::from_secs(60), NOW).unwrap();
        assert_eq!(decode(SECRET, &token, NOW), Err(AuthError::BadSignature));
    }

    #[test]
    fn tampered_claims_are_a_bad_signature() {
        let token = issue(SECRET, "a", Role::Viewer, Duration::from_secs(60), NOW).unwrap();
        let forged = Claims {
            sub: "a".into(),
            role: Role::Admin,
            iat: NOW,
            exp: NOW + 60,
        };
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        let parts: Vec<&str> = token.split('.').collect();
        let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(decode(SECRET, &tampered, NOW), Err(AuthError::BadSignature));
    }

    #[test]
    fn alg_none_is_refused() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let claims =
            URL_SAFE_NO_PAD.encode(br#"{"sub":"x","role":"admin","iat":0,"exp":9999999999}"#);
        let token = format!("{header}.{claims}.");
        assert_eq!(
            decode(SECRET, &token, NOW),
            Err(AuthError::UnsupportedAlgorithm("none".into()))
        );
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for token in ["", "abc", "a.b", "a.b.c.d", "!!.??.##", "e30.e30.e30"] {
            assert!(
                matches!(decode(SECRET, token, NOW), Err(AuthError::Malformed(_))),
                "{token:?}"
            );
        }
        let long = "a".repeat(MAX_TOKEN_LEN + 1);
        assert!(matches!(
            decode(SECRET, &long, NOW),
            Err(AuthError::Malformed(_))
        ));
    }

    #[test]
    fn signed_claims_of_the_wrong_shape_are_malformed() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#);
        let claims = URL_SAFE_NO_PAD.encode(br#"{"sub":"x","role":"root","iat":0,"exp":1}"#);
        let input = format!("{header}.{claims}");
        let mut m = mac(SECRET);
        m.update(input.as_bytes());
        let token = format!(
            "{input}.{}",
            URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
        );
        assert!(matches!(
            decode(SECRET, &token, 0),
            Err(AuthError::Malformed(_))
        ));
    }

    #[test]
    fn short_secrets_are_weak() {
        assert_eq!(check_secret(b""), Err(AuthError::EmptySecret));
        assert_eq!(
            check_secret(&[b'k'; MIN_SECRET_LEN - 1]),
            Err(AuthError::WeakSecret {
                len: MIN_SECRET_LEN - 1,
                min: MIN_SECRET_LEN
            })
        );
        assert_eq!(check_secret(&[b'k'; MIN_SECRET_LEN]), Ok(()));
    }

    #[test]
    fn issue_refuses_an_empty_secret_and_huge_ttl() {
        assert_eq!(
            issue(b"", "a", Role::Admin, Duration::from_secs(1), NOW),
            Err(AuthError::EmptySecret)
        );
        assert_eq!(
            issue(SECRET, "a", Role::Admin, Duration::from_secs(u64::MAX), NOW),
            Err(AuthError::BadTtl)
        );
    }
}
