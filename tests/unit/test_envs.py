"""envs/*.yaml describe the stack the tests run, and cover what each rule's script imports.

Every package is pinned (``name==version``) to the version installed in the interpreter running
the tests (CI's .venv), and every third-party module a rule's script can import (its
``workflow_scripts/`` file, ``_common.py`` and the ``motivic`` modules they reach, lazy imports
included; read with ``ast``) belongs to a package of that rule's environment.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ENVS = sorted((ROOT / "envs").glob("*.yaml"))
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([A-Za-z0-9_.+!-]+)$")
# Modules found by the static scan that no job imports at run time.
NOT_RUNTIME = {"snakemake", "pytest", "hypothesis"}


def _pip_pins(env: dict) -> dict[str, str]:
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    pins = {}
    for line in pip:
        if line.startswith("--"):
            continue  # an index option
        match = PIN.match(line)
        assert match, f"not pinned as name==version: {line!r}"
        pins[match.group(1)] = match.group(2)
    return pins


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.mark.parametrize("path", ENVS, ids=lambda p: p.name)
def test_env_pins_the_installed_versions(path):
    env = yaml.safe_load(path.read_text())
    assert env["channels"] == ["conda-forge", "nodefaults"]
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.replace(" ", "") == f"python={sys.version_info.major}.{sys.version_info.minor}"
    pins = _pip_pins(env)
    assert pins
    for name, version in pins.items():
        installed = metadata.version(name)
        if path.stem == "torch-cuda" and name == "torch":
            # the CUDA build of the same release (CI installs the CPU build, e.g. 2.13.0+cpu)
            assert "+" not in version and installed.split("+")[0] == version
        else:
            assert installed == version, f"{path.name}: {name}=={version}, CI has {installed}"


def test_cuda_env_differs_from_the_cpu_env_only_in_the_torch_build():
    cpu = _pip_pins(yaml.safe_load((ROOT / "envs/torch.yaml").read_text()))
    cuda = _pip_pins(yaml.safe_load((ROOT / "envs/torch-cuda.yaml").read_text()))
    assert cpu.keys() == cuda.keys()
    assert {k: v for k, v in cpu.items() if k != "torch"} == {
        k: v for k, v in cuda.items() if k != "torch"
    }
    assert cpu["torch"].endswith("+cpu") and cpu["torch"].split("+")[0] == cuda["torch"]
    cpu_text = (ROOT / "envs/torch.yaml").read_text()
    assert "download.pytorch.org/whl/cpu" in cpu_text  # where the +cpu wheel comes from
    assert "whl/cpu" not in (ROOT / "envs/torch-cuda.yaml").read_text()


# --- what each rule's script imports --------------------------------------------------------


@functools.cache
def _imports(path: Path) -> frozenset[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative, inside motivic
                base = path.parent
                for _ in range(node.level - 1):
                    base = base.parent
                module = ".".join(base.relative_to(ROOT).parts + tuple(filter(None, [node.module])))
            else:
                module = node.module
            names.add(module)
            names |= {f"{module}.{alias.name}" for alias in node.names}
    return frozenset(names)


def _module_file(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@functools.cache
def _distributions() -> dict[str, list[str]]:
    return metadata.packages_distributions()


def third_party_imports(script: Path) -> set[str]:
    """Top-level third-party modules ``script`` can import, through motivic and _common."""
    seen: set[Path] = set()
    todo = [script]
    found: set[str] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "motivic":
                modules = (_module_file(".".join(parts[:k])) for k in range(1, len(parts) + 1))
                todo += [f for f in modules if f]
            elif parts[0] == "_common":
                todo.append(ROOT / "workflow_scripts" / "_common.py")
            elif parts[0] not in sys.stdlib_module_names and parts[0] not in NOT_RUNTIME:
                found.add(parts[0])
    return found


def rule_envs() -> dict[str, tuple[set[str], str]]:
    """Rule -> (names of the env files it can use, its script), read from rules/*.smk."""
    rules = {}
    train_envs = {"torch", "torch-cuda"}  # train_env (rules/train.smk): envs.train_model
    for smk in sorted((ROOT / "rules").glob("*.smk")):
        for block in re.split(r"\n(?=\s*(?:rule|checkpoint) \w+:)", smk.read_text()):
            name = re.match(r"\s*(?:rule|checkpoint) (\w+):", block)
            script = re.search(r'script:\s*\n\s*"\.\./workflow_scripts/(\w+\.py)"', block)
            conda = re.search(r"conda:\s*\n\s*(\S+)", block)
            if not (name and script and conda):
                continue
            literal = re.fullmatch(r'"\.\./envs/([\w-]+)\.yaml"', conda.group(1))
            envs = {literal.group(1)} if literal else train_envs
            assert literal or conda.group(1) == "train_env", (name.group(1), conda.group(1))
            rules[name.group(1)] = (envs, script.group(1))
    return rules


RULES = rule_envs()


def test_every_scripted_rule_has_an_env():
    assert {"extract_pitch", "mine_motifs", "build_mel_store", "train_model"} <= RULES.keys()
    assert RULES["train_model"][0] == {"torch", "torch-cuda"}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_env_provides_what_its_script_imports(rule):
    envs, script = RULES[rule]
    distributions = _distributions()
    needed = third_party_imports(ROOT / "workflow_scripts" / script)
    for env_name in envs:
        env = yaml.safe_load((ROOT / f"envs/{env_name}.yaml").read_text())
        pins = {_normal(name) for name in _pip_pins(env)}
        for module in sorted(needed):
            providers = {_normal(d) for d in distributions.get(module, [module])}
            assert providers & pins, (
                f"{rule}: {script} imports {module}, not in envs/{env_name}.yaml"
            )


# --- envs.train_model: the CPU or the CUDA build for training --------------------------------


def _schema_choices() -> list[str]:
    schema = yaml.safe_load((ROOT / "schemas/config.schema.yaml").read_text())
    return schema["properties"]["envs"]["properties"]["train_model"]["enum"]


def test_every_train_env_choice_is_an_env_file():
    assert set(_schema_choices()) == {"torch", "torch-cuda"}
    for choice in _schema_choices():
        assert (ROOT / "envs" / f"{choice}.yaml").is_file()
    assert (
        "train_env = f\"../envs/{config['envs']['train_model']}.yaml\""
        in (ROOT / "rules/train.smk").read_text()
    )


@pytest.mark.parametrize("choice", ["torch", "torch-cuda"])
def test_config_accepts_the_train_envs(choice):
    from motivic.core.config import load_config, validate_config

    config = load_config(ROOT / "config.yaml")
    config["envs"] = {"train_model": choice}
    assert validate_config(config)["envs"]["train_model"] == choice


def test_config_default_trains_in_the_cpu_env_and_rejects_others():
    from motivic.core.config import load_config, validate_config
    from motivic.core.errors import MotivicError

    config = load_config(ROOT / "config.yaml")
    config.pop("envs", None)
    assert validate_config(config)["envs"] == {"train_model": "torch"}
    config["envs"] = {"train_model": "cuda"}
    with pytest.raises(MotivicError, match="envs.train_model"):
        validate_config(config)
