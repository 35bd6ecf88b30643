"""Tests for motivic.splits: every strategy, grouped validation, sat-out labels, no temporal leakage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motivic import splits
from motivic.core.errors import MotivicError
from motivic.corpus.clips import CLIP_LEVEL_STRATEGIES

# the clip-level strategies let nested cuts straddle on purpose (tests/unit/test_passages.py)
RECORDING_STRATEGIES = [s for s in splits.STRATEGIES if s not in CLIP_LEVEL_STRATEGIES]


def _segments(n_labels=3, recordings_per_label=6, per_recording=5, overlap=False, seed=0):
    """Segments of recordings ``L{l}r{i}`` (singer ``s{i % 3}`` sings every label)."""
    rng = np.random.default_rng(seed)
    rows = []
    for li in range(n_labels):
        for r in range(recordings_per_label):
            rec = f"L{li}r{r}"
            t = 0.0
            for k in range(per_recording):
                start = t
                end = start + rng.uniform(0.5, 2.0)
                # with overlap: every other segment starts before the previous one ends
                t = end - (0.3 if overlap and k % 2 == 0 else -0.2)
                rows.append((f"{rec}:{k}", rec, f"L{li}", f"s{r % 3}", start, end))
    return pd.DataFrame(
        rows, columns=["segment_id", "recording", "label", "singer", "start_s", "end_s"]
    )


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    return min(a_end, b_end) - max(a_start, b_start) > 1e-9


def _assert_no_train_test_overlap(segs: pd.DataFrame, parts: pd.Series) -> None:
    """No test segment shares audio time with a training (or validation) segment of its recording."""
    for idx in segs.groupby("recording").groups.values():
        test = [i for i in idx if parts[i] == "test"]
        fit = [i for i in idx if parts[i] in ("train", "val")]
        for i in test:
            for j in fit:
                assert not _overlaps(
                    segs.start_s[i], segs.end_s[i], segs.start_s[j], segs.end_s[j]
                ), f"{segs.segment_id[i]} (test) overlaps {segs.segment_id[j]} ({parts[j]})"


@pytest.mark.parametrize("strategy", RECORDING_STRATEGIES)
def test_no_test_segment_overlaps_a_training_segment_in_any_strategy(strategy):
    segs = _segments(overlap=True)
    plan = splits.make_folds(segs, strategy=strategy, seed=1, folds=3, repeats=2)
    assert plan.n_folds == {"random": 2, "group": 2, "group_kfold": 3, "logo": 18}[strategy]
    for k in range(plan.n_folds):
        parts = plan.fold(k)
        assert set(parts) == {"train", "val", "test"}
        _assert_no_train_test_overlap(segs, parts)


def test_overlap_clusters_join_chains_and_keep_sources_apart():
    segs = pd.DataFrame(
        {
            "recording": ["a", "a", "a", "a", "b"],
            "start_s": [0.0, 0.5, 1.4, 3.0, 0.2],
            "end_s": [1.0, 1.5, 2.0, 3.5, 0.8],
        }
    )
    clusters = splits.overlap_clusters(segs)
    assert clusters[0] == clusters[1] == clusters[2]  # chained through the second segment
    assert clusters[3] != clusters[0]
    assert clusters[4] != clusters[0]  # another recording
    touching = pd.DataFrame({"recording": "a", "start_s": [0.0, 1.0], "end_s": [1.0, 2.0]})
    assert splits.overlap_clusters(touching).nunique() == 2


def test_random_split_moves_whole_overlap_clusters():
    segs = _segments(overlap=True, per_recording=6)
    clusters = splits.overlap_clusters(segs)
    assert clusters.nunique() < len(segs)  # the fixture does overlap
    for seed in range(5):
        parts = splits.assign_splits(segs, strategy="random", seed=seed)
        assert (parts.groupby(clusters).nunique() == 1).all()


@pytest.mark.parametrize("strategy", ["group_kfold", "logo"])
def test_grouped_folds_test_every_group_once_and_validate_by_group(strategy):
    segs = _segments()
    plan = splits.make_folds(segs, strategy=strategy, seed=2, folds=4)
    tested = np.zeros(len(segs), dtype=int)
    for k in range(plan.n_folds):
        parts = plan.fold(k)
        tested += (parts == "test").to_numpy()
        # validation is split by recording too: no recording in two parts of a fold
        assert (parts.groupby(segs.recording).nunique() == 1).all()
        for label in segs.label.unique():
            assert {"train", "val"} <= set(parts[segs.label == label])
    assert (tested == 1).all()  # pooled out-of-fold: every segment tested exactly once


def test_group_kfold_is_stratified_when_every_label_has_enough_groups():
    segs = _segments(recordings_per_label=6)
    plan = splits.make_folds(segs, strategy="group_kfold", folds=3, seed=0)
    assert plan.method == "StratifiedGroupKFold"
    for k in range(3):
        test = plan.fold(k) == "test"
        assert set(segs.label[test]) == {"L0", "L1", "L2"}


def test_group_kfold_falls_back_to_group_kfold_and_refuses_too_many_folds():
    segs = _segments(recordings_per_label=3)
    plan = splits.make_folds(segs, strategy="group_kfold", folds=4, seed=0)
    assert plan.method == "GroupKFold"
    with pytest.raises(MotivicError, match=r"split.folds=10 but only 9 recording"):
        splits.make_folds(segs, strategy="group_kfold", folds=10)


def test_group_column_singer_and_nesting_check():
    segs = _segments()
    segs["singer_of_recording"] = segs.singer
    plan = splits.make_folds(segs, strategy="logo", group_column="singer_of_recording")
    assert plan.n_folds == 3  # three singers, each singing every label
    for k in range(3):
        parts = plan.fold(k)
        assert (parts.groupby(segs.singer).nunique() == 1).all()
    mixed = segs.copy()
    mixed.loc[0, "singer"] = "intruder"  # one segment of L0r0 by another singer
    with pytest.raises(MotivicError, match="within recording 'L0r0'"):
        splits.make_folds(mixed, strategy="logo", group_column="singer")


@pytest.mark.parametrize("strategy", RECORDING_STRATEGIES)
def test_small_labels_sit_out_identically_in_every_fold(strategy, caplog):
    segs = _segments(n_labels=2, recordings_per_label=6)
    need = 3 if strategy in splits.HOLDOUT_STRATEGIES else 2
    few = _segments(n_labels=1, recordings_per_label=need - 1, seed=3)
    few["label"] = "rare"
    few["recording"] = "rare_" + few.recording
    few["segment_id"] = "rare_" + few.segment_id
    if strategy == "random":  # one overlap cluster per recording: 2 clusters < 3 parts
        few["start_s"], few["end_s"] = 0.0, 1.0
        few["segment_id"] = few.segment_id + few.index.astype(str)
    table = pd.concat([segs, few], ignore_index=True)
    with pytest.raises(MotivicError, match="label 'rare'"):
        splits.make_folds(table, strategy=strategy, folds=3)
    plan = splits.make_folds(table, strategy=strategy, folds=3, small_labels="exclude")
    assert list(plan.sat_out) == ["rare"] and f"fewer than the {need}" in plan.sat_out["rare"]
    assert "rare" in caplog.text
    rare = (table.label == "rare").to_numpy()
    for k in range(plan.n_folds):
        parts = plan.fold(k).to_numpy()
        assert (parts[rare] == "excluded").all()
        assert (parts[~rare] != "excluded").all()


def test_holdout_repeats_use_successive_seeds():
    segs = _segments()
    plan = splits.make_folds(segs, strategy="random", seed=4, repeats=3)
    for k in range(3):
        pd.testing.assert_series_equal(
            plan.fold(k), splits.assign_splits(segs, strategy="random", seed=4 + k)
        )
    assert not plan.fold(0).equals(plan.fold(1))


def test_write_and_load_folds_round_trip(tmp_path):
    segs = _segments()
    plan = splits.make_folds(segs, strategy="logo", seed=0)
    summary = splits.write_folds(segs, plan, tmp_path / "s.tsv", tmp_path / "s.folds.tsv")
    assert splits.read_fold_count(tmp_path / "s.folds.tsv") == plan.n_folds == 18
    assert summary.test_groups.tolist() == sorted(segs.recording.unique())
    for k in (0, 7):
        loaded = splits.load_split(tmp_path / "s.tsv", fold=k)
        assert (segs.segment_id.map(loaded).to_numpy() == plan.fold(k).to_numpy()).all()
    with pytest.raises(MotivicError, match="fold_18"):
        splits.load_split(tmp_path / "s.tsv", fold=18)


def test_fold_count_from_config():
    assert splits.fold_count({"repeats": 2}, "random") == 2
    assert splits.fold_count({}, "group") == 1
    assert splits.fold_count({"folds": 3}, "group_kfold") == 3
    assert splits.fold_count({}, "logo") is None
    with pytest.raises(MotivicError, match="strategy"):
        splits.fold_count({}, "bootstrap")


def _reference_inner_validation_ok(labels, keys, parts) -> bool:
    """Reference check: groups whole, every label still trained on."""
    frame = pd.DataFrame({"label": labels, "key": keys, "part": parts})
    whole = (frame.groupby("key").part.nunique() == 1).all()
    trained = set(frame.label[frame.part == "train"]) == set(frame.label)
    return bool(whole and trained)


@settings(max_examples=60, deadline=None)
@given(
    groups=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 6)), min_size=2, max_size=12),
    fraction=st.floats(0.1, 0.6),
    seed=st.integers(0, 1000),
)
def test_inner_validation_property(groups, fraction, seed):
    labels, keys = [], []
    for g, (label, n) in enumerate(groups):
        labels += [f"l{label}"] * n
        keys += [f"g{g}"] * n
    labels, keys = pd.Series(labels), pd.Series(keys)
    parts = splits.inner_validation(
        labels, keys, val_fraction=fraction, rng=np.random.default_rng(seed)
    )
    assert _reference_inner_validation_ok(labels, keys, parts)
    # a label with >= 2 groups gets a validation group
    per_label = pd.Series(keys).groupby(labels).nunique()
    for label, n in per_label.items():
        if n >= 2:
            assert "val" in set(parts[(labels == label).to_numpy()])


def test_a_label_with_two_groups_takes_part_in_logo_without_a_validation_group():
    segs = _segments(n_labels=2, recordings_per_label=4)
    pair = _segments(n_labels=1, recordings_per_label=2, seed=5)
    pair["label"], pair["recording"] = "pair", "pair_" + pair.recording
    pair["segment_id"] = "pair_" + pair.segment_id
    table = pd.concat([segs, pair], ignore_index=True)
    plan = splits.make_folds(table, strategy="logo")
    assert plan.sat_out == {} and plan.n_folds == 10
    is_pair = (table.label == "pair").to_numpy()
    for k in range(plan.n_folds):
        parts = plan.fold(k).to_numpy()
        if "test" in set(parts[is_pair]):
            assert set(parts[is_pair]) == {"test", "train"}
