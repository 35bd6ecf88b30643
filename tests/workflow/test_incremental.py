"""An incremental corpus: adding one recording runs pitch, contour and mining for it only.

After a complete run on a recordings corpus, a new row and its file are added. Validation (a
checkpoint) reruns; then the per-recording jobs of the new recording and the aggregations are
scheduled, and the per-recording outputs of the other recordings are reused untouched.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from motivic.corpus.recordings import recording_id

from .conftest import recordings_config, snakemake, write_audio, write_config, write_metadata

pytestmark = pytest.mark.slow

PER_RECORDING = {
    "extract_pitch": "results/pitch/{}.csv",
    "simplify_contour": "results/contour/{}.tsv",
    "mine_motifs": "results/motifs/per_recording/{}.tsv",
}
FIRST = [
    ("style1/r01.wav", "style1"),
    ("style1/r02.wav", "style1"),
    ("style2/r01.wav", "style2"),
    ("style2/r02.wav", "style2"),
]
ADDED = ("later/style1 take 3.wav", "style1")


def scheduled(text: str) -> list[tuple[str, str | None]]:
    """(rule, recording wildcard or None) of every job in Snakemake's job listing."""
    jobs: list[list] = []
    for line in text.splitlines():
        header = re.match(r"^(?:local)?(?:rule|checkpoint) (\w+):$", line.strip())
        if header:
            jobs.append([header.group(1), None])
        wildcards = re.match(r"^wildcards:.*\brecording=([\w-]+)", line.strip())
        if wildcards and jobs:
            jobs[-1][1] = wildcards.group(1)
    return [tuple(job) for job in jobs]


@pytest.fixture(scope="module")
def grown_run(tmp_path_factory, demo_sources):
    """A complete run on 4 recordings; then one more recording is added to the corpus."""
    sources = demo_sources
    root = tmp_path_factory.mktemp("corpus")
    for (path, _), source in zip(FIRST, ["style1_r01", "style1_r02", "style2_r01", "style2_r02"]):
        write_audio(root, path, sources[source])
    metadata = write_metadata(root, FIRST)
    workdir = tmp_path_factory.mktemp("run")
    write_config(workdir, recordings_config(metadata, root))
    snakemake(workdir, "--cores", "2")
    before = {p: p.stat().st_mtime_ns for p in (workdir / "results").rglob("*") if p.is_file()}
    write_audio(root, ADDED[0], sources["style1_r03"])
    write_metadata(root, [*FIRST, ADDED])
    return workdir, before


def test_adding_a_recording_schedules_its_own_jobs_only(grown_run):
    workdir, _ = grown_run
    new = recording_id(ADDED[0])
    first = scheduled(snakemake(workdir, "--dry-run", "--cores", "1").stdout)
    assert ("validate_corpus", None) in first  # the checkpoint reruns: the sheet changed
    assert not [job for job in first if job[0] in PER_RECORDING]  # nothing before it is known
    snakemake(workdir, "--cores", "1", "results/corpus/recordings.tsv")  # run the checkpoint
    recordings = pd.read_csv(workdir / "results/corpus/recordings.tsv", sep="\t", dtype=str)
    assert list(recordings["recording"])[-1] == new and len(recordings) == len(FIRST) + 1
    jobs = scheduled(snakemake(workdir, "--dry-run", "--cores", "1").stdout)
    for rule in PER_RECORDING:
        assert [rec for name, rec in jobs if name == rule] == [new], rule
    rules = {name for name, _ in jobs}
    assert {"collect_motifs", "select_segments", "build_mel_store", "train_model"} <= rules
    assert "validate_corpus" not in rules


def test_the_others_per_recording_outputs_are_reused(grown_run):
    workdir, before = grown_run
    proc = snakemake(workdir, "--cores", "2")
    ran = scheduled(proc.stdout + proc.stderr)
    new = recording_id(ADDED[0])
    assert [rec for name, rec in ran if name == "extract_pitch"] == [new]
    for path, _ in FIRST:
        for pattern in PER_RECORDING.values():
            output = workdir / pattern.format(recording_id(path))
            assert output.stat().st_mtime_ns == before[output], output
    for pattern in PER_RECORDING.values():
        assert (workdir / pattern.format(new)).exists()
    table = workdir / "results/tables/table1.csv"
    assert table.stat().st_mtime_ns > before[table]
    segments = pd.read_csv(workdir / "results/segments/motivic.tsv", sep="\t", dtype=str)
    assert new in set(segments["recording"])  # its motifs reached the dataset
    assert Path(workdir / "results/validation/corpus_report.tsv").read_text().count("\n") == 6
