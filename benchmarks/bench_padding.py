"""Pad value × readout × batching: what padding does to accuracy and epoch time.

Arronte Alvarez & Gómez (2021) zero-pad the *audio* of every motif to 426 frames, so their padding
is silence. The stores used to pad the *log-mel* with 0 (a loud flat block, about the 80th
percentile of real log-mel values), and the models read all 426 frames. This script trains the
same model, seed and split under every combination of

* pad value: ``zero`` (the old store padding, 0 in the log domain) or ``silence`` (the log floor
  ``log(1e-6)``, :func:`motivic.features.silence_value`, what stores pad with now);
* readout: ``all frames`` (the model is called without ``lengths``: padding enters the convolutions,
  batch-norm statistics, pools and the recurrent state) or ``valid frames`` (``lengths`` passed:
  masked convolutions/pools/batch-norm, packed recurrent summary, what training does now);
* batching: ``fixed`` (every input is the store's 426 frames, ``training.crop_to_batch: false``) or
  ``bucketed`` (length-bucketed batches cropped to their longest valid segment);

and reports the test accuracy with its 95 % Wilson interval (over test segments), the best
validation accuracy and the mean epoch time. All runs use :func:`motivic.train.loop.fit`, the project's
training loop, one after the other in the same process.

Store: the demo corpus of ``benchmarks/bench_bucketing.py`` (``motivic.corpus.synth`` with the default
config, planted motifs >= 0.5 s as segments, the paper's ``logmel128`` features, random 60/20/20
split), or ``--store``/``--split``.

Usage::

    .venv/bin/python benchmarks/bench_padding.py [--model reslstm] [--epochs 6] [--threads 2]

Prints a Markdown table (docs/benchmarks.md, section "Padding").
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import math
import platform
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_bucketing import MODEL_OPTIONS, demo_store

from motivic.features import silence_value
from motivic.train import datasets, models, runs
from motivic.train.checkpoints import load_checkpoint
from motivic.train.config import TrainConfig
from motivic.train.loop import fit, predict


class AllFrames(nn.Module):
    """Calls the wrapped model without ``lengths``: the readout of the previous code."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x)


def wilson(correct: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion."""
    if n == 0:
        return math.nan, math.nan
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def run(data, model_name, *, pad: float, masked: bool, crop: bool, epochs: int, workdir: Path):
    cfg = TrainConfig.from_dict(
        {
            "epochs": epochs,
            "batch_size": 20,
            "learning_rate": 0.001,
            "patience": epochs,
            "seed": 0,
            "device": "cpu",
            "crop_to_batch": crop,
        }
    )
    torch.manual_seed(0)
    kwargs = {"n_mels": int(data.feature_params["n_mels"]), **MODEL_OPTIONS.get(model_name, {})}
    net = models.build(model_name, len(data.label_to_index), **kwargs)
    cfg = dataclasses.replace(cfg, min_frames=max(cfg.min_frames, int(net.min_frames)))
    model = net if masked else AllFrames(net)

    def loader(rows, shuffle):
        ds = datasets.MelDataset(
            data.store, rows, label_to_index=data.label_to_index, seed=0, pad_value=pad
        )
        return datasets.make_loader(
            ds,
            batch_size=cfg.batch_size,
            shuffle=shuffle,
            seed=0,
            crop=crop,
            min_frames=cfg.min_frames,
            bucket=crop,
        )

    name = f"{model_name}-{pad}-{masked}-{crop}"
    history = fit(
        model,
        loader(data.rows["train"], True),
        loader(data.rows["val"], False),
        cfg,
        device="cpu",
        checkpoint_path=workdir / f"{name}.pt",
        model_name=model_name,
        label_names=data.label_names,
        resume=False,
    )
    ckpt = load_checkpoint(workdir / f"{name}.pt")
    model.load_state_dict(ckpt["state_dict"])
    probs, positions = predict(model, loader(data.rows["test"], False), device="cpu")
    y = data.labels("test")[positions]
    correct = int((probs.argmax(1) == y).sum())
    return {
        "epoch_s": float(np.mean(history.seconds)),
        "val": float(history.best_score),
        "test": correct / y.size,
        "interval": wilson(correct, int(y.size)),
        "n_test": int(y.size),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--split", type=Path)
    parser.add_argument("--model", default="reslstm")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        store, split = (args.store, args.split) if args.store else demo_store(workdir)
        data = runs.load_run_data(store, split)
        floor = silence_value(data.feature_params)
        valid = data.store.valid_frames[data.rows["train"]]
        n_frames = int(data.feature_params["n_frames"])
        print(
            f"store {store}: {len(data.store)} segments ({data.rows['train'].size} train, "
            f"{data.rows['test'].size} test), valid frames median {np.median(valid):.0f} of "
            f"{n_frames}; model {args.model}, {args.epochs} epochs, batch 20, seed 0, "
            f"{args.threads} torch threads, {platform.machine()}, Python "
            f"{platform.python_version()}, torch {torch.__version__}\n"
        )
        print(
            "| pad value | readout | batches | epoch (s) | best val. accuracy "
            "| test accuracy [95 % CI] |"
        )
        print("|---|---|---|---:|---:|---|")
        for crop in (False, True):
            for masked in (False, True):
                for pad_name, pad in (("zero", 0.0), ("silence", floor)):
                    r = run(
                        data,
                        args.model,
                        pad=pad,
                        masked=masked,
                        crop=crop,
                        epochs=args.epochs,
                        workdir=workdir,
                    )
                    lo, hi = r["interval"]
                    print(
                        f"| {pad_name} | {'valid frames' if masked else 'all frames'} | "
                        f"{'bucketed' if crop else f'fixed {n_frames}'} | {r['epoch_s']:.2f} | "
                        f"{r['val']:.3f} | {r['test']:.3f} [{lo:.2f}, {hi:.2f}] |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
