//! The X API v2 client: `POST /2/media/upload` (the PNG, base64 in a JSON body, category
//! `tweet_image`), then `POST /2/tweets` with the text and `media.media_ids`, both with the
//! bearer token. At most one post per `min_interval`; a 429 blocks every request until its
//! `Retry-After` (seconds) has passed. The token is only ever put in the `Authorization`
//! header: no error or log line carries it.

use std::time::Duration;

use base64::Engine;
use flashmm_core::config::Secret;
use serde_json::{json, Value};
use tokio::time::Instant;

use super::error::SocialError;

/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The wait after a 429 without a readable `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(900);

/// Posts summaries to X.
pub struct XClient {
    http: reqwest::Client,
    base: String,
    token: Secret,
    min_interval: Duration,
    last_post: Option<Instant>,
    blocked_until: Option<Instant>,
}

impl XClient {
    /// A client of the API at `base` (`social.api_base_url`) with `token`, posting at most once
    /// per `min_interval`.
    pub fn new(base: &str, token: Secret, min_interval: Duration) -> Result<Self, SocialError> {
        if token.is_empty() {
            return Err(SocialError::Config {
                key: "social.twitter_bearer_token",
                reason: "empty, and social.dry_run is false".into(),
            });
        }
        let base = base.trim_end_matches('/');
        if reqwest::Url::parse(base).is_err() || !base.starts_with("http") {
            return Err(SocialError::Config {
                key: "social.api_base_url",
                reason: format!("{base:?} is not an http(s) URL"),
            });
        }
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| SocialError::Config {
                key: "social.api_base_url",
                reason: e.to_string(),
            })?;
        Ok(XClient {
            http,
            base: base.to_owned(),
            token,
            min_interval,
            last_post: None,
            blocked_until: None,
        })
    }

    /// Uploads `png` and posts `text` with it; the post's id. Refused without a request while
    /// rate limited.
    pub async fn post(&mut self, text: &str, png: &[u8]) -> Result<String, SocialError> {
        let now = Instant::now();
        let mut wait = Duration::ZERO;
        if let Some(until) = self.blocked_until {
            wait = wait.max(until.saturating_duration_since(now));
        }
        if let Some(last) = self.last_post {
            wait = wait.max((last + self.min_interval).saturating_duration_since(now));
        }
        if !wait.is_zero() {
            return Err(SocialError::RateLimited { retry_after: wait });
        }
        let media = json!({
            "media": base64::engine::general_purpose::STANDARD.encode(png),
            "media_category": "tweet_image",
            "media_type": "image/png",
        });
        let media_id = self.call("media upload", "/2/media/upload", &media).await?;
        let post = json!({ "text": text, "media": { "media_ids": [media_id] } });
        let id = self.call("post", "/2/tweets", &post).await?;
        self.last_post = Some(Instant::now());
        Ok(id)
    }

    /// POSTs `body` to `path`; the answer's `data.id`.
    async fn call(
        &mut self,
        step: &'static str,
        path: &str,
        body: &Value,
    ) -> Result<String, SocialError> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(self.token.expose())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| SocialError::Transport {
                step,
                reason: e.without_url().to_string(),
            })?;
        let status = response.status();
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map_or(DEFAULT_RETRY_AFTER, Duration::from_secs);
            self.blocked_until = Some(Instant::now() + retry_after);
            return Err(SocialError::RateLimited { retry_after });
        }
        let bytes = response.bytes().await.map_err(|e| SocialError::Transport {
            step,
            reason: e.without_url().to_string(),
        })?;
        if !status.is_success() {
            return Err(SocialError::Status {
                step,
                status: status.as_u16(),
                body: String::from_utf8_lossy(&bytes).chars().take(300).collect(),
            });
        }
        let answer: Value = serde_json::from_slice(&bytes).map_err(|e| SocialError::Answer {
            step,
            reason: e.to_string(),
        })?;
        match &answer["data"]["id"] {
            Value::String(id) if !id.is_empty() => Ok(id.clone()),
            _ => Err(SocialError::Answer {
                step,
                reason: "no data.id".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_an_empty_token_or_a_bad_url() {
        let e = XClient::new("https://api.x.com", Secret::default(), Duration::ZERO)
            .err()
            .unwrap();
        assert!(e.to_string().contains("social.twitter_bearer_token"), "{e}");
        let e = XClient::new("ftp:/x", Secret::new("t0k"), Duration::ZERO)
            .err()
            .unwrap();
        assert!(e.to_string().contains("social.api_base_url"), "{e}");
        assert!(!e.to_string().contains("t0k"));
    }

    /// An `https` base URL is spoken to in TLS: the first bytes on the wire are a TLS
    /// handshake record (a ClientHello), not an HTTP request or a refusal of the scheme.
    #[tokio::test]
    async fn speaks_tls_to_an_https_api() {
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut client = XClient::new(
            &format!("https://127.0.0.1:{port}"),
            Secret::new("t0k"),
            Duration::ZERO,
        )
        .unwrap();
        let mut post = tokio::spawn(async move { client.post("hello", b"png").await });
        let mut tcp = tokio::select! {
            accepted = listener.accept() => accepted.unwrap().0,
            done = &mut post => panic!("no connection: {:?}", done.unwrap().err()),
            _ = tokio::time::sleep(Duration::from_secs(10)) => panic!("no connection in 10 s"),
        };
        let mut hello = [0u8; 3];
        tokio::time::timeout(Duration::from_secs(10), tcp.read_exact(&mut hello))
            .await
            .expect("no bytes in 10 s")
            .unwrap();
        assert_eq!(hello[0], 0x16, "not a TLS handshake record: {hello:?}");
        assert_eq!(hello[1], 0x03, "not a TLS version: {hello:?}");
        drop(tcp);
        let e = post.await.unwrap().err().unwrap();
        assert!(!e.to_string().contains("t0k"), "{e}");
    }
}
