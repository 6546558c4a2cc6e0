//! JSON-RPC 2.0 over WebSocket to a list of endpoints, with failover.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::venue::VenueError;

/// A WebSocket to one node.
pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The endpoints, remembering the last one that answered.
#[derive(Debug)]
pub(crate) struct Endpoints {
    urls: Vec<String>,
    preferred: AtomicUsize,
}

impl Endpoints {
    pub(crate) fn new(urls: Vec<String>) -> Self {
        Endpoints {
            urls,
            preferred: AtomicUsize::new(0),
        }
    }

    /// Connects to the preferred endpoint, else each next one in turn; returns the socket
    /// and the endpoint's index, or every endpoint's failure.
    pub(crate) async fn connect(&self, timeout: Duration) -> Result<(Socket, usize), VenueError> {
        if self.urls.is_empty() {
            return Err(VenueError::Transport("no Sei endpoint configured".into()));
        }
        let start = self.preferred.load(Ordering::Relaxed);
        let mut failures = Vec::new();
        for k in 0..self.urls.len() {
            let i = (start + k) % self.urls.len();
            let url = &self.urls[i];
            match tokio::time::timeout(
                timeout,
                tokio_tungstenite::connect_async_with_config(url.as_str(), None, true),
            )
            .await
            {
                Ok(Ok((ws, _))) => {
                    if i != start {
                        tracing::warn!(endpoint = %url, "Sei endpoint failover");
                    }
                    self.preferred.store(i, Ordering::Relaxed);
                    return Ok((ws, i));
                }
                Ok(Err(e)) => failures.push(format!("{url}: {e}")),
                Err(_) => failures.push(format!("{url}: connect timed out")),
            }
        }
        Err(VenueError::Transport(failures.join("; ")))
    }

    /// Calls `method` on the first endpoint that connects. A request that was sent is not
    /// sent again elsewhere (a transaction must not be broadcast twice by accident).
    pub(crate) async fn call(
        &self,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, VenueError> {
        let (mut ws, _) = self.connect(timeout).await?;
        let result = tokio::time::timeout(timeout, request(&mut ws, 1, method, params)).await;
        let _ = ws.close(None).await;
        match result {
            Ok(r) => r,
            Err(_) => Err(VenueError::Transport(format!(
                "{method}: no answer in time"
            ))),
        }
    }
}

/// Sends one request and waits for the answer with its id (other messages are skipped).
pub(crate) async fn request(
    ws: &mut Socket,
    id: u64,
    method: &str,
    params: Value,
) -> Result<Value, VenueError> {
    send(ws, id, method, params).await?;
    while let Some(msg) = ws.next().await {
        let text = match msg {
            Ok(Message::Text(t)) => t,
            Ok(Message::Close(_)) => break,
            Ok(_) => continue,
            Err(e) => return Err(VenueError::Transport(e.to_string())),
        };
        let v: Value =
            serde_json::from_str(&text).map_err(|e| VenueError::Decode(e.to_string()))?;
        if v.get("id").and_then(Value::as_u64) == Some(id) {
            return into_result(v);
        }
    }
    Err(VenueError::Transport(format!(
        "{method}: connection closed"
    )))
}

/// Sends a request without waiting.
pub(crate) async fn send(
    ws: &mut Socket,
    id: u64,
    method: &str,
    params: Value,
) -> Result<(), VenueError> {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    ws.send(Message::Text(body.to_string().into()))
        .await
        .map_err(|e| VenueError::Transport(e.to_string()))
}

/// The `result` of an answer, or its `error` as a transport error.
pub(crate) fn into_result(mut v: Value) -> Result<Value, VenueError> {
    if let Some(e) = v.get("error") {
        return Err(VenueError::Transport(format!("JSON-RPC error: {e}")));
    }
    v.get_mut("result")
        .map(Value::take)
        .ok_or_else(|| VenueError::Decode("answer without result".into()))
}
