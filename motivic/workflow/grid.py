"""The experiment grid: table rows (cells) and the runs behind them (folds × seeds).

A *cell* is one row of a result table: a model (network, baseline or sanity
check) on a dataset, split strategy and augmentation policy. A *run* is one
cell on one fold and one training seed, with its own directory
``results/models/{model}/{dataset}/{split}/{fold}/{seed}/{augment}``. Every
table row aggregates all runs of its cell (:mod:`motivic.report.tables`).

Plain config mappings in, no torch: the workflow calls this at parse time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from motivic.baselines.svm import resolve_class_weighting
from motivic.core.errors import MotivicError
from motivic.splits import fold_count
from motivic.train.augment.masks import POLICIES

__all__ = [
    "BASELINES",
    "SANITY",
    "Cell",
    "Run",
    "check_grid",
    "expand_runs",
    "feature_set_for",
    "run_augment",
    "run_training",
    "sanity_rows",
    "seeds",
    "table1_cells",
    "table1_runs",
    "table2_cells",
    "table2_runs",
]

#: Baseline names: the ``baselines:`` config keys (every one the schema knows) and their
#: ``{model}`` names in result paths.
BASELINES = (
    "mfcc_svm",
    "convnet_svm",
    "convnet_svm_random",
    "convnet_svm_transfer",
    "motif_ngrams",
)
#: Sanity rows (``sanity:`` keys), never augmented.
SANITY = ("duration_only", "shuffled_labels")

# Keys of the augment section that choose runs rather than describe the masking of one run.
_GRID_AUGMENT_KEYS = ("policy", "policies", "table2")
# Which masks each policy draws, and the prefix of the augment keys that configure a mask:
# a run reads only the keys of its own masks (a time-mask width never reruns frequency runs).
_POLICY_MASKS = {"frequency": ("frequency",), "time": ("time",), "both": ("frequency", "time")}
_MASK_KEY_PREFIXES = {"frequency": "freq_", "time": "time_"}

RUN_PATTERN = "results/models/{model}/{dataset}/{split}/{fold}/{seed}/{augment}"


@dataclass(frozen=True)
class Run:
    """One trained and scored model: a cell on one fold with one seed."""

    model: str
    dataset: str
    split: str
    fold: int
    seed: int
    augment: str

    @property
    def path(self) -> str:
        """Run directory relative to the working directory."""
        return RUN_PATTERN.format(**self.__dict__)


@dataclass(frozen=True)
class Cell:
    """One table row: a model on a dataset, split strategy and augmentation policy."""

    model: str
    dataset: str
    split: str
    augment: str

    def run(self, fold: int, seed: int) -> Run:
        """The run of this cell on ``fold`` with ``seed``."""
        return Run(self.model, self.dataset, self.split, int(fold), int(seed), self.augment)


def seeds(config: Mapping) -> list[int]:
    """Training seeds: ``training.seeds``, else ``[training.seed]`` (default ``[0]``)."""
    training = config.get("training") or {}
    values = training.get("seeds")
    if values is None:
        values = [training.get("seed", 0)]
    return [int(s) for s in values]


def run_training(training: Mapping, seed: int | str, split: str | None = None) -> dict:
    """The ``training`` section of one run: ``seeds`` dropped, ``seed`` set (keys sorted).

    So adding a seed to ``training.seeds`` never reruns the runs of the others.
    With ``split`` (the run's strategy name), ``class_weighting`` is resolved
    for it (:func:`motivic.baselines.svm.resolve_class_weighting`: ``auto`` or
    absent is ``balanced`` for a grouped strategy, ``none`` for ``random``), so
    the networks are weighted as the SVM baselines of their cell are.
    """
    out = {k: v for k, v in training.items() if k != "seeds"}
    out["seed"] = int(seed)
    if split is not None:
        out["class_weighting"] = resolve_class_weighting(out, split)
    return dict(sorted(out.items()))


def sanity_rows(config: Mapping) -> list[str]:
    """Sanity rows switched on in ``sanity:`` (both by default)."""
    section = config.get("sanity") or {}
    return [name for name in SANITY if section.get(name, True)]


def table1_cells(config: Mapping) -> list[Cell]:
    """Cells of Table I: every model, baseline and sanity row × dataset × split strategy.

    Networks use the Table-I policy ``augment.policy`` (default ``none``);
    baselines and sanity rows are never augmented.
    """
    policy = (config.get("augment") or {}).get("policy", "none")
    cells = []
    for dataset in config["datasets"]:
        for split in config["split"]["strategies"]:
            cells += [Cell(m, dataset, split, policy) for m in config["models"]]
            cells += [Cell(b, dataset, split, "none") for b in (config.get("baselines") or {})]
            cells += [Cell(s, dataset, split, "none") for s in sanity_rows(config)]
    return cells


def table2_cells(config: Mapping) -> list[Cell]:
    """Cells of Table II: ``augment.table2`` models × datasets × splits × ``augment.policies``.

    ``table2.models`` (``None``: every model), ``table2.datasets`` and
    ``table2.splits`` (``None``: all of ``datasets`` / ``split.strategies``).
    An empty model list or no policy gives no Table II.
    """
    augment = config.get("augment") or {}
    grid = augment.get("table2") or {}
    policies = augment.get("policies") or []
    pick = {
        "models": list(config["models"]),
        "datasets": list(config["datasets"]),
        "splits": list(config["split"]["strategies"]),
    }
    chosen = {
        key: (grid.get(key) if grid.get(key) is not None else every) for key, every in pick.items()
    }
    return [
        Cell(m, d, s, p)
        for m in chosen["models"]
        for d in chosen["datasets"]
        for s in chosen["splits"]
        for p in policies
    ]


def expand_runs(
    cells: Sequence[Cell],
    config: Mapping,
    folds: Callable[[str, str], Sequence[int]] | None = None,
) -> list[Run]:
    """Every run of ``cells``: folds of its dataset and strategy × ``training.seeds``.

    Parameters
    ----------
    cells : sequence of Cell
    config : mapping
        The configuration (``split``, ``training``).
    folds : callable (dataset, strategy) -> fold numbers, or None
        Needed for strategies whose fold count depends on the data (``logo``);
        ``None`` uses :func:`motivic.splits.fold_count`.

    Raises
    ------
    MotivicError
        If a strategy's fold count is unknown and ``folds`` is not given.
    """
    runs = []
    for cell in cells:
        if folds is not None:
            numbers = list(folds(cell.dataset, cell.split))
        else:
            n = fold_count(config["split"], cell.split)
            if n is None:
                raise MotivicError(
                    f"split strategy {cell.split!r} has one fold per group: its folds are known "
                    "once the split is written (pass folds=)"
                )
            numbers = list(range(n))
        runs += [cell.run(k, s) for k in numbers for s in seeds(config)]
    return runs


# ---------------------------------------------------------------------------
# the grid's config helpers (plain config mappings; no torch)
# ---------------------------------------------------------------------------


def feature_set_for(model_name: str, model_cfg: Mapping | None, feature_sets: Mapping) -> str:
    """Feature set a model trains on: ``models.<name>.features``, else the first one defined.

    The schema gives the ``pons_*`` models ``features: mel40`` by default
    (Pons, Lidy & Serra 2016 use 40 bands); the others default to the first
    feature set of the ``features:`` section (``logmel128`` in the shipped configs).

    Parameters
    ----------
    model_name : str
        Registry name (used in error messages).
    model_cfg : mapping or None
        The model's config entry.
    feature_sets : mapping
        The ``features:`` section (name -> parameters), non-empty.

    Raises
    ------
    MotivicError
        If the named feature set is not defined, or there is none.
    """
    if not feature_sets:
        raise MotivicError("features: at least one feature set must be defined")
    name = (model_cfg or {}).get("features")
    if name is None:
        return next(iter(feature_sets))
    if name not in feature_sets:
        raise MotivicError(
            f"models.{model_name}.features={name!r} is not a feature set; defined: "
            f"{sorted(feature_sets)}. Add a features.{name} section (e.g. kind: {name}) "
            f"or set models.{model_name}.features"
        )
    return str(name)


def run_augment(augment_cfg: Mapping | None, policy: str) -> dict:
    """The masking settings of one run: the ``augment`` section with ``policy`` set.

    The keys that select runs (``policy``, ``policies``, ``table2``) are
    dropped, so editing the table-2 grid never invalidates a trained run; so
    are the keys of masks the policy does not draw (``freq_*`` for ``time``,
    ``time_*`` for ``frequency``, every key for ``none``), so a run is
    retrained only when a setting it reads changes.

    Returns
    -------
    augment : dict
        Keys sorted, ``policy`` included; pass to :func:`train_run`.
    """
    if policy not in POLICIES:
        raise MotivicError(f"augment policy={policy!r} must be one of {', '.join(POLICIES)}")
    if policy == "none":  # no masks: no augment key can change the run
        return {"policy": "none"}
    unused = _MASK_KEY_PREFIXES.keys() - set(_POLICY_MASKS[policy])
    kept = {
        k: v
        for k, v in (augment_cfg or {}).items()
        if k not in _GRID_AUGMENT_KEYS
        and not any(k.startswith(_MASK_KEY_PREFIXES[mask]) for mask in unused)
    }
    kept["policy"] = policy
    return dict(sorted(kept.items()))


def table1_runs(config: Mapping, folds: Callable | None = None) -> list[Run]:
    """Runs behind Table I: every model, baseline and sanity row × dataset × split × fold × seed.

    See :func:`motivic.workflow.grid.table1_cells` and :func:`motivic.workflow.grid.expand_runs`
    (``folds`` is needed for ``logo``).
    """
    return expand_runs(table1_cells(config), config, folds)


def table2_runs(config: Mapping, folds: Callable | None = None) -> list[Run]:
    """Runs behind Table II: ``augment.table2`` cells × ``augment.policies`` × fold × seed.

    See :func:`motivic.workflow.grid.table2_cells`; empty when there is no Table II.
    """
    return expand_runs(table2_cells(config), config, folds)


def check_grid(config: Mapping) -> None:
    """Check the cross-section references of a (schema-validated) configuration.

    Raises
    ------
    MotivicError
        Naming the key, if a model is unknown or has an option its builder does not
        take (or a value of the wrong type), a model's feature set is undefined, Table II names
        a model, dataset or split strategy the grid does not have, or a
        baseline refers to an undefined feature set or model.
    """
    from motivic.train import models

    feature_sets = config["features"]
    for name, model_cfg in config["models"].items():
        feature_set_for(name, model_cfg, feature_sets)
        options = {k: v for k, v in (model_cfg or {}).items() if k != "features"}
        models.check_options(name, options)
    grid = (config.get("augment") or {}).get("table2") or {}
    available = {
        "models": config["models"],
        "datasets": config["datasets"],
        "splits": config["split"]["strategies"],
    }
    for key, values in available.items():
        unknown = sorted(set(grid.get(key) or []) - set(values))
        if unknown:
            raise MotivicError(
                f"augment.table2.{key}={grid[key]} names {unknown}, which the grid lacks "
                f"(it has {list(values)})"
            )
    for name, cfg in (config.get("baselines") or {}).items():
        cfg = cfg or {}
        if cfg.get("features") is not None and cfg["features"] not in feature_sets:
            raise MotivicError(
                f"baselines.{name}.features={cfg['features']!r} is not a feature set; "
                f"defined: {sorted(feature_sets)}"
            )
        if "model" in cfg and cfg["model"] not in config["models"]:
            raise MotivicError(
                f"baselines.{name}.model={cfg['model']!r} must be one of the trained models "
                f"{list(config['models'])} (its checkpoint provides the features)"
            )
