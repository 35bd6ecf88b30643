"""Yield, kind mix and coherence of mined motifs per contour reading (docs/method.md §3.2).

``recordings``: the real-singing recordings of ``config/real-singing.yaml`` (pitch with the
config's tracker), mined per recording as the workflow does, for both readings
(``motivic.contour.MODE_PRESETS`` over the config's ``contour`` slice): voiced minutes,
motifs, motifs per voiced minute, motifs per kind, occurrences, and the mean coherence
of the scored motifs against random windows of the same recordings::

    .venv/bin/python benchmarks/motif_kinds.py recordings --root ../shared/data/real-singing-f0

``clips``: the 405-clip flamenco sample (``config/flamenco.yaml``). The published pattern of
each clip is classified first (shape only, with each clip as its own occurrence). Then, per
reading, every clip's phrases form one mining database (``mining.scope: collection``: a
motif must recur in 3 clip phrases), and the mined motifs get kinds and coherence against
random windows of the same clips::

    .venv/bin/python benchmarks/motif_kinds.py clips --root ../shared/data/flamenco-motifs-sample

Mining and coherence options come from the config's ``mining`` and ``coherence`` slices
(``coherence.seed`` seeds the draws). Nothing here is tuned to these files.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from motivic import contour, mining, pitch
from motivic.contour.clip_patterns import parse_contour_pattern
from motivic.core.audio import load_audio
from motivic.core.config import load_config
from motivic.corpus.clips import scan_clips
from motivic.corpus.recordings import read_metadata
from motivic.mining.summary import SUMMARY_COLUMNS, summarise_track, summary_total


def _tracks(paths, pitch_cfg: dict):
    method = pitch_cfg["method"]
    options = pitch.method_options(pitch_cfg, method)
    sr = options.pop("sr")
    return [pitch.extract_pitch(load_audio(p, sr=sr), sr=sr, **options) for p in paths]


def _voiced_s(track) -> float:
    hop = float(np.median(np.diff(track.times_s)))
    return float(np.count_nonzero(track.voiced) * hop)


def _markdown(table: pd.DataFrame) -> str:
    cols = list(table.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in table.itertuples(index=False):
        cells = [f"{v:.3f}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _options(config):
    mining_cfg = {k: v for k, v in config["mining"].items() if k != "scope"}
    coherence = dict(config["coherence"])
    return mining_cfg, coherence, coherence.pop("seed")


def _row(reading, voiced_s, kinds, scores, n_occ):
    counts = kinds["kind"].value_counts() if len(kinds) else pd.Series(dtype=int)
    return {
        "reading": reading,
        "voiced_min": voiced_s / 60,
        "motifs": len(kinds),
        "motifs_per_voiced_min": 60 * len(kinds) / voiced_s,
        **{k: int(counts.get(k, 0)) for k in mining.KINDS},
        "occurrences": n_occ,
        "median_occurrence_s": float(kinds["median_duration_s"].median()) if len(kinds) else np.nan,
        "scored": len(scores),
        "coherence": mining.dictionary_coherence(scores) if len(scores) else np.nan,
    }


def recordings(args) -> None:
    config = load_config(args.config)
    root = Path(args.root or config["corpus"]["audio_root"])
    sheet = read_metadata(args.sheet or config["corpus"]["metadata"])
    tracks = _tracks([root / p for p in sheet["path"]], config["pitch"])
    mining_cfg, coherence, seed = _options(config)
    rows = []
    for rec, tr in zip(sheet["recording"], tracks):
        for mode in contour.MODE_PRESETS:
            row = summarise_track(
                tr.times_s,
                tr.f0_hz,
                contour_options=contour.mode_options(config["contour"], mode),
                mining_options=mining_cfg,
                coherence_options=coherence,
                rng=np.random.default_rng(seed),
            )
            rows.append({"recording": rec, "mode": mode, **row})
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    table = pd.concat([table, summary_total(table)], ignore_index=True)
    cols = ["recording", "mode", "voiced_s", "n_motifs", "motifs_per_voiced_min"]
    cols += [f"n_{k}" for k in mining.KINDS] + ["n_occurrences", "occurrence_s_median"]
    cols += ["n_motifs_scored", "coherence"]
    print(_markdown(table[cols]))


def clips(args) -> None:
    config = load_config(args.config)
    root = Path(args.root or config["corpus"]["audio_root"])
    table = scan_clips(root)
    tracks = _tracks([root / p for p in table["path"]], config["pitch"])
    voiced_s = sum(_voiced_s(t) for t in tracks)
    mining_cfg, coherence, seed = _options(config)
    durations = [t.times_s[-1] - t.times_s[0] + np.median(np.diff(t.times_s)) for t in tracks]
    published = pd.DataFrame(
        {
            "motif_id": table["pattern"].to_numpy(),
            "pattern": [mining.format_pattern(parse_contour_pattern(p)) for p in table["pattern"]],
            "duration_s": durations,
        }
    )
    rows = [_row("published patterns", voiced_s, mining.motif_kinds(published), [], len(published))]
    by_clip = {clip: (t.times_s, t.f0_hz) for clip, t in zip(table["clip"], tracks)}
    for mode in contour.MODE_PRESETS:
        options = contour.mode_options(config["contour"], mode)
        phrases = {
            clip: contour.simplify(t.times_s, t.f0_hz, **options)
            for clip, t in zip(table["clip"], tracks)
        }
        sequences = [p.tokens for ph in phrases.values() for p in ph]
        patterns = mining.mine_closed_patterns(sequences, **mining_cfg)
        occ = mining.locate_collection(patterns, phrases)
        occ = occ.assign(motif_id=occ["pattern"], duration_s=occ["end_s"] - occ["start_s"])
        kinds = mining.motif_kinds(occ)
        scores = mining.motif_coherence(occ, by_clip, rng=np.random.default_rng(seed), **coherence)
        rows.append(_row(f"{mode} (mined over the clips)", voiced_s, kinds, scores, len(occ)))
    print(
        f"{len(table)} clips, {voiced_s / 60:.2f} voiced minutes, pitch {config['pitch']['method']}"
    )
    print(_markdown(pd.DataFrame(rows)))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    c = sub.add_parser("clips")
    c.add_argument("--config", type=Path, default=ROOT / "config/flamenco.yaml")
    c.add_argument("--root", help="clip corpus (default: the config's corpus.audio_root)")
    r = sub.add_parser("recordings")
    r.add_argument("--config", type=Path, default=ROOT / "config/real-singing.yaml")
    r.add_argument("--root", help="audio root (default: the config's corpus.audio_root)")
    r.add_argument("--sheet", help="recordings sheet (default: the config's corpus.metadata)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    clips(args) if args.what == "clips" else recordings(args)


if __name__ == "__main__":
    main()
