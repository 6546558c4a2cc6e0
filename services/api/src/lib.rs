//! `flashmm_api`: FlashMM's HTTP API, live dashboard and admin commands.
//!
//! Reads what execution keeps in Redis (`{ns}:state:*`, the `pred`, `fills`, `risk` and
//! `audit` streams, heartbeats) and writes only two streams: operator commands to
//! `{ns}:cmd:exec` and the audit trail to `{ns}:audit`. See `services/api/README.md`.
//!
//! - [`server`]: runs the HTTP server and the snapshot loop.
//! - [`routes`]: the routes and layers (auth, rate limit, body limit, timeout, CORS).
//! - [`auth`]: bearer tokens to principals, refusals counted and admin refusals audited.
//! - [`client`]: the client address, from a trusted proxy's forwarding headers or the peer.
//! - [`rate_limit`]: token buckets per client address and per admin principal.
//! - [`audit`]: the append-only audit trail.
//! - [`reader`]: reads state hashes and stream entries; [`contract`] types them.
//! - [`status`], [`health`], [`live`], [`pnl_history`], [`fill_view`]: what the routes serve.
//! - [`error`]: [`ApiError`](error::ApiError), the JSON error answers.
//! - [`telemetry`]: metric names and the Prometheus recorder.
//! - [`influx`]: each live snapshot's trading statistics to InfluxDB.
//! - [`social`]: periodic summaries (text and PNG) to `reports/`, optionally posted to X.

#![warn(missing_docs)]

pub mod audit;
pub mod auth;
pub mod client;
pub mod contract;
pub mod error;
pub mod fill_view;
pub mod health;
pub mod influx;
pub mod live;
pub mod pnl_history;
pub mod rate_limit;
pub mod reader;
pub mod routes;
pub mod server;
pub mod social;
pub mod state;
pub mod status;
pub mod telemetry;
