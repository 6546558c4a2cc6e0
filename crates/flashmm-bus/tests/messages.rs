//! Every FlashMM message type travels through both transports unchanged: the golden vectors of
//! `proto-schemas/golden/` are decoded, published, consumed through a group and compared; and
//! `md:{mkt}`, which carries three types, is read as one ordered stream of `MarketEvent`s.

mod common;

use std::fmt::Debug;
use std::path::PathBuf;
use std::time::Duration;

use flashmm_bus::{Bus, Consumer, ConsumerConfig, Envelope, Namespace, Range};
use flashmm_core::book::{BookDelta, BookSnapshot};
use flashmm_core::control::{ExecCommand, Heartbeat};
use flashmm_core::market_event::MarketEvent;
use flashmm_core::message::StreamMessage;
use flashmm_core::order::{Fill, OrderUpdate};
use flashmm_core::quote::QuoteIntent;
use flashmm_core::risk::RiskEvent;
use flashmm_core::signal::{FeatureVector, Prediction};
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;

fn golden<T: StreamMessage>() -> T {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../proto-schemas/golden")
        .join(format!("{}.hex", T::TYPE));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let bytes = decode_hex(text.trim());
    rmp_serde::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", T::TYPE))
}

fn decode_hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

fn config(name: &str) -> ConsumerConfig {
    ConsumerConfig {
        block: Duration::from_millis(100),
        ..ConsumerConfig::new("roundtrip", name)
    }
}

async fn one<T, B>(bus: &B, ns: &Namespace)
where
    T: StreamMessage + PartialEq + Debug,
    B: Bus + Clone,
{
    let sent: T = golden();
    let stream = ns.md(T::TYPE).unwrap();
    let envelope = Envelope::new("SEI-USDC", UnixNanos(2), UnixNanos(1), &sent).unwrap();
    let id = bus.publish(&stream, &envelope).await.unwrap();
    let mut consumer = Consumer::<T, B>::start(bus.clone(), stream.clone(), config("c"))
        .await
        .unwrap();
    let got = consumer.next_batch().await.unwrap();
    assert_eq!(got.len(), 1, "{}", T::TYPE);
    assert_eq!(got[0].id, id);
    assert_eq!(got[0].msg, sent, "{} changed on the bus", T::TYPE);
    assert_eq!(got[0].meta.origin_ts, UnixNanos(1));
    assert_eq!(consumer.ack(&[id]).await.unwrap(), 1);
}

async fn every_message_type<B: Bus + Clone + 'static>(bus: B, ns: Namespace) {
    one::<BookSnapshot, B>(&bus, &ns).await;
    one::<BookDelta, B>(&bus, &ns).await;
    one::<Trade, B>(&bus, &ns).await;
    one::<OrderUpdate, B>(&bus, &ns).await;
    one::<Fill, B>(&bus, &ns).await;
    one::<FeatureVector, B>(&bus, &ns).await;
    one::<Prediction, B>(&bus, &ns).await;
    one::<QuoteIntent, B>(&bus, &ns).await;
    one::<ExecCommand, B>(&bus, &ns).await;
    one::<RiskEvent, B>(&bus, &ns).await;
    one::<Heartbeat, B>(&bus, &ns).await;
}

async fn market_data_stream<B: Bus + Clone + 'static>(bus: B, ns: Namespace) {
    let stream = ns.md("SEI-USDC").unwrap();
    let events = [
        MarketEvent::Snapshot(golden()),
        MarketEvent::Delta(golden()),
        MarketEvent::Trade(golden()),
    ];
    for event in &events {
        let envelope = Envelope::new("SEI-USDC", UnixNanos(2), UnixNanos(1), event).unwrap();
        bus.publish(&stream, &envelope).await.unwrap();
    }
    let stray: Heartbeat = golden();
    let stray = Envelope::new("SEI-USDC", UnixNanos(2), UnixNanos(1), &stray).unwrap();
    bus.publish(&stream, &stray).await.unwrap();

    let mut consumer = Consumer::<MarketEvent, B>::start(bus.clone(), stream, config("md"))
        .await
        .unwrap();
    let got = consumer.next_batch().await.unwrap();
    let msgs: Vec<MarketEvent> = got.iter().map(|r| r.msg.clone()).collect();
    assert_eq!(msgs, events, "md events arrive decoded and in order");
    let dlq = bus.range(&ns.dlq(), Range::Oldest(10)).await.unwrap();
    assert_eq!(dlq.len(), 1, "a heartbeat on md:{{mkt}} is dead-lettered");
}

#[tokio::test]
async fn every_message_type_on_memory() {
    common::isolated(flashmm_bus::MemoryBus::new(), "msgs", every_message_type).await;
}

#[tokio::test]
async fn every_message_type_on_redis() {
    common::isolated(common::redis_bus().await, "msgs", every_message_type).await;
}

#[tokio::test]
async fn market_data_stream_on_memory() {
    common::isolated(flashmm_bus::MemoryBus::new(), "md", market_data_stream).await;
}

#[tokio::test]
async fn market_data_stream_on_redis() {
    common::isolated(common::redis_bus().await, "md", market_data_stream).await;
}
