import copy

import pytest
import yaml

from motivic.core.config import SCHEMA_PATH, cfg_slice, load_config, validate_config
from motivic.core.errors import MotivicError

ROOT = SCHEMA_PATH.parent.parent


@pytest.fixture
def default_config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


@pytest.mark.parametrize("path", ["config.yaml", "config/paper.yaml", "tests/workflow/config_tiny.yaml"])
def test_shipped_configs_validate(path):
    config = load_config(ROOT / path)
    assert config["contour"]["epsilon"] == 66.0


@pytest.mark.parametrize(
    "section, key, value, fragment",
    [
        ("contour", "epsilon", -1, "contour.epsilon"),
        ("mining", "min_support", 0, "mining.min_support"),
        ("pitch", "method", "yin", "pitch.method"),
        ("training", "batch_size", "twenty", "training.batch_size"),
        ("pitch", "hopsize", 256, "'hopsize' was unexpected"),
        ("split", "fractions", [0.5, 0.2, 0.2], "split.fractions"),
    ],
)
def test_validate_config_names_the_bad_key(default_config, section, key, value, fragment):
    default_config[section][key] = value
    with pytest.raises(MotivicError, match=fragment.replace("[", r"\[").replace("(", r"\(")):
        validate_config(default_config)


def test_validate_config_rejects_unknown_model(default_config):
    default_config["models"]["resnet51"] = {}
    with pytest.raises(MotivicError, match="models"):
        validate_config(default_config)


def test_validate_config_fills_defaults(default_config):
    del default_config["contour"]["min_step_s"]
    del default_config["augment"]
    config = validate_config(default_config)
    assert config["contour"]["min_step_s"] == 0.03
    assert "augment" not in config or config["augment"]["policy"] == "none"


def test_cfg_slice_is_sorted_copy_and_independent_of_key_order(default_config):
    reordered = copy.deepcopy(default_config)
    reordered["pitch"] = dict(reversed(list(reordered["pitch"].items())))
    assert repr(cfg_slice(default_config, "pitch")) == repr(cfg_slice(reordered, "pitch"))
    sliced = cfg_slice(default_config, "pitch")
    sliced["hop_length"] = 1
    assert default_config["pitch"]["hop_length"] == 256
    assert list(sliced) == sorted(sliced)


def test_cfg_slice_missing_key_names_it(default_config):
    with pytest.raises(MotivicError, match="models.vgg"):
        cfg_slice(default_config, "models", "vgg")


def test_load_config_missing_file(tmp_path):
    with pytest.raises(MotivicError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")
