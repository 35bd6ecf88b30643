"""Tests for motivic.train.augment: SpecAugment masks, the time-mask bound and per-class plans."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motivic.core.errors import MotivicError
from motivic.train.augment import (
    POLICIES,
    ClassPlan,
    SpecAugment,
    apply_policy,
    frequency_mask,
    plan_copies,
    resolve_plan,
    spec_augment,
    time_mask,
)


def augmentation_plan(  # resolve, adapt and expand a plan, as train/runs.py does
    labels: Sequence,
    *,
    policy: str | Sequence[str],
    rng: np.random.Generator,
    plan: str | Mapping = "proportional",
    minority_copies: int = 3,
    fraction: float = 0.5,
) -> list[tuple[int, str]]:
    policies = (policy,) if isinstance(policy, str) else tuple(policy)
    if not policies:
        raise MotivicError("augment policy=() must name at least one policy")
    for name in policies:
        if name not in POLICIES:
            raise MotivicError(f"augment policy={name!r} must be one of {', '.join(POLICIES)}")
    if policies == ("none",) or len(labels) == 0:
        return []
    kinds = tuple(p for p in policies if p != "none")
    plans = resolve_plan(
        plan, labels, masks=kinds, minority_copies=minority_copies, fraction=fraction
    )
    if len(policies) == 1 and plan != "proportional":
        plans = apply_policy(plans, policies[0])
    return plan_copies(labels, plans, rng=rng)


def _mel(n_mels=16, n_frames=30, valid=20, seed=0):
    """Random spectrogram whose padding (frames >= valid) is zero."""
    mel = np.random.default_rng(seed).normal(size=(n_mels, n_frames)).astype(np.float32)
    mel[:, valid:] = 0.0
    return mel


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True in a boolean vector."""
    padded = np.concatenate([[False], flags, [False]]).astype(int)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2], edges[1::2]))


def test_frequency_mask_masks_one_band_inside_valid_frames():
    mel = _mel()
    original = mel.copy()
    masked_any = False
    for seed in range(20):
        out = frequency_mask(mel, rng=np.random.default_rng(seed), max_bands=5, valid_frames=20)
        changed = out != mel
        assert not changed[:, 20:].any()  # padding untouched
        rows = changed.any(axis=1)
        runs = _runs(rows)
        assert len(runs) <= 1
        if runs:
            masked_any = True
            start, stop = runs[0]
            assert stop - start <= 5
            assert changed[start:stop, :20].all()  # the whole band over the valid frames
            np.testing.assert_allclose(out[start:stop, :20], mel[:, :20].mean(), rtol=1e-6)
    assert masked_any
    np.testing.assert_array_equal(mel, original)  # pure


def test_time_mask_stays_inside_valid_frames():
    mel = _mel(valid=12)
    widths = []
    for seed in range(30):
        out = time_mask(mel, 12, rng=np.random.default_rng(seed), max_frames=8, fill_value=-5.0)
        cols = (out == -5.0).all(axis=0)
        runs = _runs(cols)
        assert len(runs) <= 1
        for start, stop in runs:
            assert stop <= 12
            widths.append(stop - start)
        assert not (out[:, 12:] == -5.0).any()
    assert max(widths) <= 8 and max(widths) >= 4  # uses the allowed range


@settings(max_examples=60, deadline=None)
@given(
    n_mels=st.integers(1, 12),
    n_frames=st.integers(1, 25),
    data=st.data(),
)
def test_masks_never_leave_valid_region_property(n_mels, n_frames, data):
    valid = data.draw(st.integers(0, n_frames))
    max_bands = data.draw(st.integers(0, 20))
    max_frames = data.draw(st.integers(0, 30))
    seed = data.draw(st.integers(0, 2**16))
    mel = _mel(n_mels, n_frames, valid, seed) + 10.0  # no cell equals the fill value
    out = spec_augment(
        mel,
        valid,
        rng=np.random.default_rng(seed),
        policy="both",
        freq_mask_bands=max_bands,
        time_mask_frames=max_frames,
        fill_value=0.5,
    )
    masked = out == 0.5
    assert not masked[:, valid:].any()
    assert out.shape == mel.shape and out.dtype == mel.dtype
    assert masked.all(axis=0).sum() <= max_frames or masked.any(axis=1).sum() <= max_bands


def test_spec_augment_is_reproducible_and_policy_dependent():
    mel = _mel()
    a = spec_augment(
        mel, 20, rng=np.random.default_rng(3), policy="both", freq_mask_bands=4, time_mask_frames=5
    )
    b = spec_augment(
        mel, 20, rng=np.random.default_rng(3), policy="both", freq_mask_bands=4, time_mask_frames=5
    )
    np.testing.assert_array_equal(a, b)
    none = spec_augment(mel, 20, rng=np.random.default_rng(3), policy="none")
    np.testing.assert_array_equal(none, mel)
    assert none is not mel
    freq = spec_augment(
        mel,
        20,
        rng=np.random.default_rng(1),
        policy="frequency",
        freq_mask_bands=16,
        fill_value=99.0,
    )
    assert (
        not (freq == 99.0).all(axis=0)[:20].any() or (freq == 99.0).all()
    )  # whole bands, not frames
    time = spec_augment(
        mel, 20, rng=np.random.default_rng(1), policy="time", time_mask_frames=20, fill_value=99.0
    )
    cols = (time == 99.0).all(axis=0)
    assert ((time == 99.0).any(axis=0) == cols).all()  # whole frames only


def test_spec_augment_callable_matches_function():
    mel = _mel()
    aug = SpecAugment(policy="both", freq_mask_bands=3, time_mask_frames=4)
    expected = spec_augment(
        mel, 20, rng=np.random.default_rng(9), policy="both", freq_mask_bands=3, time_mask_frames=4
    )
    np.testing.assert_array_equal(aug(mel, 20, np.random.default_rng(9)), expected)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda m: spec_augment(m, 5, rng=np.random.default_rng(0), policy="warp"), "policy"),
        (lambda m: frequency_mask(m, rng=np.random.default_rng(0), max_bands=-1), "max_bands"),
        (lambda m: time_mask(m, 5, rng=np.random.default_rng(0), max_frames=-2), "max_frames"),
        (lambda m: time_mask(m, -1, rng=np.random.default_rng(0), max_frames=2), "valid_frames"),
        (lambda m: SpecAugment(policy="both", n_time_masks=-1), "n_time_masks"),
        (lambda m: frequency_mask(m[0], rng=np.random.default_rng(0), max_bands=1), "shape"),
    ],
)
def test_bad_arguments_raise(call, match):
    with pytest.raises(MotivicError, match=match):
        call(_mel())


def _plan_counts_reference(labels, minority_copies, fraction):
    """Copies per class from the documented rule."""
    counts = Counter(labels)
    n_max = max(counts.values())
    out = {}
    for c, n in counts.items():
        k = min(minority_copies, math.floor(n_max / n) - 1)
        out[c] = n * k if k >= 1 else round(fraction * n)
    return out


def test_augmentation_plan_counts_follow_rule():
    labels = ["a"] * 12 + ["b"] * 3 + ["c"] * 6 + ["d"] * 2
    plan = augmentation_plan(
        labels, policy="both", rng=np.random.default_rng(0), minority_copies=3, fraction=0.5
    )
    per_class = Counter(labels[p] for p, _ in plan)
    assert dict(per_class) == {"a": 6, "b": 9, "c": 6, "d": 6}
    assert per_class == Counter(_plan_counts_reference(labels, 3, 0.5))
    per_position = Counter(p for p, _ in plan)
    assert all(per_position[p] == 3 for p in range(12, 15))  # every b sample: 3 copies
    assert all(per_position[p] == 1 for p in range(15, 21))  # every c sample: 1 copy
    assert all(per_position[p] <= 1 for p in range(12))  # a: at most one copy
    assert [p for p, _ in plan] == sorted(p for p, _ in plan)
    assert {pol for _, pol in plan} == {"both"}


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 15), min_size=1, max_size=5),
    copies=st.integers(1, 4),
    fraction=st.floats(0, 1),
    seed=st.integers(0, 1000),
)
def test_augmentation_plan_matches_reference_property(sizes, copies, fraction, seed):
    labels = [f"c{i}" for i, n in enumerate(sizes) for _ in range(n)]
    plan = augmentation_plan(
        labels,
        policy="time",
        rng=np.random.default_rng(seed),
        minority_copies=copies,
        fraction=fraction,
    )
    counts = Counter(labels[p] for p, _ in plan)
    expected = {c: n for c, n in _plan_counts_reference(labels, copies, fraction).items() if n}
    assert dict(counts) == expected
    # a small class never overtakes the largest one
    n_max = max(sizes)
    assert all(sizes[int(c[1:])] + counts[c] <= max(n_max, sizes[int(c[1:])] * 2) for c in counts)


def test_augmentation_plan_alternates_policies_and_is_reproducible():
    labels = [0] * 8 + [1] * 2
    plan = augmentation_plan(
        labels,
        policy=("frequency", "time"),
        rng=np.random.default_rng(1),
        minority_copies=3,
        fraction=0.25,
    )
    copies_of_8 = [pol for p, pol in plan if p == 8]
    assert copies_of_8 == ["frequency", "time", "frequency"]
    again = augmentation_plan(
        labels,
        policy=("frequency", "time"),
        rng=np.random.default_rng(1),
        minority_copies=3,
        fraction=0.25,
    )
    assert plan == again
    other = [
        augmentation_plan(labels, policy="time", rng=np.random.default_rng(s), fraction=0.25)
        for s in range(10)
    ]
    assert len({tuple(p) for p in other}) > 1  # the majority-class subset depends on rng
    assert augmentation_plan(labels, policy="none", rng=np.random.default_rng(0)) == []


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"policy": "mix"}, "policy"),
        ({"policy": "time", "minority_copies": 0}, "minority_copies"),
        ({"policy": "time", "fraction": 1.5}, "fraction"),
    ],
)
def test_augmentation_plan_rejects_bad_arguments(kwargs, match):
    with pytest.raises(MotivicError, match=match):
        augmentation_plan([0, 1, 1], rng=np.random.default_rng(0), **kwargs)


# ---------------------------------------------------------------------------
# time-mask bound (Park et al. 2019, p * tau)
# ---------------------------------------------------------------------------


def test_time_mask_bound_keeps_a_short_motif_mostly_visible():
    # a 0.5 s motif: 20 valid frames of 25 ms; T = 20 alone could blank all of it
    mel = _mel(n_frames=426, valid=20) + 10.0
    unbounded, bounded = [], []
    for seed in range(200):
        for p, widths in ((1.0, unbounded), (0.2, bounded)):
            out = time_mask(
                mel, 20, rng=np.random.default_rng(seed), max_frames=20, fill_value=0.5,
                max_fraction=p,
            )
            widths.append(int((out == 0.5).all(axis=0).sum()))
    assert max(unbounded) == 20  # today's unbounded mask does blank whole motifs
    assert max(bounded) == 4  # floor(0.2 * 20)
    assert min(bounded) == 0


def test_time_mask_bound_scales_with_valid_frames():
    mel = _mel(n_frames=426, valid=400) + 10.0
    widths = []
    for seed in range(100):
        out = spec_augment(
            mel, 400, rng=np.random.default_rng(seed), policy="time", time_mask_frames=20,
            fill_value=0.5, time_mask_max_fraction=0.2,
        )
        widths.append(int((out == 0.5).all(axis=0).sum()))
    assert max(widths) == 20  # T binds on long segments (0.2 * 400 = 80 > 20)


@settings(max_examples=60, deadline=None)
@given(
    n_frames=st.integers(1, 60),
    max_frames=st.integers(0, 40),
    p=st.floats(0, 1),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_time_mask_width_never_exceeds_bound_property(n_frames, max_frames, p, seed, data):
    valid = data.draw(st.integers(0, n_frames))
    mel = _mel(4, n_frames, valid, seed) + 10.0
    aug = SpecAugment(policy="time", time_mask_frames=max_frames, fill_value=0.5,
                      time_mask_max_fraction=p)
    out = aug(mel, valid, np.random.default_rng(seed))
    width = int((out == 0.5).all(axis=0).sum())
    assert width <= min(max_frames, math.floor(p * valid))
    assert not (out[:, valid:] == 0.5).any()


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_time_mask_bound_rejects_bad_fraction(p):
    with pytest.raises(MotivicError, match="max_fraction"):
        time_mask(_mel(), 10, rng=np.random.default_rng(0), max_frames=3, max_fraction=p)
    with pytest.raises(MotivicError, match="time_mask_max_fraction"):
        SpecAugment(time_mask_max_fraction=p)


# ---------------------------------------------------------------------------
# per-class plans
# ---------------------------------------------------------------------------

#: The paper's motif counts per class (Arronte Alvarez & Gómez 2021, §V): fandango is the one
#: minority class.
PAPER_SIZES = {"debla": 1573, "fandango": 129, "martinete": 5027, "saeta": 3915}
_HALF = {c: round(0.5 * n) for c, n in PAPER_SIZES.items()}


def _paper_labels():
    return [c for c, n in PAPER_SIZES.items() for _ in range(n)]


def _paper_reference(sizes):
    """Copies per class by the paper's text: minority 8 per sample, others 2 for half."""
    n_min = min(sizes.values())
    return {c: 8 * n if n == n_min else 2 * round(0.5 * n) for c, n in sizes.items()}


def test_paper_preset_counts_on_paper_class_sizes():
    labels = _paper_labels()
    plan = augmentation_plan(labels, policy="both", rng=np.random.default_rng(0), plan="paper")
    per_class = Counter(labels[p] for p, _ in plan)
    # fandango: 8 copies of every sample; the others: 2 copies of half their samples
    assert dict(per_class) == {
        "fandango": 8 * 129,
        "debla": 2 * _HALF["debla"],
        "martinete": 2 * _HALF["martinete"],
        "saeta": 2 * _HALF["saeta"],
    }
    assert dict(per_class) == _paper_reference(PAPER_SIZES)
    by_sample: dict[int, Counter] = {}
    for p, kind in plan:
        by_sample.setdefault(p, Counter())[kind] += 1
    fandango = [p for p, c in enumerate(labels) if c == "fandango"]
    assert all(by_sample[p] == Counter(time=4, frequency=4) for p in fandango)
    others = [p for p in by_sample if labels[p] != "fandango"]
    assert all(by_sample[p] == Counter(time=1, frequency=1) for p in others)
    for c in ("debla", "martinete", "saeta"):
        chosen = sum(1 for p in others if labels[p] == c)
        assert chosen == _HALF[c]  # 50 % of the samples, each once


def test_proportional_preset_is_the_old_rule_on_the_same_sizes():
    labels = _paper_labels()
    plan = augmentation_plan(
        labels, policy=("frequency", "time"), rng=np.random.default_rng(0), plan="proportional"
    )
    per_class = Counter(labels[p] for p, _ in plan)
    factor = {c: (PAPER_SIZES[c] + per_class[c]) / PAPER_SIZES[c] for c in PAPER_SIZES}
    # fandango: 3 copies (x4); debla, under a third of martinete: 2 copies (x3); the two large
    # classes: one copy for half their samples (x1.5)
    assert factor["fandango"] == 4.0 and factor["debla"] == 3.0
    assert factor["martinete"] == pytest.approx(1.5, abs=1e-3)
    assert factor["saeta"] == pytest.approx(1.5, abs=1e-3)


@pytest.mark.parametrize("policy", ["time", "frequency"])
def test_single_mask_policy_keeps_the_number_of_copies(policy):
    labels = _paper_labels()
    both = augmentation_plan(labels, policy="both", rng=np.random.default_rng(4), plan="paper")
    single = augmentation_plan(labels, policy=policy, rng=np.random.default_rng(4), plan="paper")
    assert [p for p, _ in single] == [p for p, _ in both]
    assert {kind for _, kind in single} == {policy}
    assert augmentation_plan(labels, policy="none", rng=np.random.default_rng(4),
                             plan="paper") == []


def test_paper_preset_ties_and_balanced_classes():
    tie = resolve_plan("paper", ["a"] * 3 + ["b"] * 3 + ["c"] * 9)
    assert tie["a"].copies == tie["b"].copies == 8 and tie["c"].copies == 2
    balanced = resolve_plan("paper", ["a"] * 4 + ["b"] * 4)
    assert all(p == ClassPlan(("time", "frequency"), 0.5) for p in balanced.values())


def test_explicit_mapping_plan():
    labels = ["a"] * 10 + ["b"] * 6 + ["c"] * 4
    spec = {"c": {"time": 2, "both": 1}, "*": {"frequency": 1, "fraction": 0.5}}
    plans = resolve_plan(spec, labels)
    assert plans["c"] == ClassPlan(("time", "time", "both"), 1.0)
    assert plans["a"] == plans["b"] == ClassPlan(("frequency",), 0.5)
    plan = plan_copies(labels, plans, rng=np.random.default_rng(0))
    assert Counter(labels[p] for p, _ in plan) == {"a": 5, "b": 3, "c": 12}
    assert resolve_plan({"a": {"time": 1}}, labels)["b"].copies == 0  # no "*": no copies
    # the policy turns the mapping's kinds into its own, copy for copy
    timed = apply_policy(plans, "time")
    assert timed["c"].masks == ("time",) * 3 and timed["a"].fraction == 0.5


@pytest.mark.parametrize(
    "spec, match",
    [
        ({"zz": {"time": 1}}, "lacks"),
        ({"a": {"tme": 1}}, "unknown keys"),
        ({"a": {"time": -1}}, "integer >= 0"),
        ({"a": {"time": 1.5}}, "integer >= 0"),
        ({"a": {"time": 1, "fraction": 2}}, "fraction"),
        ({"a": 3}, "mapping"),
        ("papers", "must be one of"),
    ],
)
def test_resolve_plan_rejects_bad_specs(spec, match):
    with pytest.raises(MotivicError, match=match):
        resolve_plan(spec, ["a", "a", "b"])


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 30), min_size=1, max_size=5),
    seed=st.integers(0, 1000),
)
def test_paper_preset_matches_reference_property(sizes, seed):
    labels = [f"c{i}" for i, n in enumerate(sizes) for _ in range(n)]
    plan = augmentation_plan(labels, policy="both", rng=np.random.default_rng(seed), plan="paper")
    counts = Counter(labels[p] for p, _ in plan)
    size_of = {f"c{i}": n for i, n in enumerate(sizes)}
    if len(set(sizes)) == 1:  # balanced: no minority class
        expected = {c: 2 * round(0.5 * n) for c, n in size_of.items()}
    else:
        expected = _paper_reference(size_of)
    assert dict(counts) == {c: n for c, n in expected.items() if n}
    assert [p for p, _ in plan] == sorted(p for p, _ in plan)


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 20), min_size=1, max_size=4),
    copies=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 2), st.floats(0, 1)),
        min_size=4,
        max_size=4,
    ),
    named=st.integers(0, 4),
    seed=st.integers(0, 1000),
)
def test_explicit_mapping_matches_reference_property(sizes, copies, named, seed):
    labels = [f"c{i}" for i, n in enumerate(sizes) for _ in range(n)]
    spec = {
        f"c{i}": {"time": t, "frequency": f, "both": b, "fraction": fr}
        for i, (t, f, b, fr) in enumerate(copies[: min(named, len(sizes))])
    }
    spec["*"] = {"time": 1, "fraction": 0.5}
    plan = plan_copies(labels, resolve_plan(spec, labels), rng=np.random.default_rng(seed))
    counts = Counter(labels[p] for p, _ in plan)
    for i, n in enumerate(sizes):
        entry = spec.get(f"c{i}", spec["*"])
        k = entry.get("time", 0) + entry.get("frequency", 0) + entry.get("both", 0)
        chosen = n if entry["fraction"] >= 1 else round(entry["fraction"] * n)
        assert counts[f"c{i}"] == k * chosen
    per_sample = Counter(p for p, _ in plan)
    for p, c in per_sample.items():  # every chosen sample gets all copies of its class plan
        entry = spec.get(labels[p], spec["*"])
        assert c == entry.get("time", 0) + entry.get("frequency", 0) + entry.get("both", 0)
