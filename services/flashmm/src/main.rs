//! `flashmm`: the operator's command line.
//!
//! - `flashmm config check` validates the configuration and prints it with secrets redacted.
//! - `flashmm streams list` lists the streams of the namespace with their lengths.
//! - `flashmm streams tail STREAM [--json]` follows a stream and decodes its msgpack bodies.
//! - `flashmm status` prints heartbeats, stream activity, predictions and trading state.
//! - `flashmm token issue --role admin|viewer --ttl 1h [--sub NAME]` prints an API token.
//! - `flashmm dataset --input REC... --horizon 500ms --out FILE.npz` writes features and labels.
//! - `flashmm eval-model --data FILE.npz [--json]` scores the model and two baselines on the
//!   file's test part.
//! - `flashmm calibrate --data FILE... --out config/flow.toml` estimates the flow parameters.
//! - `flashmm import binance FILE... --out REC` turns raw Binance captures into a recording.
//! - `flashmm recording info REC` prints a recording's markets, time span and counts.
//! - `flashmm record --out REC [--seconds N]` records the live `md:{mkt}` streams.
//! - `flashmm record --venue binance --symbols BTCUSDT,ETHUSDT --out DIR [--rotate-mb N]`
//!   records Binance's public feed directly, one recording per symbol per rotation.
//! - `flashmm backtest --data REC_OR_RAW [--compare]` replays data through the strategy and reports.
//! - `flashmm tune --data REC... --grid FILE` chooses quoting parameters on training windows
//!   (walk-forward) and reports them on later windows.
//! - `flashmm keys new|import|address|verify` manage the encrypted keystore of the trading key.
//! - `flashmm venue check` connects to the configured venue and checks markets, key, account,
//!   balances and open orders.
//! - `flashmm up` / `flashmm down` / `flashmm restart SERVICE` start, stop and restart the
//!   services as detached processes with logs under `logs/`.

mod cmd;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// FlashMM operator command line.
#[derive(Debug, Parser)]
#[command(name = "flashmm", version, about)]
struct Cli {
    /// Configuration file; environment variables override its keys.
    #[arg(
        long,
        global = true,
        env = "FLASHMM_CONFIG",
        default_value = "config/flashmm.toml"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(cmd::config::ConfigCommand),
    /// Inspect the Redis streams.
    #[command(subcommand)]
    Streams(cmd::streams::StreamsCommand),
    /// One screen of what the running system is doing.
    Status,
    /// Issue API tokens (JWTs signed with SECRET_KEY).
    #[command(subcommand)]
    Token(cmd::token::TokenCommand),
    /// Write features and labels of recordings to an `.npz` file for training.
    Dataset(cmd::dataset::DatasetArgs),
    /// Score the model beside two baselines on a dataset's test part.
    EvalModel(cmd::eval_model::EvalModelArgs),
    /// Import raw venue captures into FlashMM recordings.
    #[command(subcommand)]
    Import(cmd::import::ImportCommand),
    /// Inspect FlashMM recordings.
    #[command(subcommand)]
    Recording(cmd::import::RecordingCommand),
    /// Record the live market data streams into a recording, or a venue's public feed
    /// (`--venue binance`) into rotated recordings per symbol.
    Record(cmd::record::RecordArgs),
    /// Estimate the simulator's background flow parameters from real data.
    Calibrate(cmd::calibrate::CalibrateArgs),
    /// Replay recorded data through the strategy against a simulated venue and report.
    Backtest(cmd::backtest::BacktestArgs),
    /// Walk-forward tuning of the quoting parameters over a grid.
    Tune(cmd::tune::TuneArgs),
    /// Manage the encrypted keystore of the trading key.
    #[command(subcommand)]
    Keys(cmd::keys::KeysCommand),
    /// Check the configured venue: markets, the key against the account, balances, orders.
    #[command(subcommand)]
    Venue(cmd::venue::VenueCommand),
    /// Start every service that is not running (logs and pids under `logs/`).
    Up(cmd::supervise::SuperviseArgs),
    /// Cancel every order through execution, then stop every service.
    Down(cmd::supervise::SuperviseArgs),
    /// Stop one service and start it again.
    Restart {
        /// The service: sim-venue, ingest, feature, inference, execution or api.
        service: String,
        #[command(flatten)]
        args: cmd::supervise::SuperviseArgs,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Config(c) => cmd::config::run(&cli.config, c),
        Command::Streams(c) => cmd::streams::run(&cli.config, c).await,
        Command::Dataset(args) => cmd::dataset::run(args),
        Command::EvalModel(args) => cmd::eval_model::run(args),
        Command::Status => cmd::status::run(&cli.config).await,
        Command::Token(c) => cmd::token::run(&cli.config, c),
        Command::Import(c) => cmd::import::run_import(c),
        Command::Recording(c) => cmd::import::run_recording(c),
        Command::Record(args) => cmd::record::run(&cli.config, args).await,
        Command::Keys(c) => cmd::keys::run(&cli.config, c),
        Command::Venue(c) => cmd::venue::run(&cli.config, c).await,
        Command::Calibrate(args) => cmd::calibrate::run(args),
        Command::Backtest(args) => cmd::backtest::run(&cli.config, args),
        Command::Tune(args) => cmd::tune::run(&cli.config, args),
        Command::Up(args) => cmd::supervise::up(&cli.config, &args).await,
        Command::Down(args) => cmd::supervise::down(&cli.config, &args).await,
        Command::Restart { service, args } => {
            cmd::supervise::restart(&cli.config, &args, &service).await
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
