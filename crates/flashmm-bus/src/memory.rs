//! An in-process [`Bus`] with Redis Streams semantics: ids, consumer groups, pending entries,
//! acks, claims by idle time and trimming. For unit tests and the backtester.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::bus::{Bus, Delivery, EntryId, Payload, Range};
use crate::envelope::RawFields;
use crate::error::{BusError, FieldsError};
use crate::stream::{Namespace, StateKey, StreamName};

type Id = (u64, u64);

/// An in-memory bus; clones share the same streams.
#[derive(Debug, Clone, Default)]
pub struct MemoryBus {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    state: Mutex<State>,
    appended: Notify,
}

#[derive(Debug, Default)]
struct State {
    streams: HashMap<String, Stream>,
    hashes: HashMap<String, BTreeMap<String, String>>,
}

impl State {
    /// The entries of `stream` and its consumer group `group`; [`BusError::NoGroup`] when
    /// either is missing.
    fn group_mut(
        &mut self,
        stream: &StreamName,
        group: &str,
    ) -> Result<(&BTreeMap<Id, RawFields>, &mut Group), BusError> {
        let s = self
            .streams
            .get_mut(stream.as_str())
            .ok_or_else(|| no_group(stream, group))?;
        let g = s
            .groups
            .get_mut(group)
            .ok_or_else(|| no_group(stream, group))?;
        Ok((&s.entries, g))
    }
}

#[derive(Debug, Default)]
struct Stream {
    entries: BTreeMap<Id, RawFields>,
    last: Id,
    groups: HashMap<String, Group>,
}

#[derive(Debug, Default)]
struct Group {
    last_delivered: Id,
    pending: BTreeMap<Id, Pending>,
}

#[derive(Debug)]
struct Pending {
    consumer: String,
    delivered_at: Instant,
}

fn format_id(id: Id) -> EntryId {
    EntryId::new(format!("{}-{}", id.0, id.1))
}

fn parse_id(id: &EntryId) -> Result<Id, BusError> {
    id.parts()
        .ok_or_else(|| BusError::InvalidArgument(format!("bad entry id {:?}", id.as_str())))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

fn no_group(stream: &StreamName, group: &str) -> BusError {
    BusError::NoGroup {
        stream: stream.as_str().to_owned(),
        group: group.to_owned(),
    }
}

fn delivery(id: Id, fields: &RawFields) -> Delivery {
    Delivery {
        id: format_id(id),
        payload: Payload::from_fields(fields.clone()),
    }
}

impl MemoryBus {
    /// An empty bus.
    pub fn new() -> Self {
        MemoryBus::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Deliver up to `count` new entries to `consumer`, or `Ok(empty)` when there are none.
    fn take_new(
        &self,
        stream: &StreamName,
        group: &str,
        consumer: &str,
        count: usize,
    ) -> Result<Vec<Delivery>, BusError> {
        let mut state = self.lock();
        let (entries, g) = state.group_mut(stream, group)?;
        let start = (g.last_delivered.0, g.last_delivered.1.saturating_add(1));
        let now = Instant::now();
        let mut out = Vec::new();
        for (id, fields) in entries.range(start..).take(count) {
            g.last_delivered = *id;
            g.pending.insert(
                *id,
                Pending {
                    consumer: consumer.to_owned(),
                    delivered_at: now,
                },
            );
            out.push(delivery(*id, fields));
        }
        crate::telemetry::read(stream, out.len());
        Ok(out)
    }
}

#[async_trait]
impl Bus for MemoryBus {
    async fn append(
        &self,
        stream: &StreamName,
        entries: &[RawFields],
        maxlen: Option<usize>,
    ) -> Result<Vec<EntryId>, BusError> {
        let mut ids = Vec::with_capacity(entries.len());
        {
            let mut state = self.lock();
            let s = state.streams.entry(stream.as_str().to_owned()).or_default();
            for fields in entries {
                let ms = now_ms();
                let id = if ms > s.last.0 {
                    (ms, 0)
                } else {
                    (s.last.0, s.last.1.saturating_add(1))
                };
                s.last = id;
                s.entries.insert(id, fields.clone());
                ids.push(format_id(id));
            }
            if let Some(maxlen) = maxlen {
                while s.entries.len() > maxlen {
                    s.entries.pop_first();
                }
            }
        }
        self.inner.appended.notify_waiters();
        crate::telemetry::published(stream, ids.len());
        Ok(ids)
    }

    async fn ensure_group_at(
        &self,
        stream: &StreamName,
        group: &str,
        start: &EntryId,
    ) -> Result<(), BusError> {
        let start = if start.as_str() == "0" {
            (0, 0)
        } else {
            parse_id(start)?
        };
        let mut state = self.lock();
        let s = state.streams.entry(stream.as_str().to_owned()).or_default();
        s.groups.entry(group.to_owned()).or_insert_with(|| Group {
            last_delivered: start,
            pending: BTreeMap::new(),
        });
        Ok(())
    }

    async fn read_group(
        &self,
        stream: &StreamName,
        group: &str,
        consumer: &str,
        count: usize,
        block: Duration,
    ) -> Result<Vec<Delivery>, BusError> {
        let deadline = Instant::now() + block;
        loop {
            let notified = self.inner.appended.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let found = self.take_new(stream, group, consumer, count)?;
            if !found.is_empty() || Instant::now() >= deadline {
                return Ok(found);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.take_new(stream, group, consumer, count);
            }
        }
    }

    async fn ack(
        &self,
        stream: &StreamName,
        group: &str,
        ids: &[EntryId],
    ) -> Result<u64, BusError> {
        let parsed = ids.iter().map(parse_id).collect::<Result<Vec<_>, _>>()?;
        let mut state = self.lock();
        let Some(g) = state
            .streams
            .get_mut(stream.as_str())
            .and_then(|s| s.groups.get_mut(group))
        else {
            return Ok(0);
        };
        let removed = parsed
            .iter()
            .filter(|id| g.pending.remove(id).is_some())
            .count();
        Ok(removed as u64)
    }

    async fn claim_stale(
        &self,
        stream: &StreamName,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> Result<Vec<Delivery>, BusError> {
        let mut state = self.lock();
        let (entries, g) = state.group_mut(stream, group)?;
        let now = Instant::now();
        let mut out = Vec::new();
        let mut deleted = Vec::new();
        for (id, pending) in g.pending.iter_mut() {
            if out.len() >= count {
                break;
            }
            if now.duration_since(pending.delivered_at) < min_idle {
                continue;
            }
            match entries.get(id) {
                Some(fields) => {
                    pending.consumer = consumer.to_owned();
                    pending.delivered_at = now;
                    out.push(delivery(*id, fields));
                }
                None => deleted.push(*id),
            }
        }
        for id in deleted {
            g.pending.remove(&id);
            out.push(Delivery {
                id: format_id(id),
                payload: Payload::Malformed {
                    fields: Vec::new(),
                    error: FieldsError::Deleted,
                },
            });
        }
        crate::telemetry::read(stream, out.len());
        Ok(out)
    }

    async fn trim(&self, stream: &StreamName, maxlen: usize) -> Result<u64, BusError> {
        let mut state = self.lock();
        let Some(s) = state.streams.get_mut(stream.as_str()) else {
            return Ok(0);
        };
        let mut removed = 0;
        while s.entries.len() > maxlen {
            s.entries.pop_first();
            removed += 1;
        }
        Ok(removed)
    }

    async fn len(&self, stream: &StreamName) -> Result<u64, BusError> {
        let state = self.lock();
        Ok(state
            .streams
            .get(stream.as_str())
            .map_or(0, |s| s.entries.len() as u64))
    }

    async fn pending_count(&self, stream: &StreamName, group: &str) -> Result<u64, BusError> {
        let state = self.lock();
        state
            .streams
            .get(stream.as_str())
            .and_then(|s| s.groups.get(group))
            .map(|g| g.pending.len() as u64)
            .ok_or_else(|| no_group(stream, group))
    }

    async fn range(&self, stream: &StreamName, range: Range) -> Result<Vec<Delivery>, BusError> {
        let state = self.lock();
        let Some(s) = state.streams.get(stream.as_str()) else {
            return Ok(Vec::new());
        };
        let out = match range {
            Range::Oldest(n) => s
                .entries
                .iter()
                .take(n)
                .map(|(id, f)| delivery(*id, f))
                .collect(),
            Range::Newest(n) => s
                .entries
                .iter()
                .rev()
                .take(n)
                .map(|(id, f)| delivery(*id, f))
                .collect(),
            Range::After(after, n) => {
                let after = parse_id(&after)?;
                s.entries
                    .range((after.0, after.1.saturating_add(1))..)
                    .filter(|(id, _)| **id > after)
                    .take(n)
                    .map(|(id, f)| delivery(*id, f))
                    .collect()
            }
        };
        Ok(out)
    }

    async fn list_streams(&self, namespace: &Namespace) -> Result<Vec<StreamName>, BusError> {
        let state = self.lock();
        let mut names = state
            .streams
            .keys()
            .filter_map(|key| namespace.parse_stream(key).ok())
            .collect::<Vec<_>>();
        names.sort();
        Ok(names)
    }

    async fn set_state(&self, key: &StateKey, fields: &[(String, String)]) -> Result<(), BusError> {
        let mut state = self.lock();
        let hash = state.hashes.entry(key.as_str().to_owned()).or_default();
        hash.extend(fields.iter().cloned());
        Ok(())
    }

    async fn get_state(&self, key: &StateKey) -> Result<BTreeMap<String, String>, BusError> {
        let state = self.lock();
        Ok(state.hashes.get(key.as_str()).cloned().unwrap_or_default())
    }

    async fn delete_state_fields(&self, key: &StateKey, fields: &[String]) -> Result<(), BusError> {
        let mut state = self.lock();
        if let Some(hash) = state.hashes.get_mut(key.as_str()) {
            for field in fields {
                hash.remove(field);
            }
        }
        Ok(())
    }

    async fn incr_state(&self, key: &StateKey, field: &str, by: i64) -> Result<i64, BusError> {
        let mut state = self.lock();
        let hash = state.hashes.entry(key.as_str().to_owned()).or_default();
        let current = match hash.get(field) {
            Some(v) => v.parse::<i64>().map_err(|_| {
                BusError::Command(format!("{}: field {field} is not an integer", key.as_str()))
            })?,
            None => 0,
        };
        let next = current.checked_add(by).ok_or_else(|| {
            BusError::Command(format!("{}: field {field} would overflow", key.as_str()))
        })?;
        hash.insert(field.to_owned(), next.to_string());
        Ok(next)
    }

    async fn purge(&self, namespace: &Namespace) -> Result<u64, BusError> {
        let prefix = format!("{}:", namespace.as_str());
        let mut state = self.lock();
        let before = state.streams.len() + state.hashes.len();
        state.streams.retain(|key, _| !key.starts_with(&prefix));
        state.hashes.retain(|key, _| !key.starts_with(&prefix));
        let after = state.streams.len() + state.hashes.len();
        Ok((before - after) as u64)
    }
}
