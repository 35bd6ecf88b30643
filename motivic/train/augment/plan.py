"""Augmentation plans: which training samples get masked copies, how many, with which masks.

A plan gives every class a :class:`ClassPlan`: the mask kind of each copy a
chosen sample receives, and the share of the class's samples that are chosen.
Plans are written in the ``augment.plan`` config key as a preset name or as an
explicit mapping (:func:`resolve_plan`), adapted to the run's masking policy
(:func:`apply_policy`) and expanded into one ``(position, mask)`` entry per copy
(:func:`plan_copies`).

Presets
-------
``paper``
    Arronte Alvarez & Gómez (2021): the minority class (fandango in their
    corpus) gets 8 masked copies of every spectrogram, 4 time-masked and 4
    frequency-masked; every other class gets one time-masked and one
    frequency-masked copy for 50 % of its samples. The minority class is the
    class with the fewest training samples (every class of that size when
    several tie; none when all classes have the same size).
``proportional``
    The rule this project used before the paper's plan could be expressed,
    kept for comparison: with ``n_c`` the size of class ``c`` and ``n_max`` the
    largest, ``k_c = min(minority_copies, floor(n_max / n_c) - 1)``; a class
    with ``k_c >= 1`` gets ``k_c`` copies of every sample (mask kinds
    alternating), the others one copy for a share ``fraction`` of their
    samples. On class sizes like the paper's it gives a class a third of the
    largest ×3, one under a quarter ×4 and the rest ×1.5, not the paper's ×9.

Explicit mappings
-----------------
``{label: {time: 4, frequency: 4, both: 0, fraction: 1.0}, "*": {...}}``: copies
per mask kind for the named classes, ``"*"`` for every class not named (absent:
no copies). ``both`` copies carry a frequency *and* a time mask.

Masking policy
--------------
The ``{augment}`` run wildcard (Table II columns) is applied to a plan by
:func:`apply_policy`: ``both`` keeps the plan's mask kinds, ``frequency`` or
``time`` turns every copy into that kind (so the Table II columns train on the
same number of copies and differ only in the masks), ``none`` drops all copies.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from motivic.core.errors import MotivicError
from motivic.train.augment.masks import POLICIES

__all__ = [
    "MASK_KINDS",
    "PLAN_PRESETS",
    "ClassPlan",
    "apply_policy",
    "plan_copies",
    "resolve_plan",
]

logger = logging.getLogger(__name__)

#: Mask kinds of one copy (``both``: a frequency and a time mask).
MASK_KINDS = ("time", "frequency", "both")
#: Names of the built-in plans.
PLAN_PRESETS = ("paper", "proportional")
#: Key of an explicit mapping that applies to every class it does not name.
OTHER_CLASSES = "*"

_PAPER_MINORITY = ("time",) * 4 + ("frequency",) * 4
_PAPER_OTHERS = ("time", "frequency")
_PAPER_OTHERS_FRACTION = 0.5


@dataclass(frozen=True)
class ClassPlan:
    """Masked copies of one class.

    Attributes
    ----------
    masks : tuple of str
        Mask kind (from ``MASK_KINDS``) of each copy a chosen sample gets, in
        copy order; ``()`` means no copies.
    fraction : float in [0, 1]
        Share of the class's samples that are chosen (``round(fraction * n)``
        samples drawn without replacement; 1: every sample, no draw).
    """

    masks: tuple[str, ...] = ()
    fraction: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "masks", tuple(self.masks))
        for kind in self.masks:
            if kind not in MASK_KINDS:
                raise MotivicError(
                    f"augment plan: mask kind {kind!r} must be one of {', '.join(MASK_KINDS)}"
                )
        if not 0.0 <= float(self.fraction) <= 1.0:
            raise MotivicError(f"augment plan: fraction={self.fraction!r} must lie in [0, 1]")

    @property
    def copies(self) -> int:
        """Copies per chosen sample."""
        return len(self.masks)

    @classmethod
    def from_dict(cls, d: Mapping, *, where: str = "augment.plan") -> ClassPlan:
        """From ``{time: int, frequency: int, both: int, fraction: float}`` (all optional).

        Copies are ordered time, frequency, both.

        Raises
        ------
        MotivicError
            For an unknown key, a negative or non-integer count, or a bad fraction.
        """
        if not isinstance(d, Mapping):
            raise MotivicError(f"{where} must be a mapping of mask kinds to copies, got {d!r}")
        unknown = sorted(set(d) - {*MASK_KINDS, "fraction"})
        if unknown:
            raise MotivicError(
                f"{where}: unknown keys {unknown}; use {', '.join(MASK_KINDS)} and fraction"
            )
        masks: list[str] = []
        for kind in MASK_KINDS:
            n = d.get(kind, 0)
            if isinstance(n, bool) or int(n) != n or n < 0:
                raise MotivicError(f"{where}.{kind}={n!r} must be an integer >= 0")
            masks.extend([kind] * int(n))
        fraction = d.get("fraction", 1.0)
        if not isinstance(fraction, (int, float)) or not 0.0 <= float(fraction) <= 1.0:
            raise MotivicError(f"{where}.fraction={fraction!r} must lie in [0, 1]")
        return cls(tuple(masks), float(fraction))


def _class_counts(labels: Sequence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    labels = np.asarray(labels)
    return np.unique(labels, return_inverse=True, return_counts=True)


def _paper_plan(classes: np.ndarray, counts: np.ndarray) -> dict:
    n_min = counts.min() if counts.size else 0
    balanced = counts.size == 0 or counts.max() == n_min
    plan = {}
    for c, n in zip(classes.tolist(), counts.tolist()):
        if not balanced and n == n_min:
            plan[c] = ClassPlan(_PAPER_MINORITY, 1.0)
        else:
            plan[c] = ClassPlan(_PAPER_OTHERS, _PAPER_OTHERS_FRACTION)
    return plan


def _proportional_plan(
    classes: np.ndarray,
    counts: np.ndarray,
    *,
    masks: Sequence[str],
    minority_copies: int,
    fraction: float,
) -> dict:
    if isinstance(minority_copies, bool) or int(minority_copies) != minority_copies or (
        minority_copies < 1
    ):
        raise MotivicError(f"minority_copies={minority_copies!r} must be an integer >= 1")
    if not 0.0 <= fraction <= 1.0:
        raise MotivicError(f"fraction={fraction!r} must lie in [0, 1]")
    n_max = counts.max() if counts.size else 0
    plan = {}
    for c, n_c in zip(classes.tolist(), counts.tolist()):
        k_c = min(int(minority_copies), math.floor(n_max / n_c) - 1)
        if k_c >= 1:
            plan[c] = ClassPlan(tuple(masks[j % len(masks)] for j in range(k_c)), 1.0)
        else:
            plan[c] = ClassPlan((masks[0],), float(fraction))
    return plan


def _mapping_plan(spec: Mapping, classes: np.ndarray) -> dict:
    names = {str(c): c for c in classes.tolist()}
    unknown = sorted(str(k) for k in spec if k != OTHER_CLASSES and str(k) not in names)
    if unknown:
        raise MotivicError(
            f"augment.plan names classes {unknown} that the training split lacks; "
            f"its classes are {sorted(names)} (use {OTHER_CLASSES!r} for all others)"
        )
    other = spec.get(OTHER_CLASSES)
    default = (
        ClassPlan.from_dict(other, where=f"augment.plan.{OTHER_CLASSES}")
        if other is not None
        else ClassPlan()
    )
    by_name = {str(k): v for k, v in spec.items() if k != OTHER_CLASSES}
    return {
        c: ClassPlan.from_dict(by_name[str(c)], where=f"augment.plan.{c}")
        if str(c) in by_name
        else default
        for c in classes.tolist()
    }


def resolve_plan(
    plan: str | Mapping,
    labels: Sequence,
    *,
    masks: Sequence[str] = ("frequency", "time"),
    minority_copies: int = 3,
    fraction: float = 0.5,
) -> dict:
    """The :class:`ClassPlan` of every class of ``labels``.

    Parameters
    ----------
    plan : {"paper", "proportional"} or mapping
        A preset or an explicit mapping (see the module notes).
    labels : sequence [shape=(n,)]
        Class of each training sample (any hashable values).
    masks : sequence of str
        ``proportional`` only: mask kinds its copies cycle through.
    minority_copies : int >= 1
        ``proportional`` only: most copies per sample.
    fraction : float in [0, 1]
        ``proportional`` only: share of the larger classes' samples that get a copy.

    Returns
    -------
    plans : dict
        ``{class: ClassPlan}`` for every distinct label, in sorted label order.

    Raises
    ------
    MotivicError
        For an unknown preset, a mapping naming an absent class, or bad values.
    """
    classes, _, counts = _class_counts(labels)
    if isinstance(plan, Mapping):
        return _mapping_plan(plan, classes)
    if plan == "paper":
        return _paper_plan(classes, counts)
    if plan == "proportional":
        masks = tuple(masks)
        if not masks:
            raise MotivicError("augment plan proportional needs at least one mask kind")
        for kind in masks:
            if kind not in MASK_KINDS:
                raise MotivicError(f"mask kind {kind!r} must be one of {', '.join(MASK_KINDS)}")
        return _proportional_plan(
            classes, counts, masks=masks, minority_copies=minority_copies, fraction=fraction
        )
    raise MotivicError(
        f"augment.plan={plan!r} must be one of {', '.join(PLAN_PRESETS)} or a mapping of "
        f"classes to copies"
    )


def apply_policy(plans: Mapping, policy: str) -> dict:
    """Adapt a plan to a run's masking policy (see the module notes).

    Parameters
    ----------
    plans : dict
        ``{class: ClassPlan}`` from :func:`resolve_plan`.
    policy : {"none", "frequency", "time", "both"}

    Returns
    -------
    plans : dict
        ``both``: unchanged; ``frequency``/``time``: every copy of that kind;
        ``none``: no copies.
    """
    if policy not in POLICIES:
        raise MotivicError(f"augment policy={policy!r} must be one of {', '.join(POLICIES)}")
    if policy == "both":
        return dict(plans)
    if policy == "none":
        return {c: ClassPlan((), p.fraction) for c, p in plans.items()}
    return {c: ClassPlan((policy,) * p.copies, p.fraction) for c, p in plans.items()}


def plan_copies(
    labels: Sequence, plans: Mapping, *, rng: np.random.Generator
) -> list[tuple[int, str]]:
    """One ``(position, mask kind)`` entry per masked copy.

    Classes are visited in sorted order; a class with ``fraction < 1`` has
    ``round(fraction * n_c)`` of its samples drawn from ``rng`` without
    replacement, each of which gets every copy of its plan.

    Parameters
    ----------
    labels : sequence [shape=(n,)]
        Class of each training sample.
    plans : dict
        ``{class: ClassPlan}`` covering every label (:func:`resolve_plan`).
    rng : np.random.Generator
        Chooses the samples of classes with ``fraction < 1``.

    Returns
    -------
    plan : list of (int, str)
        Sorted by position; the copies of one sample keep their plan order.
    """
    classes, inverse, counts = _class_counts(labels)
    missing = [c for c in classes.tolist() if c not in plans]
    if missing:
        raise MotivicError(f"augmentation plan lacks classes {missing[:5]}")
    entries: list[tuple[int, str]] = []
    for c, (label, n_c) in enumerate(zip(classes.tolist(), counts.tolist())):
        members = np.flatnonzero(inverse == c)
        class_plan = plans[label]
        if class_plan.fraction >= 1.0:
            chosen = members
        else:
            n_pick = round(class_plan.fraction * n_c)
            chosen = rng.choice(members, size=n_pick, replace=False) if n_pick else members[:0]
        if class_plan.copies:
            entries.extend((int(p), kind) for p in chosen for kind in class_plan.masks)
        logger.debug(
            "class %s: %d samples, %d chosen x %d copies",
            label,
            n_c,
            len(chosen),
            class_plan.copies,
        )
    entries.sort(key=lambda e: e[0])  # stable: copies of one sample keep their order
    logger.info(
        "augmentation plan: %d copies of %d samples (%d classes)",
        len(entries),
        len(inverse),
        classes.size,
    )
    return entries
