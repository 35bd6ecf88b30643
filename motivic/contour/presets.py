"""The readings of the contour stage as option presets.

``paper`` is the paper's text (the default of ``config.yaml``); ``authors`` is the
authors' released code (``config/authors.yaml``); ``notes`` is the note-level reading
(:mod:`motivic.contour.notes`: the paper's steps and classes, every token an interval
between notes of at least 0.1 s, drift under 50 cents inside a note; the reading of
``config/real-singing.yaml``, docs/method.md "Choosing the reading"). :func:`mode_options`
lays a preset over a configured ``contour`` slice, keeping its phrase settings (gaps,
jumps, phrase length, reference), so one run can compare the readings on the same f0.
"""

from __future__ import annotations

from motivic.core.errors import MotivicError

__all__ = ["MODE_PRESETS", "mode_options"]

MODE_PRESETS: dict[str, dict] = {
    "paper": {
        "method": "paper",
        "epsilon": 66.0,
        "band_cents": None,
        "n_classes": 4,
        "class_edges": None,
        "ties": "lower",
        "sign": "up",
        "min_step_s": 0.03,
        "tie_break": "least_squares",
    },
    "authors": {
        "method": "authors",
        "epsilon": 66.0,
        "band_cents": 66.0,
        "n_classes": 3,
        "class_edges": [70.0, 112.0],
        "ties": "inner",
        "sign": "down",
        "min_step_s": 0.0,
        "tie_break": "greedy",
    },
    "notes": {
        "method": "notes",
        "epsilon": 66.0,
        "band_cents": None,
        "n_classes": 4,
        "class_edges": None,
        "ties": "lower",
        "sign": "up",
        "min_step_s": 0.1,
        "min_interval_cents": 50.0,
        "tie_break": "least_squares",
    },
}


def mode_options(contour: dict, mode: str) -> dict:
    """``contour`` (a config slice) with the keys of reading ``mode`` replaced.

    Raises
    ------
    MotivicError
        If ``mode`` is not a preset.
    """
    if mode not in MODE_PRESETS:
        raise MotivicError(f"contour mode {mode!r} is unknown; valid: {', '.join(MODE_PRESETS)}")
    preset = MODE_PRESETS[mode]
    return {**contour, **{k: (list(v) if isinstance(v, list) else v) for k, v in preset.items()}}
