//! The state shared by every handler and task.

use flashmm_sim::account::AccountId;
use flashmm_sim::exchange::{Exchange, Outbound};
use flashmm_sim::faults::Faults;
use flashmm_sim::latency::{Latency, LatencyModel};
use flashmm_venue::protocol::ServerMessage;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{broadcast, watch};

/// Options of the server beyond the exchange itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerOptions {
    /// Cancel an account's orders when its last authenticated WebSocket session drops.
    pub cancel_on_disconnect: bool,
    /// Seed of the fault injector's draws.
    pub fault_seed: u64,
    /// Messages buffered per WebSocket client before it is disconnected as too slow.
    pub feed_capacity: usize,
    /// How long a participant's order request takes to reach the matching engine (the
    /// backtester's latency model; zero by default, 10 ms ± 2 ms in paper trading): the
    /// request is applied, and acknowledged, that much later, in the order it arrived.
    pub order_latency: Latency,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            cancel_on_disconnect: true,
            fault_seed: 42,
            feed_capacity: 65_536,
            order_latency: Latency::from_ms(0.0, 0.0),
        }
    }
}

/// The wall clock as UTC nanoseconds.
pub fn now_ns() -> i64 {
    flashmm_runtime::now().as_i64()
}

struct Shared {
    exchange: Mutex<Exchange>,
    faults: Mutex<Faults>,
    feed: broadcast::Sender<Arc<Outbound>>,
    drop_ws: watch::Sender<u64>,
    sessions: Mutex<HashMap<AccountId, usize>>,
    order_latency: Mutex<LatencyModel>,
    fills: watch::Sender<u64>,
}

/// Cheaply cloneable handle on the server's state.
#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

/// Locks a mutex, recovering the data if a panicking holder poisoned it.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl AppState {
    /// State around a built exchange.
    pub fn new(exchange: Exchange, options: ServerOptions) -> Self {
        let faults = Faults::new(
            options.fault_seed,
            exchange.market_count(),
            options.cancel_on_disconnect,
        );
        let (feed, _) = broadcast::channel(options.feed_capacity.max(16));
        let (drop_ws, _) = watch::channel(0);
        let (fills, _) = watch::channel(0);
        AppState {
            shared: Arc::new(Shared {
                exchange: Mutex::new(exchange),
                faults: Mutex::new(faults),
                feed,
                drop_ws,
                sessions: Mutex::new(HashMap::new()),
                order_latency: Mutex::new(LatencyModel::new(
                    options.order_latency,
                    options.fault_seed,
                )),
                fills,
            }),
        }
    }

    /// Runs `f` on the locked exchange and publishes the messages it produced before the lock
    /// is released, so the feed carries them in engine order.
    pub fn with_exchange<R>(&self, f: impl FnOnce(&mut Exchange, &mut Vec<Outbound>) -> R) -> R {
        let mut exchange = lock(&self.shared.exchange);
        let mut out = Vec::new();
        let result = f(&mut exchange, &mut out);
        self.publish(out);
        result
    }

    /// Runs `f` on the locked exchange and subscribes to the feed under the same lock: the
    /// receiver gets exactly the messages produced after `f` looked at the exchange.
    pub fn with_exchange_subscribed<R>(
        &self,
        f: impl FnOnce(&mut Exchange) -> R,
    ) -> (R, broadcast::Receiver<Arc<Outbound>>) {
        let mut exchange = lock(&self.shared.exchange);
        let result = f(&mut exchange);
        (result, self.shared.feed.subscribe())
    }

    /// Runs `f` on the locked fault state.
    pub fn with_faults<R>(&self, f: impl FnOnce(&mut Faults) -> R) -> R {
        f(&mut lock(&self.shared.faults))
    }

    /// When an order request sent at `sent_ns` reaches the matching engine.
    pub fn order_arrival(&self, sent_ns: i64) -> i64 {
        lock(&self.shared.order_latency).arrival(sent_ns)
    }

    /// Advances the background flow to `now_ns` and publishes it.
    pub fn advance(&self, now_ns: i64) {
        self.with_exchange(|ex, out| ex.advance(now_ns, out));
    }

    /// Sends messages to the feed, withholding deltas the skip fault asks for.
    fn publish(&self, out: Vec<Outbound>) {
        if out.is_empty() {
            return;
        }
        let mut faults = lock(&self.shared.faults);
        for o in out {
            match &o {
                Outbound::Market {
                    market,
                    msg: ServerMessage::Delta(_),
                } if faults.take_skip(*market) => {
                    metrics::counter!("sim_venue_faults_total", "kind" => "skip_seq").increment(1);
                    continue;
                }
                Outbound::Account {
                    msg: ServerMessage::Fill(_),
                    ..
                } => {
                    metrics::counter!("sim_venue_fills_total").increment(1);
                    self.shared.fills.send_modify(|n| *n += 1);
                }
                _ => {}
            }
            // No receiver is not an error: nobody is listening yet.
            let _ = self.shared.feed.send(Arc::new(o));
        }
    }

    /// A receiver that changes whenever fills were published (balances moved).
    pub fn fill_signal(&self) -> watch::Receiver<u64> {
        self.shared.fills.subscribe()
    }

    /// Closes every WebSocket session now.
    pub fn drop_ws_connections(&self) {
        self.shared
            .drop_ws
            .send_modify(|generation| *generation += 1);
    }

    /// A receiver that changes when sessions must close.
    pub fn drop_ws_signal(&self) -> watch::Receiver<u64> {
        self.shared.drop_ws.subscribe()
    }

    /// Counts an authenticated session of `account`.
    pub fn session_opened(&self, account: AccountId) {
        *lock(&self.shared.sessions).entry(account).or_default() += 1;
    }

    /// Uncounts a session of `account`; when it was the last one and cancel-on-disconnect is
    /// on, cancels the account's open orders. Returns how many were cancelled.
    pub fn session_closed(&self, account: AccountId) -> usize {
        let last = {
            let mut sessions = lock(&self.shared.sessions);
            match sessions.get_mut(&account) {
                Some(n) if *n > 1 => {
                    *n -= 1;
                    false
                }
                _ => {
                    sessions.remove(&account);
                    true
                }
            }
        };
        if !last || !self.with_faults(|f| f.cancel_on_disconnect()) {
            return 0;
        }
        let now = now_ns();
        self.with_exchange(|ex, out| {
            ex.cancel_all(account, None, now, out)
                .map(|r| r.cancelled.len())
                .unwrap_or(0)
        })
    }
}
