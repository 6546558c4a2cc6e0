//! WebSocket fan-out load: connects N viewers to `/ws/live-metrics` at once, keeps them for a
//! fixed time, counts the snapshots each one receives and reports min/avg/max messages per
//! second per client, failed connects and early disconnects. Used by `scripts/loadtest`.
//!
//! ```sh
//! cargo run --release -p api --example ws_fanout -- \
//!     --url ws://127.0.0.1:8080/ws/live-metrics --token "$VIEWER" --clients 100 --secs 20
//! ```
//!
//! Exits non-zero when a client failed to connect or was disconnected before the end.

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

/// Command line.
#[derive(Debug, Parser)]
struct Args {
    /// WebSocket URL of the live-metrics route, without the token.
    #[arg(long)]
    url: String,
    /// Viewer token (sent as `?token=`).
    #[arg(long, env = "FLASHMM_VIEWER_TOKEN")]
    token: String,
    /// Number of concurrent clients.
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// Seconds each client stays connected.
    #[arg(long, default_value_t = 20)]
    secs: u64,
}

/// What one client saw.
#[derive(Debug)]
enum Outcome {
    /// The handshake failed.
    ConnectFailed(String),
    /// Connected; `messages` text frames in `elapsed`; `disconnect` is the reason the server
    /// or the transport ended the session before the deadline, if it did.
    Ran {
        messages: u64,
        elapsed: Duration,
        disconnect: Option<String>,
    },
}

async fn client(url: String, run_for: Duration) -> Outcome {
    let (mut socket, _) = match tokio_tungstenite::connect_async(url).await {
        Ok(ok) => ok,
        Err(e) => return Outcome::ConnectFailed(e.to_string()),
    };
    let start = Instant::now();
    let deadline = tokio::time::Instant::now() + run_for;
    let mut messages = 0u64;
    let mut disconnect = None;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) => break,
            Ok(Some(Ok(Message::Text(_)))) => messages += 1,
            Ok(Some(Ok(Message::Close(frame)))) => {
                disconnect = Some(format!("closed by server: {frame:?}"));
                break;
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => {
                disconnect = Some(e.to_string());
                break;
            }
            Ok(None) => {
                disconnect = Some("stream ended".to_owned());
                break;
            }
        }
    }
    let elapsed = start.elapsed();
    let _ = socket.close(None).await;
    Outcome::Ran {
        messages,
        elapsed,
        disconnect,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let url = format!("{}?token={}", args.url, args.token);
    let run_for = Duration::from_secs(args.secs);
    let tasks: Vec<_> = (0..args.clients)
        .map(|_| tokio::spawn(client(url.clone(), run_for)))
        .collect();
    let mut rates = Vec::with_capacity(args.clients);
    let mut total = 0u64;
    let mut failed = Vec::new();
    let mut dropped = Vec::new();
    for task in tasks {
        match task.await.context("client task")? {
            Outcome::ConnectFailed(e) => failed.push(e),
            Outcome::Ran {
                messages,
                elapsed,
                disconnect,
            } => {
                total += messages;
                rates.push(messages as f64 / elapsed.as_secs_f64().max(1e-3));
                if let Some(reason) = disconnect {
                    dropped.push(reason);
                }
            }
        }
    }
    let connected = rates.len();
    let (min, max) = rates.iter().fold((f64::INFINITY, 0f64), |(lo, hi), r| {
        (lo.min(*r), hi.max(*r))
    });
    let avg = if connected == 0 {
        0.0
    } else {
        rates.iter().sum::<f64>() / connected as f64
    };
    println!(
        "ws_fanout clients={} connected={connected} connect_failed={} disconnects={} messages={total} \
         msgs_per_client_per_s_min={:.2} avg={avg:.2} max={max:.2}",
        args.clients,
        failed.len(),
        dropped.len(),
        if connected == 0 { 0.0 } else { min },
    );
    for reason in failed.iter().chain(&dropped).take(5) {
        println!("  {reason}");
    }
    if !failed.is_empty() || !dropped.is_empty() {
        anyhow::bail!(
            "{} clients failed to connect, {} were disconnected",
            failed.len(),
            dropped.len()
        );
    }
    Ok(())
}
