"""The demo's network trainings (``config.yaml``): this tree against an earlier commit, interleaved.

``make run`` spends most of its time in ``train_model`` (issue 18). This script trains the demo's
runs the way the workflow does, once with the code and ``config.yaml`` of a baseline commit and
once with this tree's, and reports the time of each and their ratio.

Protocol
--------
- **Trees**: ``--baseline REV`` (default: the commit before the training speed-up) is extracted with
  ``git archive`` (``motivic/`` and ``config.yaml``) into a temporary folder; "current" is this
  working tree. Both train on the same stores and splits, those of a demo run in ``--results``
  (build them without training with
  ``snakemake --cores 2 results/features/logmel128/motivic.h5 results/features/mel40/motivic.h5
  results/splits/motivic/random/0.tsv``).
- **Runs**: one representative run per (model, augmentation policy) of each tree's Table I and II
  grid (:func:`motivic.workflow.grid.table1_runs`, :func:`motivic.workflow.grid.table2_runs`): the ``motivic``
  dataset, the first split strategy of the grid, fold 0, the first seed. Each tree trains its own
  grid's runs with its own ``training``, ``models`` and ``augment`` settings. The *grid estimate*
  weights each representative by the number of runs of its (model, policy) in that tree's grid
  (the datasets, splits and folds of one model cost about the same: same segment counts).
- **Timing**: wall and CPU time (``time.process_time``; with one torch thread it is the
  training's own work, so on a loaded host its ratio is the steadier one). Every training is a
  fresh process, as a ``train_model`` job is (one torch thread: the rule's ``threads: 1``;
  ``PYTHONPATH`` selects the tree). The time is
  :func:`motivic.train.runs.train_run` alone (store, loaders, model, ``fit`` with its checkpoints);
  process start and imports are reported apart. The two trees alternate run by run, and which one
  goes first alternates too, so a change of the machine's load hits both. ``--repeats R`` does all
  of it R times; medians are reported.
- ``--epochs K`` caps both trees at K epochs with early stopping off: the per-epoch cost of the
  code alone, at equal work.

Usage::

    .venv/bin/python benchmarks/bench_demo_train.py                # the demo's grids, in full
    .venv/bin/python benchmarks/bench_demo_train.py --epochs 3     # per-epoch cost, same work
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The last commit before the training speed-up of issue 18 (point 1).
DEFAULT_BASELINE = "89e4674"

# Runs in the process it is given: one training, as workflow_scripts/train_model.py does it.
_TRAIN_ONE = r"""
import json, sys, time
t0 = time.perf_counter()
import torch, yaml
from motivic import seed_everything
try:  # the package layout of issue 18
    from motivic.train.runs import train_run
    from motivic.workflow import grid
except ImportError:  # the flat layout of the baseline commit
    from motivic import grid
    from motivic.experiment import train_run
torch.set_num_threads(1)
spec = json.loads(sys.argv[1])
config = yaml.safe_load(open(spec["config"]))
try:  # class_weighting: auto resolves per split strategy (issue 19)
    training = grid.run_training(config["training"], spec["seed"], spec["split"])
except TypeError:  # the baseline commit's signature
    training = grid.run_training(config["training"], spec["seed"])
if spec["epochs"]:
    training.update(epochs=spec["epochs"], patience=spec["epochs"] + 1)
options = {k: v for k, v in (config["models"][spec["model"]] or {}).items() if k != "features"}
feature_set = grid.feature_set_for(spec["model"], config["models"][spec["model"]], config["features"])
seed_everything(training["seed"])
t1, c1 = time.perf_counter(), time.process_time()
history = train_run(
    f"{spec['results']}/features/{feature_set}/{spec['dataset']}.h5",
    f"{spec['results']}/splits/{spec['dataset']}/{spec['split']}/{spec['fold']}.tsv",
    model_name=spec["model"], model_options=options, training=training,
    augment=grid.run_augment(config.get("augment"), spec["augment"]),
    checkpoint_path=spec["checkpoint"],
)
print(json.dumps({"train_s": time.perf_counter() - t1, "train_cpu_s": time.process_time() - c1,
                  "import_s": t1 - t0, "epochs": len(history.epoch)}))
"""


def extract(rev: str, into: Path) -> Path:
    """``motivic/`` and ``config.yaml`` of commit ``rev``, written under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "motivic", "config.yaml"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def grid_classes(tree: Path) -> tuple[dict, Counter]:
    """Representative run and run count of each (model, policy) of a tree's grid."""
    code = (
        "import json, sys, yaml\n"
        "try:\n    from motivic.workflow import grid\n"
        "except ImportError:\n    from motivic import grid\n"
        "c = yaml.safe_load(open(sys.argv[1]))\n"
        "runs = {r: 0 for r in grid.table1_runs(c) + grid.table2_runs(c) if r.model in c['models']}\n"
        "print(json.dumps([r.__dict__ for r in runs]))"  # a run in both tables trains once
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tree / "config.yaml")],
        env={**os.environ, "PYTHONPATH": str(tree)},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    runs = json.loads(out)
    counts = Counter((r["model"], r["augment"]) for r in runs)
    first_split = runs[0]["split"]
    chosen = {}
    for r in runs:
        key = (r["model"], r["augment"])
        best = (r["dataset"] != "motivic", r["split"] != first_split, r["fold"], r["seed"])
        if key not in chosen or best < chosen[key][0]:
            chosen[key] = (best, r)
    return {k: v[1] for k, v in chosen.items()}, counts


def train_once(tree: Path, run: dict, results: Path, epochs: int | None, work: Path) -> dict:
    """Train ``run`` with the code and config of ``tree`` in a fresh process."""
    spec = {
        **run,
        "config": str(tree / "config.yaml"),
        "results": str(results),
        "epochs": epochs,
        "checkpoint": str(Path(tempfile.mkdtemp(dir=work)) / "checkpoint.pt"),
    }
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _TRAIN_ONE, json.dumps(spec)],
        env={**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        check=False,  # the error is raised below, with the process's stderr
    )
    if proc.returncode:
        raise RuntimeError(f"training {run} in {tree} failed:\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_s"] = time.perf_counter() - start
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="commit to compare with")
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--epochs", type=int, default=None, help="cap both at K epochs")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--models", nargs="+", default=None, help="only these models")
    parser.add_argument("--json", type=Path, default=None, help="write every measurement here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench_demo_train_") as tmp:
        work = Path(tmp)
        trees = {
            "baseline": extract(args.baseline, Path(tempfile.mkdtemp(dir=work))),
            "current": ROOT,
        }
        grids = {name: grid_classes(tree) for name, tree in trees.items()}
        keys = sorted(set(grids["baseline"][0]) | set(grids["current"][0]))
        if args.models:
            keys = [k for k in keys if k[0] in args.models]
        times: dict = {(name, key): [] for name in trees for key in keys}
        epochs: dict = {}
        for repeat in range(args.repeats):
            for i, key in enumerate(keys):
                order = (
                    ["baseline", "current"] if (i + repeat) % 2 == 0 else ["current", "baseline"]
                )
                for name in order:
                    run = grids[name][0].get(key)
                    if run is None:
                        continue
                    out = train_once(trees[name], run, args.results, args.epochs, work)
                    times[(name, key)].append(out)
                    epochs[(name, key)] = out["epochs"]
                    print(
                        f"[{repeat}] {name:8s} {key[0]:16s} {key[1]:9s} "
                        f"{out['train_s']:7.1f} s (CPU {out['train_cpu_s']:.1f} s)  "
                        f"{out['epochs']:2d} epochs  "
                        f"(process {out['process_s']:.1f} s)",
                        flush=True,
                    )

    def median(name, key, field="train_s"):
        values = [t[field] for t in times[(name, key)]]
        return statistics.median(values) if values else None

    print(
        f"\nbaseline {args.baseline} vs current tree; epochs: "
        f"{'each config' if args.epochs is None else f'{args.epochs} (no early stopping)'}"
    )
    print(
        "| model | policy | epochs (baseline / current) | baseline wall (s) | current wall (s) "
        "| baseline CPU (s) | current CPU (s) | ratio, wall | ratio, CPU |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    totals = {(name, f): 0.0 for name in trees for f in ("train_s", "train_cpu_s")}
    for key in keys:
        row = {}
        for name in trees:
            for field in ("train_s", "train_cpu_s"):
                row[(name, field)] = median(name, key, field)
                totals[(name, field)] += (row[(name, field)] or 0.0) * grids[name][1].get(key, 0)
        cells = [f"{epochs.get(('baseline', key), '—')} / {epochs.get(('current', key), '—')}"]
        for field in ("train_s", "train_cpu_s"):
            cells += ["—" if row[(n, field)] is None else f"{row[(n, field)]:.1f}" for n in trees]
        for field in ("train_s", "train_cpu_s"):
            b, c = row[("baseline", field)], row[("current", field)]
            cells.append(f"{b / c:.2f}×" if b and c else "—")
        print(f"| {key[0]} | {key[1]} | " + " | ".join(cells) + " |")
    n_runs = {name: sum(grids[name][1].get(key, 0) for key in keys) for name in trees}
    for field, label in (("train_s", "wall"), ("train_cpu_s", "CPU")):
        b, c = totals[("baseline", field)], totals[("current", field)]
        print(
            f"grid estimate, {label} (each representative × its runs in the grid): baseline "
            f"{b:.0f} s over {n_runs['baseline']} runs, current {c:.0f} s over "
            f"{n_runs['current']} runs: {b / max(c, 1e-9):.2f}×"
        )
    imports = [t["import_s"] for v in times.values() for t in v]
    print(
        f"process start and imports (not in the times above): median {statistics.median(imports):.1f} s"
    )
    if args.json:
        args.json.write_text(
            json.dumps({f"{n}|{k[0]}|{k[1]}": v for (n, k), v in times.items()}, indent=1)
        )


if __name__ == "__main__":
    main()
