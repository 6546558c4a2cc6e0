//! Orders at the venue: instructions sent as concurrent requests, their answers landing back
//! in the loop ([`Landed`]), lost answers looked up, venue reports and fills booked, order
//! updates published.

use super::*;
use flashmm_core::market_event::MarketEvent;

impl<B: Bus + Clone + 'static, V: Venue + 'static> Engine<B, V> {
    pub(super) fn venue_failure(&mut self, idx: usize, kind: &'static str) {
        let now = self.clock.utc();
        let m = &mut self.markets[idx];
        counter!(t::VENUE_ERRORS_TOTAL, "market" => m.key().to_owned(), "kind" => kind)
            .increment(1);
        if m.risk.venue_failure(now) {
            gauge!(t::BREAKER_OPEN, "market" => m.key().to_owned()).set(1.0);
            if let flashmm_core::risk::BreakerState::Open { until } = m.risk.breaker(now) {
                self.publish_violation(idx, &RiskViolation::CircuitOpen { until }, now);
            }
        }
    }

    pub(super) fn publish_order(
        &self,
        idx: usize,
        order: &Order,
        event: OrderEvent,
        reason: Option<String>,
    ) {
        if !self.writer.is_up() {
            return;
        }
        let update = OrderUpdate {
            order: order.clone(),
            event,
            reason,
            ts: self.clock.utc(),
        };
        match self
            .store
            .order_update(&self.ns, &self.markets[idx], &update)
        {
            Ok(writes) => self.writer.send_all(writes),
            Err(e) => tracing::warn!(error = %e, "order update not encoded"),
        }
    }

    /// Applies `event` to a working order and publishes the result.
    pub(super) fn order_event(
        &mut self,
        idx: usize,
        id: &ClientOrderId,
        event: OrderEvent,
        reason: Option<String>,
    ) {
        match self.markets[idx].working.apply(id, event) {
            Ok(Some(order)) => self.publish_order(idx, &order, event, reason),
            Ok(None) => {}
            Err(e) => tracing::debug!(order = %id, error = %e, "order event refused"),
        }
    }

    /// Sends a cancel of `client_id`; its answer lands as [`Landed::Cancelled`].
    pub(super) fn send_cancel(&mut self, idx: usize, client_id: ClientOrderId) {
        self.spend(1);
        let venue = self.venue.clone();
        let market = self.markets[idx].spec().id().clone();
        self.inflight.spawn(async move {
            let result = venue
                .cancel(&market, &OrderRef::ClientOrderId(client_id.clone()))
                .await;
            Landed::Cancelled {
                idx,
                client_id,
                result,
            }
        });
    }

    /// Cancels an order that is not ours any more; the answer is not tracked.
    pub(super) fn cancel_orphan(&mut self, market: MarketId, client_id: ClientOrderId) {
        self.spend(1);
        let venue = self.venue.clone();
        self.inflight.spawn(async move {
            let _ = venue
                .cancel(&market, &OrderRef::ClientOrderId(client_id))
                .await;
            Landed::Orphan
        });
    }

    /// Sends an instruction to the venue: places and cancels go out at once and land later;
    /// a cancel-all lets everything in flight land first and waits for its answer.
    pub(super) async fn execute(&mut self, idx: usize, instruction: Instruction) {
        let key = self.markets[idx].key().to_owned();
        let market = self.markets[idx].spec().id().clone();
        match instruction {
            Instruction::Place { order, tif } => {
                self.publish_order(idx, &order, OrderEvent::Submitted, None);
                counter!(t::QUOTES_TOTAL, "market" => key).increment(1);
                let client_id = order.client_id().clone();
                let req = NewOrder {
                    market,
                    client_id: client_id.clone(),
                    side: order.side(),
                    price: order.price(),
                    qty: order.qty(),
                    tif: match tif {
                        Tif::PostOnly => TimeInForce::PostOnly,
                        Tif::Ioc => TimeInForce::Ioc,
                    },
                };
                self.placing.insert(client_id.clone());
                self.spend(1);
                let venue = self.venue.clone();
                self.inflight.spawn(async move {
                    let result = venue.place(&req).await;
                    Landed::Placed {
                        idx,
                        client_id,
                        result,
                    }
                });
            }
            Instruction::Cancel { client_id } => {
                counter!(t::CANCELS_TOTAL, "market" => key).increment(1);
                self.cancels[idx] += 1;
                if let Some(w) = self.markets[idx].working.get(&client_id) {
                    let order = w.order.clone();
                    self.publish_order(idx, &order, OrderEvent::CancelRequested, None);
                }
                if self.placing.contains(&client_id) {
                    self.cancel_on_ack.insert(client_id);
                } else {
                    self.send_cancel(idx, client_id);
                }
            }
            Instruction::CancelAll { reason } => {
                counter!(t::CANCELS_TOTAL, "market" => key.clone()).increment(1);
                self.cancels[idx] += 1;
                self.drain_inflight().await;
                self.spend(1);
                let venue = &self.venue;
                match retrying("cancel-all", CANCEL_ALL_PATIENCE, || {
                    venue.cancel_all(Some(&market))
                })
                .await
                {
                    Ok(_) => {
                        self.cancel_all_due[idx] = None;
                        let gone = self.markets[idx].working.clear();
                        for mut w in gone {
                            let _ = w.order.transition(OrderEvent::Cancelled);
                            self.publish_order(
                                idx,
                                &w.order,
                                OrderEvent::Cancelled,
                                Some(reason.clone()),
                            );
                        }
                    }
                    Err(e) => {
                        tracing::warn!(market = %key, error = %e, "cancel-all failed; retried each second");
                        self.cancel_all_due[idx] = Some(reason);
                        if let Some(kind) = failure_kind(&e) {
                            self.venue_failure(idx, kind);
                        }
                    }
                }
            }
        }
    }

    /// Handles a venue answer (or the probe) that landed.
    pub(super) fn landed(&mut self, landed: Result<Landed, JoinError>) {
        let landed = match landed {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, "venue request task failed");
                return;
            }
        };
        match landed {
            Landed::Placed {
                idx,
                client_id,
                result,
            } => {
                self.placing.remove(&client_id);
                let cancel = self.cancel_on_ack.remove(&client_id);
                match result {
                    Ok(report) => {
                        self.markets[idx].risk.venue_success(self.clock.utc());
                        let live = !report.status.is_terminal();
                        self.report(idx, report);
                        if cancel && live && self.markets[idx].working.get(&client_id).is_some() {
                            self.send_cancel(idx, client_id);
                        }
                    }
                    Err(e) => {
                        let kind = failure_kind(&e);
                        // A lost answer leaves the order pending, and nothing is sent for its
                        // slot until the venue says by client id whether it rests.
                        let lost = matches!(kind, Some("ack_dropped" | "timeout"));
                        if lost {
                            if cancel {
                                self.cancel_on_ack.insert(client_id.clone());
                            }
                            self.look_up(idx, client_id.clone());
                        } else {
                            self.order_event(
                                idx,
                                &client_id,
                                OrderEvent::Rejected,
                                Some(e.to_string()),
                            );
                        }
                        if let Some(kind) = kind {
                            self.venue_failure(idx, kind);
                        }
                    }
                }
            }
            Landed::Cancelled {
                idx,
                client_id,
                result,
            } => match result {
                Ok(report) => self.report(idx, report),
                Err(e) => {
                    let code = e.api().map(|a| a.code);
                    if code == Some(ErrorCode::UnknownOrder) {
                        self.order_event(
                            idx,
                            &client_id,
                            OrderEvent::Cancelled,
                            Some(e.to_string()),
                        );
                    } else if code == Some(ErrorCode::RateLimited) {
                        // Working again: the next decision cancels it within the budget.
                        self.order_event(
                            idx,
                            &client_id,
                            OrderEvent::CancelRejected,
                            Some(e.to_string()),
                        );
                    } else if let Some(kind) = failure_kind(&e) {
                        self.venue_failure(idx, kind);
                    }
                    // Otherwise it stays cancel-requested; the sweep sends it again.
                }
            },
            Landed::Orphan => {}
            Landed::LookedUp {
                idx,
                client_id,
                result,
            } => self.looked_up(idx, client_id, result),
            Landed::Swept(result) => {
                self.sweeping = false;
                match result {
                    Ok(open) => self.swept(&open),
                    Err(e) => tracing::debug!(error = %e, "open orders not listed"),
                }
            }
            Landed::Probed(model) => {
                self.probing = false;
                self.probed(model);
            }
        }
    }

    /// Asks the venue whether `client_id`, whose placement's answer was lost, rests.
    pub(super) fn look_up(&mut self, idx: usize, client_id: ClientOrderId) {
        counter!(t::LOST_ACKS_TOTAL, "market" => self.markets[idx].key().to_owned()).increment(1);
        self.placing.insert(client_id.clone());
        self.spend(1);
        let venue = self.venue.clone();
        let market = self.markets[idx].spec().id().clone();
        self.inflight.spawn(async move {
            let result = venue.open_orders(Some(&market)).await;
            Landed::LookedUp {
                idx,
                client_id,
                result,
            }
        });
    }

    /// The lookup of an order whose placement's answer was lost: resting, it is accepted (and
    /// cancelled when a cancel waited for it); absent, it is closed, and its slot free again
    /// (a fill it took arrives as a fill). A lookup that failed is tried again.
    pub(super) fn looked_up(
        &mut self,
        idx: usize,
        client_id: ClientOrderId,
        result: Result<Vec<OrderReport>, VenueError>,
    ) {
        let open = match result {
            Ok(open) => open,
            Err(e) => {
                tracing::debug!(order = %client_id, error = %e, "lookup failed; again");
                self.look_up(idx, client_id);
                return;
            }
        };
        self.placing.remove(&client_id);
        let cancel = self.cancel_on_ack.remove(&client_id);
        match open.into_iter().find(|o| o.client_id == client_id) {
            Some(report) => {
                self.report(idx, report);
                if cancel && self.markets[idx].working.get(&client_id).is_some() {
                    self.send_cancel(idx, client_id);
                }
            }
            None => self.order_event(
                idx,
                &client_id,
                OrderEvent::Rejected,
                Some("not at the venue after a lost answer".into()),
            ),
        }
    }

    /// Brings a working order in line with a venue report (fills arrive as fills).
    pub(super) fn report(&mut self, idx: usize, report: OrderReport) {
        let now = self.clock.utc();
        for f in &report.fills {
            self.book_fill(idx, f, now, true);
        }
        let id = report.client_id.clone();
        let Some(w) = self.markets[idx].working.get(&id) else {
            if !report.status.is_terminal() && report.status != OrderStatus::New {
                // Not ours any more (a previous run's): cancel the orphan.
                let market = self.markets[idx].spec().id().clone();
                self.cancel_orphan(market, id);
            }
            return;
        };
        let current = w.order.status();
        let event = match report.status {
            OrderStatus::Open | OrderStatus::PartiallyFilled | OrderStatus::Filled
                if current == OrderStatus::PendingNew =>
            {
                Some(OrderEvent::Accepted)
            }
            OrderStatus::Cancelled => Some(OrderEvent::Cancelled),
            OrderStatus::Expired => Some(OrderEvent::Expired),
            OrderStatus::Rejected => Some(OrderEvent::Rejected),
            _ => None,
        };
        if w.order.venue_order_id().is_none() {
            let mut o = w.order.clone();
            o.set_venue_order_id(report.venue_order_id.clone());
            let slot = w.slot;
            self.markets[idx].working.insert(o, slot);
        }
        if let Some(event) = event {
            self.order_event(idx, &id, event, report.reason.clone());
        }
    }

    /// Books `fill` once (the ledger refuses a fill booked before) and publishes it; `save`
    /// writes the market's position and ledger too (a replay of many fills saves once at its
    /// end instead: the ledger is thousands of fills long). Returns whether it was booked.
    pub(super) fn book_fill(
        &mut self,
        idx: usize,
        fill: &Fill,
        now: UnixNanos,
        save: bool,
    ) -> bool {
        let Some(moved) = self.markets[idx].book_fill(fill) else {
            return false;
        };
        // The order's new state (filled: gone from `state:orders`) and its update.
        if let Some((order, event)) = moved {
            self.publish_order(idx, &order, event, None);
        }
        self.fills[idx] += 1;
        let key = self.markets[idx].key().to_owned();
        counter!(t::FILLS_TOTAL, "market" => key.clone()).increment(1);
        // Published even while Redis is away: the writer holds fills until it is back (the
        // position is saved by the first flush then; a restart rebuilds it from the venue).
        match self.store.fill(&self.ns, &key, fill, now) {
            Ok(w) => self.writer.send(w),
            Err(e) => tracing::warn!(error = %e, "fill not encoded"),
        }
        if save && self.writer.is_up() {
            self.writer
                .send_all(self.store.market(&self.markets[idx], now));
        }
        true
    }

    pub(super) async fn venue_event(&mut self, e: VenueEvent) {
        match e {
            VenueEvent::Connected => {
                if !self.venue_up {
                    tracing::info!("venue reconnected: cancel-all, then quoting again");
                    self.cancel_everything("reconnect").await;
                    if let Err(e) = self.catch_up_fills().await {
                        tracing::warn!(error = %e, "fills after reconnect not fetched");
                    }
                }
                self.venue_up = true;
            }
            VenueEvent::Disconnected { reason } => {
                if self.venue_up {
                    counter!(t::VENUE_DISCONNECTS_TOTAL).increment(1);
                    tracing::warn!(reason, "venue connection lost");
                    let now = self.clock.utc();
                    for i in 0..self.markets.len() {
                        self.violations(
                            i,
                            vec![RiskViolation::Disconnected {
                                reason: reason.clone(),
                            }],
                            now,
                        )
                        .await;
                    }
                    // Cancel-on-disconnect removed them at the venue; try explicitly too.
                    self.cancel_everything("disconnected").await;
                }
                self.venue_up = false;
            }
            VenueEvent::Order(report) => {
                if let Some(idx) = self
                    .markets
                    .iter()
                    .position(|m| m.spec().id() == &report.market)
                {
                    self.report(idx, report);
                }
            }
            VenueEvent::Fill(fill) => {
                if let Some(idx) = self
                    .markets
                    .iter()
                    .position(|m| m.spec().id() == &fill.market)
                {
                    self.book_fill(idx, &fill, self.clock.utc(), true);
                }
            }
            VenueEvent::Market(MarketEvent::Snapshot(_))
            | VenueEvent::Market(MarketEvent::Delta(_))
            | VenueEvent::Market(MarketEvent::Trade(_)) => {}
        }
    }
}
