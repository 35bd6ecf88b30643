"""Configuration: validation against the JSON schema and per-stage slices.

The schema in ``schemas/config.schema.yaml`` is the single source of truth for
keys, types, bounds and defaults. Each stage's keys are named exactly like the
keyword arguments of the library function that uses them, so a workflow
script can pass its slice straight through.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import logging
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, Mapping

import yaml

from motivic.core.errors import MotivicError

__all__ = [
    "RUNTIME_TRAINING_KEYS",
    "RUNTIME_TRAINING_RESOURCES",
    "SCHEMA_PATH",
    "AugmentSettings",
    "ReportSettings",
    "SanitySettings",
    "SegmentSettings",
    "Settings",
    "cfg_slice",
    "evaluation_params",
    "load_config",
    "runtime_resources",
    "schema_defaults",
    "training_params",
    "validate_config",
    "with_runtime_settings",
]

logger = logging.getLogger(__name__)

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.yaml"


def _key_path(path) -> str:
    parts = []
    for part in path:
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "".join(parts).lstrip(".") or "<top level>"


def _fill_defaults(instance: dict, schema: dict) -> None:
    """Fill schema defaults into ``instance`` in place, recursively."""
    props = schema.get("properties", {})
    for key, sub in props.items():
        if key not in instance and "default" in sub:
            instance[key] = copy.deepcopy(sub["default"])
        if isinstance(instance.get(key), dict):
            _fill_defaults(instance[key], sub)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for key, value in instance.items():
            if key not in props and isinstance(value, dict):
                _fill_defaults(value, extra)


def validate_config(config: dict, *, schema_path: str | Path = SCHEMA_PATH, source: str = "config") -> dict:
    """Validate ``config`` against the schema and fill in defaults (in place).

    Parameters
    ----------
    config : dict
        Parsed configuration.
    schema_path : path
        JSON schema (YAML syntax, draft 2020-12).
    source : str
        Name of the configuration file, used in error messages.

    Returns
    -------
    config : dict
        The same object, with defaults filled in.

    Raises
    ------
    MotivicError
        Naming the first invalid key (e.g. ``contour.epsilon``), the value
        found and the constraint it breaks.
    """
    import jsonschema

    schema = yaml.safe_load(Path(schema_path).read_text())
    if not isinstance(config, dict):
        raise MotivicError(f"{source}: expected a mapping of sections, found {type(config).__name__}")
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = []
        for err in errors[:10]:
            key = _key_path(err.absolute_path)
            lines.append(f"  {key}: {err.message}")
        raise MotivicError(f"{source} is invalid:\n" + "\n".join(lines))
    _fill_defaults(config, schema)
    fractions = config.get("split", {}).get("fractions")
    if fractions and abs(sum(fractions) - 1.0) > 1e-6:
        raise MotivicError(f"{source} is invalid:\n  split.fractions: {fractions} must sum to 1")
    contour = config.get("contour") or {}
    edges = contour.get("class_edges")
    if edges is not None and (
        len(edges) != contour.get("n_classes", 4) - 1
        or any(b <= a for a, b in zip(edges, edges[1:]))
    ):
        raise MotivicError(
            f"{source} is invalid:\n  contour.class_edges={edges} must be increasing and hold "
            f"contour.n_classes - 1 = {contour.get('n_classes', 4) - 1} edges"
        )
    synth = config.get("synth") or {}
    if synth and synth.get("min_duration_s", 0) > synth.get("max_duration_s", float("inf")):
        raise MotivicError(
            f"{source} is invalid:\n  synth.min_duration_s={synth['min_duration_s']} "
            f"must be <= synth.max_duration_s={synth['max_duration_s']}"
        )
    return config


def load_config(path: str | Path) -> dict:
    """Read a YAML configuration file and validate it (see :func:`validate_config`)."""
    path = Path(path)
    try:
        config = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise MotivicError(f"configuration file {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise MotivicError(f"{path}: not valid YAML: {exc}") from None
    return validate_config(config, source=str(path))


def _sorted(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, (list, tuple)):
        return [_sorted(v) for v in value]
    return value


def cfg_slice(config: Mapping, *keys: str) -> Any:
    """Return a deep copy of ``config[keys[0]][keys[1]]...`` with dict keys sorted.

    Snakemake records params with ``repr()``; sorting makes the record
    independent of the key order in ``config.yaml``, so reordering the file
    never causes a rerun, while any value change does.
    """
    node: Any = config
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            raise MotivicError(f"configuration has no key {'.'.join(keys)}")
        node = node[key]
    return _sorted(copy.deepcopy(node if node is not None else {}))


#: ``training`` keys that change where and how fast a job runs, never what it computes, and the
#: Snakemake resource each travels as: resources are not params, so changing them reruns nothing
#: (a resumed run may continue on another device or with more loader workers).
RUNTIME_TRAINING_RESOURCES = {
    "num_workers": "loader_workers",
    "device": "torch_device",
    "channels_last": "channels_last",
}
RUNTIME_TRAINING_KEYS = tuple(RUNTIME_TRAINING_RESOURCES)

#: ``training`` keys that evaluating a trained checkpoint reads: how its batches are formed,
#: the precision it runs in, and the seed recorded beside its metrics. The other keys only
#: shape the checkpoint, which is the evaluation's input.
EVALUATION_TRAINING_KEYS = ("amp", "batch_size", "crop_to_batch", "min_frames", "seed")


def training_params(training: Mapping | None) -> dict:
    """The ``training`` slice that identifies a trained model (run-time keys removed)."""
    return {k: v for k, v in _sorted(dict(training or {})).items() if k not in RUNTIME_TRAINING_KEYS}


def evaluation_params(training: Mapping | None) -> dict:
    """The ``training`` keys that change an evaluation's outputs (see :data:`EVALUATION_TRAINING_KEYS`)."""
    return {k: v for k, v in _sorted(dict(training or {})).items() if k in EVALUATION_TRAINING_KEYS}


def runtime_resources(training: Mapping) -> dict:
    """The run-time ``training`` keys as the resources of a torch rule.

    ``device`` travels as a string, ``num_workers`` as an integer and ``channels_last`` as
    0 or 1 (Snakemake resources are numbers or strings). :func:`with_runtime_settings` is the
    inverse, in the job.
    """
    values = {**schema_defaults("training"), **dict(training or {})}
    return {
        "loader_workers": int(values["num_workers"]),
        "torch_device": str(values["device"]),
        "channels_last": int(bool(values["channels_last"])),
    }


def with_runtime_settings(training: Mapping, resources: Any) -> dict:
    """A job's ``training`` params with the run-time keys read back from its resources.

    ``resources`` is any object with the attributes :func:`runtime_resources` names (a
    Snakemake job's ``resources``); an attribute it lacks leaves the key as it is.
    """
    settings = dict(training or {})
    decode = {"num_workers": int, "device": str, "channels_last": lambda v: bool(int(v))}
    for key, resource in RUNTIME_TRAINING_RESOURCES.items():
        if hasattr(resources, resource):
            settings[key] = decode[key](getattr(resources, resource))
    return settings


# ---------------------------------------------------------------------------
# typed sections: the schema is the one source of defaults
# ---------------------------------------------------------------------------


@cache
def _schema(schema_path: str = str(SCHEMA_PATH)) -> dict:
    return yaml.safe_load(Path(schema_path).read_text())


def schema_defaults(*section: str) -> dict:
    """The defaults the schema gives the keys of one config section.

    Parameters
    ----------
    *section : str
        Path of the section, e.g. ``"augment"`` or ``"baselines", "mfcc_svm"``.

    Returns
    -------
    defaults : dict
        Key -> default (deep copies) for every key of the section that has one.

    Raises
    ------
    MotivicError
        If the schema has no such section.
    """
    node = _schema()
    for key in section:
        props = node.get("properties", {})
        if key not in props:
            raise MotivicError(f"the config schema has no section {'.'.join(section)}")
        node = props[key]
    return {
        key: copy.deepcopy(sub["default"])
        for key, sub in node.get("properties", {}).items()
        if "default" in sub
    }


class Settings:
    """Base of the typed config sections: fields named like the section's keys, no defaults.

    A subclass is a frozen dataclass that sets :attr:`SECTION`; :meth:`from_config` fills the
    keys a mapping leaves out from the schema's defaults, so a default lives in one place
    (``schemas/config.schema.yaml``) and no caller spells it again.
    """

    SECTION: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_config(cls, mapping: Mapping | None):
        """Build from a config mapping (a section or a slice of it).

        Raises
        ------
        MotivicError
            Naming a key the section does not have (with the closest valid one), or a key
            that is neither given nor defaulted by the schema.
        """
        names = [f.name for f in dataclasses.fields(cls)]
        values = {**schema_defaults(*cls.SECTION), **dict(mapping or {})}
        where = ".".join(cls.SECTION)
        for key in values:
            if key not in names:
                close = difflib.get_close_matches(key, names, n=1)
                hint = f" (did you mean {where}.{close[0]}?)" if close else ""
                raise MotivicError(f"{where}.{key} is not a key of {where}{hint}")
        missing = [n for n in names if n not in values]
        if missing:
            raise MotivicError(f"{where}: no value and no schema default for {missing}")
        return cls(**{n: values[n] for n in names})


@dataclasses.dataclass(frozen=True)
class AugmentSettings(Settings):
    """The ``augment`` section: SpecAugment masks and the per-class plan (docs/training.md)."""

    SECTION: ClassVar[tuple[str, ...]] = ("augment",)
    policy: str
    freq_mask_bands: int
    time_mask_frames: int
    time_mask_max_fraction: float
    fill: str
    plan: Any
    minority_copies: int
    fraction: float
    seed: int
    policies: list
    table2: Any


@dataclasses.dataclass(frozen=True)
class ReportSettings(Settings):
    """The ``report`` section: bootstrap size, confidence, seed, group level, permutations."""

    SECTION: ClassVar[tuple[str, ...]] = ("report",)
    bootstrap: int
    confidence: float
    seed: int
    bootstrap_group: str | None
    permutations: int


@dataclasses.dataclass(frozen=True)
class SegmentSettings(Settings):
    """The ``segments`` section: motif segments and the duration-matched controls."""

    SECTION: ClassVar[tuple[str, ...]] = ("segments",)
    min_duration_s: float
    max_overlap: float
    seed: int
    merge_overlaps: bool
    motif_kinds: list


@dataclasses.dataclass(frozen=True)
class SanitySettings(Settings):
    """The ``sanity`` section: which sanity rows run, and their seed."""

    SECTION: ClassVar[tuple[str, ...]] = ("sanity",)
    duration_only: bool
    shuffled_labels: bool
    seed: int
