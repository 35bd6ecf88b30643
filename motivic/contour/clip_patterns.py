"""Agreement of a clip's tokens with the contour pattern its authors published.

Arronte Alvarez & Gómez published their motif clips as
``<singer>/<recording>_<pattern>_<id>.wav``, where ``<pattern>`` is the motif's simplified
contour: signed classes concatenated, e.g. ``-12121`` = ``[-1, 2, 1, 2, 1]`` (one digit per
class, ``-`` before a negative one; the collection uses ±1 and ±2 only). Comparing those
patterns with the tokens this project computes on the same audio measures how closely a
reading of the method (``contour.method``) reproduces theirs:

* ``exact`` — the token sequence equals the published pattern;
* ``lcs_own`` — length of the longest common *contiguous* run of tokens with the clip's own
  pattern;
* ``lcs_shuffled`` — the same against the pattern of a seeded random *other* clip: the
  chance level of ``lcs_own`` for sequences of these lengths and token frequencies.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

from motivic.contour.simplify import simplify
from motivic.core.errors import MotivicError

__all__ = [
    "CLIP_PATTERN_COLUMNS",
    "agreement_table",
    "clip_tokens",
    "format_tokens",
    "longest_common_run",
    "parse_contour_pattern",
]

logger = logging.getLogger(__name__)

CLIP_PATTERN_COLUMNS = [
    "clip",
    "path",
    "published",
    "tokens",
    "n_published",
    "n_tokens",
    "n_clips",
    "exact",
    "lcs_own",
    "lcs_shuffled",
]
_PATTERN_RE = re.compile(r"(?:-?[1-9])+")
_TOKEN_RE = re.compile(r"-?[1-9]")


def parse_contour_pattern(text: str, *, source: str = "pattern") -> tuple[int, ...]:
    """Tokens of a published contour pattern: ``"-12121"`` → ``(-1, 2, 1, 2, 1)``.

    Parameters
    ----------
    text : str
        Concatenated signed classes, one digit 1–9 each, ``-`` before negative ones.
    source : str
        Named in the error message (e.g. the clip's file).

    Raises
    ------
    MotivicError
        If ``text`` is not such a pattern.

    Examples
    --------
    >>> parse_contour_pattern("21-1-11-1")
    (2, 1, -1, -1, 1, -1)
    """
    text = str(text)
    if not _PATTERN_RE.fullmatch(text):
        raise MotivicError(
            f"{source}: {text!r} is not a contour pattern (signed classes 1-9 concatenated, "
            "e.g. -12121)"
        )
    return tuple(int(t) for t in _TOKEN_RE.findall(text))


def format_tokens(tokens) -> str:
    """Inverse of :func:`parse_contour_pattern` for classes 1–9 (``""`` when empty)."""
    return "".join(str(int(t)) for t in tokens)


def longest_common_run(a, b) -> int:
    """Length of the longest common contiguous run of two token sequences.

    Dynamic programme over the diagonals: ``run[i, j] = run[i-1, j-1] + 1`` where
    ``a[i] = b[j]``, vectorised over ``j``; ``O(len(a) · len(b))``.

    Examples
    --------
    >>> longest_common_run([1, -1, 2, 1, 1], [2, 1, 1, -2])
    3
    """
    a = np.asarray(a, dtype=np.int64).ravel()
    b = np.asarray(b, dtype=np.int64).ravel()
    if a.size == 0 or b.size == 0:
        return 0
    best = 0
    prev = np.zeros(b.size + 1, dtype=np.int64)
    for token in a:
        cur = np.zeros_like(prev)
        cur[1:] = np.where(b == token, prev[:-1] + 1, 0)
        best = max(best, int(cur.max()))
        prev = cur
    return best


def clip_tokens(times_s, f0_hz, **contour_options) -> tuple[int, ...]:
    """Tokens of one clip: :func:`simplify` with every phrase kept, tokens concatenated.

    A clip is one motif, shorter than a phrase, so ``min_phrase_tokens`` is 1 whatever the
    options say; the other ``contour`` options apply as configured. Tokens of phrases
    split by an unvoiced gap are concatenated in time order.
    """
    options = {**contour_options, "min_phrase_tokens": 1}
    phrases = simplify(times_s, f0_hz, **options)
    return tuple(int(t) for p in phrases for t in p.tokens)


def agreement_table(clips: pd.DataFrame, *, seed: int) -> pd.DataFrame:
    """Per-clip agreement rows and a last ``clip = ALL`` row of means.

    Parameters
    ----------
    clips : pandas.DataFrame
        Columns ``clip``, ``path``, ``published`` (pattern text) and ``tokens`` (sequence
        of ints, the project's tokens of that clip), at least two rows.
    seed : int
        Draws each clip's random other clip for ``lcs_shuffled``.

    Returns
    -------
    table : pandas.DataFrame
        Columns :data:`CLIP_PATTERN_COLUMNS`. Per clip: the published pattern and the
        tokens (as pattern text), their lengths, ``exact`` (0/1), ``lcs_own`` and
        ``lcs_shuffled``. Row ``ALL``: ``n_clips``, the share of exact matches and the
        mean ``lcs_own``, ``lcs_shuffled``, ``n_published`` and ``n_tokens``.

    Raises
    ------
    MotivicError
        If a column is missing, a pattern does not parse or there are fewer than two clips.
    """
    missing = [c for c in ("clip", "path", "published", "tokens") if c not in clips.columns]
    if missing:
        raise MotivicError(f"agreement_table: clips lack columns {missing}")
    n = len(clips)
    if n < 2:
        raise MotivicError(
            f"agreement_table: need at least two clips for the shuffled baseline, got {n}"
        )
    published = [
        parse_contour_pattern(p, source=str(path))
        for p, path in zip(clips["published"], clips["path"])
    ]
    tokens = [tuple(int(t) for t in seq) for seq in clips["tokens"]]
    rng = np.random.default_rng(seed)
    other = (np.arange(n) + rng.integers(1, n, size=n)) % n  # never the clip itself
    rows = pd.DataFrame(
        {
            "clip": clips["clip"].astype(str).to_numpy(),
            "path": clips["path"].astype(str).to_numpy(),
            "published": [format_tokens(p) for p in published],
            "tokens": [format_tokens(t) for t in tokens],
            "n_published": [len(p) for p in published],
            "n_tokens": [len(t) for t in tokens],
            "n_clips": np.nan,
            "exact": [int(t == p) for t, p in zip(tokens, published)],
            "lcs_own": [longest_common_run(t, p) for t, p in zip(tokens, published)],
            "lcs_shuffled": [longest_common_run(t, published[j]) for t, j in zip(tokens, other)],
        }
    )
    total = {
        "clip": "ALL",
        "path": "",
        "published": "",
        "tokens": "",
        "n_clips": n,
        **{
            c: rows[c].mean()
            for c in ("n_published", "n_tokens", "exact", "lcs_own", "lcs_shuffled")
        },
    }
    logger.info(
        "clip patterns: %d clips, exact %.3f, lcs own %.2f vs shuffled %.2f, tokens %.2f vs %.2f",
        n,
        total["exact"],
        total["lcs_own"],
        total["lcs_shuffled"],
        total["n_tokens"],
        total["n_published"],
    )
    return pd.concat([rows, pd.DataFrame([total])], ignore_index=True)[CLIP_PATTERN_COLUMNS]
