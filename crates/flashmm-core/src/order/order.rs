//! [`Order`]: one of our orders and its state machine.

use super::{OrderError, OrderEvent, OrderStatus, OrderTransitionError};
use crate::identifiers::{ClientOrderId, VenueOrderId};
use crate::market::{MarketId, Price, Qty, Side};
use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// A limit order of ours and how much of it has traded.
///
/// Its status only changes through [`Order::transition`], which accepts exactly the legal
/// lifecycle moves, tracks the filled quantity and refuses overfills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    client_id: ClientOrderId,
    venue_order_id: Option<VenueOrderId>,
    market: MarketId,
    side: Side,
    price: Price,
    qty: Qty,
    filled: Qty,
    status: OrderStatus,
    ts: UnixNanos,
}

impl Order {
    /// A new, unsent order. Price and quantity must be positive.
    pub fn new(
        client_id: ClientOrderId,
        market: MarketId,
        side: Side,
        price: Price,
        qty: Qty,
        ts: UnixNanos,
    ) -> Result<Self, OrderError> {
        if qty.lots() <= 0 {
            return Err(OrderError::Qty(qty));
        }
        if price.ticks() <= 0 {
            return Err(OrderError::Price(price));
        }
        Ok(Order {
            client_id,
            venue_order_id: None,
            market,
            side,
            price,
            qty,
            filled: Qty::ZERO,
            status: OrderStatus::New,
            ts,
        })
    }

    /// Our id of the order.
    pub fn client_id(&self) -> &ClientOrderId {
        &self.client_id
    }

    /// The venue's id, once known.
    pub fn venue_order_id(&self) -> Option<&VenueOrderId> {
        self.venue_order_id.as_ref()
    }

    /// Records the id the venue gave the order.
    pub fn set_venue_order_id(&mut self, id: VenueOrderId) {
        self.venue_order_id = Some(id);
    }

    /// The market.
    pub fn market(&self) -> &MarketId {
        &self.market
    }

    /// The order's side.
    pub fn side(&self) -> Side {
        self.side
    }

    /// The limit price.
    pub fn price(&self) -> Price {
        self.price
    }

    /// The original quantity.
    pub fn qty(&self) -> Qty {
        self.qty
    }

    /// The quantity filled so far.
    pub fn filled(&self) -> Qty {
        self.filled
    }

    /// The quantity still to fill.
    pub fn leaves(&self) -> Qty {
        Qty::from_lots(self.qty.lots() - self.filled.lots())
    }

    /// The current status.
    pub fn status(&self) -> OrderStatus {
        self.status
    }

    /// When the order was created.
    pub fn ts(&self) -> UnixNanos {
        self.ts
    }

    /// The fill event for an execution of `qty`: [`OrderEvent::Fill`] when it takes the rest
    /// of the order, [`OrderEvent::PartialFill`] otherwise.
    pub fn fill_event(&self, qty: Qty) -> OrderEvent {
        if qty >= self.leaves() {
            OrderEvent::Fill { qty }
        } else {
            OrderEvent::PartialFill { qty }
        }
    }

    /// Applies an event and returns the new status, or refuses it and changes nothing.
    ///
    /// Legal moves (anything else, and anything once terminal, is refused):
    ///
    /// | from | event | to |
    /// |---|---|---|
    /// | New | Submitted | PendingNew |
    /// | New, PendingNew, PendingCancel | Rejected | Rejected |
    /// | PendingNew | Accepted | Open |
    /// | PendingCancel | Accepted | PendingCancel |
    /// | PendingNew, Open, PartiallyFilled | PartialFill | PartiallyFilled |
    /// | PendingCancel | PartialFill | PendingCancel |
    /// | PendingNew, Open, PartiallyFilled, PendingCancel | Fill | Filled |
    /// | PendingNew, Open, PartiallyFilled | CancelRequested | PendingCancel |
    /// | PendingNew, Open, PartiallyFilled, PendingCancel | Cancelled | Cancelled |
    /// | PendingCancel | CancelRejected | Open, or PartiallyFilled if anything filled |
    /// | PendingNew, Open, PartiallyFilled, PendingCancel | Expired | Expired |
    pub fn transition(&mut self, event: OrderEvent) -> Result<OrderStatus, OrderTransitionError> {
        use OrderEvent as E;
        use OrderStatus as S;
        let next = match (self.status, event) {
            (S::New, E::Submitted) => S::PendingNew,
            (S::New | S::PendingNew | S::PendingCancel, E::Rejected) => S::Rejected,
            (S::PendingNew, E::Accepted) => S::Open,
            (S::PendingCancel, E::Accepted) => S::PendingCancel,
            (S::PendingNew | S::Open | S::PartiallyFilled, E::PartialFill { qty }) => {
                self.fill(event, qty, false)?;
                S::PartiallyFilled
            }
            (S::PendingCancel, E::PartialFill { qty }) => {
                self.fill(event, qty, false)?;
                S::PendingCancel
            }
            (S::PendingNew | S::Open | S::PartiallyFilled | S::PendingCancel, E::Fill { qty }) => {
                self.fill(event, qty, true)?;
                S::Filled
            }
            (S::PendingNew | S::Open | S::PartiallyFilled, E::CancelRequested) => S::PendingCancel,
            (S::PendingNew | S::Open | S::PartiallyFilled | S::PendingCancel, E::Cancelled) => {
                S::Cancelled
            }
            (S::PendingCancel, E::CancelRejected) if self.filled.is_zero() => S::Open,
            (S::PendingCancel, E::CancelRejected) => S::PartiallyFilled,
            (S::PendingNew | S::Open | S::PartiallyFilled | S::PendingCancel, E::Expired) => {
                S::Expired
            }
            (from, event) => return Err(OrderTransitionError::InvalidTransition { from, event }),
        };
        self.status = next;
        Ok(next)
    }

    /// Checks and books a fill of `qty`; `completes` says whether it must take the rest.
    fn fill(
        &mut self,
        event: OrderEvent,
        qty: Qty,
        completes: bool,
    ) -> Result<(), OrderTransitionError> {
        let leaves = self.leaves();
        if qty.lots() <= 0 {
            return Err(OrderTransitionError::FillQty(qty));
        }
        if qty > leaves {
            return Err(OrderTransitionError::Overfill { fill: qty, leaves });
        }
        if (qty == leaves) != completes {
            return Err(OrderTransitionError::FillKind { event, leaves });
        }
        self.filled = Qty::from_lots(self.filled.lots() + qty.lots());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderEvent as E;
    use OrderStatus as S;

    fn order() -> Order {
        Order::new(
            ClientOrderId::from_sequence("t", 1).unwrap(),
            MarketId::new("SEI/USDC").unwrap(),
            Side::Buy,
            Price::from_ticks(100),
            Qty::from_lots(10),
            UnixNanos(0),
        )
        .unwrap()
    }

    /// An order put directly in `status`, with 4 of 10 lots filled where that is possible.
    fn order_in(status: S) -> Order {
        let mut o = order();
        o.status = status;
        if matches!(status, S::PartiallyFilled | S::PendingCancel) {
            o.filled = Qty::from_lots(4);
        }
        o
    }

    /// Every event kind, with fill sizes that are valid for `o`.
    fn events(o: &Order) -> [OrderEvent; 9] {
        [
            E::Submitted,
            E::Accepted,
            E::Rejected,
            E::PartialFill {
                qty: Qty::from_lots(1),
            },
            E::Fill { qty: o.leaves() },
            E::CancelRequested,
            E::Cancelled,
            E::CancelRejected,
            E::Expired,
        ]
    }

    /// The legal table, written independently of `transition`.
    fn legal(from: S, event: &OrderEvent) -> Option<S> {
        let working = [S::PendingNew, S::Open, S::PartiallyFilled, S::PendingCancel];
        let live = [S::PendingNew, S::Open, S::PartiallyFilled];
        let to = match event {
            E::Submitted if from == S::New => S::PendingNew,
            E::Rejected if [S::New, S::PendingNew, S::PendingCancel].contains(&from) => S::Rejected,
            E::Accepted if from == S::PendingNew => S::Open,
            E::Accepted if from == S::PendingCancel => S::PendingCancel,
            E::PartialFill { .. } if live.contains(&from) => S::PartiallyFilled,
            E::PartialFill { .. } if from == S::PendingCancel => S::PendingCancel,
            E::Fill { .. } if working.contains(&from) => S::Filled,
            E::CancelRequested if live.contains(&from) => S::PendingCancel,
            E::Cancelled if working.contains(&from) => S::Cancelled,
            E::CancelRejected if from == S::PendingCancel => S::PartiallyFilled,
            E::Expired if working.contains(&from) => S::Expired,
            _ => return None,
        };
        Some(to)
    }

    #[test]
    fn all_status_event_pairs() {
        let mut accepted = 0;
        for from in S::ALL {
            for event in events(&order_in(from)) {
                let mut o = order_in(from);
                let before = o.clone();
                match (o.transition(event), legal(from, &event)) {
                    (Ok(to), Some(want)) => {
                        assert_eq!(to, want, "{from} + {event}");
                        assert_eq!(o.status(), want);
                        accepted += 1;
                    }
                    (Err(e), None) => {
                        assert_eq!(e, OrderTransitionError::InvalidTransition { from, event });
                        assert_eq!(o, before, "refused {from} + {event} changed the order");
                    }
                    (got, want) => panic!("{from} + {event}: got {got:?}, table says {want:?}"),
                }
            }
        }
        assert_eq!(accepted, 26);
        for s in S::ALL {
            assert_eq!(
                s.is_terminal(),
                events(&order_in(s)).iter().all(|e| legal(s, e).is_none())
            );
        }
    }

    #[test]
    fn cancel_rejected_without_fills_returns_to_open() {
        let mut o = order_in(S::PendingCancel);
        o.filled = Qty::ZERO;
        assert_eq!(o.transition(E::CancelRejected), Ok(S::Open));
    }

    #[test]
    fn fills_are_tracked_and_overfill_refused() {
        let mut o = order();
        o.transition(E::Submitted).unwrap();
        o.transition(E::Accepted).unwrap();
        o.transition(o.fill_event(Qty::from_lots(3))).unwrap();
        assert_eq!(
            (o.filled(), o.leaves()),
            (Qty::from_lots(3), Qty::from_lots(7))
        );
        let before = o.clone();
        let refusals = [
            (
                E::Fill {
                    qty: Qty::from_lots(8),
                },
                OrderTransitionError::Overfill {
                    fill: Qty::from_lots(8),
                    leaves: Qty::from_lots(7),
                },
            ),
            (
                E::PartialFill {
                    qty: Qty::from_lots(8),
                },
                OrderTransitionError::Overfill {
                    fill: Qty::from_lots(8),
                    leaves: Qty::from_lots(7),
                },
            ),
            (
                E::PartialFill {
                    qty: Qty::from_lots(7),
                },
                OrderTransitionError::FillKind {
                    event: E::PartialFill {
                        qty: Qty::from_lots(7),
                    },
                    leaves: Qty::from_lots(7),
                },
            ),
            (
                E::Fill {
                    qty: Qty::from_lots(6),
                },
                OrderTransitionError::FillKind {
                    event: E::Fill {
                        qty: Qty::from_lots(6),
                    },
                    leaves: Qty::from_lots(7),
                },
            ),
            (
                E::PartialFill { qty: Qty::ZERO },
                OrderTransitionError::FillQty(Qty::ZERO),
            ),
        ];
        for (event, err) in refusals {
            assert_eq!(o.transition(event), Err(err));
            assert_eq!(o, before);
        }
        o.transition(E::CancelRequested).unwrap();
        assert_eq!(
            o.transition(o.fill_event(Qty::from_lots(2))),
            Ok(S::PendingCancel)
        );
        assert_eq!(o.transition(o.fill_event(Qty::from_lots(5))), Ok(S::Filled));
        assert_eq!(o.filled(), o.qty());
        assert!(o.transition(E::Cancelled).is_err());
    }

    #[test]
    fn new_validates() {
        let o = order();
        let mk = |p, q| {
            Order::new(
                o.client_id.clone(),
                o.market.clone(),
                Side::Sell,
                p,
                q,
                UnixNanos(0),
            )
        };
        assert_eq!(
            mk(Price::from_ticks(1), Qty::ZERO),
            Err(OrderError::Qty(Qty::ZERO))
        );
        assert_eq!(
            mk(Price::from_ticks(-1), Qty::from_lots(1)),
            Err(OrderError::Price(Price::from_ticks(-1)))
        );
    }
}
