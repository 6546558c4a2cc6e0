//! Single-vector inference latency: normalise + ONNX Runtime session run + output checks.
//!
//! Uses the committed model (`models/model.json`) when present, else trains a fixture MLP
//! (34-64-32-3) on synthetic data with `scripts/train_model.py`. Prints p50/p99/p99.9 of
//! 200 000 timed single inferences, then the criterion measurement.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use criterion::{criterion_group, Criterion};
use flashmm_features::{schema_hash, FeatureConfig, NUM_FEATURES};
use flashmm_model::{fixture, format_schema_hash, FeatureSchema, Model};

fn schema() -> FeatureSchema {
    FeatureSchema::new(schema_hash(&FeatureConfig::default()), NUM_FEATURES)
}

fn model_path() -> PathBuf {
    let committed = fixture::workspace_root().join("models/model.json");
    if committed.is_file() {
        return committed;
    }
    let dir = std::env::temp_dir().join(format!("flashmm-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench scratch dir");
    fixture::synthetic_model(&dir, 7, &format_schema_hash(schema().hash), 4000)
        .expect("fixture model (run scripts/setup)")
}

fn inputs(model: &Model) -> Vec<Vec<f32>> {
    let meta = model.metadata();
    (0..64)
        .map(|k| {
            meta.normalisation
                .mean
                .iter()
                .zip(&meta.normalisation.std)
                .enumerate()
                .map(|(i, (m, s))| m + s * ((i * 7 + k) as f32 * 0.61).sin())
                .collect()
        })
        .collect()
}

fn percentiles(model: &mut Model, inputs: &[Vec<f32>]) {
    const N: usize = 200_000;
    let mut ns = Vec::with_capacity(N);
    for i in 0..N {
        let x = &inputs[i % inputs.len()];
        let t = Instant::now();
        black_box(model.predict(black_box(x)).expect("predict"));
        ns.push(t.elapsed().as_nanos() as u64);
    }
    ns.sort_unstable();
    let q = |p: f64| ns[((N as f64 * p) as usize).min(N - 1)] as f64 / 1000.0;
    println!(
        "model/predict_single ({} , {N} runs): p50 {:.2} us, p99 {:.2} us, p99.9 {:.2} us, max {:.2} us",
        model.id(),
        q(0.50),
        q(0.99),
        q(0.999),
        ns[N - 1] as f64 / 1000.0
    );
}

fn bench(c: &mut Criterion) {
    let path = model_path();
    let mut model = Model::load(&path, &schema()).expect("load model");
    let xs = inputs(&model);
    percentiles(&mut model, &xs);
    let mut i = 0;
    c.bench_function("model/predict_single", |b| {
        b.iter(|| {
            i = (i + 1) % xs.len();
            black_box(model.predict(black_box(&xs[i])).expect("predict"))
        })
    });
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
