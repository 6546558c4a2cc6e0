//! The periodic loop: samples the net P&L and inventory for the chart, and every
//! `social.interval_minutes` writes `summary-<UTC time>.txt` and `.png` to
//! `social.reports_dir`; with `social.dry_run = false` it then posts both to X.
//! Reads `{ns}:state:pnl`, `{ns}:state:positions` and `{ns}:fills:{mkt}`; writes no stream.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use flashmm_bus::{Bus, Namespace};
use flashmm_core::config::{Config, ConfigError, SocialConfig};
use rust_decimal::Decimal;
use tokio::task::JoinHandle;

use super::chart::{self, CurvePoint};
use super::error::SocialError;
use super::summary::{self, MarketActivity, Snapshot, Summary};
use super::x_client::XClient;
use super::SUMMARIES;
use crate::reader::StateReader;

/// Fills read per market and summary (the newest).
const FILLS_READ: usize = 10_000;
/// Points kept for the chart.
const CURVE_LEN: usize = 1_440;

/// What one summary left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The text file.
    pub text_path: PathBuf,
    /// The PNG file.
    pub png_path: PathBuf,
    /// The text.
    pub text: String,
    /// The post's id, when posted.
    pub post_id: Option<String>,
}

/// Makes the summaries of one namespace.
pub struct Summariser {
    reader: StateReader,
    reports_dir: PathBuf,
    client: Option<XClient>,
    started: i64,
    period_start: i64,
    curve: VecDeque<CurvePoint>,
}

impl Summariser {
    /// A summariser reading through `reader`, started at `started` (UTC ns). Posts only when
    /// `config.dry_run` is false; then the token and base URL must be usable.
    pub fn new(
        reader: StateReader,
        config: &SocialConfig,
        started: i64,
    ) -> Result<Self, SocialError> {
        let client = if config.dry_run {
            None
        } else {
            Some(XClient::new(
                &config.api_base_url,
                config.twitter_bearer_token.clone(),
                interval(config),
            )?)
        };
        Ok(Summariser {
            reader,
            reports_dir: PathBuf::from(&config.reports_dir),
            client,
            started,
            period_start: started,
            curve: VecDeque::new(),
        })
    }

    /// Adds the current net P&L and inventory to the chart's curve.
    pub async fn sample(&mut self, now: i64) -> Result<(), SocialError> {
        let mut invalid = Vec::new();
        let pnl = self.reader.pnl(&mut invalid).await?;
        let positions = self.reader.positions(&mut invalid).await?;
        if self.curve.len() == CURVE_LEN {
            self.curve.pop_front();
        }
        self.curve.push_back(CurvePoint {
            ts: now,
            net: pnl.get("total").map_or(Decimal::ZERO, |p| p.net),
            inventory: positions.values().filter_map(|p| p.notional).sum(),
        });
        Ok(())
    }

    /// Reads the state, writes the text and the PNG, and posts them unless in dry run. The
    /// files are written even when the post fails.
    pub async fn summarise(&mut self, now: i64) -> Result<Written, SocialError> {
        self.sample(now).await?;
        let snapshot = self.snapshot(now).await?;
        let text = Summary::new(&snapshot).text();
        std::fs::create_dir_all(&self.reports_dir).map_err(|source| SocialError::Write {
            path: self.reports_dir.display().to_string(),
            source,
        })?;
        let stem = format!("summary-{}", summary::utc_compact(now));
        let text_path = self.reports_dir.join(format!("{stem}.txt"));
        let png_path = self.reports_dir.join(format!("{stem}.png"));
        let points: Vec<CurvePoint> = self.curve.iter().cloned().collect();
        chart::write_png(
            &points,
            &format!("FlashMM {}", summary::utc(now)),
            &png_path,
        )?;
        std::fs::write(&text_path, &text).map_err(|source| SocialError::Write {
            path: text_path.display().to_string(),
            source,
        })?;
        self.period_start = now;
        let mut written = Written {
            text_path,
            png_path,
            text,
            post_id: None,
        };
        if let Some(client) = self.client.as_mut() {
            let png = std::fs::read(&written.png_path).map_err(|source| SocialError::Write {
                path: written.png_path.display().to_string(),
                source,
            })?;
            written.post_id = Some(client.post(&written.text, &png).await?);
        }
        Ok(written)
    }

    async fn snapshot(&self, now: i64) -> Result<Snapshot, SocialError> {
        let mut invalid = Vec::new();
        let pnl = self.reader.pnl(&mut invalid).await?;
        let positions = self.reader.positions(&mut invalid).await?;
        let mut markets = Vec::new();
        for spec in self.reader.markets() {
            let symbol = spec.id().as_str().to_owned();
            let fills = self
                .reader
                .fills(spec, FILLS_READ, &mut invalid)
                .await?
                .into_iter()
                .filter(|f| f.ts >= self.period_start && f.ts <= now)
                .collect();
            markets.push(MarketActivity {
                position: positions.get(&symbol).map(|p| p.base_qty),
                market: symbol,
                fills,
            });
        }
        Ok(Snapshot {
            ts: now,
            period_start: self.period_start,
            started: self.started,
            total: pnl.get("total").cloned(),
            markets,
        })
    }
}

/// The time between summaries (and the least between posts).
pub fn interval(config: &SocialConfig) -> Duration {
    Duration::from_secs(config.interval_minutes.saturating_mul(60))
}

/// Now, UTC ns.
pub fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// Starts the loop for `config` on `bus` under `namespace`: the first summary one interval
/// after the start. Fails when `[social]` cannot post although `dry_run` is false.
pub fn spawn(
    config: &Config,
    bus: Arc<dyn Bus>,
    namespace: Namespace,
) -> Result<JoinHandle<()>, SocialError> {
    let markets = config
        .market_specs()
        .map_err(|e: ConfigError| SocialError::Config {
            key: "markets",
            reason: e.to_string(),
        })?;
    let reader = StateReader::new(bus, namespace, markets);
    let mut summariser = Summariser::new(reader, &config.social, now_ns())?;
    let every = interval(&config.social);
    let sample_every = (every / 120).clamp(Duration::from_secs(1), Duration::from_secs(60));
    tracing::info!(
        dry_run = config.social.dry_run,
        interval_minutes = config.social.interval_minutes,
        reports_dir = %config.social.reports_dir,
        "social summaries"
    );
    Ok(tokio::spawn(async move {
        let mut samples = tokio::time::interval(sample_every);
        samples.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut next = tokio::time::Instant::now() + every;
        loop {
            tokio::select! {
                _ = samples.tick() => {
                    if let Err(e) = summariser.sample(now_ns()).await {
                        tracing::warn!(error = %e, "social: sample");
                    }
                }
                _ = tokio::time::sleep_until(next) => {
                    next += every;
                    report(summariser.summarise(now_ns()).await);
                }
            }
        }
    }))
}

fn report(result: Result<Written, SocialError>) {
    let outcome = match &result {
        Ok(w) if w.post_id.is_some() => "posted",
        Ok(_) => "written",
        Err(SocialError::RateLimited { .. }) => "rate_limited",
        Err(_) => "failed",
    };
    metrics::counter!(SUMMARIES, "outcome" => outcome).increment(1);
    match result {
        Ok(w) => tracing::info!(
            text = %w.text_path.display(),
            png = %w.png_path.display(),
            post_id = w.post_id.as_deref().unwrap_or(""),
            "social: summary"
        ),
        Err(e) => tracing::warn!(error = %e, "social: summary"),
    }
}
