#!/usr/bin/env python3
"""Train FlashMM's direction model and export it as ONNX plus model.json.

Reads one or more datasets written by `flashmm dataset` (uncompressed .npz: X float32 [N, F],
ts int64 [N] UTC ns, move_bps float32 [N], label int8 [N] 0 down / 1 flat / 2 up,
l1_imbalance float32 [N], meta: a 1-element unicode array holding a JSON object with
feature_names, schema_hash, horizon_ms, dead_band_bps, source, market).

Split: each file is cut by its own time span into train / validation / test parts (the last
--test-frac of the span is test, the --val-frac before it validation); an embargo of one label
horizon is left out before each cut, so no label of an earlier part looks into the features of
a later part. `flashmm eval-model` applies the same rule (crates/flashmm-model/src/split.rs).

Candidates: an MLP (hidden layers 32-16, ReLU, Adam, epochs kept by validation macro-F1) and
a multinomial logistic regression, both trained on train with balanced class weights.
The one with the best validation macro-F1 is exported (input: z-scored features; output:
class probabilities [down, flat, up]). Reported on test beside two reference baselines:
always-majority and a logistic regression on the level-1 book imbalance alone.

Everything is seeded: the same data and --seed give byte-identical model files.

    scripts/python-env                                    # creates .venv with pinned packages
    .venv/bin/python scripts/train_model.py --data ds.npz --out models/ --seed 7
    .venv/bin/python scripts/train_model.py --synthetic /tmp/syn.npz --rows 20000 --seed 7
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from dataclasses import dataclass

import numpy as np

CLASSES = ["down", "flat", "up"]
DEFAULT_SCHEMA_HASH = "0xfa5aacba1c801b80"
FORMAT_VERSION = 1
NORM_CLIP = 10.0
MAX_ONNX_BYTES = 5 * 1024 * 1024


# ----------------------------------------------------------------------------------------------
# Data


@dataclass
class Dataset:
    """Rows of one or more dataset files, in time order."""

    X: np.ndarray
    ts: np.ndarray
    move_bps: np.ndarray
    label: np.ndarray
    l1_imbalance: np.ndarray
    file_idx: np.ndarray
    meta: dict
    files: list


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_meta(npz) -> dict:
    if "meta" not in npz.files:
        raise SystemExit("dataset has no 'meta' array")
    raw = npz["meta"]
    text = str(raw.reshape(-1)[0]) if raw.size else ""
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as e:
        raise SystemExit(f"dataset meta is not JSON: {e}")
    for key in ("feature_names", "schema_hash", "horizon_ms", "dead_band_bps"):
        if key not in meta:
            raise SystemExit(f"dataset meta lacks '{key}'")
    return meta


def load(paths: list) -> Dataset:
    parts, metas, files = [], [], []
    for path in paths:
        with np.load(path, allow_pickle=False) as z:
            meta = read_meta(z)
            for key in ("X", "ts", "move_bps", "label", "l1_imbalance"):
                if key not in z.files:
                    raise SystemExit(f"{path}: no '{key}' array")
            X = np.asarray(z["X"], dtype=np.float32)
            n = X.shape[0]
            arrays = {
                "X": X,
                "ts": np.asarray(z["ts"], dtype=np.int64),
                "move_bps": np.asarray(z["move_bps"], dtype=np.float32),
                "label": np.asarray(z["label"], dtype=np.int64),
                "l1_imbalance": np.asarray(z["l1_imbalance"], dtype=np.float32),
                "file_idx": np.full(n, len(parts), dtype=np.int64),
            }
        if X.ndim != 2 or X.shape[1] != len(meta["feature_names"]):
            raise SystemExit(f"{path}: X has shape {X.shape}, meta names {len(meta['feature_names'])} features")
        for key, arr in arrays.items():
            if arr.shape[0] != n:
                raise SystemExit(f"{path}: '{key}' has {arr.shape[0]} rows, X has {n}")
        if n and not set(np.unique(arrays["label"])).issubset({0, 1, 2}):
            raise SystemExit(f"{path}: labels outside 0, 1, 2")
        if not np.isfinite(X).all():
            raise SystemExit(f"{path}: X holds non-finite values")
        parts.append(arrays)
        metas.append(meta)
        files.append(
            {
                "file": os.path.basename(path),
                "sha256": sha256_file(path),
                "rows": int(n),
                "market": meta.get("market"),
                "source": meta.get("source", []),
                "ts_first": int(arrays["ts"].min()) if n else None,
                "ts_last": int(arrays["ts"].max()) if n else None,
            }
        )
    first = metas[0]
    for path, meta in zip(paths[1:], metas[1:]):
        for key in ("feature_names", "schema_hash", "horizon_ms", "dead_band_bps"):
            if meta[key] != first[key]:
                raise SystemExit(f"{path}: '{key}' differs from {paths[0]}")
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.argsort(cat["ts"], kind="stable")
    cat = {k: v[order] for k, v in cat.items()}
    return Dataset(meta=first, files=files, **cat)


def synthetic(path: str, rows: int, seed: int, schema_hash: str, horizon_ms: int, dead_band_bps: float) -> None:
    """Writes a dataset of the `flashmm dataset` format with a learnable, noisy signal."""
    rng = np.random.default_rng(seed)
    names = [f"f{i:02d}" for i in range(34)]
    X = rng.standard_normal((rows, len(names))).astype(np.float32)
    X[:, 33] = np.abs(X[:, 33]) * 5.0  # a skewed, non-centred column, like time_since_trade_s
    signal = 1.2 * X[:, 3] + 0.8 * X[:, 1] - 0.5 * X[:, 11] * X[:, 3] + 0.6 * np.tanh(X[:, 16])
    move = (signal + rng.standard_normal(rows) * 1.0).astype(np.float32)
    label = np.where(move < -dead_band_bps, 0, np.where(move > dead_band_bps, 2, 1)).astype(np.int8)
    ts = (1_700_000_000_000_000_000 + np.arange(rows, dtype=np.int64) * 50_000_000).astype(np.int64)
    meta = {
        "feature_names": names,
        "schema_hash": schema_hash,
        "horizon_ms": horizon_ms,
        "dead_band_bps": dead_band_bps,
        "source": ["synthetic"],
        "market": "SYN/USD",
    }
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    np.savez(
        path,
        X=X,
        ts=ts,
        move_bps=move,
        label=label,
        l1_imbalance=np.clip(X[:, 3] / 3.0, -1, 1).astype(np.float32),
        meta=np.array([json.dumps(meta)]),
    )


# ----------------------------------------------------------------------------------------------
# Split and metrics


def split(ts: np.ndarray, file_idx: np.ndarray, horizon_ms: int, val_frac: float, test_frac: float):
    """Boolean masks of train / validation / test: each file is cut by its own time span.

    The rule, shared with `flashmm eval-model`: with t0, t1 the first and last row time of a
    file and span = t1 - t0, the validation part starts at t0 + span * (1 - val - test) and
    the test part at t0 + span * (1 - test) (integer ns, truncated). Rows within one horizon
    before a cut (the embargo) belong to no part, so no label of an earlier part looks into a
    later one.
    """
    if len(ts) == 0:
        raise SystemExit("no rows")
    emb = int(horizon_ms) * 1_000_000
    train = np.zeros(len(ts), dtype=bool)
    val = np.zeros(len(ts), dtype=bool)
    test = np.zeros(len(ts), dtype=bool)
    cuts = []
    for f in np.unique(file_idx):
        rows = file_idx == f
        t = ts[rows]
        t0, t1 = int(t.min()), int(t.max())
        span = t1 - t0
        cut_val = t0 + int(span * (1.0 - val_frac - test_frac))
        cut_test = t0 + int(span * (1.0 - test_frac))
        train |= rows & (ts < cut_val - emb)
        val |= rows & (ts >= cut_val) & (ts < cut_test - emb)
        test |= rows & (ts >= cut_test)
        cuts.append({"cut_val_ts": cut_val, "cut_test_ts": cut_test})
    return train, val, test, {"per_file_cuts": cuts, "embargo_ns": emb}


def metrics(y: np.ndarray, proba: np.ndarray) -> dict:
    from sklearn.metrics import accuracy_score, f1_score, log_loss

    pred = proba.argmax(axis=1)
    clipped = np.clip(proba, 1e-7, 1.0)
    nonflat = y != 1
    direction = np.sign(proba[:, 2] - proba[:, 0])
    truth = np.where(y == 2, 1.0, -1.0)
    hits = (direction[nonflat] == truth[nonflat]).astype(np.float64)
    return {
        "rows": int(len(y)),
        "accuracy": float(accuracy_score(y, pred)),
        "macro_f1": float(f1_score(y, pred, average="macro", labels=[0, 1, 2], zero_division=0)),
        "log_loss": float(log_loss(y, clipped / clipped.sum(axis=1, keepdims=True), labels=[0, 1, 2])),
        "hit_rate": float(hits.mean()) if len(hits) else None,
        "non_flat_rows": int(nonflat.sum()),
        "predicted_class_share": [float((pred == c).mean()) for c in range(3)],
    }


def class_shares(y: np.ndarray) -> list:
    return [float((y == c).mean()) if len(y) else 0.0 for c in range(3)]


def balanced_weights(y: np.ndarray) -> np.ndarray:
    counts = np.bincount(y, minlength=3).astype(np.float64)
    per_class = np.where(counts > 0, len(y) / (3.0 * np.maximum(counts, 1.0)), 0.0)
    return per_class[y]


def full_proba(model, X: np.ndarray) -> np.ndarray:
    """predict_proba widened to the 3 classes when a class was absent from training."""
    p = model.predict_proba(X)
    out = np.zeros((X.shape[0], 3), dtype=np.float64)
    for j, c in enumerate(model.classes_):
        out[:, int(c)] = p[:, j]
    return out


def calibrate(proba: np.ndarray, temperature: float, flat_bias: float) -> np.ndarray:
    """The calibrated probabilities: softmax(log p / T + b·[class = flat]).

    Scaling every log-probability by one temperature keeps the order of the classes, and the
    bias touches only "flat", so the predicted direction (sign of p_up − p_down) is the
    uncalibrated one: calibration changes how sure the model is, never which way it leans.
    crates/flashmm-model applies the same formula (`Calibration`)."""
    z = np.log(np.clip(proba, 1e-7, 1.0)) / temperature
    z[:, 1] += flat_bias
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def calibration_doc(temperature: float, flat_bias: float) -> dict:
    """The `calibration` entry of model.json (crates/flashmm-model's `Calibration`)."""
    return {"method": "temperature_flat_bias", "temperature": temperature, "flat_bias": flat_bias}


def fit_calibration(y: np.ndarray, proba: np.ndarray) -> tuple:
    """Temperature and flat-class bias minimising the log-loss of `proba` against `y` (the
    validation part; never the test part)."""
    from scipy.optimize import minimize

    def nll(params):
        t, b = float(np.exp(params[0])), float(params[1])
        p = calibrate(proba, t, b)
        return -float(np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, 1.0))))

    best = minimize(nll, x0=np.array([0.0, 0.0]), method="Nelder-Mead",
                    options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": 2000})
    return float(np.exp(best.x[0])), float(best.x[1])


def reliability(y: np.ndarray, proba: np.ndarray, bins: int = 10) -> list:
    """Predicted against observed frequency of each class, by bins of predicted probability."""
    rows = []
    for c, name in enumerate(CLASSES):
        edges = np.linspace(0.0, 1.0, bins + 1)
        which = np.clip(np.digitize(proba[:, c], edges[1:-1]), 0, bins - 1)
        for k in range(bins):
            m = which == k
            if m.sum() == 0:
                continue
            rows.append({
                "class": name,
                "bin": [float(edges[k]), float(edges[k + 1])],
                "rows": int(m.sum()),
                "predicted": float(proba[m, c].mean()),
                "observed": float((y[m] == c).mean()),
            })
    return rows


def model_id(stem: str, onnx_sha: str, calibration: dict) -> str:
    """`{stem}-{onnx digest}-c{calibration digest}`: a new calibration of the same network is a
    new model, with an id of its own in predictions, reports and metrics."""
    cal = hashlib.sha256(json.dumps(calibration, sort_keys=True).encode()).hexdigest()
    return f"{stem}-{onnx_sha[:12]}-c{cal[:6]}"


def calibrate_existing(out: str, Xva, yva, Xte, yte) -> int:
    """Fits the calibration of the model in `out` (its model.json and ONNX file, run through
    ONNX Runtime as the Rust crate runs it) on the validation part and writes it, with the
    calibrated metrics, into its model.json; the ONNX file is not touched."""
    import onnxruntime

    path = os.path.join(out, "model.json")
    with open(path) as f:
        doc = json.load(f)
    norm = doc["normalisation"]
    mean32 = np.array(norm["mean"], dtype=np.float32)
    std32 = np.array(norm["std"], dtype=np.float32)
    clip = float(norm["clip"])
    sess = onnxruntime.InferenceSession(os.path.join(out, doc["onnx_file"]), providers=["CPUExecutionProvider"])

    def proba(X):
        Z = np.clip((X.astype(np.float32) - mean32) / std32, -clip, clip).astype(np.float32)
        return sess.run([doc["output_name"]], {doc["input_name"]: Z})[0].astype(np.float64)

    pva, pte = proba(Xva), proba(Xte)
    temperature, flat_bias = fit_calibration(yva, pva)
    cal_te = calibrate(pte, temperature, flat_bias)
    doc["calibration"] = calibration_doc(temperature, flat_bias)
    stem = doc["onnx_file"].rsplit(".", 1)[0]
    doc["model_id"] = model_id(stem, doc["onnx_sha256"], doc["calibration"])
    doc["metrics"]["test"]["model_calibrated"] = metrics(yte, cal_te)
    doc["metrics"]["test"]["reliability_calibrated"] = reliability(yte, cal_te)
    doc["metrics"]["validation"]["model_calibrated"] = metrics(yva, calibrate(pva, temperature, flat_bias))
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print(f"calibration (validation): temperature {temperature:.4f}, flat bias {flat_bias:.4f}; wrote {path}")
    for name in ("model", "model_calibrated", "majority"):
        m = doc["metrics"]["test"][name]
        print(f"test {name:18s} macro-F1 {m['macro_f1']:.4f} accuracy {m['accuracy']:.4f} log-loss {m['log_loss']:.4f}")
    return 0


# ----------------------------------------------------------------------------------------------
# Models


MLP_MAX_EPOCHS = 40
MLP_PATIENCE = 6


def candidates(seed: int) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    return {
        "mlp": MLPClassifier(
            hidden_layer_sizes=(32, 16),
            activation="relu",
            solver="adam",
            alpha=1e-3,
            batch_size=256,
            learning_rate_init=1e-3,
            random_state=seed,
        ),
        "logistic": LogisticRegression(max_iter=2000, C=1.0, random_state=seed),
    }


def fit_mlp(model, Ztr, ytr, wtr, Zva, yva):
    """Epochs of Adam on train; keeps the epoch with the best validation macro-F1.

    Early stopping looks at the time-ordered validation part, never at rows drawn from the
    training part's own period. Returns the kept model and its epoch count.
    """
    import copy

    from sklearn.metrics import f1_score

    best, best_f1, best_epoch = None, -1.0, 0
    for epoch in range(1, MLP_MAX_EPOCHS + 1):
        model.partial_fit(Ztr, ytr, sample_weight=wtr, classes=np.array([0, 1, 2]))
        f1 = f1_score(yva, model.predict(Zva), average="macro", labels=[0, 1, 2], zero_division=0)
        if f1 > best_f1:
            best, best_f1, best_epoch = copy.deepcopy(model), f1, epoch
        elif epoch - best_epoch >= MLP_PATIENCE:
            break
    return best, best_epoch


def export_onnx(model, n_features: int) -> bytes:
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    onx = convert_sklearn(
        model,
        initial_types=[("input", FloatTensorType([None, n_features]))],
        options={id(model): {"zipmap": False}},
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    # skl2onnx collects opsets in a set: order them so the bytes do not depend on hashing.
    opsets = sorted(((o.domain, o.version) for o in onx.opset_import))
    del onx.opset_import[:]
    for domain, version in opsets:
        onx.opset_import.add(domain=domain, version=version)
    onx.graph.name = "flashmm"
    onx.producer_name = "flashmm-train"
    onx.producer_version = str(FORMAT_VERSION)
    return onx.SerializeToString()


def check_onnx(onnx_bytes: bytes, Xn: np.ndarray, expected: np.ndarray) -> float:
    import onnxruntime as ort

    sess = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    if "probabilities" not in names:
        raise SystemExit(f"exported model has outputs {names}, expected 'probabilities'")
    got = sess.run(["probabilities"], {"input": Xn.astype(np.float32)})[0]
    return float(np.abs(got - expected).max())


# ----------------------------------------------------------------------------------------------
# Main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", nargs="+", metavar="FILE", help="dataset files (.npz) from `flashmm dataset`")
    ap.add_argument("--out", default="models", help="output directory (default: models)")
    ap.add_argument("--name", default="flashmm-mlp", help="model file stem (default: flashmm-mlp)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--val-frac", type=float, default=0.15)
    ap.add_argument("--test-frac", type=float, default=0.2)
    ap.add_argument("--max-train-rows", type=int, default=400_000, help="keep the latest N train rows")
    ap.add_argument("--only", choices=["mlp", "logistic"], help="train one candidate only")
    ap.add_argument("--calibrate-only", action="store_true",
                    help="fit only the calibration of the model already in --out, on its validation part")
    ap.add_argument("--synthetic", metavar="FILE", help="write a synthetic dataset to FILE and exit")
    ap.add_argument("--rows", type=int, default=20_000, help="rows of --synthetic")
    ap.add_argument("--schema-hash", default=DEFAULT_SCHEMA_HASH, help="schema hash of --synthetic")
    ap.add_argument("--horizon-ms", type=int, default=500, help="horizon of --synthetic")
    ap.add_argument("--dead-band-bps", type=float, default=0.5, help="dead band of --synthetic")
    args = ap.parse_args(argv)

    if args.synthetic:
        synthetic(args.synthetic, args.rows, args.seed, args.schema_hash, args.horizon_ms, args.dead_band_bps)
        print(f"wrote {args.rows} synthetic rows to {args.synthetic}")
        return 0
    if not args.data:
        ap.error("--data FILE... is required (or --synthetic FILE)")

    np.random.seed(args.seed)
    ds = load(args.data)
    meta = ds.meta
    horizon_ms = int(meta["horizon_ms"])
    train, val, test, split_info = split(ds.ts, ds.file_idx, horizon_ms, args.val_frac, args.test_frac)
    train_idx = np.flatnonzero(train)
    if len(train_idx) > args.max_train_rows:
        train_idx = train_idx[-args.max_train_rows :]
    for name, idx in (("train", train_idx), ("validation", np.flatnonzero(val)), ("test", np.flatnonzero(test))):
        if len(idx) < 50:
            raise SystemExit(f"{name} part has {len(idx)} rows: too few (more data or other fractions)")

    Xtr, ytr = ds.X[train_idx].astype(np.float64), ds.label[train_idx]
    Xva, yva = ds.X[val].astype(np.float64), ds.label[val]
    Xte, yte = ds.X[test].astype(np.float64), ds.label[test]
    if args.calibrate_only:
        return calibrate_existing(args.out, Xva, yva, Xte, yte)

    mean = Xtr.mean(axis=0)
    std = Xtr.std(axis=0)
    std = np.where(std > 1e-9, std, 1.0)
    mean32, std32 = mean.astype(np.float32), std.astype(np.float32)

    def norm(X):
        # Same arithmetic as the Rust crate: f32, (x - mean) / std, clipped.
        Z = (X.astype(np.float32) - mean32) / std32
        return np.clip(Z, -NORM_CLIP, NORM_CLIP).astype(np.float32)

    Ztr, Zva, Zte = norm(Xtr), norm(Xva), norm(Xte)
    wtr = balanced_weights(ytr)

    results, fitted = {}, {}
    for name, model in candidates(args.seed).items():
        if args.only and name != args.only:
            continue
        epochs = None
        if name == "mlp":
            model, epochs = fit_mlp(model, Ztr, ytr, wtr, Zva, yva)
        else:
            model.fit(Ztr, ytr, sample_weight=wtr)
        fitted[name] = model
        results[name] = {
            "validation": metrics(yva, full_proba(model, Zva)),
            "test": metrics(yte, full_proba(model, Zte)),
        }
        if epochs is not None:
            results[name]["epochs"] = epochs
        v = results[name]["validation"]
        print(f"{name:9s} validation macro-F1 {v['macro_f1']:.4f} accuracy {v['accuracy']:.4f} log-loss {v['log_loss']:.4f}")

    chosen = max(results, key=lambda n: (results[n]["validation"]["macro_f1"], n == "mlp"))
    model = fitted[chosen]
    if len(model.classes_) != 3:
        raise SystemExit(f"training part lacks a class (classes {list(model.classes_)}): more data needed")

    # Reference baselines, judged on the same test rows.
    from sklearn.linear_model import LogisticRegression

    majority = int(np.bincount(ytr, minlength=3).argmax())
    prior = np.bincount(ytr, minlength=3).astype(np.float64) / len(ytr)
    maj_proba = np.tile(np.clip(prior, 1e-7, 1.0), (len(yte), 1))
    imb = LogisticRegression(max_iter=1000, random_state=args.seed)
    imb.fit(ds.l1_imbalance[train_idx].reshape(-1, 1), ytr, sample_weight=wtr)
    imb_test = metrics(yte, full_proba(imb, ds.l1_imbalance[test].reshape(-1, 1)))
    maj_test = metrics(yte, maj_proba)
    maj_test["majority_class"] = CLASSES[majority]

    temperature, flat_bias = fit_calibration(yva, full_proba(model, Zva))
    cal_test = calibrate(full_proba(model, Zte), temperature, flat_bias)
    calibrated_test = metrics(yte, cal_test)
    calibrated_val = metrics(yva, calibrate(full_proba(model, Zva), temperature, flat_bias))
    print(f"calibration (validation): temperature {temperature:.4f}, flat bias {flat_bias:.4f}")

    onnx_bytes = export_onnx(model, ds.X.shape[1])
    if len(onnx_bytes) > MAX_ONNX_BYTES:
        raise SystemExit(f"ONNX model is {len(onnx_bytes)} bytes, over the 5 MB limit")
    max_diff = check_onnx(onnx_bytes, Zte[:2000], full_proba(model, Zte[:2000]))
    if max_diff > 1e-4:
        raise SystemExit(f"ONNX probabilities differ from scikit-learn's by {max_diff}")

    class_moves = []
    for c in range(3):
        moves = ds.move_bps[train_idx][ytr == c]
        class_moves.append(float(moves.mean()) if len(moves) else 0.0)

    onnx_sha = hashlib.sha256(onnx_bytes).hexdigest()
    os.makedirs(args.out, exist_ok=True)
    onnx_file = f"{args.name}.onnx"
    with open(os.path.join(args.out, onnx_file), "wb") as f:
        f.write(onnx_bytes)

    import onnx
    import onnxruntime
    import skl2onnx
    import sklearn

    def ts_range(mask_or_idx):
        t = ds.ts[mask_or_idx]
        return [int(t.min()), int(t.max())] if len(t) else None

    doc = {
        "format_version": FORMAT_VERSION,
        "model_id": model_id(args.name, onnx_sha, calibration_doc(temperature, flat_bias)),
        "kind": chosen,
        "onnx_file": onnx_file,
        "onnx_sha256": onnx_sha,
        "input_name": "input",
        "output_name": "probabilities",
        "schema_hash": str(meta["schema_hash"]),
        "feature_names": list(meta["feature_names"]),
        "horizon_ms": horizon_ms,
        "dead_band_bps": float(meta["dead_band_bps"]),
        "classes": CLASSES,
        "class_mean_move_bps": class_moves,
        "calibration": calibration_doc(temperature, flat_bias),
        "normalisation": {
            "mean": [float(x) for x in mean32],
            "std": [float(x) for x in std32],
            "clip": NORM_CLIP,
        },
        "metrics": {
            "test": {
                "model": results[chosen]["test"],
                "model_calibrated": calibrated_test,
                "reliability_calibrated": reliability(yte, cal_test),
                "majority": maj_test,
                "imbalance_logistic": imb_test,
            },
            "validation": {"model": results[chosen]["validation"], "model_calibrated": calibrated_val},
            "candidates": results,
            "onnx_max_abs_diff": max_diff,
        },
        "data": {
            "files": ds.files,
            "market": meta.get("market"),
            "rows": {
                "train": int(len(train_idx)),
                "validation": int(val.sum()),
                "test": int(test.sum()),
                "total": int(len(ds.ts)),
            },
            "class_share": {
                "train": class_shares(ytr),
                "validation": class_shares(yva),
                "test": class_shares(yte),
            },
            "ts_range": {
                "train": ts_range(train_idx),
                "validation": ts_range(val),
                "test": ts_range(test),
            },
        },
        "split": {
            "val_frac": args.val_frac,
            "test_frac": args.test_frac,
            "max_train_rows": args.max_train_rows,
            **split_info,
        },
        "training": {
            "seed": args.seed,
            "class_weight": "balanced",
            "params": {k: repr(v) for k, v in sorted(model.get_params().items())},
            "versions": {
                "python": sys.version.split()[0],
                "numpy": np.__version__,
                "scikit-learn": sklearn.__version__,
                "skl2onnx": skl2onnx.__version__,
                "onnx": onnx.__version__,
                "onnxruntime": onnxruntime.__version__,
            },
        },
        "seed": args.seed,
    }
    with open(os.path.join(args.out, "model.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")

    t = doc["metrics"]["test"]
    print(f"chose {chosen}; wrote {os.path.join(args.out, onnx_file)} ({len(onnx_bytes)} bytes) and model.json")
    for name in ("model", "model_calibrated", "majority", "imbalance_logistic"):
        m = t[name]
        hr = "n/a" if m["hit_rate"] is None else f"{m['hit_rate']:.4f}"
        print(
            f"test {name:18s} macro-F1 {m['macro_f1']:.4f} accuracy {m['accuracy']:.4f} "
            f"log-loss {m['log_loss']:.4f} hit-rate {hr}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
