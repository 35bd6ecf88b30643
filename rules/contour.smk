# Stage 2: contour simplification of each recording's f0 track. Optional figures: f0, the ε-step
# approximation and the mined motif occurrences of each recording (plots.contour.activate); the
# planted ground truth is drawn too in synth mode.


rule simplify_contour:
    input:
        "results/pitch/{recording}.csv",
    output:
        "results/contour/{recording}.tsv",
    log:
        "results/logs/simplify_contour/{recording}.log",
    params:
        cfg=cfg_slice("contour"),
        code=code_digest("simplify_contour.py"),
    conda:
        "../envs/mining.yaml"
    script:
        "../workflow_scripts/simplify_contour.py"


rule plot_contour:
    input:
        unpack(get_contour_plot_inputs),
    output:
        report(
            "results/plots/contour/{recording}.png",
            caption="../report/plot_contour.rst",
            category="Motifs",
            subcategory="Contours",
        ),
    log:
        "results/logs/plot_contour/{recording}.log",
    params:
        cfg=contour_plot_params(),
        code=code_digest("plot_contour.py"),
    conda:
        "../envs/report.yaml"
    script:
        "../workflow_scripts/plot_contour.py"


rule index_contour_plots:
    input:
        valid("results/plots/contour/{recording}.png"),
    output:
        "results/plots/contour/index.tsv",
    log:
        "results/logs/index_contour_plots/index_contour_plots.log",
    params:
        code=code_digest("index_contour_plots.py"),
    localrule: True
    conda:
        "../envs/report.yaml"
    script:
        "../workflow_scripts/index_contour_plots.py"
