//! Stream and state key names, all under a namespace prefix (`flashmm` by default).

use std::fmt;

use crate::error::NameError;

/// The namespace used when none is configured.
pub const DEFAULT_NAMESPACE: &str = "flashmm";

const MAX_NAME_LEN: usize = 64;

/// Check a name segment: non-empty, at most 64 bytes, only `[A-Za-z0-9_.-]`.
fn validate(what: &'static str, name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty { what });
    }
    if name.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong {
            what,
            max: MAX_NAME_LEN,
        });
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    match name.chars().find(|c| !allowed(*c)) {
        Some(found) => Err(NameError::BadChar {
            what,
            name: name.to_owned(),
            found,
        }),
        None => Ok(()),
    }
}

/// A key prefix that keeps deployments and tests apart in one Redis.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Namespace(String);

impl Namespace {
    /// A namespace; refused unless it is 1..=64 bytes of `[A-Za-z0-9_.-]`.
    pub fn new(name: &str) -> Result<Self, NameError> {
        validate("namespace", name)?;
        Ok(Namespace(name.to_owned()))
    }

    /// The namespace as written in keys.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn stream(&self, suffix: &str) -> StreamName {
        StreamName {
            key: format!("{}:{}", self.0, suffix),
            ns_len: self.0.len(),
        }
    }

    fn market_stream(&self, kind: &str, market: &str) -> Result<StreamName, NameError> {
        validate("market", market)?;
        Ok(self.stream(&format!("{kind}:{market}")))
    }

    /// `{ns}:md:{mkt}`: book deltas, snapshots and trades from ingest.
    pub fn md(&self, market: &str) -> Result<StreamName, NameError> {
        self.market_stream("md", market)
    }

    /// `{ns}:feat:{mkt}`: feature vectors.
    pub fn feat(&self, market: &str) -> Result<StreamName, NameError> {
        self.market_stream("feat", market)
    }

    /// `{ns}:pred:{mkt}`: model predictions.
    pub fn pred(&self, market: &str) -> Result<StreamName, NameError> {
        self.market_stream("pred", market)
    }

    /// `{ns}:orders:{mkt}`: order events from execution.
    pub fn orders(&self, market: &str) -> Result<StreamName, NameError> {
        self.market_stream("orders", market)
    }

    /// `{ns}:fills:{mkt}`: fills from execution.
    pub fn fills(&self, market: &str) -> Result<StreamName, NameError> {
        self.market_stream("fills", market)
    }

    /// `{ns}:risk`: risk events.
    pub fn risk(&self) -> StreamName {
        self.stream("risk")
    }

    /// `{ns}:cmd:exec`: operator commands to execution.
    pub fn cmd_exec(&self) -> StreamName {
        self.stream("cmd:exec")
    }

    /// `{ns}:dlq`: entries no consumer could decode.
    pub fn dlq(&self) -> StreamName {
        self.stream("dlq")
    }

    /// `{ns}:audit`: the audit trail.
    pub fn audit(&self) -> StreamName {
        self.stream("audit")
    }

    /// `{ns}:heartbeat`: service liveness.
    pub fn heartbeat(&self) -> StreamName {
        self.stream("heartbeat")
    }

    /// `{ns}:state:{name}`: a hash of state that survives a restart.
    pub fn state(&self, name: &str) -> Result<StateKey, NameError> {
        validate("state name", name)?;
        Ok(StateKey(format!("{}:state:{}", self.0, name)))
    }

    /// The `SCAN MATCH` pattern for every key of this namespace (`{ns}:*`).
    pub fn pattern(&self) -> String {
        format!("{}:*", self.0)
    }

    /// A stream key read back from Redis, checked to lie under this namespace.
    pub fn parse_stream(&self, key: &str) -> Result<StreamName, NameError> {
        match key.strip_prefix(self.0.as_str()) {
            Some(rest) if rest.len() > 1 && rest.starts_with(':') => Ok(StreamName {
                key: key.to_owned(),
                ns_len: self.0.len(),
            }),
            _ => Err(NameError::ForeignKey {
                key: key.to_owned(),
                namespace: self.0.clone(),
            }),
        }
    }
}

impl Default for Namespace {
    fn default() -> Self {
        Namespace(DEFAULT_NAMESPACE.to_owned())
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The full key of a stream, e.g. `flashmm:md:SEI-USDC`; remembers its namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamName {
    key: String,
    ns_len: usize,
}

impl StreamName {
    /// The Redis key.
    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// The namespace the stream lies under.
    pub fn namespace(&self) -> Namespace {
        Namespace(self.key[..self.ns_len].to_owned())
    }

    /// The key without the namespace prefix, e.g. `md:SEI-USDC`.
    pub fn short(&self) -> &str {
        self.key.get(self.ns_len + 1..).unwrap_or_default()
    }
}

impl fmt::Display for StreamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key)
    }
}

/// The key of a state hash, e.g. `flashmm:state:positions`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StateKey(String);

impl StateKey {
    /// The Redis key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_design() {
        let ns = Namespace::default();
        assert_eq!(ns.md("SEI-USDC").unwrap().as_str(), "flashmm:md:SEI-USDC");
        assert_eq!(
            ns.feat("SEI-USDC").unwrap().as_str(),
            "flashmm:feat:SEI-USDC"
        );
        assert_eq!(
            ns.pred("SEI-USDC").unwrap().as_str(),
            "flashmm:pred:SEI-USDC"
        );
        assert_eq!(ns.orders("A").unwrap().as_str(), "flashmm:orders:A");
        assert_eq!(ns.fills("A").unwrap().as_str(), "flashmm:fills:A");
        assert_eq!(ns.risk().as_str(), "flashmm:risk");
        assert_eq!(ns.cmd_exec().as_str(), "flashmm:cmd:exec");
        assert_eq!(ns.dlq().as_str(), "flashmm:dlq");
        assert_eq!(ns.audit().as_str(), "flashmm:audit");
        assert_eq!(ns.heartbeat().as_str(), "flashmm:heartbeat");
        assert_eq!(ns.state("pnl").unwrap().as_str(), "flashmm:state:pnl");
        assert_eq!(ns.pattern(), "flashmm:*");
    }

    #[test]
    fn stream_remembers_its_namespace() {
        let ns = Namespace::new("test-1").unwrap();
        let s = ns.md("SEI-USDC").unwrap();
        assert_eq!(s.namespace(), ns);
        assert_eq!(s.short(), "md:SEI-USDC");
        assert_eq!(ns.parse_stream("test-1:md:SEI-USDC").unwrap(), s);
        assert!(ns.parse_stream("test-10:md:X").is_err());
        assert!(ns.parse_stream("test-1:").is_err());
    }

    #[test]
    fn bad_names_are_refused() {
        assert!(matches!(Namespace::new(""), Err(NameError::Empty { .. })));
        assert!(matches!(
            Namespace::new("a:b"),
            Err(NameError::BadChar { found: ':', .. })
        ));
        assert!(Namespace::new("a*").is_err());
        assert!(Namespace::new(&"x".repeat(65)).is_err());
        let ns = Namespace::default();
        assert!(ns.md("SEI/USDC").is_err());
        assert!(ns.md("").is_err());
        assert!(ns.state("a b").is_err());
    }
}
