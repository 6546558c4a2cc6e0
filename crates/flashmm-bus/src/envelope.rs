//! The stream envelope: plain, `redis-cli`-readable fields around a msgpack body.

use flashmm_core::message::{Encodable, Entry, EntryWriter, StreamMessage};
use flashmm_core::time::UnixNanos;

use crate::error::{DecodeError, EncodeError, FieldsError};

/// A stream entry's fields as stored: names and raw values, in order.
pub type RawFields = Vec<(String, Vec<u8>)>;

/// Field name of the message type.
pub const FIELD_TYPE: &str = "type";
/// Field name of the schema version.
pub const FIELD_VERSION: &str = "v";
/// Field name of the market (empty on global streams).
pub const FIELD_MARKET: &str = "mkt";
/// Field name of the creation time (UTC ns).
pub const FIELD_TS: &str = "ts";
/// Field name of the time ingest received the originating venue message (UTC ns).
pub const FIELD_ORIGIN_TS: &str = "origin_ts";
/// Field name of the msgpack body.
pub const FIELD_BODY: &str = "body";

/// One message on a stream, as in the design notes: `type`, `v`, `mkt`, `ts`, `origin_ts`, `body`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The `type` field: which message the body holds, e.g. `book_delta`.
    pub kind: String,
    /// The `v` field: the body's schema version.
    pub v: u16,
    /// The `mkt` field: the market in stream form (`SEI-USDC`), empty on global streams.
    pub mkt: String,
    /// The `ts` field: when this entry was created.
    pub ts: UnixNanos,
    /// The `origin_ts` field: when ingest received the venue message that caused this entry.
    pub origin_ts: UnixNanos,
    /// The `body` field: the message as msgpack with named fields.
    pub body: Vec<u8>,
}

impl Envelope {
    /// Wrap `msg` (one message, or an enum of several such as `MarketEvent`), encoding it with
    /// `rmp_serde::to_vec_named` so its field names survive.
    pub fn new<M: Encodable + ?Sized>(
        mkt: &str,
        ts: UnixNanos,
        origin_ts: UnixNanos,
        msg: &M,
    ) -> Result<Envelope, EncodeError> {
        msg.encode(Writer { mkt, ts, origin_ts })
    }

    /// Decode the body as `T`, refusing another type or a version other than `T::VERSION`.
    pub fn decode<T: StreamMessage>(&self) -> Result<T, DecodeError> {
        if self.kind != T::TYPE {
            return Err(DecodeError::WrongType {
                expected: T::TYPE,
                found: self.kind.clone(),
            });
        }
        if self.v != T::VERSION {
            return Err(DecodeError::UnknownVersion {
                kind: T::TYPE,
                expected: T::VERSION,
                found: self.v,
            });
        }
        rmp_serde::from_slice(&self.body).map_err(|source| DecodeError::Body {
            kind: T::TYPE,
            source,
        })
    }

    /// The Redis field list, one stream field per envelope field, numbers in decimal.
    pub fn to_fields(&self) -> RawFields {
        vec![
            (FIELD_TYPE.to_owned(), self.kind.as_bytes().to_vec()),
            (FIELD_VERSION.to_owned(), self.v.to_string().into_bytes()),
            (FIELD_MARKET.to_owned(), self.mkt.as_bytes().to_vec()),
            (FIELD_TS.to_owned(), self.ts.0.to_string().into_bytes()),
            (
                FIELD_ORIGIN_TS.to_owned(),
                self.origin_ts.0.to_string().into_bytes(),
            ),
            (FIELD_BODY.to_owned(), self.body.clone()),
        ]
    }

    /// Parse a Redis field list; a missing or garbled field is a typed error. Unknown extra
    /// fields are ignored; of a repeated field the first wins.
    pub fn from_fields(fields: &[(String, Vec<u8>)]) -> Result<Envelope, FieldsError> {
        let kind = text(fields, FIELD_TYPE)?;
        if kind.is_empty() {
            return Err(FieldsError::Garbled {
                field: FIELD_TYPE,
                reason: "empty".to_owned(),
            });
        }
        Ok(Envelope {
            kind: kind.to_owned(),
            v: number(fields, FIELD_VERSION)?,
            mkt: text(fields, FIELD_MARKET)?.to_owned(),
            ts: UnixNanos(number(fields, FIELD_TS)?),
            origin_ts: UnixNanos(number(fields, FIELD_ORIGIN_TS)?),
            body: raw(fields, FIELD_BODY)?.to_vec(),
        })
    }
}

fn raw<'a>(fields: &'a [(String, Vec<u8>)], name: &'static str) -> Result<&'a [u8], FieldsError> {
    fields
        .iter()
        .find(|(field, _)| field == name)
        .map(|(_, value)| value.as_slice())
        .ok_or(FieldsError::Missing(name))
}

fn text<'a>(fields: &'a [(String, Vec<u8>)], name: &'static str) -> Result<&'a str, FieldsError> {
    std::str::from_utf8(raw(fields, name)?).map_err(|err| FieldsError::Garbled {
        field: name,
        reason: err.to_string(),
    })
}

fn number<N>(fields: &[(String, Vec<u8>)], name: &'static str) -> Result<N, FieldsError>
where
    N: std::str::FromStr,
    N::Err: std::fmt::Display,
{
    let value = text(fields, name)?;
    value.parse().map_err(|err: N::Err| FieldsError::Garbled {
        field: name,
        reason: format!("{value:?}: {err}"),
    })
}

/// Writes one message into an [`Envelope`] with the market and times it was given.
struct Writer<'a> {
    mkt: &'a str,
    ts: UnixNanos,
    origin_ts: UnixNanos,
}

impl EntryWriter for Writer<'_> {
    type Entry = Envelope;
    type Error = EncodeError;

    fn write<T: StreamMessage>(self, msg: &T) -> Result<Envelope, EncodeError> {
        let body = rmp_serde::to_vec_named(msg).map_err(|source| EncodeError {
            kind: T::TYPE,
            source,
        })?;
        Ok(Envelope {
            kind: T::TYPE.to_owned(),
            v: T::VERSION,
            mkt: self.mkt.to_owned(),
            ts: self.ts,
            origin_ts: self.origin_ts,
            body,
        })
    }
}

impl Entry for Envelope {
    type Error = DecodeError;

    fn kind(&self) -> &str {
        &self.kind
    }

    fn decode_as<T: StreamMessage>(&self) -> Result<T, DecodeError> {
        self.decode()
    }

    fn wrong_type(&self, expected: &'static str) -> DecodeError {
        DecodeError::WrongType {
            expected,
            found: self.kind.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Ping {
        seq: u64,
        note: String,
    }

    impl StreamMessage for Ping {
        const TYPE: &'static str = "ping";
        const VERSION: u16 = 2;
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Pong {
        seq: u64,
    }

    impl StreamMessage for Pong {
        const TYPE: &'static str = "pong";
        const VERSION: u16 = 1;
    }

    fn ping() -> Envelope {
        let msg = Ping {
            seq: 7,
            note: "hi".into(),
        };
        Envelope::new("SEI-USDC", UnixNanos(20), UnixNanos(10), &msg).unwrap()
    }

    #[test]
    fn round_trips_through_fields() {
        let env = ping();
        let back = Envelope::from_fields(&env.to_fields()).unwrap();
        assert_eq!(back, env);
        let msg: Ping = back.decode().unwrap();
        assert_eq!(msg.seq, 7);
        assert_eq!(back.kind, "ping");
        assert_eq!(back.v, 2);
    }

    #[test]
    fn body_keeps_field_names() {
        let value: rmpv::Value = rmp_serde::from_slice(&ping().body).unwrap();
        let map = value.as_map().unwrap();
        assert_eq!(map[0].0.as_str(), Some("seq"));
    }

    #[test]
    fn refuses_wrong_type_and_unknown_version() {
        let env = ping();
        assert!(matches!(
            env.decode::<Pong>(),
            Err(DecodeError::WrongType { .. })
        ));
        let mut newer = env.clone();
        newer.v = 3;
        assert!(matches!(
            newer.decode::<Ping>(),
            Err(DecodeError::UnknownVersion { found: 3, .. })
        ));
        let mut garbage = env;
        garbage.body = vec![0xc1, 0x00];
        assert!(matches!(
            garbage.decode::<Ping>(),
            Err(DecodeError::Body { .. })
        ));
    }

    #[test]
    fn missing_and_garbled_fields_are_typed() {
        let mut fields = ping().to_fields();
        fields.retain(|(name, _)| name != "ts");
        assert_eq!(
            Envelope::from_fields(&fields),
            Err(FieldsError::Missing("ts"))
        );
        let mut fields = ping().to_fields();
        fields[1].1 = b"x1".to_vec();
        assert!(matches!(
            Envelope::from_fields(&fields),
            Err(FieldsError::Garbled { field: "v", .. })
        ));
        let mut fields = ping().to_fields();
        fields[1].1 = b"70000".to_vec();
        assert!(Envelope::from_fields(&fields).is_err());
        let mut fields = ping().to_fields();
        fields[0].1 = vec![0xff];
        assert!(matches!(
            Envelope::from_fields(&fields),
            Err(FieldsError::Garbled { field: "type", .. })
        ));
    }
}
