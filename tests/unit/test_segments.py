"""Tests for motivic.segments.selection: motif segments, controls, voiced regions, splits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motivic.core.errors import MotivicError
from motivic.segments.selection import (
    SEGMENT_COLUMNS,
    control_segments,
    interval_overlap_s,
    motif_segments,
    voiced_intervals,
)
from motivic.splits import assign_splits, load_split, write_split

# ---------------------------------------------------------------------------
# fakes
# ---------------------------------------------------------------------------


def _occurrences() -> pd.DataFrame:
    rows = [
        # motif_id, recording, label, start, end
        ("m1", "r1", "a", 1.0, 1.6),
        ("m1", "r1", "a", 4.0, 4.4),  # 0.4 s: dropped
        ("m2", "r1", "a", 2.0, 2.5),  # exactly 0.5 s: kept
        ("m1", "r1", "a", 7.0, 8.0),
        ("m3", "r2", "b", 0.5, 1.7),
        ("m3", "r2", "b", 3.0, 3.9),
    ]
    df = pd.DataFrame(rows, columns=["motif_id", "recording", "label", "start_s", "end_s"])
    df["duration_s"] = df["end_s"] - df["start_s"]
    df["pattern"] = "1 -2 1 1 3"
    df["phrase"] = 0
    return df


def _recordings() -> pd.DataFrame:
    return pd.DataFrame({"recording": ["r1", "r2"], "label": ["a", "b"], "group": ["s1", None]})


def _covered_s(start: float, end: float, intervals, step: float = 1e-4) -> float:
    """Reference: length of [start, end) covered by any interval, by fine sampling."""
    t = np.arange(start, end, step) + step / 2
    covered = np.zeros(t.size, dtype=bool)
    for a, b in intervals:
        covered |= (t >= a) & (t < b)
    return covered.sum() * step


# ---------------------------------------------------------------------------
# motif_segments
# ---------------------------------------------------------------------------


def test_motif_segments_filters_by_duration_and_fills_groups():
    segs = motif_segments(_occurrences(), _recordings(), min_duration_s=0.5)
    assert list(segs.columns) == [*SEGMENT_COLUMNS, "motif_ids"]
    assert len(segs) == 5
    assert segs["duration_s"].min() >= 0.5
    assert 4.0 not in set(segs["start_s"])
    assert set(segs.loc[segs.recording == "r1", "group"]) == {"s1"}
    assert set(segs.loc[segs.recording == "r2", "group"]) == {"r2"}  # missing group -> recording
    assert segs["segment_id"].is_unique
    # k counts one motif's kept occurrences in time order
    r1_m1 = segs[(segs.recording == "r1") & (segs.motif_id == "m1")]
    assert list(r1_m1["segment_id"]) == ["r1:m1:0", "r1:m1:1"]
    assert list(r1_m1["start_s"]) == [1.0, 7.0]


def test_motif_segments_order_does_not_depend_on_input_order():
    occ = _occurrences()
    a = motif_segments(occ, _recordings())
    b = motif_segments(occ.sample(frac=1.0, random_state=3), _recordings())
    pd.testing.assert_frame_equal(a, b)
    assert a["recording"].is_monotonic_increasing
    for _, rec in a.groupby("recording"):
        assert rec["start_s"].is_monotonic_increasing


def test_motif_segments_without_recordings_table_uses_recording_as_group():
    segs = motif_segments(_occurrences(), None)
    assert (segs["group"] == segs["recording"]).all()


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda o: o.drop(columns="end_s"), "end_s"),
        (lambda o: o.assign(end_s=o.start_s), "end_s="),
        (lambda o: o.assign(recording="r9"), "r9"),
    ],
)
def test_motif_segments_rejects_bad_input(mutate, match):
    with pytest.raises(MotivicError, match=match):
        motif_segments(mutate(_occurrences()), _recordings())


def test_motif_segments_rejects_negative_min_duration():
    with pytest.raises(MotivicError, match="min_duration_s"):
        motif_segments(_occurrences(), _recordings(), min_duration_s=-1)


# ---------------------------------------------------------------------------
# voiced_intervals and overlap
# ---------------------------------------------------------------------------


def test_voiced_intervals_bridges_short_gaps_only():
    hop = 0.01
    times = np.arange(100) * hop
    f0 = np.zeros(100)
    f0[0:10] = 200.0  # [0.00, 0.10)
    f0[15:30] = 210.0  # gap 0.05 s < 0.15 s: merged -> [0.00, 0.30)
    f0[60:80] = 220.0  # gap 0.30 s: new interval [0.60, 0.80)
    got = voiced_intervals(times, f0, min_gap_s=0.15)
    np.testing.assert_allclose(got, [[0.0, 0.30], [0.60, 0.80]])
    split = voiced_intervals(times, f0, min_gap_s=0.01)
    assert len(split) == 3


def test_voiced_intervals_handles_unvoiced_and_bad_input():
    assert voiced_intervals(np.arange(5) * 0.01, np.zeros(5)).shape == (0, 2)
    with pytest.raises(MotivicError, match="equal length"):
        voiced_intervals(np.arange(5), np.zeros(4))
    with pytest.raises(MotivicError, match="increasing"):
        voiced_intervals(np.array([0.0, 0.02, 0.01]), np.ones(3))


@settings(max_examples=60, deadline=None)
@given(
    intervals=st.lists(st.tuples(st.floats(0, 5), st.floats(0.01, 2)), min_size=0, max_size=5).map(
        lambda xs: [(a, a + d) for a, d in xs]
    ),
    start=st.floats(0, 6),
    duration=st.floats(0.05, 3),
)
def test_interval_overlap_matches_sampled_reference(intervals, start, duration):
    from motivic.segments.selection import _union

    got = interval_overlap_s(np.array([start]), duration, _union(np.array(intervals)))[0]
    want = _covered_s(start, start + duration, intervals)
    assert abs(got - want) < 2e-3


# ---------------------------------------------------------------------------
# control_segments
# ---------------------------------------------------------------------------


def _control_inputs():
    segs = motif_segments(_occurrences(), _recordings())
    voiced = {
        "r1": np.array([[0.5, 3.0], [6.5, 12.0]]),
        "r2": np.array([[0.0, 6.0]]),
    }
    return segs, voiced


def test_control_segments_match_counts_and_durations_per_recording():
    segs, voiced = _control_inputs()
    ctrl = control_segments(segs, voiced, _recordings(), rng=np.random.default_rng(0))
    assert list(ctrl.columns) == SEGMENT_COLUMNS
    assert ctrl.attrs["unplaced"] == 0
    assert (ctrl["motif_id"] == "").all()
    assert ctrl["segment_id"].is_unique
    for rec in ("r1", "r2"):
        mine = segs[segs.recording == rec]
        theirs = ctrl[ctrl.recording == rec]
        assert len(theirs) == len(mine)
        np.testing.assert_allclose(sorted(theirs.duration_s), sorted(mine.duration_s))
        np.testing.assert_allclose(theirs.end_s - theirs.start_s, theirs.duration_s)
        assert set(theirs.label) == set(mine.label)
        assert set(theirs.group) == set(mine.group)


@pytest.mark.parametrize("max_overlap", [0.0, 0.25, 0.5])
def test_control_segments_stay_in_voiced_regions_and_limit_overlap(max_overlap):
    segs, voiced = _control_inputs()
    ctrl = control_segments(
        segs, voiced, _recordings(), max_overlap=max_overlap, rng=np.random.default_rng(1)
    )
    assert ctrl.attrs["unplaced"] == 0
    for row in ctrl.itertuples():
        v = voiced[row.recording]
        assert np.any((row.start_s >= v[:, 0] - 1e-9) & (row.end_s <= v[:, 1] + 1e-9))
        occ = segs[segs.recording == row.recording][["start_s", "end_s"]].to_numpy()
        assert _covered_s(row.start_s, row.end_s, occ) <= max_overlap * row.duration_s + 2e-3


def test_control_segments_are_deterministic_given_rng_seed():
    segs, voiced = _control_inputs()
    a = control_segments(segs, voiced, _recordings(), rng=np.random.default_rng(5))
    b = control_segments(segs, voiced, _recordings(), rng=np.random.default_rng(5))
    c = control_segments(segs, voiced, _recordings(), rng=np.random.default_rng(6))
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["start_s"], c["start_s"])


def test_control_segments_grid_fallback_finds_a_narrow_slot():
    occ = pd.DataFrame(
        {"motif_id": ["m", "m", "n"], "recording": "r", "label": "x",
         "start_s": [0.0, 5.6, 2.0], "end_s": [4.9, 10.0, 2.6]}
    )  # fmt: skip
    occ["duration_s"] = occ.end_s - occ.start_s
    segs = motif_segments(occ, None, merge_overlaps=False)  # n nested in m: kept apart here
    n_wide = int((segs.duration_s > 1).sum())
    # only the 0.6 s segment can be placed, and only with start in [4.9, 5.0]
    with pytest.warns(UserWarning, match="could not be placed"):
        ctrl = control_segments(
            segs, {"r": np.array([[0.0, 10.0]])}, None, max_overlap=0.0,
            rng=np.random.default_rng(0), max_tries=1,
        )  # fmt: skip
    assert ctrl.attrs["unplaced"] == n_wide == 2
    assert ctrl.attrs["unplaced_by_recording"] == {"r": 2}
    assert len(ctrl) == 1
    assert 4.9 - 1e-9 <= ctrl.start_s.iloc[0] <= 5.0 + 1e-9


def test_control_segments_report_unplaceable_segments_without_shrinking():
    segs, voiced = _control_inputs()
    voiced = {**voiced, "r2": np.array([[0.0, 1.0]])}  # too short for r2's 1.2 s segment
    with pytest.warns(UserWarning, match="r2"):
        ctrl = control_segments(segs, voiced, _recordings(), rng=np.random.default_rng(0))
    assert ctrl.attrs["unplaced"] >= 1
    assert ctrl.attrs["unplaced_by_recording"]["r2"] == ctrl.attrs["unplaced"]
    r2 = segs[segs.recording == "r2"].duration_s
    # the placed ones keep durations of r2's motif segments exactly
    assert set(np.round(ctrl[ctrl.recording == "r2"].duration_s, 9)) <= set(np.round(r2, 9))


def test_control_segments_avoid_given_short_occurrences_too():
    occ = _occurrences()
    segs = motif_segments(occ, _recordings())
    r1 = segs[segs.recording == "r1"]
    voiced = {"r1": np.array([[3.0, 6.9]])}  # holds the dropped 0.4 s occurrence [4.0, 4.4)
    ctrl = control_segments(
        r1, voiced, None, max_overlap=0.0, rng=np.random.default_rng(0), occurrences=occ
    )
    assert ctrl.attrs["unplaced"] == 0 and len(ctrl) == len(r1)
    occ_r1 = occ[occ.recording == "r1"][["start_s", "end_s"]].to_numpy()
    for row in ctrl.itertuples():
        assert _covered_s(row.start_s, row.end_s, occ_r1) < 2e-3


@pytest.mark.parametrize(
    "kwargs, match",
    [({"max_overlap": 1.5}, "max_overlap"), ({"max_tries": 0}, "max_tries")],
)
def test_control_segments_rejects_bad_parameters(kwargs, match):
    segs, voiced = _control_inputs()
    with pytest.raises(MotivicError, match=match):
        control_segments(segs, voiced, None, rng=np.random.default_rng(0), **kwargs)


def test_control_segments_requires_voiced_intervals_for_every_recording():
    segs, voiced = _control_inputs()
    with pytest.raises(MotivicError, match="r2"):
        control_segments(segs, {"r1": voiced["r1"]}, None, rng=np.random.default_rng(0))


# ---------------------------------------------------------------------------
# splits
# ---------------------------------------------------------------------------


def _split_table(n_per_label=(50, 23, 11), recordings_per_label=5) -> pd.DataFrame:
    rows = []
    for li, n in enumerate(n_per_label):
        for i in range(n):
            rec = f"L{li}r{i % recordings_per_label}"
            rows.append((f"{rec}:m:{i}", rec, f"L{li}", f"singer{li}-{i % 2}"))
    df = pd.DataFrame(rows, columns=["segment_id", "recording", "label", "group"])
    return df.set_index(pd.RangeIndex(100, 100 + len(df)))  # a non-default index


def test_assign_splits_random_is_stratified_by_label():
    df = _split_table()
    split = assign_splits(df, strategy="random", fractions=(0.6, 0.2, 0.2), seed=0)
    assert split.index.equals(df.index)
    assert set(split) == {"train", "val", "test"}
    for label, n in df.label.value_counts().items():
        counts = split[df.label == label].value_counts()
        for name, frac in zip(("train", "val", "test"), (0.6, 0.2, 0.2)):
            assert abs(counts.get(name, 0) - frac * n) < 1.0 + 1e-9


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(3, 40), min_size=1, max_size=4),
    train=st.floats(0.1, 0.8),
    seed=st.integers(0, 2**16),
)
def test_assign_splits_random_counts_property(sizes, train, seed):
    rest = (1 - train) / 2
    df = _split_table(tuple(sizes))
    split = assign_splits(df, fractions=(train, rest, rest), seed=seed)
    for label, n in df.label.value_counts().items():
        counts = split[df.label == label].value_counts()
        assert counts.sum() == n
        for name, frac in zip(("train", "val", "test"), (train, rest, rest)):
            assert counts.get(name, 0) >= 1  # every split gets each label
            assert abs(counts.get(name, 0) - frac * n) < 2.0


def test_assign_splits_is_deterministic_from_seed():
    df = _split_table()
    for strategy in ("random", "group"):
        a = assign_splits(df, strategy=strategy, seed=4)
        b = assign_splits(df, strategy=strategy, seed=4)
        pd.testing.assert_series_equal(a, b)
    c = assign_splits(df, strategy="random", seed=5)
    assert not c.equals(assign_splits(df, strategy="random", seed=4))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_assign_splits_group_keeps_each_recording_in_one_split(seed):
    df = _split_table()
    split = assign_splits(df, strategy="group", seed=seed)
    per_rec = split.groupby(df.recording).nunique()
    assert (per_rec == 1).all()
    for label in df.label.unique():
        assert set(split[df.label == label]) == {"train", "val", "test"}


def test_assign_splits_group_column_option():
    df = _split_table(n_per_label=(30, 30), recordings_per_label=6)
    df["singer"] = df.recording.str[:-1].str.cat((df.index % 3).astype(str))
    split = assign_splits(df, strategy="group", group_column="singer", seed=0)
    assert (split.groupby(df.singer).nunique() == 1).all()


def test_assign_splits_group_gives_larger_share_to_train():
    df = _split_table(n_per_label=(200,), recordings_per_label=20)
    split = assign_splits(df, strategy="group", seed=0)
    counts = split.value_counts()
    assert counts["train"] > counts["val"] and counts["train"] > counts["test"]
    assert abs(counts["train"] / len(df) - 0.6) < 0.1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"strategy": "random"}, r"label 'L1' has 2 segment"),
        ({"strategy": "group"}, r"label 'L1' has 1 recording group"),
        ({"strategy": "magic"}, "strategy"),
        ({"fractions": (0.5, 0.5, 0.5)}, "fractions"),
        ({"fractions": (0.5, 0.5)}, "fractions"),
    ],
)
def test_assign_splits_errors_name_the_problem(kwargs, match):
    df = _split_table(n_per_label=(30, 2), recordings_per_label=5)
    df.loc[df.label == "L1", "recording"] = "only"
    with pytest.raises(MotivicError, match=match):
        assign_splits(df, **kwargs)


def test_write_and_load_split_round_trip(tmp_path):
    df = _split_table()
    split = assign_splits(df, seed=1)
    path = tmp_path / "split.tsv"
    write_split(df, split, path)
    loaded = load_split(path)
    assert list(loaded.index) == list(df.segment_id)
    assert (df.segment_id.map(loaded).to_numpy() == split.to_numpy()).all()
    assert path.read_text().splitlines()[0] == "segment_id\tsplit"


def test_load_split_rejects_unknown_split_names(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("segment_id\tsplit\na\ttrain\nb\tholdout\n")
    with pytest.raises(MotivicError, match="holdout"):
        load_split(path)


@pytest.mark.parametrize("seed", range(6))
def test_assign_splits_group_fills_every_split_with_few_groups(seed):
    # three recordings of very different sizes: greedy filling alone would starve a split
    recs = ["big"] * 20 + ["s1"] * 2 + ["s2"] * 1
    df = pd.DataFrame({"recording": recs, "label": "x"})
    split = assign_splits(df, strategy="group", seed=seed)
    assert set(split) == {"train", "val", "test"}
    assert (split.groupby(df.recording).nunique() == 1).all()


def test_assign_splits_group_can_exclude_labels_with_too_few_groups():
    table = pd.DataFrame(
        {
            "label": ["a"] * 6 + ["b"] * 4,
            "recording": ["r1", "r1", "r2", "r2", "r3", "r3", "s1", "s1", "s2", "s2"],
        }
    )
    with pytest.raises(MotivicError, match="'b'"):
        assign_splits(table, strategy="group")
    split = assign_splits(table, strategy="group", small_labels="exclude")
    assert set(split[table["label"] == "b"]) == {"excluded"}
    assert set(split[table["label"] == "a"]) == {"train", "val", "test"}


def test_merged_segments_list_every_member_motif():
    occ = pd.DataFrame(
        {
            "recording": ["a", "a", "a", "b"],
            "motif_id": ["m1", "m2", "m3", "m1"],
            "label": "x",
            "start_s": [0.0, 0.5, 3.0, 0.0],
            "end_s": [1.0, 1.2, 4.0, 1.0],
            "duration_s": [1.0, 0.7, 1.0, 1.0],
        }
    )
    merged = motif_segments(occ, None, min_duration_s=0.5)
    assert merged.set_index("segment_id")["motif_ids"].to_dict() == {
        "a:m1:0": "m1;m2",  # m2 lies inside the merged span: both ids travel with it
        "a:m3:0": "m3",
        "b:m1:0": "m1",
    }
    apart = motif_segments(occ, None, min_duration_s=0.5, merge_overlaps=False)
    assert (apart["motif_ids"] == apart["motif_id"]).all()
