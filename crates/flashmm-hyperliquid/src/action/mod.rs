//! The L1 actions FlashMM sends, in the SDK's field names and field order: the action's
//! msgpack is what is hashed and signed, so both are part of the wire.
//!
//! - [`order`] holds `order`'s parts (limit orders, grouping `na`),
//! - [`cancel`] those of `cancel` (by venue order id) and `cancelByCloid`,
//! - [`modify`] those of `batchModify`,
//! - `scheduleCancel` (the dead man's switch) is a variant of [`Action`] here,
//! - [`request`] is the `/exchange` request body that carries a signed action.

pub mod cancel;
pub mod modify;
pub mod order;
pub mod request;

pub use cancel::{CancelByCloidWire, CancelWire};
pub use modify::{ModifyWire, OrderRef};
pub use order::{Grouping, LimitWire, OrderRequest, OrderTypeWire, OrderWire, Tif};
pub use request::ExchangeRequest;

use crate::wire::WireError;
use serde::{Deserialize, Serialize};

/// An L1 action. Serialised as the SDK builds it: `type` first, then the fields in the SDK's
/// order, optional fields left out when absent (never `null`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Action {
    /// Places orders: `{"type": "order", "orders": [...], "grouping": "na"}`.
    #[serde(rename = "order")]
    Order {
        /// The orders, in the order the venue processes them.
        orders: Vec<OrderWire>,
        /// How the orders relate (FlashMM sends only `na`: independent orders).
        grouping: Grouping,
    },
    /// Cancels orders by venue order id: `{"type": "cancel", "cancels": [{"a", "o"}]}`.
    #[serde(rename = "cancel")]
    Cancel {
        /// The orders to cancel.
        cancels: Vec<CancelWire>,
    },
    /// Cancels orders by cloid: `{"type": "cancelByCloid", "cancels": [{"asset", "cloid"}]}`.
    #[serde(rename = "cancelByCloid")]
    CancelByCloid {
        /// The orders to cancel.
        cancels: Vec<CancelByCloidWire>,
    },
    /// Replaces resting orders: `{"type": "batchModify", "modifies": [{"oid", "order"}]}`.
    #[serde(rename = "batchModify")]
    BatchModify {
        /// The orders to replace and their new terms.
        modifies: Vec<ModifyWire>,
    },
    /// Sets (or, without `time`, unsets) the time at which every open order is cancelled:
    /// `{"type": "scheduleCancel", "time"?}`.
    #[serde(rename = "scheduleCancel")]
    ScheduleCancel {
        /// UTC milliseconds at which to cancel everything (at least 5 s ahead); `None`
        /// unsets the schedule. Left out of the action when `None`, as the SDK does.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        time: Option<u64>,
    },
}

impl Action {
    /// An `order` action of independent orders (grouping `na`), prices and sizes written as
    /// the SDK writes them.
    pub fn order(orders: &[OrderRequest]) -> Result<Action, WireError> {
        Ok(Action::Order {
            orders: orders
                .iter()
                .map(OrderRequest::to_wire)
                .collect::<Result<_, _>>()?,
            grouping: Grouping::Na,
        })
    }

    /// A `cancel` action.
    pub fn cancel(cancels: Vec<CancelWire>) -> Action {
        Action::Cancel { cancels }
    }

    /// A `cancelByCloid` action.
    pub fn cancel_by_cloid(cancels: Vec<CancelByCloidWire>) -> Action {
        Action::CancelByCloid { cancels }
    }

    /// A `batchModify` action: each order named by `OrderRef` is replaced by its request.
    pub fn batch_modify(modifies: &[(OrderRef, OrderRequest)]) -> Result<Action, WireError> {
        Ok(Action::BatchModify {
            modifies: modifies
                .iter()
                .map(|(oid, order)| {
                    Ok(ModifyWire {
                        oid: *oid,
                        order: order.to_wire()?,
                    })
                })
                .collect::<Result<_, WireError>>()?,
        })
    }

    /// A `scheduleCancel` action: cancel everything at `time` (UTC ms), or unset with `None`.
    pub fn schedule_cancel(time: Option<u64>) -> Action {
        Action::ScheduleCancel { time }
    }

    /// The action's `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Order { .. } => "order",
            Action::Cancel { .. } => "cancel",
            Action::CancelByCloid { .. } => "cancelByCloid",
            Action::BatchModify { .. } => "batchModify",
            Action::ScheduleCancel { .. } => "scheduleCancel",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Asset, Cloid};
    use rust_decimal::Decimal;

    #[test]
    fn json_shapes_match_the_sdk() {
        let order = OrderRequest {
            asset: Asset(10_107),
            is_buy: true,
            price: Decimal::new(42_130, 5),
            size: Decimal::new(1000, 1),
            reduce_only: false,
            tif: Tif::Alo,
            cloid: Some(Cloid::new([0xab; 16])),
        };
        let action = Action::order(std::slice::from_ref(&order)).expect("action");
        assert_eq!(
            serde_json::to_string(&action).expect("json"),
            r#"{"type":"order","orders":[{"a":10107,"b":true,"p":"0.4213","s":"100","r":false,"t":{"limit":{"tif":"Alo"}},"c":"0xabababababababababababababababab"}],"grouping":"na"}"#
        );
        let no_cloid = OrderRequest {
            cloid: None,
            ..order.clone()
        };
        let json =
            serde_json::to_string(&Action::order(&[no_cloid]).expect("action")).expect("json");
        assert!(!json.contains("\"c\""), "{json}");
        assert_eq!(
            serde_json::to_string(&Action::schedule_cancel(None)).expect("json"),
            r#"{"type":"scheduleCancel"}"#
        );
        assert_eq!(
            serde_json::to_string(&Action::schedule_cancel(Some(5))).expect("json"),
            r#"{"type":"scheduleCancel","time":5}"#
        );
        let modify = Action::batch_modify(&[(OrderRef::Oid(7), order.clone())]).expect("modify");
        assert!(serde_json::to_string(&modify)
            .expect("json")
            .starts_with(r#"{"type":"batchModify","modifies":[{"oid":7,"order":{"a":10107"#));
    }

    #[test]
    fn round_trips_through_json_and_msgpack() {
        let actions = [
            Action::cancel(vec![CancelWire {
                a: Asset(3),
                o: 123_456_789_012,
            }]),
            Action::cancel_by_cloid(vec![CancelByCloidWire {
                asset: Asset(10_107),
                cloid: Cloid::new([1; 16]),
            }]),
            Action::schedule_cancel(None),
            Action::schedule_cancel(Some(1_717_171_777_000)),
            Action::batch_modify(&[(
                OrderRef::Cloid(Cloid::new([2; 16])),
                OrderRequest {
                    asset: Asset(0),
                    is_buy: false,
                    price: Decimal::new(64_001, 0),
                    size: Decimal::new(2, 3),
                    reduce_only: true,
                    tif: Tif::Gtc,
                    cloid: None,
                },
            )])
            .expect("modify"),
        ];
        for action in actions {
            let json = serde_json::to_string(&action).expect("json");
            assert_eq!(
                serde_json::from_str::<Action>(&json).expect("from json"),
                action
            );
            let packed = rmp_serde::to_vec_named(&action).expect("msgpack");
            assert_eq!(
                rmp_serde::from_slice::<Action>(&packed).expect("from msgpack"),
                action
            );
        }
    }

    #[test]
    fn refuses_prices_the_wire_cannot_carry() {
        let order = OrderRequest {
            asset: Asset(0),
            is_buy: true,
            price: Decimal::new(123_456_789, 9),
            size: Decimal::ONE,
            reduce_only: false,
            tif: Tif::Gtc,
            cloid: None,
        };
        assert!(matches!(
            Action::order(&[order]),
            Err(WireError::TooManyDecimals(_))
        ));
    }
}
