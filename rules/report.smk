# The paper's tables, pooled out of fold (motivic/report/tables.py). Table I: per model (networks,
# baselines, sanity rows), dataset and split strategy, every test prediction of its folds × seeds
# scored together, with recording-bootstrap intervals, per-run mean ± std and the counts. Table II:
# the same per augmentation policy (augment.policies, for the cells chosen by augment.table2).
# motivic_vs_control: motivic minus non-motivic accuracy per model and strategy (paired bootstrap).


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


rule collect_results:
    input:
        metrics=run_files(TABLE1_CELLS, "metrics.json"),
        predictions=run_files(TABLE1_CELLS, "predictions.tsv"),
    output:
        csv=report("results/tables/table1.csv", caption="../report/table1.rst", category="Results"),
        md="results/tables/table1.md",
        classes="results/tables/table1_classes.csv",
        confusion="results/tables/table1_confusion.csv",
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
    output:
        csv=report("results/tables/table2.csv", caption="../report/table2.rst", category="Results"),
        md="results/tables/table2.md",
        classes="results/tables/table2_classes.csv",
        confusion="results/tables/table2_confusion.csv",
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
