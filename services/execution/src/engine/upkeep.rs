//! The loop's upkeep: the once-a-second Redis probe and state flush (P&L marks, gauges), and
//! the 5 s sweep of the venue's open orders against ours.

use super::*;
use flashmm_core::signal::ModelState;

impl<B: Bus + Clone + 'static, V: Venue + 'static> Engine<B, V> {
    /// The account's P&L, drawdown and their limits as gauges (alerts compare them).
    pub(super) fn account_gauges(
        &self,
        account: &AccountView,
        [realized, unrealized, fees]: [Decimal; 3],
    ) {
        let f = |d: Decimal| f64::try_from(d).unwrap_or(f64::NAN);
        for (kind, v) in [
            ("realized", realized),
            ("unrealized", unrealized),
            ("fees", fees),
            ("net", account.equity),
        ] {
            gauge!(t::PNL_USDC, "kind" => kind).set(f(v));
        }
        gauge!(t::DAILY_PNL_USDC).set(f(account.daily_pnl));
        gauge!(t::DRAWDOWN_USDC).set(f(self.account.equity_peak - account.equity));
        if let Some(limits) = self.markets.first().map(|m| m.risk.limits()) {
            gauge!(t::DRAWDOWN_LIMIT_USDC).set(f(limits.max_drawdown));
            gauge!(t::DAILY_LOSS_LIMIT_USDC).set(f(limits.daily_loss_limit));
        }
    }

    /// Starts the Redis probe (a read of `state:model`, which also brings the model's live hit
    /// rates), unless one is still out.
    pub(super) fn probe(&mut self) {
        if self.probing {
            return;
        }
        self.probing = true;
        let bus = self.bus.clone();
        let (model, trading) = (self.store.model.clone(), self.store.trading.clone());
        self.inflight.spawn(async move {
            // Both reads at once: the probe's time is one round trip.
            let read = async {
                let (model, trading) = tokio::join!(bus.get_state(&model), bus.get_state(&trading));
                Ok::<_, flashmm_bus::BusError>((model?, trading?.contains_key(HOLD)))
            };
            let probed = tokio::time::timeout(REDIS_PROBE_TIMEOUT, read).await;
            Landed::Probed(probed.ok().and_then(Result::ok))
        });
    }

    /// Acts on the probe. Losing Redis stops quoting (without it no market data, prediction
    /// or command arrives, and nothing is recorded): the next decisions cancel every quote,
    /// and a cancel-all per market follows on the next flush, until it answers again.
    pub(super) fn probed(&mut self, probed: Option<(BTreeMap<String, String>, bool)>) {
        let up = probed.is_some();
        let was = self.writer.set_up(up);
        if up && !was {
            tracing::info!("Redis answers again: quoting resumes");
            // Order states were not written while it was away: every working order again.
            for m in &self.markets {
                for w in m.working.iter() {
                    self.writer.send(self.store.order_state(m, &w.order));
                }
            }
        } else if !up && was {
            tracing::error!("Redis does not answer: every order pulled until it is back");
            for (i, m) in self.markets.iter().enumerate() {
                if !m.working.is_empty() {
                    self.cancel_all_due[i] = Some("redis down".into());
                }
            }
        }
        let Some((model, held)) = probed else { return };
        if !held && !self.state_lost {
            tracing::error!("Redis lost execution's state: pausing, reconciling with the venue");
            counter!(t::STATE_LOST_TOTAL).increment(1);
            self.state_lost = true;
        }
        for m in &mut self.markets {
            let live = ModelState::from_fields(&model, m.key()).hit_rate;
            m.hit_rate = (live.rate, live.window);
        }
    }

    /// Once a second: refused cancel-alls again, the Redis probe, state hashes, P&L marks,
    /// gauges.
    pub(super) async fn flush(&mut self) {
        if self.state_lost && self.writer.is_up() {
            self.state_lost = false;
            self.restore_lost_state().await;
        }
        for idx in 0..self.markets.len() {
            if let Some(reason) = self.cancel_all_due[idx].take() {
                self.execute(idx, Instruction::CancelAll { reason }).await;
            }
        }
        self.probe();
        if !self.writer.is_up() {
            return;
        }
        let now = self.clock.utc();
        self.account.mark(now, &self.markets);
        let account = self.account();
        let (mut realized, mut unrealized, mut fees) =
            (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        for (i, m) in self.markets.iter().enumerate() {
            self.writer.send_all(self.store.market(m, now));
            self.writer.send_all(self.store.quote(m, now));
            let spec = m.spec();
            realized += m.position.realized_pnl(spec).unwrap_or_default();
            unrealized += m
                .mark()
                .and_then(|mk| m.position.unrealized_pnl(spec, mk).ok())
                .unwrap_or_default();
            fees += m.position.fees_paid() - m.position.rebates_earned();
            let key = m.key().to_owned();
            if let Some(r) = m.inventory_ratio().and_then(|r| r.try_into().ok()) {
                gauge!(t::INVENTORY_RATIO, "market" => key.clone()).set::<f64>(r);
            }
            if self.fills[i] > 0 {
                gauge!(t::CANCELS_PER_FILL, "market" => key.clone())
                    .set(self.cancels[i] as f64 / self.fills[i] as f64);
            }
            let open = matches!(
                m.risk.breaker(now),
                flashmm_core::risk::BreakerState::Open { .. }
            );
            gauge!(t::BREAKER_OPEN, "market" => key).set(f64::from(u8::from(open)));
        }
        self.writer
            .send(self.store.total_pnl(realized, unrealized, fees, now));
        self.account_gauges(&account, [realized, unrealized, fees]);
        let exec = vec![
            ("day".to_owned(), self.account.day.to_string()),
            (
                "day_start_equity".to_owned(),
                self.account.day_start_equity.to_string(),
            ),
            (
                "equity_peak".to_owned(),
                self.account.equity_peak.to_string(),
            ),
        ];
        self.writer.send(self.store.set(&self.store.exec, exec));
        let mut latency = Vec::new();
        for (name, w, q) in [
            ("tick_to_quote_p50_us", &self.tick_to_quote, 0.5),
            ("tick_to_quote_p99_us", &self.tick_to_quote, 0.99),
            ("decision_p99_us", &self.decision, 0.99),
        ] {
            if let Some(v) = w.quantile(q) {
                latency.push((name.to_owned(), v.to_string()));
            }
        }
        self.writer
            .send(self.store.set(&self.store.latency, latency));
    }

    /// Every 5 s: asks the venue for its open orders (handled in [`Self::swept`]).
    pub(super) fn sweep(&mut self) {
        if !self.venue_up || self.sweeping {
            return;
        }
        self.sweeping = true;
        self.spend(1);
        let venue = self.venue.clone();
        self.inflight
            .spawn(async move { Landed::Swept(venue.open_orders(None).await) });
    }

    /// The venue's open orders against ours. Venue orders we do not track are cancelled
    /// (orphans), cancels still pending are sent again, and ours the venue no longer has are
    /// closed.
    pub(super) fn swept(&mut self, open: &[OrderReport]) {
        let now = self.clock.utc();
        for o in open {
            let Some(idx) = self.markets.iter().position(|m| m.spec().id() == &o.market) else {
                continue;
            };
            if self.placing.contains(&o.client_id) {
                continue;
            }
            match self.markets[idx].working.get(&o.client_id) {
                None => self.cancel_orphan(o.market.clone(), o.client_id.clone()),
                Some(w) if w.order.status() == OrderStatus::PendingCancel => {
                    self.send_cancel(idx, o.client_id.clone());
                }
                Some(_) => {}
            }
        }
        for idx in 0..self.markets.len() {
            let gone: Vec<ClientOrderId> = self.markets[idx]
                .working
                .iter()
                .filter(|w| now.since(w.order.ts()) > 2 * SEC)
                .filter(|w| !self.placing.contains(w.order.client_id()))
                .filter(|w| !open.iter().any(|o| &o.client_id == w.order.client_id()))
                .map(|w| w.order.client_id().clone())
                .collect();
            for id in gone {
                self.order_event(
                    idx,
                    &id,
                    OrderEvent::Cancelled,
                    Some("not at the venue".into()),
                );
            }
        }
    }
}
