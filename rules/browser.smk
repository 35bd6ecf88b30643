# What the mined motifs are: the motifs most characteristic of each class (log-odds with an
# informative Dirichlet prior over the recordings carrying them, motivic/mining/distinctive.py),
# and the motif browser, a static page to see and hear them (motivic/browser/), also in the report.


# Per-motif test accuracy (browser.accuracy): the Table I runs of the networks on the motif
# segments, on one split strategy (browser.accuracy_split, else the first of split.strategies).
BROWSER_SPLIT = config["browser"]["accuracy_split"] or config["split"]["strategies"][0]
if config["browser"]["accuracy"] and BROWSER_SPLIT not in config["split"]["strategies"]:
    raise WorkflowError(
        f"configuration: browser.accuracy_split={BROWSER_SPLIT!r} is not in split.strategies "
        f"{config['split']['strategies']}"
    )
BROWSER_CELLS = [
    c
    for c in table1_cells  # rules/report.smk
    if config["browser"]["accuracy"]
    and (c.dataset, c.split) == ("motivic", BROWSER_SPLIT)
    and c.model in config["models"]
]


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
    params:
        cfg=cfg_slice("distinctive"),
        code=code_digest("rank_distinctive_motifs.py"),
    localrule: True
    conda:
        "../envs/mining.yaml"
    script:
        "../workflow_scripts/rank_distinctive_motifs.py"


rule build_browser:
    input:
        recordings="results/corpus/recordings.tsv",
        dictionary="results/motifs/dictionary.tsv",
        occurrences="results/motifs/occurrences.tsv",
        distinctive="results/motifs/distinctive.tsv",
        coherence="results/motifs/coherence.tsv",
        pitch=valid("results/pitch/{recording}.csv"),
        contours=valid("results/contour/{recording}.tsv"),
        audio=lambda wildcards: [CORPUS.audio[r] for r in valid_recordings()],
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
    params:
        # the caps only: activate and accuracy choose targets and inputs
        cfg={
            k: v
            for k, v in cfg_slice("browser").items()
            if k not in ("activate", "accuracy", "accuracy_split")
        },
        audio=dict(CORPUS.audio),
        accuracy_split=BROWSER_SPLIT,
        code=code_digest("build_browser.py"),
    localrule: True
    conda:
        "../envs/audio.yaml"
    script:
        "../workflow_scripts/build_browser.py"
