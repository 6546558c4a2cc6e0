//! Arbitrary bytes as bearer tokens: no panic, and each one refused with a typed
//! [`AuthError`] (random input never carries a valid signature).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use flashmm_auth::{jwt, AuthError, Authenticator};
use flashmm_core::config::Secret;
use hmac::{Hmac, Mac};
use proptest::prelude::*;

const SECRET: &str = "property-test-secret-32-bytes-ok";
const NOW: i64 = 1_700_000_000;

fn authenticator() -> Authenticator {
    Authenticator::new(
        Some(Secret::new(SECRET)),
        Some(Secret::new("static-admin-token")),
    )
    .expect("a 32-byte secret")
    .with_max_lifetime(86_400)
}

/// A refusal of a token the caller made up: never a role or configuration error.
fn is_token_refusal(e: &AuthError) -> bool {
    matches!(
        e,
        AuthError::Missing
            | AuthError::Malformed(_)
            | AuthError::UnsupportedAlgorithm(_)
            | AuthError::BadSignature
            | AuthError::WrongToken
    )
}

fn signed(header: &[u8], claims: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let mut mac =
        <Hmac<sha2::Sha256> as Mac>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(input.as_bytes());
    format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_bytes_are_refused_by_decode(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let token = String::from_utf8_lossy(&bytes);
        let e = jwt::decode(SECRET.as_bytes(), &token, NOW).expect_err("random bytes are no token");
        prop_assert!(is_token_refusal(&e), "{e:?}");
    }

    #[test]
    fn arbitrary_bytes_are_refused_by_the_authenticator(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let token = String::from_utf8_lossy(&bytes);
        let e = authenticator().verify(&token, NOW).expect_err("random bytes are no token");
        prop_assert!(is_token_refusal(&e), "{e:?}");
    }

    /// Three base64url parts of arbitrary bytes: past the split, into the base64 and JSON
    /// decoders and the signature check.
    #[test]
    fn arbitrary_jwt_shaped_tokens_are_refused(
        header in proptest::collection::vec(any::<u8>(), 0..200),
        claims in proptest::collection::vec(any::<u8>(), 0..200),
        signature in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let token = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(&header),
            URL_SAFE_NO_PAD.encode(&claims),
            URL_SAFE_NO_PAD.encode(&signature)
        );
        let e = authenticator().verify(&token, NOW).expect_err("unsigned token");
        prop_assert!(is_token_refusal(&e), "{e:?}");
    }

    /// A valid HS256 header with arbitrary claims text and no valid signature.
    #[test]
    fn arbitrary_claims_with_a_valid_header_are_refused(claims in "\\PC{0,200}", signature in "[A-Za-z0-9_-]{0,50}") {
        let token = format!(
            "{}.{}.{signature}",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims.as_bytes()),
        );
        let e = jwt::decode(SECRET.as_bytes(), &token, NOW).expect_err("unsigned token");
        prop_assert!(is_token_refusal(&e), "{e:?}");
    }

    /// Arbitrary header and claims bytes signed with the right key: the JSON decoders and the
    /// time and lifetime checks see them; each is a typed refusal.
    #[test]
    fn arbitrary_signed_parts_are_refused_with_a_typed_error(
        header in proptest::collection::vec(any::<u8>(), 0..100),
        claims in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let e = authenticator()
            .verify(&signed(&header, &claims), NOW)
            .expect_err("no valid claims");
        prop_assert!(
            matches!(e, AuthError::Malformed(_) | AuthError::UnsupportedAlgorithm(_)),
            "{e:?}"
        );
    }

    /// Well-formed claims of arbitrary times, signed: accepted inside the window and the
    /// lifetime cap, else the matching typed refusal.
    #[test]
    fn signed_claims_of_any_times_are_judged(iat in any::<i64>(), exp in any::<i64>()) {
        let claims = format!(r#"{{"sub":"p","role":"viewer","iat":{iat},"exp":{exp}}}"#);
        let result = authenticator().verify(&signed(br#"{"alg":"HS256"}"#, claims.as_bytes()), NOW);
        match result {
            Ok(p) => prop_assert!(NOW < exp && iat <= NOW + jwt::IAT_LEEWAY_SECS && exp.saturating_sub(iat) <= 86_400, "{p:?}"),
            Err(AuthError::Expired { .. }) => prop_assert!(NOW >= exp),
            Err(AuthError::IssuedInFuture { .. }) => prop_assert!(iat > NOW + jwt::IAT_LEEWAY_SECS),
            Err(AuthError::LifetimeTooLong { .. }) => prop_assert!(exp.saturating_sub(iat) > 86_400),
            Err(e) => prop_assert!(false, "{e:?}"),
        }
    }
}
