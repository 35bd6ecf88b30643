"""`snakemake --report` after a run: a zip (the motif browser is a directory) whose report.html has
the workflow description and captions."""

from __future__ import annotations

import re
import zipfile

import pytest

from .conftest import ROOT, snakemake

pytestmark = pytest.mark.slow

CAPTION = re.compile(r"""caption\s*=\s*["']\.\./(report/[\w./-]+\.rst)["']""")


def _caption_phrase(path) -> str:
    """Four consecutive plain words on one line of a caption: text the rendered report must show.

    One line, because the report embeds captions in a script string where a line break may be
    written as an escape sequence rather than as whitespace.
    """
    for line in (ROOT / path).read_text().splitlines():
        run: list[str] = []
        for token in line.split():
            run = [*run, token] if re.fullmatch(r"[A-Za-z][A-Za-z-]*", token) else []
            if len(run) == 4:
                return " ".join(run)
    raise AssertionError(f"{path} has no four consecutive plain words")


def test_every_report_output_has_an_existing_caption():
    rules = sorted((ROOT / "rules").glob("*.smk"))
    n_report = sum(len(re.findall(r"\breport\(", p.read_text())) for p in rules)
    captions = [c for p in rules for c in CAPTION.findall(p.read_text())]
    assert n_report > 0 and len(captions) == n_report
    for caption in captions:
        assert (ROOT / caption).is_file(), caption
    snakefile = (ROOT / "Snakefile").read_text()
    assert re.search(r"""^report:\s*["']report/workflow\.rst["']""", snakefile, flags=re.MULTILINE)


def test_report_html_has_workflow_description_and_table_captions(tiny_copy):
    out = tiny_copy / "results" / "report.zip"
    snakemake(tiny_copy, "--report", str(out))
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        html = archive.read(next(n for n in names if n.endswith("/report.html"))).decode("utf-8")
    # the motif browser travels whole: its page and its audio snippets
    assert any(n.endswith("/index.html") for n in names)
    assert any("/audio/" in n and n.endswith(".wav") for n in names)
    assert len(html) > 10_000
    # the workflow description and the captions of outputs every synth-mode run has
    for name in ("workflow", "table1", "dictionary", "eval_pitch", "eval_motifs", "curves"):
        phrase = _caption_phrase(f"report/{name}.rst")
        assert phrase in html, (name, phrase)
    for name in ("distinctive", "browser"):  # rules/browser.smk
        phrase = _caption_phrase(f"report/{name}.rst")
        assert phrase in html, (name, phrase)
    for output in ("table1.csv", "dictionary.tsv", "distinctive.tsv", "pitch.tsv", "motifs.tsv"):
        assert output in html, output
    assert "curves.png" in html
