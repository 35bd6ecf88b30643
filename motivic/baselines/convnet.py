"""Convnet features of a segment: the features of the ``convnet_svm*`` baselines.

The "convnet feature" of Choi, Fazekas, Sandler & Cho (2017), "Transfer learning
for music classification and regression tasks": the average-pooled activation of
every conv layer of a compact convnet, concatenated (:func:`convnet_features`).

Where the convnet comes from
----------------------------
Choi et al.'s baselines are *transfer* features: the convnet is trained on a
source task or corpus (the Million Song Dataset's tags) and frozen, and a
second baseline uses a convnet with *random* weights. Three sources, three
Table I rows:

* ``convnet_svm_transfer``: a checkpoint trained elsewhere
  (:func:`load_transfer_convnet`, any label set, same feature parameters);
* ``convnet_svm_random``: the same architecture with seeded random weights
  (:func:`random_convnet`);
* ``convnet_svm`` (in-domain): a convnet trained on the target split itself,
  which is not Choi's transfer learning; it keeps its old row name.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from motivic.core.errors import MotivicError

__all__ = ["convnet_features", "load_transfer_convnet", "random_convnet"]

logger = logging.getLogger(__name__)


def convnet_features(
    model,
    store,
    indices: Sequence[int],
    *,
    normalise=None,
    min_frames: int = 32,
    device="cpu",
) -> np.ndarray:
    """Concatenated average-pooled layer activations of a compact convnet, per segment.

    Each segment is cut to its valid frames (padded back to ``min_frames``
    with silence when shorter, as training batches are) and passed through
    :func:`motivic.train.models.convnet.layer_features` in eval mode with its valid length,
    so the averages describe the segment, never its padding.

    Parameters
    ----------
    model : motivic.train.models.convnet.ChoiConvNet
        A trained ``compact_convnet*`` model.
    store : MelStore-like
        ``read(i) -> (mel [n_mels, n_frames], valid_frames)``.
    indices : sequence of int [shape=(n,)]
        Store rows.
    normalise : callable or None
        ``(mel, valid_frames) -> mel`` applied first (the store's normaliser).
    min_frames : int >= 1
        Shortest input.
    device : torch.device or str

    Returns
    -------
    X : np.ndarray [shape=(n, n_layers * channels), dtype=float64]
    """
    import torch

    from motivic.train.models.convnet import layer_features

    model = model.to(device).eval()
    rows = []
    with torch.no_grad():
        for i in indices:
            mel, valid = store.read(int(i))
            mel = np.asarray(mel, dtype=np.float32)
            if normalise is not None:
                mel = normalise(mel, int(valid))
            frames = min(max(int(valid), int(min_frames)), mel.shape[1])
            x = torch.from_numpy(np.ascontiguousarray(mel[:, :frames]))[None, None].to(device)
            lengths = torch.tensor([min(int(valid), frames)], device=device)
            feats = layer_features(model, x, lengths)
            rows.append(torch.cat(feats, dim=1)[0].double().cpu().numpy())
    if not rows:
        return np.zeros((0, 0))
    return np.stack(rows)


def random_convnet(
    n_classes: int, *, n_mels: int, seed: int, model: str = "compact_convnet", **options
):
    """A compact convnet with seeded random weights (Choi et al. 2017's random-feature baseline).

    The weights come from the architecture's own initialisation drawn with
    ``torch.manual_seed(seed)`` inside :func:`torch.random.fork_rng`, so the
    global generator is left as it was and the same seed gives the same
    features on every run.

    Parameters
    ----------
    n_classes : int >= 1
        Output size of the (unused) classifier.
    n_mels : int >= 1
        Mel bands of the store.
    seed : int
        Seed of the weights (from ``baselines.convnet_svm_random.seed``).
    model : str
        A ``compact_convnet*`` registry name.
    **options
        Further options of :func:`motivic.train.models.build`.

    Returns
    -------
    model : motivic.train.models.convnet.ChoiConvNet
        In eval mode.

    Raises
    ------
    MotivicError
        If ``model`` is not a compact convnet.
    """
    import torch

    from motivic.train.models import build
    from motivic.train.models.convnet import ChoiConvNet

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        net = build(model, n_classes, n_mels=n_mels, **options)
    if not isinstance(net, ChoiConvNet):
        raise MotivicError(f"random_convnet: model={model!r} is not a compact_convnet* model")
    return net.eval()


def load_transfer_convnet(checkpoint_path, *, feature_params, source: str = "store"):
    """A compact convnet trained on another task or corpus, for transfer features.

    Parameters
    ----------
    checkpoint_path : path
        A project checkpoint (``motivic.train`` layout) of a ``compact_convnet*``
        model, trained on any labels; only its layers are used.
    feature_params : mapping
        Feature parameters of the target store; the checkpoint's must be equal
        (same log-mel front end), or the features would not mean the same thing.
    source : str
        Name of the store, for error messages.

    Returns
    -------
    model : motivic.train.models.convnet.ChoiConvNet
        In eval mode, on the CPU.

    Raises
    ------
    MotivicError
        Naming the file when it is missing, not a compact convnet, or was
        trained on other features.
    """
    import os

    from motivic.train.checkpoints import (
        check_feature_params,
        load_checkpoint,
        model_from_checkpoint,
    )
    from motivic.train.models import build
    from motivic.train.models.convnet import ChoiConvNet

    if not os.path.isfile(checkpoint_path):
        raise MotivicError(
            f"convnet_svm_transfer checkpoint {os.fspath(checkpoint_path)!r} does not exist "
            "(baselines.convnet_svm_transfer.checkpoint: a compact_convnet trained on a source "
            "task or corpus)"
        )
    ckpt = load_checkpoint(checkpoint_path)
    check_feature_params(ckpt, dict(feature_params), source=source)
    net = model_from_checkpoint(ckpt, build)
    if not isinstance(net, ChoiConvNet):
        raise MotivicError(
            f"{os.fspath(checkpoint_path)}: model {ckpt.get('model')!r} is not a "
            "compact_convnet* model; transfer features need one"
        )
    return net.eval()
