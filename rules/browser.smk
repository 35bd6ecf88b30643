# The motif browser: a static page to see and hear the mined motifs, class by class, with their
# distinctiveness (rules/mining.smk), kind and coherence (motivic/browser/); also in the report.


# Per-motif test accuracy (browser.accuracy): the Table I runs of the networks on the motif
# segments, on one split strategy (browser.accuracy_split, else the first of split.strategies).
browser_split = config["browser"]["accuracy_split"] or config["split"]["strategies"][0]
if config["browser"]["accuracy"] and browser_split not in config["split"]["strategies"]:
    raise WorkflowError(
        f"configuration: browser.accuracy_split={browser_split!r} is not in split.strategies "
        f"{config['split']['strategies']}"
    )
browser_cells = [
    c
    for c in _grid.table1_cells(config)
    if config["browser"]["accuracy"]
    and (c.dataset, c.split) == ("motivic", browser_split)
    and c.model in config["models"]
]


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
        metrics=run_files(browser_cells, "metrics.json"),
        predictions=run_files(browser_cells, "predictions.tsv"),
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
        accuracy_split=browser_split,
        code=code_digest("build_browser.py"),
    localrule: True
    conda:
        "../envs/audio.yaml"
    script:
        "../workflow_scripts/build_browser.py"
