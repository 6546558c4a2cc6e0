//! The `inference` binary on a real Redis with the committed model (`models/`): feature
//! vectors on `{ns}:feat:{mkt}` become predictions on `{ns}:pred:{mkt}` carrying their
//! origin_ts; the model file is swapped while vectors flow and later predictions carry the
//! new model id with none dropped; the drift monitor scores predictions against `md:{mkt}`
//! and writes a live hit rate to `{ns}:state:model`. Without a model, or with one trained on
//! another feature schema, nothing is published and the health flag says why.
//!
//! The ONNX Runtime library is found as everywhere: `ORT_DYLIB_PATH`, else the path
//! `scripts/setup` records in `.venv/ort-dylib-path`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use flashmm_bus::{Bus, Envelope, Namespace, RedisBus};
use flashmm_core::book::{BookLevel, BookSnapshot};
use flashmm_core::market::{MarketId, Price, Qty};
use flashmm_core::signal::{FeatureVector, Prediction};
use flashmm_core::time::UnixNanos;
use flashmm_e2e::{read_stream, scratch_dir, Service, Stage};

const MKT: &str = "SEI-USDC";
const SCHEMA_HASH: u64 = 0xfa5a_acba_1c80_1b80;

fn committed_model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models")
}

/// Copies the committed model into `dir` (the ONNX file first), with `edit` applied to its
/// metadata; returns the copy's `model.json` and the committed metadata.
fn copy_model(dir: &Path, edit: impl Fn(&mut serde_json::Value)) -> (PathBuf, serde_json::Value) {
    std::fs::create_dir_all(dir).unwrap();
    let src = committed_model().join("model.json");
    let text = std::fs::read_to_string(&src).expect("models/model.json is committed");
    let meta: serde_json::Value = serde_json::from_str(&text).unwrap();
    let onnx = meta["onnx_file"].as_str().unwrap();
    std::fs::copy(committed_model().join(onnx), dir.join(onnx)).unwrap();
    let path = dir.join("model.json");
    let mut edited = meta.clone();
    edit(&mut edited);
    write_metadata(&path, &edited);
    (path, meta)
}

/// Replaces `model.json` atomically (write, then rename), as a deployment would.
fn write_metadata(path: &Path, meta: &serde_json::Value) {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_string_pretty(meta).unwrap()).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

struct Harness {
    bus: RedisBus,
    ns: Namespace,
    _service: Service,
    dir: PathBuf,
    model: PathBuf,
}

impl Harness {
    async fn start(tag: &str, model: Option<&Path>) -> Harness {
        let stage = Stage::new(tag);
        let model = model
            .map(Path::to_path_buf)
            .unwrap_or_else(|| stage.dir.join("model/model.json"));
        let service = stage.start(
            "inference",
            &[
                "--model",
                &model.to_string_lossy(),
                "--reload-poll-ms",
                "100",
            ],
        );
        Harness {
            bus: stage.bus().await,
            ns: stage.namespace(),
            _service: service,
            dir: stage.dir,
            model,
        }
    }

    async fn state(&self) -> BTreeMap<String, String> {
        self.bus
            .get_state(&self.ns.state("model").unwrap())
            .await
            .unwrap()
    }

    /// Waits until `check` holds for the `state:model` hash; returns it.
    async fn wait_state(
        &self,
        what: &str,
        check: impl Fn(&BTreeMap<String, String>) -> bool,
    ) -> BTreeMap<String, String> {
        for _ in 0..300 {
            let state = self.state().await;
            if check(&state) {
                return state;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{what}: state:model is {:?}", self.state().await);
    }

    async fn publish_vectors(&self, origins: &[i64]) {
        let stream = self.ns.feat(MKT).unwrap();
        let envelopes: Vec<Envelope> = origins
            .iter()
            .enumerate()
            .map(|(i, &origin)| {
                let mut values = vec![0.0f32; 34];
                // A clear buy imbalance in some rows, a sell imbalance in others.
                let side = if i % 2 == 0 { 1.0 } else { -1.0 };
                values[1] = 0.3 * side; // micro_mid_bps
                values[3] = 0.8 * side; // imbalance_0
                values[2] = 1.0; // book_two_sided
                values[0] = 1.0; // spread_bps
                let v = FeatureVector {
                    market: MarketId::new("SEI/USDC").unwrap(),
                    schema_hash: SCHEMA_HASH,
                    values,
                    ts: UnixNanos(origin + 1_000),
                    origin_ts: UnixNanos(origin),
                };
                Envelope::new(MKT, v.ts, v.origin_ts, &v).unwrap()
            })
            .collect();
        self.bus
            .publish_batch(&stream, &envelopes, None)
            .await
            .unwrap();
    }

    async fn publish_mid(&self, origin: i64, bid_ticks: i64) {
        let snapshot = BookSnapshot {
            market: MarketId::new("SEI/USDC").unwrap(),
            seq: u64::try_from(origin).unwrap(),
            bids: vec![BookLevel::new(
                Price::from_ticks(bid_ticks),
                Qty::from_lots(100),
            )],
            asks: vec![BookLevel::new(
                Price::from_ticks(bid_ticks + 2),
                Qty::from_lots(100),
            )],
            ts: UnixNanos(origin),
        };
        let envelope = Envelope::new(MKT, UnixNanos(origin), UnixNanos(origin), &snapshot).unwrap();
        self.bus
            .publish(&self.ns.md(MKT).unwrap(), &envelope)
            .await
            .unwrap();
    }

    async fn predictions(&self) -> Vec<(i64, Prediction)> {
        let entries = read_stream(&self.bus, &self.ns.pred(MKT).unwrap()).await;
        entries
            .into_iter()
            .map(|(e, p)| (e.origin_ts.as_i64(), p))
            .collect()
    }

    async fn wait_predictions(&self, at_least: usize) -> Vec<(i64, Prediction)> {
        for _ in 0..300 {
            let preds = self.predictions().await;
            if preds.len() >= at_least {
                return preds;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "fewer than {at_least} predictions: {}",
            self.predictions().await.len()
        );
    }

    async fn finish(self) {
        self.bus.purge(&self.ns).await.unwrap();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn now_ns() -> i64 {
    flashmm_runtime::now().as_i64()
}

#[tokio::test(flavor = "multi_thread")]
async fn predictions_hot_reload_and_live_hit_rate() {
    let dir = scratch_dir("infer-model");
    let (model_path, meta) = copy_model(&dir, |_| {});
    let h = Harness::start("infer", Some(&model_path)).await;
    let model_id = meta["model_id"].as_str().unwrap().to_owned();
    let horizon_ms = meta["horizon_ms"].as_u64().unwrap();
    let state = h
        .wait_state("healthy", |s| {
            s.get(&format!("healthy:{MKT}")).map(String::as_str) == Some("1")
        })
        .await;
    assert_eq!(state[&format!("model_id:{MKT}")], model_id);

    // The mid before the vectors, then 40 vectors a millisecond apart.
    let t0 = now_ns();
    h.publish_mid(t0, 10_000).await;
    let origins: Vec<i64> = (1..=40).map(|i| t0 + i * 1_000_000).collect();
    h.publish_vectors(&origins).await;
    let preds = h.wait_predictions(origins.len()).await;
    assert_eq!(preds.len(), origins.len());
    for ((envelope_origin, p), origin) in preds.iter().zip(&origins) {
        assert_eq!(p.origin_ts.as_i64(), *origin, "origin_ts carried");
        assert_eq!(*envelope_origin, *origin);
        assert_eq!(p.model_version, model_id);
        assert_eq!(u64::from(p.horizon_ms), horizon_ms);
        assert_eq!(p.market.as_str(), "SEI/USDC");
        for v in [p.p_down, p.p_flat, p.p_up] {
            assert!((0.0..=1.0).contains(&v), "{p:?}");
        }
        assert!(((p.p_down + p.p_flat + p.p_up) - 1.0).abs() < 1e-4, "{p:?}");
        assert!(p.expected_move_bps.is_finite());
        // The model's own latency travels with the prediction: measured, and far below a second.
        assert!(
            p.inference_ns > 0 && p.inference_ns < 1_000_000_000,
            "inference_ns {}",
            p.inference_ns
        );
    }

    // The mid rises 10 bps 60 ms after the vectors; later mids close their horizons (sent
    // until all are scored: a prediction reaches the monitor just after it is published).
    h.publish_mid(t0 + 100_000_000, 10_010).await;
    let all_scored = |s: &BTreeMap<String, String>| {
        s.get(&format!("scored:{MKT}"))
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|n| n >= origins.len() as u64)
    };
    for i in 0..50 {
        h.publish_mid(t0 + 2_000_000_000 + i, 10_010).await;
        if all_scored(&h.state().await) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let state = h.wait_state("hit rate", all_scored).await;
    let rate: f64 = state[&format!("hit_rate:{MKT}")].parse().unwrap();
    assert!((0.0..=1.0).contains(&rate), "{state:?}");
    let ups = preds.iter().filter(|(_, p)| p.p_up > p.p_down).count();
    assert!(
        (rate - ups as f64 / origins.len() as f64).abs() < 1e-3,
        "every outcome is up: the hit rate is the share predicted up ({ups}), {state:?}"
    );
    assert_eq!(
        state[&format!("hit_rate_n:{MKT}")],
        origins.len().to_string()
    );

    // Hot reload while vectors flow: a new model.json (new id) replaces the old one.
    let new_id = format!("{model_id}-reloaded");
    let mut new_meta = meta.clone();
    new_meta["model_id"] = serde_json::json!(new_id);
    let mut sent = origins.len();
    let mut swapped = false;
    let mut base = t0 + 3_000_000_000;
    for round in 0..60 {
        let batch: Vec<i64> = (0..5).map(|i| base + i * 1_000_000).collect();
        base += 10_000_000;
        h.publish_vectors(&batch).await;
        sent += batch.len();
        if round == 5 {
            write_metadata(&model_path, &new_meta);
            swapped = true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        if swapped && round > 20 {
            let preds = h.predictions().await;
            if preds.last().is_some_and(|(_, p)| p.model_version == new_id) {
                break;
            }
        }
    }
    let preds = h.wait_predictions(sent).await;
    assert_eq!(preds.len(), sent, "one prediction per vector, none dropped");
    let ids: Vec<&str> = preds
        .iter()
        .map(|(_, p)| p.model_version.as_str())
        .collect();
    let first_new = ids
        .iter()
        .position(|id| *id == new_id)
        .expect("predictions by the reloaded model");
    assert!(first_new > origins.len(), "the old model served first");
    // Every scored outcome was a move: the flat rate lowers "flat" for the same vector in the
    // predictions after them, and leaves the direction (and the ratio of up to down) as it was.
    let first = &preds[0].1;
    let later: Vec<&Prediction> = preds[origins.len()..]
        .iter()
        .enumerate()
        .filter(|(k, _)| k % 5 % 2 == 0)
        .map(|(_, (_, p))| p)
        .collect();
    assert!(!later.is_empty());
    for p in &later {
        assert!(
            p.p_flat < first.p_flat,
            "{p:?} after moves, {first:?} before"
        );
        assert_eq!(p.p_up > p.p_down, first.p_up > first.p_down);
        let (ratio, ratio0) = (p.p_up / p.p_down, first.p_up / first.p_down);
        assert!((ratio / ratio0 - 1.0).abs() < 1e-3, "{p:?} / {first:?}");
    }
    assert!(
        ids[first_new..].iter().all(|id| *id == new_id),
        "once reloaded, only the new model serves"
    );
    h.wait_state("new model id", |s| {
        s.get(&format!("model_id:{MKT}")) == Some(&new_id)
    })
    .await;
    assert_eq!(
        h.bus
            .pending_count(&h.ns.feat(MKT).unwrap(), "inference")
            .await
            .unwrap(),
        0,
        "every vector acked"
    );
    h.finish().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_model_or_another_schema_publishes_nothing_and_flags_health() {
    let h = Harness::start("infer-none", None).await;
    let state = h
        .wait_state("unhealthy", |s| {
            s.get(&format!("healthy:{MKT}")).map(String::as_str) == Some("0")
        })
        .await;
    let error = &state[&format!("error:{MKT}")];
    assert!(error.contains("model.json"), "{error}");
    h.publish_vectors(&[now_ns()]).await;

    // A model trained on another feature schema is refused by name.
    let dir = h.model.parent().unwrap().to_path_buf();
    let (path, meta) = copy_model(&dir, |m| {
        m["schema_hash"] = serde_json::json!("0x0123456789abcdef");
    });
    let state = h
        .wait_state("schema refused", |s| {
            s.get(&format!("error:{MKT}"))
                .is_some_and(|e| e.contains("feature schema mismatch"))
        })
        .await;
    assert_eq!(state[&format!("healthy:{MKT}")], "0");
    assert!(state[&format!("error:{MKT}")].contains("0x0123456789abcdef"));
    h.publish_vectors(&[now_ns()]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..20 {
        if h.bus
            .pending_count(&h.ns.feat(MKT).unwrap(), "inference")
            .await
            .unwrap()
            == 0
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(h.predictions().await.is_empty(), "nothing published");

    // The right model brings the market back.
    write_metadata(&path, &meta);
    h.wait_state("healthy again", |s| {
        s.get(&format!("healthy:{MKT}")).map(String::as_str) == Some("1")
    })
    .await;
    let origin = now_ns();
    h.publish_vectors(&[origin]).await;
    let preds = h.wait_predictions(1).await;
    assert_eq!(preds.len(), 1, "only vectors after the model came serve");
    assert_eq!(preds[0].1.origin_ts.as_i64(), origin);
    h.finish().await;
}
