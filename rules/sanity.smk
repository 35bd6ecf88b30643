# Sanity rows of Table I (motivic/baselines/sanity.py): a duration-only classifier and the MFCC + SVM
# baseline trained on shuffled labels, on the same folds and seeds as every model.

from motivic.baselines.svm import resolve_class_weighting

SANITY_CFG = cfg_slice("sanity")
SANITY_MFCC = cfg_slice("baselines", "mfcc_svm") if "mfcc_svm" in (config.get("baselines") or {}) else {}
SANITY_FEATURES = SANITY_MFCC.get("features") or next(iter(config["features"]))
SANITY_RUN = "results/models/{sanity}/{dataset}/{split}/{fold}/{seed}/none"


rule sanity_run:
    input:
        store=f"results/features/{SANITY_FEATURES}/{{dataset}}.h5",
        split=FOLD_SPLIT,
    output:
        metrics=f"{SANITY_RUN}/metrics.json",
        predictions=f"{SANITY_RUN}/predictions.tsv",
        confusion=f"{SANITY_RUN}/confusion.png",
    log:
        "results/logs/sanity_run/{sanity}-{dataset}-{split}-{fold}-{seed}.log",
    wildcard_constraints:
        sanity="duration_only|shuffled_labels",
    params:
        seed=lambda wc: SANITY_CFG.get("seed", 13) + int(wc.seed),
        mfcc=lambda wc: SANITY_MFCC if wc.sanity == "shuffled_labels" else {},
        class_weighting=lambda wc: resolve_class_weighting(config["training"], wc.split),
        code=code_digest("sanity_run.py"),
    threads: 1
    resources:
        mem_mb=attempt_scaled(2000),
    conda:
        "../envs/torch.yaml"
    script:
        "../workflow_scripts/sanity_run.py"
