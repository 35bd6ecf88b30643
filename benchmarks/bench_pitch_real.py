"""Every pitch backend on real singing with human f0 references, accuracy and CPU speed.

Run: ``.venv/bin/python benchmarks/bench_pitch_real.py --data ../shared/data/real-singing-f0``
(``--data`` defaults to ``$MOTIVIC_REAL_SINGING``, else ``../shared/data/real-singing-f0``
beside the repository). Any corpus laid out the same way works: a ``metadata.csv`` with
columns ``path`` (audio) and ``f0`` (MIREX ``time,f0`` reference, 0 = unvoiced), both relative
to the data folder.

Protocol
--------
- Audio is decoded at ``pitch.sr`` of ``config.yaml`` (``--config``) with
  ``motivic.core.audio.load_audio``; every backend gets the pipeline's own options from that
  file's ``pitch`` section (``pitch.method_options``: hop, range, Melodia's settings, CREPE's
  decoder and threshold), so the figures are those of ``pitch.method: <backend>`` runs.
  ``--backends`` lists them as ``melodia``, ``pyin``, ``crepe:<model>[:<decoder>]`` and
  ``swiftf0``.
- Scores: :func:`motivic.pitch.evaluate_pitch` (``mir_eval.melody``, the estimate
  resampled onto the reference times, 50 cents): raw pitch and chroma accuracy, voicing
  recall and false alarm, overall accuracy; mean rows over the files
  (:func:`motivic.pitch.evaluation_table`).
- ``RPA guess``: raw pitch accuracy with every frame's pitch scored, the backend's voicing
  ignored (MIREX's "unvoiced guesses", i.e. negative f0 for frames called unvoiced, which
  ``mir_eval`` reads as a pitch; the CREPE paper's raw pitch accuracy ignores voicing the same
  way). pYIN's guesses are librosa's ``fill_na=None`` f0, CREPE's the decoded pitch of every
  frame, SwiftF0's its pitch of every frame; Melodia has none here (``guessUnvoiced`` changes its contour selection), so its cell
  is blank. ``RPA`` itself counts a reference-voiced frame the backend calls unvoiced as wrong.
- Speed: audio seconds per CPU second of the process (``time.process_time`` around
  ``extract_pitch``, which counts every thread; weights loading and resampling included; the
  unvoiced guesses come from the same pass)
  and per wall second. Each backend first runs once, untimed, on one second of a tone,
  so imports and JIT compilation are not counted. Files are the outer loop and backends the
  inner one, so the backends' timings interleave and share the host's load; the host is
  shared: compare the ratios between backends of one run, not absolute times across runs.
  ``--threads N`` sets torch's threads (``torch.set_num_threads``) and ONNX Runtime's
  intra-op threads (SwiftF0) to N, for per-core figures; by default both keep their own.

Outputs (``--out``, default ``results/benchmarks/bench_pitch_real``): ``pitch_real.tsv``
(per backend and file, and MEAN rows) and ``pitch_real.md`` (the summary table and raw
pitch accuracy per file, as quoted in docs/method.md and docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from motivic.core.audio import load_audio
from motivic.core.config import load_config
from motivic.core.errors import MotivicError
from motivic.pitch import (
    EVALUATION_METRICS,
    evaluate_pitch,
    evaluation_table,
    extract_pitch,
    load_pitch_csv,
    method_options,
)

logger = logging.getLogger("bench_pitch_real")

DEFAULT_BACKENDS = [
    "melodia",
    "pyin",
    "crepe:tiny",
    "crepe:tiny:viterbi",
    "crepe:tiny:viterbi_torchcrepe",
    "crepe:full",
    "crepe:full:viterbi",
    "crepe:full:viterbi_torchcrepe",
    "swiftf0",
]
SHORT = {
    "raw_pitch_accuracy": "RPA",
    "raw_chroma_accuracy": "RCA",
    "voicing_recall": "VR",
    "voicing_false_alarm": "VFA",
    "overall_accuracy": "OA",
}


def default_data() -> Path:
    return Path(os.environ.get("MOTIVIC_REAL_SINGING", ROOT / "../shared/data/real-singing-f0"))


def read_pairs(data: Path) -> pd.DataFrame:
    """``name, audio, f0`` per row of ``data/metadata.csv`` (paths resolved)."""
    sheet_path = data / "metadata.csv"
    if not sheet_path.is_file():
        raise MotivicError(f"{sheet_path}: missing; expected columns path, f0 (relative to {data})")
    sheet = pd.read_csv(sheet_path, dtype=str, keep_default_na=False)
    missing = [c for c in ("path", "f0") if c not in sheet.columns]
    if missing:
        raise MotivicError(
            f"{sheet_path}: missing column(s) {missing}; found {list(sheet.columns)}"
        )
    sheet = sheet[sheet["f0"].str.strip() != ""]
    return pd.DataFrame(
        {
            "name": [Path(p).stem for p in sheet["path"]],
            "audio": [data / p for p in sheet["path"]],
            "f0": [data / p for p in sheet["f0"]],
        }
    )


def backend_options(backend: str, pitch_cfg: dict) -> dict:
    """``extract_pitch`` keywords (``sr`` included) of one ``--backends`` entry."""
    method, *rest = backend.split(":")
    cfg = dict(pitch_cfg)
    if method == "crepe":
        if rest:
            cfg["crepe_model"] = rest[0]
        if len(rest) > 1:
            cfg["crepe_decoder"] = rest[1]
    elif rest:
        raise MotivicError(f"--backends {backend!r}: only crepe takes :model[:decoder]")
    return method_options(cfg, method)


def warm_up(options: dict, threads: int | None = None) -> None:
    """One untimed run on a second of a tone (imports, sessions, JIT)."""
    sr = options["sr"]
    extract_pitch(0.3 * np.sin(2 * np.pi * 220.0 * np.arange(sr) / sr), threads=threads, **options)


def run_one(backend: str, options: dict, pair, threads: int | None = None) -> dict:
    """Scores and timings of one backend on one ``read_pairs`` row."""
    sr = options["sr"]
    y = load_audio(pair.audio, sr=sr)
    cpu, wall = time.process_time(), time.perf_counter()
    track, guess = extract_pitch(y, with_guess=True, threads=threads, **options)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    reference = load_pitch_csv(pair.f0)
    scores = evaluate_pitch(reference, track)
    rpa_guess = np.nan if guess is None else evaluate_pitch(reference, guess)["raw_pitch_accuracy"]
    logger.info(
        "%s %s: RPA %.3f, %.2f audio s per CPU s",
        backend,
        pair.name,
        scores["raw_pitch_accuracy"],
        len(y) / sr / cpu,
    )
    return {
        "method": backend,
        "recording": pair.name,
        **scores,
        "rpa_guess": rpa_guess,
        "audio_s": len(y) / sr,
        "cpu_s": cpu,
        "wall_s": wall,
    }


def summarise(raw: pd.DataFrame) -> pd.DataFrame:
    """evaluation_table plus audio/CPU/wall seconds (sums on MEAN rows) and speeds."""
    metrics = (*EVALUATION_METRICS, "rpa_guess")
    table = evaluation_table(raw[["method", "recording", *metrics]], metrics=metrics)
    timing = raw.groupby("method")[["audio_s", "cpu_s", "wall_s"]].sum()
    per_file = raw.set_index(["method", "recording"])[["audio_s", "cpu_s", "wall_s"]]
    for col in ("audio_s", "cpu_s", "wall_s"):
        table[col] = [
            timing.loc[m, col] if r.startswith("MEAN") else per_file.loc[(m, r), col]
            for m, r in zip(table["method"], table["recording"])
        ]
    table["audio_s_per_cpu_s"] = table["audio_s"] / table["cpu_s"]
    table["audio_s_per_wall_s"] = table["audio_s"] / table["wall_s"]
    return table


def markdown(table: pd.DataFrame, header: str) -> str:
    means = table[table["recording"] == "MEAN"]
    lines = [
        header,
        "",
        "| backend | "
        + " | ".join(SHORT.values())
        + " | RPA guess | audio s / CPU s | audio s / wall s |",
        "|---" * 9 + "|",
    ]
    for row in means.itertuples():
        metrics = " | ".join(f"{getattr(row, m):.3f}" for m in SHORT)
        guess = "" if np.isnan(row.rpa_guess) else f"{row.rpa_guess:.3f}"
        lines.append(
            f"| {row.method} | {metrics} | {guess} | {row.audio_s_per_cpu_s:.2f} "
            f"| {row.audio_s_per_wall_s:.2f} |"
        )
    files = [r for r in dict.fromkeys(table["recording"]) if not r.startswith("MEAN")]
    lines += [
        "",
        "Raw pitch accuracy per file:",
        "",
        "| backend | " + " | ".join(files) + " |",
        "|---" * (len(files) + 1) + "|",
    ]
    per = table.set_index(["method", "recording"])["raw_pitch_accuracy"]
    for method in dict.fromkeys(table["method"]):
        cells = " | ".join(f"{per.get((method, f), float('nan')):.3f}" for f in files)
        lines.append(f"| {method} | {cells} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    parser.add_argument("--backends", nargs="+", default=DEFAULT_BACKENDS)
    parser.add_argument("--out", type=Path, default=ROOT / "results/benchmarks/bench_pitch_real")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch and ONNX Runtime threads (default: theirs)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    import torch

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    pitch_cfg = load_config(args.config)["pitch"]
    pairs = read_pairs(args.data)
    options = {backend: backend_options(backend, pitch_cfg) for backend in args.backends}
    for backend in args.backends:
        warm_up(options[backend], args.threads)
    rows = [
        run_one(backend, options[backend], pair, args.threads)
        for pair in pairs.itertuples()
        for backend in args.backends
    ]
    table = summarise(pd.DataFrame(rows))
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "pitch_real.tsv", sep="\t", index=False, float_format="%.4f")
    header = (
        f"`benchmarks/bench_pitch_real.py --data {args.data}` — {len(pairs)} files, "
        f"{table.loc[table['recording'] == 'MEAN', 'audio_s'].iloc[0]:.1f} s of audio; "
        f"pitch options of {args.config.name} (sr {pitch_cfg['sr']}, hop {pitch_cfg['hop_length']},"
        f" {pitch_cfg['fmin_hz']:g}–{pitch_cfg['fmax_hz']:g} Hz); mean over files. Machine: "
        f"{platform.machine()}, Python {platform.python_version()}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} torch threads, "
        f"ONNX Runtime threads {args.threads or 'default'}, "
        f"{'CUDA ' + torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'CPU only'}."
    )
    text = markdown(table, header)
    (args.out / "pitch_real.md").write_text(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
