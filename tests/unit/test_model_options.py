"""Model options are checked against each model's builder when the configuration is read."""

import copy
from pathlib import Path

import pytest
import yaml

from motivic.core.config import validate_config
from motivic.core.errors import MotivicError
from motivic.train.models import check_options, options
from motivic.workflow.grid import check_grid

TINY = Path(__file__).resolve().parents[1] / "workflow" / "config_tiny.yaml"


def _tiny():
    return validate_config(yaml.safe_load(TINY.read_text()))


def test_every_option_of_a_builder_is_accepted():
    for name in ("reslstm", "crnn", "compact_convnet"):
        check_options(name, {k: v for k, v in options(name).items() if v is not None})


@pytest.mark.parametrize(
    ("name", "opts", "message"),
    [
        ("reslstm", {"hidden_sise": 8}, r"models\.reslstm\.hidden_sise: .*did you mean 'hidden_size'"),
        ("reslstm", {"hidden_size": "big"}, r"models\.reslstm\.hidden_size='big': expected int"),
        ("crnn", {"dropout": "0.1"}, r"models\.crnn\.dropout='0\.1': expected float"),
        ("reslstmm", {}, r"models\.reslstmm: unknown model \(did you mean 'reslstm'\?\)"),
    ],
)
def test_bad_model_option_names_the_key(name, opts, message):
    with pytest.raises(MotivicError, match=message):
        check_options(name, opts)


def test_check_grid_rejects_a_misspelt_option_before_any_job():
    config = _tiny()
    check_grid(config)
    bad = copy.deepcopy(config)
    bad["models"]["reslstm"]["hidden_sise"] = bad["models"]["reslstm"].pop("hidden_size")
    with pytest.raises(MotivicError, match=r"models\.reslstm\.hidden_sise"):
        check_grid(bad)


def test_check_grid_ignores_the_feature_set_key():
    config = _tiny()
    config["models"]["crnn"] = dict(config["models"]["crnn"] or {}, features="logmel128")
    check_grid(config)
