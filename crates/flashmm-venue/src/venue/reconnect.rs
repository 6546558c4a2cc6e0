//! What the venue clients' connection tasks share: the wall clock, how one connection ends,
//! the reconnect loop (report the loss, wait a jittered exponential delay, start again) and the
//! WebSocket reads and writes of one connection.

use super::sim::Backoff;
use super::{Received, VenueEvent};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use std::convert::Infallible;
use std::fmt::Display;
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::{sleep, timeout_at, Instant};
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The wall clock in UTC nanoseconds.
pub(crate) fn utc_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Why one connection ended (a connection returns `Result<Infallible, End>`: it runs until it
/// ends).
pub(crate) enum End {
    /// The consumer dropped the stream: stop for good.
    Closed,
    /// The connection failed or was lost: reconnect.
    Lost(String),
}

impl End {
    /// The connection was lost for `reason`.
    pub(crate) fn lost(reason: impl Display) -> Self {
        End::Lost(reason.to_string())
    }
}

/// A connection's way to the consumer of the stream.
pub(crate) struct Link<'a> {
    tx: &'a mpsc::Sender<Received>,
    backoff: &'a mut Backoff,
}

impl Link<'_> {
    /// The connection is established: the next loss waits the smallest delay again, and the
    /// consumer hears [`VenueEvent::Connected`].
    pub(crate) async fn connected(&mut self) -> Result<(), End> {
        self.backoff.reset();
        self.send(VenueEvent::Connected, utc_ns()).await
    }

    /// Forwards `event`, read at `read_at` (UTC ns); `End::Closed` when the consumer is gone.
    pub(crate) async fn send(&self, event: VenueEvent, read_at: i64) -> Result<(), End> {
        self.tx
            .send(Received::new(event, read_at))
            .await
            .map_err(|_| End::Closed)
    }
}

/// One connection of a venue's stream.
pub(crate) trait Connection: Sync {
    /// Connects, subscribes and forwards events through `link` until the connection ends.
    fn run(&self, link: &mut Link<'_>) -> impl Future<Output = Result<Infallible, End>> + Send;
}

/// Runs `connection` again and again until the consumer drops the stream: after each loss
/// it reports [`VenueEvent::Disconnected`] and waits the next delay of a [`Backoff`] between
/// `min` and `max`. `what` names the stream in the log.
pub(crate) async fn reconnecting(
    what: &'static str,
    (min, max): (Duration, Duration),
    connection: impl Connection,
    tx: mpsc::Sender<Received>,
) {
    let mut backoff = Backoff::new(min, max);
    loop {
        let mut link = Link {
            tx: &tx,
            backoff: &mut backoff,
        };
        let Err(end) = connection.run(&mut link).await;
        let reason = match end {
            End::Closed => return,
            End::Lost(reason) => reason,
        };
        tracing::warn!(reason, "{what} lost, reconnecting");
        if tx
            .send(Received::new(VenueEvent::Disconnected { reason }, utc_ns()))
            .await
            .is_err()
        {
            return;
        }
        sleep(backoff.next_delay()).await;
    }
}

/// A WebSocket connection, plain or TLS.
pub(crate) type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens a WebSocket connection to `url`, split into its writing and reading halves.
pub(crate) async fn open(url: &str) -> Result<(SplitSink<Ws, Message>, SplitStream<Ws>), End> {
    // TCP_NODELAY: a ping or an auth written while the previous frame is unacknowledged would
    // otherwise wait for the venue's delayed ACK.
    let (ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
        .await
        .map_err(|e| End::Lost(format!("connect: {e}")))?;
    Ok(ws.split())
}

/// Sends one encoded text frame; a failed encoding or write loses the connection.
pub(crate) async fn send_text<S, E>(sink: &mut S, text: Result<String, E>) -> Result<(), End>
where
    S: Sink<Message, Error = WsError> + Unpin,
    E: Display,
{
    let text = text.map_err(|e| End::Lost(format!("encode: {e}")))?;
    sink.send(Message::Text(text.into()))
        .await
        .map_err(|e| End::Lost(format!("send: {e}")))
}

/// The next text frame read before `deadline`: `Ok(None)` for a frame without text (binary,
/// ping, pong), `Err` when the connection is lost (a timeout, the venue's close, an error).
pub(crate) async fn next_text<S>(
    stream: &mut S,
    deadline: Instant,
) -> Result<Option<Utf8Bytes>, End>
where
    S: Stream<Item = Result<Message, WsError>> + Unpin,
{
    match timeout_at(deadline, stream.next()).await {
        Err(_) => Err(End::Lost("idle timeout".to_owned())),
        Ok(None) | Ok(Some(Ok(Message::Close(_)))) => Err(End::Lost("closed by venue".to_owned())),
        Ok(Some(Err(e))) => Err(End::Lost(format!("read: {e}"))),
        Ok(Some(Ok(Message::Text(text)))) => Ok(Some(text)),
        Ok(Some(Ok(_))) => Ok(None),
    }
}
