"""Cents and signed interval classes, with the class edges and sign convention as options.

Two readings of the classes exist (see ``docs/method.md``):

* **paper** (Arronte Alvarez & Gómez 2021, text): four classes of width ε = 66 cents,
  ``|d| <= ε`` → 1, ``ε < |d| <= 2ε`` → 2, ``2ε < |d| <= 3ε`` → 3, larger → 4, positive when
  the pitch goes **up**;
* **authors** (their released code, ``deep-flamenco`` ``utils/contour_approximation.py``):
  three classes, ``|d| < 70`` → 1, ``70 <= |d| <= 112`` → 2, ``|d| > 112`` → 3, positive
  when the pitch goes **down**.

:class:`IntervalClasses` holds the edges, how a difference equal to an edge is classed
(``ties``) and the sign convention; :func:`interval_class` applies it.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from motivic.core.errors import MotivicError

__all__ = ["SIGNS", "TIES", "IntervalClasses", "hz_to_cents", "interval_class"]

SIGNS = ("up", "down")
TIES = ("lower", "upper", "inner")


def _check_positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise MotivicError(f"{name}={value!r} must be a number") from None
    ok = v >= 0 if allow_zero else v > 0
    if not math.isfinite(v) or not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise MotivicError(f"{name}={value!r} must be finite and {bound}")
    return v


def hz_to_cents(f0_hz, *, reference_hz: float = 55.0) -> np.ndarray:
    """Convert frequencies to cents above ``reference_hz``.

    Parameters
    ----------
    f0_hz : array_like [shape=(n,)]
        Frequencies in Hz; values ≤ 0 or not finite mark unvoiced frames.
    reference_hz : float > 0
        Frequency of 0 cents (default A1 = 55 Hz).

    Returns
    -------
    cents : np.ndarray [shape=(n,), dtype=float]
        ``1200 * log2(f0_hz / reference_hz)``; ``nan`` where unvoiced.

    Raises
    ------
    MotivicError
        If ``reference_hz`` is not a finite positive number.

    Examples
    --------
    >>> hz_to_cents([110.0, 0.0, 55.0]).round(6).tolist()
    [1200.0, nan, 0.0]
    """
    ref = _check_positive("reference_hz", reference_hz)
    f = np.asarray(f0_hz, dtype=float)
    out = np.full(f.shape, np.nan)
    voiced = np.isfinite(f) & (f > 0)
    out[voiced] = 1200.0 * np.log2(f[voiced] / ref)
    return out


@dataclass(frozen=True)
class IntervalClasses:
    """How a pitch difference becomes a signed interval class.

    Attributes
    ----------
    edges : tuple of float
        Increasing positive class edges in cents; ``len(edges) + 1`` classes.
    ties : {"lower", "upper", "inner"}
        Class of a difference equal to an edge: the class below it (``lower``, the paper:
        ``|d| = ε`` → 1), the class above (``upper``), or the inner one (``inner``: the
        first edge belongs to class 2 and every other edge to the class below it — the
        authors' code, where 70 and 112 both give class 2).
    sign : {"up", "down"}
        The direction a *positive* class means: pitch going up (the paper) or down (the
        authors' code).
    """

    edges: tuple[float, ...] = (66.0, 132.0, 198.0)
    ties: str = "lower"
    sign: str = "up"

    def __post_init__(self):
        edges = tuple(float(e) for e in self.edges)
        if not edges:
            raise MotivicError("class_edges must hold at least one edge (two classes)")
        if not all(math.isfinite(e) and e > 0 for e in edges) or any(
            b <= a for a, b in itertools.pairwise(edges)
        ):
            raise MotivicError(
                f"class_edges={list(self.edges)} must be finite, positive and strictly increasing"
            )
        if self.ties not in TIES:
            raise MotivicError(f"ties={self.ties!r} is unknown; valid: {', '.join(TIES)}")
        if self.sign not in SIGNS:
            raise MotivicError(f"sign={self.sign!r} is unknown; valid: {', '.join(SIGNS)}")
        object.__setattr__(self, "edges", edges)

    @classmethod
    def from_options(
        cls,
        *,
        epsilon: float = 66.0,
        n_classes: int = 4,
        class_edges=None,
        ties: str = "lower",
        sign: str = "up",
    ) -> IntervalClasses:
        """Build from the ``contour`` config keys.

        ``class_edges = None`` takes multiples of the class width: ``ε, 2ε, …,
        (n_classes − 1)ε``; otherwise it must hold ``n_classes − 1`` edges.
        """
        eps = _check_positive("epsilon", epsilon)
        if int(n_classes) != n_classes or n_classes < 2:
            raise MotivicError(f"n_classes={n_classes!r} must be an integer >= 2")
        n_classes = int(n_classes)
        if class_edges is None:
            edges = tuple(eps * k for k in range(1, n_classes))
        else:
            edges = tuple(class_edges)
            if len(edges) != n_classes - 1:
                raise MotivicError(
                    f"class_edges={list(edges)} must hold n_classes - 1 = {n_classes - 1} edges"
                )
        return cls(edges=edges, ties=ties, sign=sign)

    @property
    def n_classes(self) -> int:
        """Number of interval sizes (unsigned classes)."""
        return len(self.edges) + 1

    def classify(self, d_cents) -> np.ndarray:
        """Signed classes of differences ``d_cents`` (later pitch − earlier pitch).

        A difference of exactly 0 has no direction and maps to 0.
        """
        d = np.asarray(d_cents, dtype=float)
        if not np.all(np.isfinite(d)):
            raise MotivicError("interval_class: d_cents must be finite (got nan or inf)")
        a = np.abs(d)
        edges = np.asarray(self.edges)
        if self.ties == "lower":
            size = 1 + np.searchsorted(edges, a, side="left")
        elif self.ties == "upper":
            size = 1 + np.searchsorted(edges, a, side="right")
        else:  # inner: the first edge goes up, the others down
            size = 1 + np.searchsorted(edges, a, side="left")
            size = np.where(a == edges[0], 2, size)
        size = np.asarray(size, dtype=np.int8)
        sign = np.sign(d).astype(np.int8)
        if self.sign == "down":
            sign = -sign
        return (sign * size).astype(np.int8)


def interval_class(d_cents, *, epsilon: float = 66.0, classes: IntervalClasses | None = None):
    """Signed interval class of pitch differences, as in Arronte Alvarez & Gómez (2021).

    Parameters
    ----------
    d_cents : array_like [shape=(...)]
        Differences between consecutive step pitches (later − earlier), in cents.
    epsilon : float > 0
        Class width when ``classes`` is None: ``|d| <= ε`` → 1, ``ε < |d| <= 2ε`` → 2,
        ``2ε < |d| <= 3ε`` → 3, ``|d| > 3ε`` → 4 (66/132/198 cents for ε = 66), positive up.
    classes : IntervalClasses or None
        Any other edges, tie rule or sign convention (then ``epsilon`` is not used).

    Returns
    -------
    classes : np.ndarray [shape=d_cents.shape, dtype=int8]
        Signed class. A difference of exactly 0 has no direction and maps to 0;
        :func:`simplify` never produces it (consecutive levels always differ).

    Raises
    ------
    MotivicError
        If ``epsilon <= 0`` or ``d_cents`` holds non-finite values.

    Examples
    --------
    >>> interval_class([66, -67, 132, 133, -198, 199]).tolist()
    [1, -2, 2, 3, -3, 4]
    >>> authors = IntervalClasses(edges=(70.0, 112.0), ties="inner", sign="down")
    >>> interval_class([69.9, 70.0, -112.0, 112.1, -300.0], classes=authors).tolist()
    [-1, -2, 2, -3, 3]
    """
    if classes is None:
        classes = IntervalClasses.from_options(epsilon=epsilon, n_classes=4)
    return classes.classify(d_cents)
