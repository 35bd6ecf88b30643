# The paper's tables, pooled out of fold (motivic/report/tables.py). Table I: per model (networks,
# baselines, sanity rows), dataset and split strategy, every test prediction of its folds × seeds
# scored together, with class-stratified recording-bootstrap intervals, a binomial test of the
# recording votes against the majority rate, per-run mean ± std, the counts and a per-recording
# table. Table II: the same per augmentation policy (augment.policies, for the cells chosen by
# augment.table2). motivic_vs_control: motivic minus non-motivic accuracy per model and strategy
# (paired bootstrap, paired sign-flip test over recordings).


TABLE1_CELLS = _grid.table1_cells(config)
TABLE2_CELLS = _grid.table2_cells(config)
TABLE2_RUNS = TABLE2_CELLS  # get_final_output (rules/common.smk): Table II only when it has cells
# Preferred row order of the tables: as listed in config.yaml.
TABLE_ORDER = {
    "split": list(config["split"]["strategies"]),
    "model": MODELS + list(config.get("baselines") or {}) + _grid.sanity_rows(config),
    "dataset": DATASETS,
    "augment": list((config.get("augment") or {}).get("policies") or []),
}
# Table I and the comparison do not sort by policy: the Table II grid must not rerun them.
TABLE1_ORDER = {k: v for k, v in TABLE_ORDER.items() if k != "augment"}
COMPARE = {"motivic", "nonmotivic"} <= set(DATASETS)
COMPARISON_TARGETS = (
    ["results/tables/motivic_vs_control.csv", "results/tables/motivic_vs_control.md"]
    if COMPARE
    else []
)
# report.bootstrap_group: the table that gives each recording its group (the recordings table; in
# clips mode, where there is none, the segments table, which carries singer and recording).
BOOTSTRAP_GROUP = (config.get("report") or {}).get("bootstrap_group")
BOOTSTRAP_GROUP_TABLE = (
    []
    if not BOOTSTRAP_GROUP
    else "results/segments/motivic.tsv" if CLIPS else "results/corpus/recordings.tsv"
)


rule collect_results:
    input:
        metrics=run_files(TABLE1_CELLS, "metrics.json"),
        predictions=run_files(TABLE1_CELLS, "predictions.tsv"),
        groups=BOOTSTRAP_GROUP_TABLE,
    output:
        csv=report("results/tables/table1.csv", caption="../report/table1.rst", category="Results"),
        md="results/tables/table1.md",
        classes="results/tables/table1_classes.csv",
        confusion="results/tables/table1_confusion.csv",
        per_recording="results/tables/per_recording.tsv",
    log:
        "results/logs/collect_results/collect_results.log",
    params:
        table="table1",
        order=TABLE1_ORDER,
        cfg=cfg_slice("report"),
        code=code_digest("collect_results.py"),
    localrule: True
    conda:
        "../envs/report.yaml"
    script:
        "../workflow_scripts/collect_results.py"


rule collect_table2:
    input:
        metrics=run_files(TABLE2_CELLS, "metrics.json"),
        predictions=run_files(TABLE2_CELLS, "predictions.tsv"),
        groups=BOOTSTRAP_GROUP_TABLE,
    output:
        csv=report("results/tables/table2.csv", caption="../report/table2.rst", category="Results"),
        md="results/tables/table2.md",
        classes="results/tables/table2_classes.csv",
        confusion="results/tables/table2_confusion.csv",
        per_recording="results/tables/table2_per_recording.tsv",
    log:
        "results/logs/collect_table2/collect_table2.log",
    params:
        table="table2",
        order=TABLE_ORDER,
        cfg=cfg_slice("report"),
        code=code_digest("collect_results.py"),
    localrule: True
    conda:
        "../envs/report.yaml"
    script:
        "../workflow_scripts/collect_results.py"


rule compare_datasets:
    input:
        metrics=run_files(TABLE1_CELLS, "metrics.json"),
        predictions=run_files(TABLE1_CELLS, "predictions.tsv"),
        groups=BOOTSTRAP_GROUP_TABLE,
    output:
        csv=report(
            "results/tables/motivic_vs_control.csv",
            caption="../report/motivic_vs_control.rst",
            category="Results",
        ),
        md="results/tables/motivic_vs_control.md",
    log:
        "results/logs/compare_datasets/compare_datasets.log",
    params:
        order=TABLE1_ORDER,
        cfg=cfg_slice("report"),
        code=code_digest("compare_datasets.py"),
    conda:
        "../envs/report.yaml"
    script:
        "../workflow_scripts/compare_datasets.py"


# The authors' clip-level protocol beside honest splits (config/authors-protocol.yaml): one row per
# model, accuracy from random over files down to leave one recording out (motivic/report/protocols.py).
PROTOCOL_TARGETS = (
    ["results/tables/protocols.csv", "results/tables/protocols.md"]
    if "random_clips" in config["split"]["strategies"]
    else []
)


rule protocol_table:
    input:
        "results/tables/table1.csv",
    output:
        csv="results/tables/protocols.csv",
        md="results/tables/protocols.md",
    log:
        "results/logs/protocol_table/protocol_table.log",
    params:
        confidence=config["report"]["confidence"],
        code=code_digest("protocol_table.py"),
    localrule: True
    conda:
        "../envs/report.yaml"
    script:
        "../workflow_scripts/protocol_table.py"
