# The symbolic motif baseline of Table I (motivic/baselines/ngrams.py): interval-class n-grams of
# each segment's contour tokens (clips mode: of each clip's own tokens) + logistic regression, on
# the same folds and seeds as every model. Never augmented ({augment} is none).
from motivic.baselines.svm import resolve_class_weighting as _class_weighting

MOTIF_NGRAMS_RUN = "results/models/motif_ngrams/{dataset}/{split}/{fold}/{seed}/none"


MOTIF_NGRAMS = (
    cfg_slice("baselines", "motif_ngrams") if "motif_ngrams" in (config.get("baselines") or {}) else {}
)


def motif_ngrams_tokens(wildcards):
    """Inputs: each clip's tokens (clips mode; none for the published patterns, which the segments
    table holds), else the contour of every valid recording."""
    if CLIPS:
        published = MOTIF_NGRAMS.get("clip_tokens", "contour") == "published"
        return {} if published else {"clip_tokens": "results/eval/clip_patterns.tsv"}
    return {"contours": valid("results/contour/{recording}.tsv")(wildcards)}


rule motif_ngrams_baseline:
    input:
        unpack(motif_ngrams_tokens),
        segments="results/segments/{dataset}.tsv",
        split=FOLD_SPLIT,
    output:
        metrics=f"{MOTIF_NGRAMS_RUN}/metrics.json",
        predictions=f"{MOTIF_NGRAMS_RUN}/predictions.tsv",
        weights=f"{MOTIF_NGRAMS_RUN}/weights.tsv",
        recordings=f"{MOTIF_NGRAMS_RUN}/recordings.tsv",
        confusion=report(
            f"{MOTIF_NGRAMS_RUN}/confusion.png",
            caption="../report/confusion.rst",
            category="Confusion matrices",
            subcategory="motif_ngrams",
            labels={"model": "motif_ngrams", "dataset": "{dataset}", "split": "{split}", "fold": "{fold}", "seed": "{seed}"},
        ),
    log:
        "results/logs/motif_ngrams_baseline/{dataset}-{split}-{fold}-{seed}.log",
    params:
        cfg=MOTIF_NGRAMS,
        clips=CLIPS,
        class_weighting=lambda wc: _class_weighting(config["training"], wc.split),
        code=code_digest("motif_ngrams.py"),
    threads: 1
    resources:
        mem_mb=attempt_scaled(1000),
    conda:
        "../envs/torch.yaml"
    script:
        "../workflow_scripts/motif_ngrams.py"
