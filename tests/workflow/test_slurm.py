"""profiles/slurm on a real single-node SLURM cluster, and what the profile asks of SLURM.

The cluster test brings up slurmctld + slurmd on this machine (tests/workflow/slurm_cluster.sh),
with one fake GPU (gres/gpu), and sends the tail of the finished tiny run (a copy of the session's
``tiny_run``) through sbatch with the repository's SLURM profile, changed only where a test
machine differs from a site: one partition (``debug``), few cores, quick status polls. One
training and its evaluation are deleted and rerun, then two recordings' per-recording outputs:
per-recording jobs go as SLURM job arrays, the GPU request of ``train_model`` reaches SLURM,
aggregations run on the submitting node. It needs root and Debian's ``slurm-wlm`` and ``munge``
packages (``tests/workflow/slurm_cluster.sh install``; ``.ci/run`` installs them when it can).

``MOTIVIC_SLURM_TEST``: unset = run when possible, else skip saying why; ``0`` = always skip;
``1`` = required (a missing prerequisite fails the test instead of skipping it).
``MOTIVIC_SLURM_TIMEOUT_S``: seconds each of its two SLURM runs may take (default 900).
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

from motivic.train.checkpoints import last_checkpoint_path
from motivic.workflow.grid import table1_runs

from .conftest import ROOT, SNAKEMAKE, load_tiny, snakemake, write_config

pytestmark = pytest.mark.slow

PROFILE = ROOT / "profiles" / "slurm" / "config.yaml"
LOCAL_PROFILE = ROOT / "profiles" / "local" / "config.yaml"
CLUSTER_SCRIPT = Path(__file__).with_name("slurm_cluster.sh")
PER_RECORDING = ("extract_pitch", "simplify_contour", "mine_motifs")
GPU_RULES = ("train_model",)  # gpu=1 in the rule (one at a time locally); it also scores its run
AGGREGATIONS = (
    "collect_motifs",
    "collect_results",
    "collect_table2",
    "evaluate_pitch",
    "evaluate_motifs",
    "index_contour_plots",
)
# seconds for the SLURM run; a loaded machine may need more (MOTIVIC_SLURM_TIMEOUT_S)
RUN_TIMEOUT_S = int(os.environ.get("MOTIVIC_SLURM_TIMEOUT_S", "900"))

needs_plugin = pytest.mark.skipif(
    importlib.util.find_spec("snakemake_executor_plugin_slurm") is None,
    reason="snakemake-executor-plugin-slurm is not installed (pip install -e '.[test]')",
)


# --- dry runs: what the profile requests (no SLURM needed) ---------------------------------


def _dry_run_blocks(text: str) -> list[tuple[str, str]]:
    """(rule, block text) for every job of a dry run's output, group members included."""
    starts = list(re.finditer(r"^\s*(?:rule|checkpoint) (\w+):\s*$", text, flags=re.MULTILINE))
    ends = [m.start() for m in starts[1:]] + [len(text)]
    return [(m.group(1), text[m.end() : end]) for m, end in zip(starts, ends)]


def _resources(block: str) -> dict[str, str]:
    match = re.search(r"^\s*resources: (.*)$", block, flags=re.MULTILINE)
    assert match, block
    return dict(item.split("=", 1) for item in match.group(1).split(", "))


def _threads(block: str) -> int:
    match = re.search(r"^\s*threads: (\d+)$", block, flags=re.MULTILINE)
    return int(match.group(1)) if match else 1


def _n_recordings(config: dict) -> int:
    return config["synth"]["n_classes"] * config["synth"]["recordings_per_class"]


def _at_attempt(value, attempt: int):
    """A profile resource value: a number, a string, or an expression of ``attempt``."""
    if isinstance(value, str):
        try:
            return eval(value, {"attempt": attempt})  # the profile's own expressions
        except NameError:
            return value  # a plain string such as a partition name
    return value


@needs_plugin
def test_slurm_profile_requests_gpus_partitions_and_rule_resources(tmp_path):
    # A fresh directory: per-recording jobs appear only after the corpus checkpoint, so this dry
    # run lists the other jobs; the real SLURM run below checks the per-recording arrays.
    write_config(tmp_path, load_tiny())
    profile = yaml.safe_load(PROFILE.read_text())
    proc = snakemake(tmp_path, "--profile", str(PROFILE.parent), "--dry-run")
    blocks = _dry_run_blocks(proc.stdout + proc.stderr)
    assert set(GPU_RULES) <= {rule for rule, _ in blocks}
    default_partition = profile["default-resources"]["slurm_partition"]
    for rule, block in blocks:
        resources = _resources(block)
        wanted = {**profile["default-resources"], **profile["set-resources"].get(rule, {})}
        wanted = {key: _at_attempt(value, 1) for key, value in wanted.items()}
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


@needs_plugin
def test_slurm_retry_gets_more_memory_and_time(tmp_path):
    """The resubmission after a failure (attempt 2) asks for twice the memory and runtime."""
    write_config(tmp_path, load_tiny())
    asked = {}
    for attempt in (1, 2):
        proc = snakemake(
            tmp_path, "--profile", str(PROFILE.parent), "--dry-run", "--attempt", str(attempt)
        )
        asked[attempt] = {
            rule: (int(_resources(b)["mem_mb"]), int(_resources(b)["runtime"]))
            for rule, b in _dry_run_blocks(proc.stdout + proc.stderr)
        }
    assert asked[1] and asked[1].keys() == asked[2].keys()
    for rule, (mem_mb, runtime) in asked[1].items():
        assert asked[2][rule] == (2 * mem_mb, 2 * runtime), rule


def test_rules_scale_memory_and_time_with_the_attempt(tmp_path):
    """Without a profile too (local --retries): the rules' own resources grow with the attempt."""
    write_config(tmp_path, load_tiny())
    asked = {}
    for attempt in (1, 2):
        proc = snakemake(tmp_path, "--dry-run", "--cores", "1", "--attempt", str(attempt))
        asked[attempt] = {
            rule: _resources(b) for rule, b in _dry_run_blocks(proc.stdout + proc.stderr)
        }
    for rule in ("validate_corpus", "train_model", "build_mel_store"):
        first, second = asked[1][rule], asked[2][rule]
        assert int(second["mem_mb"]) == 2 * int(first["mem_mb"]), rule
    assert int(asked[2]["train_model"]["runtime"]) == 2 * int(asked[1]["train_model"]["runtime"])


def test_slurm_profile_batches_per_recording_rules_as_arrays():
    """No Snakemake groups (their planning explodes after the checkpoint): array jobs instead."""
    profile = yaml.safe_load(PROFILE.read_text())
    assert "groups" not in profile and "group-components" not in profile
    arrays = {rule.strip() for rule in profile["slurm-array-jobs"].split(",")}
    assert set(PER_RECORDING) <= arrays
    assert 1 < int(profile["slurm-array-limit"]) <= 1000  # within SLURM's default MaxArraySize
    assert not arrays & set(AGGREGATIONS)
    set_resources = profile["set-resources"]
    assert not set(AGGREGATIONS) & set(set_resources)  # local rules: never submitted


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
ARRAY_SUBMITTED = re.compile(
    r"Submitted array job with Snakemake IDs ([\d,]+) and SLURM job ID (\d+)\. "
    r"The individual task IDs are (\d+)-(\d+)\."
)
JOB_HEADER = re.compile(
    r"^\s*(?:local)?(?:rule|checkpoint) (\w+):\n(?:\s+\w+: .*\n)*?\s+jobid: (\d+)$", re.MULTILINE
)


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
        [str(CLUSTER_SCRIPT), "start", str(state)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        subprocess.run(stop, capture_output=True, timeout=120, check=False)
        _unavailable(f"the cluster did not start: {proc.stderr.strip()[-2000:]}")
    try:
        yield state
    finally:
        subprocess.run(stop, capture_output=True, timeout=120, check=False)


def _site_profile(dest: Path, *, cores: int) -> dict:
    """profiles/slurm as a site would adapt it to this test machine: one partition."""
    profile = yaml.safe_load(PROFILE.read_text())
    profile["default-resources"]["slurm_partition"] = "debug"
    profile["default-resources"].pop("slurm_account", None)
    for resources in profile["set-resources"].values():
        if "slurm_partition" in resources:
            resources["slurm_partition"] = "debug"
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


def _jobcomp(state: Path) -> dict[str, dict[str, str]]:
    """SLURM job id -> fields of its jobcomp/filetxt record."""
    records = {}
    for line in (state / "jobcomp.log").read_text().splitlines():
        fields = dict(re.findall(r"(\w+)=(\S*)", line))
        records[fields["JobId"]] = fields
    return records


def _scontrol_job(jobid: str, env: dict) -> dict[str, str]:
    """Fields of ``scontrol show job`` (finished jobs stay listed for MinJobAge = 600 s)."""
    proc = subprocess.run(
        ["scontrol", "show", "job", jobid],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(re.findall(r"(\w+)=(\S*)", proc.stdout))


def _sbatch_run(workdir: Path, profile_dir: Path, env: dict, *targets: str) -> str:
    """Run ``targets`` in ``workdir`` with the site profile; the log (stdout and stderr)."""
    cmd = [*SNAKEMAKE, "--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir)]
    cmd += ["--profile", str(profile_dir), *targets]
    try:
        proc = subprocess.run(
            cmd,
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        subprocess.run(
            ["scancel", "--user", "root"], env=env, capture_output=True, timeout=60, check=False
        )
        pytest.fail(f"no result within {RUN_TIMEOUT_S} s:\n{str(err.stdout)[-3000:]}")
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]
    return log


def test_tail_of_the_tiny_run_runs_through_sbatch(slurm_cluster, tiny_run, tmp_path):
    """A copy of the finished tiny run, with a training and two recordings' outputs deleted.

    Only those jobs (and what follows them up to the targets) go through sbatch: one training
    and its evaluation, then the per-recording jobs of the two recordings, as job arrays, and
    the collections on the submitting node. The rest of the run is reused.
    """
    workdir = tmp_path / "run"
    shutil.copytree(tiny_run, workdir, symlinks=True)
    config = load_tiny()  # the configuration of tiny_run
    cores = int(re.search(r"CPUs=(\d+)", (slurm_cluster / "slurm.conf").read_text()).group(1))
    profile = _site_profile(tmp_path / "profile", cores=cores)
    env = dict(os.environ, PYTHONPATH=str(ROOT), SLURM_CONF=str(slurm_cluster / "slurm.conf"))
    results = workdir / "results"

    # the last stages: one network retrained from scratch, evaluated, and Table I rebuilt
    model = next(iter(config["models"]))
    run = next(run for run in table1_runs(config) if run.model == model)
    # Snakemake regenerates a missing file only for an output that needs it: delete the run's
    # metrics (train_model scores its run) and its checkpoint
    checkpoint = workdir / run.path / "checkpoint.pt"
    metrics = f"{run.path}/metrics.json"
    for path in (checkpoint, last_checkpoint_path(checkpoint), workdir / metrics):
        path.unlink()  # no last checkpoint either: a whole training, not a resumed one
    table = "results/tables/table1.csv"
    started = time.monotonic()
    tail_log = _sbatch_run(workdir, tmp_path / "profile", env, metrics, table)
    assert checkpoint.exists() and json.loads((workdir / metrics).read_text())
    assert (workdir / table).stat().st_mtime > (workdir / metrics).stat().st_mtime

    # the per-recording stages of two recordings, and the motif dictionary collected from all
    recordings = sorted(p.stem for p in (results / "pitch").glob("*.csv"))
    rerun = recordings[:2]
    n_rec = len(rerun)
    stages = {"pitch": "*.csv", "contour": "*.tsv", "motifs/per_recording": "*.tsv"}
    for recording in rerun:  # each stage's output, and the dictionary, as above
        for stage, pattern in stages.items():
            (results / stage / pattern.replace("*", recording)).unlink()
    (results / "motifs/dictionary.tsv").unlink()
    head_log = _sbatch_run(workdir, tmp_path / "profile", env, "collect_motifs")
    elapsed_s = time.monotonic() - started

    # the targets and every per-recording output exist
    for stage, pattern in stages.items():
        assert len(list((results / stage).glob(pattern))) == len(recordings), stage
    assert len((results / "motifs/dictionary.tsv").read_text().splitlines()) > 1

    # every job went through sbatch (singly or as an array task) and completed there
    log = tail_log + head_log
    submitted = {jobid: Path(path) for jobid, path in SUBMITTED.findall(log)}
    arrays = ARRAY_SUBMITTED.findall(head_log)
    assert submitted and arrays, log[-3000:]
    records = _jobcomp(slurm_cluster)
    for jobid in submitted:
        assert records[jobid]["JobState"] == "COMPLETED", records[jobid]
        assert records[jobid]["Partition"] == "debug"
    kinds = {
        jobid: path.relative_to(workdir / ".snakemake/slurm_logs").parts[0]
        for jobid, path in submitted.items()
    }
    # only the deleted outputs' jobs ran: the finished run was reused
    expected = {f"rule_{rule}" for rule in (*GPU_RULES, *PER_RECORDING)}
    assert set(kinds.values()) <= expected, kinds

    # per-recording jobs went as array tasks (an array holds the jobs of one rule)
    rule_of = {int(m.group(2)): m.group(1) for m in JOB_HEADER.finditer(head_log)}
    per_rule: dict[str, list[tuple[str, int]]] = {}
    for snakemake_ids, slurm_id, first, last in arrays:
        ids = [int(i) for i in snakemake_ids.split(",")]
        assert len(ids) == int(last) - int(first) + 1
        rules = {rule_of[i] for i in ids}
        assert len(rules) == 1, rules  # an array holds the jobs of one rule
        per_rule.setdefault(rules.pop(), []).append((slurm_id, len(ids)))
    limit = int(profile["slurm-array-limit"])
    # all pitch jobs are ready at once: one array, a task each
    assert len(per_rule["extract_pitch"]) == math.ceil(n_rec / limit)
    assert sum(n for _, n in per_rule["extract_pitch"]) == n_rec
    # later stages become ready as pitch tasks finish; the plugin submits what each status poll
    # finds ready as one array (or one job when it finds one), never more calls than jobs
    singles = {rule: [k for k in kinds.values() if k == f"rule_{rule}"] for rule in PER_RECORDING}
    for rule in PER_RECORDING:
        assert sum(n for _, n in per_rule.get(rule, [])) + len(singles[rule]) == n_rec, rule
    calls = sum(len(per_rule.get(rule, [])) + len(singles[rule]) for rule in PER_RECORDING)
    assert calls < len(PER_RECORDING) * n_rec
    finished = [r for r in records.values() if r["JobState"] == "COMPLETED"]
    assert len(finished) == len(records) >= len(submitted) + n_rec  # array tasks recorded too

    # aggregations ran on the submitting node, not through sbatch
    assert re.search(r"^localrule collect_motifs:", head_log, flags=re.MULTILINE), head_log[-3000:]
    assert not {f"rule_{rule}" for rule in AGGREGATIONS} & set(kinds.values())
    assert re.search(r"^localrule \w+:", tail_log, flags=re.MULTILINE), tail_log[-3000:]

    # the profile's per-rule resources reached sbatch (runtime -> --time, threads -> CPUs)
    train = [jobid for jobid, kind in kinds.items() if kind == "rule_train_model"]
    assert len(train) == 1
    record = records[train[0]]
    wanted = {k: _at_attempt(v, 1) for k, v in profile["set-resources"]["train_model"].items()}
    assert int(record["TimeLimit"]) == wanted["runtime"]
    assert int(record["ProcCnt"]) == min(profile["set-threads"]["train_model"], cores)
    assert f"mem={wanted['mem_mb']}M" in record["Tres"]
    # the GPU request reached SLURM (--gpus=1 on the node's gres/gpu)
    assert "gres:gpu:1" in _scontrol_job(train[0], env)["TresPerJob"]
    assert elapsed_s < 2 * RUN_TIMEOUT_S
