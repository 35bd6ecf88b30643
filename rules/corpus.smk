# The corpus: the synthetic demo corpus (synth mode), then validation of every recording: the
# report of what is wrong with which file, and the table of good recordings every aggregation reads.


# Defined only in synth mode: in recordings mode its outputs (metadata.csv under audio_root) would
# claim the user's own files.
if SYNTH:

    rule synth_corpus:
        output:
            metadata=f"{config['corpus']['audio_root']}/metadata.csv",
            audio=[f"{config['corpus']['audio_root']}/audio/{r}.wav" for r in RECORDINGS],
            f0=[f"{config['corpus']['audio_root']}/f0/{r}.csv" for r in RECORDINGS],
            motifs=[f"{config['corpus']['audio_root']}/motifs/{r}.tsv" for r in RECORDINGS],
        log:
            "results/logs/synth_corpus/synth_corpus.log",
        params:
            cfg=cfg_slice("synth"),
            code=code_digest("synth_corpus.py"),
        threads: 1
        conda:
            "../envs/audio.yaml"
        script:
            "../workflow_scripts/synth_corpus.py"


if CLIPS:

    # index_clips writes the corpus report in clips mode (build_mel_store reads its native rates)
    ruleorder: index_clips > validate_corpus

    rule index_clips:
        input:
            audio=list(CLIP_AUDIO.values()),
        output:
            report=report(
                "results/validation/corpus_report.tsv",
                caption="../report/corpus_report.rst",
                category="Corpus",
            ),
            summary="results/validation/clip_findings.tsv",
            segments="results/segments/motivic.tsv",
        log:
            "results/logs/index_clips/index_clips.log",
        params:
            cfg=cfg_slice("corpus"),
            audio=dict(CLIP_AUDIO),
            code=code_digest("index_clips.py"),
        threads: 2
        conda:
            "../envs/audio.yaml"
        script:
            "../workflow_scripts/index_clips.py"


checkpoint validate_corpus:
    input:
        metadata=config["corpus"]["metadata"],
        audio=validation_audio(),
    output:
        report=report(
            "results/validation/corpus_report.tsv",
            caption="../report/corpus_report.rst",
            category="Corpus",
        ),
        recordings="results/corpus/recordings.tsv",
    log:
        "results/logs/validate_corpus/validate_corpus.log",
    params:
        cfg=cfg_slice("corpus"),
        id_column="recording" if SYNTH else None,
        code=code_digest("validate_corpus.py"),
    threads: 2
    resources:
        mem_mb=attempt_scaled(1000),
    conda:
        "../envs/audio.yaml"
    script:
        "../workflow_scripts/validate_corpus.py"
