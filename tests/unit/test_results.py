"""Tests for motivic.report.tables and the recording bootstraps of motivic.core.metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motivic.core import metrics
from motivic.core.errors import MotivicError
from motivic.report import tables

LABELS = ("a", "b")


def _predictions(recordings, truth, predicted, *, prefix="s"):
    rows = []
    for i, (rec, t, p) in enumerate(zip(recordings, truth, predicted)):
        row = {"segment_id": f"{prefix}{i}", "recording": rec, "label": t, "predicted": p}
        for name in LABELS:
            row[f"p_{name}"] = 0.9 if name == p else 0.1
        rows.append(row)
    return pd.DataFrame(rows)


def _run(model, dataset, split, fold, seed, pred, accuracy=None):
    acc = float((pred["label"] == pred["predicted"]).mean()) if accuracy is None else accuracy
    metrics = {
        "model": model, "dataset": dataset, "split": split, "fold": fold, "seed": seed,
        "augment": "none", "labels": list(LABELS), "accuracy": acc,
    }  # fmt: skip
    return tables.RunResult(metrics, pred)


def test_pool_cells_pools_folds_and_seeds_and_counts_them():
    runs = []
    for fold, recs in enumerate((["r1", "r1", "r2"], ["r3", "r4", "r4"])):
        for seed in (0, 1):
            truth = ["a", "a", "b"]
            predicted = ["a", "b", "b"] if seed == 0 else ["a", "a", "b"]
            pred = _predictions(recs, truth, predicted, prefix=f"f{fold}_")
            runs.append(_run("m", "motivic", "logo", fold, seed, pred))
    table, classes, confusions = tables.pool_cells(runs, n_boot=200, seed=1)
    assert len(table) == 1
    row = table.iloc[0]
    assert row.n_folds == 2 and row.n_seeds == 2 and row.n_runs == 4
    assert row.n_test_segments == 6 and row.n_predictions == 12 and row.n_test_recordings == 4
    assert row.accuracy == pytest.approx(10 / 12)  # seed 0 misses one segment per fold
    assert row.majority_rate == pytest.approx(8 / 12)
    assert row.balanced_accuracy == pytest.approx((6 / 8 + 1.0) / 2)
    assert row.accuracy_runs == pytest.approx(np.mean([2 / 3, 1.0, 2 / 3, 1.0]))
    assert row.accuracy_runs_std == pytest.approx(np.std([2 / 3, 1.0, 2 / 3, 1.0], ddof=1))
    assert row.accuracy_ci_low <= row.accuracy <= row.accuracy_ci_high
    p, r = row.precision, row.recall
    assert row.f1_paper == pytest.approx(2 * p * r / (p + r))
    assert set(classes.label) == set(LABELS)
    assert classes.set_index("label").recall["a"] == pytest.approx(6 / 8)
    assert confusions["count"].sum() == 12
    assert confusions.query("true == 'a' and predicted == 'b'")["count"].item() == 2


def test_pool_cells_rejects_a_repeated_fold_and_seed():
    pred = _predictions(["r1", "r2"], ["a", "b"], ["a", "b"])
    runs = [_run("m", "motivic", "random", 0, 0, pred)] * 2
    with pytest.raises(MotivicError, match="same fold and seed"):
        tables.pool_cells(runs, n_boot=100)


def test_interval_narrows_with_more_recordings():
    rng = np.random.default_rng(0)

    def width(n_rec):
        recs = np.repeat([f"r{i}" for i in range(n_rec)], 10)
        truth = rng.integers(0, 2, recs.size)
        # recordings differ in difficulty: accuracy 0.4 ... 1.0
        p_right = np.repeat(np.linspace(0.4, 1.0, n_rec), 10)
        pred = np.where(rng.random(recs.size) < p_right, truth, 1 - truth)
        ci = metrics.recording_bootstrap(
            recs, truth, pred, n_classes=2, n_boot=500, rng=np.random.default_rng(1)
        )
        return ci["accuracy_ci_high"] - ci["accuracy_ci_low"]

    assert width(40) < width(4)


def _reference_accuracies(draws, recordings, y_true, y_pred, n_classes):
    """Loop reference: rebuild each resample by concatenating the drawn recordings' predictions."""
    ids = np.unique(recordings)
    acc, bal = [], []
    for row in draws.indices:
        keep = np.concatenate([np.flatnonzero(recordings == ids[g]) for g in row])
        t, p = y_true[keep], y_pred[keep]
        acc.append(np.mean(t == p))
        recalls = [np.mean(p[t == c] == c) for c in range(n_classes) if np.any(t == c)]
        bal.append(np.mean(recalls))
    return np.array(acc), np.array(bal)


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=40
    ),
    seed=st.integers(0, 1000),
)
def test_vectorised_bootstrap_matches_the_reference_loop(data, seed):
    recordings = np.array([f"r{r}" for r, _, _ in data])
    y_true = np.array([t for _, t, _ in data])
    y_pred = np.array([p for _, _, p in data])
    _, n, hit = metrics._per_group_counts(recordings, y_true, y_pred, 3)
    draws = metrics.BootstrapDraws(n.shape[0], 25, np.random.default_rng(seed))
    fast_acc, fast_bal = metrics._accuracies(draws, n, hit)
    ref_acc, ref_bal = _reference_accuracies(draws, recordings, y_true, y_pred, 3)
    np.testing.assert_allclose(fast_acc, ref_acc)
    np.testing.assert_allclose(fast_bal, ref_bal)


def test_motivic_vs_control_pairs_on_shared_recordings():
    recs = [f"r{i // 3}" for i in range(30)]
    truth = ["a", "b"] * 15
    good = _predictions(recs, truth, truth)  # motivic: all right
    wrong = ["b" if t == "a" else "a" for t in truth]
    half = _predictions(
        recs, truth, [w if i % 2 else t for i, (t, w) in enumerate(zip(truth, wrong))]
    )
    extra = _predictions(["only_control"] * 4, ["a"] * 4, ["a"] * 4, prefix="x")
    runs = [
        _run("m", "motivic", "random", 0, 0, good),
        _run("m", "nonmotivic", "random", 0, 0, pd.concat([half, extra], ignore_index=True)),
        _run("other", "motivic", "random", 0, 0, good),  # no control run: no row
    ]
    table = tables.motivic_vs_control(runs, n_boot=300, seed=0)
    assert len(table) == 1
    row = table.iloc[0]
    assert row.n_recordings == 10  # the control-only recording is left out
    assert row.accuracy_motivic == 1.0 and row.accuracy_nonmotivic == pytest.approx(0.5)
    assert row.accuracy_diff == pytest.approx(0.5)
    assert 0 < row.accuracy_diff_ci_low <= 0.5 <= row.accuracy_diff_ci_high
    assert row.p_not_greater == 0.0
    assert row.n_motivic == row.n_nonmotivic == 30
    assert "difference" in tables.format_comparison(table)


def test_format_pooled_shows_intervals_and_counts():
    pred = _predictions(["r1", "r2", "r3"], ["a", "b", "a"], ["a", "b", "b"])
    table, _, _ = tables.pool_cells([_run("m", "motivic", "logo", 0, 0, pred)], n_boot=100)
    text = tables.format_pooled(table, headings={"logo": "Leave one out"})
    assert "### Leave one out" in text
    assert "0.667 [" in text and "3 / 3" in text and "1 × 1" in text


def test_classification_metrics_names_both_f1_definitions():
    # class 0: P = 1, R = 0.5; class 1: P = 2/3, R = 1
    y = np.array([0, 0, 1, 1])
    probs = np.eye(2)[[0, 1, 1, 1]]
    m = metrics.classification_metrics(y, probs, n_classes=2)
    p, r = (1 + 2 / 3) / 2, (0.5 + 1) / 2
    assert m["f1_paper"] == pytest.approx(2 * p * r / (p + r))
    assert m["f1_macro"] == pytest.approx((2 / 3 + 0.8) / 2) == m["f1"]
    assert m["f1_paper"] != pytest.approx(m["f1_macro"])
    assert m["balanced_accuracy"] == pytest.approx(0.75)
    assert m["majority_rate"] == 0.5
    assert m["recall_per_class"] == [0.5, 1.0]
