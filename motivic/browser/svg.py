"""Inline SVG figures of the motif browser: contour overlays and recording timelines.

Plain strings, no plotting library: the page must open from disk with nothing fetched. Every
text that reaches the markup goes through :func:`html.escape`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

import numpy as np

from motivic.browser.gather import Contour, TimelineView

__all__ = ["PALETTE", "colour_of", "overlay_svg", "path_data", "timeline_svg"]

#: Categorical colours (Tableau 10), for classes and motifs.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)


_LEFT = 48  # px left of a timeline's time axis, for the lanes' motif ids


def colour_of(index: int) -> str:
    """The ``index``-th colour of :data:`PALETTE`, cycling."""
    return PALETTE[index % len(PALETTE)]


def path_data(xs, ys) -> str:
    """SVG path commands through the points ``(xs, ys)``, broken wherever a value is ``nan``.

    Each run of finite points is one ``M x y L x y ...`` subpath; a lone finite point
    becomes ``M x y h0``, a zero-length segment drawn as a dot with round line caps.
    """
    xs = np.asarray(xs, dtype=float)
    ys = np.asarray(ys, dtype=float)
    finite = np.isfinite(xs) & np.isfinite(ys)
    edges = np.flatnonzero(np.diff(np.r_[0, finite.astype(np.int8), 0]))
    subpaths = []
    for a, b in zip(edges[::2], edges[1::2]):
        points = [f"{px:.1f} {py:.1f}" for px, py in zip(xs[a:b].tolist(), ys[a:b].tolist())]
        subpaths.append("M" + " L".join(points) if len(points) > 1 else f"M{points[0]} h0")
    return " ".join(subpaths)


def overlay_svg(
    contours: Sequence[Contour], *, colour: str, width: int = 190, height: int = 84
) -> str:
    """The occurrences' contours on common axes (seconds from onset, cents around each median).

    The vertical range is symmetric, at least ±100 cents; a dashed line marks 0 (the median).
    Each contour's ``<title>`` names its recording.
    """
    spans = [float(c.times_s[-1]) for c in contours if c.times_s.size]
    duration = max(spans + [0.05])
    finite = [np.abs(c.cents[np.isfinite(c.cents)]) for c in contours]
    finite = [a for a in finite if a.size]
    reach = max([100.0] + [float(np.percentile(a, 98)) for a in finite])
    pad, plot_height = 3.0, height - 12  # the last 12 px hold the scale

    def x(t):
        return pad + (np.asarray(t) / duration) * (width - 2 * pad)

    def y(c):
        return plot_height / 2 - (np.asarray(c) / reach) * (plot_height / 2 - pad)

    lines = [
        (
            f'<svg class="overlay" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{len(contours)} contours">'
        ),
        f'<line x1="0" y1="{plot_height / 2:.1f}" x2="{width}" y2="{plot_height / 2:.1f}" class="zero"/>',
    ]
    for contour in contours:
        d = path_data(x(contour.times_s), y(np.clip(contour.cents, -reach, reach)))
        if d:
            lines.append(
                f'<path d="{d}" stroke="{escape(colour)}"><title>{escape(contour.recording)}</title></path>'
            )
    lines.append(
        f'<text x="{width - 2}" y="{height - 2}" class="axis" text-anchor="end">'
        f"{len(contours)} occ., ±{reach:.0f} cents, {duration:.2f} s</text></svg>"
    )
    return "".join(lines)


def timeline_svg(
    timeline: TimelineView,
    *,
    colours: Mapping[str, str],
    px_per_s: float = 40.0,
    pitch_height: int = 120,
    lane_height: int = 11,
) -> str:
    """f0 (grey), steps (black) and one lane of occurrence bars per motif, along the recording.

    ``colours`` maps a motif id to its colour (the motif's class colour on the page);
    each bar's ``<title>`` gives motif and span, and carries ``data-motif`` for highlighting.
    """
    duration = max(timeline.duration_s, 1e-3)
    width = math.ceil(duration * px_per_s) + _LEFT + 10
    motifs = sorted({m for m, _, _ in timeline.occurrences})
    lanes = {m: k for k, m in enumerate(motifs)}
    height = pitch_height + 18 + lane_height * len(motifs) + 4
    finite = timeline.cents[np.isfinite(timeline.cents)]
    levels = timeline.steps[:, 2] if timeline.steps.size else np.empty(0)
    values = np.concatenate([finite, levels])
    low, high = np.percentile(values, [1, 99]) if values.size else (0.0, 1200.0)
    low, high = float(low) - 50.0, float(high) + 50.0

    def x(t):
        return _LEFT + np.asarray(t, dtype=float) * px_per_s

    def y(c):
        return 4.0 + (high - np.asarray(c, dtype=float)) / (high - low) * (pitch_height - 8)

    parts = [
        (
            f'<svg class="timeline" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'xmlns="http://www.w3.org/2000/svg" role="img" '
            f'aria-label="timeline of {escape(timeline.recording)}">'
        ),
        f'<rect x="{_LEFT}" y="0" width="{duration * px_per_s:.1f}" height="{pitch_height}" class="panel"/>',
    ]
    for t in range(0, int(duration) + 1, 5):
        parts.append(
            f'<line x1="{x(t):.1f}" y1="0" x2="{x(t):.1f}" y2="{pitch_height}" class="grid"/>'
            f'<text x="{x(t):.1f}" y="{pitch_height + 12}" class="axis" text-anchor="middle">{t} s</text>'
        )
    d = path_data(x(timeline.times_s), y(np.clip(timeline.cents, low, high)))
    if d:
        parts.append(f'<path d="{d}" class="f0"><title>f0</title></path>')
    for start, end, level in timeline.steps.tolist():
        if low <= level <= high:
            parts.append(
                f'<line x1="{x(start):.1f}" y1="{y(level):.1f}" x2="{x(end):.1f}" y2="{y(level):.1f}" class="step"/>'
            )
    for motif, start, end in timeline.occurrences:
        top = pitch_height + 18 + lane_height * lanes[motif]
        colour = escape(colours.get(motif, "#888888"))
        parts.append(
            f'<rect x="{x(start):.1f}" y="{top}" width="{max((end - start) * px_per_s, 1.0):.1f}" '
            f'height="{lane_height - 2}" fill="{colour}" class="occ" data-motif="{escape(motif)}">'
            f"<title>{escape(motif)}: {start:.2f}–{end:.2f} s</title></rect>"
        )
    for motif, k in lanes.items():
        parts.append(
            f'<text x="2" y="{pitch_height + 18 + lane_height * k + lane_height - 3}" '
            f'class="lane">{escape(motif)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
