"""Diagnostics behind docs/method.md §7: why the two contour readings behave as they do.

``clips``: on a clip corpus whose file names carry the published contour pattern (the
405-clip flamenco sample by default), pitch once (``--pitch melodia|pyin``), then for
both readings (``motivic.contour.MODE_PRESETS`` over the config's ``contour`` slice):
tokens per clip, the agreement figures of the ``clip_patterns`` rule, tokens per voiced
second, the class distribution against the published one, the same without the phrase
split at unvoiced gaps, and the clips' voiced share and unvoiced lead/tail::

    .venv/bin/python benchmarks/melodic_diagnostics.py clips                 # ~2 min, Melodia
    .venv/bin/python benchmarks/melodic_diagnostics.py clips --pitch pyin    # slower

``recordings``: for the real-singing recordings (``config/real-singing.yaml``), per
recording and reading: tokens, class entropy, distinct 5-grams, 5-grams recurring 3+
times, the median step duration, and motifs with support counted as phrases and as
occurrences::

    .venv/bin/python benchmarks/melodic_diagnostics.py recordings            # ~1 min
"""

from __future__ import annotations

import argparse
import collections
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from motivic import contour, pitch  # noqa: E402
from motivic.contour.clip_patterns import (  # noqa: E402
    agreement_table,
    clip_tokens,
    parse_contour_pattern,
)
from motivic.core.audio import load_audio  # noqa: E402
from motivic.core.config import load_config  # noqa: E402
from motivic.corpus.clips import scan_clips  # noqa: E402
from motivic.corpus.recordings import read_metadata  # noqa: E402
from motivic.mining.summary import summarise_track  # noqa: E402


def _tracks(paths, pitch_cfg: dict, method: str):
    options = pitch.method_options({**pitch_cfg, "method": method}, method)
    sr = options.pop("sr")
    return [pitch.extract_pitch(load_audio(p, sr=sr), sr=sr, **options) for p in paths]


def _markdown(table: pd.DataFrame) -> str:
    cols = list(table.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in table.itertuples(index=False):
        lines.append(
            "| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row) + " |"
        )
    return "\n".join(lines)


def _shares(tokens) -> dict:
    counts = collections.Counter(abs(t) for t in tokens)
    n = max(sum(counts.values()), 1)
    return {f"share_{k}": counts.get(k, 0) / n for k in (1, 2, 3, 4)}


def clips(args) -> None:
    config = load_config(args.config)
    root = Path(args.root or config["corpus"]["audio_root"])
    table = scan_clips(root)
    tracks = _tracks([root / p for p in table["path"]], config["pitch"], args.pitch)
    hop = [float(np.median(np.diff(t.times_s))) for t in tracks]
    voiced_s = np.array([t.voiced.sum() * h for t, h in zip(tracks, hop)])
    lead, tail = [], []
    for t, h in zip(tracks, hop):
        idx = np.flatnonzero(t.voiced)
        end = t.times_s[-1] + h
        lead.append(t.times_s[idx[0]] if idx.size else end)
        tail.append(end - (t.times_s[idx[-1]] + h) if idx.size else end)
    published = [parse_contour_pattern(p) for p in table["pattern"]]
    n_pub = sum(len(p) for p in published)
    print(
        f"{len(table)} clips, pitch {args.pitch}: voiced {voiced_s.mean():.3f} s per clip, "
        f"share {np.mean([t.voiced.mean() for t in tracks]):.3f}, unvoiced lead "
        f"{np.mean(lead):.3f} s, tail {np.mean(tail):.3f} s"
    )
    rows = [
        {
            "reading": "published",
            "tokens_per_clip": n_pub / len(table),
            "tokens_per_voiced_s": n_pub / voiced_s.sum(),
            **_shares(t for p in published for t in p),
        }
    ]
    for mode in contour.MODE_PRESETS:
        for split in (True, False):
            options = contour.mode_options(config["contour"], mode)
            if not split:
                options["min_gap_s"] = 1e6  # one phrase per voiced stretch: no gap split
            toks = [clip_tokens(t.times_s, t.f0_hz, **options) for t in tracks]
            agree = agreement_table(
                table.assign(published=table["pattern"], tokens=toks),
                seed=config["clip_patterns"]["seed"],
            ).iloc[-1]
            rows.append(
                {
                    "reading": mode + ("" if split else " (no gap split)"),
                    "tokens_per_clip": agree["n_tokens"],
                    "tokens_per_voiced_s": sum(map(len, toks)) / voiced_s.sum(),
                    "exact": agree["exact"],
                    "lcs_own": agree["lcs_own"],
                    "lcs_shuffled": agree["lcs_shuffled"],
                    **_shares(t for seq in toks for t in seq),
                }
            )
    print(_markdown(pd.DataFrame(rows)))


def recordings(args) -> None:
    config = load_config(args.config)
    root = Path(args.root or config["corpus"]["audio_root"])
    sheet = read_metadata(args.sheet or config["corpus"]["metadata"])
    tracks = _tracks([root / p for p in sheet["path"]], config["pitch"], args.pitch)
    mining_cfg = {k: v for k, v in config["mining"].items() if k != "scope"}
    rows = []
    for rec, tr in zip(sheet["recording"], tracks):
        for mode in contour.MODE_PRESETS:
            options = contour.mode_options(config["contour"], mode)
            phrases = contour.simplify(tr.times_s, tr.f0_hz, **options)
            toks = [t for p in phrases for t in p.tokens.tolist()]
            grams = collections.Counter(
                tuple(p.tokens[i : i + 5].tolist())
                for p in phrases
                for i in range(len(p.tokens) - 4)
            )
            counts = np.array(list(collections.Counter(toks).values()), dtype=float)
            probs = counts / counts.sum() if counts.size else counts
            steps = (
                np.concatenate([p.steps[:, 1] - p.steps[:, 0] for p in phrases]) if phrases else []
            )
            motifs = {
                support: summarise_track(
                    tr.times_s,
                    tr.f0_hz,
                    contour_options=options,
                    mining_options={**mining_cfg, "support": support},
                )
                for support in ("phrases", "occurrences")
            }
            rows.append(
                {
                    "recording": rec,
                    "reading": mode,
                    "tokens": len(toks),
                    "entropy_bits": float(-(probs * np.log2(probs)).sum())
                    if probs.size
                    else np.nan,
                    "distinct_5grams": len(grams),
                    "5grams_3plus": sum(v >= 3 for v in grams.values()),
                    "median_step_s": float(np.median(steps)) if len(steps) else np.nan,
                    "motifs_by_phrases": motifs["phrases"]["n_motifs"],
                    "motifs_by_occurrences": motifs["occurrences"]["n_motifs"],
                    "occurrences_by_occurrences": motifs["occurrences"]["n_occurrences"],
                }
            )
    print(_markdown(pd.DataFrame(rows)))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    c = sub.add_parser("clips")
    c.add_argument("--config", type=Path, default=ROOT / "config/flamenco.yaml")
    c.add_argument("--root", help="clip corpus (default: the config's corpus.audio_root)")
    c.add_argument("--pitch", default="melodia", choices=pitch.METHODS)
    r = sub.add_parser("recordings")
    r.add_argument("--config", type=Path, default=ROOT / "config/real-singing.yaml")
    r.add_argument("--root", help="audio root (default: the config's corpus.audio_root)")
    r.add_argument("--sheet", help="recordings sheet (default: the config's corpus.metadata)")
    r.add_argument("--pitch", default="melodia", choices=pitch.METHODS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    clips(args) if args.what == "clips" else recordings(args)


if __name__ == "__main__":
    main()
