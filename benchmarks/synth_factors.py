"""Motif recall and precision against each factor of ``synth.hard`` (the harder synthetic check).

The demo corpus is built to help the tokeniser (no whole tones, intervals ≥ 33 cents from
the class edges, motif notes held to a few cents, steady tempo), so its planted-motif
recall of 1.0 says little about real singing. This study switches on one factor of
:class:`motivic.corpus.synth.HardFactors` at a time (then all of them) on the same small corpus
and reports, for the ground-truth f0 and for Melodia, and for both readings of the contour
stage (``paper``: ``config.yaml``; ``authors``: ``config/authors.yaml``), the planted-motif
recall and the precision of the mined motifs (time IoU ≥ 0.5, ``motif_quality``), with
tokens per voiced second::

    .venv/bin/python benchmarks/synth_factors.py --out /tmp/synth_factors.tsv   # ~4 min, 2 cores

Protocol: ``config.yaml``'s ``synth`` section (seed 7) with 2 styles × 4 recordings of
15–20 s, 2 motifs per style, both sung by every recording (3 times each); its ``pitch``,
``contour`` and ``mining`` sections; contour modes from ``motivic.contour.MODE_PRESETS``.
Only ``synth.hard`` changes between rows.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from motivic import contour, mining, pitch  # noqa: E402
from motivic.core.audio import load_audio  # noqa: E402
from motivic.core.config import load_config  # noqa: E402
from motivic.corpus import synth
from motivic.mining.recall import motif_quality  # noqa: E402

logger = logging.getLogger("synth_factors")

FACTORS = {
    "none (demo)": {},
    "whole_tones": {"whole_tones": True},
    "vibrato 30 c": {"vibrato_cents": 30.0},
    "vibrato 60 c": {"vibrato_cents": 60.0},
    "tempo_jitter 0.2": {"tempo_jitter": 0.2},
    "near_edges": {"near_edges": True},
    "all but near_edges": {"whole_tones": True, "vibrato_cents": 60.0, "tempo_jitter": 0.2},
    "all": {"whole_tones": True, "vibrato_cents": 60.0, "tempo_jitter": 0.2, "near_edges": True},
}
CORPUS = {
    "n_classes": 2,
    "recordings_per_class": 4,
    "motifs_per_class": 2,
    "motifs_per_recording": 2,
    "min_duration_s": 15.0,
    "max_duration_s": 20.0,
}


def corpus_tracks(config: dict, hard: dict, out: Path, *, melodia: bool):
    """Synthesise one corpus; its ground-truth and (optionally) Melodia tracks."""
    cfg = {**config["synth"], **CORPUS, "hard": hard}
    meta = synth.make_corpus(out, **cfg)
    truth, est = {}, {}
    pitch_cfg = pitch.method_options(config["pitch"], config["pitch"]["method"])
    sr = pitch_cfg.pop("sr")
    for rid in meta["recording"]:
        truth[rid] = pitch.load_pitch_csv(out / "f0" / f"{rid}.csv")
        if melodia:
            y = load_audio(out / "audio" / f"{rid}.wav", sr=sr)
            est[rid] = pitch.extract_pitch(y, sr=sr, **pitch_cfg)
    planted = pd.concat(
        [
            synth.load_planted(out / "motifs" / f"{r}.tsv").assign(recording=r)
            for r in meta["recording"]
        ],
        ignore_index=True,
    )
    return (
        {"truth": truth, **({"melodia": est} if melodia else {})},
        planted,
        dict(zip(meta["recording"], meta["label"])),
    )


def score(tracks, planted, labels, *, contour_cfg, mining_cfg) -> dict:
    per_recording, n_tokens, voiced_s = {}, 0, 0.0
    for rid, tr in tracks.items():
        phrases = contour.simplify(tr.times_s, tr.f0_hz, **contour_cfg)
        patterns = mining.mine_closed_patterns([p.tokens for p in phrases], **mining_cfg)
        per_recording[rid] = mining.locate(patterns, phrases)
        n_tokens += sum(p.tokens.size for p in phrases)
        voiced_s += float(tr.voiced.sum() * (tr.times_s[1] - tr.times_s[0]))
    dictionary, occ = mining.build_dictionary(per_recording, labels)
    q = motif_quality(planted, occ, labels).set_index("label").loc["ALL"]
    return {
        "recall": q["recall"],
        "precision": q["precision"],
        "n_motifs": len(dictionary),
        "tokens_per_voiced_s": n_tokens / voiced_s,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    parser.add_argument("--no-melodia", action="store_true", help="ground-truth f0 only (fast)")
    parser.add_argument("--out", type=Path, help="also write the table as TSV")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("motivic").setLevel(logging.WARNING)
    config = load_config(args.config)
    mining_cfg = {k: v for k, v in config["mining"].items() if k != "scope"}
    rows = []
    for name, hard in FACTORS.items():
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as scratch:
            sources, planted, labels = corpus_tracks(
                config, hard, Path(scratch), melodia=not args.no_melodia
            )
        for source, tracks in sources.items():
            for mode in contour.MODE_PRESETS:
                cfg = contour.mode_options(config["contour"], mode)
                rows.append(
                    {
                        "factor": name,
                        "f0": source,
                        "contour": mode,
                        **score(tracks, planted, labels, contour_cfg=cfg, mining_cfg=mining_cfg),
                    }
                )
                logger.info("%s", rows[-1])
        logger.info("%s: %.0f s", name, time.perf_counter() - t0)
    table = pd.DataFrame(rows)
    print(
        f"{len(labels)} recordings per corpus, {len(planted)} planted occurrences (last corpus)\n"
    )
    cols = list(table.columns)
    print("| " + " | ".join(cols) + " |\n|" + "|".join("---" for _ in cols) + "|")
    for r in table.itertuples(index=False):
        print("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in r) + " |")
    if args.out:
        table.to_csv(args.out, sep="\t", index=False, float_format="%.4f")


if __name__ == "__main__":
    main()
