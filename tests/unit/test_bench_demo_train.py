"""Tests for benchmarks/bench_demo_train.py: which runs it trains and how it weights them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

from motivic.workflow import grid

ROOT = Path(__file__).resolve().parents[2]
_path = ROOT / "benchmarks" / "bench_demo_train.py"
_spec = importlib.util.spec_from_file_location("bench_demo_train", _path)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_one_representative_per_model_and_policy_weighted_by_its_runs():
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    chosen, counts = bench.grid_classes(ROOT)
    runs = set(grid.table1_runs(config) + grid.table2_runs(config))
    networks = [r for r in runs if r.model in config["models"]]
    assert sum(counts.values()) == len(networks)  # a run of both tables counts once
    assert set(chosen) == {(r.model, r.augment) for r in networks}
    for (model, policy), run in chosen.items():
        assert (run["model"], run["augment"]) == (model, policy)
        assert grid.Run(**run) in runs
        assert run["dataset"] == "motivic" and run["fold"] == 0
