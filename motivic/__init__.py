"""motivic: motivic pattern classification of music audio.

A library for the pipeline of Arronte Alvarez & Gómez (2021): f0 → simplified
contour → closed sequential motif mining → log-mel spectrograms → classifiers.
The Snakemake workflow in the repository root wires these stages together.
"""

from __future__ import annotations

import logging
import random

from motivic.core.errors import MotivicError

__all__ = ["MotivicError", "seed_everything", "__version__"]
__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and (if installed) torch global generators.

    Only workflow scripts call this; library functions take explicit ``rng``.
    """
    import numpy as np

    random.seed(seed)
    np.random.seed(seed % 2**32)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return
    torch.manual_seed(seed)
