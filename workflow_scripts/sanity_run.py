"""Rule sanity_run: a sanity row of Table I (duration only, or MFCC + SVM on shuffled labels) on one fold."""

from _common import setup_logging, write_scored_run

from motivic.baselines import sanity

log = setup_logging(snakemake)
w = snakemake.wildcards
inputs = snakemake.input
if w.sanity == "duration_only":
    metrics, predictions, matrix = sanity.duration_only_run(
        inputs.store,
        inputs.split,
        seed=snakemake.params.seed,
        class_weighting=snakemake.params.class_weighting,
    )
else:
    mfcc = dict(snakemake.params.mfcc)
    metrics, predictions, matrix = sanity.shuffled_labels_run(
        inputs.store,
        inputs.split,
        shuffle_seed=snakemake.params.seed,
        n_mfcc=mfcc.get("n_mfcc", 20),
        grid=mfcc.get("grid"),
        seed=mfcc.get("seed", 0) + int(w.seed),
        class_weighting=snakemake.params.class_weighting,
    )
write_scored_run(
    snakemake,
    log,
    metrics,
    predictions,
    matrix,
    augment="none",
    seed=snakemake.params.seed,
    title=f"{w.sanity} · {w.dataset} · {w.split} · fold {w.fold}",
)
