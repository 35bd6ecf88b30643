"""SpecAugment masking (:mod:`.masks`) and per-class augmentation plans (:mod:`.plan`).

Pure array transforms and plans that draw randomness only from an explicit
``rng``; see the submodules for the method notes (Park et al. 2019 masks with
the ``p``-bounded time mask, Arronte Alvarez & Gómez 2021 augmentation plan).
"""

from motivic.train.augment.masks import (
    POLICIES,
    SpecAugment,
    frequency_mask,
    spec_augment,
    time_mask,
)
from motivic.train.augment.plan import (
    MASK_KINDS,
    PLAN_PRESETS,
    ClassPlan,
    apply_policy,
    plan_copies,
    resolve_plan,
)

__all__ = [
    "MASK_KINDS",
    "PLAN_PRESETS",
    "POLICIES",
    "ClassPlan",
    "SpecAugment",
    "apply_policy",
    "frequency_mask",
    "plan_copies",
    "resolve_plan",
    "spec_augment",
    "time_mask",
]
