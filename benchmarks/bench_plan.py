"""Dry-run planning time of a large recordings corpus, with and without the SLURM profile.

Snakemake plans the per-recording jobs (``extract_pitch`` → ``simplify_contour`` →
``mine_motifs``) only once the corpus checkpoint ``validate_corpus`` has run, so this script
builds a recordings-mode corpus of N tiny files (distinct 1.2-s tones at 8 kHz, cheap to
validate), runs the checkpoint once, and then times ``snakemake --dry-run``:

- ``plain``: no profile (``--cores 1``), the baseline, measured in the same run;
- ``slurm``: ``profiles/slurm`` as shipped;
- any extra ``--profile NAME=DIR`` given on the command line (e.g. an older profile, to compare
  mechanisms), at the sizes up to ``--compare-max``.

Each dry run is a fresh Snakemake process (parse, DAG, plan, print), timed by wall clock. The
ratio column is profile time / plain time at the same N. ``submissions`` is the number of
``sbatch`` calls the plan implies: one per group job, one per chunk of at most
``slurm-array-limit`` array tasks for each rule in ``slurm-array-jobs``, one per other job that is
not a ``localrule`` (for ``plain``: as if each job went to SLURM alone). Array rules whose jobs
wait for earlier tasks (``simplify_contour``, ``mine_motifs``) are submitted per status poll at run
time, so for them the count is a range: one call per 1000 jobs to one call per job. A dry run does not say
which jobs are local, so local rules are read from ``rules/*.smk`` (``localrule: True``).

Usage::

    .venv/bin/python benchmarks/bench_plan.py [--sizes 160 640 2000] [--timeout 300]
        [--profile old=/tmp/old_slurm_profile] [--compare-max 640]

Prints a Markdown table (paste it into docs/cluster.md, section "Planning at scale").
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf
import yaml

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "workflow" / "config_tiny.yaml"
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")]
SR = 8000


def write_corpus(root: Path, n_recordings: int) -> Path:
    """N distinct tones (two labels) under ``root``; returns the metadata CSV."""
    t = np.arange(int(1.2 * SR)) / SR
    rows = []
    for i in range(n_recordings):
        label = f"style{i % 2 + 1}"
        rel = f"{label}/r{i:05d}.wav"
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        f0_hz = 200.0 + 0.25 * i  # distinct decoded audio: no duplicates
        sf.write(path, 0.3 * np.sin(2 * np.pi * f0_hz * t), SR, subtype="PCM_16")
        rows.append((rel, label))
    metadata = root / "metadata.csv"
    pd.DataFrame(rows, columns=["path", "label"]).to_csv(metadata, index=False)
    return metadata


def write_config(workdir: Path, metadata: Path, audio_root: Path) -> None:
    """The tiny test configuration on the recordings corpus."""
    config = yaml.safe_load(TINY.read_text())
    config["corpus"] = {
        "mode": "recordings",
        "metadata": str(metadata),
        "audio_root": str(audio_root),
    }
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(workdir: Path, *args: str, timeout: float) -> tuple[float, float, str | None]:
    """Wall and CPU seconds of one Snakemake call, and its output (None when it timed out).

    CPU time (user + system of the finished child) hardly depends on what else the machine
    runs; wall time does.
    """
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [*SNAKEMAKE, "--directory", str(workdir), *args]
    cpu = _children_cpu_s()
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=env, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return time.perf_counter() - started, _children_cpu_s() - cpu, None
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-4000:]}")
    return elapsed, _children_cpu_s() - cpu, proc.stdout + proc.stderr


def local_rules() -> set[str]:
    """Rules declared ``localrule: True`` in rules/*.smk, and ``all``."""
    local = {"all"}
    for smk in (ROOT / "rules").glob("*.smk"):
        for block in re.split(
            r"^\s*(?=(?:rule|checkpoint) \w+:)", smk.read_text(), flags=re.MULTILINE
        ):
            name = re.match(r"(?:rule|checkpoint) (\w+):", block)
            if name and re.search(r"^\s+localrule: True\s*$", block, flags=re.MULTILINE):
                local.add(name.group(1))
    return local


# Jobs ready together when planning ends (after the corpus checkpoint): their arrays are exact.
# The jobs of the other array rules become ready as earlier tasks finish, and the plugin submits
# what each status poll finds ready: between one call per array chunk and one call per job.
READY_AT_ONCE = {"extract_pitch", "extract_eval_pitch"}


def job_stats(text: str) -> dict[str, int]:
    """Rule -> jobs, from the "Job stats" table a dry run ends with."""
    counts: dict[str, int] = {}
    table = text[text.rindex("Job stats:") :] if "Job stats:" in text else ""
    for line in table.splitlines()[3:]:
        match = re.match(r"^(\w+)\s+(\d+)$", line.strip())
        if not match or match.group(1) == "total":
            break
        counts[match.group(1)] = int(match.group(2))
    return counts


def count_submissions(text: str, profile: dict) -> tuple[int, int, int]:
    """(jobs, fewest, most sbatch submissions) of a dry run's output under ``profile``.

    Jobs come from the dry run's job table (its job listing repeats some group jobs, snakemake
    issue #1217). A group of per-recording rules makes one component per recording, packed
    ``group-components`` to a submission; local rules make none.
    """
    counts = job_stats(text)
    local = local_rules()
    arrays = {r.strip() for r in str(profile.get("slurm-array-jobs") or "").split(",") if r.strip()}
    limit = int(profile.get("slurm-array-limit", 1000))
    groups = profile.get("groups") or {}
    components = profile.get("group-components") or {}
    fewest = most = 0
    for group in set(groups.values()):
        n = max((counts.get(rule, 0) for rule, g in groups.items() if g == group), default=0)
        fewest += math.ceil(n / int(components.get(group, 1)))
    most = fewest
    for rule, n in counts.items():
        if rule in local or rule in groups:
            continue
        if "all" in arrays or rule in arrays:
            fewest += math.ceil(n / limit)
            most += math.ceil(n / limit) if rule in READY_AT_ONCE else n
        else:
            fewest += n
            most += n
    return sum(counts.values()), fewest, most


def bench(
    size: int, profiles: dict[str, Path], *, timeout: float, tmp: Path, compare_max: int
) -> list[dict]:
    root = tmp / f"corpus{size}"
    workdir = tmp / f"run{size}"
    workdir.mkdir(parents=True)
    metadata = write_corpus(root, size)
    write_config(workdir, metadata, root)
    run(workdir, "--cores", "2", "results/corpus/recordings.tsv", timeout=3600)  # checkpoint
    rows = []
    plain_s, plain_cpu_s, text = run(workdir, "--dry-run", "--cores", "1", timeout=timeout)
    jobs, submissions, _ = count_submissions(text, {})  # each job its own sbatch call
    rows.append(
        {
            "recordings": size,
            "profile": "plain",
            "plan_s": plain_s,
            "cpu_s": plain_cpu_s,
            "jobs": jobs,
            "submissions": str(submissions),
        }
    )
    for name, profile_dir in profiles.items():
        if name != "slurm" and size > compare_max:
            continue
        profile = yaml.safe_load((profile_dir / "config.yaml").read_text())
        elapsed, cpu_s, text = run(
            workdir, "--dry-run", "--profile", str(profile_dir), timeout=timeout
        )
        jobs, fewest, most = count_submissions(text, profile) if text else (None, None, None)
        submissions = str(fewest) if fewest == most else f"{fewest}–{most}"
        rows.append(
            {
                "recordings": size,
                "profile": name,
                "plan_s": elapsed,
                "cpu_s": cpu_s,
                "jobs": jobs,
                "submissions": submissions,
                "timed_out": text is None,
            }
        )
    for row in rows:
        row["ratio"] = row["plan_s"] / plain_s
    return rows


def markdown(rows: list[dict], timeout: float) -> str:
    lines = [
        "| recordings | profile | dry run, wall (s) | CPU (s) | × plain (wall) | jobs | sbatch calls |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r.get("timed_out"):
            lines.append(
                f"| {r['recordings']} | {r['profile']} | > {timeout:.0f} (stopped) | "
                f"> {r['cpu_s']:.0f} | > {r['ratio']:.1f} | – | – |"
            )
        else:
            lines.append(
                f"| {r['recordings']} | {r['profile']} | {r['plan_s']:.1f} | {r['cpu_s']:.1f} | "
                f"{r['ratio']:.2f} | {r['jobs']} | {r['submissions']} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[160, 640, 2000])
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per dry run")
    parser.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="another profile directory to time (repeatable)",
    )
    parser.add_argument(
        "--compare-max",
        type=int,
        default=640,
        help="largest corpus on which the extra profiles are timed",
    )
    args = parser.parse_args(argv)
    profiles = {"slurm": ROOT / "profiles" / "slurm"}
    for item in args.profile:
        name, _, path = item.partition("=")
        profiles[name] = Path(path).resolve()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_plan_") as tmp:
        for size in args.sizes:
            rows += bench(
                size, profiles, timeout=args.timeout, tmp=Path(tmp), compare_max=args.compare_max
            )
            print(markdown([r for r in rows if r["recordings"] == size], args.timeout), flush=True)
    print(
        f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    print(markdown(rows, args.timeout))


if __name__ == "__main__":
    main()
