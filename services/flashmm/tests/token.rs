//! `flashmm token issue` as an operator runs it: the built binary, the committed config and
//! `SECRET_KEY` from the environment; the printed token is checked with `flashmm-auth`.

use std::process::{Command, Output};

use flashmm_auth::Role;

/// Signing keys of the 32 bytes the API requires at least.
const CLI_KEY: &str = "cli-test-key-of-thirty-two-bytes";
const KEY: &str = "another-test-key-of-32-bytes-ok!";

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/flashmm.toml");

fn flashmm(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flashmm"));
    cmd.args(["--config", CONFIG])
        .args(args)
        .env_remove("SECRET_KEY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run flashmm")
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

#[test]
fn issues_a_token_the_api_accepts() {
    let out = flashmm(
        &[
            "token", "issue", "--role", "admin", "--ttl", "1h", "--sub", "alice",
        ],
        &[("SECRET_KEY", CLI_KEY)],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let token = stdout.trim();
    let claims = flashmm_auth::decode(CLI_KEY.as_bytes(), token, now()).expect("valid token");
    assert_eq!(claims.sub, "alice");
    assert_eq!(claims.role, Role::Admin);
    assert_eq!(claims.exp - claims.iat, 3600);
    assert!((claims.iat - now()).abs() < 60);
    assert!(flashmm_auth::decode(b"other-key", token, now()).is_err());
    assert!(!stderr.contains(CLI_KEY), "{stderr}");
    assert!(stderr.contains("admin token for \"alice\""), "{stderr}");
}

#[test]
fn viewer_role_and_default_subject() {
    let out = flashmm(
        &["token", "issue", "--role", "viewer", "--ttl", "90s"],
        &[("SECRET_KEY", KEY)],
    );
    assert!(out.status.success());
    let claims = flashmm_auth::decode(
        KEY.as_bytes(),
        String::from_utf8_lossy(&out.stdout).trim(),
        now(),
    )
    .expect("valid token");
    assert_eq!(claims.role, Role::Viewer);
    assert_eq!(claims.sub, "operator");
    assert_eq!(claims.exp - claims.iat, 90);
}

#[test]
fn refuses_without_a_key_or_with_bad_arguments() {
    let out = flashmm(&["token", "issue", "--role", "admin"], &[]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SECRET_KEY"));

    let out = flashmm(
        &["token", "issue", "--role", "root"],
        &[("SECRET_KEY", KEY)],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown role"));

    let out = flashmm(
        &["token", "issue", "--role", "viewer", "--ttl", "soon"],
        &[("SECRET_KEY", KEY)],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("90s, 15m, 1h or 7d"));
}

#[test]
fn refuses_a_short_key_and_a_lifetime_over_the_cap() {
    let out = flashmm(
        &["token", "issue", "--role", "admin", "--ttl", "1h"],
        &[("SECRET_KEY", "short-key-17bytes")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains("SECRET_KEY is 17 bytes; at least 32"),
        "{stderr}"
    );
    assert!(!stderr.contains("short-key-17bytes"), "{stderr}");

    // The committed config caps tokens at 24 h.
    let out = flashmm(
        &["token", "issue", "--role", "admin", "--ttl", "25h"],
        &[("SECRET_KEY", KEY)],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains("api.max_token_ttl_secs (86400 s)"),
        "{stderr}"
    );
    let out = flashmm(
        &["token", "issue", "--role", "admin", "--ttl", "24h"],
        &[("SECRET_KEY", KEY)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
