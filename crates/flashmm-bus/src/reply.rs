//! Turning raw Redis stream replies (RESP2 arrays) into ids and deliveries, keeping field order.

use fred::types::Value;

use crate::bus::{Delivery, EntryId, Payload};
use crate::envelope::RawFields;
use crate::error::{BusError, FieldsError};

fn protocol(command: &'static str, detail: impl Into<String>) -> BusError {
    BusError::Protocol {
        command,
        detail: detail.into(),
    }
}

/// A bulk string reply as text.
pub(crate) fn text(command: &'static str, value: &Value) -> Result<String, BusError> {
    match value.as_bytes() {
        Some(bytes) => Ok(String::from_utf8_lossy(bytes).into_owned()),
        None => Err(protocol(
            command,
            format!("expected a string, got {:?}", value.kind()),
        )),
    }
}

/// An integer reply.
pub(crate) fn integer(command: &'static str, value: &Value) -> Result<u64, BusError> {
    value.as_u64().ok_or_else(|| {
        protocol(
            command,
            format!("expected an integer, got {:?}", value.kind()),
        )
    })
}

/// An array reply (`nil` reads as empty).
pub(crate) fn array(command: &'static str, value: Value) -> Result<Vec<Value>, BusError> {
    match value {
        Value::Array(items) => Ok(items),
        Value::Null => Ok(Vec::new()),
        other => Err(protocol(
            command,
            format!("expected an array, got {:?}", other.kind()),
        )),
    }
}

/// One entry, `[id, [field, value, ...]]`; fields are `nil` for an entry deleted while pending.
pub(crate) fn entry(command: &'static str, value: Value) -> Result<Delivery, BusError> {
    let mut parts = array(command, value)?.into_iter();
    let (Some(id), Some(fields), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(protocol(command, "entry is not [id, fields]"));
    };
    let id = EntryId::new(text(command, &id)?);
    if fields.is_null() {
        return Ok(Delivery {
            id,
            payload: Payload::Malformed {
                fields: Vec::new(),
                error: FieldsError::Deleted,
            },
        });
    }
    let flat = array(command, fields)?;
    if flat.len() % 2 != 0 {
        return Err(protocol(command, "odd number of field items"));
    }
    let mut raw: RawFields = Vec::with_capacity(flat.len() / 2);
    let mut items = flat.into_iter();
    while let (Some(name), Some(value)) = (items.next(), items.next()) {
        let name = text(command, &name)?;
        let value = value.as_bytes().map(<[u8]>::to_vec).unwrap_or_else(|| {
            value
                .as_str()
                .map(|s| s.into_owned().into_bytes())
                .unwrap_or_default()
        });
        raw.push((name, value));
    }
    Ok(Delivery {
        id,
        payload: Payload::from_fields(raw),
    })
}

/// A list of entries (`XRANGE`, `XREVRANGE`, the entries part of `XAUTOCLAIM`).
pub(crate) fn entries(command: &'static str, value: Value) -> Result<Vec<Delivery>, BusError> {
    array(command, value)?
        .into_iter()
        .map(|item| entry(command, item))
        .collect()
}

/// `XREADGROUP` for one stream: `nil` or `[[stream, [entries]]]`.
pub(crate) fn read_group(value: Value) -> Result<Vec<Delivery>, BusError> {
    const CMD: &str = "XREADGROUP";
    let mut out = Vec::new();
    for stream in array(CMD, value)? {
        let mut parts = array(CMD, stream)?.into_iter();
        let (Some(_name), Some(items)) = (parts.next(), parts.next()) else {
            return Err(protocol(CMD, "stream is not [name, entries]"));
        };
        out.extend(entries(CMD, items)?);
    }
    Ok(out)
}

/// `XAUTOCLAIM`: `[cursor, [entries], [deleted ids]]` (the last part only on Redis 7+);
/// deleted ids come back as [`FieldsError::Deleted`] deliveries.
pub(crate) fn autoclaim(value: Value) -> Result<(String, Vec<Delivery>), BusError> {
    const CMD: &str = "XAUTOCLAIM";
    let mut parts = array(CMD, value)?.into_iter();
    let (Some(cursor), Some(items)) = (parts.next(), parts.next()) else {
        return Err(protocol(CMD, "reply is not [cursor, entries, ...]"));
    };
    let mut claimed = entries(CMD, items)?;
    if let Some(deleted) = parts.next() {
        for id in array(CMD, deleted)? {
            claimed.push(Delivery {
                id: EntryId::new(text(CMD, &id)?),
                payload: Payload::Malformed {
                    fields: Vec::new(),
                    error: FieldsError::Deleted,
                },
            });
        }
    }
    Ok((text(CMD, &cursor)?, claimed))
}

/// `SCAN`: `[cursor, [keys]]`.
pub(crate) fn scan(value: Value) -> Result<(String, Vec<String>), BusError> {
    const CMD: &str = "SCAN";
    let mut parts = array(CMD, value)?.into_iter();
    let (Some(cursor), Some(keys)) = (parts.next(), parts.next()) else {
        return Err(protocol(CMD, "reply is not [cursor, keys]"));
    };
    let keys = array(CMD, keys)?
        .iter()
        .map(|key| text(CMD, key))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((text(CMD, &cursor)?, keys))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value {
        Value::from(text)
    }

    #[test]
    fn parses_an_entry_in_field_order() {
        let value = Value::Array(vec![
            s("1-0"),
            Value::Array(vec![
                s("b"),
                s("2"),
                s("a"),
                Value::from(&[0xffu8, 0x00][..]),
            ]),
        ]);
        let delivery = entry("XRANGE", value).unwrap();
        assert_eq!(delivery.id.as_str(), "1-0");
        let Payload::Malformed { fields, error } = delivery.payload else {
            panic!("not an envelope")
        };
        assert_eq!(error, FieldsError::Missing("type"));
        assert_eq!(fields[0], ("b".to_owned(), b"2".to_vec()));
        assert_eq!(fields[1], ("a".to_owned(), vec![0xff, 0x00]));
    }

    #[test]
    fn deleted_entry_and_bad_shapes() {
        let deleted = entry("XAUTOCLAIM", Value::Array(vec![s("1-0"), Value::Null])).unwrap();
        assert!(matches!(
            deleted.payload,
            Payload::Malformed {
                error: FieldsError::Deleted,
                ..
            }
        ));
        assert!(entry("XRANGE", s("x")).is_err());
        assert!(entry(
            "XRANGE",
            Value::Array(vec![s("1-0"), Value::Array(vec![s("a")])])
        )
        .is_err());
        assert!(read_group(Value::Null).unwrap().is_empty());
    }
}
