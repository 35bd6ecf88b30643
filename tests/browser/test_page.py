"""The motif browser without a browser: gathering, snippets, SVG and HTML (motivic/browser/)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from motivic.browser import gather, page, snippets, svg
from motivic.core.errors import MotivicError
from motivic.pitch.track import PitchTrack

ROOT = Path(__file__).resolve().parents[2]
NASTY = '<script>alert("x")</script>&amp;'


class _Tags(HTMLParser):
    """Start tags and their attributes, in document order."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(text):
    parser = _Tags()
    parser.feed(text)
    return parser.tags


def _view(motif_id="m1", label="A", *, kind="melodic", coherence=0.5, accuracy=None):
    contour = gather.Contour("r1", np.linspace(0, 0.5, 6), np.array([0, 50, np.nan, -20, 0, 10.0]))
    return gather.MotifView(
        motif_id=motif_id,
        pattern="+1,-2",
        label=label,
        rank=1,
        recordings_in_class=2,
        class_recordings=3,
        n_recordings=2,
        n_occurrences=4,
        log_odds=1.0,
        se=0.5,
        z=2.0,
        fields={
            "kind": kind,
            "median_duration_s": None,
            "step_rate_hz": 4.0,
            "coherence": coherence,
        },
        contours=(contour,),
        snippets=(gather.Snippet(f"audio/{motif_id}_0.wav", "r1", 0.0, 1.0, 0.2, 0.8),),
        accuracy=accuracy or {},
    )


def _data(views, *, timelines=(), models=()):
    return gather.BrowserData(
        title="Motif browser",
        classes=tuple(sorted({v.label for v in views})),
        kinds=tuple(sorted({v.fields["kind"] for v in views if v.fields["kind"]})),
        models=tuple(models),
        motifs=tuple(views),
        timelines=tuple(timelines),
        n_recordings=3,
        n_motifs=5,
    )


# --- page -----------------------------------------------------------------------------------


def test_every_text_is_escaped():
    view = _view(motif_id='m"1', label=NASTY)
    timeline = gather.TimelineView(
        NASTY,
        NASTY,
        2.0,
        np.array([0.0, 1.0]),
        np.array([100.0, 200.0]),
        np.empty((0, 3)),
        (('m"1', 0.2, 0.8),),
    )
    text = page.render_page(_data([view], timelines=[timeline]))
    assert NASTY not in text and 'm"1' not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;amp;" in text
    assert [tag for tag, _ in _tags(text)].count("script") == 1  # the page's own


def test_filters_list_every_class_and_kind():
    views = [
        _view("m1", "A", kind="melodic"),
        _view("m2", "B", kind=None),
        _view("m3", "B", kind="oscillation"),
    ]
    tags = _tags(page.render_page(_data(views)))
    selects, current = {}, None
    for tag, attrs in tags:
        if tag == "select":
            current = attrs["id"]
            selects[current] = []
        elif tag == "option":
            selects[current].append(attrs["value"])
    assert selects["class-filter"] == ["", "A", "B"]
    assert selects["kind-filter"] == ["", "melodic", "oscillation", page.MISSING]
    rows = [attrs for tag, attrs in tags if tag == "tr" and attrs.get("class") == "motif-row"]
    assert [(r["data-label"], r["data-kind"]) for r in rows] == [
        ("A", "melodic"),
        ("B", page.MISSING),
        ("B", "oscillation"),
    ]


def test_missing_values_show_a_dash_and_sort_last():
    text = page.render_page(_data([_view(coherence=float("nan"))]))
    cells = [attrs for tag, attrs in _tags(text) if tag == "td"]
    empty = [c for c in cells if c.get("data-value") == ""]
    assert len(empty) == 2  # median duration (None) and coherence (nan)
    assert f'data-value="">{page.MISSING}</td>' in text


def test_accuracy_columns_per_model():
    views = [_view("m1", accuracy={"crnn": (0.75, 4)}), _view("m2")]
    text = page.render_page(_data(views, models=["crnn"]))
    assert "Acc. crnn" in text and '<td class="num" data-value="0.75">0.75' in text
    assert "No per-motif test accuracy" in page.render_page(_data(views))


def test_nothing_is_fetched_from_elsewhere():
    text = page.render_page(_data([_view()]))
    for tag, attrs in _tags(text):
        assert tag not in ("link", "iframe", "img")
        for name in ("src", "href"):
            value = attrs.get(name)
            assert value is None or not value.startswith(("http:", "https:", "//")), (tag, attrs)
    assert 'src="audio/m1_0.wav"' in text


def test_an_empty_table_says_why():
    assert "No motif is carried by enough recordings" in page.render_page(_data([]))


# --- svg ------------------------------------------------------------------------------------


def test_path_data_breaks_at_nan():
    assert (
        svg.path_data([0, 1, 2, 3, 4], [1, np.nan, 2, 3, np.nan]) == "M0.0 1.0 h0 M2.0 2.0 L3.0 3.0"
    )
    assert svg.path_data([], []) == ""


def test_overlay_scale_covers_the_contours():
    contour = gather.Contour("r", np.array([0.0, 1.0]), np.array([-300.0, 300.0]))
    out = svg.overlay_svg([contour], colour="#123456")
    assert "±300 cents" in out and 'stroke="#123456"' in out


# --- gather ---------------------------------------------------------------------------------


def test_spread_occurrences_takes_recordings_in_turn():
    occ = pd.DataFrame({"recording": ["a", "a", "a", "b", "c", "c"], "start_s": [3, 1, 2, 5, 1, 0]})
    picked = gather.spread_occurrences(occ, n=4)
    assert list(zip(picked["recording"], picked["start_s"])) == [
        ("a", 1),
        ("b", 5),
        ("c", 0),
        ("a", 2),
    ]


def test_occurrence_contour_is_centred_on_its_median():
    times = np.arange(100) * 0.01
    f0 = np.where(times < 0.5, 220.0, 440.0)
    f0[10] = 0.0
    contour = gather.occurrence_contour(PitchTrack(times, f0), 0.2, 0.79, recording="r")
    assert contour.times_s[0] == pytest.approx(0.0)
    assert np.isfinite(contour.cents).all()  # frame 10 lies before the occurrence
    assert np.nanmedian(contour.cents) == pytest.approx(0.0)
    assert np.nanmax(contour.cents) - np.nanmin(contour.cents) == pytest.approx(1200.0)


def test_decimate_keeps_at_most_max_points():
    t, _v = gather.decimate(np.arange(1001), np.arange(1001), max_points=100)
    assert len(t) <= 100 and t[0] == 0 and np.all(np.diff(t) == np.diff(t)[0])


def test_plan_snippets_add_context_clipped_at_zero():
    occ = pd.DataFrame({"recording": ["a", "b"], "start_s": [0.1, 2.0], "end_s": [0.6, 2.5]})
    planned = gather.plan_snippets(occ, motif_id="m7", n=5, context_s=0.25)
    assert [s.file for s in planned] == ["audio/m7_0.wav", "audio/m7_1.wav"]
    assert (planned[0].start_s, planned[0].end_s) == (0.0, pytest.approx(0.85))
    assert (planned[1].start_s, planned[1].occurrence_start_s) == (1.75, 2.0)


def test_motif_accuracy_pools_runs():
    one = pd.DataFrame({"motif_id": ["m1", "m2"], "label": ["A", "B"], "predicted": ["A", "A"]})
    two = pd.DataFrame({"motif_id": ["m1"], "label": ["A"], "predicted": ["B"]})
    acc = gather.motif_accuracy([("crnn", one), ("crnn", two), ("reslstm", two)]).set_index(
        ["model", "motif_id"]
    )
    assert acc.loc[("crnn", "m1"), "accuracy"] == 0.5 and acc.loc[("crnn", "m1"), "n"] == 2
    assert acc.loc[("crnn", "m2"), "accuracy"] == 0.0
    assert acc.loc[("reslstm", "m1"), "n"] == 1


def test_timeline_recordings_prefer_the_most_occurrences():
    occ = pd.DataFrame(
        {"motif_id": ["m1", "m1", "m1", "m2", "m9"], "recording": ["a", "a", "b", "c", "d"]}
    )
    labels = {"a": "X", "b": "X", "c": "Y", "d": "Y"}
    assert gather.timeline_recordings(occ, labels, ["m1", "m2"], per_class=1) == ["a", "c"]


def test_options_defaults_match_the_schema():
    schema = yaml.safe_load((ROOT / "schemas" / "config.schema.yaml").read_text())
    properties = schema["properties"]["browser"]["properties"]
    for name, value in gather.BrowserOptions().__dict__.items():
        assert properties[name]["default"] == value, name


@pytest.mark.parametrize(
    "options, match",
    [({"motifs_per_clas": 3}, "motifs_per_clas"), ({"timeline_points": 10}, "timeline_points")],
)
def test_bad_options(options, match):
    with pytest.raises(MotivicError, match=match):
        gather.BrowserOptions.from_dict(options)


def test_fixture_page_has_every_shown_motif(fixture_page):
    out, data = fixture_page
    text = (out / "index.html").read_text()
    assert [v.motif_id for v in data.motifs] == ["m1", "m3", "m2", "m3"]  # m4: one recording
    coherence = {v.motif_id: v.fields["coherence"] for v in data.motifs}
    assert coherence == {"m1": 0.8, "m3": 0.4, "m2": None}  # m2 not scored
    assert data.kinds == ("melodic", "oscillation") and data.models == ("crnn",)
    assert all(f'data-motif="{v.motif_id}"' in text for v in data.motifs)


# --- snippets -------------------------------------------------------------------------------


def test_cut_snippet_length_and_fades():
    y = np.ones(1000, dtype=np.float32)
    out = snippets.cut_snippet(y, sr=100, start_s=1.0, end_s=3.0)
    assert out.size == 200 and out[0] == 0.0 and out[100] == 1.0 and out[-1] < 1.0
    assert (
        snippets.cut_snippet(y, sr=100, start_s=9.0, end_s=12.0).size == 100
    )  # clipped at the end


@pytest.mark.parametrize("span", [(1.0, 1.0), (-1.0, 2.0), (11.0, 12.0)])
def test_cut_snippet_bad_spans(span):
    with pytest.raises(MotivicError, match="snippet span"):
        snippets.cut_snippet(np.zeros(1000), sr=100, start_s=span[0], end_s=span[1])
