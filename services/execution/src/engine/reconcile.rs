//! Reconciliation with the venue: at start (cancel everything, book the fills each market's
//! cursor has not covered), after a reconnect, and when Redis lost the trading state.

use super::*;

impl<B: Bus + Clone + 'static, V: Venue + 'static> Engine<B, V> {
    /// Restart reconciliation: cancels every order the account has at the venue (orphans of
    /// a dead predecessor included), forgets saved open orders, books the venue's fills since
    /// the saved cursor exactly once, and restores the day's P&L marks.
    pub async fn reconcile(&mut self) -> anyhow::Result<()> {
        let now = self.clock.utc();
        let saved_orders = self.bus.get_state(&self.store.orders).await?;
        // The ids a predecessor sent: its saved open orders and its recently booked fills, so
        // that a venue carrying only a digest of the id reports them under the same ids.
        let mut sent: Vec<ClientOrderId> = saved_orders
            .keys()
            .filter_map(|k| ClientOrderId::new(k.as_str()).ok())
            .collect();
        for m in &self.markets {
            sent.extend(
                m.ledger
                    .client_ids()
                    .into_iter()
                    .filter_map(|k| ClientOrderId::new(k).ok()),
            );
        }
        self.venue.recall(&sent);
        let venue = &self.venue;
        let cancelled = retrying("cancel-all", VENUE_PATIENCE, || venue.cancel_all(None)).await?;
        self.writer
            .send(self.store.clear_orders(saved_orders.into_keys().collect()));
        let exec = self.bus.get_state(&self.store.exec).await?;
        let dec = |k: &str| exec.get(k).and_then(|v| v.parse::<Decimal>().ok());
        self.account.day = exec.get("day").and_then(|v| v.parse().ok()).unwrap_or(0);
        self.account.day_start_equity = dec("day_start_equity").unwrap_or_default();
        self.account.equity_peak = dec("equity_peak").unwrap_or_default();
        let since = self.replay_cursor();
        let venue = &self.venue;
        let fills = retrying("fills", VENUE_PATIENCE, || venue.fills(since)).await?;
        let booked = self.replay_fills(fills, now);
        let trading = self.bus.get_state(&self.store.trading).await?;
        if !trading.contains_key(HOLD) {
            self.writer.send(self.store.hold(&self.account.kill, None));
        }
        self.check_balances(&exec, now).await?;
        for m in &self.markets {
            self.writer.send_all(self.store.market(m, now));
        }
        self.writer.send(self.store.mode(&self.account.kill));
        self.writer.sync().await;
        gauge!(t::KILL_SWITCH).set(f64::from(u8::from(
            self.account.kill.mode() == flashmm_core::risk::TradingMode::Killed,
        )));
        tracing::info!(
            cancelled = cancelled.len(),
            fills_booked = booked,
            mode = %self.account.kill.mode(),
            "reconciled with the venue"
        );
        Ok(())
    }

    /// Cross-checks each market's booked position with the venue's balance of its base asset:
    /// their difference (what the account was funded with) is saved at the first
    /// reconciliation (`funding:{asset}` of `state:exec`) and must be the same at every later
    /// one. When it moved, the booked position is not the venue's: quoting pauses, with the
    /// figures as the reason (`flashmm_execution_balance_mismatches_total`). A venue without
    /// balances is not checked.
    async fn check_balances(
        &mut self,
        exec: &BTreeMap<String, String>,
        now: UnixNanos,
    ) -> anyhow::Result<()> {
        let venue = &self.venue;
        let balances = match retrying("balances", VENUE_PATIENCE, || venue.balances()).await {
            Ok(b) => b,
            Err(VenueError::Unsupported(_)) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let mut saves = Vec::new();
        let mut mismatches = Vec::new();
        for m in &self.markets {
            let asset = m.spec().id().base();
            let Some(b) = balances.iter().find(|b| b.asset == asset) else {
                continue;
            };
            let held = b.available + b.reserved;
            let position = m
                .spec()
                .qty_to_decimal(flashmm_core::market::Qty::from_lots(m.position.qty()));
            let funding = held - position;
            let key = format!("funding:{asset}");
            match exec.get(&key).and_then(|v| v.parse::<Decimal>().ok()) {
                None => saves.push((key, funding.normalize().to_string())),
                Some(saved) if saved != funding => mismatches.push(format!(
                    "{}: the venue holds {held} {asset}, the booked position is {position}, \
                     funded with {saved}",
                    m.key()
                )),
                Some(_) => {}
            }
        }
        self.writer.send(self.store.set(&self.store.exec, saves));
        if !mismatches.is_empty() {
            counter!(t::BALANCE_MISMATCHES_TOTAL).increment(mismatches.len() as u64);
            let reason = format!("position differs from the venue: {}", mismatches.join("; "));
            tracing::error!(reason, "pausing: the booked position is not the venue's");
            self.account.kill.pause(reason, now);
            self.save_mode(None).await;
        }
        Ok(())
    }

    pub(super) async fn catch_up_fills(&mut self) -> anyhow::Result<()> {
        let since = self.replay_cursor();
        let fills = self.venue.fills(since).await?;
        let now = self.clock.utc();
        if self.replay_fills(fills, now) > 0 && self.writer.is_up() {
            for m in &self.markets {
                self.writer.send_all(self.store.market(m, now));
            }
        }
        Ok(())
    }

    /// Where to ask the venue for fills: the earliest of the markets' cursors (a market with
    /// no fill yet asks from the start).
    pub(super) fn replay_cursor(&self) -> i64 {
        self.markets
            .iter()
            .map(|m| m.ledger.resume_from(SEC))
            .min()
            .unwrap_or(0)
    }

    /// Books the venue's fills that each market has not booked: a fill older than its own
    /// market's cursor was booked before and is skipped (the ledger remembers only the latest
    /// fills, so a replay from another market's earlier cursor must not reach past it); the
    /// rest are deduplicated by the ledger. Returns how many were booked; the caller saves
    /// the markets (once, not per replay step).
    pub(super) fn replay_fills(&mut self, fills: Vec<Fill>, now: UnixNanos) -> usize {
        let mut booked = 0;
        for fill in fills {
            let Some(idx) = self
                .markets
                .iter()
                .position(|m| m.spec().id() == &fill.market)
            else {
                continue;
            };
            if fill.ts.as_i64() < self.markets[idx].ledger.resume_from(SEC) {
                continue;
            }
            if self.book_fill(idx, &fill, now, false) {
                booked += 1;
            }
        }
        booked
    }

    /// Redis came back empty (FLUSHALL, a restart without its data): nothing execution saved
    /// is there, the operator hold included. Quoting pauses until an operator resumes; every
    /// order is cancelled, fills missed meanwhile are booked from the venue, and the state is
    /// written again from what the engine holds (positions, fill ledgers, P&L, mode, hold).
    pub(super) async fn restore_lost_state(&mut self) {
        let now = self.clock.utc();
        if self.account.kill.can_quote() {
            self.account.kill.pause("Redis lost the trading state", now);
        }
        self.save_mode(None).await;
        self.cancel_everything("Redis lost the trading state").await;
        if let Err(e) = self.catch_up_fills().await {
            tracing::warn!(error = %e, "fills not fetched after the state loss");
        }
        for m in &self.markets {
            self.writer.send_all(self.store.market(m, now));
        }
    }
}
