# The corpus: the synthetic demo corpus (synth mode) and the recordings table every stage reads.


rule synth_corpus:
    output:
        metadata=f"{config['corpus']['audio_root']}/metadata.csv",
        audio=[f"{config['corpus']['audio_root']}/audio/{r}.wav" for r in RECORDINGS],
        f0=[f"{config['corpus']['audio_root']}/f0/{r}.csv" for r in RECORDINGS],
        motifs=[f"{config['corpus']['audio_root']}/motifs/{r}.tsv" for r in RECORDINGS],
    log:
        "results/logs/synth_corpus/synth_corpus.log",
    params:
        cfg=cfg_slice("synth") if SYNTH else {},
    threads: 1
    conda:
        "../envs/audio.yaml"
    script:
        "../workflow_scripts/synth_corpus.py"


rule index_corpus:
    input:
        metadata=config["corpus"]["metadata"],
    output:
        "results/corpus/recordings.tsv",
    log:
        "results/logs/index_corpus/index_corpus.log",
    params:
        id_column="recording" if SYNTH else None,
    conda:
        "../envs/audio.yaml"
    script:
        "../workflow_scripts/index_corpus.py"
