"""An outside reference: PESTO, run with its own released code, on the real-singing files.

Not part of motivic. This answers one question left by issue 11: would a learned tracker
other than CREPE reach 0.95 raw pitch accuracy on ``../shared/data/real-singing-f0``? It runs
PESTO (Riou, Lattner, Hadjeres & Peeters, *"PESTO: Pitch Estimation with Self-supervised
Transposition-equivariant Objective"*, ISMIR 2023) from the ``pesto-pitch`` 2.0.1 wheel, with
that wheel's ``mir-1k_g7`` weights (trained on MIR-1K singing) and its default reduction
(``alwa``), on audio decoded as the pipeline decodes it (``pitch.sr``, hop ``pitch.hop_length``
of ``config.yaml``), scored as ``bench_pitch_real.py`` scores every backend.

Set-up (the wheel's ``pesto.core`` imports torchaudio, which does not run beside the project's
torch, and only for file input; this script stubs it and uses the model directly)::

    .venv/bin/pip download --no-deps pesto-pitch==2.0.1 -d /tmp/pesto
    (cd /tmp/pesto && unzip -qo pesto_pitch-2.0.1-py3-none-any.whl)
    .venv/bin/pip install --target /tmp/pesto-deps omegaconf   # the checkpoint pickles its config
    .venv/bin/python benchmarks/external_pesto.py --pesto /tmp/pesto --deps /tmp/pesto-deps

The checkpoint is a full pickle, which the wheel's own loader unpickles without
``weights_only`` (the project's code loads nothing here): run this only on that wheel's own file. Columns: ``RPA guess`` is raw pitch accuracy
with voicing ignored (every frame's pitch scored, as for the other backends' guesses); the
other columns use PESTO's confidence at 0.5 as the voicing decision (a sigmoid's midpoint; no
threshold was searched).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_pitch_real import default_data, read_pairs  # noqa: E402

from motivic.core.audio import load_audio  # noqa: E402
from motivic.core.config import load_config  # noqa: E402
from motivic.pitch import (  # noqa: E402
    EVALUATION_METRICS,
    PitchTrack,
    evaluate_pitch,
    evaluation_table,
    load_pitch_csv,
)

CONFIDENCE_THRESHOLD = 0.5


def import_pesto_loader(pesto_dir: Path, deps_dir: Path | None):
    """``pesto.loader.load_model`` from an unpacked wheel; torchaudio and tqdm stubbed if absent.

    A stub stands in only where the real module fails to import (torchaudio does beside the
    project's torch); ``pesto.core`` uses them for file input and progress bars only.
    """
    for name in ("torchaudio", "tqdm"):
        try:
            importlib.import_module(name)
        except Exception:  # absent, or a build that does not load beside this torch
            stub = types.ModuleType(name)
            stub.tqdm = lambda iterable, **kwargs: iterable
            sys.modules[name] = stub
    sys.path.insert(0, str(pesto_dir))
    if deps_dir is not None:
        sys.path.append(str(deps_dir))
    from pesto.loader import load_model

    return load_model


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pesto", type=Path, required=True, help="unpacked pesto-pitch wheel")
    parser.add_argument("--deps", type=Path, default=None, help="folder holding omegaconf")
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    parser.add_argument("--weights", default="mir-1k_g7")
    args = parser.parse_args(argv)

    import torch

    pitch_cfg = load_config(args.config)["pitch"]
    sr, hop = pitch_cfg["sr"], pitch_cfg["hop_length"]
    load_model = import_pesto_loader(args.pesto, args.deps)
    model = load_model(args.weights, step_size=1000.0 * hop / sr, sampling_rate=sr)
    rows = []
    for pair in read_pairs(args.data).itertuples():
        y = torch.from_numpy(load_audio(pair.audio, sr=sr).astype(np.float32))
        with torch.inference_mode():
            f0_hz, confidence, _, _ = model(y, sr=sr, convert_to_freq=True, return_activations=True)
        f0_hz, confidence = f0_hz.numpy().astype(float), confidence.numpy()
        times_s = np.arange(len(f0_hz)) * hop / sr
        reference = load_pitch_csv(pair.f0)
        voiced = np.where(confidence >= CONFIDENCE_THRESHOLD, f0_hz, 0.0)
        scores = evaluate_pitch(reference, PitchTrack(times_s=times_s, f0_hz=voiced))
        guess = evaluate_pitch(reference, PitchTrack(times_s=times_s, f0_hz=f0_hz))
        rows.append(
            {
                "method": f"pesto:{args.weights}",
                "recording": pair.name,
                **scores,
                "rpa_guess": guess["raw_pitch_accuracy"],
            }
        )
    table = evaluation_table(pd.DataFrame(rows), metrics=(*EVALUATION_METRICS, "rpa_guess"))
    sys.stdout.write(table.to_string(index=False, float_format="%.3f") + "\n")


if __name__ == "__main__":
    main()
