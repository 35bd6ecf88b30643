# Stage 4: motivic segments (around the mined motif occurrences) and non-motivic control segments
# of the valid recordings.


# Clips mode: every validated clip is a motivic segment (rules/corpus.smk, index_clips).
if not CORPUS.clips:

    rule select_segments:
        input:
            recordings="results/corpus/recordings.tsv",
            occurrences="results/motifs/occurrences.tsv",
            dictionary="results/motifs/dictionary.tsv",
            pitch=valid("results/pitch/{recording}.csv"),
        output:
            motivic="results/segments/motivic.tsv",
            nonmotivic="results/segments/nonmotivic.tsv",
            no_motifs="results/validation/no_motifs.tsv",
        log:
            "results/logs/select_segments/select_segments.log",
        params:
            cfg=cfg_slice("segments"),
            min_gap_s=config["contour"]["min_gap_s"],
            code=code_digest("select_segments.py"),
        conda:
            "../envs/audio.yaml"
        script:
            "../workflow_scripts/select_segments.py"
