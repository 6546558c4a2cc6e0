//! [`Bus`] on Redis Streams through `fred`, with a reconnect policy and bounded commands.
//!
//! Every command has a timeout, so while Redis is down calls fail with
//! [`BusError::Unavailable`] instead of hanging; the client reconnects in the background and
//! the same `RedisBus` works again once Redis is back. Blocking reads run on dedicated
//! connections ([`Readers`]), one per read in progress, so they never hold up publishes or one
//! another.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use flashmm_core::config::redact_url;
use fred::interfaces::LuaInterface;
use fred::prelude::*;
use fred::types::scan::ScanType;
use fred::types::streams::{XCap, XCapKind, XCapTrim};

use crate::bus::{Bus, Delivery, EntryId, Range};
use crate::envelope::RawFields;
use crate::error::BusError;
use crate::reply;
use crate::stream::{Namespace, StateKey, StreamName};

/// The Redis URL used when `REDIS_URL` is not set.
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// How to reach Redis and how long to wait for it. Its `Debug` shows the URL with the password
/// replaced by `***`.
#[derive(Clone)]
pub struct RedisBusConfig {
    /// `redis://[user:pass@]host:port[/db]`.
    pub url: String,
    /// Upper bound on one command (and on connecting); past it the call fails as unavailable.
    pub command_timeout: Duration,
    /// Longest pause between reconnect attempts; attempts never stop.
    pub reconnect_max_delay: Duration,
    /// Dedicated connections for blocking reads opened at connect time; more are opened
    /// when more reads block at once (each blocking read has a connection of its own).
    pub blocking_connections: usize,
    /// About how many entries `{ns}:dlq` keeps ([`Bus::dead_letter`] trims it, `MAXLEN ~`).
    pub dlq_maxlen: usize,
}

impl std::fmt::Debug for RedisBusConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBusConfig")
            .field("url", &redact_url(&self.url))
            .field("command_timeout", &self.command_timeout)
            .field("reconnect_max_delay", &self.reconnect_max_delay)
            .field("blocking_connections", &self.blocking_connections)
            .field("dlq_maxlen", &self.dlq_maxlen)
            .finish()
    }
}

impl RedisBusConfig {
    /// Defaults for `url`: 2 s command timeout, reconnect up to every 1 s, 4 blocking
    /// connections opened at start, a dead-letter stream of about
    /// [`DEFAULT_DLQ_MAXLEN`](crate::DEFAULT_DLQ_MAXLEN) entries.
    pub fn new(url: impl Into<String>) -> Self {
        RedisBusConfig {
            url: url.into(),
            command_timeout: Duration::from_secs(2),
            reconnect_max_delay: Duration::from_secs(1),
            blocking_connections: 4,
            dlq_maxlen: crate::DEFAULT_DLQ_MAXLEN,
        }
    }

    /// Defaults with the URL from `REDIS_URL`, or [`DEFAULT_REDIS_URL`].
    pub fn from_env() -> Self {
        RedisBusConfig::new(
            std::env::var("REDIS_URL").unwrap_or_else(|_| DEFAULT_REDIS_URL.to_owned()),
        )
    }
}

/// A bus on Redis Streams. Clones share connections.
#[derive(Clone)]
pub struct RedisBus {
    client: Client,
    readers: Arc<Readers>,
    command_timeout: Duration,
    dlq_maxlen: usize,
}

/// The connections of blocking reads: an idle one is lent to each read and comes back when
/// the read completes; when none is idle a new one is opened, so a blocking read never waits
/// behind another (a consumer blocked on a quiet stream would otherwise hold up one on a busy
/// stream for its whole block time). A read dropped before it completes closes its connection,
/// whose blocked command is still running.
struct Readers {
    builder: Builder,
    idle: Mutex<Vec<Client>>,
    timeout: Duration,
}

impl Readers {
    async fn open(&self) -> Result<Client, BusError> {
        let client = self.builder.build().map_err(map_err)?;
        match tokio::time::timeout(self.timeout, client.init()).await {
            Ok(Ok(_)) => Ok(client),
            // A failed first connection closes the client's routing task itself.
            Ok(Err(e)) => Err(map_err(e)),
            Err(_) => {
                // Stops its connection attempts without waiting for them.
                tokio::spawn(async move {
                    let _ = client.quit().await;
                });
                Err(BusError::Unavailable(format!(
                    "no reader connection within {:?}",
                    self.timeout
                )))
            }
        }
    }

    async fn acquire(self: &Arc<Self>) -> Result<Reader, BusError> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        let client = match idle {
            Some(c) => c,
            None => self.open().await?,
        };
        Ok(Reader {
            client,
            pool: Arc::clone(self),
            done: false,
        })
    }

    /// Makes `client` the next one lent.
    fn put_back(&self, client: Client) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(client);
        }
    }

    async fn quit(&self) {
        let all = self
            .idle
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default();
        for c in all {
            let _ = c.quit().await;
        }
    }
}

/// A reader connection on loan; back to the pool on drop once its read completed.
struct Reader {
    client: Client,
    pool: Arc<Readers>,
    done: bool,
}

impl Drop for Reader {
    fn drop(&mut self) {
        // A handle on the same connection (clients are shared handles).
        let client = self.client.clone();
        if self.done {
            self.pool.put_back(client);
        } else if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let _ = client.quit().await;
            });
        }
    }
}

impl std::fmt::Debug for RedisBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBus")
            .field("command_timeout", &self.command_timeout)
            .finish_non_exhaustive()
    }
}

/// The first word of a Redis error reply for a state Redis leaves by itself: out of memory
/// under `noeviction`, loading its data set, running a long script, a replica without its
/// master or read-only after a failover, a failing snapshot refusing writes, a cluster
/// re-sharding. The command may succeed later unchanged, so these are "unavailable".
const UNAVAILABLE_REPLIES: [&str; 8] = [
    "OOM",
    "LOADING",
    "BUSY",
    "MASTERDOWN",
    "READONLY",
    "MISCONF",
    "TRYAGAIN",
    "CLUSTERDOWN",
];

/// Whether a Redis error reply (its text, e.g. `OOM command not allowed when used memory >
/// 'maxmemory'.`) means Redis is unavailable for now rather than the command being wrong.
fn unavailable_reply(details: &str) -> bool {
    let first = details.split_whitespace().next().unwrap_or_default();
    UNAVAILABLE_REPLIES.contains(&first)
}

/// Map a `fred` error to the crate's error.
fn map_err(err: Error) -> BusError {
    if unavailable_reply(err.details()) {
        return BusError::Unavailable(err.details().to_owned());
    }
    match err.kind() {
        ErrorKind::IO
        | ErrorKind::Canceled
        | ErrorKind::Timeout
        | ErrorKind::Backpressure
        | ErrorKind::Routing => BusError::Unavailable(err.to_string()),
        ErrorKind::Config | ErrorKind::Url => BusError::InvalidArgument(err.to_string()),
        _ => BusError::Command(err.details().to_owned()),
    }
}

/// Like [`map_err`], but a `NOGROUP` reply becomes [`BusError::NoGroup`].
fn group_err(stream: &StreamName, group: &str) -> impl Fn(Error) -> BusError {
    let stream = stream.as_str().to_owned();
    let group = group.to_owned();
    move |err| {
        if err.details().starts_with("NOGROUP") {
            BusError::NoGroup {
                stream: stream.clone(),
                group: group.clone(),
            }
        } else {
            map_err(err)
        }
    }
}

fn count_arg(count: usize) -> u64 {
    u64::try_from(count.max(1)).unwrap_or(u64::MAX)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn cap(maxlen: Option<usize>) -> Result<XCap, BusError> {
    match maxlen {
        None => Ok(XCap::from(None::<()>)),
        Some(n) => {
            let n = i64::try_from(n)
                .map_err(|_| BusError::InvalidArgument(format!("maxlen {n} too large")))?;
            XCap::try_from((XCapKind::MaxLen, XCapTrim::AlmostExact, n)).map_err(map_err)
        }
    }
}

/// Appends a batch in one command: `KEYS[1]` the stream, `ARGV[1]` the `MAXLEN ~` bound (empty
/// for none), then per entry its field count followed by the names and values. Returns the
/// ids. One command instead of one per entry: the client's per-command cost is what bounds a
/// pipeline of `XADD`s, not Redis.
const APPEND_SCRIPT: &str = r"
local ids = {}
local maxlen = ARGV[1]
local i = 2
local n = #ARGV
while i <= n do
  local count = tonumber(ARGV[i])
  local args
  if maxlen == '' then
    args = {KEYS[1], '*'}
  else
    args = {KEYS[1], 'MAXLEN', '~', maxlen, '*'}
  end
  for j = i + 1, i + 2 * count do
    args[#args + 1] = ARGV[j]
  end
  ids[#ids + 1] = redis.call('XADD', unpack(args))
  i = i + 1 + 2 * count
end
return ids
";

/// Most entries one script call appends: a script holds Redis for its whole run, so a long
/// batch goes as several calls (pipelined) to keep other clients' waits short.
const SCRIPT_BATCH: usize = 256;

/// The arguments of [`APPEND_SCRIPT`] for `entries`.
fn script_args(entries: &[RawFields], maxlen: Option<usize>) -> Vec<Value> {
    let per_entry = entries.first().map_or(0, |f| 1 + 2 * f.len());
    let mut args = Vec::with_capacity(1 + entries.len() * per_entry);
    args.push(Value::from(
        maxlen.map_or_else(String::new, |n| n.to_string()),
    ));
    for fields in entries {
        args.push(Value::from(fields.len() as i64));
        for (name, value) in fields {
            args.push(Value::from(name.as_str()));
            args.push(Value::from(value.as_slice()));
        }
    }
    args
}

fn field_pairs(fields: &RawFields) -> Vec<(&str, Value)> {
    fields
        .iter()
        .map(|(name, value)| (name.as_str(), Value::from(value.as_slice())))
        .collect()
}

impl RedisBus {
    /// Connect (failing if Redis cannot be reached within the command timeout) and start the
    /// background reconnect logic.
    ///
    /// An error never shows the URL's password: it reads `***` wherever the password or the
    /// URL would appear.
    pub async fn connect(config: RedisBusConfig) -> Result<RedisBus, BusError> {
        let url = config.url.clone();
        RedisBus::connect_unredacted(config)
            .await
            .map_err(|e| redact_error(e, &url))
    }

    async fn connect_unredacted(config: RedisBusConfig) -> Result<RedisBus, BusError> {
        let redis_config = Config::from_url(&config.url).map_err(map_err)?;
        let max_delay = u32::try_from(millis(config.reconnect_max_delay)).unwrap_or(u32::MAX);
        let mut builder = Builder::from_config(redis_config);
        builder
            .with_performance_config(|perf| {
                perf.default_command_timeout = config.command_timeout;
            })
            .with_connection_config(|conn| {
                conn.connection_timeout = config.command_timeout;
                conn.internal_command_timeout = config.command_timeout;
                conn.max_command_attempts = 3;
                conn.tcp.nodelay = Some(true);
            })
            .set_policy(ReconnectPolicy::new_exponential(
                0,
                50,
                max_delay.max(50),
                2,
            ));
        let client = builder.build().map_err(map_err)?;
        let readers = Arc::new(Readers {
            builder: builder.clone(),
            idle: Mutex::new(Vec::new()),
            timeout: config.command_timeout,
        });
        let limit = config.command_timeout;
        let connect = async {
            client.init().await.map_err(map_err)?;
            for _ in 0..config.blocking_connections {
                readers.put_back(readers.open().await?);
            }
            Ok::<(), BusError>(())
        };
        match tokio::time::timeout(limit, connect).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => return Err(err),
            Err(_) => {
                return Err(BusError::Unavailable(format!(
                    "no connection to {} within {limit:?}",
                    config.url
                )))
            }
        }
        Ok(RedisBus {
            client,
            readers,
            command_timeout: config.command_timeout,
            dlq_maxlen: config.dlq_maxlen,
        })
    }

    /// Check that Redis answers.
    pub async fn ping(&self) -> Result<(), BusError> {
        self.client.ping::<()>(None).await.map_err(map_err)
    }

    /// Close the connections; the bus is unusable afterwards.
    pub async fn quit(&self) -> Result<(), BusError> {
        self.readers.quit().await;
        self.client.quit().await.map_err(map_err)
    }
}

/// The password of a `redis://user:password@host` URL, if it has one.
fn url_password(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let (userinfo, _) = rest.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    (!password.is_empty()).then_some(password)
}

/// `text` with the URL written as [`redact_url`] writes it, and any other occurrence of its
/// password replaced by `***`.
pub(crate) fn redact_text(text: &str, url: &str) -> String {
    let text = text.replace(url, &redact_url(url));
    match url_password(url) {
        Some(password) => text.replace(password, "***"),
        None => text,
    }
}

/// An error of [`RedisBus::connect`] with the URL's password redacted.
fn redact_error(err: BusError, url: &str) -> BusError {
    match err {
        BusError::Unavailable(m) => BusError::Unavailable(redact_text(&m, url)),
        BusError::Command(m) => BusError::Command(redact_text(&m, url)),
        BusError::InvalidArgument(m) => BusError::InvalidArgument(redact_text(&m, url)),
        BusError::Protocol { command, detail } => BusError::Protocol {
            command,
            detail: redact_text(&detail, url),
        },
        other => other,
    }
}

#[async_trait]
impl Bus for RedisBus {
    fn dlq_maxlen(&self) -> usize {
        self.dlq_maxlen
    }

    async fn append(
        &self,
        stream: &StreamName,
        entries: &[RawFields],
        maxlen: Option<usize>,
    ) -> Result<Vec<EntryId>, BusError> {
        let key = stream.as_str();
        let replies: Vec<Value> = match entries {
            [] => Vec::new(),
            [single] => {
                let id: Value = self
                    .client
                    .xadd(key, false, cap(maxlen)?, "*", field_pairs(single))
                    .await
                    .map_err(map_err)?;
                vec![id]
            }
            many => {
                // Refuses a bound Redis cannot take, as a single XADD does.
                cap(maxlen)?;
                // Concurrent calls share the connection's pipeline (fred writes them without
                // waiting for each reply); replies come back in order.
                let calls = many.chunks(SCRIPT_BATCH).map(|chunk| {
                    self.client.eval::<Vec<Value>, _, _, _>(
                        APPEND_SCRIPT,
                        key,
                        script_args(chunk, maxlen),
                    )
                });
                let replies = futures_util::future::try_join_all(calls)
                    .await
                    .map_err(map_err)?;
                replies.into_iter().flatten().collect()
            }
        };
        let ids = replies
            .iter()
            .map(|id| reply::text("XADD", id).map(EntryId::new))
            .collect::<Result<Vec<_>, _>>()?;
        crate::telemetry::published(stream, ids.len());
        Ok(ids)
    }

    async fn ensure_group_at(
        &self,
        stream: &StreamName,
        group: &str,
        start: &EntryId,
    ) -> Result<(), BusError> {
        match self
            .client
            .xgroup_create::<Value, _, _, _>(stream.as_str(), group, start.as_str(), true)
            .await
        {
            Ok(_) => Ok(()),
            Err(err) if err.details().starts_with("BUSYGROUP") => Ok(()),
            Err(err) => Err(map_err(err)),
        }
    }

    async fn read_group(
        &self,
        stream: &StreamName,
        group: &str,
        consumer: &str,
        count: usize,
        block: Duration,
    ) -> Result<Vec<Delivery>, BusError> {
        let key = stream.as_str();
        let value: Value = if block.is_zero() {
            self.client
                .xreadgroup(
                    group,
                    consumer,
                    Some(count_arg(count)),
                    None,
                    false,
                    key,
                    ">",
                )
                .await
                .map_err(group_err(stream, group))?
        } else {
            let options = Options {
                timeout: Some(block + self.command_timeout),
                ..Options::default()
            };
            let mut reader = self.readers.acquire().await?;
            let value = reader
                .client
                .with_options(&options)
                .xreadgroup(
                    group,
                    consumer,
                    Some(count_arg(count)),
                    Some(millis(block).max(1)),
                    false,
                    key,
                    ">",
                )
                .await
                .map_err(group_err(stream, group))?;
            // Completed: the connection can serve the next read.
            reader.done = true;
            value
        };
        let deliveries = reply::read_group(value)?;
        crate::telemetry::read(stream, deliveries.len());
        Ok(deliveries)
    }

    async fn ack(
        &self,
        stream: &StreamName,
        group: &str,
        ids: &[EntryId],
    ) -> Result<u64, BusError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let ids: Vec<&str> = ids.iter().map(EntryId::as_str).collect();
        self.client
            .xack(stream.as_str(), group, ids)
            .await
            .map_err(map_err)
    }

    async fn claim_stale(
        &self,
        stream: &StreamName,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> Result<Vec<Delivery>, BusError> {
        let mut claimed = Vec::new();
        let mut cursor = "0-0".to_owned();
        loop {
            let want = count.saturating_sub(claimed.len());
            let value: Value = self
                .client
                .xautoclaim(
                    stream.as_str(),
                    group,
                    consumer,
                    millis(min_idle),
                    cursor.as_str(),
                    Some(count_arg(want)),
                    false,
                )
                .await
                .map_err(group_err(stream, group))?;
            let (next, deliveries) = reply::autoclaim(value)?;
            claimed.extend(deliveries);
            if next == "0-0" || claimed.len() >= count {
                break;
            }
            cursor = next;
        }
        crate::telemetry::read(stream, claimed.len());
        Ok(claimed)
    }

    async fn trim(&self, stream: &StreamName, maxlen: usize) -> Result<u64, BusError> {
        self.client
            .xtrim(stream.as_str(), cap(Some(maxlen))?)
            .await
            .map_err(map_err)
    }

    async fn len(&self, stream: &StreamName) -> Result<u64, BusError> {
        self.client.xlen(stream.as_str()).await.map_err(map_err)
    }

    async fn pending_count(&self, stream: &StreamName, group: &str) -> Result<u64, BusError> {
        let value: Value = self
            .client
            .xpending(stream.as_str(), group, ())
            .await
            .map_err(group_err(stream, group))?;
        let summary = reply::array("XPENDING", value)?;
        match summary.first() {
            Some(count) => reply::integer("XPENDING", count),
            None => Ok(0),
        }
    }

    async fn range(&self, stream: &StreamName, range: Range) -> Result<Vec<Delivery>, BusError> {
        let key = stream.as_str();
        let (command, value): (&'static str, Value) = match range {
            Range::Oldest(n) => (
                "XRANGE",
                self.client
                    .xrange(key, "-", "+", Some(count_arg(n)))
                    .await
                    .map_err(map_err)?,
            ),
            Range::Newest(n) => (
                "XREVRANGE",
                self.client
                    .xrevrange(key, "+", "-", Some(count_arg(n)))
                    .await
                    .map_err(map_err)?,
            ),
            Range::After(after, n) => (
                "XRANGE",
                self.client
                    .xrange(key, format!("({after}"), "+", Some(count_arg(n)))
                    .await
                    .map_err(map_err)?,
            ),
        };
        reply::entries(command, value)
    }

    async fn list_streams(&self, namespace: &Namespace) -> Result<Vec<StreamName>, BusError> {
        let pattern = namespace.pattern();
        let mut cursor = "0".to_owned();
        let mut names = Vec::new();
        loop {
            let value: Value = self
                .client
                .scan_page(
                    cursor.as_str(),
                    pattern.as_str(),
                    Some(500),
                    Some(ScanType::Stream),
                )
                .await
                .map_err(map_err)?;
            let (next, keys) = reply::scan(value)?;
            names.extend(
                keys.iter()
                    .filter_map(|key| namespace.parse_stream(key).ok()),
            );
            if next == "0" {
                break;
            }
            cursor = next;
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    async fn set_state(&self, key: &StateKey, fields: &[(String, String)]) -> Result<(), BusError> {
        if fields.is_empty() {
            return Ok(());
        }
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        self.client
            .hset::<(), _, _>(key.as_str(), pairs)
            .await
            .map_err(map_err)
    }

    async fn get_state(&self, key: &StateKey) -> Result<BTreeMap<String, String>, BusError> {
        let map: std::collections::HashMap<String, String> =
            self.client.hgetall(key.as_str()).await.map_err(map_err)?;
        Ok(map.into_iter().collect())
    }

    async fn delete_state_fields(&self, key: &StateKey, fields: &[String]) -> Result<(), BusError> {
        if fields.is_empty() {
            return Ok(());
        }
        self.client
            .hdel::<(), _, _>(key.as_str(), fields.to_vec())
            .await
            .map_err(map_err)
    }

    async fn incr_state(&self, key: &StateKey, field: &str, by: i64) -> Result<i64, BusError> {
        self.client
            .hincrby::<i64, _, _>(key.as_str(), field, by)
            .await
            .map_err(map_err)
    }

    async fn purge(&self, namespace: &Namespace) -> Result<u64, BusError> {
        let pattern = namespace.pattern();
        let mut cursor = "0".to_owned();
        let mut deleted = 0;
        loop {
            let value: Value = self
                .client
                .scan_page(cursor.as_str(), pattern.as_str(), Some(500), None)
                .await
                .map_err(map_err)?;
            let (next, keys) = reply::scan(value)?;
            if !keys.is_empty() {
                deleted += self.client.del::<u64, _>(keys).await.map_err(map_err)?;
            }
            if next == "0" {
                break;
            }
            cursor = next;
        }
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_refusals_for_now_are_unavailable() {
        let oom = Error::new(
            ErrorKind::Unknown,
            "OOM command not allowed when used memory > 'maxmemory'.",
        );
        assert!(map_err(oom).is_unavailable());
        let loading = Error::new(
            ErrorKind::Unknown,
            "LOADING Redis is loading the dataset in memory",
        );
        assert!(map_err(loading).is_unavailable());
        let busy = Error::new(ErrorKind::Unknown, "BUSY Redis is busy running a script.");
        assert!(map_err(busy).is_unavailable());
        let io = Error::new(ErrorKind::IO, "connection reset");
        assert!(map_err(io).is_unavailable());
        let busygroup = Error::new(
            ErrorKind::Unknown,
            "BUSYGROUP Consumer Group name already exists",
        );
        assert!(matches!(map_err(busygroup), BusError::Command(_)));
        let wrongtype = Error::new(
            ErrorKind::InvalidArgument,
            "WRONGTYPE Operation against a key holding the wrong kind of value",
        );
        assert!(!map_err(wrongtype).is_unavailable());
    }

    #[test]
    fn the_password_never_shows() {
        let url = "redis://:s3cret-pw@10.0.0.7:6380/2";
        assert_eq!(
            redact_text(&format!("no connection to {url} within 2s"), url),
            "no connection to redis://:***@10.0.0.7:6380/2 within 2s"
        );
        assert_eq!(
            redact_text("auth s3cret-pw refused", url),
            "auth *** refused"
        );
        assert_eq!(
            redact_text("plain text", "redis://127.0.0.1:6379"),
            "plain text"
        );
        let config = RedisBusConfig::new(url);
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret-pw"), "{shown}");
        assert!(shown.contains("redis://:***@10.0.0.7:6380/2"), "{shown}");
    }

    /// A server that accepts connections and never answers: the connect times out, and its
    /// error, which names the URL, shows no password.
    #[tokio::test]
    async fn a_connect_error_shows_no_password() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let url = format!("redis://:hunter2-pw@127.0.0.1:{port}");
        let config = RedisBusConfig {
            command_timeout: Duration::from_millis(300),
            ..RedisBusConfig::new(url)
        };
        let err = RedisBus::connect(config)
            .await
            .expect_err("a silent server is no Redis");
        let shown = err.to_string();
        assert!(err.is_unavailable(), "{shown}");
        assert!(!shown.contains("hunter2-pw"), "{shown}");
        assert!(shown.contains(":***@127.0.0.1"), "{shown}");
        drop(listener);
    }
}
