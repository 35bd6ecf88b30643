"""Parameter study of the melodic stage on the demo corpus: ε × min_support (× tie-break).

Run on a finished workflow directory (its Melodia tracks and planted ground truth)::

    .venv/bin/python benchmarks/param_study.py --workdir /tmp/demo     # ~10 s

or, without one, synthesise the default demo corpus (``config.yaml``'s ``synth`` and
``pitch`` sections) and run Melodia first (``--workdir`` omitted; ~1 minute on 2 cores)::

    .venv/bin/python benchmarks/param_study.py

For every setting, the library functions the workflow runs — ``contour.simplify`` (the
``contour`` section of ``config.yaml`` with ε replaced), ``mining.mine_closed_patterns`` per
recording (``mining`` section with ``min_support`` replaced), ``mining.locate``,
``mining.build_dictionary`` and ``motif_quality.motif_quality`` (time IoU ≥ 0.5) — and it
reports planted-motif recall, precision (share of mined motifs matching a planted
occurrence), dictionary size (all classes and mean per class), occurrences, and the
wall time of simplification (per ε) and of mining (per setting), summed over recordings.
The Markdown table goes to stdout (and ``--out`` as TSV).
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

logger = logging.getLogger("param_study")

EPSILONS = (33.0, 66.0, 100.0)
MIN_SUPPORTS = (2, 3, 4)


def load_corpus(workdir: Path):
    """Pitch tracks, planted occurrences and labels of a finished workflow directory."""
    results = workdir / "results"
    paths = sorted((results / "pitch").glob("*.csv"))
    if not paths:
        raise SystemExit(f"{results / 'pitch'}: no pitch tracks; run the workflow first")
    tracks = {p.stem: pitch.load_pitch_csv(p) for p in paths}
    planted = pd.concat(
        [
            synth.load_planted(results / "demo_corpus" / "motifs" / f"{r}.tsv").assign(recording=r)
            for r in tracks
        ],
        ignore_index=True,
    )
    meta = pd.read_csv(results / "demo_corpus" / "metadata.csv")
    labels = dict(zip(meta["recording"], meta["label"]))
    return tracks, planted, labels


def synthesise(config: dict, out: Path):
    """The default demo corpus and its Melodia tracks, in ``out`` (workflow layout)."""
    t0 = time.perf_counter()
    synth.make_corpus(out / "results" / "demo_corpus", **config["synth"])
    cfg = {k: v for k, v in config["pitch"].items() if not k.startswith("evaluate_")}
    sr = cfg.pop("sr")
    for wav in sorted((out / "results" / "demo_corpus" / "audio").glob("*.wav")):
        track = pitch.extract_pitch(load_audio(wav, sr=sr), sr=sr, **cfg)
        pitch.write_pitch_csv(track, out / "results" / "pitch" / f"{wav.stem}.csv")
    logger.info("synthesised and tracked the corpus in %.0f s", time.perf_counter() - t0)


def study(tracks, planted, labels, *, contour_cfg, mining_cfg, tie_breaks) -> pd.DataFrame:
    rows = []
    for tie_break in tie_breaks:
        for eps in EPSILONS:
            t0 = time.perf_counter()
            phrases = {
                r: contour.simplify(
                    tr.times_s, tr.f0_hz, **{**contour_cfg, "epsilon": eps, "tie_break": tie_break}
                )
                for r, tr in tracks.items()
            }
            contour_s = time.perf_counter() - t0
            for min_support in MIN_SUPPORTS:
                t0 = time.perf_counter()
                per_recording = {}
                for r, ph in phrases.items():
                    patterns = mining.mine_closed_patterns(
                        [p.tokens for p in ph], **{**mining_cfg, "min_support": min_support}
                    )
                    per_recording[r] = mining.locate(patterns, ph)
                mining_s = time.perf_counter() - t0
                dictionary, occ = mining.build_dictionary(per_recording, labels)
                quality = motif_quality(planted, occ, labels).set_index("label")
                per_class = quality.drop(index="ALL")["n_motifs"]
                rows.append(
                    {
                        "tie_break": tie_break,
                        "epsilon": eps,
                        "min_support": min_support,
                        "recall": quality.loc["ALL", "recall"],
                        "precision": quality.loc["ALL", "precision"],
                        "n_motifs": len(dictionary),
                        "motifs_per_class": per_class.mean(),
                        "n_occurrences": len(occ),
                        "tokens": sum(p.tokens.size for ph in phrases.values() for p in ph),
                        "contour_s": contour_s,
                        "mining_s": mining_s,
                    }
                )
                logger.info("%s", rows[-1])
    return pd.DataFrame(rows)


def to_markdown(table: pd.DataFrame) -> str:
    cols = list(table.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in table.itertuples(index=False):
        cells = []
        for c, v in zip(cols, row):
            if c in ("recall", "precision"):
                cells.append(f"{v:.3f}")
            elif c in ("contour_s", "mining_s"):
                cells.append(f"{v:.2f}")
            elif c == "motifs_per_class":
                cells.append(f"{v:.1f}")
            elif c == "epsilon":
                cells.append(f"{v:g}")
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, help="finished workflow directory (synth mode)")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    parser.add_argument("--tie-breaks", nargs="+", default=["least_squares", "greedy"],
                        choices=contour.TIE_BREAKS)
    parser.add_argument("--out", type=Path, help="also write the table as TSV")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("motivic").setLevel(logging.WARNING)
    config = load_config(args.config)
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.workdir
        if workdir is None:
            workdir = Path(scratch)
            synthesise(config, workdir)
        tracks, planted, labels = load_corpus(workdir)
    contour_cfg = {k: v for k, v in config["contour"].items() if k not in ("epsilon", "tie_break")}
    mining_cfg = {k: v for k, v in config["mining"].items() if k not in ("scope", "min_support")}
    table = study(
        tracks, planted, labels, contour_cfg=contour_cfg, mining_cfg=mining_cfg,
        tie_breaks=args.tie_breaks,
    )
    print(
        f"{len(tracks)} recordings, {len(planted)} planted occurrences; "
        f"contour {contour_cfg}, mining {mining_cfg}\n"
    )
    print(to_markdown(table))
    if args.out:
        table.to_csv(args.out, sep="\t", index=False, float_format="%.4f")


if __name__ == "__main__":
    main()
