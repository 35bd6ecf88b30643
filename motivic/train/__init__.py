"""Training loop, configuration, checkpoints and prediction.

The optimisation follows Arronte Alvarez & Gómez (2021): Adam, cross-entropy
on logits, batches of 20, the checkpoint with the best validation score kept.
Added for robustness: a ``ReduceLROnPlateau`` schedule, early stopping,
mixed precision on CUDA, and a *last* checkpoint that lets an interrupted run
continue where it stopped.

Determinism
-----------
``fit`` reseeds torch's global generator at the start of every epoch from
``(cfg.seed, epoch)`` inside :func:`torch.random.fork_rng` (the caller's
generator state is restored afterwards), and the data order comes from the
seeded samplers of :mod:`motivic.train.datasets`. A run resumed from the last
checkpoint therefore repeats the epochs of an uninterrupted run exactly. With
``cfg.deterministic`` (default) ``torch.use_deterministic_algorithms(True,
warn_only=True)`` is on during training and ``cudnn.benchmark`` off; on CPU this
gives bit-identical weights for a fixed seed. On CUDA some kernels (atomics in
cuDNN/cuBLAS backward passes; cuBLAS also wants ``CUBLAS_WORKSPACE_CONFIG``)
have no deterministic variant, so runs agree only to floating-point noise
there; torch warns about such kernels instead of failing.

Checkpoints
-----------
Plain dicts loaded with ``torch.load(weights_only=True)``: ``model`` (registry
name), ``model_kwargs``, ``feature_params``, ``label_names``, ``state_dict``,
``epoch``, ``metrics``, ``config``. The last checkpoint
(:func:`last_checkpoint_path`) adds ``optimizer``, ``scheduler``, ``scaler``,
``history``, ``best_score``, ``best_epoch``, ``bad_epochs``,
``stopped_early`` and ``best`` (a copy of the best checkpoint). Both are
written atomically. The best file is written at the end of every ``fit``
call from that copy, including a call with nothing left to train: Snakemake
deletes a job's declared outputs before rerunning it (``--forcerun``, a
changed run-time setting, a retry after a timeout) but never the last
checkpoint, so no rerun can lose the best weights or end without its output.

Layout: :mod:`.config` (``TrainConfig``, ``TrainHistory``, class weights),
:mod:`.checkpoints` (devices, reading and checking checkpoints), :mod:`.loop`
(``fit``, resuming, ``predict``), :mod:`.datasets`, :mod:`.accel`,
:mod:`.augment`, :mod:`.models` and :mod:`.runs`. The package itself exports
nothing: importing a torch-free part of it (the augmentation policies, the
model registry, both read while Snakemake parses the workflow) imports no torch,
and every caller names the module it uses, which is also what lets
:mod:`motivic.workflow.provenance` follow a script's imports to the code it runs.
"""
