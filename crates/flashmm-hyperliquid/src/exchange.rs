//! [`ExchangeResponse`]: the answer to a `POST /exchange` (and the payload of a WebSocket
//! `post` answer of type `action`).
//!
//! ```text
//! {"status": "ok", "response": {"type": "order", "data": {"statuses": [
//!     {"resting": {"oid": 77738308, "cloid"?: "0x…"}},
//!     {"filled": {"totalSz": "0.02", "avgPx": "1891.4", "oid": 77747314, "cloid"?: "0x…"}},
//!     {"error": "Order must have minimum value of $10."}]}}}
//! {"status": "ok", "response": {"type": "cancel", "data": {"statuses": ["success"]}}}
//! {"status": "ok", "response": {"type": "default"}}
//! {"status": "err", "response": "User or API Wallet 0x… does not exist."}
//! ```
//! A statuses list holds one status per order of the action, in the action's order.

use crate::Cloid;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The `/exchange` answer: the action was processed (each order may still have failed: see
/// its [`Status`]), or refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "response", rename_all = "lowercase")]
pub enum ExchangeResponse {
    /// Processed.
    Ok(OkResponse),
    /// Refused as a whole (bad signature, unknown user, bad nonce, ...): the reason.
    Err(String),
}

/// A processed action's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OkResponse {
    /// The answer's type: the action's (`order`, `cancel`, `cancelByCloid`, `batchModify`)
    /// or `default` for actions without per-order statuses (e.g. `scheduleCancel`).
    #[serde(rename = "type")]
    pub kind: String,
    /// The per-order statuses, when the action has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Statuses>,
}

/// `{"statuses": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statuses {
    /// One per order of the action, in order.
    pub statuses: Vec<Status>,
}

/// The outcome of one order of an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    /// The order rests on the book: `{"resting": {"oid", "cloid"?}}`.
    Resting(Resting),
    /// The order filled at once: `{"filled": {"totalSz", "avgPx", "oid", "cloid"?}}`.
    Filled(Filled),
    /// The order (or cancel) failed: `{"error": "..."}`.
    Error(String),
    /// A cancel succeeded: `"success"`.
    Success,
    /// A trigger order waits for its fill: `"waitingForFill"`.
    WaitingForFill,
    /// A trigger order waits for its trigger: `"waitingForTrigger"`.
    WaitingForTrigger,
}

/// A resting order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resting {
    /// The venue's order id.
    pub oid: u64,
    /// The order's cloid, when it was given one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloid: Option<Cloid>,
}

/// An order filled on arrival.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filled {
    /// Size filled.
    pub total_sz: Decimal,
    /// Average fill price.
    pub avg_px: Decimal,
    /// The venue's order id.
    pub oid: u64,
    /// The order's cloid, when it was given one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloid: Option<Cloid>,
}

impl ExchangeResponse {
    /// The per-order statuses (empty when refused or when the action has none).
    pub fn statuses(&self) -> &[Status] {
        match self {
            ExchangeResponse::Ok(OkResponse {
                data: Some(data), ..
            }) => &data.statuses,
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn reads_order_statuses() {
        let json = r#"{"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":77738308}},{"resting":{"oid":77738309,"cloid":"0x31f0fd4df66403362e7be692f9043936"}},{"filled":{"totalSz":"0.02","avgPx":"1891.4","oid":77747314}},{"error":"Order must have minimum value of $10."}]}}}"#;
        let r: ExchangeResponse = serde_json::from_str(json).expect("response");
        let s = r.statuses();
        assert_eq!(
            s[0],
            Status::Resting(Resting {
                oid: 77_738_308,
                cloid: None
            })
        );
        assert!(matches!(
            &s[1],
            Status::Resting(Resting { cloid: Some(_), .. })
        ));
        assert_eq!(
            s[2],
            Status::Filled(Filled {
                total_sz: Decimal::from_str("0.02").expect("sz"),
                avg_px: Decimal::from_str("1891.4").expect("px"),
                oid: 77_747_314,
                cloid: None
            })
        );
        assert_eq!(
            s[3],
            Status::Error("Order must have minimum value of $10.".to_owned())
        );
        let back: ExchangeResponse =
            serde_json::from_str(&serde_json::to_string(&r).expect("json")).expect("back");
        assert_eq!(back, r);
    }

    #[test]
    fn reads_cancels_defaults_and_refusals() {
        let cancel: ExchangeResponse = serde_json::from_str(
            r#"{"status":"ok","response":{"type":"cancel","data":{"statuses":["success",{"error":"Order was never placed, already canceled, or filled."}]}}}"#,
        )
        .expect("cancel");
        assert_eq!(cancel.statuses()[0], Status::Success);
        assert!(matches!(cancel.statuses()[1], Status::Error(_)));

        let default: ExchangeResponse =
            serde_json::from_str(r#"{"status":"ok","response":{"type":"default"}}"#)
                .expect("default");
        assert!(default.statuses().is_empty());
        assert_eq!(
            serde_json::to_string(&default).expect("json"),
            r#"{"status":"ok","response":{"type":"default"}}"#
        );

        let err: ExchangeResponse = serde_json::from_str(
            r#"{"status":"err","response":"User or API Wallet 0x0000000000000000000000000000000000000001 does not exist."}"#,
        )
        .expect("err");
        assert!(matches!(err, ExchangeResponse::Err(ref m) if m.contains("does not exist")));
        assert!(err.statuses().is_empty());
    }
}
