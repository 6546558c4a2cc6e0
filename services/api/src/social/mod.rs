//! Periodic social summaries: every `social.interval_minutes` a short text (P&L, volume, fills,
//! spread captured, uptime) and a PNG chart (net P&L and inventory) are written to
//! `social.reports_dir`, and with `social.dry_run = false` posted to X through its v2 API.
//!
//! - [`summary`]: the pure part, a [`Snapshot`](summary::Snapshot) of the state to its text.
//! - [`chart`]: the PNG, drawn by `plotters` with an embedded font.
//! - [`x_client`]: media upload then post, bearer token, at most one post per interval, 429s
//!   respected.
//! - [`task`]: reads the state through [`StateReader`](crate::reader::StateReader), samples the
//!   curve, writes the files and posts.
//! - [`error`]: what can fail, as [`SocialError`](error::SocialError).

pub mod chart;
pub mod error;
pub mod summary;
pub mod task;
pub mod x_client;

/// Summaries written or posted, by `outcome` (`written`, `posted`, `rate_limited`, `failed`).
pub const SUMMARIES: &str = "flashmm_api_social_summaries_total";
