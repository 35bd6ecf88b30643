# The paper's tables. Table I: accuracy, AUC, precision, recall, F1 and recording-vote accuracy per
# model (networks and baselines), dataset and split strategy. Table II: accuracy per model and
# augmentation policy (augment.policies, for the runs chosen by augment.table2).


TABLE1_RUNS = _experiment.table1_runs(config)
TABLE2_RUNS = _experiment.table2_runs(config)
# Preferred row order of the tables: as listed in config.yaml.
TABLE_ORDER = {
    "split": list(config["split"]["strategies"]),
    "model": MODELS + list(config.get("baselines") or {}),
    "dataset": DATASETS,
}


rule collect_results:
    input:
        [f"{run.path}/metrics.json" for run in TABLE1_RUNS],
    output:
        csv=report("results/tables/table1.csv", caption="../report/table1.rst", category="Results"),
        md="results/tables/table1.md",
    log:
        "results/logs/collect_results/collect_results.log",
    params:
        table="table1",
        order=TABLE_ORDER,
        code=code_digest("collect_results.py"),
    conda:
        "../envs/report.yaml"
    script:
        "../workflow_scripts/collect_results.py"


rule collect_table2:
    input:
        [f"{run.path}/metrics.json" for run in TABLE2_RUNS],
    output:
        csv=report("results/tables/table2.csv", caption="../report/table2.rst", category="Results"),
        md="results/tables/table2.md",
    log:
        "results/logs/collect_table2/collect_table2.log",
    params:
        table="table2",
        order=TABLE_ORDER,
        code=code_digest("collect_results.py"),
    conda:
        "../envs/report.yaml"
    script:
        "../workflow_scripts/collect_results.py"
