"""Rule extract_pitch: f0 of one recording → MIREX time,frequency CSV."""

from _common import setup_logging

from motivic.core.audio import load_audio
from motivic.pitch import extract_pitch, write_pitch_csv

log = setup_logging(snakemake)
cfg = dict(snakemake.params.cfg)
sr = cfg.pop("sr")
if cfg["method"] == "crepe":  # the network runs in torch: keep to the rule's threads
    import torch

    torch.set_num_threads(snakemake.threads)
if cfg["method"] == "swiftf0":  # ONNX Runtime's pool, likewise
    cfg["threads"] = snakemake.threads
y = load_audio(snakemake.input[0], sr=sr)
track = extract_pitch(y, sr=sr, **cfg)
log.info(
    "%s: %d frames, %.1f%% voiced (%s)",
    snakemake.input[0],
    len(track.times_s),
    100 * track.voiced.mean(),
    cfg["method"],
)
write_pitch_csv(track, snakemake.output[0])
