"""Closed gap-constrained sequential pattern mining (Gap-BIDE) and motif dictionaries.

Definitions (Li & Wang 2008, "Efficient mining of gap-constrained subsequences and its
various applications", building on BIDE, Wang & Han 2004):

* A pattern ``P = p1..pk`` *occurs* in a sequence ``S`` at positions ``i1 < … < ik`` when
  ``S[ij] = pj`` and ``min_gap <= i_{j+1} − i_j − 1 <= max_gap`` for every ``j``.
  With ``[min_gap, max_gap] = [0, 0]`` occurrences are contiguous substrings.
* ``support(P)`` is the number of sequences with at least one occurrence (default,
  ``support="phrases"``), or the number of occurrences (``support="occurrences"``,
  contiguous patterns only; see :func:`mine_closed_patterns`).
* ``P'`` is a (gap-constrained) *super-pattern* of ``P`` when ``P' = Q + P + R`` (token
  concatenation) with ``|Q| + |R| >= 1``. Every occurrence of ``P'`` contains one of
  ``P`` under the same gap constraint, so ``support(P') <= support(P)``. Inserting tokens
  *inside* ``P`` is not an extension here: the gap between the tokens around the
  insertion would change, so support is not monotone under it (Gap-BIDE does not use it).
* ``P`` is *closed* when no super-pattern has the same support. Because
  ``support(QPR) <= support(P + r1) <= support(P)`` and likewise for ``q_last + P``, it
  suffices to check single-token *forward* (``P + e``) and *backward* (``e + P``)
  extensions — Gap-BIDE's forward and backward checks.
* Closedness is judged against all patterns (an equal-support extension is frequent
  whenever ``P`` is); ``min_length`` only filters the output.

Layout: :mod:`.patterns` (the :class:`Pattern` record and its string form),
:mod:`.bide` (the miner), :mod:`.tables` (occurrences in time, the collection's
dictionary, TSV input/output), :mod:`.kinds` (melodic motif, oscillation or sub-note
steps), :mod:`.coherence` (do a motif's occurrences sound alike: banded DTW against
random windows).
"""

from motivic.mining.bide import SUPPORTS, mine_closed_patterns
from motivic.mining.coherence import COHERENCE_COLUMNS, dictionary_coherence, motif_coherence
from motivic.mining.kinds import KINDS, motif_kinds
from motivic.mining.patterns import Pattern, format_pattern, parse_pattern
from motivic.mining.tables import (
    DICTIONARY_COLUMNS,
    LOCATE_COLUMNS,
    OCCURRENCE_COLUMNS,
    build_dictionary,
    locate,
    locate_collection,
    read_table,
    write_table,
)

__all__ = [
    "COHERENCE_COLUMNS",
    "DICTIONARY_COLUMNS",
    "KINDS",
    "LOCATE_COLUMNS",
    "OCCURRENCE_COLUMNS",
    "SUPPORTS",
    "Pattern",
    "build_dictionary",
    "dictionary_coherence",
    "format_pattern",
    "locate",
    "locate_collection",
    "mine_closed_patterns",
    "motif_coherence",
    "motif_kinds",
    "parse_pattern",
    "read_table",
    "write_table",
]
