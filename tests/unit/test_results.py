"""Tests for motivic.report.tables and motivic.report.markdown: pooled rows, per-recording outcomes, seeds, AUC."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from motivic.core import metrics, resampling
from motivic.core.errors import MotivicError
from motivic.report import markdown, tables

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
    table, classes, confusions, per_recording = tables.pool_cells(runs, n_boot=200, seed=1)
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
    # per recording, over both seeds: r1 has segments a, a (seed 0 gets the second wrong)
    r1 = per_recording.set_index("recording").loc["r1"]
    assert (r1.label, r1.n_segments, r1.n_predictions, r1.n_correct) == ("a", 2, 4, 3)
    assert r1.accuracy == pytest.approx(0.75) and r1.vote == "a" and r1.vote_correct
    assert len(per_recording) == 4 and per_recording["n_predictions"].sum() == 12
    assert row.n_votes_right == per_recording["vote_correct"].sum()


def test_pool_cells_rejects_a_repeated_fold_and_seed():
    pred = _predictions(["r1", "r2"], ["a", "b"], ["a", "b"])
    runs = [_run("m", "motivic", "random", 0, 0, pred)] * 2
    with pytest.raises(MotivicError, match="same fold and seed"):
        tables.pool_cells(runs, n_boot=100)


def test_interval_narrows_with_more_recordings():
    rng = np.random.default_rng(0)

    def width(n_rec):
        recs = np.repeat([f"r{i}" for i in range(n_rec)], 10)
        truth = np.repeat(np.arange(n_rec) % 2, 10)
        # recordings differ in difficulty: accuracy 0.4 ... 1.0
        p_right = np.repeat(np.linspace(0.4, 1.0, n_rec), 10)
        pred = np.where(rng.random(recs.size) < p_right, truth, 1 - truth)
        ci = resampling.recording_bootstrap(
            recs, truth, pred, n_classes=2, n_boot=500, rng=np.random.default_rng(1)
        )
        return ci["accuracy_ci_high"] - ci["accuracy_ci_low"]

    assert width(40) < width(4)


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
    assert row.boot_share_le0 == 0.0
    # one difference per shared recording: 1 - 0.5 each, 10 recordings: exact, p = 2^-10
    assert row.mean_recording_diff == pytest.approx(0.5) and row.sign_flip_exact
    assert row.p_sign_flip == pytest.approx(2.0**-10) and row.n_flips == 2**10
    assert row.n_motivic == row.n_nonmotivic == 30
    text = markdown.format_comparison(table)
    assert "share of resamples with diff ≤ 0" in text and "not a p-value" in text
    assert "P(diff" not in text
    assert "Rows of split `random` are within-recording figures" in text
    grouped = markdown.format_comparison(table.assign(split="motif_group_kfold"))
    assert "within-recording" not in grouped


def test_format_pooled_shows_intervals_and_counts():
    pred = _predictions(["r1", "r2", "r3"], ["a", "b", "a"], ["a", "b", "b"])
    table, _, _, _ = tables.pool_cells([_run("m", "motivic", "logo", 0, 0, pred)], n_boot=100)
    text = markdown.format_pooled(table, headings={"logo": "Leave one out"})
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


def _cells(models):
    runs = []
    for model in models:
        for dataset in ("motivic", "nonmotivic"):
            for fold in (0, 1):
                recs = [f"r{fold}{i // 3}" for i in range(12)]
                truth = ["a", "b"] * 6
                predicted = [t if (i + fold + len(model)) % 4 else "b" for i, t in enumerate(truth)]
                pred = _predictions(recs, truth, predicted, prefix=f"{dataset}{fold}_")
                runs.append(_run(model, dataset, "group_kfold", fold, 0, pred))
    return runs


def test_adding_a_row_moves_no_other_rows_interval():
    columns = ["accuracy_ci_low", "accuracy_ci_high", "balanced_accuracy_ci_low"]
    before, _, _, _ = tables.pool_cells(_cells(["m", "z"]), n_boot=200, seed=5)
    after, _, _, _ = tables.pool_cells(_cells(["a", "m", "z"]), n_boot=200, seed=5)
    assert list(after.model) == ["a", "a", "m", "m", "z", "z"]  # the new rows sort first
    pd.testing.assert_frame_equal(
        before[columns].reset_index(drop=True),
        after[after.model != "a"][columns].reset_index(drop=True),
    )
    reseeded, _, _, _ = tables.pool_cells(_cells(["m", "z"]), n_boot=200, seed=6)
    assert not reseeded[columns].equals(before[columns])  # the draws do depend on report.seed
    compare = ["accuracy_diff_ci_low", "accuracy_diff_ci_high", "boot_share_le0"]
    kwargs = {"n_boot": 200, "permutations": 1000, "seed": 5}
    before = tables.motivic_vs_control(_cells(["m", "z"]), **kwargs)
    after = tables.motivic_vs_control(_cells(["a", "m", "z"]), **kwargs)
    pd.testing.assert_frame_equal(
        before[compare].reset_index(drop=True),
        after[after.model != "a"][compare].reset_index(drop=True),
    )


def test_row_rng_depends_on_the_key_not_its_order():
    one = tables.row_rng({"model": "m", "split": "s"}, 3, "bootstrap").integers(0, 10**9, 4)
    same = tables.row_rng({"split": "s", "model": "m"}, 3, "bootstrap").integers(0, 10**9, 4)
    other = tables.row_rng({"model": "n", "split": "s"}, 3, "bootstrap").integers(0, 10**9, 4)
    purpose = tables.row_rng({"model": "m", "split": "s"}, 3, "sign_flip").integers(0, 10**9, 4)
    np.testing.assert_array_equal(one, same)
    assert not np.array_equal(one, other) and not np.array_equal(one, purpose)


def test_pooled_auc_is_na_when_a_run_tests_a_single_class():
    # leave one recording out: every run's test set is one recording of one class
    single = []
    for fold, (rec, label) in enumerate((("r1", "a"), ("r2", "b"), ("r3", "a"))):
        pred = _predictions([rec] * 3, [label] * 3, ["a", "b", label], prefix=f"f{fold}_")
        single.append(_run("m", "motivic", "logo", fold, 0, pred))
    # two folds whose test sets both hold both classes
    both = []
    for fold in (0, 1):
        pred = _predictions(
            ["r1", "r1", "r2", "r2"], ["a", "a", "b", "b"], ["a", "b", "b", "a"], prefix=f"g{fold}_"
        )
        pred["p_a"] = [0.9, 0.4, 0.2, 0.6] if fold == 0 else [0.7, 0.6, 0.1, 0.2]
        pred["p_b"] = 1 - pred["p_a"]
        both.append(_run("m", "motivic", "group_kfold", fold, 0, pred))
    table, _, _, _ = tables.pool_cells(single + both, n_boot=100)
    by_split = table.set_index("split")
    assert np.isnan(by_split.loc["logo", "auc"]) and by_split.loc["logo", "auc_runs_n"] == 0
    assert "3 of 3 runs test a single class" in by_split.loc["logo", "auc_note"]
    row = by_split.loc["group_kfold"]
    per_run = [
        metrics.roc_auc_binary(np.array([1, 1, 0, 0], bool), p)
        for p in ([0.9, 0.4, 0.2, 0.6], [0.7, 0.6, 0.1, 0.2])
    ]
    assert row.auc_runs == pytest.approx(np.mean(per_run)) and row.auc_runs_n == 2
    assert row.auc_runs_std == pytest.approx(np.std(per_run, ddof=1))
    assert np.isfinite(row.auc) and row.auc_note == ""
    text = markdown.format_pooled(table)
    assert "| n/a | n/a |" in text and "AUC notes:" in text and "pooled AUC n/a" in text


def test_recording_groups_reads_a_column_constant_per_recording():
    table = pd.DataFrame(
        {"recording": ["r1", "r1", "r2"], "singer": ["A", "A", "B"], "take": ["1", "2", "1"]}
    )
    assert tables.recording_groups(table, "singer") == {"r1": "A", "r2": "B"}
    with pytest.raises(MotivicError, match="varies within 1 recording"):
        tables.recording_groups(table, "take")
    with pytest.raises(MotivicError, match="no \\['style'\\] column"):
        tables.recording_groups(table, "style")


def test_pool_cells_with_groups_counts_the_groups():
    runs = _cells(["m"])
    groups = {f"r{f}{i}": f"singer{i % 2}" for f in (0, 1) for i in range(4)}
    table, _, _, _ = tables.pool_cells(runs, groups=groups, n_boot=100)
    assert set(table.n_boot_groups) == {2}
    text = markdown.format_pooled(table, bootstrap_group="singer")
    assert "two-stage bootstrap: `singer` groups" in text


def test_order_rows_puts_unlisted_values_last_sorted():
    df = pd.DataFrame({"model": ["b", "z", "a", "x"], "v": [1, 2, 3, 4]})
    assert markdown.order_rows(df, ["model"], {"model": ["x"]})["model"].tolist() == ["x", "a", "b", "z"]


def test_split_headings_label_random_rows_within_recording_and_spell_out_names():
    assert "within-recording figures" in markdown.split_heading("random")
    heading = markdown.split_heading("motif_logo_by_singer")
    assert "`motif_logo_by_singer`" in heading and "grouped by `singer`" in heading
    assert "tested motif kept out of training" in heading
    assert "within-recording" not in markdown.split_heading("group_kfold")


def test_run_table_has_one_row_per_run_with_priors_epochs_and_balanced_accuracies():
    runs = []
    for fold in (1, 0):
        pred = _predictions(["r1", "r2"], ["a", "b"], ["a", "a"], prefix=f"f{fold}_")
        run = _run("net", "motivic", "logo", fold, 0, pred)
        run.metrics.update(
            best_epoch=3 + fold,
            train_balanced_accuracy=0.9,
            val_balanced_accuracy=0.6 + fold / 10,
            balanced_accuracy=0.5,
            n_train=40,
            train_class_priors={"a": 0.25, "b": 0.75},
        )
        runs.append(run)
    runs.append(_run("svm", "motivic", "logo", 0, 0, _predictions(["r1"], ["a"], ["a"])))
    table = tables.run_table(runs, ["model", "dataset", "split"])
    assert len(table) == 3
    assert list(table.columns[:3]) == ["model", "dataset", "split"]
    assert set(tables.RUN_FIELDS) <= set(table.columns)
    nets = table[table.model == "net"]
    assert nets.fold.tolist() == [0, 1]  # sorted by fold within a cell
    assert nets.best_epoch.tolist() == [3, 4]
    assert nets.val_balanced_accuracy.tolist() == pytest.approx([0.6, 0.7])
    assert (nets.train_class_priors == "a 0.250; b 0.750").all()
    svm = table[table.model == "svm"].iloc[0]
    assert np.isnan(svm.best_epoch) and svm.train_class_priors == ""
