//! Which FlashMM order a cloid is: the orders this client sent (or was told of) by cloid,
//! with what the venue's answers do not repeat (the FlashMM id, time in force).

use flashmm_core::identifiers::{ClientOrderId, IdError};
use flashmm_core::market::{Price, Qty, Side};
use flashmm_core::order::TimeInForce;
use flashmm_hyperliquid::Cloid;
use std::collections::{HashMap, VecDeque};

/// Orders remembered, at most (the oldest are forgotten first).
pub const CAPACITY: usize = 65_536;

/// What the client knows of one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// FlashMM's id.
    pub client_id: ClientOrderId,
    /// The order's terms, when this client sent it: index of the market, side, price, size,
    /// time in force.
    pub terms: Option<(usize, Side, Price, Qty, TimeInForce)>,
    /// The venue's order id, once known.
    pub oid: Option<u64>,
}

/// Orders by cloid.
#[derive(Debug, Default)]
pub struct OrderIds {
    by_cloid: HashMap<Cloid, Known>,
    age: VecDeque<Cloid>,
}

impl OrderIds {
    /// Remembers `known` under its cloid (the one derived from its FlashMM id).
    pub fn insert(&mut self, known: Known) -> Cloid {
        let cloid = Cloid::from_client_order_id(&known.client_id);
        if self.by_cloid.insert(cloid, known).is_none() {
            self.age.push_back(cloid);
            while self.age.len() > CAPACITY {
                if let Some(old) = self.age.pop_front() {
                    self.by_cloid.remove(&old);
                }
            }
        }
        cloid
    }

    /// Remembers FlashMM ids a previous run may have sent, without their terms.
    pub fn recall(&mut self, ids: &[ClientOrderId]) {
        for id in ids {
            let cloid = Cloid::from_client_order_id(id);
            if !self.by_cloid.contains_key(&cloid) {
                self.insert(Known {
                    client_id: id.clone(),
                    terms: None,
                    oid: None,
                });
            }
        }
    }

    /// What is known of `cloid`.
    pub fn get(&self, cloid: &Cloid) -> Option<&Known> {
        self.by_cloid.get(cloid)
    }

    /// Records the venue's order id of `cloid`.
    pub fn set_oid(&mut self, cloid: &Cloid, oid: u64) {
        if let Some(k) = self.by_cloid.get_mut(cloid) {
            k.oid = Some(oid);
        }
    }

    /// FlashMM's id of the order with `cloid` and `oid`: the remembered one, else the cloid
    /// itself (`0x` + 32 hex digits, a valid client id), else `hl-{oid}` for an order sent
    /// without a cloid.
    pub fn client_id(&self, cloid: Option<&Cloid>, oid: u64) -> Result<ClientOrderId, IdError> {
        if let Some(k) = cloid.and_then(|c| self.by_cloid.get(c)) {
            return Ok(k.client_id.clone());
        }
        match cloid {
            Some(c) => ClientOrderId::new(c.to_string()),
            None => ClientOrderId::from_sequence("hl", oid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ClientOrderId {
        ClientOrderId::new(s).expect("id")
    }

    #[test]
    fn maps_cloids_back_to_flashmm_ids() {
        let mut ids = OrderIds::default();
        let a = ids.insert(Known {
            client_id: id("SEI-USDC-1-7"),
            terms: None,
            oid: None,
        });
        assert_eq!(a, Cloid::from_client_order_id(&id("SEI-USDC-1-7")));
        assert_eq!(ids.client_id(Some(&a), 1), Ok(id("SEI-USDC-1-7")));
        let other = Cloid::from_client_order_id(&id("SEI-USDC-1-8"));
        assert_eq!(
            ids.client_id(Some(&other), 1).expect("id").as_str(),
            other.to_string()
        );
        assert_eq!(ids.client_id(None, 42).expect("id").as_str(), "hl-42");
        ids.recall(&[id("SEI-USDC-1-8")]);
        assert_eq!(ids.client_id(Some(&other), 1), Ok(id("SEI-USDC-1-8")));
        ids.set_oid(&a, 9);
        assert_eq!(ids.get(&a).and_then(|k| k.oid), Some(9));
    }
}
