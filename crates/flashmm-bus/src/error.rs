//! The crate's typed errors: names, envelope fields, body decoding and transport.

use thiserror::Error;

/// A namespace, market or state name that cannot be part of a key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    /// The name is empty.
    #[error("{what} is empty")]
    Empty {
        /// Which name: `namespace`, `market` or `state name`.
        what: &'static str,
    },
    /// The name is longer than the limit.
    #[error("{what} is longer than {max} bytes")]
    TooLong {
        /// Which name.
        what: &'static str,
        /// The limit in bytes.
        max: usize,
    },
    /// The name holds a character outside `[A-Za-z0-9_.-]`.
    #[error("{what} {name:?} holds {found:?}; allowed are A-Z a-z 0-9 _ . -")]
    BadChar {
        /// Which name.
        what: &'static str,
        /// The rejected name.
        name: String,
        /// The first character not allowed.
        found: char,
    },
    /// A key read back from Redis does not belong to the namespace it was listed under.
    #[error("key {key:?} is not under namespace {namespace:?}")]
    ForeignKey {
        /// The key.
        key: String,
        /// The namespace expected.
        namespace: String,
    },
}

/// A stream entry whose fields do not form an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FieldsError {
    /// A required field is absent.
    #[error("missing field `{0}`")]
    Missing(&'static str),
    /// A field is present but its value cannot be parsed.
    #[error("garbled field `{field}`: {reason}")]
    Garbled {
        /// The field name.
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// The entry was deleted from the stream while still pending (trimmed before it was acked).
    #[error("entry deleted from the stream before it was acked")]
    Deleted,
}

/// A body that cannot be encoded as msgpack.
#[derive(Debug, Error)]
#[error("cannot encode {kind} body: {source}")]
pub struct EncodeError {
    /// The message's `type`.
    pub kind: &'static str,
    /// The serializer's error.
    #[source]
    pub source: rmp_serde::encode::Error,
}

/// An envelope that cannot be decoded as the requested message type.
#[derive(Debug, Error)]
pub enum DecodeError {
    /// The envelope carries another message type.
    #[error("wrong type: expected `{expected}`, found `{found}`")]
    WrongType {
        /// The type asked for.
        expected: &'static str,
        /// The type on the entry.
        found: String,
    },
    /// The envelope carries a schema version this code does not know.
    #[error("unknown version of `{kind}`: expected {expected}, found {found}")]
    UnknownVersion {
        /// The message type.
        kind: &'static str,
        /// The version this code reads.
        expected: u16,
        /// The version on the entry.
        found: u16,
    },
    /// The msgpack body does not deserialize into the message type.
    #[error("bad body for `{kind}`: {source}")]
    Body {
        /// The message type.
        kind: &'static str,
        /// The deserializer's error.
        #[source]
        source: rmp_serde::decode::Error,
    },
}

impl DecodeError {
    /// A short, fixed label for metrics and dead-letter reasons.
    pub fn label(&self) -> &'static str {
        match self {
            DecodeError::WrongType { .. } => "wrong_type",
            DecodeError::UnknownVersion { .. } => "unknown_version",
            DecodeError::Body { .. } => "bad_body",
        }
    }
}

/// A failed bus operation.
#[derive(Debug, Error)]
pub enum BusError {
    /// Redis cannot be reached, did not answer within the command timeout, or refused the
    /// command for a state it will leave by itself: out of memory under `noeviction` (`OOM`),
    /// loading its data set (`LOADING`), busy with a script (`BUSY`), and the like. Retry
    /// later; a write that must not be lost is held, not dropped.
    #[error("redis unavailable: {0}")]
    Unavailable(String),
    /// Redis answered with an error.
    #[error("redis command failed: {0}")]
    Command(String),
    /// The consumer group does not exist on the stream (call `ensure_group` first; Redis
    /// emptied by `FLUSHALL` or restarted without persistence loses every group).
    #[error("no consumer group `{group}` on stream `{stream}`")]
    NoGroup {
        /// The stream key.
        stream: String,
        /// The group name.
        group: String,
    },
    /// Redis answered with a reply of an unexpected shape.
    #[error("unexpected reply to {command}: {detail}")]
    Protocol {
        /// The command.
        command: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// An argument was refused before anything was sent.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A message could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// A key name was refused.
    #[error(transparent)]
    Name(#[from] NameError),
}

impl BusError {
    /// Whether the failure is Redis being away or refusing for now ([`BusError::Unavailable`]),
    /// so the operation may succeed later unchanged: callers hold what they must not lose.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, BusError::Unavailable(_))
    }
}
