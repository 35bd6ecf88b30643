"""Contour simplification: f0 → phrases of signed interval classes with time spans.

Two readings of Arronte Alvarez & Gómez (2021), ``simplify(..., method=...)``:
``"paper"`` (the text: fewest ε-band steps after Díaz-Báñez & Mesa 2001, minimum step
duration, medians, up positive) and ``"authors"`` (their released code: greedy
range-bounded segments, midranges, 70/112-cent classes, down positive); and a note-level
reading, ``"notes"`` (the paper's steps joined into notes of at least 0.1 s, drift within
a note absorbed). Modules:

* :mod:`.classes` — cents and :class:`IntervalClasses` (edges, ties, sign);
* :mod:`.steps` — :func:`step_approximation` and :func:`range_bounded_steps`;
* :mod:`.notes` — :func:`note_segments`, the note-level reading;
* :mod:`.simplify` — phrases and tokens from an f0 track (stage-by-stage docstring);
* :mod:`.phrases` — :class:`Phrase` and its TSV file;
* :mod:`.presets` — the three readings as option presets (:func:`mode_options`);
* :mod:`.clip_patterns` — agreement of clip tokens with published contour patterns.
"""

from motivic.contour.classes import SIGNS, TIES, IntervalClasses, hz_to_cents, interval_class
from motivic.contour.notes import note_segments
from motivic.contour.phrases import Phrase, load_phrases, write_phrases
from motivic.contour.presets import MODE_PRESETS, mode_options
from motivic.contour.simplify import METHODS, simplify
from motivic.contour.steps import TIE_BREAKS, range_bounded_steps, step_approximation

__all__ = [
    "METHODS",
    "MODE_PRESETS",
    "SIGNS",
    "TIES",
    "TIE_BREAKS",
    "IntervalClasses",
    "Phrase",
    "hz_to_cents",
    "interval_class",
    "load_phrases",
    "mode_options",
    "note_segments",
    "range_bounded_steps",
    "simplify",
    "step_approximation",
    "write_phrases",
]
