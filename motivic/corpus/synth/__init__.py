"""Synthetic a cappella "singing" with planted melodic motifs: the demo corpus.

Each recording is a sequence of sung phrases separated by breaths. A phrase is a
legato line of notes rendered by a harmonic source (``n_partials`` partials,
phase-continuous from an f0 trajectory sampled per sample) shaped by vowel-like
formant envelopes, with glides between notes, vibrato on long notes, microtonal
ornaments and drift, breath noise in the gaps and additive noise at 20–40 dB SNR.
The ground-truth f0 (every 256 samples, 0 = unvoiced) is the very trajectory the
oscillator bank was driven with.

Classes (``style1`` … ``styleN``) differ only by a vocabulary of melodic motifs
(6–8 notes) planted ``occurrences_per_motif`` times per recording, each time in a
different phrase, amid random filler melody. Singers' timbres and ranges come from
one shared distribution whatever the class, and every recording is transposed
at random, so neither timbre nor register gives the class away.

Why the motifs look the way they do
-----------------------------------
Downstream (``motivic.contour``, after Arronte Alvarez & Gómez, "Motivic Pattern
Classification of Music Audio Signals Combining Residual and LSTM Networks",
IJIMAI 2021), the f0 contour is approximated by ε = 66-cent steps (the f0 points
of a step within a 66-cent band, steps shorter than ~30 ms merged), and the
interval between consecutive steps becomes a signed class
(|d| <= 66 -> 1, <= 132 -> 2, <= 198 -> 3, else 4). Closed patterns of at least
5 tokens found in at least 3 phrases of a recording are then mined. A planted
motif is only recoverable if it yields the same token sequence every time it is
sung, so motif notes are built to be unambiguous for that tokeniser:

- intervals are taken from :data:`MOTIF_INTERVALS_CENTS` = 100, 165, 300, 400 and
  500 cents, each at least 33 cents away from a class boundary (66, 132, 198):
  200 cents, a whole tone, is deliberately absent because it sits 2 cents from the
  198-cent boundary and would flip between classes 3 and 4;
- each note lasts 0.12–0.33 s (20+ Melodia frames) and is held steady: at most a
  ±6-cent vibrato and ±3.5 cents of detuning/drift, well inside a 66-cent band;
- transitions into, inside and out of a motif are clean monotonic raised-cosine
  glides of 35–50 ms. Melodia's 46-ms window smears any transition over a few
  frames whatever the synthesis does (measured: a 4-ms jump comes out as a 20–30 ms
  ramp); a steady, monotonic 35–50 ms glide gives ramps whose middle frames fall
  into short steps (< 30 ms, merged away) and whose ends stay a small minority of
  their note's frames;
- the filler notes just before and after a motif carry no vibrato or ornament and
  lie at least 100 cents from the motif's first/last note, so they never share a
  step with it; every motif is preceded and followed by filler in its phrase
  (Melodia tends to miss the first ~0.1 s of a phrase);
- note boundaries sit halfway between two f0 frames (a 256-sample grid).

Measured on the default corpus (32 recordings, 192 occurrences, 64 (recording, motif)
pairs) with ``motivic.contour``'s defaults (66-cent bands, step pitch = median of its
frames, least-squares tie-break among the fewest-step segmentations): 192 of 192
occurrences give exactly the motif's tokens, with Melodia f0 and with the ground-truth
f0 alike, so all 64 pairs keep >= 3 exact occurrences. With the greedy tie-break
(every step extended as far right as its band allows) only 171/192 (Melodia) and
161/192 (ground truth) do, and 46 resp. 40 pairs keep 3: greedy steps swallow the onset
glide of the next note and then cut that held note in two. With the *midrange* as
the step pitch instead of the median, far fewer survive, because the few glide frames a
note's step absorbs move its midrange by up to 33 cents. Melodia raw pitch accuracy on
that corpus: mean 0.981, min 0.925 (``results/eval/pitch.tsv``).

Filler notes are deliberately unlike motif notes: continuous (microtonal)
intervals, durations up to 1 s, wide vibrato (20–80 cents peak to peak, 5–7 Hz)
on long notes, turns and scoops, 30–90 ms glides, so the filler tokenises
differently every time. A motif occurrence spans from the start of its first
note to the end of its last note, where note boundaries lie at the midpoint of the
glide between two notes.

Examples
--------
>>> motifs = make_motifs(seed=7, n_classes=2, motifs_per_class=1)
>>> rec = synth_recording(seed=1, label="style1", singer="singer01",
...                       motifs=motifs["style1"], duration_s=8.0, sr=22050)
>>> rec.audio.dtype, rec.sr
(dtype('float32'), 22050)
>>> len(rec.occurrences) >= 3
True

Layout: :mod:`.score` (motifs, voices, the notes of a recording), :mod:`.render` (control
tracks and sound), :mod:`.corpus` (:func:`synth_recording`, :func:`make_corpus`, the
planted-motif tables).
"""

from motivic.corpus.synth.score import (
    MOTIF_INTERVALS_CENTS,
    NEAR_EDGE_INTERVALS_CENTS,
    HardFactors,
    Motif,
    PlantedMotif,
    Voice,
    make_motifs,
    make_voice,
    recording_ids,
)
from motivic.corpus.synth.write import (
    SynthRecording,
    load_planted,
    make_corpus,
    synth_recording,
    write_planted,
)

__all__ = [
    "MOTIF_INTERVALS_CENTS",
    "NEAR_EDGE_INTERVALS_CENTS",
    "HardFactors",
    "Motif",
    "PlantedMotif",
    "SynthRecording",
    "Voice",
    "load_planted",
    "make_corpus",
    "make_motifs",
    "make_voice",
    "recording_ids",
    "synth_recording",
    "write_planted",
]
