//! The pipeline as processes: `sim-venue` → `ingest` → `feature`. Feature vectors follow the
//! market data with their `origin_ts`, and a `feature` killed with SIGKILL and restarted
//! under the same consumer name takes over what it left pending: nothing stays unacked.

use std::time::Duration;

use flashmm_bus::{Bus, Namespace, RedisBus};
use flashmm_core::signal::FeatureVector;
use flashmm_e2e::{read_stream, Stage};

async fn vectors(bus: &RedisBus, ns: &Namespace, mkt: &str) -> Vec<(i64, FeatureVector)> {
    let entries = read_stream(bus, &ns.feat(mkt).unwrap()).await;
    entries
        .into_iter()
        .map(|(e, v)| (e.ts.as_i64(), v))
        .collect()
}

async fn wait_vectors(bus: &RedisBus, ns: &Namespace, mkt: &str, at_least: usize) -> usize {
    for _ in 0..300 {
        let n = bus.len(&ns.feat(mkt).unwrap()).await.unwrap() as usize;
        if n >= at_least {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{mkt}: fewer than {at_least} feature vectors");
}

#[tokio::test(flavor = "multi_thread")]
async fn features_follow_market_data_and_survive_a_kill() {
    let stage = Stage::new("pipe");
    let mut venue = stage.start("sim-venue", &[]);
    let mut ingest = stage.start("ingest", &[]);
    let mut feature = stage.start("feature", &[]);
    let bus = stage.bus().await;
    let namespace = stage.namespace();

    wait_vectors(&bus, &namespace, "SEI-USDC", 20).await;
    wait_vectors(&bus, &namespace, "ETH-USDC", 20).await;
    for (ts, v) in vectors(&bus, &namespace, "SEI-USDC").await {
        assert_eq!(v.market.as_str(), "SEI/USDC");
        assert_eq!(v.values.len(), flashmm_features::NUM_FEATURES);
        assert_eq!(v.schema_hash, 0xfa5a_acba_1c80_1b80);
        assert!(v.values.iter().all(|x| x.is_finite()));
        assert!(
            v.origin_ts.as_i64() > 0 && v.origin_ts.as_i64() <= ts,
            "origin_ts after ts"
        );
    }

    // SIGKILL: no chance to ack what it was working on.
    let _ = feature.child.kill();
    let _ = feature.child.wait();
    let before = bus.len(&namespace.feat("SEI-USDC").unwrap()).await.unwrap() as usize;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let md = namespace.md("SEI-USDC").unwrap();
    assert!(bus.len(&md).await.unwrap() > 0);

    let mut feature = stage.start("feature", &[]);
    wait_vectors(&bus, &namespace, "SEI-USDC", before + 20).await;
    let mut drained = false;
    for _ in 0..100 {
        if bus.pending_count(&md, "feature").await.unwrap() <= 2 {
            drained = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(drained, "the restarted feature left md entries unacked");

    for (name, service) in [
        ("feature", &mut feature),
        ("ingest", &mut ingest),
        ("sim-venue", &mut venue),
    ] {
        let status = service.terminate(Duration::from_secs(5));
        assert!(status.is_some_and(|s| s.success()), "{name}: {status:?}");
    }
    bus.purge(&namespace).await.unwrap();
    let _ = std::fs::remove_dir_all(stage.dir);
}
