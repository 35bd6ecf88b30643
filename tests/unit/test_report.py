"""Tests for motivic.report.figures: metric collection, tables, Markdown/CSV output, figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from motivic.core.errors import MotivicError
from motivic.report.figures import (
    collect_metrics,
    format_markdown,
    format_sections,
    order_rows,
    plot_confusion,
    plot_curves,
    table1,
    table2,
    write_table,
)


def _record(model, seed, accuracy, augment="none", dataset="motivic", split="random", **extra):
    return {
        "model": model,
        "dataset": dataset,
        "split": split,
        "augment": augment,
        "seed": seed,
        "accuracy": accuracy,
        "auc": accuracy + 0.1,
        "precision": 0.5,
        "recall": 0.4,
        "f1": 0.45,
        "vote_accuracy": 0.9,
        **extra,
    }


@pytest.fixture
def records():
    return [
        _record("reslstm", 0, 0.80),
        _record("reslstm", 1, 0.90),
        _record("reslstm", 2, 0.70),
        _record("crnn", 0, 0.60),
        _record("reslstm", 0, 0.85, augment="time"),
        _record("reslstm", 1, 0.95, augment="time"),
        _record("crnn", 0, 0.65, augment="both"),
    ]


def test_collect_metrics_orders_columns_and_skips_non_scalars(records):
    df = collect_metrics(records + [_record("svm", 0, 0.5, confusion=[[1, 0], [0, 1]], n=12)])
    assert list(df.columns[:5]) == ["model", "dataset", "split", "augment", "seed"]
    assert "confusion" not in df.columns and "n" in df.columns
    assert len(df) == 8


@pytest.mark.parametrize(
    "bad, match",
    [
        ([{"model": "x", "dataset": "d", "split": "random", "seed": 0}], "augment"),
        ([_record("a", 0, 0.5), _record("a", 0, 0.6)], "repeat"),
    ],
)
def test_collect_metrics_rejects_bad_records(bad, match):
    with pytest.raises(MotivicError, match=match):
        collect_metrics(bad)


def test_table1_mean_and_std_over_seeds(records):
    t = table1(collect_metrics(records))
    assert list(t.columns[:4]) == ["model", "dataset", "split", "n_seeds"]
    assert t["model"].tolist() == ["crnn", "reslstm"]
    res = t[t["model"] == "reslstm"].iloc[0]
    assert res["n_seeds"] == 3
    assert res["accuracy"] == pytest.approx(np.mean([0.8, 0.9, 0.7]))
    assert res["accuracy_std"] == pytest.approx(np.std([0.8, 0.9, 0.7], ddof=1))
    assert res["auc"] == pytest.approx(0.9)
    crnn = t[t["model"] == "crnn"].iloc[0]
    assert np.isnan(crnn["accuracy_std"])  # a single seed has no spread
    timed = table1(collect_metrics(records), augment="time")
    assert timed["accuracy"].tolist() == pytest.approx([0.9])
    with pytest.raises(MotivicError, match="augment"):
        table1(collect_metrics(records), augment="frequency")


def test_table1_fills_missing_metrics_with_nan():
    df = collect_metrics(
        [
            {
                "model": "svm",
                "dataset": "d",
                "split": "random",
                "augment": "none",
                "seed": 0,
                "accuracy": 0.5,
            }
        ]
    )
    t = table1(df)
    assert t["accuracy"].iloc[0] == 0.5 and np.isnan(t["vote_accuracy"].iloc[0])


def test_table2_models_by_policy(records):
    t = table2(collect_metrics(records))
    assert [c for c in t.columns if not c.endswith("_std")] == [
        "model",
        "dataset",
        "split",
        "none",
        "time",
        "both",
    ]
    res = t[t["model"] == "reslstm"].iloc[0]
    assert res["none"] == pytest.approx(0.8) and res["time"] == pytest.approx(0.9)
    assert np.isnan(res["both"])
    crnn = t[t["model"] == "crnn"].iloc[0]
    assert crnn["both"] == pytest.approx(0.65) and np.isnan(crnn["time"])
    with pytest.raises(MotivicError, match="metric"):
        table2(collect_metrics(records), metric="bleu")


def test_markdown_shows_mean_plus_minus_std_with_three_decimals():
    df = pd.DataFrame(
        {
            "model": ["a", "b"],
            "n_seeds": [2, 1],
            "accuracy": [0.81234, 0.5],
            "accuracy_std": [0.01449, np.nan],
            "auc": [np.nan, 0.25],
        }
    )
    md = format_markdown(df).splitlines()
    assert md[0] == "| model | n_seeds | accuracy | auc |"
    assert md[1] == "| :--- | ---: | ---: | ---: |"
    assert md[2] == "| a | 2 | 0.812 ± 0.014 | – |"
    assert md[3] == "| b | 1 | 0.500 | 0.250 |"


def test_write_table_writes_csv_and_markdown(tmp_path, records):
    t = table1(collect_metrics(records))
    write_table(t, tmp_path / "t1.csv", tmp_path / "t1.md")
    back = pd.read_csv(tmp_path / "t1.csv")
    assert list(back.columns) == list(t.columns)
    text = (tmp_path / "t1.csv").read_text()
    assert "0.800" in text and "0.8000" not in text
    md = (tmp_path / "t1.md").read_text()
    assert "0.800 ± 0.100" in md
    write_table(t, tmp_path / "t1.tsv", tmp_path / "t1b.md")
    assert pd.read_csv(tmp_path / "t1.tsv", sep="\t").shape == t.shape
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary files left behind


def test_figures_are_written(tmp_path):
    plot_confusion(np.array([[5, 1], [2, 7]]), ["motif", "control"], tmp_path / "cm.png", title="x")
    frame = pd.DataFrame(
        {
            "epoch": [1, 2, 3],
            "train_loss": [1.0, 0.7, 0.5],
            "val_loss": [1.1, 0.8, 0.9],
            "val_accuracy": [0.5, 0.7, 0.6],
        }
    )
    plot_curves(frame, tmp_path / "curves.png")
    for name in ("cm.png", "curves.png"):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
    with pytest.raises(MotivicError, match="shape"):
        plot_confusion(np.ones((2, 3)), ["a", "b"], tmp_path / "bad.png")
    with pytest.raises(MotivicError, match="val_loss"):
        plot_curves(frame.drop(columns="val_loss"), tmp_path / "bad.png")


def test_table1_without_policy_filter_keeps_every_run_in_the_given_order(records):
    frame = collect_metrics(
        records[:4] + [_record("mfcc_svm", 0, 0.5), _record("crnn", 0, 0.7, split="group")]
    )
    order = {"split": ["random", "group"], "model": ["reslstm", "crnn", "mfcc_svm"]}
    t = table1(frame, augment=None, order=order)
    assert list(zip(t["split"], t["model"])) == [
        ("random", "reslstm"),
        ("random", "crnn"),
        ("random", "mfcc_svm"),
        ("group", "crnn"),
    ]


def test_order_rows_puts_unlisted_values_last_sorted():
    df = pd.DataFrame({"model": ["b", "z", "a", "x"], "v": [1, 2, 3, 4]})
    assert order_rows(df, ["model"], {"model": ["x"]})["model"].tolist() == ["x", "a", "b", "z"]


def test_markdown_sections_one_table_per_split(tmp_path, records):
    frame = collect_metrics(records[:4] + [_record("crnn", 0, 0.7, split="group")])
    t = table1(frame, order={"split": ["random", "group"]})
    write_table(
        t, tmp_path / "t.csv", tmp_path / "t.md", sections_by="split", headings={"group": "Honest"}
    )
    text = (tmp_path / "t.md").read_text()
    assert text.index("### split: random") < text.index("### Honest")
    random_part, group_part = text.split("### Honest")
    assert "| split |" not in text and group_part.count("| crnn |") == 1
    assert random_part.count("| reslstm |") == 1
    assert len(pd.read_csv(tmp_path / "t.csv")) == 3  # the CSV keeps every row and the split column
    with pytest.raises(MotivicError, match="by='fold'"):
        format_sections(t, by="fold")
