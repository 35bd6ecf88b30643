"""Yield, kind mix, coherence and planted-motif recall per contour reading (docs/method.md).

Every reading of ``motivic.contour.MODE_PRESETS`` (``paper``, ``authors``, ``notes``; or
``--readings``) is laid over the config's ``contour`` slice and run on the same f0 tracks.

``recordings``: the real-singing recordings of ``config/real-singing.yaml`` (pitch with the
config's tracker, or ``--pitch``), mined per recording as the workflow does: voiced minutes,
motifs, motifs per voiced minute, motifs per kind, occurrences, and the mean coherence of the
scored motifs against random windows of the same recordings::

    .venv/bin/python benchmarks/motif_kinds.py recordings --root ../shared/data/real-singing-f0

``clips``: the 405-clip flamenco sample (``config/flamenco.yaml``). The published pattern of
each clip is classified first (shape only, with each clip as its own occurrence). Then, per
reading, every clip's phrases form one mining database (``mining.scope: collection``: a
motif must recur in 3 clip phrases), and the mined motifs get kinds and coherence against
random windows of the same clips::

    .venv/bin/python benchmarks/motif_kinds.py clips --root ../shared/data/flamenco-motifs-sample

``synth``: the small synthetic corpus of ``benchmarks/synth_factors.py`` (``config.yaml``'s
synth seed, 2 styles × 4 recordings, 48 planted occurrences, Melodia), once as the demo and
once per ``synth.hard`` factor set (``--factors``; default the demo, 60-cent vibrato, all
factors but ``near_edges`` and all factors): yield, kinds and coherence as above plus the
planted-motif recall and precision (time IoU ≥ 0.5, ``motivic.mining.recall``)::

    .venv/bin/python benchmarks/motif_kinds.py synth

``table``: all of the above in one table, one row per corpus and reading (the table of
docs/method.md "Choosing the reading"; ~10 min on 2 loaded cores)::

    nice -n 10 .venv/bin/python benchmarks/motif_kinds.py table \
        --recordings-root ../shared/data/real-singing-f0 \
        --clips-root ../shared/data/flamenco-motifs-sample

Mining and coherence options come from each config's ``mining`` and ``coherence`` slices
(``coherence.seed`` seeds the draws). Nothing here is tuned to these files.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from synth_factors import FACTORS, corpus_tracks  # noqa: E402

from motivic import contour, mining, pitch  # noqa: E402
from motivic.contour.clip_patterns import parse_contour_pattern  # noqa: E402
from motivic.core.audio import load_audio  # noqa: E402
from motivic.core.config import load_config  # noqa: E402
from motivic.corpus.clips import scan_clips  # noqa: E402
from motivic.corpus.recordings import read_metadata  # noqa: E402
from motivic.mining.recall import motif_quality  # noqa: E402
from motivic.mining.summary import SUMMARY_COLUMNS, summarise_track, summary_total  # noqa: E402

logger = logging.getLogger("motif_kinds")

SYNTH_FACTORS = ("none (demo)", "vibrato 60 c", "all but near_edges", "all")


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


def _per_recording(config, tracks: dict, readings) -> pd.DataFrame:
    """:data:`SUMMARY_COLUMNS` per recording and reading, plus one ``ALL`` row per reading."""
    mining_cfg, coherence, seed = _options(config)
    rows = []
    for rec, tr in tracks.items():
        for mode in readings:
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
    return pd.concat([table, summary_total(table)], ignore_index=True)


def _recording_tracks(config, root, sheet, pitch_method=None):
    root = Path(root or config["corpus"]["audio_root"])
    sheet = read_metadata(sheet or config["corpus"]["metadata"])
    pitch_cfg = {**config["pitch"], "method": pitch_method or config["pitch"]["method"]}
    return dict(zip(sheet["recording"], _tracks([root / p for p in sheet["path"]], pitch_cfg)))


def recordings(args) -> None:
    config = load_config(args.config)
    tracks = _recording_tracks(config, args.root, args.sheet, args.pitch)
    table = _per_recording(config, tracks, args.readings)
    cols = ["recording", "mode", "voiced_s", "n_motifs", "motifs_per_voiced_min"]
    cols += [f"n_{k}" for k in mining.KINDS] + ["n_occurrences", "occurrence_s_median"]
    cols += ["n_motifs_scored", "coherence"]
    print(_markdown(table[cols]))


def _clip_rows(config, root, readings) -> list[dict]:
    root = Path(root or config["corpus"]["audio_root"])
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
    for mode in readings:
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
        scores = (
            mining.motif_coherence(occ, by_clip, rng=np.random.default_rng(seed), **coherence)
            if len(occ)
            else []
        )
        rows.append(_row(mode, voiced_s, kinds, scores, len(occ)))
    logger.info("%d clips, %.2f voiced minutes", len(table), voiced_s / 60)
    return rows


def clips(args) -> None:
    config = load_config(args.config)
    rows = _clip_rows(config, args.root, args.readings)
    print(f"clips, pitch {config['pitch']['method']}; published patterns first, then mined")
    print(_markdown(pd.DataFrame(rows)))


def _synth_rows(config, factors, readings) -> list[dict]:
    """One row per factor set and reading: summary totals plus recall and precision."""
    mining_cfg, _, _ = _options(config)
    rows = []
    for factor in factors:
        with tempfile.TemporaryDirectory() as scratch:
            sources, planted, labels = corpus_tracks(
                config, FACTORS[factor], Path(scratch), melodia=True
            )
        tracks = sources["melodia"]
        total = _per_recording(config, tracks, readings).set_index(["recording", "mode"])
        for mode in readings:
            options = contour.mode_options(config["contour"], mode)
            per_recording = {}
            for rid, tr in tracks.items():
                phrases = contour.simplify(tr.times_s, tr.f0_hz, **options)
                patterns = mining.mine_closed_patterns([p.tokens for p in phrases], **mining_cfg)
                per_recording[rid] = mining.locate(patterns, phrases)
            _, occ = mining.build_dictionary(per_recording, labels)
            quality = motif_quality(planted, occ, labels).set_index("label").loc["ALL"]
            rows.append(
                {
                    "factor": factor,
                    "mode": mode,
                    **total.loc[("ALL", mode)].to_dict(),
                    "recall": quality["recall"],
                    "precision": quality["precision"],
                }
            )
        logger.info("synth %s done (%d planted occurrences)", factor, len(planted))
    return rows


def synth(args) -> None:
    config = load_config(args.config)
    table = pd.DataFrame(_synth_rows(config, args.factors, args.readings))
    counts = ["n_motifs", *(f"n_{k}" for k in mining.KINDS), "n_motifs_scored"]
    table[counts] = table[counts].astype(int)
    cols = ["factor", "mode", "voiced_s", "n_motifs", "motifs_per_voiced_min"]
    cols += [f"n_{k}" for k in mining.KINDS] + ["n_motifs_scored", "coherence"]
    cols += ["recall", "precision"]
    print(_markdown(table[cols]))


def _summary_row(corpus: str, mode: str, row) -> dict:
    return {
        "corpus": corpus,
        "reading": mode,
        "voiced_min": row["voiced_s"] / 60,
        "motifs": int(row["n_motifs"]),
        "per_voiced_min": row["motifs_per_voiced_min"],
        "kinds m/o/f": "/".join(str(int(row[f"n_{k}"])) for k in mining.KINDS),
        "occurrences": int(row["n_occurrences"]),
        "coherence (scored)": f"{row['coherence']:.2f} ({int(row['n_motifs_scored'])})"
        if row["n_motifs_scored"]
        else "–",
        "recall": row.get("recall", np.nan),
        "precision": row.get("precision", np.nan),
    }


def table(args) -> None:
    rows = []
    real = load_config(args.recordings_config)
    for method in args.pitch:
        tracks = _recording_tracks(real, args.recordings_root, None, method)
        total = _per_recording(real, tracks, args.readings)
        for _, row in total[total["recording"] == "ALL"].iterrows():
            rows.append(_summary_row(f"real singing ({method})", row["mode"], row))
        logger.info("real singing (%s) done", method)
    flamenco = load_config(args.clips_config)
    for row in _clip_rows(flamenco, args.clips_root, args.readings)[1:]:
        rows.append(
            _summary_row(
                "flamenco clips (melodia, collection)",
                row["reading"],
                {
                    "voiced_s": 60 * row["voiced_min"],
                    "n_motifs": row["motifs"],
                    "motifs_per_voiced_min": row["motifs_per_voiced_min"],
                    **{f"n_{k}": row[k] for k in mining.KINDS},
                    "n_occurrences": row["occurrences"],
                    "n_motifs_scored": row["scored"],
                    "coherence": row["coherence"],
                },
            )
        )
    logger.info("clips done")
    for row in _synth_rows(load_config(args.synth_config), args.factors, args.readings):
        rows.append(_summary_row(f"synth: {row['factor']} (melodia)", row["mode"], row))
    out = pd.DataFrame(rows)
    print(_markdown(out))
    if args.out:
        out.to_csv(args.out, sep="\t", index=False, float_format="%.4f")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--readings",
        nargs="+",
        default=list(contour.MODE_PRESETS),
        choices=list(contour.MODE_PRESETS),
        help="contour readings (presets) to compare",
    )
    sub = parser.add_subparsers(dest="what", required=True)
    c = sub.add_parser("clips")
    c.add_argument("--config", type=Path, default=ROOT / "config/flamenco.yaml")
    c.add_argument("--root", help="clip corpus (default: the config's corpus.audio_root)")
    r = sub.add_parser("recordings")
    r.add_argument("--config", type=Path, default=ROOT / "config/real-singing.yaml")
    r.add_argument("--root", help="audio root (default: the config's corpus.audio_root)")
    r.add_argument("--sheet", help="recordings sheet (default: the config's corpus.metadata)")
    r.add_argument("--pitch", choices=pitch.METHODS, help="tracker (default: the config's)")
    s = sub.add_parser("synth")
    s.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    s.add_argument("--factors", nargs="+", default=list(SYNTH_FACTORS), choices=list(FACTORS))
    t = sub.add_parser("table")
    t.add_argument("--recordings-config", type=Path, default=ROOT / "config/real-singing.yaml")
    t.add_argument("--recordings-root", help="default: the config's corpus.audio_root")
    t.add_argument("--pitch", nargs="+", default=["swiftf0", "melodia"], choices=pitch.METHODS)
    t.add_argument("--clips-config", type=Path, default=ROOT / "config/flamenco.yaml")
    t.add_argument("--clips-root", help="default: the config's corpus.audio_root")
    t.add_argument("--synth-config", type=Path, default=ROOT / "config.yaml")
    t.add_argument("--factors", nargs="+", default=list(SYNTH_FACTORS), choices=list(FACTORS))
    t.add_argument("--out", type=Path, help="also write the table as TSV")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("motivic").setLevel(logging.WARNING)
    {"clips": clips, "recordings": recordings, "synth": synth, "table": table}[args.what](args)


if __name__ == "__main__":
    main()
