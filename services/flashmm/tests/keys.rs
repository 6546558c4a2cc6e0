//! `flashmm keys` as an operator runs it: the built binary, keystore files in a scratch
//! directory, the passphrase from `ENCRYPTION_KEY` or `ENCRYPTION_KEY_FILE`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/flashmm.toml");
const SECRET: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
/// The compressed public key of `SECRET`.
const KEY_ID: &str = "024e3b81af9c2234cad09d679ce6035ed1392347ce64ce405f5dcd36228a25de6e";

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flashmm-keys-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn keys(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flashmm"));
    cmd.args(["--config", CONFIG, "keys"])
        .args(args)
        .env_remove("ENCRYPTION_KEY")
        .env_remove("ENCRYPTION_KEY_FILE")
        .env_remove("TRADING_KEY_FILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run flashmm");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A refusal: non-zero exit, one `error:` line containing `want`, no panic, no secret.
fn assert_refused(out: &Output, want: &str) {
    let (stdout, stderr) = text(out);
    assert!(!out.status.success(), "accepted: {stdout} {stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains(want),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
}

fn import(path: &Path, passphrase: &str) {
    let file = path.to_str().unwrap();
    let out = keys(
        &["import", "--file", file],
        &[("ENCRYPTION_KEY", passphrase)],
        SECRET,
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout.trim(), KEY_ID);
}

#[test]
fn import_address_verify_round_trip() {
    let dir = scratch("roundtrip");
    let path = dir.join("trading.json");
    let file = path.to_str().unwrap();
    import(&path, "correct horse battery");

    let stored = std::fs::read_to_string(&path).unwrap();
    assert!(!stored.contains(SECRET), "plain secret on disk");
    assert!(stored.contains(KEY_ID));

    let out = keys(&["address", "--file", file], &[], "");
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(text(&out).0.trim(), KEY_ID);
    // The EVM address Hyperliquid knows the key by, as the signer derives it.
    let out = keys(&["address", "--evm", "--file", file], &[], "");
    assert!(out.status.success(), "{}", text(&out).1);
    let signer = flashmm_hyperliquid::Signer::from_hex(&format!("0x{SECRET}")).unwrap();
    assert_eq!(text(&out).0.trim(), signer.address().to_string());

    let pass_file = dir.join("passphrase");
    std::fs::write(&pass_file, "correct horse battery\n").unwrap();
    let out = keys(
        &["verify", "--file", file],
        &[("ENCRYPTION_KEY_FILE", pass_file.to_str().unwrap())],
        "",
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout.trim(), KEY_ID);
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));

    // The configuration's key file is the default.
    let out = keys(&["address"], &[("TRADING_KEY_FILE", file)], "");
    assert_eq!(text(&out).0.trim(), KEY_ID, "{}", text(&out).1);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn new_writes_a_fresh_key_and_never_overwrites() {
    let dir = scratch("new");
    let path = dir.join("keys/new.json");
    let file = path.to_str().unwrap();
    let env = [("ENCRYPTION_KEY", "p4ss")];
    let out = keys(&["new", "--file", file], &env, "");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let key_id = stdout.trim().to_owned();
    assert_eq!(key_id.len(), 66, "{key_id}");
    assert_ne!(key_id, KEY_ID);

    let out = keys(&["verify", "--file", file], &env, "");
    assert_eq!(text(&out).0.trim(), key_id, "{}", text(&out).1);

    let before = std::fs::read(&path).unwrap();
    assert_refused(&keys(&["new", "--file", file], &env, ""), "already exists");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "keystore overwritten"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn wrong_passphrase_and_missing_passphrase_are_clear_errors() {
    let dir = scratch("wrong");
    let path = dir.join("trading.json");
    let file = path.to_str().unwrap();
    import(&path, "right");
    assert_refused(
        &keys(
            &["verify", "--file", file],
            &[("ENCRYPTION_KEY", "wrong")],
            "",
        ),
        "wrong passphrase",
    );
    assert_refused(
        &keys(&["verify", "--file", file], &[], ""),
        "ENCRYPTION_KEY",
    );
    let empty = dir.join("empty-passphrase");
    std::fs::write(&empty, "\n").unwrap();
    assert_refused(
        &keys(
            &["verify", "--file", file],
            &[
                ("ENCRYPTION_KEY", ""),
                ("ENCRYPTION_KEY_FILE", empty.to_str().unwrap()),
            ],
            "",
        ),
        "empty",
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn tampered_and_malformed_files_are_clear_errors() {
    let dir = scratch("tampered");
    let path = dir.join("trading.json");
    let file = path.to_str().unwrap();
    import(&path, "right");
    let original = std::fs::read_to_string(&path).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&original).unwrap();
    let ciphertext = json["cipher"]["ciphertext"].as_str().unwrap().to_owned();
    let last = if ciphertext.ends_with('0') { "1" } else { "0" };
    json["cipher"]["ciphertext"] = format!("{}{last}", &ciphertext[..ciphertext.len() - 1]).into();
    std::fs::write(&path, json.to_string()).unwrap();
    let env = [("ENCRYPTION_KEY", "right")];
    assert_refused(&keys(&["verify", "--file", file], &env, ""), "tampered");

    std::fs::write(&path, &original[..original.len() / 2]).unwrap();
    assert_refused(
        &keys(&["verify", "--file", file], &env, ""),
        "malformed keystore",
    );
    assert_refused(
        &keys(&["address", "--file", file], &[], ""),
        "malformed keystore",
    );

    json["version"] = 9.into();
    std::fs::write(&path, json.to_string()).unwrap();
    assert_refused(&keys(&["verify", "--file", file], &env, ""), "version 9");

    let missing = dir.join("missing.json");
    assert_refused(
        &keys(&["verify", "--file", missing.to_str().unwrap()], &env, ""),
        "missing.json",
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn import_refuses_a_bad_secret_and_writes_nothing() {
    let dir = scratch("badsecret");
    let path = dir.join("trading.json");
    let out = keys(
        &["import", "--file", path.to_str().unwrap()],
        &[("ENCRYPTION_KEY", "p")],
        "not-a-key",
    );
    assert_refused(&out, "not 64 hex digits");
    assert!(!path.exists());
    std::fs::remove_dir_all(dir).unwrap();
}
