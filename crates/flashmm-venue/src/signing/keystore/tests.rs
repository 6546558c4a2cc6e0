use super::*;

/// A cheap cost for unit tests; files written by `flashmm keys` use the recommended one.
const FAST: KdfParams = KdfParams {
    log_n: 10,
    r: 8,
    p: 1,
};
const SECRET: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

fn pass(s: &str) -> Passphrase {
    Passphrase::new(s).unwrap()
}

fn edit(keystore: &Keystore, f: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value: serde_json::Value = serde_json::from_str(&keystore.to_json()).unwrap();
    f(&mut value);
    value.to_string()
}

fn flip_hex(s: &str) -> String {
    let mut bytes = hex::decode(s).unwrap();
    bytes[0] ^= 1;
    hex::encode(bytes)
}

#[test]
fn round_trip_through_json_keeps_the_key() {
    let keystore = Keystore::import_hex(SECRET, &pass("correct horse"), FAST).unwrap();
    let text = keystore.to_json();
    assert!(!text.contains(SECRET), "plain secret in the file");
    let parsed = Keystore::from_json(&text).unwrap();
    assert_eq!(parsed, keystore);
    let secret = parsed.decrypt(&pass("correct horse")).unwrap();
    assert_eq!(hex::encode(*secret), SECRET);
    let signer = parsed.signer(&pass("correct horse"), 7).unwrap();
    assert_eq!(signer.key_id(), keystore.key_id());
    assert_eq!(
        signer.key_id(),
        Signer::from_hex(SECRET, 0).unwrap().key_id()
    );
    assert_eq!(signer.next_nonce(), 7);
}

#[test]
fn generated_keys_differ_and_open() {
    let a = Keystore::generate(&pass("p"), FAST).unwrap();
    let b = Keystore::generate(&pass("p"), FAST).unwrap();
    assert_ne!(a.key_id(), b.key_id());
    assert_eq!(a.signer(&pass("p"), 0).unwrap().key_id(), a.key_id());
}

#[test]
fn wrong_passphrase_is_refused() {
    let keystore = Keystore::import_hex(SECRET, &pass("right"), FAST).unwrap();
    assert!(matches!(
        keystore.decrypt(&pass("wrong")),
        Err(KeystoreError::WrongPassphrase)
    ));
}

#[test]
fn altered_ciphertext_nonce_or_key_id_is_tampering() {
    let keystore = Keystore::import_hex(SECRET, &pass("p"), FAST).unwrap();
    let other = Keystore::generate(&pass("p"), FAST).unwrap();
    let cases = [
        edit(&keystore, |v| {
            let c = v["cipher"]["ciphertext"].as_str().unwrap().to_owned();
            v["cipher"]["ciphertext"] = flip_hex(&c).into();
        }),
        edit(&keystore, |v| {
            let n = v["cipher"]["nonce"].as_str().unwrap().to_owned();
            v["cipher"]["nonce"] = flip_hex(&n).into();
        }),
        edit(&keystore, |v| v["key_id"] = other.key_id().into()),
    ];
    for text in cases {
        let altered = Keystore::from_json(&text).unwrap();
        let err = altered.signer(&pass("p"), 0).unwrap_err();
        assert!(matches!(err, KeystoreError::Tampered), "{err}");
    }
}

#[test]
fn altered_kdf_fields_read_as_a_wrong_passphrase() {
    let keystore = Keystore::import_hex(SECRET, &pass("p"), FAST).unwrap();
    let text = edit(&keystore, |v| {
        let s = v["kdf"]["salt"].as_str().unwrap().to_owned();
        v["kdf"]["salt"] = flip_hex(&s).into();
    });
    let err = Keystore::from_json(&text)
        .unwrap()
        .decrypt(&pass("p"))
        .unwrap_err();
    assert!(matches!(err, KeystoreError::WrongPassphrase), "{err}");
}

#[test]
fn malformed_and_unsupported_files_are_refused() {
    let keystore = Keystore::import_hex(SECRET, &pass("p"), FAST).unwrap();
    let check = |text: String, want: fn(&KeystoreError) -> bool| {
        let err = Keystore::from_json(&text).unwrap_err();
        assert!(want(&err), "{err}");
    };
    check(edit(&keystore, |v| v["version"] = 2.into()), |e| {
        matches!(e, KeystoreError::UnsupportedVersion(2))
    });
    check(
        edit(&keystore, |v| v["kdf"]["name"] = "pbkdf2".into()),
        |e| matches!(e, KeystoreError::UnsupportedAlgorithm(n) if n == "pbkdf2"),
    );
    check(
        edit(&keystore, |v| v["cipher"]["name"] = "aes-128-cbc".into()),
        |e| matches!(e, KeystoreError::UnsupportedAlgorithm(_)),
    );
    check(
        edit(&keystore, |v| v["kdf"]["log_n"] = 30.into()),
        |e| matches!(e, KeystoreError::Malformed(m) if m.contains("out of bounds")),
    );
    check(
        edit(&keystore, |v| v["cipher"]["nonce"] = "zz".into()),
        |e| matches!(e, KeystoreError::Malformed(m) if m.contains("cipher.nonce")),
    );
    check(
        edit(&keystore, |v| v["cipher"]["ciphertext"] = "00".into()),
        |e| matches!(e, KeystoreError::Malformed(m) if m.contains("ciphertext")),
    );
    check(
        edit(&keystore, |v| v["key_id"] = "02ff".into()),
        |e| matches!(e, KeystoreError::Malformed(m) if m.contains("key_id")),
    );
    check("{\"version\": 1".to_owned(), |e| {
        matches!(e, KeystoreError::Malformed(_))
    });
    check("[]".to_owned(), |e| {
        matches!(e, KeystoreError::Malformed(_))
    });
}

#[test]
fn import_refuses_bad_keys_and_empty_passphrases() {
    for bad in ["", "xyz", "00", &"00".repeat(32), &"ff".repeat(32)] {
        assert!(
            matches!(
                Keystore::import_hex(bad, &pass("p"), FAST),
                Err(KeystoreError::InvalidKey)
            ),
            "{bad}"
        );
    }
    let prefixed = format!("0x{SECRET}\n");
    assert!(Keystore::import_hex(&prefixed, &pass("p"), FAST).is_ok());
    assert!(matches!(
        Passphrase::new(""),
        Err(KeystoreError::EmptyPassphrase)
    ));
}

#[test]
fn write_new_never_overwrites_and_read_loads() {
    let dir = std::env::temp_dir().join(format!("flashmm-keystore-{}", std::process::id()));
    let path = dir.join("nested/trading.json");
    let keystore = Keystore::import_hex(SECRET, &pass("p"), FAST).unwrap();
    keystore.write_new(&path).unwrap();
    assert!(matches!(
        keystore.write_new(&path),
        Err(KeystoreError::Exists(_))
    ));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let signer = load_signer(&path, &pass("p"), 1).unwrap();
    assert_eq!(signer.key_id(), keystore.key_id());
    assert!(matches!(
        load_signer(&dir.join("missing.json"), &pass("p"), 1),
        Err(KeystoreError::Io { .. })
    ));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn passphrase_comes_from_the_variable_or_its_file() {
    let from = |pairs: &[(&str, &str)]| {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Passphrase::from_env(move |k| {
            pairs
                .iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.clone())
        })
    };
    assert_eq!(from(&[(PASSPHRASE_ENV, "abc")]).unwrap().as_bytes(), b"abc");
    let file = std::env::temp_dir().join(format!("flashmm-pass-{}", std::process::id()));
    std::fs::write(&file, "from file\n").unwrap();
    let path = file.to_string_lossy().into_owned();
    let read = from(&[(PASSPHRASE_FILE_ENV, path.as_str())]).unwrap();
    assert_eq!(read.as_bytes(), b"from file");
    assert_eq!(format!("{read:?}"), "Passphrase(***)");
    assert!(matches!(from(&[]), Err(KeystoreError::NoPassphrase)));
    assert!(matches!(
        from(&[(PASSPHRASE_ENV, "")]),
        Err(KeystoreError::NoPassphrase)
    ));
    std::fs::write(&file, "\n").unwrap();
    assert!(matches!(
        from(&[(PASSPHRASE_ENV, ""), (PASSPHRASE_FILE_ENV, path.as_str())]),
        Err(KeystoreError::EmptyPassphrase)
    ));
    std::fs::remove_file(&file).unwrap();
    assert!(matches!(
        from(&[(PASSPHRASE_FILE_ENV, path.as_str())]),
        Err(KeystoreError::Io { .. })
    ));
}
