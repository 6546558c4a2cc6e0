//! Loading, checks, inference and hot reload against real ONNX models exported by
//! `scripts/train_model.py` (fixtures trained on synthetic data at test time).

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use flashmm_core::market::MarketId;
use flashmm_core::signal::FeatureVector;
use flashmm_core::time::UnixNanos;
use flashmm_model::{
    fixture, FeatureSchema, HotModel, Model, ModelError, ModelMetadata, ReloadEvent,
};
use support::{
    copy_model, live_schema, model_a, model_b, prerequisite_missing, runtime_available, scratch,
};

fn sample_values(k: f32) -> Vec<f32> {
    (0..34)
        .map(|i| ((i as f32) * 0.37 + k).sin() * 2.0)
        .collect()
}

fn vector(values: Vec<f32>, hash: u64) -> FeatureVector {
    FeatureVector {
        market: MarketId::new("SEI/USDC").unwrap(),
        schema_hash: hash,
        values,
        ts: UnixNanos(10),
        origin_ts: UnixNanos(7),
    }
}

#[test]
fn predicts_what_python_onnxruntime_predicts() {
    if !runtime_available() {
        return;
    }
    let path = model_a();
    let mut model = Model::load(&path, &live_schema()).unwrap();
    let inputs: Vec<Vec<f32>> = (0..5).map(|k| sample_values(k as f32)).collect();
    let ours: Vec<[f32; 3]> = inputs
        .iter()
        .map(|v| {
            let o = model.predict(v).unwrap();
            [o.p_down, o.p_flat, o.p_up]
        })
        .collect();
    for p in &ours {
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4, "{p:?}");
        assert!(p.iter().all(|v| (0.0..=1.0).contains(v)));
    }
    // The same raw vectors through the Python side: model.json normalisation + onnxruntime.
    let script = r#"
import json, sys, numpy as np, onnxruntime as ort, os
meta_path, rows = sys.argv[1], json.loads(sys.argv[2])
m = json.load(open(meta_path))
n = m["normalisation"]
x = np.array(rows, dtype=np.float32)
z = np.clip((x - np.array(n["mean"], np.float32)) / np.array(n["std"], np.float32), -n["clip"], n["clip"])
s = ort.InferenceSession(os.path.join(os.path.dirname(meta_path), m["onnx_file"]))
p = s.run([m["output_name"]], {m["input_name"]: z.astype(np.float32)})[0].astype(np.float64)
c = m.get("calibration")
if c:
    # scripts/train_model.py's calibrate(): softmax(ln p / T + b * [class = flat]).
    lz = np.log(np.clip(p, 1e-7, 1.0)) / c["temperature"]
    lz[:, 1] += c["flat_bias"]
    e = np.exp(lz - lz.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
print(json.dumps(p.tolist()))
"#;
    let out = Command::new(fixture::python().unwrap())
        .args(["-c", script])
        .arg(&path)
        .arg(serde_json::to_string(&inputs).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Vec<[f32; 3]> = serde_json::from_slice(&out.stdout).unwrap();
    for (a, b) in ours.iter().zip(&theirs) {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-5, "rust {a:?} python {b:?}");
        }
    }
}

#[test]
fn prediction_carries_origin_ts_model_id_and_expected_move() {
    if !runtime_available() {
        return;
    }
    let mut model = Model::load(&model_a(), &live_schema()).unwrap();
    let meta = model.metadata().clone();
    let v = vector(sample_values(0.5), live_schema().hash);
    let p = model.prediction(&v, UnixNanos(99)).unwrap();
    assert_eq!(p.origin_ts, UnixNanos(7));
    assert_eq!(p.ts, UnixNanos(99));
    assert_eq!(p.market, v.market);
    assert_eq!(p.model_version, meta.model_id);
    assert_eq!(p.horizon_ms, meta.horizon_ms);
    let m = meta.class_mean_move_bps;
    let expected = p.p_down * m[0] + p.p_flat * m[1] + p.p_up * m[2];
    assert!((p.expected_move_bps - expected).abs() < 1e-5);
    // A strong synthetic "up" signal (features 3 and 1 high) leans up, a strong "down" leans down.
    let mut up = meta.normalisation.mean.clone();
    let mut down = up.clone();
    for (i, s) in [(3usize, 3.0f32), (1, 3.0)] {
        up[i] += s * meta.normalisation.std[i];
        down[i] -= s * meta.normalisation.std[i];
    }
    let (u, d) = (model.predict(&up).unwrap(), model.predict(&down).unwrap());
    assert!(u.p_up > u.p_down && u.expected_move_bps > 0.0, "{u:?}");
    assert!(d.p_down > d.p_up && d.expected_move_bps < 0.0, "{d:?}");
}

#[test]
fn refuses_another_schema_or_width() {
    if !runtime_available() {
        return;
    }
    let schema = live_schema();
    let other = FeatureSchema::new(schema.hash ^ 1, schema.num_features);
    let err = Model::load(&model_a(), &other).unwrap_err();
    assert!(matches!(err, ModelError::SchemaMismatch { .. }), "{err}");
    let narrow = FeatureSchema::new(schema.hash, schema.num_features - 1);
    let err = Model::load(&model_a(), &narrow).unwrap_err();
    assert!(
        matches!(
            err,
            ModelError::FeatureCount {
                expected: 33,
                model: 34
            }
        ),
        "{err}"
    );
    // A model.json claiming another schema is refused, naming both hashes.
    let dir = scratch("other-schema");
    let path = copy_model(&model_a(), &dir);
    let text = std::fs::read_to_string(&path).unwrap();
    let meta = ModelMetadata::parse(&text, &path).unwrap();
    let patched = text.replace(&meta.schema_hash, "0x0123456789abcdef");
    std::fs::write(&path, patched).unwrap();
    let err = Model::load(&path, &schema).unwrap_err();
    assert!(err.to_string().contains("0x0123456789abcdef"), "{err}");
    assert!(err.to_string().contains(&schema.hash_hex()), "{err}");
}

#[test]
fn refuses_bad_vectors_without_harm() {
    if !runtime_available() {
        return;
    }
    let schema = live_schema();
    let mut model = Model::load(&model_a(), &schema).unwrap();
    let err = model
        .predict_vector(&vector(sample_values(0.0), schema.hash ^ 0xff))
        .unwrap_err();
    assert!(matches!(err, ModelError::VectorSchema { .. }), "{err}");
    let err = model
        .predict_vector(&vector(vec![0.0; 33], schema.hash))
        .unwrap_err();
    assert!(matches!(
        err,
        ModelError::VectorLength {
            expected: 34,
            found: 33
        }
    ));
    let mut nan = sample_values(0.0);
    nan[5] = f32::NAN;
    let err = model.predict_vector(&vector(nan, schema.hash)).unwrap_err();
    assert!(matches!(err, ModelError::NonFiniteInput { index: 5 }));
    // The model still serves.
    model
        .predict_vector(&vector(sample_values(0.0), schema.hash))
        .unwrap();
}

#[test]
fn refuses_a_tampered_or_missing_onnx_file() {
    if !runtime_available() {
        return;
    }
    let dir = scratch("tampered");
    let path = copy_model(&model_a(), &dir);
    let meta = ModelMetadata::read(&path).unwrap();
    let onnx = meta.onnx_path(&path);
    let mut bytes = std::fs::read(&onnx).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    std::fs::write(&onnx, &bytes).unwrap();
    let err = Model::load(&path, &live_schema()).unwrap_err();
    assert!(matches!(err, ModelError::Digest { .. }), "{err}");
    std::fs::remove_file(&onnx).unwrap();
    let err = Model::load(&path, &live_schema()).unwrap_err();
    assert!(matches!(err, ModelError::Io { .. }), "{err}");
}

fn wait_for_reload(hot: &mut HotModel) -> ReloadEvent {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        // Requests keep being served while the watcher loads.
        hot.model().predict(&sample_values(1.0)).unwrap();
        if let Some(event) = hot.poll_reload() {
            return event;
        }
        assert!(Instant::now() < deadline, "no reload event");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn hot_reload_swaps_a_new_model_in_and_keeps_the_old_one_on_a_bad_file() {
    if !runtime_available() {
        return;
    }
    let dir = scratch("hot");
    let path = copy_model(&model_a(), &dir);
    let id_a = ModelMetadata::read(&model_a()).unwrap().model_id;
    let id_b = ModelMetadata::read(&model_b()).unwrap().model_id;
    assert_ne!(id_a, id_b);
    let mut hot = HotModel::load(&path, live_schema(), Duration::from_millis(20)).unwrap();
    assert_eq!(hot.model().id(), id_a);
    assert!(hot.poll_reload().is_none());

    copy_model(&model_b(), &dir);
    match wait_for_reload(&mut hot) {
        ReloadEvent::Loaded { previous, current } => {
            assert_eq!(previous, id_a);
            assert_eq!(current, id_b);
        }
        ReloadEvent::Failed(e) => panic!("reload failed: {e}"),
    }
    assert_eq!(hot.model().id(), id_b);

    std::fs::write(&path, "{ not json").unwrap();
    match wait_for_reload(&mut hot) {
        ReloadEvent::Failed(ModelError::Metadata { .. }) => {}
        other => panic!("expected a metadata failure, got {other:?}"),
    }
    assert_eq!(hot.model().id(), id_b);
    hot.model().predict(&sample_values(2.0)).unwrap();

    // Fixed again: reloads.
    copy_model(&model_a(), &dir);
    match wait_for_reload(&mut hot) {
        ReloadEvent::Loaded { current, .. } => assert_eq!(current, id_a),
        ReloadEvent::Failed(e) => panic!("reload failed: {e}"),
    }
}

#[test]
fn the_committed_model_matches_the_live_feature_schema() {
    if !runtime_available() {
        return;
    }
    let path = fixture::workspace_root().join("models/model.json");
    if !path.is_file() {
        prerequisite_missing(&format!("no committed model at {}", path.display()));
        return;
    }
    let mut model = Model::load(&path, &live_schema()).unwrap();
    let meta = model.metadata().clone();
    assert!(std::fs::metadata(model.onnx_path()).unwrap().len() < 5 * 1024 * 1024);
    let o = model.predict(&meta.normalisation.mean).unwrap();
    assert!((o.p_down + o.p_flat + o.p_up - 1.0).abs() < 1e-4);
}
