"""Rule build_mel_store: log-mel spectrograms of every segment, streamed into one HDF5 store."""

from pathlib import Path

import pandas as pd
from _common import progress_bar, setup_logging

from motivic import features
from motivic.core.audio import load_audio

log = setup_logging(snakemake)
segs = pd.read_csv(snakemake.input.segments, sep="\t", dtype=str, keep_default_na=False)
segs[["start_s", "end_s"]] = segs[["start_s", "end_s"]].astype(float)
params = features.feature_params(**snakemake.params.cfg)
dataset = Path(snakemake.output[0]).stem
n = features.build_store(
    segs,
    snakemake.params.audio,
    snakemake.output[0],
    params=params,
    dataset=dataset,
    load_audio=load_audio,
    progress=progress_bar(len(segs), f"{dataset} spectrograms"),
)
log.info("wrote %d %s segments to %s", n, dataset, snakemake.output[0])
