# Baselines of Choi (2018, ch. 6), as Table I rows: MFCC statistics + SVM, and the average-pooled
# layer activations of a trained compact convnet + SVM. Never augmented ({augment} is none).

BASELINES = {name: cfg_slice("baselines", name) for name in config.get("baselines") or {}}
MFCC_SVM = BASELINES.get("mfcc_svm", {})
MFCC_FEATURES = MFCC_SVM.get("features") or next(iter(config["features"]))
CONVNET_SVM = BASELINES.get("convnet_svm", {})
# The Table I run of the compact convnet whose layers give the features.
CONVNET = CONVNET_SVM.get("model", "compact_convnet")
CONVNET_FEATURES = (
    model_feature_set(CONVNET) if CONVNET in config["models"] else next(iter(config["features"]))
)
TABLE1_POLICY = (config.get("augment") or {}).get("policy", "none")
CONVNET_RUN = f"results/models/{CONVNET}/{{dataset}}/{{split}}/{{fold}}/{{seed}}/{TABLE1_POLICY}"


rule mfcc_svm:
    input:
        store=f"results/features/{MFCC_FEATURES}/{{dataset}}.h5",
        split=FOLD_SPLIT,
    output:
        metrics="results/models/mfcc_svm/{dataset}/{split}/{fold}/{seed}/none/metrics.json",
        predictions="results/models/mfcc_svm/{dataset}/{split}/{fold}/{seed}/none/predictions.tsv",
        confusion=report(
            "results/models/mfcc_svm/{dataset}/{split}/{fold}/{seed}/none/confusion.png",
            caption="../report/confusion.rst",
            category="Confusion matrices",
            subcategory="mfcc_svm",
            labels={"model": "mfcc_svm", "dataset": "{dataset}", "split": "{split}", "fold": "{fold}", "seed": "{seed}"},
        ),
    log:
        "results/logs/mfcc_svm/{dataset}-{split}-{fold}-{seed}.log",
    benchmark:
        "results/benchmarks/mfcc_svm/{dataset}-{split}-{fold}-{seed}.tsv"
    params:
        cfg=MFCC_SVM,
        code=code_digest("baseline_svm.py"),
    threads: 1
    resources:
        mem_mb=2000,
    conda:
        "../envs/torch.yaml"
    script:
        "../workflow_scripts/baseline_svm.py"


rule convnet_svm:
    input:
        store=f"results/features/{CONVNET_FEATURES}/{{dataset}}.h5",
        split=FOLD_SPLIT,
        checkpoint=f"{CONVNET_RUN}/checkpoint.pt",
    output:
        metrics="results/models/convnet_svm/{dataset}/{split}/{fold}/{seed}/none/metrics.json",
        predictions="results/models/convnet_svm/{dataset}/{split}/{fold}/{seed}/none/predictions.tsv",
        confusion=report(
            "results/models/convnet_svm/{dataset}/{split}/{fold}/{seed}/none/confusion.png",
            caption="../report/confusion.rst",
            category="Confusion matrices",
            subcategory="convnet_svm",
            labels={"model": "convnet_svm", "dataset": "{dataset}", "split": "{split}", "fold": "{fold}", "seed": "{seed}"},
        ),
    log:
        "results/logs/convnet_svm/{dataset}-{split}-{fold}-{seed}.log",
    benchmark:
        "results/benchmarks/convnet_svm/{dataset}-{split}-{fold}-{seed}.tsv"
    params:
        cfg=CONVNET_SVM,
        training=lambda wc: _grid.run_training(evaluation_params(), wc.seed),
        code=code_digest("baseline_svm.py"),
    threads: 1
    resources:
        mem_mb=2000,
        **RUNTIME_TRAINING,
    conda:
        "../envs/torch.yaml"
    script:
        "../workflow_scripts/baseline_svm.py"
