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


# ---------------------------------------------------------------------------
# strategy names, one plan per comparison, motif-holding-out folds
# ---------------------------------------------------------------------------


def _with_motifs(segs: pd.DataFrame, n_motifs: int = 4, seed: int = 0) -> pd.DataFrame:
    """Give every segment one or two motif ids of its label (``L0m0`` …), shared across recordings."""
    rng = np.random.default_rng(seed)
    ids = []
    for label in segs.label:
        chosen = rng.choice(n_motifs, size=rng.integers(1, 3), replace=False)
        ids.append(";".join(sorted(f"{label}m{m}" for m in chosen)))
    return segs.assign(motif_id=[i.split(";")[0] for i in ids], motif_ids=ids)


def _controls(segs: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """A control table of the same recordings: other segment counts and times, no motif ids."""
    rng = np.random.default_rng(seed)
    rows = []
    for rec, part in segs.groupby("recording", sort=True):
        for k in range(int(rng.integers(1, 5))):
            start = 100.0 + 3 * k
            rows.append(
                (f"{rec}:c{k}", rec, part.label.iloc[0], part.singer.iloc[0], start, start + 1.0)
            )
    return pd.DataFrame(
        rows, columns=["segment_id", "recording", "label", "singer", "start_s", "end_s"]
    ).assign(motif_id="")


def _recording_sets(segs: pd.DataFrame, parts: pd.Series) -> dict[str, set]:
    return {p: set(segs.recording[(parts == p).to_numpy()]) for p in ("train", "val", "test")}


def test_parse_strategy_names():
    spec = splits.parse_strategy("motif_group_kfold_by_singer")
    assert (spec.base, spec.group_column, spec.hold_out_motifs) == ("group_kfold", "singer", True)
    assert splits.parse_strategy("logo").group_column is None
    assert splits.parse_strategy("random").within_recording
    assert not splits.parse_strategy("logo_by_singer").within_recording
    for bad in ("motif_random", "random_by_singer", "kfold", "logo_by_", "motif_"):
        with pytest.raises(MotivicError, match="split strategy"):
            splits.parse_strategy(bad)
    assert splits.fold_count({"folds": 3}, "motif_group_kfold") == 3
    assert splits.fold_count({}, "logo_by_singer") is None
    # a _by_ name sets its own column: editing split.group_column reruns nothing of it
    cfg = {"group_column": "recording", "seed": 1}
    assert splits.strategy_params(cfg, "logo_by_singer")["group_column"] == "singer"
    assert splits.strategy_params(cfg, "logo")["group_column"] == "recording"


@pytest.mark.parametrize(
    "strategy", ["group", "group_kfold", "logo", "motif_group_kfold", "logo_by_singer"]
)
def test_one_plan_gives_both_datasets_the_same_recording_sets_per_fold(strategy):
    motivic = _with_motifs(_segments())
    control = _controls(motivic)
    plan = splits.make_plan(
        {"motivic": motivic, "nonmotivic": control}, strategy=strategy, folds=3, seed=2
    )
    a = splits.apply_plan(motivic, plan, "motivic")
    b = splits.apply_plan(control, plan, "nonmotivic")
    assert a.n_folds == b.n_folds == plan.n_folds >= 1
    for k in range(plan.n_folds):
        roles = plan.roles(k)
        rec_a, rec_b = _recording_sets(motivic, a.fold(k)), _recording_sets(control, b.fold(k))
        column = plan.group_column
        for part in ("train", "val", "test"):
            units = {u for u, p in roles.items() if p == part}
            assert units, (strategy, k, part)
            expected = set(control.recording[control[column].isin(units)])
            # the control side follows the plan exactly ...
            assert rec_b[part] == expected
            # ... and the motivic side too, but for segments a motif_ split leaves out
            if splits.parse_strategy(strategy).hold_out_motifs:
                assert rec_a[part] <= expected
            else:
                assert rec_a[part] == expected
        assert rec_a["test"] == rec_b["test"]


def test_plan_differs_from_per_dataset_draws_and_is_reproducible():
    motivic = _with_motifs(_segments())
    control = _controls(motivic)
    tables = {"motivic": motivic, "nonmotivic": control}
    one = splits.make_plan(tables, strategy="group_kfold", folds=3, seed=4)
    two = splits.make_plan(tables, strategy="group_kfold", folds=3, seed=4)
    pd.testing.assert_frame_equal(one.units, two.units)
    assert set(one.units.dataset) == {"*"}
    assert set(one.units.unit) == set(motivic.recording)


def test_random_plan_draws_each_dataset_on_its_own():
    motivic = _with_motifs(_segments(overlap=True))
    control = _controls(motivic)
    plan = splits.make_plan(
        {"motivic": motivic, "nonmotivic": control}, strategy="random", seed=3, repeats=2
    )
    assert plan.n_folds == 2 and set(plan.units.dataset) == {"motivic", "nonmotivic"}
    for k in range(2):
        expected = splits.make_folds(motivic, strategy="random", seed=3, repeats=2).fold(k)
        got = splits.apply_plan(motivic, plan, "motivic").fold(k)
        assert (got.to_numpy() == expected.to_numpy()).all()


@pytest.mark.parametrize("strategy", ["motif_group_kfold", "motif_logo", "motif_group"])
def test_motif_strategies_keep_every_occurrence_of_a_tested_motif_out_of_training(strategy):
    motivic = _with_motifs(_segments(recordings_per_label=6), n_motifs=5)
    plan = splits.make_plan({"motivic": motivic}, strategy=strategy, folds=3, seed=0)
    base = splits.make_plan(
        {"motivic": motivic}, strategy=strategy.removeprefix("motif_"), folds=3, seed=0
    )
    folds = splits.apply_plan(motivic, plan, "motivic")
    unmasked = splits.apply_plan(motivic, base, "motivic")
    motifs = splits.segment_motifs(motivic)
    dropped = 0
    for k in range(plan.n_folds):
        parts = folds.fold(k).to_numpy()
        tested = set().union(*(m for m, p in zip(motifs, parts) if p == "test"))
        for m, p in zip(motifs, parts):
            if p in ("train", "val"):
                assert not m & tested  # no occurrence of a tested motif is fitted or validated on
        # the recording folds are the base strategy's; only train/val segments are dropped
        before = unmasked.fold(k).to_numpy()
        assert ((parts == before) | ((parts == "excluded") & (before != "test"))).all()
        dropped += int((parts == "excluded").sum())
    assert dropped > 0  # the fixture's motifs recur across recordings


def test_merged_segment_holds_out_all_its_motifs():
    # recording a's merged segment carries m1 and m2: testing b (m2) must drop it from training
    segs = pd.DataFrame(
        {
            "segment_id": ["a:0", "b:0", "c:0", "d:0", "e:0", "f:0"],
            "recording": ["a", "b", "c", "d", "e", "f"],
            "label": ["x", "x", "x", "y", "y", "y"],
            "motif_id": ["m1", "m2", "m3", "n1", "n2", "n3"],
            "motif_ids": ["m1;m2", "m2", "m3", "n1", "n2", "n3"],
            "start_s": 0.0,
            "end_s": 1.0,
        }
    )
    plan = splits.make_plan({"motivic": segs}, strategy="motif_logo", seed=0)
    folds = splits.apply_plan(segs, plan, "motivic")
    for k in range(plan.n_folds):
        parts = dict(zip(segs.segment_id, folds.fold(k)))
        if parts["b:0"] == "test":
            assert parts["a:0"] == "excluded"
        if parts["a:0"] == "test":
            assert parts["b:0"] == "excluded"


def test_plan_round_trips_and_refuses_foreign_segments(tmp_path):
    motivic = _with_motifs(_segments())
    plan = splits.make_plan({"motivic": motivic}, strategy="motif_logo_by_singer", seed=0)
    summary = splits.write_plan(plan, tmp_path / "p.tsv", tmp_path / "p.folds.tsv")
    assert splits.read_fold_count(tmp_path / "p.folds.tsv") == plan.n_folds == 3
    assert summary.test_groups.tolist() == ["s0", "s1", "s2"]
    loaded = splits.read_plan(tmp_path / "p.tsv", tmp_path / "p.folds.tsv")
    assert loaded.strategy == plan.strategy and loaded.group_column == "singer"
    for k in range(plan.n_folds):
        assert loaded.roles(k) == plan.roles(k)
        pd.testing.assert_series_equal(
            splits.apply_plan(motivic, loaded, "motivic").fold(k),
            splits.apply_plan(motivic, plan, "motivic").fold(k),
        )
    stranger = motivic.assign(singer="s9")
    with pytest.raises(MotivicError, match="not in the plan"):
        splits.apply_plan(stranger, plan, "motivic")


def test_a_label_sitting_out_is_excluded_even_inside_a_unit_that_takes_part():
    # singer s0 also sings "rare", whose only singer it is: rare sits out of leave-one-singer-out,
    # but s0's other segments are tested in its fold
    segs = _segments(n_labels=2, recordings_per_label=6)
    rare = segs[segs.recording == "L0r0"].assign(
        label="rare", recording="rare_r0", segment_id=lambda d: "rare_" + d.segment_id
    )
    table = pd.concat([segs, rare], ignore_index=True)
    plan = splits.make_plan(
        {"motivic": table}, strategy="logo_by_singer", small_labels="exclude", seed=0
    )
    assert list(plan.sat_out) == ["rare"]
    folds = splits.apply_plan(table, plan, "motivic")
    for k in range(plan.n_folds):
        parts = folds.fold(k)
        assert (parts[table.label == "rare"] == "excluded").all()
        assert (parts[table.label != "rare"] != "excluded").all()


def test_units_missing_from_a_dataset_sit_out_so_no_fold_leaves_a_dataset_empty(tmp_path):
    # L0r0 got no control segment (e.g. too short to place one): leave-one-recording-out would
    # otherwise have a fold without any non-motivic test segment
    motivic = _with_motifs(_segments())
    control = _controls(motivic)
    control = control[control.recording != "L0r0"].reset_index(drop=True)
    plan = splits.make_plan({"motivic": motivic, "nonmotivic": control}, strategy="logo")
    assert plan.unshared == ["L0r0"] and plan.n_folds == motivic.recording.nunique() - 1
    for dataset, table in (("motivic", motivic), ("nonmotivic", control)):
        folds = splits.apply_plan(table, plan, dataset)
        splits.write_folds(table, folds, tmp_path / "f.tsv", tmp_path / "f.folds.tsv")
        for k in range(plan.n_folds):
            parts = folds.fold(k)
            assert (parts[table.recording == "L0r0"] == "excluded").all()
            assert {"train", "val", "test"} <= set(parts)
    splits.write_plan(plan, tmp_path / "p.tsv", tmp_path / "p.folds.tsv")
    assert splits.read_plan(tmp_path / "p.tsv", tmp_path / "p.folds.tsv").unshared == ["L0r0"]


def test_a_shared_plan_keeps_clip_passages_whole():
    # clips of two recordings share a passage: the grouped plan must join their recordings
    segs = _with_motifs(_segments())
    segs["passage"] = segs["segment_id"]
    both = segs.recording.isin(["L0r0", "L0r1"])
    segs.loc[both, "passage"] = "shared"
    plan = splits.make_plan({"motivic": segs}, strategy="logo", seed=0)
    folds = splits.apply_plan(segs, plan, "motivic")
    for k in range(plan.n_folds):
        assert folds.fold(k)[both].nunique() == 1
