# The corpus: the synthetic demo corpus (synth mode), then validation of every recording: the
# report of what is wrong with which file, and the table of good recordings every aggregation reads.

# Defined only in synth mode: in recordings mode its outputs (metadata.csv under audio_root) would
# claim the user's own files.
if CORPUS.synth:

    rule synth_corpus:
        output:
            metadata=f"{config['corpus']['audio_root']}/metadata.csv",
            audio=list(CORPUS.audio.values()),
            f0=list(CORPUS.f0_references.values()),
            motifs=[f"{config['corpus']['audio_root']}/motifs/{r}.tsv" for r in CORPUS.recordings],
        log:
            "results/logs/synth_corpus/synth_corpus.log",
        params:
            cfg=cfg_slice("synth"),
            code=code_digest("synth_corpus.py"),
        threads: 2  # recordings render in parallel; the files are the same for any count
        conda:
            "../envs/audio.yaml"
        script:
            "../workflow_scripts/synth_corpus.py"


if CORPUS.clips:

    # index_clips writes the corpus report in clips mode (build_mel_store reads its native rates)
    ruleorder: index_clips > validate_corpus

    rule index_clips:
        input:
            audio=list(CORPUS.clip_audio.values()),
        output:
            report=report(
                "results/validation/corpus_report.tsv",
                caption="../report/corpus_report.rst",
                category="Corpus",
            ),
            summary="results/validation/clip_findings.tsv",
            kinds="results/validation/clip_kinds.tsv",
            segments="results/segments/motivic.tsv",
        log:
            "results/logs/index_clips/index_clips.log",
        params:
            cfg=cfg_slice("corpus"),
            audio=dict(CORPUS.clip_audio),
            motif_kinds=config["segments"]["motif_kinds"],
            code=code_digest("index_clips.py"),
        threads: 2
        conda:
            "../envs/audio.yaml"
        script:
            "../workflow_scripts/index_clips.py"


checkpoint validate_corpus:
    input:
        metadata=config["corpus"]["metadata"],
        audio=_inputs.validation_audio(CORPUS),
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
        id_column="recording" if CORPUS.synth else None,
        code=code_digest("validate_corpus.py"),
    threads: 2
    resources:
        mem_mb=attempt_scaled(1000),
    conda:
        "../envs/audio.yaml"
    script:
        "../workflow_scripts/validate_corpus.py"
