"""Rule clip_patterns: each clip's tokens against the contour pattern in its file name."""

import os

import pandas as pd
from _common import setup_logging

from motivic.contour.clip_patterns import agreement_table, clip_tokens
from motivic.core.audio import load_audio
from motivic.core.io import atomic_path
from motivic.pitch import extract_pitch

log = setup_logging(snakemake)
pitch_cfg = dict(snakemake.params.pitch)
sr = pitch_cfg.pop("sr")
rows = []
for clip, path, pattern in snakemake.params.clips:
    audio = load_audio(os.path.join(snakemake.params.audio_root, path), sr=sr)
    track = extract_pitch(audio, sr=sr, **pitch_cfg)
    tokens = clip_tokens(track.times_s, track.f0_hz, **snakemake.params.contour)
    rows.append({"clip": clip, "path": path, "published": pattern, "tokens": tokens})
table = agreement_table(pd.DataFrame(rows), seed=snakemake.params.seed)
with atomic_path(snakemake.output[0]) as tmp:
    table.to_csv(tmp, sep="\t", index=False, float_format="%.4f")
