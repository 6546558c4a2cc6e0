//! `flashmm`: the operator's command line.
//!
//! - `flashmm config check` validates the configuration and prints it with secrets redacted.
//! - `flashmm streams list` lists the streams of the namespace with their lengths.
//! - `flashmm streams tail STREAM [--json]` follows a stream and decodes its msgpack bodies.
//! - `flashmm status` prints heartbeats, stream activity, predictions and trading state.
//! - `flashmm token issue --role admin|viewer --ttl 1h [--sub NAME]` prints an API token.
//! - `flashmm dataset --input REC... --horizon 500ms --out FILE.npz` writes features and labels.
//! - `flashmm import binance FILE... --out REC` turns raw Binance captures into a recording.
//! - `flashmm recording info REC` prints a recording's markets, time span and counts.
//! - `flashmm keys new|import|address|verify` manage the encrypted keystore of the trading key.

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
    /// Import raw venue captures into FlashMM recordings.
    #[command(subcommand)]
    Import(cmd::import::ImportCommand),
    /// Inspect FlashMM recordings.
    #[command(subcommand)]
    Recording(cmd::import::RecordingCommand),
    /// Manage the encrypted keystore of the trading key.
    #[command(subcommand)]
    Keys(cmd::keys::KeysCommand),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Config(c) => cmd::config::run(&cli.config, c),
        Command::Streams(c) => cmd::streams::run(&cli.config, c).await,
        Command::Dataset(args) => cmd::dataset::run(args),
        Command::Status => cmd::status::run(&cli.config).await,
        Command::Token(c) => cmd::token::run(&cli.config, c),
        Command::Import(c) => cmd::import::run_import(c),
        Command::Recording(c) => cmd::import::run_recording(c),
        Command::Keys(c) => cmd::keys::run(&cli.config, c),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
