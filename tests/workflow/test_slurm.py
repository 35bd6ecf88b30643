"""profiles/slurm on a real single-node SLURM cluster, and what the profile asks of SLURM.

The cluster test brings up slurmctld + slurmd on this machine (tests/workflow/slurm_cluster.sh)
and runs part of the tiny workflow through sbatch with the repository's SLURM profile, changed
only where a test machine differs from a site: one partition (``debug``), no GPU, few cores,
quick status polls. It needs root and Debian's ``slurm-wlm`` and ``munge`` packages
(``tests/workflow/slurm_cluster.sh install``; ``.ci/run`` installs them when it can).

``MOTIVIC_SLURM_TEST``: unset = run when possible, else skip saying why; ``0`` = always skip;
``1`` = required (a missing prerequisite fails the test instead of skipping it).
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, SNAKEMAKE, load_tiny, snakemake, write_config

pytestmark = pytest.mark.slow

PROFILE = ROOT / "profiles" / "slurm" / "config.yaml"
LOCAL_PROFILE = ROOT / "profiles" / "local" / "config.yaml"
CLUSTER_SCRIPT = Path(__file__).with_name("slurm_cluster.sh")
PER_RECORDING = ("extract_pitch", "simplify_contour", "mine_motifs")
GPU_RULES = ("train_model", "evaluate_model")
RUN_TIMEOUT_S = 420

needs_plugin = pytest.mark.skipif(
    importlib.util.find_spec("snakemake_executor_plugin_slurm") is None,
    reason="snakemake-executor-plugin-slurm is not installed (pip install -e '.[test]')",
)


# --- dry runs: what the profile requests (no SLURM needed) ---------------------------------


def _dry_run_blocks(text: str) -> list[tuple[str, str]]:
    """(rule, block text) for every job of a dry run's output, group members included."""
    starts = list(re.finditer(r"^\s*rule (\w+):\s*$", text, flags=re.M))
    ends = [m.start() for m in starts[1:]] + [len(text)]
    return [(m.group(1), text[m.end() : end]) for m, end in zip(starts, ends)]


def _resources(block: str) -> dict[str, str]:
    match = re.search(r"^\s*resources: (.*)$", block, flags=re.M)
    assert match, block
    return dict(item.split("=", 1) for item in match.group(1).split(", "))


def _threads(block: str) -> int:
    match = re.search(r"^\s*threads: (\d+)$", block, flags=re.M)
    return int(match.group(1)) if match else 1


def _n_recordings(config: dict) -> int:
    return config["synth"]["n_classes"] * config["synth"]["recordings_per_class"]


@needs_plugin
def test_slurm_profile_requests_gpus_partitions_and_rule_resources(tmp_path):
    # A fresh directory: per-recording jobs appear only after the corpus checkpoint, so the dry
    # run lists no group jobs (Snakemake's dry-run display of groups after a checkpoint is
    # unreliable, snakemake issues #1217 and #3422); the real SLURM run below checks groups.
    write_config(tmp_path, load_tiny())
    profile = yaml.safe_load(PROFILE.read_text())
    proc = snakemake(tmp_path, "--profile", str(PROFILE.parent), "--dry-run")
    blocks = _dry_run_blocks(proc.stdout + proc.stderr)
    assert set(GPU_RULES) <= {rule for rule, _ in blocks}
    default_partition = profile["default-resources"]["slurm_partition"]
    for rule, block in blocks:
        resources = _resources(block)
        wanted = {**profile["default-resources"], **profile["set-resources"].get(rule, {})}
        assert resources["slurm_partition"] == str(wanted["slurm_partition"]), rule
        assert int(resources["mem_mb"]) == wanted["mem_mb"], rule
        assert int(resources["runtime"]) == wanted["runtime"], rule
        if rule in GPU_RULES:
            assert int(resources["gpu"]) == 1, rule  # the plugin turns gpu=1 into --gpus=1
            assert resources["slurm_partition"] != default_partition
        else:
            assert int(resources.get("gpu", 0)) == 0, rule
        if rule in profile.get("set-threads", {}):
            expected = min(profile["set-threads"][rule], profile["cores"])
            assert _threads(block) == expected, rule


def test_local_profile_runs_gpu_jobs_one_at_a_time(tmp_path):
    write_config(tmp_path, load_tiny())
    profile = yaml.safe_load(LOCAL_PROFILE.read_text())
    proc = snakemake(tmp_path, "--profile", str(LOCAL_PROFILE.parent), "--dry-run")
    blocks = _dry_run_blocks(proc.stdout + proc.stderr)
    gpu_jobs = [block for rule, block in blocks if rule in GPU_RULES]
    assert gpu_jobs
    # each GPU job takes gpu=1 of the profile's gpu=1, so the scheduler runs one at a time
    assert all(int(_resources(block)["gpu"]) == 1 for block in gpu_jobs)
    assert profile["resources"] == {"gpu": 1}
    assert all("gpu" not in _resources(b) for rule, b in blocks if rule not in GPU_RULES)


# --- a real single-node SLURM cluster ------------------------------------------------------

SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: (\S+)\)")


def _missing_prerequisite() -> str | None:
    if os.geteuid() != 0:
        return "needs root (slurmctld and slurmd run as root)"
    daemons = ("slurmctld", "slurmd", "munged", "sbatch", "squeue")
    missing = [b for b in daemons if not shutil.which(b)]
    if missing:
        return (
            f"{', '.join(missing)} not installed; as root run `tests/workflow/slurm_cluster.sh "
            "install` (Debian/Ubuntu: apt-get install slurm-wlm munge)"
        )
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return "snakemake-executor-plugin-slurm is not installed (pip install -e '.[test]')"
    conf = Path("/etc/slurm/slurm.conf")
    if conf.exists() and not conf.is_symlink():
        return f"{conf} exists: this machine has a SLURM of its own, which the test leaves alone"
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("MOTIVIC_SLURM_TEST") == "1":
        pytest.fail(f"MOTIVIC_SLURM_TEST=1, but {reason}")
    pytest.skip(f"no test SLURM cluster: {reason}")


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    """State directory of a running one-node cluster (slurm.conf, jobcomp.log, daemon logs)."""
    if os.environ.get("MOTIVIC_SLURM_TEST") == "0":
        pytest.skip("MOTIVIC_SLURM_TEST=0")
    reason = _missing_prerequisite()
    if reason:
        _unavailable(reason)
    state = tmp_path_factory.mktemp("slurm")
    stop = [str(CLUSTER_SCRIPT), "stop", str(state)]
    proc = subprocess.run(
        [str(CLUSTER_SCRIPT), "start", str(state)], capture_output=True, text=True, timeout=120
    )
    if proc.returncode != 0:
        subprocess.run(stop, capture_output=True, timeout=120)
        _unavailable(f"the cluster did not start: {proc.stderr.strip()[-2000:]}")
    try:
        yield state
    finally:
        subprocess.run(stop, capture_output=True, timeout=120)


def _site_profile(dest: Path, *, cores: int) -> dict:
    """profiles/slurm as a site would adapt it to this test machine: partition, no GPU."""
    profile = yaml.safe_load(PROFILE.read_text())
    profile["default-resources"]["slurm_partition"] = "debug"
    profile["default-resources"].pop("slurm_account", None)
    for resources in profile["set-resources"].values():
        if "slurm_partition" in resources:
            resources["slurm_partition"] = "debug"
        if "gpu" in resources:
            resources["gpu"] = 0
        resources.pop("gpu_model", None)
    profile.update(
        {
            "cores": cores,
            "slurm-status-command": "squeue",  # no accounting database (slurmdbd) here
            "slurm-init-seconds-before-status-checks": 1,
            "slurm-keep-successful-logs": True,
            "latency-wait": 5,
            "retries": 0,
            "keep-going": False,
        }
    )
    dest.mkdir(parents=True)
    (dest / "config.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return profile


def _evaluation_output(workdir: Path, model: str) -> str:
    """metrics.json of one evaluate_model job of ``model`` (path read from a dry run)."""
    proc = snakemake(workdir, "--dry-run", "--cores", "1")
    for rule, block in _dry_run_blocks(proc.stdout + proc.stderr):
        if rule == "evaluate_model" and re.search(rf"\bmodel={model}\b", block):
            outputs = re.search(r"^\s*output: (.*)$", block, flags=re.M).group(1).split(", ")
            return next(path for path in outputs if path.endswith("metrics.json"))
    raise AssertionError(f"no evaluate_model job for {model} in the dry run")


def _jobcomp(state: Path) -> dict[str, dict[str, str]]:
    """SLURM job id -> fields of its jobcomp/filetxt record."""
    records = {}
    for line in (state / "jobcomp.log").read_text().splitlines():
        fields = dict(re.findall(r"(\w+)=(\S*)", line))
        records[fields["JobId"]] = fields
    return records


def test_tiny_workflow_runs_through_sbatch(slurm_cluster, tmp_path):
    config = load_tiny()
    workdir = tmp_path / "run"
    workdir.mkdir()
    write_config(workdir, config)
    cores = int(re.search(r"CPUs=(\d+)", (slurm_cluster / "slurm.conf").read_text()).group(1))
    profile = _site_profile(tmp_path / "profile", cores=cores)
    model = next(iter(config["models"]))
    metrics = _evaluation_output(workdir, model)

    env = dict(os.environ, PYTHONPATH=str(ROOT), SLURM_CONF=str(slurm_cluster / "slurm.conf"))
    cmd = [*SNAKEMAKE, "--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir)]
    cmd += ["--profile", str(tmp_path / "profile"), "collect_motifs", metrics]
    started = time.monotonic()
    try:
        proc = subprocess.run(
            cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
        )
    except subprocess.TimeoutExpired as err:
        subprocess.run(["scancel", "--user", "root"], env=env, capture_output=True, timeout=60)
        pytest.fail(f"no result within {RUN_TIMEOUT_S} s:\n{str(err.stdout)[-3000:]}")
    elapsed_s = time.monotonic() - started
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]

    # the targets and every per-recording output exist
    results = workdir / "results"
    n_rec = _n_recordings(config)
    stages = {"pitch": "*.csv", "contour": "*.tsv", "motifs/per_recording": "*.tsv"}
    for stage, pattern in stages.items():
        assert len(list((results / stage).glob(pattern))) == n_rec, stage
    assert len((results / "motifs/dictionary.tsv").read_text().splitlines()) > 1
    assert json.loads((workdir / metrics).read_text())

    # every job went through sbatch and completed there
    submitted = {jobid: Path(path) for jobid, path in SUBMITTED.findall(log)}
    assert submitted, log[-3000:]
    records = _jobcomp(slurm_cluster)
    for jobid in submitted:
        assert records[jobid]["JobState"] == "COMPLETED", records[jobid]
        assert records[jobid]["Partition"] == "debug"
    kinds = {jobid: path.relative_to(workdir / ".snakemake/slurm_logs").parts[0]
             for jobid, path in submitted.items()}

    # the per-recording jobs of all recordings went in one group submission (group-components)
    groups = [jobid for jobid, kind in kinds.items() if kind.startswith("group_per_recording")]
    assert len(groups) == math.ceil(n_rec / profile["group-components"]["per_recording"])
    assert not {f"rule_{rule}" for rule in PER_RECORDING} & set(kinds.values())
    group_log = submitted[groups[0]].read_text()
    for rule in PER_RECORDING:
        assert len(re.findall(rf"^\s*rule {rule}:", group_log, flags=re.M)) >= n_rec, rule

    # the profile's per-rule resources reached sbatch (runtime -> --time, threads -> CPUs)
    train = [jobid for jobid, kind in kinds.items() if kind == "rule_train_model"]
    assert len(train) == 1 and "rule_evaluate_model" in kinds.values()
    record = records[train[0]]
    wanted = profile["set-resources"]["train_model"]
    assert int(record["TimeLimit"]) == wanted["runtime"]
    assert int(record["ProcCnt"]) == min(profile["set-threads"]["train_model"], cores)
    assert f"mem={wanted['mem_mb']}M" in record["Tres"] and "gpu" not in record["Tres"]
    assert elapsed_s < RUN_TIMEOUT_S
