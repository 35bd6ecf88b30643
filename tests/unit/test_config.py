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


# ---------------------------------------------------------------------------
# typed sections and the run-time split of training keys
# ---------------------------------------------------------------------------


def test_schema_defaults_are_the_schema_values_of_a_section():
    from motivic.core.config import schema_defaults

    augment = schema_defaults("augment")
    assert augment["time_mask_max_fraction"] == 0.2 and augment["policy"] == "none"
    assert schema_defaults("baselines", "mfcc_svm")["n_mfcc"] == 20
    augment["policy"] = "both"  # a copy: the next call is unchanged
    assert schema_defaults("augment")["policy"] == "none"
    with pytest.raises(MotivicError, match="no section augment.nope"):
        schema_defaults("augment", "nope")


@pytest.mark.parametrize(
    "settings, section",
    [
        ("AugmentSettings", "augment"),
        ("ReportSettings", "report"),
        ("SegmentSettings", "segments"),
        ("SanitySettings", "sanity"),
    ],
)
def test_typed_sections_cover_their_schema_section_and_take_its_defaults(settings, section):
    import dataclasses

    from motivic.core import config as cfg
    from motivic.core.config import SCHEMA_PATH

    schema = yaml.safe_load(SCHEMA_PATH.read_text())
    keys = set(schema["properties"][section]["properties"])
    cls = getattr(cfg, settings)
    assert {f.name for f in dataclasses.fields(cls)} == keys  # no key left out, none invented
    built = cls.from_config({})
    for key, value in cfg.schema_defaults(section).items():
        assert getattr(built, key) == value


def test_typed_section_keeps_given_values_and_names_a_misspelt_key():
    from motivic.core.config import AugmentSettings

    assert AugmentSettings.from_config({"policy": "time", "seed": 9}).seed == 9
    with pytest.raises(MotivicError, match=r"augment\.time_mask_frame .*augment\.time_mask_frames"):
        AugmentSettings.from_config({"time_mask_frame": 3})


def test_demo_config_and_typed_defaults_agree_on_every_augment_key():
    from motivic.core.config import AugmentSettings

    config = load_config(ROOT / "config.yaml")
    settings = AugmentSettings.from_config(config["augment"])
    assert settings.time_mask_max_fraction == config["augment"]["time_mask_max_fraction"]


def test_runtime_keys_travel_as_resources_and_come_back():
    from types import SimpleNamespace

    from motivic.core.config import (
        RUNTIME_TRAINING_KEYS,
        runtime_resources,
        training_params,
        with_runtime_settings,
    )

    training = {"epochs": 3, "device": "cuda:1", "num_workers": 2, "channels_last": True}
    resources = runtime_resources(training)
    assert resources == {"loader_workers": 2, "torch_device": "cuda:1", "channels_last": 1}
    params = training_params(training)
    assert set(params) == {"epochs"} and not set(params) & set(RUNTIME_TRAINING_KEYS)
    back = with_runtime_settings(params, SimpleNamespace(**resources))
    assert back == training
    # a job without those resources keeps what its params say
    assert with_runtime_settings(params, SimpleNamespace()) == params
    # keys left out take the schema's defaults
    assert runtime_resources({}) == {"loader_workers": 0, "torch_device": "auto", "channels_last": 0}
