"""Shared pytest fixtures: a fixed-seed generator and small synthetic recordings/corpora."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A NumPy generator with a fixed seed, fresh for every test."""
    return np.random.default_rng(20210611)


@pytest.fixture(scope="session")
def tiny_motifs():
    """Motif vocabulary of a 2-class corpus, one motif per class."""
    from motivic.corpus.synth import make_motifs

    return make_motifs(seed=7, n_classes=2, motifs_per_class=1)


@pytest.fixture(scope="session")
def tiny_recording(tiny_motifs):
    """One ~9-s synthetic recording at 44.1 kHz (style1, one motif planted 3 times)."""
    from motivic.corpus.synth import synth_recording

    return synth_recording(
        seed=3, label="style1", singer="singer01", motifs=tiny_motifs["style1"], duration_s=9.0
    )


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory):
    """A demo corpus on disk: 2 classes x 2 recordings of ~6–8 s at 22.05 kHz.

    Returns the output directory (``metadata.csv``, ``audio/``, ``f0/``, ``motifs/``).
    """
    from motivic.corpus.synth import make_corpus

    out = tmp_path_factory.mktemp("tiny_corpus")
    make_corpus(
        out,
        seed=7,
        n_classes=2,
        recordings_per_class=2,
        singers_per_class=1,
        motifs_per_class=1,
        min_duration_s=6.0,
        max_duration_s=8.0,
        sr=22050,
    )
    return out
