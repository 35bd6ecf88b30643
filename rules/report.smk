# The paper's tables, pooled out of fold (motivic/report/tables.py). Table I: per model (networks,
# baselines, sanity rows), dataset and split strategy, every test prediction of its folds × seeds
# scored together, with class-stratified recording-bootstrap intervals, a binomial test of the
# recording votes against the majority rate, per-run mean ± std, the counts and a per-recording
# table. Table II: the same per augmentation policy (augment.policies, for the cells chosen by
# augment.table2). motivic_vs_control: motivic minus non-motivic accuracy per model and strategy
# (paired bootstrap, paired sign-flip test over recordings).


# Names of this file only. The cells (rows) of each table; the preferred row order of the tables,
# as listed in the config (Table I and the comparison do not sort by policy, so the Table II grid
# never reruns them); the table giving each recording its bootstrap group (report.bootstrap_group).
table1_cells = _grid.table1_cells(config)
table2_cells = _grid.table2_cells(config)
table_order = {
    "split": list(config["split"]["strategies"]),
    "model": list(config["models"]) + list(config["baselines"]) + _grid.sanity_rows(config),
    "dataset": list(config["datasets"]),
    "augment": list((config.get("augment") or {}).get("policies") or []),
}
table1_order = {k: v for k, v in table_order.items() if k != "augment"}
bootstrap_group_table = _inputs.bootstrap_group_table(config, CORPUS) or []


rule collect_results:
    input:
        metrics=run_files(table1_cells, "metrics.json"),
        predictions=run_files(table1_cells, "predictions.tsv"),
        groups=bootstrap_group_table,
    output:
        csv=report("results/tables/table1.csv", caption="../report/table1.rst", category="Results"),
        md="results/tables/table1.md",
        classes="results/tables/table1_classes.csv",
        confusion="results/tables/table1_confusion.csv",
        per_recording="results/tables/per_recording.tsv",
        runs="results/tables/table1_runs.csv",
    log:
        "results/logs/collect_results/collect_results.log",
    params:
        table="table1",
        order=table1_order,
        cfg=cfg_slice("report"),
        code=code_digest("collect_results.py"),
    localrule: True
    conda:
        "../envs/report.yaml"
    script:
        "../workflow_scripts/collect_results.py"


rule collect_table2:
    input:
        metrics=run_files(table2_cells, "metrics.json"),
        predictions=run_files(table2_cells, "predictions.tsv"),
        groups=bootstrap_group_table,
    output:
        csv=report("results/tables/table2.csv", caption="../report/table2.rst", category="Results"),
        md="results/tables/table2.md",
        classes="results/tables/table2_classes.csv",
        confusion="results/tables/table2_confusion.csv",
        per_recording="results/tables/table2_per_recording.tsv",
        runs="results/tables/table2_runs.csv",
    log:
        "results/logs/collect_table2/collect_table2.log",
    params:
        table="table2",
        order=table_order,
        cfg=cfg_slice("report"),
        code=code_digest("collect_results.py"),
    localrule: True
    conda:
        "../envs/report.yaml"
    script:
        "../workflow_scripts/collect_results.py"


rule compare_datasets:
    input:
        metrics=run_files(table1_cells, "metrics.json"),
        predictions=run_files(table1_cells, "predictions.tsv"),
        groups=bootstrap_group_table,
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
        order=table1_order,
        cfg=cfg_slice("report"),
        code=code_digest("compare_datasets.py"),
    conda:
        "../envs/report.yaml"
    script:
        "../workflow_scripts/compare_datasets.py"


# The authors' clip-level protocol beside honest splits (config/authors-protocol.yaml): one row per
# model, accuracy from random over files down to leave one recording out (motivic/report/protocols.py).
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
