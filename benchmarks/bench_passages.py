"""Benchmark passage clustering of clip corpora (motivic.corpus.passages.passage_clusters).

Synthetic clips at 22.05 kHz, 0.3–1.6 s long like the published flamenco motif
clips: harmonic "sung" phrases with vibrato and breath noise, a share of them
cut 2–4 times (nested or overlapping cuts, each at its own gain, as in the
release). Each size is timed for

- ``motivic``: :func:`passage_clusters` of this checkout;
- ``baseline`` (with ``--baseline FILE``): another implementation of the module
  (e.g. ``git show <commit>:motivic/corpus/passages.py > /tmp/old.py``), timed in
  the same run, interleaved, and asserted to give the same partition;
- ``brute force``: the exhaustive every-pair, every-shift check of the tests'
  reference, which is far too slow to run whole: a seeded sample of
  ``--pairs`` pairs is timed and scaled to all ``n (n - 1) / 2`` pairs
  (an extrapolation, marked as such).

The planted passages are asserted to be recovered exactly.

    python benchmarks/bench_passages.py --sizes 400 1500 3000 --baseline /tmp/old_passages.py
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import time
from pathlib import Path

import numpy as np

from motivic.corpus.passages import passage_clusters

RATE = 22050
WINDOW = 256


def _phrase(rng: np.random.Generator, n: int) -> np.ndarray:
    """A sung-like phrase: 4 harmonics of a vibrato f0 (120–500 Hz) plus breath noise (std 0.2)."""
    t = np.arange(n) / RATE
    f0 = rng.uniform(120, 500) * (1 + 0.02 * np.sin(2 * np.pi * rng.uniform(4, 7) * t))
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    voice = sum(rng.uniform(0.2, 1) / h * np.sin(h * phase) for h in range(1, 5))
    return (voice + 0.2 * rng.standard_normal(n)).astype(np.float32)


def synthetic_clips(n_clips: int, seed: int) -> tuple[list[np.ndarray], np.ndarray]:
    """``n_clips`` clips and the planted passage of each (index of its first clip)."""
    rng = np.random.default_rng(seed)
    clips: list[np.ndarray] = []
    truth: list[int] = []
    while len(clips) < n_clips:
        n_cuts = int(rng.choice([1, 1, 2, 3, 4]))
        length = int(rng.uniform(0.45, 1.6) * RATE)
        phrase = _phrase(rng, length)
        first = len(clips)
        for _ in range(min(n_cuts, n_clips - len(clips))):
            # every cut holds the phrase's middle third: cuts of one phrase nest or overlap
            start = 0 if n_cuts == 1 else int(rng.integers(0, length // 3))
            stop = length if n_cuts == 1 else int(rng.integers(2 * length // 3, length + 1))
            clips.append(np.float32(rng.uniform(0.3, 1.0)) * phrase[start:stop])
            truth.append(first)
    return clips, np.asarray(truth)


def _brute_force_pair(a: np.ndarray, b: np.ndarray, min_correlation: float = 0.99) -> bool:
    """The tests' reference for one pair: every shift, overlap >= 2 * WINDOW, equal up to a gain."""
    a, b = a.astype(float), b.astype(float)
    for shift in range(-len(a) + 1, len(b)):
        start, stop = max(0, -shift), min(len(a), len(b) - shift)
        if stop - start < 2 * WINDOW:
            continue
        x, y = a[start:stop], b[start + shift : stop + shift]
        norm = np.sqrt(np.dot(x, x) * np.dot(y, y))
        if norm > 0 and np.dot(x, y) / norm >= min_correlation and np.all(np.sign(x) == np.sign(y)):
            return True
    return False


def _load(path: Path):
    spec = importlib.util.spec_from_file_location("baseline_passages", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.passage_clusters


def _timed(fn, clips) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    out = fn(clips, [RATE] * len(clips), window=WINDOW)
    return time.perf_counter() - start, out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[400, 1500, 3000])
    parser.add_argument("--repeats", type=int, default=3, help="interleaved timings per size")
    parser.add_argument("--baseline", type=Path, help="another passages.py to time beside")
    parser.add_argument("--pairs", type=int, default=10, help="pairs timed for the brute force")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    baseline = _load(args.baseline) if args.baseline else None
    print(f"# {platform.machine()}, Python {platform.python_version()}, numpy {np.__version__}")
    header = "| clips | samples | planted passages | motivic (s) |"
    if baseline:
        header += " baseline (s) | speed-up (min–max) |"
    header += " brute force, extrapolated (s) |"
    print(header)
    print("|" + "---:|" * (header.count("|") - 1))
    for n_clips in args.sizes:
        clips, truth = synthetic_clips(n_clips, args.seed)
        ours, theirs = [], []
        for _ in range(args.repeats):
            elapsed, cluster = _timed(passage_clusters, clips)
            assert cluster.tolist() == truth.tolist(), "planted passages not recovered"
            ours.append(elapsed)
            if baseline:
                elapsed, other = _timed(baseline, clips)
                assert other.tolist() == cluster.tolist(), "baseline partition differs"
                theirs.append(elapsed)
        rng = np.random.default_rng(args.seed)
        start = time.perf_counter()
        for _ in range(args.pairs):
            i, j = rng.choice(n_clips, size=2, replace=False)
            _brute_force_pair(clips[i], clips[j])
        per_pair = (time.perf_counter() - start) / args.pairs
        row = (
            f"| {n_clips:,} | {sum(map(len, clips)):,} | {len(set(truth.tolist())):,} | "
            f"{np.median(ours):.3f} |"
        )
        if baseline:
            ratios = np.asarray(theirs) / np.asarray(ours)
            row += (
                f" {np.median(theirs):.3f} | {np.median(ratios):.1f}× "
                f"({ratios.min():.1f}–{ratios.max():.1f}) |"
            )
        row += f" {per_pair * n_clips * (n_clips - 1) / 2:,.0f} |"
        print(row, flush=True)


if __name__ == "__main__":
    main()
