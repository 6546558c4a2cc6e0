//! `flashmm token issue --role admin|viewer --ttl 1h [--sub NAME]`: prints a JWT for the API,
//! signed with `api.secret_key` (env `SECRET_KEY`, at least 32 bytes). The token goes to stdout
//! alone, so `TOKEN=$(flashmm token issue ...)` works; what it grants goes to stderr. A `--ttl`
//! longer than `api.max_token_ttl_secs` is refused: the API would refuse the token.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Subcommand;
use flashmm_auth::Role;
use flashmm_runtime::{self as runtime, load_config};

/// `flashmm token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Print a new API token.
    Issue {
        /// `viewer` (read routes, dashboard, live metrics) or `admin` (also pause, resume,
        /// cancel-all, flatten).
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Lifetime: a number with a unit, `s`, `m`, `h` or `d` (e.g. `90s`, `15m`, `1h`, `7d`).
        #[arg(long, default_value = "1h", value_parser = parse_ttl)]
        ttl: Duration,
        /// Who the token is for; written to the audit trail with every admin action.
        #[arg(long, default_value = "operator")]
        sub: String,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    text.parse()
        .map_err(|e: flashmm_auth::AuthError| e.to_string())
}

/// Parses `90s`, `15m`, `1h`, `7d` (a positive whole number and a unit).
pub fn parse_ttl(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit_secs: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "expected a duration like 90s, 15m, 1h or 7d, got {text:?}"
            ))
        }
    };
    let value: u64 = number
        .parse()
        .map_err(|_| format!("expected a duration like 90s, 15m, 1h or 7d, got {text:?}"))?;
    if value == 0 {
        return Err("the lifetime must be positive".to_owned());
    }
    value
        .checked_mul(unit_secs)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("lifetime {text:?} is too long"))
}

/// Runs a `token` subcommand.
pub fn run(path: &Path, command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Issue { role, ttl, sub } => {
            if sub.trim().is_empty() {
                bail!("--sub must not be empty");
            }
            let config = load_config(path)?;
            let secret = &config.api.secret_key;
            if secret.is_empty() {
                bail!(
                    "no signing key: set SECRET_KEY (or api.secret_key in {})",
                    path.display()
                );
            }
            flashmm_auth::jwt::check_secret(secret.expose().as_bytes())
                .context("cannot issue the token")?;
            let max = config.api.max_token_ttl_secs;
            if ttl.as_secs() > max {
                bail!(
                    "--ttl {} s is longer than api.max_token_ttl_secs ({max} s): the API would refuse the token",
                    ttl.as_secs()
                );
            }
            let now = runtime::now().as_i64() / flashmm_core::time::NANOS_PER_SEC;
            let token = flashmm_auth::issue(secret.expose().as_bytes(), &sub, role, ttl, now)
                .context("cannot issue the token")?;
            println!("{token}");
            eprintln!(
                "{role} token for {sub:?}, valid {} s (until unix time {})",
                ttl.as_secs(),
                now.saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX))
            );
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_units() {
        assert_eq!(parse_ttl("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_ttl("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_ttl("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_ttl("7d"), Ok(Duration::from_secs(7 * 86_400)));
        for bad in [
            "",
            "1",
            "h",
            "0h",
            "1.5h",
            "-1h",
            "1w",
            "99999999999999999999d",
        ] {
            assert!(parse_ttl(bad).is_err(), "{bad:?}");
        }
    }
}
