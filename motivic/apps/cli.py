"""Command-line interface: ``motivic classify`` and ``motivic validate-config``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import pandas as pd

from motivic.core.errors import MotivicError

__all__ = ["main"]

logger = logging.getLogger("motivic.apps.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="motivic", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    classify = sub.add_parser(
        "classify",
        help="classify recordings with a trained model and the collection's motif dictionary",
        description="pitch → contour → dictionary motifs → per-motif predictions → recording vote",
    )
    classify.add_argument("audio", nargs="+", type=Path, help="audio files to classify")
    classify.add_argument("--model", required=True, type=Path, help="checkpoint.pt of a trained model")
    classify.add_argument(
        "--dictionary", type=Path, default=Path("results/motifs/dictionary.tsv"),
        help="motif dictionary of the training collection (default: %(default)s)",
    )
    classify.add_argument(
        "--config", type=Path, default=Path("config.yaml"),
        help="workflow configuration the model was trained with (default: %(default)s)",
    )
    classify.add_argument("--output", type=Path, help="CSV with one row per recording")
    classify.add_argument("--segments", type=Path, help="CSV with one row per motif occurrence")
    classify.add_argument("--device", default="auto", help="cpu, cuda or auto (default: %(default)s)")
    check = sub.add_parser("validate-config", help="check a configuration file against the schema")
    check.add_argument("config", type=Path)
    return parser


def _classify(args) -> int:
    from motivic.apps.classify import classify_recording
    from motivic.core.config import load_config
    from motivic.core.io import atomic_path
    from motivic.mining import read_table
    from motivic.train import models
    from motivic.train.checkpoints import load_checkpoint, model_from_checkpoint, resolve_device

    config = load_config(args.config)
    checkpoint = load_checkpoint(args.model)
    device = resolve_device(args.device)
    model = model_from_checkpoint(checkpoint, models.build).to(device)
    dictionary = read_table(args.dictionary)
    rows, segments = [], []
    for path in args.audio:
        result = classify_recording(
            path, checkpoint, dictionary,
            pitch_cfg=config["pitch"], contour_cfg=config["contour"],
            min_duration_s=config["segments"]["min_duration_s"], model=model, device=str(device),
        )
        rows.append(result.summary())
        segments.append(result.segments.assign(path=str(path)))
    table = pd.DataFrame(rows)
    sys.stdout.write(table.to_string(index=False) + "\n")
    if args.output:
        with atomic_path(args.output) as tmp:
            table.to_csv(tmp, index=False)
    if args.segments:
        with atomic_path(args.segments) as tmp:
            pd.concat(segments, ignore_index=True).to_csv(tmp, index=False)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``motivic`` command."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "classify":
            return _classify(args)
        from motivic.core.config import load_config

        load_config(args.config)
        sys.stdout.write(f"{args.config}: valid\n")
        return 0
    except (MotivicError, OSError) as err:
        logger.error("%s", err)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
