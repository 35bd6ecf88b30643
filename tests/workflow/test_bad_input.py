"""Bad input, nothing lost: a recordings corpus full of broken files still runs to the end.

The corpus mixes motivic.corpus.synth recordings (some resampled to 8 or 96 kHz, one stereo, one under a
unicode name with spaces) with every kind of bad file. Validation reports each with a message
naming the file, the good ones go through every stage, the run completes, and recordings that
yield no motif are listed in results/validation/no_motifs.tsv.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import librosa
import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from motivic.corpus.recordings import recording_id

from .conftest import (
    ROOT,
    SNAKEMAKE,
    SR,
    planned_jobs,
    recordings_config,
    snakemake,
    write_audio,
    write_config,
    write_metadata,
)

pytestmark = pytest.mark.slow

# path in the metadata -> (status, finding code) expected in results/validation/corpus_report.tsv
EXPECTED = {
    "cantaor ñ/seguiriya 1.wav": ("ok", "ok"),
    "style1/r02 8k.wav": ("warning", "low_sr"),
    "style1/r03 stereo.flac": ("ok", "ok"),
    "style2/r01 96k.wav": ("ok", "ok"),
    "style2/r02.wav": ("warning", "duplicate_kept"),
    "style2/r03.wav": ("ok", "ok"),
    "bad/empty.wav": ("error", "empty_file"),
    "bad/truncated.wav": ("warning", "truncated"),
    "bad/text.wav": ("error", "unreadable"),
    "bad/silence.wav": ("error", "silent"),
    "bad/noise.wav": ("ok", "ok"),
    "bad/blip.wav": ("error", "too_short"),
    "bad/hour.wav": ("error", "too_long"),
    "bad/copy of r02.wav": ("error", "duplicate"),
    "bad/missing.wav": ("error", "not_found"),
    "bad/no label.wav": ("error", "bad_label"),
    "bad/unknown label.wav": ("error", "bad_label"),
    "bad/odd {name}.wav": ("error", "bad_name"),  # braces: a wildcard to Snakemake
    "": ("error", "blank_path"),
}
NO_MOTIF = ["bad/noise.wav"]


def _noise_bursts(seconds: float) -> np.ndarray:
    """A 45-ms burst of white noise every second: audible, but no pitch for the f0 tracker."""
    y = np.zeros(int(seconds * SR))
    noise = 0.5 * np.random.default_rng(0).standard_normal(y.size)
    for start in range(0, y.size, SR):
        y[start : start + 1000] = noise[start : start + 1000]
    return y


def _write_bad_corpus(root: Path, sources: dict[str, np.ndarray]) -> None:
    s1, s2 = (
        [sources[f"style1_r0{i}"] for i in (1, 2, 3)],
        [sources[f"style2_r0{i}"] for i in (1, 2, 3)],
    )
    write_audio(root, "cantaor ñ/seguiriya 1.wav", s1[0])
    write_audio(
        root, "style1/r02 8k.wav", librosa.resample(s1[1], orig_sr=SR, target_sr=8000), 8000
    )
    write_audio(root, "style1/r03 stereo.flac", np.column_stack([s1[2], 0.7 * s1[2]]))
    write_audio(
        root, "style2/r01 96k.wav", librosa.resample(s2[0], orig_sr=SR, target_sr=96000), 96000
    )
    write_audio(root, "style2/r02.wav", s2[1], subtype="PCM_16")
    write_audio(root, "style2/r03.wav", s2[2], subtype="PCM_16")
    (root / "bad").mkdir()
    shutil.copyfile(
        root / "style2/r02.wav", root / "bad/copy of r02.wav"
    )  # same audio, other label
    (root / "bad/empty.wav").write_bytes(b"")
    full = (root / "style2/r03.wav").read_bytes()
    (root / "bad/truncated.wav").write_bytes(full[: int(len(full) * 0.6)])
    (root / "bad/text.wav").write_text("this is not audio\n" * 50)
    write_audio(root, "bad/silence.wav", np.zeros(5 * SR))
    write_audio(root, "bad/noise.wav", _noise_bursts(6.0))
    write_audio(root, "bad/blip.wav", s1[0][3 * SR : int(3.4 * SR)])
    with sf.SoundFile(
        root / "bad/hour.wav", "w", samplerate=8000, channels=1, subtype="PCM_16"
    ) as out:
        for _ in range(60):  # one hour of digital silence, one minute at a time
            out.write(np.zeros(60 * 8000, dtype=np.int16))
    write_audio(root, "bad/no label.wav", s1[2])
    write_audio(root, "bad/unknown label.wav", s1[2])
    write_audio(root, "bad/odd {name}.wav", s2[2][::-1].copy())


def _labels() -> list[str]:
    special = {
        "bad/no label.wav": "",
        "bad/unknown label.wav": "unknown",
        "bad/copy of r02.wav": "style1",
    }
    return [
        special.get(
            path,
            "style1" if ("style1" in path or "cantaor" in path) else "style2",
        )
        for path in EXPECTED
    ]


@pytest.fixture(scope="module")
def bad_corpus(tmp_path_factory, demo_sources) -> Path:
    root = tmp_path_factory.mktemp("bad_corpus")
    _write_bad_corpus(root, demo_sources)
    write_metadata(root, list(zip(EXPECTED, _labels())))
    return root


@pytest.fixture(scope="module")
def bad_run(bad_corpus, tmp_path_factory) -> tuple[Path, float]:
    workdir = tmp_path_factory.mktemp("bad_run")
    write_config(workdir, recordings_config(bad_corpus / "metadata.csv", bad_corpus))
    start = time.monotonic()
    snakemake(workdir, "--cores", "2")
    return workdir, time.monotonic() - start


def test_every_bad_file_is_reported_by_name(bad_run):
    workdir, _ = bad_run
    report = pd.read_csv(
        workdir / "results/validation/corpus_report.tsv", sep="\t", dtype=str, keep_default_na=False
    )
    assert list(report["path"]) == list(EXPECTED)
    for row in report.itertuples():
        status, code = EXPECTED[row.path]
        assert row.status == status and code in row.check.split(","), row.message
        assert row.message.startswith(f"{row.path}: ")
        assert row.recording == recording_id(row.path)
    by_path = report.set_index("path")
    assert "style2/r02.wav" in by_path.loc["bad/copy of r02.wav", "message"]
    assert "labels differ" in by_path.loc["bad/copy of r02.wav", "message"]
    log = (workdir / "results/logs/validate_corpus/validate_corpus.log").read_text()
    assert "validating recordings: 100%" in log  # progress in the log
    assert "bad/text.wav: not a readable audio file" in log


def test_good_recordings_run_to_the_end(bad_run):
    workdir, seconds = bad_run
    results = workdir / "results"
    good = [p for p, (status, _) in EXPECTED.items() if status != "error"]
    table = pd.read_csv(
        results / "corpus/recordings.tsv", sep="\t", dtype=str, keep_default_na=False
    )
    assert list(table["path"]) == good
    pitched = {p.stem for p in (results / "pitch").glob("*.csv")}
    assert pitched == {recording_id(p) for p in good}
    assert len(list((results / "motifs/per_recording").glob("*.tsv"))) == len(good)
    assert (results / "tables/table1.csv").stat().st_size > 0
    segments = pd.read_csv(results / "segments/motivic.tsv", sep="\t", dtype=str)
    assert set(segments["recording"]) <= {recording_id(p) for p in good}
    assert {"style1", "style2"} == set(segments["label"])
    print(f"bad-input workflow: {seconds:.0f} s")


def test_recordings_without_motifs_are_reported_not_fatal(bad_run):
    workdir, _ = bad_run
    no_motifs = pd.read_csv(workdir / "results/validation/no_motifs.tsv", sep="\t", dtype=str)
    assert {recording_id(p) for p in NO_MOTIF} <= set(no_motifs["recording"])
    assert no_motifs["message"].str.len().gt(0).all()
    reasons = dict(zip(no_motifs["recording"], no_motifs["message"]))
    assert "no voiced frames" in reasons[recording_id("bad/noise.wav")]
    log = (workdir / "results/logs/select_segments/select_segments.log").read_text()
    assert all(f"recording {recording_id(p)}" in log for p in NO_MOTIF)


def test_second_run_schedules_nothing(bad_run):
    workdir, _ = bad_run
    assert planned_jobs(workdir) == {}


def test_a_killed_job_leaves_no_output_taken_as_complete(bad_run, tmp_path):
    """SIGKILL snakemake and its job while the HDF5 store is half written: no store, rerun planned."""
    workdir = tmp_path / "run"
    shutil.copytree(bad_run[0], workdir, symlinks=True)
    store_dir = workdir / "results/features/logmel128"
    cmd = [*SNAKEMAKE, "--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir)]
    cmd += [
        "--cores",
        "1",
        "--forcerun",
        "build_mel_store",
        "results/features/logmel128/motivic.h5",
    ]
    proc = subprocess.Popen(
        cmd,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: we kill exactly what we started
    )
    try:
        deadline = time.monotonic() + 60
        while not list(store_dir.glob(".motivic.*.tmp.h5")):
            assert proc.poll() is None, "the job finished before it could be killed"
            assert time.monotonic() < deadline, "the store was never being written"
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert not (store_dir / "motivic.h5").exists()
    snakemake(workdir, "--unlock")
    assert planned_jobs(workdir, "results/features/logmel128/motivic.h5") == {"build_mel_store": 1}


def test_duplicates_error_policy_stops_with_the_files_named(bad_corpus, tmp_path):
    write_config(
        tmp_path, recordings_config(bad_corpus / "metadata.csv", bad_corpus, duplicates="error")
    )
    proc = snakemake(tmp_path, "--cores", "1", "results/corpus/recordings.tsv", check=False)
    assert proc.returncode != 0
    log = (tmp_path / "results/logs/validate_corpus/validate_corpus.log").read_text()
    assert "corpus.duplicates=error" in log and "bad/copy of r02.wav" in log
    assert not (tmp_path / "results/corpus/recordings.tsv").exists()


@pytest.mark.parametrize(
    "corpus, words",
    [
        ({"duplicates": "sometimes"}, "corpus.duplicates"),
        ({"max_duration_s": -1}, "corpus.max_duration_s"),
    ],
)
def test_config_error_fails_before_any_compute(bad_corpus, tmp_path, corpus, words):
    write_config(tmp_path, recordings_config(bad_corpus / "metadata.csv", bad_corpus, **corpus))
    proc = snakemake(tmp_path, "--cores", "1", check=False)
    assert proc.returncode != 0 and words in proc.stdout + proc.stderr
    assert not (tmp_path / "results").exists()


def test_metadata_without_a_label_column_fails_before_any_compute(bad_corpus, tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("file,class\nstyle2/r02.wav,style2\n")
    write_config(tmp_path, recordings_config(sheet, bad_corpus))
    proc = snakemake(tmp_path, "--cores", "1", check=False)
    assert proc.returncode != 0 and str(sheet) in proc.stdout + proc.stderr
    assert "missing column" in proc.stdout + proc.stderr
    assert not (tmp_path / "results").exists()
