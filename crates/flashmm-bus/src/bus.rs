//! The transport contract shared by [`RedisBus`](crate::RedisBus) and
//! [`MemoryBus`](crate::MemoryBus): append, consumer groups, acks, claims, trimming, state hashes.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;

use crate::envelope::{Envelope, RawFields};
use crate::error::{BusError, FieldsError};
use crate::stream::{Namespace, StateKey, StreamName};

/// A stream entry id as Redis writes it, `<ms>-<seq>`; ordered as Redis orders ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntryId(String);

impl EntryId {
    /// Wrap an id read from Redis or typed by an operator.
    pub fn new(id: impl Into<String>) -> Self {
        EntryId(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as `(ms, seq)`, or `None` when it is not of the form `<ms>-<seq>`.
    pub fn parts(&self) -> Option<(u64, u64)> {
        let (ms, seq) = self.0.split_once('-')?;
        Some((ms.parse().ok()?, seq.parse().ok()?))
    }
}

impl Ord for EntryId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self.parts(), other.parts()) {
            (Some(a), Some(b)) => a.cmp(&b).then_with(|| self.0.cmp(&other.0)),
            _ => self.0.cmp(&other.0),
        }
    }
}

impl PartialOrd for EntryId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What an entry held: an envelope, or fields that do not form one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// The fields parsed as an envelope (its body is not decoded yet).
    Envelope(Envelope),
    /// The fields did not parse; kept raw for the dead-letter stream.
    Malformed {
        /// The entry's fields as stored.
        fields: RawFields,
        /// Why they are not an envelope.
        error: FieldsError,
    },
}

impl Payload {
    /// Parse raw fields into a payload.
    pub fn from_fields(fields: RawFields) -> Payload {
        match Envelope::from_fields(&fields) {
            Ok(envelope) => Payload::Envelope(envelope),
            Err(error) => Payload::Malformed { fields, error },
        }
    }

    /// The fields as stored (re-encoded for a parsed envelope).
    pub fn raw_fields(&self) -> RawFields {
        match self {
            Payload::Envelope(envelope) => envelope.to_fields(),
            Payload::Malformed { fields, .. } => fields.clone(),
        }
    }
}

/// One entry handed to a consumer, read or claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The entry id, to ack.
    pub id: EntryId,
    /// What the entry held.
    pub payload: Payload,
}

/// Which entries [`Bus::range`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Range {
    /// The oldest `n` entries, oldest first (`XRANGE - + COUNT n`).
    Oldest(usize),
    /// The newest `n` entries, newest first (`XREVRANGE + - COUNT n`).
    Newest(usize),
    /// Up to `n` entries after the id, oldest first (`XRANGE (id + COUNT n`), to follow a stream.
    After(EntryId, usize),
}

/// A Redis-Streams-like transport. Every consumer reads through a group and acks after its
/// output is written; entries of a dead consumer are taken over with [`Bus::claim_stale`].
#[async_trait]
pub trait Bus: Send + Sync {
    /// Append entries in one round trip, optionally trimming the stream to about `maxlen`
    /// (`MAXLEN ~`) as they go; returns the new ids in order.
    async fn append(
        &self,
        stream: &StreamName,
        entries: &[RawFields],
        maxlen: Option<usize>,
    ) -> Result<Vec<EntryId>, BusError>;

    /// Create the consumer group reading from the stream's start, creating the stream if
    /// needed; a group that already exists is left as it is.
    async fn ensure_group(&self, stream: &StreamName, group: &str) -> Result<(), BusError> {
        self.ensure_group_at(stream, group, &EntryId::new("0"))
            .await
    }

    /// Create the consumer group delivering the entries after `start` (`0`: every entry),
    /// creating the stream if needed (`XGROUP CREATE ... MKSTREAM`); a group that already
    /// exists is left as it is.
    async fn ensure_group_at(
        &self,
        stream: &StreamName,
        group: &str,
        start: &EntryId,
    ) -> Result<(), BusError>;

    /// Read up to `count` entries never delivered to the group, waiting up to `block` for one
    /// to arrive (`Duration::ZERO` returns at once). They stay pending until acked.
    async fn read_group(
        &self,
        stream: &StreamName,
        group: &str,
        consumer: &str,
        count: usize,
        block: Duration,
    ) -> Result<Vec<Delivery>, BusError>;

    /// Acknowledge entries; returns how many were pending.
    async fn ack(&self, stream: &StreamName, group: &str, ids: &[EntryId])
        -> Result<u64, BusError>;

    /// Take over up to `count` entries pending in the group for at least `min_idle`
    /// (`XAUTOCLAIM`), e.g. a dead consumer's; they are redelivered to `consumer`. Pending
    /// entries already trimmed from the stream are dropped from the pending list and returned
    /// as [`Payload::Malformed`] with [`FieldsError::Deleted`], so the loss is visible.
    async fn claim_stale(
        &self,
        stream: &StreamName,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> Result<Vec<Delivery>, BusError>;

    /// Trim the stream to about `maxlen` entries (`MAXLEN ~`); returns how many were removed.
    async fn trim(&self, stream: &StreamName, maxlen: usize) -> Result<u64, BusError>;

    /// The number of entries in the stream.
    async fn len(&self, stream: &StreamName) -> Result<u64, BusError>;

    /// The number of entries delivered to the group and not yet acked.
    async fn pending_count(&self, stream: &StreamName, group: &str) -> Result<u64, BusError>;

    /// Entries for tools, without a group (nothing becomes pending).
    async fn range(&self, stream: &StreamName, range: Range) -> Result<Vec<Delivery>, BusError>;

    /// The streams under a namespace (`SCAN MATCH {ns}:* TYPE stream`), sorted.
    async fn list_streams(&self, namespace: &Namespace) -> Result<Vec<StreamName>, BusError>;

    /// Set fields of a state hash (`HSET`).
    async fn set_state(&self, key: &StateKey, fields: &[(String, String)]) -> Result<(), BusError>;

    /// Read a state hash (`HGETALL`); empty when absent.
    async fn get_state(&self, key: &StateKey) -> Result<BTreeMap<String, String>, BusError>;

    /// Delete fields of a state hash (`HDEL`); absent fields are ignored.
    async fn delete_state_fields(&self, key: &StateKey, fields: &[String]) -> Result<(), BusError>;

    /// Adds `by` to an integer field of a state hash atomically (`HINCRBY`; an absent field
    /// counts as 0) and returns the new value.
    async fn incr_state(&self, key: &StateKey, field: &str, by: i64) -> Result<i64, BusError>;

    /// Delete every key under a namespace (streams, groups, state); returns how many.
    async fn purge(&self, namespace: &Namespace) -> Result<u64, BusError>;

    /// About how many entries [`Bus::dead_letter`] keeps in `{ns}:dlq` (`MAXLEN ~`).
    fn dlq_maxlen(&self) -> usize {
        DEFAULT_DLQ_MAXLEN
    }

    /// Append one envelope.
    async fn publish(&self, stream: &StreamName, envelope: &Envelope) -> Result<EntryId, BusError> {
        self.publish_capped(stream, envelope, None).await
    }

    /// Append one envelope, trimming the stream to about `maxlen` entries if given.
    async fn publish_capped(
        &self,
        stream: &StreamName,
        envelope: &Envelope,
        maxlen: Option<usize>,
    ) -> Result<EntryId, BusError> {
        let ids = self.append(stream, &[envelope.to_fields()], maxlen).await?;
        ids.into_iter().next().ok_or(BusError::Protocol {
            command: "XADD",
            detail: "no id returned".to_owned(),
        })
    }

    /// Append envelopes in one pipelined round trip; returns their ids in order.
    async fn publish_batch(
        &self,
        stream: &StreamName,
        envelopes: &[Envelope],
        maxlen: Option<usize>,
    ) -> Result<Vec<EntryId>, BusError> {
        let entries: Vec<RawFields> = envelopes.iter().map(Envelope::to_fields).collect();
        self.append(stream, &entries, maxlen).await
    }

    /// Append arbitrary fields (tools, replays and tests of malformed entries).
    async fn publish_raw(
        &self,
        stream: &StreamName,
        fields: &RawFields,
    ) -> Result<EntryId, BusError> {
        let ids = self
            .append(stream, std::slice::from_ref(fields), None)
            .await?;
        ids.into_iter().next().ok_or(BusError::Protocol {
            command: "XADD",
            detail: "no id returned".to_owned(),
        })
    }

    /// Copy an entry to `{ns}:dlq` of the source stream's namespace with fields `source`, `id`,
    /// `reason`, then the original fields with their names prefixed by `orig.`. The dead-letter
    /// stream is trimmed to about [`Bus::dlq_maxlen`] entries as it goes (`MAXLEN ~`), and each
    /// entry is counted in `flashmm_bus_dead_letters_total{stream,reason}`, `reason` being
    /// the reason's label: its text up to the first `:` (write reasons as `label: detail`).
    async fn dead_letter(
        &self,
        source: &StreamName,
        id: &EntryId,
        fields: &RawFields,
        reason: &str,
    ) -> Result<EntryId, BusError> {
        let mut entry: RawFields = vec![
            ("source".to_owned(), source.as_str().as_bytes().to_vec()),
            ("id".to_owned(), id.as_str().as_bytes().to_vec()),
            ("reason".to_owned(), reason.as_bytes().to_vec()),
        ];
        entry.extend(
            fields
                .iter()
                .map(|(name, value)| (format!("orig.{name}"), value.clone())),
        );
        let ids = self
            .append(&source.namespace().dlq(), &[entry], Some(self.dlq_maxlen()))
            .await?;
        crate::telemetry::dead_letter(source, reason_label(reason));
        ids.into_iter().next().ok_or(BusError::Protocol {
            command: "XADD",
            detail: "no id returned".to_owned(),
        })
    }
}

/// How many entries `{ns}:dlq` keeps by default (`FLASHMM_DLQ_MAXLEN` overrides it for the
/// services, [`RedisBusConfig::dlq_maxlen`](crate::RedisBusConfig) for a bus).
pub const DEFAULT_DLQ_MAXLEN: usize = 10_000;

/// The label of a dead-letter reason, `label: detail` → `label`; `other` for a reason without
/// one, so that the metric's label values stay few.
fn reason_label(reason: &str) -> &str {
    let label = reason.split(':').next().unwrap_or_default().trim();
    let plain = !label.is_empty()
        && label.len() <= 32
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if plain {
        label
    } else {
        "other"
    }
}

/// A shared bus is a bus, so `Arc<dyn Bus>` can pick the transport at run time.
#[async_trait]
impl<B: Bus + ?Sized> Bus for std::sync::Arc<B> {
    async fn append(
        &self,
        stream: &StreamName,
        entries: &[RawFields],
        maxlen: Option<usize>,
    ) -> Result<Vec<EntryId>, BusError> {
        (**self).append(stream, entries, maxlen).await
    }

    async fn ensure_group(&self, stream: &StreamName, group: &str) -> Result<(), BusError> {
        (**self).ensure_group(stream, group).await
    }

    async fn ensure_group_at(
        &self,
        stream: &StreamName,
        group: &str,
        start: &EntryId,
    ) -> Result<(), BusError> {
        (**self).ensure_group_at(stream, group, start).await
    }

    fn dlq_maxlen(&self) -> usize {
        (**self).dlq_maxlen()
    }

    async fn read_group(
        &self,
        stream: &StreamName,
        group: &str,
        consumer: &str,
        count: usize,
        block: Duration,
    ) -> Result<Vec<Delivery>, BusError> {
        (**self)
            .read_group(stream, group, consumer, count, block)
            .await
    }

    async fn ack(
        &self,
        stream: &StreamName,
        group: &str,
        ids: &[EntryId],
    ) -> Result<u64, BusError> {
        (**self).ack(stream, group, ids).await
    }

    async fn claim_stale(
        &self,
        stream: &StreamName,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> Result<Vec<Delivery>, BusError> {
        (**self)
            .claim_stale(stream, group, consumer, min_idle, count)
            .await
    }

    async fn trim(&self, stream: &StreamName, maxlen: usize) -> Result<u64, BusError> {
        (**self).trim(stream, maxlen).await
    }

    async fn len(&self, stream: &StreamName) -> Result<u64, BusError> {
        (**self).len(stream).await
    }

    async fn pending_count(&self, stream: &StreamName, group: &str) -> Result<u64, BusError> {
        (**self).pending_count(stream, group).await
    }

    async fn range(&self, stream: &StreamName, range: Range) -> Result<Vec<Delivery>, BusError> {
        (**self).range(stream, range).await
    }

    async fn list_streams(&self, namespace: &Namespace) -> Result<Vec<StreamName>, BusError> {
        (**self).list_streams(namespace).await
    }

    async fn set_state(&self, key: &StateKey, fields: &[(String, String)]) -> Result<(), BusError> {
        (**self).set_state(key, fields).await
    }

    async fn get_state(&self, key: &StateKey) -> Result<BTreeMap<String, String>, BusError> {
        (**self).get_state(key).await
    }

    async fn delete_state_fields(&self, key: &StateKey, fields: &[String]) -> Result<(), BusError> {
        (**self).delete_state_fields(key, fields).await
    }

    async fn incr_state(&self, key: &StateKey, field: &str, by: i64) -> Result<i64, BusError> {
        (**self).incr_state(key, field, by).await
    }

    async fn purge(&self, namespace: &Namespace) -> Result<u64, BusError> {
        (**self).purge(namespace).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_labels_stay_few() {
        assert_eq!(reason_label("bad_body: missing field"), "bad_body");
        assert_eq!(reason_label("deleted"), "deleted");
        assert_eq!(reason_label("Some free text, no label"), "other");
        assert_eq!(reason_label(""), "other");
    }
}
