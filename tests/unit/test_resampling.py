"""Tests for motivic.core.resampling: stratified and two-stage bootstraps, sign-flip and binomial tests."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motivic.core import resampling
from motivic.core.errors import MotivicError


def _reference_accuracies(weights, recordings, y_true, y_pred, n_classes):
    """Loop reference: rebuild each resample by repeating each recording's predictions weight times."""
    ids = np.unique(recordings)
    acc, bal = [], []
    for row in weights.astype(int):
        keep = np.concatenate(
            [np.tile(np.flatnonzero(recordings == ids[g]), k) for g, k in enumerate(row)]
        ).astype(int)
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
    _, n, hit = resampling._per_group_counts(recordings, y_true, y_pred, 3)
    draws = resampling.BootstrapDraws(n.argmax(axis=1), 25, np.random.default_rng(seed))
    fast_acc, fast_bal = resampling._accuracies(draws.weights, n, hit)
    ref_acc, ref_bal = _reference_accuracies(draws.weights, recordings, y_true, y_pred, 3)
    np.testing.assert_allclose(fast_acc, ref_acc)
    np.testing.assert_allclose(fast_bal, ref_bal)


@settings(max_examples=40, deadline=None)
@given(
    recordings=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 4)), min_size=1, max_size=25),
    grouped=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_draws_keep_every_class_and_the_two_stage_structure(recordings, grouped, seed):
    classes = np.array([c for c, _ in recordings])
    groups = np.array([f"g{g}" for _, g in recordings]) if grouped else None
    draws = resampling.BootstrapDraws(classes, 50, np.random.default_rng(seed), groups=groups)
    # every resample holds every class; without groups, with as many recordings as the data
    for c in np.unique(classes):
        drawn = draws.weights[:, classes == c].sum(axis=1)
        assert np.all(drawn > 0)
        if groups is None:
            np.testing.assert_array_equal(drawn, np.count_nonzero(classes == c))
    group_of = np.arange(classes.size) if groups is None else groups
    ids = list(draws.group_ids)
    for g, gid in enumerate(ids):
        members = group_of == gid
        for c in np.unique(classes[members]):
            # the recordings of a group and class are drawn once per draw of the group
            np.testing.assert_array_equal(
                draws.weights[:, members & (classes == c)].sum(axis=1),
                draws.group_counts[:, g] * np.count_nonzero(members & (classes == c)),
            )
    for stratum in draws.strata:
        in_stratum = [
            g for g, gid in enumerate(ids) if tuple(np.unique(classes[group_of == gid])) == stratum
        ]
        np.testing.assert_array_equal(
            draws.group_counts[:, in_stratum].sum(axis=1), len(in_stratum)
        )


def _toy_rare_class(n_common=9, n_rare=1):
    """Class 1 has ``n_rare`` recordings, always right; class 0 half right."""
    recs, y_true, y_pred = [], [], []
    for r in range(n_common):
        recs += [f"c{r}"] * 4
        y_true += [0] * 4
        y_pred += [0, 0, 1, 1] if r % 2 else [0, 0, 0, 1]
    for r in range(n_rare):
        recs += [f"r{r}"] * 4
        y_true += [1] * 4
        y_pred += [1] * 4
    return np.array(recs), np.array(y_true), np.array(y_pred)


@pytest.mark.parametrize("n_rare", [1, 2])
def test_stratification_never_drops_a_rare_class_where_a_plain_bootstrap_does(n_rare):
    recs, y_true, y_pred = _toy_rare_class(n_rare=n_rare)
    _, n, hit = resampling._per_group_counts(recs, y_true, y_pred, 2)
    classes = n.argmax(axis=1)
    stratified = resampling.BootstrapDraws(classes, 2000, np.random.default_rng(0))
    plain = resampling.BootstrapDraws(np.zeros_like(classes), 2000, np.random.default_rng(0))
    rare = classes == 1
    assert np.all(stratified.weights[:, rare].sum(axis=1) > 0)
    lacking = np.mean(plain.weights[:, rare].sum(axis=1) == 0)
    assert lacking > 0.05  # (1 - n_rare/n)^n of the plain resamples hold no rare recording
    # there, balanced accuracy silently becomes the recall of class 0 alone
    _, bal_plain = resampling._accuracies(plain.weights, n, hit)
    _, bal_strat = resampling._accuracies(stratified.weights, n, hit)
    recall0 = hit[:, 0].sum() / n[:, 0].sum()
    assert bal_strat.min() > (recall0 + 1.0) / 2 - 0.2
    assert np.any(np.isclose(bal_plain, plain.weights @ hit[:, 0] / (plain.weights @ n[:, 0])))
    ci = resampling.recording_bootstrap(
        recs, y_true, y_pred, n_classes=2, n_boot=2000, rng=np.random.default_rng(0)
    )
    assert ci["balanced_accuracy_ci_low"] >= bal_strat.min() - 1e-12


def _singer_toy(seed):
    """6 singers × (4 recordings of class 0 + 4 of class 1); a singer's accuracy is shared by all
    their recordings, so recordings of one singer are far from independent."""
    rng = np.random.default_rng(seed)
    recs, y_true, y_pred, groups = [], [], [], {}
    for s, p_right in enumerate(np.linspace(0.2, 0.95, 6)):
        for r in range(8):
            name = f"s{s}r{r}"
            groups[name] = f"singer{s}"
            truth = r % 2
            right = rng.random(10) < p_right
            recs += [name] * 10
            y_true += [truth] * 10
            y_pred += list(np.where(right, truth, 1 - truth))
    return np.array(recs), np.array(y_true), np.array(y_pred), groups


def test_group_level_widens_the_interval_when_groups_matter():
    recs, y_true, y_pred, groups = _singer_toy(0)
    kwargs = {"n_classes": 2, "n_boot": 2000}
    flat = resampling.recording_bootstrap(
        recs, y_true, y_pred, rng=np.random.default_rng(1), **kwargs
    )
    nested = resampling.recording_bootstrap(
        recs, y_true, y_pred, groups=groups, rng=np.random.default_rng(1), **kwargs
    )
    width = {
        name: ci["accuracy_ci_high"] - ci["accuracy_ci_low"]
        for name, ci in (("flat", flat), ("nested", nested))
    }
    assert width["nested"] > 1.5 * width["flat"]
    assert flat["n_boot_groups"] == 48 and nested["n_boot_groups"] == 6


def test_groups_must_cover_every_tested_recording():
    recs, y_true, y_pred, groups = _singer_toy(0)
    del groups["s0r0"]
    with pytest.raises(MotivicError, match="no group"):
        resampling.recording_bootstrap(
            recs, y_true, y_pred, n_classes=2, groups=groups, rng=np.random.default_rng(0)
        )


def test_paired_bootstrap_reports_the_share_not_a_p_value():
    recs, y_true, y_pred, groups = _singer_toy(0)
    worse = np.where(np.arange(y_pred.size) % 3 == 0, 1 - y_true, y_pred)
    out = resampling.paired_recording_bootstrap(
        (recs, y_true, y_pred), (recs, y_true, worse), n_classes=2, groups=groups,
        n_boot=500, rng=np.random.default_rng(0),
    )  # fmt: skip
    assert "p_not_greater" not in out and 0 <= out["boot_share_le0"] <= 1
    assert out["accuracy_diff"] > 0 and out["n_recordings"] == 48 and out["n_boot_groups"] == 6


def _brute_force_sign_flip(d):
    observed = np.mean(d)
    means = [np.mean(np.array(s) * d) for s in itertools.product((1, -1), repeat=d.size)]
    tol = 1e-9 * max(1.0, np.abs(d).max())
    return (
        np.mean([m >= observed - tol for m in means]),
        np.mean([abs(m) >= abs(observed) - tol for m in means]),
    )


@settings(max_examples=60, deadline=None)
@given(
    d=st.lists(
        st.one_of(st.sampled_from([-1.0, -0.5, 0.0, 0.25, 0.5, 1.0]), st.floats(-1, 1)),
        min_size=1,
        max_size=10,
    )
)
def test_exact_sign_flip_matches_brute_force(d):
    d = np.array(d)
    got = resampling.sign_flip_test(d, permutations=2**d.size, rng=np.random.default_rng(0))
    assert got["exact"] and got["n_flips"] == 2**d.size
    want_greater, want_two = _brute_force_sign_flip(d)
    assert got["p_greater"] == pytest.approx(want_greater)
    assert got["p_two_sided"] == pytest.approx(want_two)


def test_monte_carlo_sign_flip_is_seeded_and_near_the_exact_value():
    d = np.random.default_rng(3).normal(0.15, 0.4, size=14)
    exact = resampling.sign_flip_test(d, permutations=2**14, rng=np.random.default_rng(0))
    mc = [
        resampling.sign_flip_test(d, permutations=4000, rng=np.random.default_rng(s))
        for s in (0, 0, 1)
    ]
    assert exact["exact"] and not mc[0]["exact"]
    assert mc[0] == mc[1] and mc[0]["p_greater"] != mc[2]["p_greater"]
    assert mc[0]["p_greater"] == pytest.approx(exact["p_greater"], abs=0.03)
    assert mc[0]["p_greater"] > 0  # (1 + hits) / (1 + draws) is never 0


def test_paired_sign_flip_uses_one_difference_per_shared_recording():
    recs = np.repeat(["a", "b", "c", "d"], 2)
    truth = np.zeros(8, dtype=int)
    good = truth.copy()
    bad = np.array([1, 0, 1, 1, 0, 0, 1, 0])  # per recording accuracy 0.5, 0, 1, 0.5
    got = resampling.paired_sign_flip_test(
        (recs, truth, good), (np.append(recs, "x"), np.append(truth, 0), np.append(bad, 1)),
        n_classes=2, rng=np.random.default_rng(0),
    )  # fmt: skip
    d = np.array([0.5, 1.0, 0.0, 0.5])
    assert got["n"] == 4 and got["mean_diff"] == pytest.approx(d.mean())
    assert got["p_greater"] == pytest.approx(_brute_force_sign_flip(d)[0])


@settings(max_examples=60, deadline=None)
@given(pairs=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=12))
def test_vote_majority_test_matches_the_binomial_sum(pairs):
    truth = np.array([t for t, _ in pairs])
    voted = np.array([v for _, v in pairs])
    got = resampling.vote_majority_test(truth, voted)
    n, k = truth.size, int(np.sum(truth == voted))
    p0 = np.bincount(truth).max() / n
    want = sum(math.comb(n, j) * p0**j * (1 - p0) ** (n - j) for j in range(k, n + 1))
    assert got["p_vote_vs_majority"] == pytest.approx(want, abs=1e-12)
    assert got["recording_majority_rate"] == pytest.approx(p0) and got["n_votes_right"] == k
