# What the mined motifs are: the motifs most characteristic of each class (log-odds with an
# informative Dirichlet prior over the recordings carrying them, motivic/mining/distinctive.py),
# and the motif browser, a static page to see and hear them (motivic/browser/), also in the report.


def browser_cells():
    """Table I cells whose test predictions give the browser's per-motif accuracy (browser.accuracy)."""
    section = config["browser"]
    if not section["accuracy"] or "motivic" not in DATASETS:
        return []
    split = section["accuracy_split"] or SPLITS[0]
    if split not in SPLITS:
        raise WorkflowError(
            f"configuration: browser.accuracy_split={split!r} is not in split.strategies {SPLITS}"
        )
    return [
        c
        for c in TABLE1_CELLS
        if c.dataset == "motivic" and c.split == split and c.model in MODELS
    ]


def browser_options():
    """Param: the browser slice without the keys that only choose targets and inputs."""
    cfg = cfg_slice("browser")
    for key in ("activate", "accuracy", "accuracy_split"):
        cfg.pop(key, None)
    return cfg


BROWSER_CELLS = browser_cells()


rule rank_distinctive_motifs:
    input:
        dictionary="results/motifs/dictionary.tsv",
        occurrences="results/motifs/occurrences.tsv",
        recordings="results/corpus/recordings.tsv",
    output:
        report(
            "results/motifs/distinctive.tsv",
            caption="../report/distinctive.rst",
            category="Motifs",
        ),
    log:
        "results/logs/rank_distinctive_motifs/rank_distinctive_motifs.log",
    localrule: True
    conda:
        "../envs/mining.yaml"
    params:
        cfg=cfg_slice("distinctive"),
        code=code_digest("rank_distinctive_motifs.py"),
    script:
        "../workflow_scripts/rank_distinctive_motifs.py"


rule build_browser:
    input:
        recordings="results/corpus/recordings.tsv",
        dictionary="results/motifs/dictionary.tsv",
        occurrences="results/motifs/occurrences.tsv",
        distinctive="results/motifs/distinctive.tsv",
        pitch=valid("results/pitch/{recording}.csv"),
        contours=valid("results/contour/{recording}.tsv"),
        audio=valid_audio,
        metrics=run_files(BROWSER_CELLS, "metrics.json"),
        predictions=run_files(BROWSER_CELLS, "predictions.tsv"),
    output:
        report(
            directory("results/browser"),
            htmlindex="index.html",
            caption="../report/browser.rst",
            category="Motifs",
        ),
    log:
        "results/logs/build_browser/build_browser.log",
    localrule: True
    conda:
        "../envs/audio.yaml"
    params:
        cfg=browser_options(),
        audio={r: AUDIO[r] for r in RECORDINGS},
        accuracy_split=config["browser"]["accuracy_split"]
        or (SPLITS[0] if SPLITS else None),
        code=code_digest("build_browser.py"),
    script:
        "../workflow_scripts/build_browser.py"
