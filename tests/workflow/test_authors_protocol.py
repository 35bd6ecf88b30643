"""config/authors-protocol.yaml on a release-shaped fixture cut from the flamenco sample.

The fixture copies 30 clips of 6 recordings (3 debla, 3 martinete; label ``style``) in the
published layout ``<singer>/<recording>_<pattern>_<id>.wav`` and plants what the full release
holds: a byte copy inside one recording, a byte copy filed under another recording, a copy filed
under another singer and style (a label conflict), a gain-changed nested cut of one clip, a
file-name artefact (``<rec>_intervals.txt_<pattern>_<id>.wav``) and a name that cannot be read.
"""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import yaml

from .conftest import ROOT, snakemake, write_config

pytestmark = pytest.mark.slow

RECORDINGS = ("D0001", "D0003", "D0011", "M1038", "M1046", "M2067")
CLIPS_PER_RECORDING = 5
HONEST = ("random", "logo")  # the protocol's strategies that keep passages whole


def _planted_release(sample: Path, out: Path) -> dict:
    """Copy a handful of sample clips to ``out`` and plant the release's problems; name them."""
    metadata = pd.read_csv(sample / "metadata.csv", dtype=str)
    picked = (
        metadata[metadata["recording"].isin(RECORDINGS)]
        .sort_values("path")
        .drop_duplicates("md5")
        .groupby("recording")
        .head(CLIPS_PER_RECORDING)
        .reset_index(drop=True)
    )
    for path in picked["path"]:
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sample / path, out / path)
    rows = picked[["path", "style"]].to_dict("records")

    def first_clip(recording: str, skip: int = 0) -> pd.Series:
        return picked[picked["recording"] == recording].iloc[skip]

    def plant(source: str, target: str, style: str) -> str:
        shutil.copyfile(out / source, out / target)
        rows.append({"path": target, "style": style})
        return target

    d1, d3, m46 = first_clip("D0001"), first_clip("D0003"), first_clip("M1046")
    planted = {
        "duplicate": (d3["path"], plant(d3["path"], "EC/D0003_1-1_copy.wav", "debla")),
        # the same audio under EM's martinete recording: style, singer and recording conflict
        "label_conflict": (d1["path"], plant(d1["path"], "EM/M1046_1-1_copy.wav", "martinete")),
        # the same audio under the singer's other recording: a recording conflict only
        "recording_conflict": (
            m46["path"],
            plant(m46["path"], "EM/M2067_1-1_copy.wav", "martinete"),
        ),
    }
    # a nested cut of a clip, at another gain (each published clip is normalised on its own)
    source = picked[picked["recording"] == "M2067"].iloc[1]
    audio, rate = sf.read(out / source["path"], dtype="float32")
    quarter = len(audio) // 4
    sf.write(out / "EM/M2067_-1-1_nested.wav", 0.5 * audio[quarter:-quarter], rate, subtype="FLOAT")
    rows.append({"path": "EM/M2067_-1-1_nested.wav", "style": "martinete"})
    planted["nested_cut"] = (source["path"], "EM/M2067_-1-1_nested.wav")
    # a file name leaked into the recording id, as in the release's TP/D0011_intervals.txt_… files
    clip = first_clip("D0011", skip=1)
    artefact = f"TP/D0011_intervals.txt_{clip['contour_pattern']}_x.wav"
    (out / clip["path"]).rename(out / artefact)
    rows = [r for r in rows if r["path"] != clip["path"]] + [{"path": artefact, "style": "debla"}]
    planted["name_artefact"] = artefact
    # a name the layout cannot read
    shutil.copyfile(out / first_clip("D0011", skip=2)["path"], out / "TP/take2.wav")
    rows.append({"path": "TP/take2.wav", "style": "debla"})
    planted["bad_layout"] = "TP/take2.wav"
    pd.DataFrame(rows).to_csv(out / "metadata.csv", index=False)
    planted["n_files"] = len(rows)
    return planted


@pytest.fixture(scope="module")
def protocol_run(tmp_path_factory, flamenco_sample) -> tuple[Path, dict]:
    release = tmp_path_factory.mktemp("release")
    planted = _planted_release(flamenco_sample, release)
    config = yaml.safe_load((ROOT / "config/authors-protocol.yaml").read_text())
    config["corpus"].update(
        audio_root=str(release), metadata=str(release / "metadata.csv"), label="style"
    )
    config["models"] = {"compact_convnet": {"channels": 4}}
    config["training"].update(epochs=1, patience=1)
    config["report"].update(bootstrap=200, permutations=1000)
    workdir = tmp_path_factory.mktemp("protocol")
    write_config(workdir, config)
    snakemake(workdir, "--cores", "2")
    return workdir, planted


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def test_every_planted_problem_is_reported_and_the_run_goes_on(protocol_run):
    workdir, planted = protocol_run
    counts = _read(workdir / "results/validation/clip_findings.tsv").set_index("check")["n_files"]
    expected = {
        "label_conflict": 2,  # both copies of the content filed under two styles
        "singer_conflict": 2,
        "recording_conflict": 4,  # the label-conflict pair and the recording-conflict pair
        "duplicate_kept": 6,  # corpus.duplicates: keep flags every copy of the three contents
        "name_artefact": 1,
        "bad_layout": 1,
        "total error": 5,  # the two conflicting pairs and the unreadable name
    }
    assert {code: int(counts.get(code, 0)) for code in expected} == expected
    assert "short_clip" not in counts  # the protocol evaluates every clip, as released
    report = _read(workdir / "results/validation/corpus_report.tsv").set_index("path")
    assert report.at[planted["name_artefact"], "status"] == "warning"
    excluded = {p for pair in ("label_conflict", "recording_conflict") for p in planted[pair]}
    excluded.add(planted["bad_layout"])
    assert set(report.index[report["status"] == "error"]) == excluded
    segments = _read(workdir / "results/segments/motivic.tsv")
    assert len(segments) == planted["n_files"] - len(excluded)
    assert set(segments.loc[segments["recording"] == "D0011", "motif_id"]) >= {
        Path(planted["name_artefact"]).stem.split("_")[2]
    }
    assert (workdir / "results/tables/table1.csv").is_file()


def test_the_nested_cut_and_its_source_never_straddle_an_honest_split(protocol_run):
    workdir, planted = protocol_run
    report = _read(workdir / "results/validation/corpus_report.tsv").set_index("path")
    source, cut = planted["nested_cut"]
    assert report.at[source, "sha1"] != report.at[cut, "sha1"]  # not a copy: found by its audio
    assert report.at[source, "passage"] == report.at[cut, "passage"] != ""
    clip_ids = report.loc[[source, cut], "recording"].tolist()
    segments = _read(workdir / "results/segments/motivic.tsv")
    for strategy in HONEST:
        folds = _read(workdir / f"results/splits/motivic/{strategy}.tsv")
        merged = segments.merge(folds, on="segment_id")
        columns = [c for c in folds.columns if c.startswith("fold_")]
        assert columns
        for column in columns:
            sides = merged.set_index("segment_id").loc[clip_ids, column]
            assert sides.nunique() == 1, (strategy, column)
            assert (merged.groupby("passage")[column].nunique() == 1).all(), (strategy, column)


def test_protocol_table_has_a_row_per_model_and_labels_the_authors_protocol(protocol_run):
    workdir, _ = protocol_run
    table = pd.read_csv(workdir / "results/tables/protocols.csv")
    assert sorted(table["model"]) == ["compact_convnet", "mfcc_svm"]
    for split in ("random_clips", "random_contents", "random", "logo"):
        for suffix in ("", "_ci_low", "_ci_high", "_majority", "_recordings"):
            assert f"{split}{suffix}" in table.columns
        assert table[split].between(0, 1).all()
    assert (table["logo_recordings"] == len(RECORDINGS)).all()  # each recording tested once
    for name, leaky, tight in (
        ("from_copies", "random_clips", "random_contents"),
        ("from_passages", "random_contents", "random"),
        ("from_recording", "random", "logo"),
    ):
        assert np.allclose(table[name], table[leaky] - table[tight])
    markdown = (workdir / "results/tables/protocols.md").read_text()
    header = markdown.splitlines()[0]
    assert "`random_clips`: random over files (authors' protocol" in header
    assert markdown.count("\n| compact_convnet |") + markdown.count("\n| mfcc_svm |") == 2
    assert "authors' protocol" in (workdir / "results/tables/table1.md").read_text()
