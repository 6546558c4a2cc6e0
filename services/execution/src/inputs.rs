//! The tasks that feed the engine: one consumer per input stream (group `execution`) and the
//! venue's event stream, all into one channel.

use flashmm_bus::{Bus, BusError, Consumer, ConsumerConfig, EntryId, Namespace, StreamName};
use flashmm_core::control::ExecCommand;
use flashmm_core::market_event::MarketEvent;
use flashmm_core::signal::Prediction;
use flashmm_core::time::UnixNanos;
use flashmm_venue::venue::{EventStream, VenueEvent};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// The consumer group execution reads through.
pub const GROUP: &str = "execution";

/// One input of the engine.
#[derive(Debug)]
pub enum Input {
    /// A market data event of market `idx`, with the `origin_ts` of its entry and when it
    /// was read (monotonic): its local receive time, what market data freshness is judged by,
    /// and the start of the decision latency.
    Md(usize, MarketEvent, UnixNanos, Instant),
    /// A prediction of market `idx`, with the `origin_ts` of its entry and when it was read
    /// (its freshness is judged by the prediction's own `origin_ts`).
    Pred(usize, Prediction, UnixNanos, Instant),
    /// An operator command; reply on `done` once acted on (the entry is acked then).
    Cmd(ExecCommand, oneshot::Sender<()>),
    /// An event of the venue connection.
    Venue(VenueEvent),
}

/// Joins `stream`'s group, retrying (logged, capped at 1 s apart) while Redis refuses or is
/// away: an input must never be dropped for good because Redis was slow at start.
async fn start_consumer<T, B>(bus: B, stream: StreamName, name: String) -> Consumer<T, B>
where
    T: flashmm_bus::Decodable,
    B: Bus + Clone + 'static,
{
    let mut wait = Duration::from_millis(100);
    loop {
        match Consumer::start(bus.clone(), stream.clone(), consumer_config(name.clone())).await {
            Ok(c) => return c,
            Err(e) => {
                tracing::warn!(stream = %stream.as_str(), error = %e, "cannot join the consumer group; retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(1));
            }
        }
    }
}

fn consumer_config(name: String) -> ConsumerConfig {
    ConsumerConfig {
        block: Duration::from_millis(200),
        min_idle: Duration::from_secs(5),
        ..ConsumerConfig::new(GROUP, name)
    }
}

/// Forwards `md:{key}` and `pred:{key}` of market `idx`, acking each entry once forwarded
/// (market data is not replayed after a restart: the book is rebuilt from the next snapshot).
pub async fn market<B: Bus + Clone + 'static>(
    bus: B,
    ns: Namespace,
    idx: usize,
    key: String,
    tx: mpsc::Sender<Input>,
) -> Result<(), BusError> {
    let md = forward(
        bus.clone(),
        ns.md(&key)?,
        format!("execution-md-{key}"),
        tx.clone(),
        move |event, origin, at| Input::Md(idx, event, origin, at),
    );
    let pred = forward(
        bus,
        ns.pred(&key)?,
        format!("execution-pred-{key}"),
        tx,
        move |p, origin, at| Input::Pred(idx, p, origin, at),
    );
    tokio::try_join!(md, pred).map(|_| ())
}

/// Reads `stream` as consumer `name` and sends each entry to the engine as `input` makes it
/// (with the entry's `origin_ts` and when it was read), acking once forwarded; returns when
/// the engine has stopped.
async fn forward<T, B>(
    bus: B,
    stream: StreamName,
    name: String,
    tx: mpsc::Sender<Input>,
    input: impl Fn(T, UnixNanos, Instant) -> Input,
) -> Result<(), BusError>
where
    T: flashmm_bus::Decodable,
    B: Bus + Clone + 'static,
{
    let mut c: Consumer<T, B> = start_consumer(bus, stream, name).await;
    loop {
        let batch = match c.next_batch().await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(stream = %c.stream().as_str(), error = %e, "cannot read");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let ids: Vec<EntryId> = batch.iter().map(|r| r.id.clone()).collect();
        for r in batch {
            if tx
                .send(input(r.msg, r.meta.origin_ts, Instant::now()))
                .await
                .is_err()
            {
                return Ok(());
            }
        }
        c.ack_in_background(ids);
        // The engine (woken by the sends) decides before this consumer issues its next read:
        // on one worker the read would otherwise go out first, in the input's path.
        tokio::task::yield_now().await;
    }
}

/// Forwards `cmd:exec`, acking each command after the engine acted on it.
pub async fn commands<B: Bus + Clone + 'static>(
    bus: B,
    ns: Namespace,
    tx: mpsc::Sender<Input>,
) -> Result<(), BusError> {
    let mut c: Consumer<ExecCommand, B> =
        start_consumer(bus, ns.cmd_exec(), "execution-cmd".into()).await;
    loop {
        let batch = match c.next_batch().await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read commands");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        for r in batch {
            let (done, wait) = oneshot::channel();
            if tx.send(Input::Cmd(r.msg, done)).await.is_err() {
                return Ok(());
            }
            if wait.await.is_ok() {
                let _ = c.ack(std::slice::from_ref(&r.id)).await;
            }
        }
    }
}

/// Forwards the venue's events (own orders and fills, connection changes).
pub async fn venue_events(mut events: EventStream, tx: mpsc::Sender<Input>) {
    while let Some(e) = events.next().await {
        if matches!(
            e,
            VenueEvent::Market(MarketEvent::Snapshot(_))
                | VenueEvent::Market(MarketEvent::Delta(_))
                | VenueEvent::Market(MarketEvent::Trade(_))
        ) {
            continue;
        }
        if tx.send(Input::Venue(e)).await.is_err() {
            return;
        }
    }
}
