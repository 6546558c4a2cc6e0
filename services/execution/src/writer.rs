//! [`Writer`]: every Redis write of execution, done in order by one task off the decision
//! loop, so a decision never waits for Redis.
//!
//! The engine renders what to write (`state.rs`) and hands it over; the task applies the writes
//! one after the other (an order's updates reach `orders:{mkt}` and `state:orders` in the order
//! they happened). A write that finds Redis away marks it down ([`Writer::is_up`]): writes are
//! then dropped, except fills and the operator hold, which are held (at most [`MAX_HELD`]) and appended first once a
//! write succeeds again.

use crate::telemetry as t;
use flashmm_bus::{Bus, BusError, Envelope, StateKey, StreamName};
use metrics::{counter, gauge};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most fills held for `fills:{mkt}` while Redis is away (beyond it they are dropped from the
/// stream, never from the position).
pub const MAX_HELD: usize = 100_000;

/// One Redis write.
#[derive(Debug)]
pub enum Write {
    /// Sets fields of a hash.
    Set {
        /// The hash.
        key: StateKey,
        /// Field names and values.
        fields: Vec<(String, String)>,
    },
    /// Sets fields of a hash, held while Redis is away and applied once it is back (the
    /// operator hold), instead of dropped.
    SetKept {
        /// The hash.
        key: StateKey,
        /// Field names and values.
        fields: Vec<(String, String)>,
    },
    /// Removes fields of a hash.
    Delete {
        /// The hash.
        key: StateKey,
        /// Field names.
        fields: Vec<String>,
    },
    /// Appends an entry to a stream trimmed to about `maxlen`.
    Publish {
        /// The stream.
        stream: StreamName,
        /// The entry.
        envelope: Envelope,
        /// The trim length.
        maxlen: Option<usize>,
        /// Held while Redis is away and appended once it is back (fills), instead of dropped.
        keep: bool,
    },
    /// Answered once every write before it was applied (or dropped).
    Sync(oneshot::Sender<()>),
}

/// The handle the engine writes through.
#[derive(Debug, Clone)]
pub struct Writer {
    tx: mpsc::UnboundedSender<Write>,
    up: Arc<AtomicBool>,
}

impl Writer {
    /// Starts the writing task over `bus`.
    pub fn spawn<B: Bus + Clone + 'static>(bus: B) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let up = Arc::new(AtomicBool::new(true));
        tokio::spawn(run(bus, rx, up.clone()));
        Writer { tx, up }
    }

    /// Queues `write`.
    pub fn send(&self, write: Write) {
        let _ = self.tx.send(write);
    }

    /// Queues every write of `writes`, in order.
    pub fn send_all(&self, writes: impl IntoIterator<Item = Write>) {
        for w in writes {
            self.send(w);
        }
    }

    /// Waits until every write queued so far was applied (or dropped).
    pub async fn sync(&self) {
        let (done, wait) = oneshot::channel();
        self.send(Write::Sync(done));
        let _ = wait.await;
    }

    /// Whether Redis took the last write (or answered the last probe).
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// Records what a probe found; returns the previous state.
    pub fn set_up(&self, up: bool) -> bool {
        gauge!(t::REDIS_UP).set(f64::from(u8::from(up)));
        self.up.swap(up, Ordering::Relaxed)
    }
}

async fn apply<B: Bus>(bus: &B, write: &Write) -> Result<(), BusError> {
    match write {
        Write::Set { key, fields } | Write::SetKept { key, fields } => {
            bus.set_state(key, fields).await
        }
        Write::Delete { key, fields } => bus.delete_state_fields(key, fields).await,
        Write::Publish {
            stream,
            envelope,
            maxlen,
            ..
        } => bus
            .publish_capped(stream, envelope, *maxlen)
            .await
            .map(|_| ()),
        Write::Sync(_) => Ok(()),
    }
}

fn failed(up: &AtomicBool, e: &BusError) {
    if matches!(e, BusError::Unavailable(_)) && up.swap(false, Ordering::Relaxed) {
        gauge!(t::REDIS_UP).set(0.0);
        tracing::error!(error = %e, "Redis does not answer: quotes pulled until it is back");
    }
}

/// Holds a kept write (bounded), drops any other (counted).
fn hold_or_drop(held: &mut VecDeque<Write>, write: Write, keep: bool) {
    if keep && held.len() < MAX_HELD {
        held.push_back(write);
    } else {
        counter!(t::REDIS_WRITES_DROPPED_TOTAL).increment(1);
    }
}

/// Applies the held writes (fills, the operator hold), oldest first; `false` when Redis went away again before all went
/// out. A fill Redis refuses for another reason is dropped (counted), not retried forever.
async fn send_held<B: Bus>(bus: &B, held: &mut VecDeque<Write>, up: &AtomicBool) -> bool {
    while let Some(h) = held.front() {
        match apply(bus, h).await {
            Ok(()) => {}
            Err(e @ BusError::Unavailable(_)) => {
                failed(up, &e);
                return false;
            }
            Err(e) => {
                tracing::warn!(error = %e, "held fill refused by Redis; dropped");
                counter!(t::REDIS_WRITES_DROPPED_TOTAL).increment(1);
            }
        }
        held.pop_front();
    }
    true
}

async fn run<B: Bus>(bus: B, mut rx: mpsc::UnboundedReceiver<Write>, up: Arc<AtomicBool>) {
    let mut held: VecDeque<Write> = VecDeque::new();
    while let Some(write) = rx.recv().await {
        if let Write::Sync(done) = write {
            let _ = done.send(());
            continue;
        }
        let keep = matches!(
            write,
            Write::Publish { keep: true, .. } | Write::SetKept { .. }
        );
        // While Redis is away (or went away again as the held fills went out) a fill waits
        // behind those held.
        if !up.load(Ordering::Relaxed) || !send_held(&bus, &mut held, &up).await {
            hold_or_drop(&mut held, write, keep);
            continue;
        }
        if let Err(e) = apply(&bus, &write).await {
            failed(&up, &e);
            tracing::warn!(error = %e, "Redis write failed");
            let unavailable = matches!(e, BusError::Unavailable(_));
            hold_or_drop(&mut held, write, keep && unavailable);
        }
    }
}
