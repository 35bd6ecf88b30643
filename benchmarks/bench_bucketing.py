"""Length-bucketed, cropped batches vs the paper's fixed 426-frame padding: epoch time and accuracy.

Arronte Alvarez & Gómez (2021) zero-pad every motif to 426 frames (10.6 s), although most motifs
last 0.5-2 s, so most of the compute of a fixed-padding epoch goes to padding.
``training.crop_to_batch: true`` groups segments of similar length into batches
(:class:`motivic.train.datasets.LengthBucketSampler`) and crops each batch to its longest valid length
(:func:`motivic.train.datasets.collate_crop`). This script trains the same model with the same seed both
ways on the same store and split, and reports the mean epoch time, the speed-up (fixed / bucketed,
measured in the same process, one after the other) and the test accuracy of each.

Store: ``--store`` and ``--split`` (e.g. ``results/features/logmel128/motivic.h5`` and
``results/splits/motivic/random/0.tsv`` of a finished demo run), or, by default, a store built here
from the demo corpus: ``motivic.corpus.synth.make_corpus`` with the default config's settings, its planted
motif occurrences (>= 0.5 s) as segments, ``motivic.features.build_store`` with the paper's
``logmel128`` parameters and ``motivic.splits.assign_splits`` (random, 60/20/20).

Usage::

    .venv/bin/python benchmarks/bench_bucketing.py [--models reslstm crnn] [--epochs 8] [--threads 2]

Prints a Markdown table (paste it into docs/benchmarks.md, section "Bucketing").
"""

from __future__ import annotations

import argparse
import logging
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from motivic import features, splits
from motivic.core.audio import load_audio
from motivic.core.config import load_config
from motivic.corpus import synth
from motivic.train import runs

MODEL_OPTIONS = {
    "reslstm": {"channels": 16, "hidden_size": 64},
    "crnn": {"channels": 32, "hidden_size": 32},
}


def demo_store(workdir: Path) -> tuple[Path, Path]:
    """Build the motivic store of the demo corpus from its planted motif occurrences."""
    config = load_config(ROOT / "config.yaml")
    corpus_dir = workdir / "corpus"
    metadata = synth.make_corpus(corpus_dir, **config["synth"])
    rows = []
    for recording, label in zip(metadata["recording"], metadata["label"]):
        planted = pd.read_csv(corpus_dir / "motifs" / f"{recording}.tsv", sep="\t")
        for k, occ in enumerate(planted.itertuples()):
            if occ.end_s - occ.start_s >= config["segments"]["min_duration_s"]:
                rows.append(
                    {
                        "segment_id": f"{recording}:{k}",
                        "recording": recording,
                        "label": label,
                        "motif_id": occ.motif_id,
                        "start_s": occ.start_s,
                        "end_s": occ.end_s,
                    }
                )
    segs = pd.DataFrame(rows)
    audio = {r: corpus_dir / p for r, p in zip(metadata["recording"], metadata["path"])}
    store = workdir / "motivic.h5"
    params = features.feature_params(**config["features"]["logmel128"])
    features.build_store(
        segs, audio, store, params=params, dataset="motivic", load_audio=load_audio
    )
    split = splits.assign_splits(segs, strategy="random", fractions=(0.6, 0.2, 0.2), seed=3)
    split_path = workdir / "random.tsv"
    splits.write_split(segs, split, split_path)
    return store, split_path


def run(store, split, model, *, crop: bool, epochs: int, workdir: Path) -> dict:
    training = {
        "epochs": epochs,
        "batch_size": 20,
        "learning_rate": 0.001,
        "patience": epochs,
        "seed": 0,
        "device": "cpu",
        "crop_to_batch": crop,
    }
    torch.manual_seed(0)
    ckpt = workdir / f"{model}-{'bucketed' if crop else 'fixed'}.pt"
    start = time.perf_counter()
    history = runs.train_run(
        store,
        split,
        model_name=model,
        model_options=MODEL_OPTIONS.get(model, {}),
        training=training,
        checkpoint_path=ckpt,
    )
    total_s = time.perf_counter() - start
    metrics, _, _ = runs.evaluate_run(store, split, ckpt, training=training)
    return {
        "epoch_s": float(np.mean(history.seconds)),
        "total_s": total_s,
        "best_val_accuracy": float(history.best_score),
        "test_accuracy": metrics["accuracy"],
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--split", type=Path)
    parser.add_argument("--models", nargs="+", default=["reslstm", "crnn"])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        store, split = (args.store, args.split) if args.store else demo_store(workdir)
        data = runs.load_run_data(store, split)
        valid = data.store.valid_frames[data.rows["train"]]
        n_frames = int(data.feature_params["n_frames"])
        print(
            f"store {store}: {len(data.store)} segments ({data.rows['train'].size} train), "
            f"valid frames median {np.median(valid):.0f}, mean {valid.mean():.0f} of {n_frames} "
            f"(padding is {100 * (1 - valid.mean() / n_frames):.0f} % of a fixed-padding epoch's input); "
            f"{args.epochs} epochs, batch 20, seed 0, {args.threads} torch threads, "
            f"{platform.machine()}, Python {platform.python_version()}, torch {torch.__version__}\n"
        )
        print("| model | batches | epoch (s) | speed-up | best val. accuracy | test accuracy |")
        print("|---|---|---:|---:|---:|---:|")
        for model in args.models:
            fixed = run(store, split, model, crop=False, epochs=args.epochs, workdir=workdir)
            bucketed = run(store, split, model, crop=True, epochs=args.epochs, workdir=workdir)
            for name, r in (
                ("fixed 426-frame padding", fixed),
                ("length-bucketed, cropped", bucketed),
            ):
                speedup = fixed["epoch_s"] / r["epoch_s"]
                print(
                    f"| {model} | {name} | {r['epoch_s']:.2f} | {speedup:.1f}× | "
                    f"{r['best_val_accuracy']:.3f} | {r['test_accuracy']:.3f} |"
                )


if __name__ == "__main__":
    main()
