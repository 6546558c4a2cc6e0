//! FlashMM's message bus: the stream envelope, stream and state key names, and two transports
//! behind one [`Bus`] trait — [`RedisBus`] (Redis Streams through `fred`) for the services and
//! [`MemoryBus`] (in-process, same semantics) for unit tests and the backtester.
//!
//! # What it owns
//! - [`Envelope`]: the plain entry fields `type`, `v`, `mkt`, `ts`, `origin_ts` and the msgpack
//!   `body` (encoded with named fields), readable with `redis-cli XRANGE`.
//! - [`Namespace`] and [`StreamName`]: every key carries a namespace prefix (default `flashmm`):
//!   `{ns}:md:{mkt}`, `{ns}:feat:{mkt}`, `{ns}:pred:{mkt}`, `{ns}:orders:{mkt}`,
//!   `{ns}:fills:{mkt}`, `{ns}:risk`, `{ns}:cmd:exec`, `{ns}:dlq`, `{ns}:audit`,
//!   `{ns}:heartbeat`, and state hashes `{ns}:state:{name}` ([`StateKey`]).
//! - Consumer groups, acks, claims of stale entries (`XAUTOCLAIM`), the dead-letter stream and
//!   trimming (`MAXLEN ~`, per call or on publish; `{ns}:dlq` always, to about
//!   `FLASHMM_DLQ_MAXLEN` entries).
//!
//! # When Redis fails
//! - Away, timing out, or refusing for now (`OOM` under `noeviction`, `LOADING`, `BUSY`, ...):
//!   [`BusError::Unavailable`] ([`BusError::is_unavailable`]); retry, and hold what must not
//!   be lost.
//! - Back empty (`FLUSHALL`, a restart without persistence): a [`Consumer`] answered `NOGROUP`
//!   creates its group again and reads on (counted in `flashmm_bus_groups_recreated_total`).
//! - A consume loop that stops making progress turns its service's heartbeat stale
//!   ([`progress`], [`spawn_heartbeat`]).
//! - The Redis URL's password never appears in an error or a log line: it reads `***`.
//!
//! # How consumers must ack
//! Read through a group with [`Consumer`] (or [`Bus::read_group`]). Ack an entry only after the
//! output it caused is written (published, or state saved): a consumer that dies before acking
//! leaves its entries pending, and its successor claims them with [`Bus::claim_stale`], which
//! [`Consumer`] does at start and then every `claim_every`. Delivery is therefore at least once;
//! make handlers idempotent or tolerate the rare duplicate. Entries that cannot be decoded are
//! copied to `{ns}:dlq` with the reason and acked by [`Consumer`] itself.

#![warn(missing_docs)]

mod bus;
mod connect;
mod consumer;
mod envelope;
mod error;
pub mod heartbeat;
mod memory;
pub mod progress;
mod redis;
mod reply;
mod stream;
pub mod telemetry;

pub use bus::{Bus, Delivery, EntryId, Payload, Range, DEFAULT_DLQ_MAXLEN};
pub use connect::{connect_bus, dlq_maxlen_from, DLQ_MAXLEN_ENV};
pub use consumer::{Consumer, ConsumerConfig, Meta, Received, ACK_DELAY};
pub use envelope::{
    Envelope, RawFields, FIELD_BODY, FIELD_MARKET, FIELD_ORIGIN_TS, FIELD_TS, FIELD_TYPE,
    FIELD_VERSION,
};
pub use error::{BusError, DecodeError, EncodeError, FieldsError, NameError};
pub use flashmm_core::message::Decodable;
pub use heartbeat::{spawn_heartbeat, spawn_heartbeat_watching, stalled_field};
pub use memory::MemoryBus;
pub use redis::{RedisBus, RedisBusConfig, DEFAULT_REDIS_URL};
pub use stream::{Namespace, StateKey, StreamName, DEFAULT_NAMESPACE};
