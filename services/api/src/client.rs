//! Who the client is: the TCP peer, or — only when the peer is one of `api.trusted_proxies` —
//! the address the proxy names in `X-Forwarded-For` (or `X-Real-IP`).
//!
//! `X-Forwarded-For` is read from the right: each proxy appends the address it received the
//! request from, so the rightmost address that is not itself a trusted proxy is the client.
//! Whatever a client wrote into the header itself sits to the left of that and is ignored. A
//! header that does not parse leaves the last trusted hop as the client. An untrusted peer's
//! forwarding headers are never read.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// Errors of [`TrustedProxies::parse`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// An entry of `api.trusted_proxies` is neither an address nor a CIDR block.
    #[error("api.trusted_proxies: {0:?} is not an IP address or a CIDR block")]
    BadProxy(String),
}

/// The resolved client address of a request, put in its extensions by the rate-limit layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// One trusted block: an address and how many leading bits must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    addr: IpAddr,
    prefix: u8,
}

impl Block {
    fn parse(text: &str) -> Option<Block> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr.parse().ok()?;
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= bits)?,
            None => bits,
        };
        Some(Block { addr, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => matches_prefix(
                u128::from(u32::from(net)) << 96,
                u128::from(u32::from(ip)) << 96,
                self.prefix,
            ),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                matches_prefix(u128::from(net), u128::from(ip), self.prefix)
            }
            _ => false,
        }
    }
}

fn matches_prefix(net: u128, ip: u128, prefix: u8) -> bool {
    if prefix == 0 {
        return true;
    }
    let mask = u128::MAX << (128 - u32::from(prefix.min(128)));
    net & mask == ip & mask
}

/// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, as a dual-stack socket reports IPv4 peers)
/// as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The set of `api.trusted_proxies`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    blocks: Vec<Block>,
}

impl TrustedProxies {
    /// Parses addresses and CIDR blocks (`127.0.0.1`, `10.0.0.0/8`, `::1`).
    pub fn parse(entries: &[String]) -> Result<Self, ClientError> {
        let blocks = entries
            .iter()
            .map(|e| Block::parse(e).ok_or_else(|| ClientError::BadProxy(e.clone())))
            .collect::<Result<_, _>>()?;
        Ok(TrustedProxies { blocks })
    }

    /// Whether `ip` is a trusted proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.blocks.iter().any(|b| b.contains(ip))
    }

    /// The client of a request that arrived from `peer` with `headers`.
    pub fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer.ip());
        if !self.contains(peer) {
            return peer;
        }
        let mut hops = Vec::new();
        for value in headers.get_all("x-forwarded-for") {
            match value.to_str() {
                Ok(text) => hops.extend(text.split(',').map(parse_hop)),
                Err(_) => hops.push(None),
            }
        }
        if hops.is_empty() {
            return headers
                .get("x-real-ip")
                .and_then(|v| v.to_str().ok())
                .and_then(parse_hop)
                .unwrap_or(peer);
        }
        let mut client = peer;
        for hop in hops.into_iter().rev() {
            let Some(ip) = hop else { break };
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:80`.
fn parse_hop(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(canonical)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use proptest::prelude::*;

    use super::*;

    fn trusted(entries: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&entries.iter().map(|e| (*e).to_owned()).collect::<Vec<_>>()).unwrap()
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn peer(text: &str) -> SocketAddr {
        SocketAddr::new(ip(text), 40_000)
    }

    #[test]
    fn blocks_parse_and_match() {
        let t = trusted(&["127.0.0.1", "10.0.0.0/8", "fd00::/8", "::1"]);
        assert!(t.contains(ip("127.0.0.1")));
        assert!(!t.contains(ip("127.0.0.2")));
        assert!(t.contains(ip("10.200.3.4")));
        assert!(!t.contains(ip("11.0.0.1")));
        assert!(t.contains(ip("fd12::7")));
        assert!(t.contains(ip("::1")));
        assert!(t.contains(ip("::ffff:127.0.0.1")), "IPv4-mapped peers");
        assert!(trusted(&["0.0.0.0/0"]).contains(ip("8.8.8.8")));
        for bad in ["", "localhost", "10.0.0.0/33", "::/129", "1.2.3.4/x"] {
            assert_eq!(
                TrustedProxies::parse(&[bad.to_owned()]),
                Err(ClientError::BadProxy(bad.to_owned()))
            );
        }
    }

    #[test]
    fn an_untrusted_peers_headers_are_ignored() {
        let t = trusted(&["127.0.0.1"]);
        let h = headers(&[("x-forwarded-for", "10.9.9.9"), ("x-real-ip", "10.8.8.8")]);
        assert_eq!(t.client(peer("127.0.0.3"), &h), ip("127.0.0.3"));
        assert_eq!(
            TrustedProxies::default().client(peer("127.0.0.1"), &h),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client() {
        let t = trusted(&["127.0.0.1", "10.0.0.0/8"]);
        let p = peer("127.0.0.1");
        assert_eq!(
            t.client(p, &headers(&[("x-forwarded-for", "203.0.113.7")])),
            ip("203.0.113.7")
        );
        // What the client wrote itself is left of what the proxy appended.
        assert_eq!(
            t.client(
                p,
                &headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.7, 10.1.1.1")])
            ),
            ip("203.0.113.7")
        );
        assert_eq!(
            t.client(
                p,
                &headers(&[
                    ("x-forwarded-for", "1.1.1.1"),
                    ("x-forwarded-for", "203.0.113.7")
                ])
            ),
            ip("203.0.113.7")
        );
        assert_eq!(
            t.client(p, &headers(&[("x-real-ip", "198.51.100.2")])),
            ip("198.51.100.2")
        );
        assert_eq!(
            t.client(p, &headers(&[("x-forwarded-for", "[2001:db8::1]:443")])),
            ip("2001:db8::1")
        );
        // Garbage stops the walk at the last trusted hop.
        assert_eq!(
            t.client(p, &headers(&[("x-forwarded-for", "junk, 10.2.2.2")])),
            ip("10.2.2.2")
        );
        assert_eq!(t.client(p, &headers(&[])), ip("127.0.0.1"));
        assert_eq!(
            t.client(p, &headers(&[("x-real-ip", "nope")])),
            ip("127.0.0.1")
        );
    }

    proptest! {
        /// Arbitrary header bytes from a trusted proxy: no panic, and the client is either
        /// the peer or an address that appears in the headers.
        #[test]
        fn arbitrary_forwarding_headers_never_panic(
            xff in proptest::collection::vec(any::<u8>(), 0..200),
            real in proptest::collection::vec(any::<u8>(), 0..60),
        ) {
            let t = trusted(&["127.0.0.1"]);
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_bytes(&xff) {
                h.insert("x-forwarded-for", v);
            }
            if let Ok(v) = HeaderValue::from_bytes(&real) {
                h.insert("x-real-ip", v);
            }
            let client = t.client(peer("127.0.0.1"), &h);
            let text = format!("{}{}", String::from_utf8_lossy(&xff), String::from_utf8_lossy(&real));
            prop_assert!(client == ip("127.0.0.1") || text.contains(&client.to_string()) || client.is_ipv6());
        }
    }
}
