"""The experiment grid: table rows (cells) and the runs behind them (folds × seeds).

A *cell* is one row of a result table: a model (network, baseline or sanity
check) on a dataset, split strategy and augmentation policy. A *run* is one
cell on one fold and one training seed, with its own directory
``results/models/{model}/{dataset}/{split}/{fold}/{seed}/{augment}``. Every
table row aggregates all runs of its cell (:mod:`motivic.results`).

Plain config mappings in, no torch: the workflow calls this at parse time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .errors import MotivicError
from .splits import fold_count

__all__ = [
    "BASELINES",
    "SANITY",
    "Cell",
    "Run",
    "expand_runs",
    "run_training",
    "sanity_rows",
    "seeds",
    "table1_cells",
    "table2_cells",
]

#: Baseline names: the ``baselines:`` config keys and their ``{model}`` names in result paths.
BASELINES = ("mfcc_svm", "convnet_svm")
#: Sanity rows (``sanity:`` keys), never augmented.
SANITY = ("duration_only", "shuffled_labels")

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


def run_training(training: Mapping, seed: int | str) -> dict:
    """The ``training`` section of one run: ``seeds`` dropped, ``seed`` set (keys sorted).

    So adding a seed to ``training.seeds`` never reruns the runs of the others.
    """
    out = {k: v for k, v in training.items() if k != "seeds"}
    out["seed"] = int(seed)
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
