# The paper's Table I: accuracy, AUC, precision, recall and F1 per model, dataset and split.


rule collect_results:
    input:
        expand(
            "results/models/{model}/{dataset}/{split}/metrics.json",
            model=MODELS,
            dataset=DATASETS,
            split=SPLITS,
        ),
    output:
        csv=report("results/tables/table1.csv", caption="../report/table1.rst", category="Results"),
        md="results/tables/table1.md",
    log:
        "results/logs/collect_results/collect_results.log",
    params:
        augment_policy=config["augment"]["policy"],
    conda:
        "../envs/report.yaml"
    script:
        "../workflow_scripts/collect_results.py"
