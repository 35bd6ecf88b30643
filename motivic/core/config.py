"""Configuration: validation against the JSON schema and per-stage slices.

The schema in ``schemas/config.schema.yaml`` is the single source of truth for
keys, types, bounds and defaults. Each stage's keys are named exactly like the
keyword arguments of the library function that uses them, so a workflow
script can pass its slice straight through.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any, Mapping

import yaml

from motivic.core.errors import MotivicError

__all__ = [
    "RUNTIME_TRAINING_KEYS",
    "SCHEMA_PATH",
    "cfg_slice",
    "evaluation_params",
    "load_config",
    "training_params",
    "validate_config",
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


#: ``training`` keys that change where and how fast a job runs, never what it computes: the
#: workflow passes them as resources, so changing them reruns nothing (a resumed run may
#: continue on another device or with more loader workers).
RUNTIME_TRAINING_KEYS = ("num_workers", "device", "channels_last")

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
