"""The motif browser's HTML: one self-contained page (inline CSS, JavaScript and SVG).

:func:`render_page` turns a :class:`~motivic.browser.gather.BrowserData` into the text of
``index.html``. Every string from the data is escaped with :func:`html.escape` (text and
attribute values alike); nothing is fetched from the network, so the page works from
``file://`` and inside the Snakemake report.
"""

from __future__ import annotations

import math
from html import escape

from motivic.browser.gather import BrowserData, MotifView, TimelineView
from motivic.browser.svg import colour_of, overlay_svg, timeline_svg

__all__ = ["MISSING", "render_page"]

#: Shown for a value the tables do not have (a dictionary without ``kind``, say).
MISSING = "–"

_STYLE = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 1.5em 2em;color:#222;background:#fff}
h1{font-size:1.5em;margin:.6em 0 .2em}h2{font-size:1.2em;margin:1.4em 0 .4em}h3{font-size:1em;margin:.8em 0 .2em}
.summary,.note{color:#555;max-width:60em}
.controls{position:sticky;top:0;background:#f4f4f4;padding:.5em .8em;border-bottom:1px solid #ddd;z-index:2}
.controls label{margin-right:1.2em}
table{border-collapse:collapse;margin-top:.5em}
th,td{border-bottom:1px solid #e3e3e3;padding:3px 6px;text-align:left;vertical-align:middle;white-space:nowrap}
th{background:#fafafa;cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:.95em}
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.35em;vertical-align:-1px}
tr.motif-row:hover{background:#fff8e6}
audio{height:26px;width:120px;display:block;margin:2px 0}
svg.overlay path{fill:none;stroke-width:1.3;stroke-opacity:.75;stroke-linecap:round}
svg.overlay line.zero{stroke:#bbb;stroke-dasharray:3 3}
svg text{font:10px system-ui,sans-serif;fill:#666}
svg.timeline .panel{fill:#fcfcfc;stroke:#ddd}
svg.timeline .grid{stroke:#eee}
svg.timeline .f0{fill:none;stroke:#9a9a9a;stroke-width:1;stroke-linecap:round}
svg.timeline .step{stroke:#111;stroke-width:2}
svg.timeline .occ{fill-opacity:.85}
svg.timeline .occ.hl{stroke:#000;stroke-width:1.5}
.table-wrap{overflow-x:auto}
.scroll{overflow-x:auto;border:1px solid #eee;padding:2px}
.empty{color:#a33}
"""

_SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("motifs");
  var body = table.tBodies[0];
  var classFilter = document.getElementById("class-filter");
  var kindFilter = document.getElementById("kind-filter");
  var count = document.getElementById("shown-count");
  function rows() { return Array.prototype.slice.call(body.rows); }
  function apply() {
    var c = classFilter.value, k = kindFilter.value, n = 0;
    rows().forEach(function (row) {
      var show = (!c || row.dataset.label === c) && (!k || row.dataset.kind === k);
      row.hidden = !show;
      if (show) { n += 1; }
    });
    Array.prototype.forEach.call(document.querySelectorAll(".timeline-card"), function (card) {
      card.hidden = Boolean(c) && card.dataset.label !== c;
    });
    count.textContent = n + " of " + body.rows.length + " motifs shown";
  }
  function sortBy(th) {
    var index = th.cellIndex, numeric = th.dataset.sort === "num";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var sorted = rows().sort(function (a, b) {
      var x = a.cells[index].dataset.value, y = b.cells[index].dataset.value;
      if (x === "" || y === "") { return (x === "") - (y === ""); }
      var d = numeric ? Number(x) - Number(y) : x.localeCompare(y);
      return ascending ? d : -d;
    });
    sorted.forEach(function (row) { body.appendChild(row); });
  }
  function highlight(motif, on) {
    var bars = document.querySelectorAll('rect.occ[data-motif="' + CSS.escape(motif) + '"]');
    Array.prototype.forEach.call(bars, function (bar) { bar.classList.toggle("hl", on); });
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    if (th.dataset.sort) { th.addEventListener("click", function () { sortBy(th); }); }
  });
  rows().forEach(function (row) {
    row.addEventListener("mouseenter", function () { highlight(row.dataset.motif, true); });
    row.addEventListener("mouseleave", function () { highlight(row.dataset.motif, false); });
  });
  classFilter.addEventListener("change", apply);
  kindFilter.addEventListener("change", apply);
  apply();
}());
"""


def _number(value, fmt: str) -> tuple[str, str]:
    """(sort value, shown text) of a number that may be missing (None, nan or not a number)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "", MISSING
    if not math.isfinite(number):
        return "", MISSING
    return repr(number), format(number, fmt)


def _cell(sort_value: str, html_text: str, *, numeric: bool = False) -> str:
    cls = ' class="num"' if numeric else ""
    return f'<td{cls} data-value="{escape(sort_value)}">{html_text}</td>'


def _options(values, *, missing: bool) -> str:
    options = ['<option value="">all</option>']
    options += [f'<option value="{escape(v)}">{escape(v)}</option>' for v in values]
    if missing:
        options.append(f'<option value="{MISSING}">{MISSING} (none)</option>')
    return "".join(options)


def _motif_row(view: MotifView, colour: str, models) -> str:
    kind = view.fields.get("kind")
    kind_text = MISSING if kind is None else str(kind)
    duration = _number(view.fields.get("median_duration_s"), ".2f")
    rate = _number(view.fields.get("step_rate_hz"), ".1f")
    coherence = _number(view.fields.get("coherence"), ".2f")
    cells = [
        _cell(
            view.label,
            f'<span class="swatch" style="background:{escape(colour)}"></span>{escape(view.label)}',
        ),
        _cell(str(view.rank), str(view.rank), numeric=True),
        _cell(view.motif_id, f"<code>{escape(view.motif_id)}</code>"),
        _cell(view.pattern, f"<code>{escape(view.pattern)}</code>"),
        _cell(kind_text, escape(kind_text)),
        _cell(
            str(view.recordings_in_class),
            f"{view.recordings_in_class} / {view.class_recordings} "
            f'<span class="note">(all {view.n_recordings})</span>',
            numeric=True,
        ),
        _cell(str(view.n_occurrences), str(view.n_occurrences), numeric=True),
        _cell(duration[0], escape(duration[1]), numeric=True),
        _cell(rate[0], escape(rate[1]), numeric=True),
        _cell(coherence[0], escape(coherence[1]), numeric=True),
        _cell(
            repr(view.z),
            f'{view.log_odds:.2f} ± {view.se:.2f} <span class="note">(z {view.z:.1f})</span>',
            numeric=True,
        ),
    ]
    for model in models:
        if model in view.accuracy:
            acc, n = view.accuracy[model]
            cells.append(
                _cell(repr(acc), f'{acc:.2f} <span class="note">({n})</span>', numeric=True)
            )
        else:
            cells.append(_cell("", MISSING, numeric=True))
    cells.append(f"<td>{overlay_svg(view.contours, colour=colour)}</td>")
    players = "".join(
        f'<audio controls preload="metadata" src="{escape(s.file)}" '
        f'title="{escape(s.recording)} {s.occurrence_start_s:.2f}–{s.occurrence_end_s:.2f} s"></audio>'
        for s in view.snippets
    )
    cells.append(f"<td>{players or MISSING}</td>")
    return (
        f'<tr class="motif-row" data-label="{escape(view.label)}" data-kind="{escape(kind_text)}" '
        f'data-motif="{escape(view.motif_id)}">' + "".join(cells) + "</tr>"
    )


def _header(models) -> str:
    columns = [
        ("Class", "text", "the class this motif is distinctive of"),
        ("Rank", "num", "rank within the class, by z"),
        ("Motif", "text", "motif id in results/motifs/dictionary.tsv"),
        ("Pattern", "text", "signed interval classes"),
        ("Kind", "text", "motif kind from the dictionary"),
        (
            "Recordings",
            "num",
            "recordings of the class carrying it / recordings of the class (all classes)",
        ),
        ("Occurrences", "num", "occurrences in the whole corpus"),
        ("Dur. (s)", "num", "median occurrence duration"),
        ("Steps/s", "num", "step rate of the occurrences"),
        ("Coherence", "num", "do the occurrences sound alike? (dictionary column coherence)"),
        (
            "Log-odds ± se",
            "num",
            "Monroe et al. (2008) log-odds, class against the rest; sorts by z",
        ),
    ]
    columns += [
        (f"Acc. {m}", "num", f"test accuracy of {m} on this motif's segments (n)") for m in models
    ]
    cells = [
        f'<th data-sort="{kind}" title="{escape(title)}">{escape(name)}</th>'
        for name, kind, title in columns
    ]
    cells += [
        '<th title="occurrences in cents around their own median">Contours</th>',
        "<th>Listen</th>",
    ]
    return "<thead><tr>" + "".join(cells) + "</tr></thead>"


def _timeline_card(timeline: TimelineView, colours) -> str:
    return (
        f'<div class="timeline-card" data-label="{escape(timeline.label)}">'
        f'<h3>{escape(timeline.recording)} <span class="note">({escape(timeline.label)}, '
        f"{timeline.duration_s:.1f} s, {len(timeline.occurrences)} occurrences)</span></h3>"
        f'<div class="scroll">{timeline_svg(timeline, colours=colours)}</div></div>'
    )


def render_page(data: BrowserData) -> str:
    """The complete ``index.html`` of the motif browser.

    Parameters
    ----------
    data : BrowserData
        From :func:`motivic.browser.gather.gather_browser`.

    Returns
    -------
    html : str
        A self-contained HTML5 document: a motif table (``<table id="motifs">``, one row per
        distinctive motif with ``data-label`` and ``data-kind``), filters by class
        (``#class-filter``) and kind (``#kind-filter``), sortable columns, and one timeline
        per drawn recording.
    """
    class_colour = {label: colour_of(k) for k, label in enumerate(data.classes)}
    motif_colour = {v.motif_id: class_colour.get(v.label, "#888888") for v in data.motifs}
    missing_kind = any(v.fields.get("kind") is None for v in data.motifs)
    rows = "".join(
        _motif_row(v, class_colour.get(v.label, "#888888"), data.models) for v in data.motifs
    )
    accuracy_note = (
        f"Accuracy: share of a motif's test segments each model classifies right, pooled over the "
        f"folds and seeds of the {escape(data.accuracy_split or '')} split."
        if data.models
        else "No per-motif test accuracy: no trained model's predictions were given."
    )
    empty = (
        ""
        if data.motifs
        else '<p class="empty">No motif is carried by enough recordings to be ranked.</p>'
    )
    timelines = "".join(_timeline_card(t, motif_colour) for t in data.timelines)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(data.title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>{escape(data.title)}</h1>
<p class="summary">{data.n_recordings} recordings in {len(data.classes)} classes; {data.n_motifs} motifs in
the dictionary, {len(data.motifs)} shown: the most distinctive of each class by log-odds with an
informative Dirichlet prior over the recordings that carry each motif (Monroe, Colaresi &amp; Quinn
2008), ranked by z = log-odds / se; a motif of a single recording is never ranked.
{accuracy_note}</p>
<div class="controls">
<label>Class <select id="class-filter">{_options(data.classes, missing=False)}</select></label>
<label>Kind <select id="kind-filter">{_options(data.kinds, missing=missing_kind)}</select></label>
<span id="shown-count" class="note"></span>
</div>
<h2 id="motifs-heading">Distinctive motifs</h2>
<p class="note">Click a column to sort; hover a row to mark its occurrences in the timelines.
Contours: each occurrence in cents around its own median; listen: the occurrence with a little
context.</p>
{empty}
<div class="table-wrap"><table id="motifs">{_header(data.models)}<tbody>{rows}</tbody></table></div>
<h2 id="recordings-heading">Recordings</h2>
<p class="note">f0 (grey), the step approximation (black) and one lane per shown motif
(bars in the colour of the motif's class).</p>
{timelines}
<script>{_SCRIPT}</script>
</body>
</html>
"""
