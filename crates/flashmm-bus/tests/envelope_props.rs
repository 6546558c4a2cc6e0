//! The envelope decoder on arbitrary input never panics: any field list parses into an
//! envelope or a typed `FieldsError` (`Payload::Malformed` on the bus), and any body, of any
//! `type` and `v`, decodes into every stream message type or a typed `DecodeError`. Bodies are
//! drawn both as raw bytes and as the golden vectors of `proto-schemas/golden/` with bytes
//! flipped, cut off or inserted, so the decoder is driven deep into each message's fields.

use std::path::PathBuf;

use flashmm_bus::{
    Decodable, DecodeError, EntryId, Envelope, FieldsError, Payload, FIELD_BODY, FIELD_MARKET,
    FIELD_ORIGIN_TS, FIELD_TS, FIELD_TYPE, FIELD_VERSION,
};
use flashmm_core::book::{BookDelta, BookSnapshot};
use flashmm_core::control::{AuditEntry, ExecCommand, Heartbeat};
use flashmm_core::market_event::MarketEvent;
use flashmm_core::message::StreamMessage;
use flashmm_core::order::{Fill, OrderUpdate};
use flashmm_core::quote::QuoteIntent;
use flashmm_core::risk::RiskEvent;
use flashmm_core::signal::{FeatureVector, Prediction};
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;
use proptest::prelude::*;

/// The `type` of every stream message.
const TYPES: [&str; 12] = [
    BookSnapshot::TYPE,
    BookDelta::TYPE,
    Trade::TYPE,
    FeatureVector::TYPE,
    Prediction::TYPE,
    OrderUpdate::TYPE,
    Fill::TYPE,
    RiskEvent::TYPE,
    ExecCommand::TYPE,
    Heartbeat::TYPE,
    AuditEntry::TYPE,
    QuoteIntent::TYPE,
];

/// The golden msgpack body of message `kind`.
fn golden(kind: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../proto-schemas/golden")
        .join(format!("{kind}.hex"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let text = text.trim();
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("golden vectors are hex"))
        .collect()
}

/// Decodes `envelope` as `T`: a value or one of the typed errors, matching the envelope's
/// `type` and `v` (a wrong type or version never reaches the body).
fn check<T: StreamMessage>(envelope: &Envelope) {
    match envelope.decode::<T>() {
        Ok(_) => {
            assert_eq!(envelope.kind, T::TYPE);
            assert_eq!(envelope.v, T::VERSION);
        }
        Err(DecodeError::WrongType { expected, found }) => {
            assert_eq!(expected, T::TYPE);
            assert_eq!(found, envelope.kind);
            assert_ne!(envelope.kind, T::TYPE);
        }
        Err(DecodeError::UnknownVersion {
            kind,
            expected,
            found,
        }) => {
            assert_eq!(kind, T::TYPE);
            assert_eq!(envelope.kind, T::TYPE);
            assert_eq!((expected, found), (T::VERSION, envelope.v));
            assert_ne!(envelope.v, T::VERSION);
        }
        Err(DecodeError::Body { kind, .. }) => {
            assert_eq!(kind, T::TYPE);
            assert_eq!((envelope.kind.as_str(), envelope.v), (T::TYPE, T::VERSION));
        }
        #[allow(unreachable_patterns)]
        Err(other) => panic!("untyped decode error for {}: {other}", T::TYPE),
    }
}

/// Decodes `envelope` as every stream message type and as `MarketEvent`.
fn check_all(envelope: &Envelope) {
    check::<BookSnapshot>(envelope);
    check::<BookDelta>(envelope);
    check::<Trade>(envelope);
    check::<FeatureVector>(envelope);
    check::<Prediction>(envelope);
    check::<OrderUpdate>(envelope);
    check::<Fill>(envelope);
    check::<RiskEvent>(envelope);
    check::<ExecCommand>(envelope);
    check::<Heartbeat>(envelope);
    check::<AuditEntry>(envelope);
    check::<QuoteIntent>(envelope);
    let market = <MarketEvent as Decodable>::decode(envelope);
    let md = [BookSnapshot::TYPE, BookDelta::TYPE, Trade::TYPE];
    if let Err(DecodeError::WrongType { .. }) = market {
        assert!(!md.contains(&envelope.kind.as_str()));
    }
}

fn envelope(kind: &str, v: u16, body: Vec<u8>) -> Envelope {
    Envelope {
        kind: kind.to_owned(),
        v,
        mkt: "SEI-USDC".to_owned(),
        ts: UnixNanos(2),
        origin_ts: UnixNanos(1),
        body,
    }
}

/// A golden body with bytes flipped, cut off or inserted.
#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, xor: u8 },
    Truncate { at: usize },
    Insert { at: usize, byte: u8 },
    Set { at: usize, byte: u8 },
}

fn apply(mut body: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = body.len();
        match *m {
            Mutation::Flip { at, xor } if len > 0 => body[at % len] ^= xor,
            Mutation::Truncate { at } => body.truncate(at % (len + 1)),
            Mutation::Insert { at, byte } => body.insert(at % (len + 1), byte),
            Mutation::Set { at, byte } if len > 0 => body[at % len] = byte,
            _ => {}
        }
    }
    body
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..).prop_map(|(at, xor)| Mutation::Flip { at, xor }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert { at, byte }),
        // msgpack markers that change a value's kind or announce a huge length.
        (
            any::<usize>(),
            prop::sample::select(vec![
                0xc0u8, 0xc1, 0xc2, 0xc4, 0xc6, 0xcb, 0xcf, 0xd3, 0xdb, 0xdd, 0xdf, 0xff, 0x00,
                0x7f, 0x80, 0x90, 0xa0,
            ])
        )
            .prop_map(|(at, byte)| Mutation::Set { at, byte }),
    ]
}

/// A field list: the six envelope fields with arbitrary values, some dropped, some repeated,
/// and arbitrary extra fields, in any order.
fn fields() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let names = prop::sample::select(vec![
        FIELD_TYPE,
        FIELD_VERSION,
        FIELD_MARKET,
        FIELD_TS,
        FIELD_ORIGIN_TS,
        FIELD_BODY,
    ]);
    let value = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..40),
        any::<i64>().prop_map(|n| n.to_string().into_bytes()),
        any::<u32>().prop_map(|n| n.to_string().into_bytes()),
        prop::sample::select(TYPES.to_vec()).prop_map(|t| t.as_bytes().to_vec()),
        "[0-9+-]{0,25}".prop_map(String::into_bytes),
    ];
    let field = prop_oneof![
        4 => (names.prop_map(str::to_owned), value.clone()),
        1 => (".{0,12}", value),
    ];
    prop::collection::vec(field, 0..12)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn any_field_list_is_an_envelope_or_a_typed_error(fields in fields()) {
        match Envelope::from_fields(&fields) {
            Ok(e) => {
                prop_assert!(!e.kind.is_empty());
                // What parsed is what the first of each field said.
                let first = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
                prop_assert_eq!(Some(e.kind.as_bytes().to_vec()), first(FIELD_TYPE));
                prop_assert_eq!(Some(e.body.clone()), first(FIELD_BODY));
                check_all(&e);
            }
            Err(FieldsError::Missing(name)) => {
                prop_assert!(fields.iter().all(|(n, _)| n != name), "{} is there", name);
            }
            Err(FieldsError::Garbled { field, reason }) => {
                prop_assert!(fields.iter().any(|(n, _)| n == field), "{}: {}", field, reason);
            }
            Err(other) => prop_assert!(false, "unexpected error: {}", other),
        }
        // The bus's view of the same entry: an envelope or malformed, with the fields kept.
        match Payload::from_fields(fields.clone()) {
            Payload::Envelope(_) => {}
            Payload::Malformed { fields: kept, .. } => prop_assert_eq!(kept, fields),
        }
    }

    #[test]
    fn any_body_of_any_type_decodes_or_is_a_typed_error(
        kind in prop_oneof![prop::sample::select(TYPES.to_vec()).prop_map(str::to_owned), ".{0,16}"],
        v in prop_oneof![Just(1u16), any::<u16>()],
        body in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        check_all(&envelope(&kind, v, body));
    }

    #[test]
    fn mutated_golden_bodies_decode_or_are_typed_errors(
        kind in prop::sample::select(TYPES.to_vec()),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let body = apply(golden(kind), &mutations);
        check_all(&envelope(kind, 1, body));
    }

    #[test]
    fn any_entry_id_text_parses_or_is_none(id in prop_oneof![".{0,30}", "[0-9]{0,25}-[0-9]{0,25}"]) {
        let parts = EntryId::new(id.clone()).parts();
        if let Some((ms, seq)) = parts {
            let (a, b) = id.split_once('-').expect("a parsed id has a dash");
            prop_assert_eq!((a.parse::<u64>().ok(), b.parse::<u64>().ok()), (Some(ms), Some(seq)));
        }
    }
}

#[test]
fn every_golden_vector_decodes_at_version_1() {
    // The mutations start from valid bodies: check they are (else the test would only ever
    // exercise the first byte).
    for kind in TYPES {
        let e = envelope(kind, 1, golden(kind));
        let decoded: Result<(), String> = match kind {
            "book_snapshot" => e
                .decode::<BookSnapshot>()
                .map(drop)
                .map_err(|x| x.to_string()),
            "book_delta" => e.decode::<BookDelta>().map(drop).map_err(|x| x.to_string()),
            "trade" => e.decode::<Trade>().map(drop).map_err(|x| x.to_string()),
            "features" => e
                .decode::<FeatureVector>()
                .map(drop)
                .map_err(|x| x.to_string()),
            "prediction" => e
                .decode::<Prediction>()
                .map(drop)
                .map_err(|x| x.to_string()),
            "order_update" => e
                .decode::<OrderUpdate>()
                .map(drop)
                .map_err(|x| x.to_string()),
            "fill" => e.decode::<Fill>().map(drop).map_err(|x| x.to_string()),
            "risk_event" => e.decode::<RiskEvent>().map(drop).map_err(|x| x.to_string()),
            "exec_command" => e
                .decode::<ExecCommand>()
                .map(drop)
                .map_err(|x| x.to_string()),
            "heartbeat" => e.decode::<Heartbeat>().map(drop).map_err(|x| x.to_string()),
            "audit_entry" => e
                .decode::<AuditEntry>()
                .map(drop)
                .map_err(|x| x.to_string()),
            "quote_intent" => e
                .decode::<QuoteIntent>()
                .map(drop)
                .map_err(|x| x.to_string()),
            other => Err(format!("no golden vector check for {other}")),
        };
        assert!(decoded.is_ok(), "{kind}: {decoded:?}");
    }
}
