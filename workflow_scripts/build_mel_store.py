"""Rule build_mel_store: log-mel spectrograms of every segment, streamed into one HDF5 store."""

from pathlib import Path

import pandas as pd
from _common import progress_bar, setup_logging

from motivic import features
from motivic.core.audio import load_audio

log = setup_logging(snakemake)
segs = pd.read_csv(snakemake.input.segments, sep="\t", dtype=str, keep_default_na=False)
segs[["start_s", "end_s"]] = segs[["start_s", "end_s"]].astype(float)
# fmax_hz null follows the lowest native rate of the store's sources (spectra.native_fmax)
report = pd.read_csv(snakemake.input.corpus_report, sep="\t", dtype=str, keep_default_na=False)
sources = set(segs["source"] if "source" in segs.columns else segs["recording"])
native = report.loc[report["recording"].isin(sources), "sr_hz"]
params = features.feature_params(**features.native_fmax(snakemake.params.cfg, native))
log.info("mel bands up to %.0f Hz (features sr %d Hz)", params["fmax_hz"], params["sr"])
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
