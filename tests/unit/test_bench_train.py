"""Tests for the pure helpers of benchmarks/bench_train.py (batch sampling, table, docs block)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np

from motivic.train.datasets import LengthBucketSampler

ROOT = Path(__file__).resolve().parents[2]
_path = ROOT / "benchmarks" / "bench_train.py"
_spec = importlib.util.spec_from_file_location("bench_train", _path)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_stratified_batches_span_the_batch_lengths():
    valid = np.random.default_rng(0).integers(20, 427, size=400)
    sampler = LengthBucketSampler(valid, 20, shuffle=True, seed=1, tag_epoch=True)
    chosen = bench.stratified_batches(sampler, 1, warmup=1, k=5)
    assert len(chosen) == 6 and all(len(b) == 20 for b in chosen)
    assert all(epoch == 1 for b in chosen for epoch, _ in b)
    crop = [max(valid[p] for _, p in b) for b in chosen]
    all_crops = sorted(valid[b].max() for b in sampler.batches())
    assert crop[0] == all_crops[-1]  # warm-up: the longest batch
    assert crop[1] == all_crops[0]  # the timed ones run from the shortest ...
    assert crop[-1] == all_crops[-2]  # ... to the longest left
    assert crop[1:] == sorted(crop[1:])
    positions = [p for b in chosen for _, p in b]
    assert len(set(positions)) == len(positions)  # distinct batches


def test_table_ratios_are_against_each_models_baseline():
    def row(model, label, rate):
        return {
            "model": model, "label": label, "samples_per_s": rate, "epoch_s": 10640 / rate,
            "peak_mib": 100.0, "gpu_util": None, "parameters": 2e5, "epoch_measured": False,
        }

    results = [row("a", "base", 10.0), row("a", "fast", 25.0), row("b", "base", 4.0)]
    meta = {"date": "d", "machine": "m", "command": "c", "n": 640, "timing": "t", "repeats": 1}
    text = bench.table(results, meta)
    assert "| a | 0.20 M | fast | 25.0 | 2.50 | 426 | 0.40 | 100 |" in text
    assert "| b | 0.20 M | base | 4.0 | 1.00 |" in text
    assert "extrapolated" in text


def test_write_docs_replaces_only_the_marked_block(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# B\n\nbefore\n{bench.BEGIN}\nold\n{bench.END}\nafter\n")
    bench.write_docs("new table", doc)
    assert doc.read_text() == f"# B\n\nbefore\n{bench.BEGIN}\nnew table\n{bench.END}\nafter\n"
    other = tmp_path / "other.md"
    other.write_text("# B\n\ntext\n")
    bench.write_docs("t", other)
    assert other.read_text().endswith(f"## Training throughput\n\n{bench.BEGIN}\nt\n{bench.END}\n")


def test_from_json_renders_the_median_of_repeats(tmp_path, capsys):
    def row(rate):
        return {
            "model": "a", "label": "base", "samples_per_s": rate, "epoch_s": 10640 / rate,
            "peak_mib": 50.0, "gpu_util": None, "parameters": 1e6, "epoch_measured": False,
            "seconds": 1.0,
        }

    meta = {"date": "d", "machine": "m", "command": "c", "n": 640, "timing": "t", "repeats": 3}
    saved = tmp_path / "raw.json"
    saved.write_text(json.dumps({"meta": meta, "results": [row(1.0), row(9.0), row(4.0)]}))
    out = tmp_path / "doc.md"
    assert bench.main(["--from-json", str(saved), "--out", str(out)]) == 0
    assert "| a | 1.00 M | base | 4.0 | 1.00 |" in capsys.readouterr().out  # the median
    assert bench.BEGIN in out.read_text()
