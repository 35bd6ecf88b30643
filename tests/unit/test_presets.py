"""Every preset in config/ and config.yaml is a whole configuration on its own.

`snakemake --configfile config/X.yaml` reads only that file (the Snakefile skips config.yaml),
so each preset must validate and pass the cross-section checks without anything inherited.
"""

from pathlib import Path

import pytest
import yaml

from motivic.contour import MODE_PRESETS, mode_options
from motivic.core.config import validate_config
from motivic.workflow.grid import check_grid

ROOT = Path(__file__).resolve().parents[2]
PRESETS = sorted((ROOT / "config").glob("*.yaml")) + [ROOT / "config.yaml"]


@pytest.mark.parametrize("path", PRESETS, ids=[p.name for p in PRESETS])
def test_preset_is_self_contained(path):
    raw = yaml.safe_load(path.read_text())
    for section in ("corpus", "models", "datasets", "split", "training", "features"):
        assert section in raw, f"{path.name} lacks the {section} section"
    config = validate_config(raw, source=str(path))
    check_grid(config)


def test_paper_preset_trains_only_its_own_models():
    # validation adds no model to a preset's grid (the demo's config.yaml is not read under
    # --configfile: tests/workflow/test_configfile.py)
    paper = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
    config = validate_config(paper)
    assert set(config["models"]) == set(paper["models"])


@pytest.mark.parametrize("path", PRESETS, ids=[p.name for p in PRESETS])
def test_contour_section_is_its_reading_preset(path):
    """A shipped contour section is one documented reading (docs/method.md section 7), unchanged."""
    contour = validate_config(yaml.safe_load(path.read_text()))["contour"]
    assert contour["method"] in MODE_PRESETS
    assert mode_options(contour, contour["method"]) == contour


def test_real_singing_reads_notes_and_summarises_every_reading():
    config = validate_config(yaml.safe_load((ROOT / "config" / "real-singing.yaml").read_text()))
    assert config["contour"]["method"] == "notes"
    assert config["contour"]["min_step_s"] >= 0.1  # longer than a vibrato half cycle (91 ms)
    assert config["melodic_summary"]["modes"] == list(MODE_PRESETS)
