# Baselines of Choi (2018, ch. 6), as Table I rows: MFCC statistics + SVM (mfcc_svm), and the
# average-pooled layer activations of a compact convnet + SVM: trained on the same split
# (convnet_svm), or, as Choi et al. (2017) published it, trained on a source task or corpus
# (convnet_svm_transfer: baselines.convnet_svm_transfer.checkpoint, a local file) or with seeded
# random weights (convnet_svm_random). One job per baseline (a key of baselines:), dataset, split,
# fold and seed; never augmented. Then the sanity rows of Table I (motivic/baselines/sanity.py): a
# duration-only classifier and the MFCC + SVM baseline trained on shuffled labels, on the same
# folds and seeds as every model. Last, the symbolic motif baseline (motif_ngrams,
# motivic/baselines/ngrams.py): interval-class n-grams of each segment's contour tokens (clips
# mode: of each clip's own tokens) + logistic regression.
from motivic.baselines.svm import resolve_class_weighting

# Names of this file only: the run directory of a baseline and of a sanity row, and the configured
# SVM baselines (every baseline but the symbolic one, which has its own rule below).
baseline_run_dir = "results/models/{baseline}/{dataset}/{split}/{fold}/{seed}/none"
sanity_run_dir = "results/models/{sanity}/{dataset}/{split}/{fold}/{seed}/none"
ngrams_run_dir = "results/models/motif_ngrams/{dataset}/{split}/{fold}/{seed}/none"
svm_baselines = [name for name in config["baselines"] if name != "motif_ngrams"]


rule baseline_svm:
    input:
        store=get_baseline_store,
        split=FOLD_SPLIT,
        checkpoint=get_baseline_checkpoint,
    output:
        metrics=f"{baseline_run_dir}/metrics.json",
        predictions=f"{baseline_run_dir}/predictions.tsv",
        confusion=report(
            f"{baseline_run_dir}/confusion.png",
            caption="../report/confusion.rst",
            category="Confusion matrices",
            subcategory="{baseline}",
            labels={
                "model": "{baseline}",
                "dataset": "{dataset}",
                "split": "{split}",
                "fold": "{fold}",
                "seed": "{seed}",
            },
        ),
    log:
        "results/logs/baseline_svm/{baseline}-{dataset}-{split}-{fold}-{seed}.log",
    benchmark:
        "results/benchmarks/baseline_svm/{baseline}-{dataset}-{split}-{fold}-{seed}.tsv"
    wildcard_constraints:
        baseline="|".join(map(re.escape, svm_baselines)) or "NONE",
    params:
        cfg=lambda wc: cfg_slice("baselines", wc.baseline),
        training=get_baseline_training,
        class_weighting=lambda wc: resolve_class_weighting(config["training"], wc.split),
        code=code_digest("baseline_svm.py"),
    threads: 1
    resources:
        **RUNTIME_TRAINING,
        mem_mb=attempt_scaled(2000),
    conda:
        "../envs/torch.yaml"
    script:
        "../workflow_scripts/baseline_svm.py"


# Names of this file only: the sanity section, the MFCC + SVM settings the shuffled-labels row
# reuses (none when mfcc_svm is not configured) and the store they read (that of mfcc_svm).
sanity_cfg = cfg_slice("sanity")
sanity_mfcc = cfg_slice("baselines", "mfcc_svm") if "mfcc_svm" in config["baselines"] else {}
sanity_features = _inputs.baseline_feature_set(config, "mfcc_svm")


rule sanity_run:
    input:
        store=f"results/features/{sanity_features}/{{dataset}}.h5",
        split=FOLD_SPLIT,
    output:
        metrics=f"{sanity_run_dir}/metrics.json",
        predictions=f"{sanity_run_dir}/predictions.tsv",
        confusion=f"{sanity_run_dir}/confusion.png",
    log:
        "results/logs/sanity_run/{sanity}-{dataset}-{split}-{fold}-{seed}.log",
    wildcard_constraints:
        sanity="duration_only|shuffled_labels",
    params:
        seed=lambda wc: sanity_cfg["seed"] + int(wc.seed),
        mfcc=lambda wc: sanity_mfcc if wc.sanity == "shuffled_labels" else {},
        class_weighting=lambda wc: resolve_class_weighting(config["training"], wc.split),
        code=code_digest("sanity_run.py"),
    threads: 1
    resources:
        mem_mb=attempt_scaled(2000),
    conda:
        "../envs/torch.yaml"
    script:
        "../workflow_scripts/sanity_run.py"


rule motif_ngrams_baseline:
    input:
        unpack(get_motif_ngrams_tokens),
        segments="results/segments/{dataset}.tsv",
        split=FOLD_SPLIT,
    output:
        metrics=f"{ngrams_run_dir}/metrics.json",
        predictions=f"{ngrams_run_dir}/predictions.tsv",
        weights=f"{ngrams_run_dir}/weights.tsv",
        recordings=f"{ngrams_run_dir}/recordings.tsv",
        confusion=report(
            f"{ngrams_run_dir}/confusion.png",
            caption="../report/confusion.rst",
            category="Confusion matrices",
            subcategory="motif_ngrams",
            labels={
                "model": "motif_ngrams",
                "dataset": "{dataset}",
                "split": "{split}",
                "fold": "{fold}",
                "seed": "{seed}",
            },
        ),
    log:
        "results/logs/motif_ngrams_baseline/{dataset}-{split}-{fold}-{seed}.log",
    params:
        cfg=cfg_slice("baselines", "motif_ngrams") if "motif_ngrams" in config["baselines"] else {},
        clips=CORPUS.clips,
        class_weighting=lambda wc: resolve_class_weighting(config["training"], wc.split),
        code=code_digest("motif_ngrams.py"),
    threads: 1
    resources:
        mem_mb=attempt_scaled(1000),
    conda:
        "../envs/torch.yaml"
    script:
        "../workflow_scripts/motif_ngrams.py"
