//! One telemetry point.

use flashmm_core::time::UnixNanos;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// A field's value.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// A float (sizes, ratios, latencies).
    Float(f64),
    /// A signed integer (counts, ticks, lots).
    Int(i64),
    /// A boolean flag.
    Bool(bool),
    /// A text value.
    Text(String),
    /// An exact decimal (P&L, notional). InfluxDB has no decimal type: it is written as a
    /// float for charts; trading never reads it back.
    Decimal(Decimal),
}

/// One measurement at one time: `measurement,tag=v field=v ts`.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Measurement name, e.g. `pnl`.
    pub measurement: String,
    /// Tags (indexed), e.g. `market=SEI-USDC`.
    pub tags: Vec<(String, String)>,
    /// Fields; a point needs at least one.
    pub fields: Vec<(String, FieldValue)>,
    /// When, UTC nanoseconds.
    pub ts: UnixNanos,
}

impl Point {
    /// A point of `measurement` at `ts` with no tags or fields yet.
    pub fn new(measurement: impl Into<String>, ts: UnixNanos) -> Self {
        Point {
            measurement: measurement.into(),
            tags: Vec::new(),
            fields: Vec::new(),
            ts,
        }
    }

    /// Adds a tag.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// Adds a field.
    pub fn field(mut self, key: impl Into<String>, value: FieldValue) -> Self {
        self.fields.push((key.into(), value));
        self
    }

    /// The `influxdb` write query; `None` for a point the line protocol cannot carry (no
    /// field, a negative timestamp, a non-finite float).
    pub(crate) fn to_query(&self) -> Option<influxdb::WriteQuery> {
        let ts = u128::try_from(self.ts.as_i64()).ok()?;
        if self.fields.is_empty() || self.measurement.is_empty() {
            return None;
        }
        let mut query = influxdb::WriteQuery::new(
            influxdb::Timestamp::Nanoseconds(ts),
            self.measurement.clone(),
        );
        for (k, v) in &self.tags {
            query = query.add_tag(k.clone(), v.clone());
        }
        for (k, v) in &self.fields {
            query = match v {
                FieldValue::Float(x) if x.is_finite() => query.add_field(k.clone(), *x),
                FieldValue::Float(_) => return None,
                FieldValue::Int(x) => query.add_field(k.clone(), *x),
                FieldValue::Bool(x) => query.add_field(k.clone(), *x),
                FieldValue::Text(x) => query.add_field(k.clone(), x.clone()),
                FieldValue::Decimal(x) => query.add_field(k.clone(), x.to_f64()?),
            };
        }
        Some(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use influxdb::Query;

    #[test]
    fn points_become_line_protocol() {
        let p = Point::new("pnl", UnixNanos(1_700_000_000_000_000_001))
            .tag("market", "SEI-USDC")
            .field("realized", FieldValue::Decimal(Decimal::new(-1234, 2)))
            .field("fills", FieldValue::Int(7))
            .field("paused", FieldValue::Bool(false));
        let line = p.to_query().unwrap().build().unwrap().get();
        assert_eq!(
            line,
            "pnl,market=SEI-USDC realized=-12.34,fills=7i,paused=false 1700000000000000001"
        );
    }

    #[test]
    fn unwritable_points_are_refused() {
        let ts = UnixNanos(1);
        assert!(Point::new("m", ts).to_query().is_none(), "no field");
        let nan = Point::new("m", ts).field("x", FieldValue::Float(f64::NAN));
        assert!(nan.to_query().is_none());
        let before_epoch = Point::new("m", UnixNanos(-1)).field("x", FieldValue::Int(1));
        assert!(before_epoch.to_query().is_none());
    }
}
