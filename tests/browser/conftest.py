"""A small synthetic motif browser on disk: tables, f0 tracks, contours and audio of 5 recordings.

Built from hand-written tables (no workflow run), through the same library calls as
workflow_scripts/build_browser.py, so the browser tests stay fast.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from motivic.browser import gather, page, snippets
from motivic.contour import Phrase, hz_to_cents, load_phrases, write_phrases
from motivic.mining import read_table, write_table
from motivic.mining.distinctive import distinctive_motifs
from motivic.pitch.track import PitchTrack, load_pitch_csv, write_pitch_csv

SR = 16000
HOP_S = 0.01
NOTE_S = 0.25
#: recording -> class; b3 and a2 differ in length.
LABELS = {"a1": "A", "a2": "A", "b1": "B", "b2": "B", "b3": "B"}
#: MIDI-like note numbers of each recording, one note per NOTE_S; 0 = a rest (unvoiced).
NOTES = {
    "a1": [57, 59, 61, 57, 0, 57, 59, 61, 57, 60, 62, 60],
    "a2": [55, 57, 59, 61, 57, 0, 64, 62, 60, 59],
    "b1": [60, 62, 60, 62, 60, 0, 57, 59, 61, 57, 62, 60],
    "b2": [62, 64, 62, 64, 62, 0, 60, 59, 57],
    "b3": [59, 61, 59, 61, 59, 0, 57, 55, 57, 59, 60],
}
#: (motif, recording, first note, last note) of every occurrence.
OCCURRENCES = [
    ("m1", "a1", 0, 3),
    ("m1", "a1", 5, 8),
    ("m1", "a2", 1, 4),
    ("m2", "b1", 0, 4),
    ("m2", "b2", 0, 4),
    ("m2", "b3", 0, 4),
    ("m3", "a1", 8, 11),
    ("m3", "b1", 9, 11),
    ("m4", "a2", 6, 9),
]
DICTIONARY = pd.DataFrame(
    {
        "motif_id": ["m1", "m2", "m3", "m4"],
        "pattern": ["+2,+2,-3", "+2,-2,+2,-2", "+3,+2,-2", "-2,-2,-1"],
        "n_recordings": [2, 3, 2, 1],
        "n_occurrences": [3, 3, 2, 1],
        "kind": ["melodic", "oscillation", "melodic", "melodic"],
        "median_duration_s": [1.0, 1.25, 0.9, 1.0],
        "step_rate_hz": [4.0, 4.0, 4.4, 4.0],
    }
)
#: Coherence of the motifs scored (m2 is not: shown as "–").
COHERENCE = pd.DataFrame({"motif_id": ["m1", "m3", "m4"], "coherence": [0.8, 0.4, 0.1]})
#: Test predictions of one model on the motifs' segments.
PREDICTIONS = pd.DataFrame(
    {
        "motif_id": ["m1", "m1", "m2", "m3"],
        "label": ["A", "A", "B", "A"],
        "predicted": ["A", "B", "B", "A"],
    }
)


def _hz(note: int) -> float:
    return 440.0 * 2.0 ** ((note - 69) / 12) if note else 0.0


def write_fixture(root: Path) -> dict:
    """Write the fixture's tables, tracks, contours and audio under ``root``; return their paths."""
    paths = {"pitch": {}, "contour": {}, "audio": {}}
    occ_rows = []
    for rec, notes in NOTES.items():
        frames_per_note = round(NOTE_S / HOP_S)
        f0 = np.repeat([_hz(n) for n in notes], frames_per_note)
        times = np.arange(f0.size) * HOP_S
        # a little vibrato-free glide into each note, so contours are not perfectly flat
        f0 = np.where(f0 > 0, f0 * (1 + 0.004 * np.sin(2 * np.pi * 5 * times)), 0.0)
        paths["pitch"][rec] = root / "pitch" / f"{rec}.csv"
        paths["pitch"][rec].parent.mkdir(parents=True, exist_ok=True)
        write_pitch_csv(PitchTrack(times, f0), paths["pitch"][rec])
        steps = [
            (k * NOTE_S, (k + 1) * NOTE_S, float(hz_to_cents([_hz(n)])[0]))
            for k, n in enumerate(notes)
            if n
        ]
        rest = notes.index(0)
        phrases = [
            Phrase.from_steps(np.array(steps[:rest])),
            Phrase.from_steps(np.array(steps[rest:])),
        ]
        paths["contour"][rec] = root / "contour" / f"{rec}.tsv"
        paths["contour"][rec].parent.mkdir(parents=True, exist_ok=True)
        write_phrases(phrases, paths["contour"][rec])
        t = np.arange(round(times[-1] * SR) + SR // 10) / SR
        f0_audio = np.interp(t, times, f0)
        phase = 2 * np.pi * np.cumsum(f0_audio) / SR
        paths["audio"][rec] = root / "audio" / f"{rec}.wav"
        paths["audio"][rec].parent.mkdir(parents=True, exist_ok=True)
        sf.write(paths["audio"][rec], 0.3 * np.sin(phase) * (f0_audio > 0), SR)
    for motif, rec, first, last in OCCURRENCES:
        occ_rows.append((motif, rec, LABELS[rec], first * NOTE_S, (last + 1) * NOTE_S))
    occurrences = pd.DataFrame(
        occ_rows, columns=["motif_id", "recording", "label", "start_s", "end_s"]
    )
    occurrences["pattern"] = occurrences["motif_id"].map(
        DICTIONARY.set_index("motif_id")["pattern"]
    )
    occurrences["duration_s"] = occurrences["end_s"] - occurrences["start_s"]
    for name, table in (("dictionary", DICTIONARY), ("occurrences", occurrences)):
        paths[name] = root / "motifs" / f"{name}.tsv"
        paths[name].parent.mkdir(parents=True, exist_ok=True)
        write_table(table, paths[name])
    paths["distinctive"] = root / "motifs" / "distinctive.tsv"
    write_table(distinctive_motifs(occurrences, DICTIONARY, LABELS), paths["distinctive"])
    return paths


def build_page(root: Path, *, options: gather.BrowserOptions | None = None):
    """The browser of the fixture, as workflow_scripts/build_browser.py builds it.

    Returns ``(out_dir, data)``: the page's directory (``index.html``, ``audio/``) and its
    :class:`~motivic.browser.gather.BrowserData`.
    """
    options = options or gather.BrowserOptions(snippets_per_motif=2, recordings_per_class=2)
    paths = write_fixture(root / "inputs")
    dictionary, occurrences = read_table(paths["dictionary"]), read_table(paths["occurrences"])
    shown = gather.shown_motifs(
        read_table(paths["distinctive"]),
        dictionary,
        motifs_per_class=options.motifs_per_class,
        coherence=COHERENCE,
    )
    needed = gather.needed_recordings(shown, occurrences, LABELS, options=options)
    tracks = {r: load_pitch_csv(p) for r, p in paths["pitch"].items() if r in needed}
    phrases = {r: load_phrases(p) for r, p in paths["contour"].items() if r in needed}
    data = gather.gather_browser(
        shown,
        occurrences,
        LABELS,
        tracks,
        phrases,
        options=options,
        accuracy=gather.motif_accuracy([("crnn", PREDICTIONS)]),
        accuracy_split="group_kfold",
        n_motifs=len(dictionary),
    )
    out = root / "browser"
    out.mkdir(parents=True, exist_ok=True)
    unique = {s.file: s for view in data.motifs for s in view.snippets}
    snippets.write_snippets(list(unique.values()), paths["audio"], out, sr=options.snippet_sr)
    (out / "index.html").write_text(page.render_page(data), encoding="utf-8")
    return out, data


@pytest.fixture(scope="module")
def fixture_page(tmp_path_factory):
    """``(out_dir, data)`` of the fixture's browser, built once per test module."""
    return build_page(tmp_path_factory.mktemp("browser"))
