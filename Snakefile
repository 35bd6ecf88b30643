# motivic: motivic pattern classification of music audio, from raw recordings to result tables.
# Arronte Alvarez & Gómez (2021), "Motivic Pattern Classification of Music Audio Signals
# Combining Residual and LSTM Networks", IJIMAI.
from snakemake.utils import min_version

min_version("8.0")


# A file given with --configfile is the whole configuration (like --replace-workflow-config):
# config.yaml, the demo, is read only when no --configfile is given. Schema defaults fill the rest.
if not workflow.overwrite_configfiles:

    configfile: "config.yaml"


report: "report/workflow.rst"


# One file per stage, in the order of the DAG; each uses only names of the files before it.
include: "rules/common.smk"
include: "rules/corpus.smk"
include: "rules/pitch.smk"
include: "rules/contour.smk"
include: "rules/mining.smk"
include: "rules/segments.smk"
include: "rules/features.smk"
include: "rules/splits.smk"
include: "rules/train.smk"
include: "rules/baselines.smk"
include: "rules/report.smk"
include: "rules/browser.smk"


rule all:
    input:
        get_final_output(),
    default_target: True
