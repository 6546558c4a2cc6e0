//! `flashmm streams ...`: list and follow the namespace's streams, msgpack bodies decoded.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;
use flashmm_bus::{Bus, Delivery, Namespace, Payload, Range, RedisBus, RedisBusConfig};
use flashmm_runtime::load_config;
use serde_json::{json, Value};

/// `flashmm streams` subcommands.
#[derive(Debug, Subcommand)]
pub enum StreamsCommand {
    /// List the streams of the namespace with their lengths.
    List,
    /// Print the last entries of a stream, then follow it (Ctrl-C stops).
    Tail {
        /// Stream, with or without the namespace prefix: `md:SEI-USDC` or `flashmm:md:SEI-USDC`.
        stream: String,
        /// Entries to show before following.
        #[arg(long, short = 'n', default_value_t = 10)]
        count: usize,
        /// One JSON object per line instead of the readable form.
        #[arg(long)]
        json: bool,
        /// Print the last entries and exit instead of following.
        #[arg(long)]
        no_follow: bool,
    },
}

/// Runs a `streams` subcommand.
pub async fn run(path: &Path, command: StreamsCommand) -> anyhow::Result<()> {
    let config = load_config(path)?;
    let namespace = Namespace::new(&config.namespace)?;
    let bus = RedisBus::connect(RedisBusConfig::new(config.redis.url.clone()))
        .await
        .context("cannot connect to Redis")?;
    match command {
        StreamsCommand::List => {
            let streams = bus.list_streams(&namespace).await?;
            if streams.is_empty() {
                println!("no streams under namespace `{namespace}`");
            }
            for stream in streams {
                println!("{:<48} {:>10}", stream.as_str(), bus.len(&stream).await?);
            }
            Ok(())
        }
        StreamsCommand::Tail {
            stream,
            count,
            json,
            no_follow,
        } => {
            let full = if stream.starts_with(&format!("{namespace}:")) {
                stream
            } else {
                format!("{namespace}:{stream}")
            };
            let stream = namespace.parse_stream(&full)?;
            let mut last: Vec<Delivery> = bus.range(&stream, Range::Newest(count)).await?;
            last.reverse();
            let mut cursor = last.last().map(|d| d.id.clone());
            for delivery in &last {
                println!("{}", render(delivery, json));
            }
            if no_follow {
                return Ok(());
            }
            loop {
                let batch = match &cursor {
                    Some(id) => bus.range(&stream, Range::After(id.clone(), 512)).await?,
                    None => bus.range(&stream, Range::Oldest(512)).await?,
                };
                if let Some(d) = batch.last() {
                    cursor = Some(d.id.clone());
                }
                for delivery in &batch {
                    println!("{}", render(delivery, json));
                }
                if batch.is_empty() {
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                        _ = tokio::signal::ctrl_c() => return Ok(()),
                    }
                }
            }
        }
    }
}

/// One entry as a JSON object: the plain fields and the body decoded from msgpack.
pub fn to_json(delivery: &Delivery) -> Value {
    match &delivery.payload {
        Payload::Envelope(e) => json!({
            "id": delivery.id.as_str(),
            "type": e.kind,
            "v": e.v,
            "mkt": e.mkt,
            "ts": e.ts.as_i64(),
            "origin_ts": e.origin_ts.as_i64(),
            "body": decode_body(&e.body),
        }),
        Payload::Malformed { fields, error } => json!({
            "id": delivery.id.as_str(),
            "malformed": error.to_string(),
            "fields": fields
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(String::from_utf8_lossy(v).into_owned())))
                .collect::<serde_json::Map<_, _>>(),
        }),
    }
}

/// A msgpack body as JSON, or `{"undecodable_hex": ...}` when it is not msgpack.
pub fn decode_body(body: &[u8]) -> Value {
    rmp_serde::from_slice::<Value>(body)
        .unwrap_or_else(|e| json!({ "undecodable": e.to_string(), "hex": hex::encode(body) }))
}

fn render(delivery: &Delivery, as_json: bool) -> String {
    let value = to_json(delivery);
    if as_json {
        return value.to_string();
    }
    match &delivery.payload {
        Payload::Envelope(e) => {
            let hop_us = e.ts.since(e.origin_ts) as f64 / 1_000.0;
            format!(
                "{} {} v{} {} hop={hop_us:.0}µs {}",
                delivery.id,
                e.kind,
                e.v,
                if e.mkt.is_empty() { "-" } else { &e.mkt },
                value["body"]
            )
        }
        Payload::Malformed { error, .. } => format!("{} MALFORMED {error}", delivery.id),
    }
}
