//! A typed consumer: claims a dead predecessor's entries, reads new ones, decodes them as `T`,
//! dead-letters what it cannot decode, and leaves acking good entries to the caller.

use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flashmm_core::time::UnixNanos;
use tokio::time::Instant;

use crate::bus::{Bus, Delivery, EntryId, Payload, Range};
use crate::envelope::{Envelope, RawFields};
use crate::error::{BusError, FieldsError};
use crate::progress::{LoopStamp, Progress};
use crate::stream::StreamName;
use crate::telemetry;
use flashmm_core::message::Decodable;

/// How a [`Consumer`] reads.
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    /// The consumer group, one per service role (e.g. `feature`).
    pub group: String,
    /// This consumer's name within the group, stable across restarts of the same instance.
    pub name: String,
    /// Most entries per read or claim.
    pub batch: usize,
    /// How long one read waits for new entries.
    pub block: Duration,
    /// How long an entry must sit unacked before another consumer takes it over.
    pub min_idle: Duration,
    /// How often to look for stale entries after the first look at start.
    pub claim_every: Duration,
}

impl ConsumerConfig {
    /// Defaults: batches of 128, 1 s block, claim entries idle for 30 s, look every 10 s.
    pub fn new(group: impl Into<String>, name: impl Into<String>) -> Self {
        ConsumerConfig {
            group: group.into(),
            name: name.into(),
            batch: 128,
            block: Duration::from_secs(1),
            min_idle: Duration::from_secs(30),
            claim_every: Duration::from_secs(10),
        }
    }
}

/// The envelope fields that travel with a decoded message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// The market, empty on global streams.
    pub mkt: String,
    /// When the entry was created.
    pub ts: UnixNanos,
    /// When ingest received the venue message that caused it.
    pub origin_ts: UnixNanos,
    /// The schema version on the entry.
    pub v: u16,
}

impl From<&Envelope> for Meta {
    fn from(envelope: &Envelope) -> Self {
        Meta {
            mkt: envelope.mkt.clone(),
            ts: envelope.ts,
            origin_ts: envelope.origin_ts,
            v: envelope.v,
        }
    }
}

/// A decoded entry; ack its `id` once the output it caused is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Received<T> {
    /// The entry id, to pass to [`Consumer::ack`].
    pub id: EntryId,
    /// The decoded body.
    pub msg: T,
    /// The envelope's other fields.
    pub meta: Meta,
}

/// Reads `T` messages from one stream through a consumer group.
///
/// Each [`next_batch`](Consumer::next_batch) first takes over entries left pending by a dead
/// consumer (at start, then every `claim_every`), otherwise reads new ones. Entries it cannot
/// decode go to `{ns}:dlq` with the reason and are acked; the rest are returned unacked.
///
/// # Redis coming back empty
/// When Redis answers `NOGROUP` (emptied by `FLUSHALL`, or restarted without persistence: the
/// stream and its groups are gone), the consumer creates its group again
/// (`XGROUP CREATE ... MKSTREAM`), logs it once and counts it in
/// `flashmm_bus_groups_recreated_total`, and goes on reading. The group starts at `0`, so
/// every entry of the new stream is read: after a flush the stream holds only what producers
/// wrote since, none of which this consumer has seen. Only when the entry this consumer read
/// last is still in the stream (the group was deleted, the stream kept) does the group start
/// after it, so nothing read before (a command on `cmd:exec`, say) is delivered again.
/// Entries that were pending in the lost group are gone with it; their acks count nothing.
///
/// # Progress
/// Each completed round (entries or an empty read after `block`) stamps the consumer's
/// [`LoopStamp`] in its [`Progress`] registry; a round that fails does not, so a consumer
/// stuck retrying an error shows as stalled in its service's heartbeat
/// ([`progress`](crate::progress)).
#[derive(Debug)]
pub struct Consumer<T, B> {
    bus: B,
    stream: StreamName,
    config: ConsumerConfig,
    next_claim: Instant,
    /// The newest entry id delivered to this consumer.
    last_read: Option<EntryId>,
    progress: Arc<LoopStamp>,
    /// Ids handed to [`Consumer::ack_in_background`] and not sent yet.
    acks: Arc<Mutex<Vec<EntryId>>>,
    _msg: PhantomData<fn() -> T>,
}

/// How long [`Consumer::ack_in_background`] gathers ids before it sends them in one `XACK`.
pub const ACK_DELAY: Duration = Duration::from_millis(20);

impl<T: Decodable, B: Bus> Consumer<T, B> {
    /// Create the group if needed; the first batch then claims stale entries. The consumer's
    /// progress is watched by the process-wide [`Progress::global`].
    pub async fn start(
        bus: B,
        stream: StreamName,
        config: ConsumerConfig,
    ) -> Result<Self, BusError> {
        Consumer::start_with(bus, stream, config, &Progress::global()).await
    }

    /// [`Consumer::start`] with the consumer's progress watched by `progress`.
    pub async fn start_with(
        bus: B,
        stream: StreamName,
        config: ConsumerConfig,
        progress: &Progress,
    ) -> Result<Self, BusError> {
        bus.ensure_group(&stream, &config.group).await?;
        let progress = progress.register(format!("{stream} (group {})", config.group));
        Ok(Consumer {
            bus,
            stream,
            config,
            next_claim: Instant::now(),
            last_read: None,
            progress,
            acks: Arc::default(),
            _msg: PhantomData,
        })
    }

    /// The stream read.
    pub fn stream(&self) -> &StreamName {
        &self.stream
    }

    /// The bus read from, e.g. to publish outputs.
    pub fn bus(&self) -> &B {
        &self.bus
    }

    /// The next decoded entries; empty when none arrived within `block`, or when the group
    /// was found gone and created again. On an error nothing is lost: entries not yet acked
    /// stay pending and are claimed again later.
    pub async fn next_batch(&mut self) -> Result<Vec<Received<T>>, BusError> {
        let batch = match self.round().await {
            Ok(batch) => batch,
            Err(BusError::NoGroup { .. }) => {
                self.recreate_group().await?;
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        self.progress.tick();
        Ok(batch)
    }

    /// Creates the group again after `NOGROUP` (see "Redis coming back empty" above).
    async fn recreate_group(&mut self) -> Result<(), BusError> {
        let start = match self.last_read.clone() {
            Some(id) if self.still_in_stream(&id).await? => id,
            _ => EntryId::new("0"),
        };
        self.bus
            .ensure_group_at(&self.stream, &self.config.group, &start)
            .await?;
        telemetry::group_recreated(&self.stream, &self.config.group);
        tracing::warn!(
            stream = %self.stream,
            group = %self.config.group,
            start = %start,
            "consumer group was gone (Redis emptied or the group deleted); created it again"
        );
        self.next_claim = Instant::now();
        Ok(())
    }

    /// Whether the entry `id` is still in the stream.
    async fn still_in_stream(&self, id: &EntryId) -> Result<bool, BusError> {
        let before = match id.parts() {
            Some((ms, seq)) if seq > 0 => format!("{ms}-{}", seq - 1),
            Some((ms, _)) if ms > 0 => format!("{}-{}", ms - 1, u64::MAX),
            _ => return Ok(false),
        };
        let first = self
            .bus
            .range(&self.stream, Range::After(EntryId::new(before), 1))
            .await?;
        Ok(first.first().is_some_and(|d| &d.id == id))
    }

    /// Claims stale entries when due, else reads new ones.
    async fn round(&mut self) -> Result<Vec<Received<T>>, BusError> {
        let batch = self.config.batch.max(1);
        if Instant::now() >= self.next_claim {
            let claimed = self
                .bus
                .claim_stale(
                    &self.stream,
                    &self.config.group,
                    &self.config.name,
                    self.config.min_idle,
                    batch,
                )
                .await?;
            if claimed.len() < batch {
                self.next_claim = Instant::now() + self.config.claim_every;
            }
            if !claimed.is_empty() {
                self.note_read(&claimed);
                return self.process(claimed).await;
            }
        }
        let read = self
            .bus
            .read_group(
                &self.stream,
                &self.config.group,
                &self.config.name,
                batch,
                self.config.block,
            )
            .await?;
        self.note_read(&read);
        self.process(read).await
    }

    fn note_read(&mut self, deliveries: &[Delivery]) {
        if let Some(newest) = deliveries.iter().map(|d| &d.id).max() {
            if self.last_read.as_ref().is_none_or(|last| newest > last) {
                self.last_read = Some(newest.clone());
            }
        }
    }

    /// Acknowledge processed entries.
    pub async fn ack(&self, ids: &[EntryId]) -> Result<u64, BusError> {
        self.bus.ack(&self.stream, &self.config.group, ids).await
    }

    async fn process(&self, deliveries: Vec<Delivery>) -> Result<Vec<Received<T>>, BusError> {
        let mut good = Vec::with_capacity(deliveries.len());
        let mut rejected = Vec::new();
        for Delivery { id, payload } in deliveries {
            match payload {
                Payload::Envelope(envelope) => match T::decode(&envelope) {
                    Ok(msg) => good.push(Received {
                        id,
                        meta: Meta::from(&envelope),
                        msg,
                    }),
                    Err(err) => {
                        let reason = format!("{}: {err}", err.label());
                        self.reject(&id, &envelope.to_fields(), err.label(), &reason)
                            .await?;
                        rejected.push(id);
                    }
                },
                Payload::Malformed { fields, error } => {
                    let label = match error {
                        FieldsError::Deleted => "deleted",
                        _ => "malformed_fields",
                    };
                    let reason = format!("{label}: {error}");
                    self.reject(&id, &fields, label, &reason).await?;
                    rejected.push(id);
                }
            }
        }
        if !rejected.is_empty() {
            self.ack(&rejected).await?;
        }
        Ok(good)
    }

    async fn reject(
        &self,
        id: &EntryId,
        fields: &RawFields,
        label: &'static str,
        reason: &str,
    ) -> Result<(), BusError> {
        telemetry::decode_error(&self.stream, label);
        tracing::warn!(stream = %self.stream, %id, reason, "dead-lettering entry");
        self.bus
            .dead_letter(&self.stream, id, fields, reason)
            .await?;
        Ok(())
    }
}

impl<T: Decodable, B: Bus + Clone + 'static> Consumer<T, B> {
    /// Acknowledges processed entries on a task of their own, so the next read does not wait
    /// for the reply. Ids handed over within [`ACK_DELAY`] of each other go in one `XACK`: a
    /// message per hop no longer costs the hop an `XACK` round trip, which on a small host
    /// wakes Redis and this service again while the next hop runs. A failed ack is logged and
    /// the entries are delivered again (claimed after `min_idle`), as with [`Consumer::ack`];
    /// after a crash, up to [`ACK_DELAY`] of processed entries are delivered again.
    pub fn ack_in_background(&self, ids: Vec<EntryId>) {
        if ids.is_empty() {
            return;
        }
        let first = {
            let mut acks = self.acks.lock().unwrap_or_else(|e| e.into_inner());
            let first = acks.is_empty();
            acks.extend(ids);
            first
        };
        if !first {
            return;
        }
        let bus = self.bus.clone();
        let stream = self.stream.clone();
        let group = self.config.group.clone();
        let acks = Arc::clone(&self.acks);
        tokio::spawn(async move {
            tokio::time::sleep(ACK_DELAY).await;
            let ids = std::mem::take(&mut *acks.lock().unwrap_or_else(|e| e.into_inner()));
            if let Err(e) = bus.ack(&stream, &group, &ids).await {
                tracing::warn!(stream = %stream.as_str(), error = %e, "ack failed; entries will be redelivered");
            }
        });
    }
}
