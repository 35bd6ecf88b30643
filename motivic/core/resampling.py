"""Recording-level statistics: class-stratified bootstraps and exact or permutation tests.

Segments of one recording are not independent (same singer, same take), so
every interval and test here treats the *recording* as the unit, or a group
of recordings (e.g. a singer) above it:

- :class:`BootstrapDraws` resamples recordings within their class, so every
  resample holds every class (balanced accuracy keeps its meaning), and
  optionally two-stage: groups first, then recordings within the drawn
  groups.
- :func:`recording_bootstrap` gives percentile intervals of accuracy and
  balanced accuracy; :func:`paired_recording_bootstrap` those of a
  difference between two sets of predictions on the same recordings.
- :func:`sign_flip_test` / :func:`paired_sign_flip_test`: paired sign-flip
  permutation test over recordings, exact when the flips can be enumerated.
- :func:`vote_majority_test`: exact binomial test of recording-vote accuracy
  against the majority-class rate.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.stats import binom

from motivic.core.errors import MotivicError
from motivic.core.metrics import check_labels

__all__ = [
    "BootstrapDraws",
    "paired_recording_bootstrap",
    "paired_sign_flip_test",
    "recording_bootstrap",
    "sign_flip_test",
    "vote_majority_test",
]


class BootstrapDraws:
    """Class-stratified resamples of recordings, optionally two-stage over groups, as multiplicities.

    Without ``groups``, each resample draws, within every class, as many
    recordings of that class as there are, with replacement: every resample
    holds every class in its original number of recordings.

    With ``groups`` (a higher-level unit constant per recording, e.g. the
    singer), the resample has two stages, as the two-stage bootstrap of
    Davison & Hinkley (1997, "Bootstrap methods and their application",
    §3.8): first the groups are drawn with replacement within each *stratum*
    of groups, then, within every drawn group, its recordings are drawn with
    replacement within each class, once per time the group was drawn. A
    group's stratum is the set of classes its recordings carry: groups with
    one class are stratified by that class, and groups that span several
    classes are resampled among the groups spanning the same classes. So
    every resample again holds every class. A stratum with a single group
    draws that group every time, and the interval then says nothing about
    the variation between groups of that stratum. Resampling at both stages
    counts the within-group variation a second time, so with groups the
    interval errs on the wide side.

    Parameters
    ----------
    classes : np.ndarray [shape=(n_recordings,), dtype=int]
        Class of each recording.
    n_boot : int >= 1
        Number of resamples.
    rng : np.random.Generator
    groups : np.ndarray [shape=(n_recordings,)] or None
        Group of each recording; None = every recording is its own group
        (the one-stage, class-stratified recording bootstrap).

    Attributes
    ----------
    weights : np.ndarray [shape=(n_boot, n_recordings)]
        ``weights[b, r]``: how often recording ``r`` is drawn in resample ``b``.
    group_ids : np.ndarray [shape=(n_groups,)]
        Distinct groups, sorted.
    group_counts : np.ndarray [shape=(n_boot, n_groups)]
        How often each group is drawn in each resample.
    strata : list of tuple of int
        The class set of each stratum of groups, sorted.
    """

    def __init__(
        self,
        classes: np.ndarray,
        n_boot: int,
        rng: np.random.Generator,
        *,
        groups: np.ndarray | None = None,
    ):
        classes = np.asarray(classes, dtype=np.int64)
        if classes.ndim != 1 or classes.size < 1 or n_boot < 1:
            raise MotivicError(
                f"bootstrap: {classes.size} recordings and n_boot={n_boot}; both must be >= 1"
            )
        groups = np.arange(classes.size) if groups is None else np.asarray(groups)
        if groups.shape != classes.shape:
            raise MotivicError(
                f"bootstrap: {groups.size} group entries for {classes.size} recordings"
            )
        self.group_ids, group_of = np.unique(groups, return_inverse=True)
        group_classes = [
            tuple(np.unique(classes[group_of == g])) for g in range(self.group_ids.size)
        ]
        self.strata = sorted(set(group_classes))
        rows = np.arange(n_boot)[:, None]
        self.group_counts = np.zeros((n_boot, self.group_ids.size))
        for stratum in self.strata:
            members = np.array([g for g, c in enumerate(group_classes) if c == stratum])
            drawn = rng.integers(0, members.size, size=(n_boot, members.size))
            np.add.at(self.group_counts, (rows, members[drawn]), 1.0)
        self.weights = np.zeros((n_boot, classes.size))
        for g, group_class_set in enumerate(group_classes):
            for c in group_class_set:
                members = np.flatnonzero((group_of == g) & (classes == c))
                # k draws of the group, each drawing len(members) recordings uniformly
                # with replacement: a multinomial of k * len(members) over the members
                totals = (self.group_counts[:, g] * members.size).astype(np.int64)
                self.weights[:, members] = rng.multinomial(
                    totals, np.full(members.size, 1.0 / members.size)
                )


def _per_group_counts(groups, y_true, y_pred, n_classes):
    ids, inverse = np.unique(np.asarray(groups), return_inverse=True)
    n = np.zeros((ids.size, n_classes))
    hit = np.zeros((ids.size, n_classes))
    np.add.at(n, (inverse, y_true), 1.0)
    np.add.at(hit, (inverse, y_true), (y_true == y_pred).astype(float))
    return ids, n, hit


def _group_array(recording_ids: np.ndarray, groups: Mapping | None) -> np.ndarray | None:
    """Group of each recording from a recording -> group mapping (None passes through)."""
    if groups is None:
        return None
    missing = [r for r in recording_ids if r not in groups]
    if missing:
        raise MotivicError(
            f"bootstrap groups: {len(missing)} tested recording(s) have no group, e.g. {missing[:3]}"
        )
    return np.array([str(groups[r]) for r in recording_ids])


def _interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return float("nan"), float("nan")
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(values, [alpha, 1.0 - alpha])
    return float(low), float(high)


def _accuracies(weights: np.ndarray, n: np.ndarray, hit: np.ndarray):
    """Accuracy and balanced accuracy of every resample (rows of ``weights``), from per-recording class counts."""
    total = weights @ n.sum(axis=1)
    accuracy = (weights @ hit.sum(axis=1)) / total
    n_c = weights @ n  # [B, C]
    hit_c = weights @ hit
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(n_c > 0, hit_c / n_c, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        balanced = np.nanmean(recall, axis=1)
    return accuracy, balanced


def recording_bootstrap(
    recordings: Sequence,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    n_classes: int,
    groups: Mapping | None = None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    rng: np.random.Generator,
) -> dict:
    """Percentile intervals of accuracy and balanced accuracy, resampling recordings within classes.

    The resamples are those of :class:`BootstrapDraws`: recordings drawn with
    replacement within their class (a recording's class is the most frequent
    class of its predictions, the lowest on ties), or, with ``groups``, groups
    first and then recordings within them. A drawn recording brings every
    prediction it has (all its segments, from every fold and seed it was
    tested in), as many times as it was drawn.

    Parameters
    ----------
    recordings : sequence [shape=(n,)]
        Recording of each prediction.
    y_true, y_pred : np.ndarray [shape=(n,), dtype=int]
    n_classes : int >= 1
    groups : mapping or None
        Group of every tested recording (e.g. its singer); None = one stage.
    n_boot : int >= 1
    confidence : float in (0, 1)
    rng : np.random.Generator

    Returns
    -------
    intervals : dict
        ``accuracy_ci_low``, ``accuracy_ci_high``, ``balanced_accuracy_ci_low``,
        ``balanced_accuracy_ci_high``, ``n_boot``, ``n_boot_groups`` (groups
        resampled; the number of recordings without ``groups``).
    """
    y_true = check_labels(y_true, n_classes, "y_true")
    y_pred = check_labels(y_pred, n_classes, "y_pred")
    if not 0 < confidence < 1:
        raise MotivicError(f"confidence={confidence} must be in (0, 1)")
    if y_true.size == 0 or y_true.size != y_pred.size or y_true.size != len(recordings):
        raise MotivicError("recording_bootstrap: need equal, non-zero numbers of entries")
    ids, n, hit = _per_group_counts(recordings, y_true, y_pred, n_classes)
    draws = BootstrapDraws(n.argmax(axis=1), n_boot, rng, groups=_group_array(ids, groups))
    accuracy, balanced = _accuracies(draws.weights, n, hit)
    acc_lo, acc_hi = _interval(accuracy, confidence)
    bal_lo, bal_hi = _interval(balanced, confidence)
    return {
        "accuracy_ci_low": acc_lo,
        "accuracy_ci_high": acc_hi,
        "balanced_accuracy_ci_low": bal_lo,
        "balanced_accuracy_ci_high": bal_hi,
        "n_boot": int(n_boot),
        "n_boot_groups": int(draws.group_ids.size),
    }


def _shared_counts(a, b, n_classes):
    """Recordings tested on both sides and each side's per-recording class counts on them."""
    per_side = {}
    for name, (recs, yt, yp) in (("a", a), ("b", b)):
        yt = check_labels(yt, n_classes, f"y_true of {name}")
        yp = check_labels(yp, n_classes, f"y_pred of {name}")
        if yt.size != yp.size or yt.size != len(recs):
            raise MotivicError(f"side {name}: recordings, y_true and y_pred differ in length")
        per_side[name] = _per_group_counts(recs, yt, yp, n_classes)
    shared = np.intersect1d(per_side["a"][0], per_side["b"][0])
    counts = {}
    for name, (ids, n, hit) in per_side.items():
        pos = np.searchsorted(ids, shared)
        counts[name] = (n[pos], hit[pos])
    return shared, counts


def paired_recording_bootstrap(
    a: tuple[Sequence, np.ndarray, np.ndarray],
    b: tuple[Sequence, np.ndarray, np.ndarray],
    *,
    n_classes: int,
    groups: Mapping | None = None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    rng: np.random.Generator,
) -> dict:
    """Difference a − b of accuracy and balanced accuracy on the recordings both were tested on.

    ``a`` and ``b`` are ``(recordings, y_true, y_pred)`` of two sets of
    predictions (e.g. motivic and non-motivic segments of the same model and
    split strategy). Only recordings present in both count; each resample
    (:class:`BootstrapDraws`: within classes, optionally two-stage over
    ``groups``; a recording's class from both sides' predictions together)
    applies the *same* draw to both sides, so recording difficulty cancels
    out of the difference.

    Returns
    -------
    result : dict
        ``accuracy_a``, ``accuracy_b``, ``accuracy_diff`` with
        ``accuracy_diff_ci_low`` / ``_high``, the same for
        ``balanced_accuracy``, ``boot_share_le0`` (the share of resamples
        whose accuracy difference is <= 0: a description of the bootstrap
        distribution, not a p-value), ``n_recordings`` (shared),
        ``n_boot_groups``, ``n_a``, ``n_b`` (predictions on the shared
        recordings). NaN throughout when no recording is shared.
    """
    shared, counts = _shared_counts(a, b, n_classes)
    nan = float("nan")
    if shared.size == 0:
        keys = ("accuracy", "balanced_accuracy")
        out = {
            f"{k}_{s}": nan for k in keys for s in ("a", "b", "diff", "diff_ci_low", "diff_ci_high")
        }
        return {
            **out,
            "boot_share_le0": nan,
            "n_recordings": 0,
            "n_boot_groups": 0,
            "n_a": 0,
            "n_b": 0,
        }
    classes = (counts["a"][0] + counts["b"][0]).argmax(axis=1)
    draws = BootstrapDraws(classes, n_boot, rng, groups=_group_array(shared, groups))
    ones = np.ones((1, shared.size))
    out = {}
    boot = {}
    for name, (n, hit) in counts.items():
        (acc,), (bal,) = _accuracies(ones, n, hit)
        out[f"accuracy_{name}"], out[f"balanced_accuracy_{name}"] = float(acc), float(bal)
        boot[name] = _accuracies(draws.weights, n, hit)
    for i, key in enumerate(("accuracy", "balanced_accuracy")):
        diff = boot["a"][i] - boot["b"][i]
        out[f"{key}_diff"] = out[f"{key}_a"] - out[f"{key}_b"]
        out[f"{key}_diff_ci_low"], out[f"{key}_diff_ci_high"] = _interval(diff, confidence)
        if key == "accuracy":
            out["boot_share_le0"] = float(np.mean(diff[np.isfinite(diff)] <= 0))
    out.update(
        n_recordings=int(shared.size),
        n_boot_groups=int(draws.group_ids.size),
        n_a=int(counts["a"][0].sum()),
        n_b=int(counts["b"][0].sum()),
    )
    return out


# ---------------------------------------------------------------------------
# recording-level tests
# ---------------------------------------------------------------------------

_SIGN_CHUNK = 8192


def sign_flip_test(
    differences: np.ndarray, *, permutations: int = 100_000, rng: np.random.Generator
) -> dict:
    """Paired sign-flip permutation test of the mean of per-unit differences.

    Under the null hypothesis each unit's two outcomes are exchangeable, so
    each difference is as likely to carry either sign. The statistic is the
    mean difference; its null distribution flips the sign of every subset of
    the units. The 2**n flips are enumerated when ``2**n <= permutations``
    (an exact p-value); otherwise ``permutations`` random flips are drawn and
    p = (1 + hits) / (1 + permutations), the Monte Carlo p-value of Phipson &
    Smyth (2010, "Permutation p-values should never be zero").

    Parameters
    ----------
    differences : np.ndarray [shape=(n,)]
        One difference per independent unit (e.g. recording).
    permutations : int >= 1
        Enumeration limit and Monte Carlo sample size.
    rng : np.random.Generator
        Used only for the Monte Carlo draw.

    Returns
    -------
    result : dict
        ``mean_diff``; ``p_greater`` (one-sided, alternative: mean > 0);
        ``p_two_sided`` (|mean| as large); ``exact`` (bool); ``n_flips``
        (flips counted); ``n`` units. NaN p-values when ``n`` is 0.
    """
    d = np.asarray(differences, dtype=np.float64)
    if d.ndim != 1 or not np.all(np.isfinite(d)):
        raise MotivicError("sign_flip_test: differences must be a finite one-dimensional array")
    if permutations < 1:
        raise MotivicError(f"sign_flip_test: permutations={permutations} must be >= 1")
    n = d.size
    if n == 0:
        nan = float("nan")
        return {
            "mean_diff": nan,
            "p_greater": nan,
            "p_two_sided": nan,
            "exact": True,
            "n_flips": 0,
            "n": 0,
        }
    observed = float(d.mean())
    tol = 1e-9 * max(1.0, float(np.abs(d).max()))  # equal sums reached in another order
    exact = n < 63 and 2**n <= permutations
    total = 2**n if exact else permutations
    greater = extreme = 0
    bits = np.arange(n, dtype=np.int64)
    for start in range(0, total, _SIGN_CHUNK):
        size = min(_SIGN_CHUNK, total - start)
        if exact:
            codes = np.arange(start, start + size, dtype=np.int64)
            flips = ((codes[:, None] >> bits) & 1).astype(bool)
        else:
            flips = rng.integers(0, 2, size=(size, n)).astype(bool)
        means = np.where(flips, -d, d).mean(axis=1)
        greater += int(np.count_nonzero(means >= observed - tol))
        extreme += int(np.count_nonzero(np.abs(means) >= abs(observed) - tol))
    if exact:
        p_greater, p_two = greater / total, extreme / total
    else:
        p_greater, p_two = (1 + greater) / (1 + total), (1 + extreme) / (1 + total)
    return {
        "mean_diff": observed,
        "p_greater": float(p_greater),
        "p_two_sided": float(p_two),
        "exact": bool(exact),
        "n_flips": int(total),
        "n": int(n),
    }


def paired_sign_flip_test(
    a: tuple[Sequence, np.ndarray, np.ndarray],
    b: tuple[Sequence, np.ndarray, np.ndarray],
    *,
    n_classes: int,
    permutations: int = 100_000,
    rng: np.random.Generator,
) -> dict:
    """Sign-flip test of a − b per-recording accuracy over the recordings both were tested on.

    Each shared recording gives one difference: its accuracy on side ``a``
    (all its predictions there) minus its accuracy on side ``b``; every
    recording weighs the same. See :func:`sign_flip_test`.

    Returns
    -------
    result : dict
        :func:`sign_flip_test`'s result, ``mean_diff`` being the mean
        per-recording accuracy difference.
    """
    _, counts = _shared_counts(a, b, n_classes)
    per_side = [hit.sum(axis=1) / n.sum(axis=1) for n, hit in (counts["a"], counts["b"])]
    return sign_flip_test(per_side[0] - per_side[1], permutations=permutations, rng=rng)


def vote_majority_test(truth: np.ndarray, predicted: np.ndarray) -> dict:
    """Exact binomial test of recording-vote accuracy against the recording majority rate.

    With ``n`` test recordings of which ``k`` are voted right, and ``p0`` the
    share of the most frequent class among the recordings (the accuracy of
    the best constant guess), the one-sided p-value is P(X >= k) for
    X ~ Binomial(n, p0): how often a classifier right on each recording
    independently with probability ``p0`` would do at least as well.

    Parameters
    ----------
    truth, predicted : np.ndarray [shape=(n_recordings,), dtype=int]
        True class and voted class of each recording.

    Returns
    -------
    result : dict
        ``n_votes_right`` (k), ``n_recordings`` (n), ``recording_majority_rate``
        (p0), ``p_vote_vs_majority``. NaN p-value for no recordings.
    """
    truth = np.asarray(truth, dtype=np.int64)
    predicted = np.asarray(predicted, dtype=np.int64)
    if truth.shape != predicted.shape or truth.ndim != 1:
        raise MotivicError("vote_majority_test: truth and predicted need the same 1-D shape")
    n = int(truth.size)
    if n == 0:
        nan = float("nan")
        return {
            "n_votes_right": 0,
            "n_recordings": 0,
            "recording_majority_rate": nan,
            "p_vote_vs_majority": nan,
        }
    k = int(np.count_nonzero(truth == predicted))
    p0 = float(np.bincount(truth).max() / n)
    return {
        "n_votes_right": k,
        "n_recordings": n,
        "recording_majority_rate": p0,
        "p_vote_vs_majority": float(binom.sf(k - 1, n, p0)),
    }
