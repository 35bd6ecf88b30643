"""Tests for motivic.contour.plots: the per-recording contour figure."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PolyCollection

from motivic.contour import simplify
from motivic.contour.plots import contour_figure_size, plot_contour, save_figure
from motivic.core.errors import MotivicError

HOP_S = 0.01


def _melody(levels_cents, *, note_s=0.2, gap_notes=()):
    """f0 track of held notes (cents re 55 Hz), unvoiced where a level is nan."""
    cents = np.repeat(np.asarray(levels_cents, dtype=float), round(note_s / HOP_S))
    f0 = np.where(np.isfinite(cents), 55.0 * 2.0 ** (np.nan_to_num(cents) / 1200.0), 0.0)
    return np.arange(cents.size) * HOP_S, f0


@pytest.fixture(scope="module")
def recording():
    base = 2400.0
    phrase = [0, 100, 400, 300, 600, 500, 200]
    levels = [base + c for c in phrase] + [np.nan, np.nan] + [base + c for c in phrase]
    t, f0 = _melody(levels)
    phrases = simplify(t, f0, min_phrase_tokens=1)
    occ = pd.DataFrame(
        {
            "motif_id": ["m00001", "m00001", "m00002"],
            "pattern": ["+2,+4,-2,+4,-2", "+2,+4,-2,+4,-2", "+4,-2,+4"],
            "start_s": [0.0, 1.8, 0.2],
            "end_s": [1.2, 3.0, 1.0],
        }
    )
    planted = pd.DataFrame(
        {"motif_id": ["style1_m1"] * 2, "start_s": [0.0, 1.8], "end_s": [1.4, 3.2]}
    )
    return t, f0, phrases, occ, planted


def test_plot_contour_draws_every_step_occurrence_and_lane(recording):
    t, f0, phrases, occ, planted = recording
    fig = plot_contour(t, f0, phrases, occ, planted=planted, title="r1")
    ax, lanes = fig.axes
    n_steps = sum(len(p.steps) for p in phrases)
    assert len(phrases) == 2 and n_steps == 14
    # one pitch segment and one ε band per step
    hlines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert sum(len(c.get_segments()) for c in hlines) == n_steps
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == n_steps
    # one translucent span per mined occurrence on the contour axes
    assert len(ax.patches) == len(occ)
    # one token label per token
    assert len(ax.texts) == sum(p.tokens.size for p in phrases)
    # lanes: the two mined patterns, then the planted motif
    labels = [tick.get_text() for tick in lanes.get_yticklabels()]
    assert labels == ["m00001 +2,+4,-2,+4,-2", "m00002 +4,-2,+4", "planted style1_m1"]
    bars = [c for c in lanes.collections if isinstance(c, PolyCollection)]
    assert [len(c.get_paths()) for c in bars] == [2, 1, 2]
    assert "2 phrases" in ax.get_title(loc="left")


def test_plot_contour_y_axis_names_notes(recording):
    t, f0, phrases, occ, _ = recording
    ax = plot_contour(t, f0, phrases, occ).axes[0]
    labels = {tick.get_text() for tick in ax.get_yticklabels()}
    assert "A3  2400" in labels  # 2400 cents above A1 (55 Hz) is A3 (220 Hz)


def test_save_figure_writes_png_of_expected_size(recording, tmp_path):
    t, f0, phrases, occ, _ = recording
    fig = plot_contour(t, f0, phrases, occ, seconds_per_inch=0.2)
    save_figure(fig, tmp_path / "c.png", dpi=50)
    data = (tmp_path / "c.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width_px = int.from_bytes(data[16:20], "big")
    expected_in, _ = contour_figure_size(t[-1] - t[0], seconds_per_inch=0.2, n_lanes=2)
    assert expected_in == pytest.approx((t[-1] - t[0]) / 0.2)
    assert abs(width_px - expected_in * 50) <= 1  # matplotlib truncates to whole pixels


def test_contour_figure_size_is_clipped():
    assert contour_figure_size(1.0)[0] == 8.0
    assert contour_figure_size(10_000.0)[0] == 60.0
    assert contour_figure_size(0.0, n_lanes=10)[1] > contour_figure_size(0.0, n_lanes=1)[1]
    with pytest.raises(MotivicError, match="seconds_per_inch"):
        contour_figure_size(1.0, seconds_per_inch=0.0)


def test_plot_contour_rejects_bad_inputs(recording):
    t, f0, phrases, occ, _ = recording
    with pytest.raises(MotivicError, match="times_s"):
        plot_contour(t[:-1], f0, phrases, occ)
    with pytest.raises(MotivicError, match="occurrences lacks"):
        plot_contour(t, f0, phrases, occ.drop(columns="end_s"))
    with pytest.raises(MotivicError, match="planted lacks"):
        plot_contour(t, f0, phrases, occ, planted=pd.DataFrame({"start_s": [0.0]}))


def test_plot_contour_without_motifs_or_voicing():
    t = np.arange(100) * HOP_S
    fig = plot_contour(t, np.zeros(100), [], pd.DataFrame(columns=["pattern", "start_s", "end_s"]))
    assert len(fig.axes[0].patches) == 0


def test_plots_never_touch_pyplot():
    code = (
        "import sys, numpy as np, pandas as pd\n"
        "from motivic.contour.plots import plot_contour, save_figure\n"
        "fig = plot_contour(np.arange(50) * 0.01, np.full(50, 220.0), [],"
        " pd.DataFrame(columns=['pattern', 'start_s', 'end_s']))\n"
        "import tempfile, os; save_figure(fig, os.path.join(tempfile.mkdtemp(), 'f.png'))\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
