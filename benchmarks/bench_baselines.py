"""Cost of the SVM baseline and sanity fits as the corpus grows: unbounded grid vs bounded fits.

Issue 18, point 2: on 2,900 real clips under leave one recording out, the shuffled-labels sanity
row ran for more than 35 minutes on one fold and ``mfcc_svm`` for more than 15, with the grid of
:data:`motivic.baselines.svm.DEFAULT_GRID` solved by libsvm's ``SVC`` without an iteration bound.

Protocol
--------
- **Data**: synthetic log-mel stores (128 bands, valid lengths ``clip(exp(N(log 60, 0.5)), 20, 200)``
  frames of N(-4, 2) noise, padded with the log floor) of 400, 1,500 and 3,000 segments, 4 classes
  with priors 0.4 / 0.3 / 0.2 / 0.1 and a weak class cue (+0.4 on 16 class-specific bands), in 60
  fake recordings; a 60 / 20 / 20 train / val / test split by recording. The features are
  :func:`motivic.baselines.mfcc.features_from_store` (120 MFCC statistics), computed once per size.
- **Fits timed** (features precomputed, the same arrays for both codes):
  ``mfcc_svm`` = the grid search + calibrated refit on the true labels; ``shuffled_labels`` = the
  same on training and validation labels permuted (seed 13), the solvers' worst case;
  ``duration_only`` = the whole :func:`motivic.baselines.sanity.duration_only_run` (new) against the same
  logistic regression without class weights (old).
  *old* = :func:`old_fit_svm`, a copy of ``fit_svm`` at commit 89e4674 (main before this change:
  ``SVC`` for every grid point, no ``max_iter``); *new* = :func:`motivic.baselines.svm.fit_svm` with
  ``class_weighting="balanced"`` (what grouped splits get by default) and ``"none"``.
  An old fit runs in a child process stopped after ``--old-timeout`` seconds (reported as ``>``).
- **Reference network**: :func:`motivic.train.runs.train_run` of ``compact_convnet`` (demo
  options, batch 20, CPU) on the same store and split for ``--epochs`` epoch(s); the table gives
  the per-epoch time and that time × ``--demo-epochs`` (30, ``training.epochs`` of config.yaml), the
  cost of a network trained without early stopping on the same fold. Training runs at the sizes
  of ``--network-sizes`` (default: the smallest); at the other sizes the epoch time is the
  measured one scaled by the number of training segments (an epoch is one pass over them),
  marked "(scaled)".
- All rows of one size are measured in the same process, one after the other, so their ratios
  share the machine's load.

Usage::

    .venv/bin/python benchmarks/bench_baselines.py --old-timeout 150   # about 7 minutes on 2 cores
    .venv/bin/python benchmarks/bench_baselines.py --sizes 400 --old-timeout 60

The table is printed as Markdown (docs/benchmarks.md, "SVM baselines and sanity rows").
"""

from __future__ import annotations

import argparse
import logging
import math
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

N_MELS, N_FRAMES = 128, 200
PRIORS = (0.4, 0.3, 0.2, 0.1)
N_RECORDINGS = 60

logger = logging.getLogger("bench_baselines")


def old_fit_svm(X_train, y_train, X_val, y_val, seed=0):
    """``fit_svm`` as it was at commit 89e4674: libsvm ``SVC`` for every point, no iteration bound."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import ParameterGrid
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from motivic.baselines.svm import DEFAULT_GRID

    def pipeline(params, calibrate_folds=0):
        svc = SVC(random_state=seed, **params)
        if calibrate_folds >= 2:
            svc = CalibratedClassifierCV(svc, method="sigmoid", cv=calibrate_folds, ensemble=False)
        return make_pipeline(StandardScaler(), svc)

    best_params, best_score = None, -1.0
    for params in ParameterGrid(DEFAULT_GRID):
        model = pipeline(params).fit(X_train, y_train)
        score = float(np.mean(model.predict(X_val) == y_val))
        if score > best_score:
            best_params, best_score = params, score
    smallest = int(np.unique(y_train, return_counts=True)[1].min())
    return pipeline(best_params, calibrate_folds=min(5, smallest)).fit(X_train, y_train)


def write_store(directory: Path, n: int, seed: int = 0) -> tuple[Path, Path]:
    """A store of ``n`` weakly separable segments and its train / val / test split by recording."""
    from motivic.features import MelStoreWriter, feature_params

    rng = np.random.default_rng(seed)
    params = feature_params(kind="logmel", n_mels=N_MELS, n_frames=N_FRAMES)
    floor = float(np.log(params["log_offset"]))
    labels = rng.choice(len(PRIORS), size=n, p=PRIORS)
    recordings = rng.integers(0, N_RECORDINGS, size=n)
    valid = np.clip(np.exp(rng.normal(math.log(60), 0.5, size=n)), 20, N_FRAMES).astype(int)
    store = directory / f"store{n}.h5"
    with MelStoreWriter(store, params=params, dataset="motivic") as writer:
        for i in range(n):
            mel = np.full((N_MELS, N_FRAMES), floor, dtype=np.float32)
            mel[:, : valid[i]] = rng.normal(-4.0, 2.0, size=(N_MELS, valid[i]))
            band = 16 * int(labels[i])
            mel[band : band + 16, : valid[i]] += 0.4
            writer.append(
                mel,
                int(valid[i]),
                segment_id=f"s{i}",
                recording=f"r{recordings[i]}",
                label=f"c{labels[i]}",
                group=f"r{recordings[i]}",
                motif_id="m",
                start_s=0.0,
                end_s=valid[i] * 0.025,
            )
    part = np.array(["train"] * 36 + ["val"] * 12 + ["test"] * 12)[rng.permutation(N_RECORDINGS)]
    split = directory / f"split{n}.tsv"
    pd.DataFrame({"segment_id": [f"s{i}" for i in range(n)], "split": part[recordings]}).to_csv(
        split, sep="\t", index=False
    )
    return store, split


def _old_child(queue, args):
    start = time.perf_counter()
    old_fit_svm(*args)
    queue.put(time.perf_counter() - start)


def time_old(args, timeout: float) -> float:
    """Seconds of :func:`old_fit_svm` in a child process; ``inf`` when stopped at ``timeout``."""
    queue = mp.get_context("fork").Queue()
    child = mp.get_context("fork").Process(target=_old_child, args=(queue, args))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.terminate()
        child.join()
        return math.inf
    return queue.get()


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_size(n: int, directory: Path, args) -> list[dict]:
    from motivic.baselines import mfcc, sanity, svm
    from motivic.train import runs

    store, split = write_store(directory, n)
    data = runs.load_run_data(store, split)
    X = {p: mfcc.features_from_store(data.store, data.rows[p]) for p in ("train", "val")}
    y = {p: data.labels(p) for p in ("train", "val")}
    rng = np.random.default_rng(13)
    shuffled = {p: rng.permutation(y[p]) for p in ("train", "val")}
    rows = []
    for name, labels in (("mfcc_svm", y), ("shuffled_labels", shuffled)):
        fit_args = (X["train"], labels["train"], X["val"], labels["val"])
        row = {"segments": n, "n_train": len(y["train"]), "fit": name}
        for weighting in ("balanced", "none"):
            row[f"new_{weighting}"] = timed(
                lambda a=fit_args, w=weighting: svm.fit_svm(*a, class_weighting=w)
            )
        row["old"] = time_old(fit_args, args.old_timeout)
        rows.append(row)
        logger.info("%s", row)

    def old_duration():
        from sklearn.linear_model import LogisticRegression

        log_d = np.log(sanity.segment_durations(data.store.index))[:, None]
        LogisticRegression(max_iter=1000).fit(log_d[data.rows["train"]], y["train"])

    rows.append(
        {
            "segments": n,
            "n_train": len(y["train"]),
            "fit": "duration_only",
            "new_balanced": timed(
                lambda: sanity.duration_only_run(store, split, class_weighting="balanced")
            ),
            "new_none": timed(lambda: sanity.duration_only_run(store, split)),
            "old": timed(old_duration),
        }
    )
    if n not in args.network_sizes:
        return rows
    training = {"epochs": args.epochs, "batch_size": 20, "patience": 100, "device": "cpu"}
    seconds = timed(
        lambda: runs.train_run(
            store,
            split,
            model_name="compact_convnet",
            model_options={},
            training=training,
            checkpoint_path=directory / f"convnet{n}.pt",
        )
    )
    rows.append(
        {
            "segments": n,
            "n_train": len(y["train"]),
            "fit": "compact_convnet",
            "epoch": seconds / args.epochs,
        }
    )
    logger.info("%s", rows[-1])
    return rows


def scale_network(rows: list[dict], args) -> list[dict]:
    """Network rows for every size: measured ones, the others scaled per training segment."""
    measured = [r for r in rows if r["fit"] == "compact_convnet"]
    per_segment = np.mean([r["epoch"] / r["n_train"] for r in measured])
    out = []
    for r in rows:
        if r["fit"] == "compact_convnet":
            continue
        out.append(r)
        if r["fit"] == "duration_only":
            same = [m for m in measured if m["segments"] == r["segments"]]
            net = (
                dict(same[0])
                if same
                else {
                    **{k: r[k] for k in ("segments", "n_train")},
                    "fit": "compact_convnet (scaled)",
                    "epoch": per_segment * r["n_train"],
                }
            )
            net["demo"] = net["epoch"] * args.demo_epochs
            out.append(net)
    return out


def markdown(rows: list[dict], args) -> str:
    def cell(seconds):
        if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
            return ""
        return f"> {args.old_timeout:.0f}" if math.isinf(seconds) else f"{seconds:.2f}"

    lines = [
        (
            "| segments | training | fit | old (s) | new, balanced (s) | new, none (s) "
            f"| network: 1 epoch (s) | network × {args.demo_epochs} epochs (s) |"
        ),
        "|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['segments']:,} | {r['n_train']:,} | {r['fit']} | {cell(r.get('old'))} "
            f"| {cell(r.get('new_balanced'))} | {cell(r.get('new_none'))} "
            f"| {cell(r.get('epoch'))} | {cell(r.get('demo'))} |"
        )
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[400, 1500, 3000])
    parser.add_argument("--old-timeout", type=float, default=300.0)
    parser.add_argument("--epochs", type=int, default=1, help="network epochs actually run")
    parser.add_argument("--demo-epochs", type=int, default=30, help="epochs the table scales to")
    parser.add_argument("--network-sizes", type=int, nargs="*", help="default: the smallest size")
    args = parser.parse_args(argv)
    if not args.network_sizes:
        args.network_sizes = [min(args.sizes)]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("motivic").setLevel(logging.WARNING)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            rows += bench_size(n, Path(tmp), args)
    print(markdown(scale_network(rows, args), args))


if __name__ == "__main__":
    main()
