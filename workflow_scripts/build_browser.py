"""Rule build_browser: motif tables, f0 tracks, contours and audio → results/browser/ (index.html, audio/)."""

from pathlib import Path

import pandas as pd
from _common import setup_logging

from motivic.browser import gather, page, snippets
from motivic.contour import load_phrases
from motivic.core.io import atomic_path, load_json
from motivic.corpus.recordings import load_recordings
from motivic.mining import read_table
from motivic.pitch.track import load_pitch_csv

log = setup_logging(snakemake)
options = gather.BrowserOptions.from_dict(snakemake.params.cfg)
inp = snakemake.input
recordings = load_recordings(inp.recordings)
labels = dict(zip(recordings["recording"], recordings["label"].astype(str)))
dictionary, occurrences = read_table(inp.dictionary), read_table(inp.occurrences)
shown = gather.shown_motifs(
    read_table(inp.distinctive),
    dictionary,
    motifs_per_class=options.motifs_per_class,
    coherence=read_table(inp.coherence),
)
needed = gather.needed_recordings(shown, occurrences, labels, options=options)
tracks = {Path(p).stem: load_pitch_csv(p) for p in inp.pitch if Path(p).stem in needed}
phrases = {Path(p).stem: load_phrases(p) for p in inp.contours if Path(p).stem in needed}
runs = [
    (load_json(m)["model"], pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False))
    for m, p in zip(inp.metrics, inp.predictions)
]
data = gather.gather_browser(
    shown,
    occurrences,
    labels,
    tracks,
    phrases,
    accuracy=gather.motif_accuracy(runs) if runs else None,
    accuracy_split=snakemake.params.accuracy_split if runs else None,
    n_motifs=len(dictionary),
    options=options,
)
out = Path(snakemake.output[0])
out.mkdir(parents=True, exist_ok=True)
unique = {s.file: s for view in data.motifs for s in view.snippets}
snippets.write_snippets(list(unique.values()), snakemake.params.audio, out, sr=options.snippet_sr)
with atomic_path(out / "index.html") as tmp:
    tmp.write_text(page.render_page(data), encoding="utf-8")
log.info(
    "browser: %d motif rows, %d timelines, %d snippets",
    len(data.motifs),
    len(data.timelines),
    len(unique),
)
