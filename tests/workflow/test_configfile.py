"""--configfile means what it says: the file given is the whole configuration."""

import copy

import pandas as pd
import pytest
import yaml

from .conftest import load_tiny, snakemake

pytestmark = pytest.mark.slow


# (targets go before --configfile, which takes every following word as another config file)


def test_configfile_replaces_config_yaml_so_a_model_can_be_removed(tiny_copy):
    # tiny_copy/config.yaml (the run's config) trains crnn; mine.yaml does not.
    mine = copy.deepcopy(load_tiny())
    del mine["models"]["crnn"]
    mine["augment"]["table2"]["models"] = ["reslstm"]
    (tiny_copy / "mine.yaml").write_text(yaml.safe_dump(mine, sort_keys=False))
    snakemake(
        tiny_copy,
        "--cores",
        "1",
        "results/tables/table1.csv",
        "--configfile",
        str(tiny_copy / "mine.yaml"),
    )
    table = pd.read_csv(tiny_copy / "results/tables/table1.csv")
    assert "crnn" not in set(table["model"])
    assert "reslstm" in set(table["model"])


def test_configfile_does_not_inherit_sections_it_lacks(tiny_copy):
    # config.yaml has baselines; a file without them gets the schema's defaults, not config.yaml's.
    mine = copy.deepcopy(load_tiny())
    mine["baselines"] = {}
    (tiny_copy / "mine.yaml").write_text(yaml.safe_dump(mine, sort_keys=False))
    snakemake(
        tiny_copy,
        "--cores",
        "1",
        "results/tables/table1.csv",
        "--configfile",
        str(tiny_copy / "mine.yaml"),
    )
    table = pd.read_csv(tiny_copy / "results/tables/table1.csv")
    assert not {"mfcc_svm", "convnet_svm"} & set(table["model"])


def test_misspelt_model_option_fails_at_parse_time_naming_the_key(tiny_copy):
    mine = copy.deepcopy(load_tiny())
    mine["models"]["reslstm"]["hidden_sise"] = 8
    (tiny_copy / "mine.yaml").write_text(yaml.safe_dump(mine, sort_keys=False))
    proc = snakemake(tiny_copy, "-n", "--configfile", str(tiny_copy / "mine.yaml"), check=False)
    assert proc.returncode != 0
    assert "models.reslstm.hidden_sise" in proc.stdout + proc.stderr
