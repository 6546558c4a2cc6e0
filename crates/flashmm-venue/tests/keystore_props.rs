//! The keystore parser on arbitrary input never panics: any text or bytes is a keystore or a
//! typed `KeystoreError`, and a valid keystore with any one field replaced by an arbitrary value
//! either still opens to the same key or is refused with a typed error (never another key).
//! Passphrases and imported secrets of any shape are values or typed errors too.

use flashmm_venue::signing::keystore::KdfParams;
use flashmm_venue::signing::{Keystore, KeystoreError, Passphrase, Signer};
use proptest::prelude::*;
use serde_json::{json, Value};

/// The cheapest cost the parser accepts (N = 2^10), so each decryption stays fast.
const FAST: KdfParams = KdfParams {
    log_n: 10,
    r: 8,
    p: 1,
};
const SECRET: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
const PASSPHRASE: &str = "correct horse";

fn pass() -> Passphrase {
    Passphrase::new(PASSPHRASE).expect("non-empty passphrase")
}

/// The JSON of one keystore of `SECRET`, made once.
fn valid_json() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        Keystore::import_hex(SECRET, &pass(), FAST)
            .expect("keystore of the test key")
            .to_json()
    })
}

/// The errors parsing text may give (no I/O, no passphrase involved).
fn is_parse_error(e: &KeystoreError) -> bool {
    matches!(
        e,
        KeystoreError::Malformed(_)
            | KeystoreError::UnsupportedVersion(_)
            | KeystoreError::UnsupportedAlgorithm(_)
    )
}

/// Arbitrary JSON values, nested a little.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        (0u8..=255).prop_map(|n| json!(n)),
        ".{0,40}".prop_map(Value::String),
        "[0-9a-fA-Fx]{0,140}".prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The paths of every field of the keystore file.
const FIELDS: [&[&str]; 13] = [
    &["version"],
    &["key_id"],
    &["kdf"],
    &["kdf", "name"],
    &["kdf", "log_n"],
    &["kdf", "r"],
    &["kdf", "p"],
    &["kdf", "salt"],
    &["check"],
    &["cipher"],
    &["cipher", "name"],
    &["cipher", "nonce"],
    &["cipher", "ciphertext"],
];

/// A hex field with one byte changed, kept the same length.
fn flip_hex(value: &str, at: usize, xor: u8) -> String {
    let mut bytes = hex::decode(value).expect("hex field");
    let len = bytes.len();
    bytes[at % len] ^= xor;
    hex::encode(bytes)
}

/// Parses `text` and, if it parses, opens it with the right passphrase: the key must be the
/// test key, or a typed refusal.
fn parse_and_open(text: &str) -> Result<(), TestCaseError> {
    match Keystore::from_json(text) {
        Err(e) => prop_assert!(is_parse_error(&e), "untyped parse error: {e:?}"),
        // A replaced cost parameter may ask for up to 2^20 · r rounds: parsed, not opened.
        Ok(keystore) if keystore.params().log_n > 12 => {}
        Ok(keystore) => match keystore.signer(&pass(), 1) {
            Ok(signer) => {
                let expected = Signer::from_hex(SECRET, 0).expect("test key");
                prop_assert_eq!(signer.key_id(), expected.key_id(), "opened to another key");
                prop_assert_eq!(keystore.key_id(), expected.key_id());
            }
            Err(e) => prop_assert!(
                matches!(
                    e,
                    KeystoreError::WrongPassphrase
                        | KeystoreError::Tampered
                        | KeystoreError::Malformed(_)
                ),
                "untyped open error: {e:?}"
            ),
        },
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_text_is_a_keystore_or_a_typed_error(text in prop_oneof![
        ".{0,200}",
        "\\{.{0,200}\\}",
        prop::collection::vec(any::<u8>(), 0..300)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]) {
        if let Err(e) = Keystore::from_json(&text) {
            prop_assert!(is_parse_error(&e), "untyped parse error: {e:?}");
        }
    }

    #[test]
    fn any_file_bytes_are_a_keystore_or_a_typed_error(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let dir = std::env::temp_dir().join(format!("flashmm-keystore-props-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let path = dir.join("keystore.json");
        std::fs::write(&path, &bytes).expect("write");
        match Keystore::read(&path) {
            Ok(_) => {}
            Err(KeystoreError::Io { path: p, .. }) => {
                prop_assert_eq!(p, path.clone());
                prop_assert!(std::str::from_utf8(&bytes).is_err(), "I/O error on UTF-8 text");
            }
            Err(e) => prop_assert!(is_parse_error(&e), "untyped parse error: {e:?}"),
        }
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn truncated_keystore_text_is_a_typed_error(cut in 0usize..10_000) {
        let text = valid_json();
        let cut = cut % text.len();
        if let Some(prefix) = text.get(..cut) {
            match Keystore::from_json(prefix) {
                Ok(_) => prop_assert!(prefix.trim_end() == text.trim_end(), "a cut file parsed"),
                Err(e) => prop_assert!(is_parse_error(&e), "untyped parse error: {e:?}"),
            }
        }
    }

    #[test]
    fn passphrases_and_imported_secrets_of_any_shape_are_typed(
        passphrase in ".{0,40}",
        secret in prop_oneof![".{0,70}", "(0x)?[0-9a-fA-F]{0,66}"],
    ) {
        match Passphrase::new(passphrase.clone()) {
            Ok(_) => prop_assert!(!passphrase.is_empty()),
            Err(e) => {
                prop_assert!(matches!(e, KeystoreError::EmptyPassphrase), "{e:?}");
                prop_assert!(passphrase.is_empty());
            }
        }
        let env = |name: &str| (name == "ENCRYPTION_KEY").then(|| passphrase.clone());
        match Passphrase::from_env(env) {
            Ok(_) => prop_assert!(!passphrase.is_empty()),
            Err(e) => prop_assert!(matches!(e, KeystoreError::NoPassphrase), "{e:?}"),
        }
        let digits = secret.trim();
        let digits = digits.strip_prefix("0x").unwrap_or(digits);
        let is_key = digits.len() == 64 && digits.bytes().all(|b| b.is_ascii_hexdigit());
        if !is_key {
            let err = Keystore::import_hex(&secret, &pass(), FAST).unwrap_err();
            prop_assert!(matches!(err, KeystoreError::InvalidKey), "{err:?}");
        }
    }
}

proptest! {
    // Each case runs scrypt once: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_field_replaced_opens_to_the_same_key_or_is_refused(
        field in prop::sample::select(FIELDS.to_vec()),
        value in json_value(),
    ) {
        let mut doc: Value = serde_json::from_str(valid_json()).expect("keystore JSON");
        let mut slot = &mut doc;
        for name in field {
            slot = slot.get_mut(*name).expect("keystore field");
        }
        *slot = value;
        parse_and_open(&doc.to_string())?;
    }

    #[test]
    fn one_changed_byte_of_any_hex_field_is_refused(
        field in prop::sample::select(vec![
            &["kdf", "salt"][..],
            &["check"][..],
            &["cipher", "nonce"][..],
            &["cipher", "ciphertext"][..],
        ]),
        at in any::<usize>(),
        xor in 1u8..,
    ) {
        let mut doc: Value = serde_json::from_str(valid_json()).expect("keystore JSON");
        let mut slot = &mut doc;
        for name in field {
            slot = slot.get_mut(*name).expect("keystore field");
        }
        let changed = flip_hex(slot.as_str().expect("hex string"), at, xor);
        *slot = Value::String(changed);
        let keystore = Keystore::from_json(&doc.to_string());
        prop_assert!(keystore.is_ok(), "same shape parses: {keystore:?}");
        if let Ok(keystore) = keystore {
            let opened = keystore.signer(&pass(), 1);
            prop_assert!(
                matches!(opened, Err(KeystoreError::WrongPassphrase | KeystoreError::Tampered)),
                "{field:?} changed, yet: {opened:?}"
            );
        }
    }
}

#[test]
fn the_fixture_keystore_opens() {
    // The mutations start from a keystore that opens: check it does.
    let keystore = Keystore::from_json(valid_json()).expect("parses");
    let signer = keystore.signer(&pass(), 1).expect("opens");
    assert_eq!(
        signer.key_id(),
        Signer::from_hex(SECRET, 0).expect("test key").key_id()
    );
}
