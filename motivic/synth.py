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
"""

from __future__ import annotations

import itertools
import logging
import os
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import MotivicError
from .io import atomic_path

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

logger = logging.getLogger(__name__)

#: Interval sizes motifs are made of, each >= 33 cents from a class boundary.
MOTIF_INTERVALS_CENTS = (100, 165, 300, 400, 500)
_MOTIF_INTERVAL_WEIGHTS = np.array([0.36, 0.22, 0.2, 0.13, 0.09])
_EPSILON_CENTS = 66.0
_F0_HOP_LENGTH = 256
_CTL_HOP = 32  # control-rate hop (samples) for f0, amplitude and formant tracks
_RANGE_CENTS = (-600.0, 800.0)  # melodic range around a recording's centre pitch
_MIN_BOUNDARY_CENTS = 100.0  # filler <-> motif intervals at least this large
_MOTIF_GLIDE_S = (0.035, 0.05)  # clean raised-cosine transitions around motif notes

# Vowel formants (Hz) and relative gains: a, e, i, o, u (adult average).
_VOWEL_FORMANTS_HZ = np.array(
    [
        [730.0, 1090.0, 2440.0, 3400.0],
        [530.0, 1840.0, 2480.0, 3500.0],
        [300.0, 2200.0, 3000.0, 3700.0],
        [570.0, 840.0, 2410.0, 3400.0],
        [320.0, 870.0, 2240.0, 3300.0],
    ]
)
_FORMANT_BANDWIDTHS_HZ = np.array([90.0, 110.0, 150.0, 200.0])

#: ``hard.near_edges``: interval sizes 5 cents either side of the class edges 66/132/198.
NEAR_EDGE_INTERVALS_CENTS = (61, 71, 127, 137, 193, 203)
_WHOLE_TONE_WEIGHT = 0.2  # share of whole tones among motif intervals with hard.whole_tones


@dataclass(frozen=True)
class HardFactors:
    """Options that stop the demo corpus from helping the tokeniser (``synth.hard``).

    All off by default (the demo as documented above). Each one undoes one of the
    demo's favours, so motif recall and precision can be read against it
    (``benchmarks/synth_factors.py``):

    Attributes
    ----------
    whole_tones : bool
        Motif intervals include the whole tone (200 cents, 2 cents from the 198-cent
        class edge), a fifth of them.
    vibrato_cents : float >= 0
        Vibrato on every motif note, peak to peak 0.5–1.5 times ``vibrato_cents``
        (by default only some notes of 0.25 s or more carry 4–12 cents); 0 = off.
    tempo_jitter : float in [0, 0.5)
        Each motif note's duration is scaled by ``1 + U(−j, j)`` (on top of the
        per-occurrence tempo), drawn from a stream of its own.
    near_edges : bool
        Motif intervals are drawn from :data:`NEAR_EDGE_INTERVALS_CENTS` only.
    """

    whole_tones: bool = False
    vibrato_cents: float = 0.0
    tempo_jitter: float = 0.0
    near_edges: bool = False

    @classmethod
    def from_options(cls, options) -> HardFactors:
        """From a mapping (``synth.hard``), a HardFactors or None (all off)."""
        if options is None or isinstance(options, HardFactors):
            return options or cls()
        unknown = set(options) - {"whole_tones", "vibrato_cents", "tempo_jitter", "near_edges"}
        if unknown:
            raise MotivicError(f"synth.hard: unknown keys {sorted(unknown)}")
        hard = cls(**options)
        if not hard.vibrato_cents >= 0 or not 0 <= hard.tempo_jitter < 0.5:
            raise MotivicError(
                f"synth.hard: need vibrato_cents >= 0 and 0 <= tempo_jitter < 0.5, got {options}"
            )
        return hard

    def interval_sizes(self) -> tuple[np.ndarray, np.ndarray]:
        """Motif interval sizes (cents) and their probabilities."""
        if self.near_edges:
            sizes = np.array(NEAR_EDGE_INTERVALS_CENTS)
            return sizes, np.full(sizes.size, 1.0 / sizes.size)
        sizes, weights = np.array(MOTIF_INTERVALS_CENTS), _MOTIF_INTERVAL_WEIGHTS
        if self.whole_tones:
            sizes = np.append(sizes, 200)
            weights = np.append(weights * (1 - _WHOLE_TONE_WEIGHT), _WHOLE_TONE_WEIGHT)
        return sizes, weights


@dataclass(frozen=True)
class Motif:
    """One planted melodic motif.

    Attributes
    ----------
    motif_id : str
        ``{label}_m{j}``, e.g. ``style2_m1``.
    label : str
        Class the motif belongs to.
    intervals_cents : tuple of int [length 5–7]
        Signed intervals between consecutive notes.
    durations_s : tuple of float [length len(intervals_cents) + 1]
        Nominal note durations (0.12–0.30 s each, >= 0.7 s in total).
    """

    motif_id: str
    label: str
    intervals_cents: tuple[int, ...]
    durations_s: tuple[float, ...]

    @property
    def tokens(self) -> tuple[int, ...]:
        """Signed interval classes the contour tokeniser should produce."""
        return tuple(_interval_class(d) for d in self.intervals_cents)


@dataclass(frozen=True)
class Voice:
    """Timbre and singing habits of one virtual singer.

    Attributes
    ----------
    singer : str
        Singer id, e.g. ``singer03``.
    center_hz : float
        Centre of the singer's range (150–340 Hz).
    formant_scale : float
        Vocal-tract scaling of the vowel formants (0.88–1.15).
    tilt : float
        Source spectral tilt: partial ``k`` has amplitude ``k ** -tilt``.
    formant_gains : tuple of float [length 4]
        Gain of each formant (the fourth one acts as a singer's formant).
    vibrato_hz : float
        Preferred vibrato rate (5–7 Hz).
    vibrato_cents_pp : float
        Preferred vibrato extent, peak to peak (20–80 cents).
    """

    singer: str
    center_hz: float
    formant_scale: float
    tilt: float
    formant_gains: tuple[float, float, float, float]
    vibrato_hz: float
    vibrato_cents_pp: float


@dataclass(frozen=True)
class PlantedMotif:
    """One sung occurrence of a motif: exact span of its notes."""

    start_s: float
    end_s: float
    motif_id: str
    intervals_cents: tuple[int, ...]


@dataclass(frozen=True)
class SynthRecording:
    """A synthetic recording and its ground truth.

    Attributes
    ----------
    audio : np.ndarray [shape=(n_samples,), dtype=float32]
        Mono signal, peak below 1.
    sr : int
        Sampling rate in Hz.
    f0_times_s : np.ndarray [shape=(n_frames,)]
        Frame times ``i * 256 / sr``, ``n_frames = ceil(n_samples / 256) + 1`` as
        essentia's Melodia outputs.
    f0_hz : np.ndarray [shape=(n_frames,)]
        Ground-truth f0 of the oscillator bank at each frame time, 0 = unvoiced.
    occurrences : list of PlantedMotif
        Planted motif occurrences in time order.
    phrases_s : tuple of (float, float)
        Onset and offset of every sung phrase; the gaps between are breaths.
    snr_db : float
        Voice power over the voiced samples divided by the noise power, in dB.
    label : str
        Class of the recording.
    singer : str
        Singer id.
    """

    audio: np.ndarray
    sr: int
    f0_times_s: np.ndarray
    f0_hz: np.ndarray
    occurrences: list[PlantedMotif]
    phrases_s: tuple[tuple[float, float], ...] = ()
    snr_db: float = float("nan")
    label: str = ""
    singer: str = ""


@dataclass
class _Note:
    phrase: int
    cents: float
    dur_s: float
    motif: int = -1  # index of the occurrence it belongs to, -1 = filler
    glide_s: float = 0.0  # glide from the previous note, centred on the note start
    vib_pp: float = 0.0
    vib_hz: float = 6.0
    ornament: str = ""
    vowel: int = 0
    gain: float = 1.0
    drift: tuple[float, float] = (0.0, 0.0)
    start_s: float = 0.0


# --------------------------------------------------------------------------- API


def recording_ids(*, n_classes: int, recordings_per_class: int) -> list[str]:
    """Recording ids of the demo corpus, ``style{c}_r{i:02d}``, class-major.

    Parameters
    ----------
    n_classes : int >= 1
    recordings_per_class : int >= 1

    Returns
    -------
    ids : list of str [length n_classes * recordings_per_class]

    Examples
    --------
    >>> recording_ids(n_classes=2, recordings_per_class=2)
    ['style1_r01', 'style1_r02', 'style2_r01', 'style2_r02']
    """
    _check_int("n_classes", n_classes, 1)
    _check_int("recordings_per_class", recordings_per_class, 1)
    return [
        f"style{c}_r{i:02d}"
        for c in range(1, n_classes + 1)
        for i in range(1, recordings_per_class + 1)
    ]


def make_motifs(
    *, seed: int, n_classes: int, motifs_per_class: int, hard=None
) -> dict[str, tuple[Motif, ...]]:
    """Draw the motif vocabulary of every class.

    No two motifs (of the same or different classes) share a run of 5 tokens
    (signed interval classes), so their token sequences differ everywhere a
    5-token closed pattern could be mined.

    Parameters
    ----------
    seed : int
        Corpus seed; the vocabulary depends on it and on the two counts only.
    n_classes, motifs_per_class : int >= 1
    hard : HardFactors, mapping or None
        ``whole_tones`` and ``near_edges`` change the interval sizes drawn.

    Returns
    -------
    motifs : dict
        ``{"style1": (Motif, ...), ...}``.
    """
    _check_int("n_classes", n_classes, 1)
    _check_int("motifs_per_class", motifs_per_class, 1)
    rng = np.random.default_rng([seed, 104729])
    sizes = HardFactors.from_options(hard).interval_sizes()
    seen: set[tuple[int, ...]] = set()
    vocabulary: dict[str, tuple[Motif, ...]] = {}
    for c in range(1, n_classes + 1):
        label = f"style{c}"
        vocabulary[label] = tuple(
            _draw_motif(rng, motif_id=f"{label}_m{j}", label=label, seen=seen, sizes=sizes)
            for j in range(1, motifs_per_class + 1)
        )
    return vocabulary


def make_voice(singer: str, *, seed: int) -> Voice:
    """Draw a singer's timbre from the pool shared by all classes.

    Parameters
    ----------
    singer : str
        Singer id; with ``seed`` it fully determines the voice.
    seed : int
        Corpus seed.

    Returns
    -------
    voice : Voice
    """
    rng = np.random.default_rng([seed, 7919, zlib.crc32(singer.encode())])
    return Voice(
        singer=singer,
        center_hz=float(np.exp(rng.uniform(np.log(150.0), np.log(340.0)))),
        formant_scale=float(rng.uniform(0.88, 1.15)),
        tilt=float(rng.uniform(0.7, 1.3)),
        formant_gains=(1.0, *(float(g) for g in rng.uniform([0.4, 0.15, 0.05], [0.9, 0.5, 0.4]))),
        vibrato_hz=float(rng.uniform(5.2, 6.8)),
        vibrato_cents_pp=float(rng.uniform(25.0, 70.0)),
    )


def synth_recording(
    *,
    seed: int,
    label: str,
    singer: str,
    motifs: Sequence[Motif],
    duration_s: float,
    sr: int = 44100,
    voice: Voice | None = None,
    occurrences_per_motif: int = 3,
    snr_db: float | None = None,
    noise: bool = True,
    n_partials: int = 20,
    hard=None,
) -> SynthRecording:
    """Synthesise one recording with ``motifs`` planted in it.

    Parameters
    ----------
    seed : int
        Recording seed: the same arguments give the same samples.
    label : str
        Class label, stored in the result.
    singer : str
        Singer id; ``voice`` defaults to ``make_voice(singer, seed=seed)``.
    motifs : sequence of Motif [length >= 1]
        Motifs to plant, each ``occurrences_per_motif`` times in distinct phrases.
    duration_s : float > 0
        Target duration. The recording is longer when the motifs need more time.
    sr : int >= 8000
        Sampling rate in Hz.
    voice : Voice or None
        Timbre; see ``singer``.
    occurrences_per_motif : int >= 1
        Occurrences of each motif, in as many distinct phrases.
    snr_db : float or None
        Signal-to-noise ratio over the voiced samples; drawn from U(20, 40) if None.
    noise : bool
        If False, no background noise is added (the voice is unchanged, so
        ``noisy - clean`` is exactly the noise).
    n_partials : int >= 15
        Partials of the harmonic source (those above 0.45 sr are silent).
    hard : HardFactors, mapping or None
        ``vibrato_cents`` and ``tempo_jitter`` change the motif notes (the motifs'
        intervals come from ``motifs``; see :func:`make_motifs`).

    Returns
    -------
    recording : SynthRecording

    Raises
    ------
    MotivicError
        On an invalid argument.
    """
    _check_synth_args(motifs, duration_s, sr, occurrences_per_motif, n_partials)
    voice = voice if voice is not None else make_voice(singer, seed=seed)
    hard = HardFactors.from_options(hard)
    streams = np.random.SeedSequence([seed, 31337]).spawn(4)  # the 4th: hard.tempo_jitter only
    rng, rng_breath, rng_noise, rng_jitter = (np.random.default_rng(s) for s in streams)
    if snr_db is None:
        snr_db = float(rng_noise.uniform(20.0, 40.0))
    center_hz = voice.center_hz * 2.0 ** (rng.uniform(-200.0, 200.0) / 1200.0)
    notes, occ_motifs, lead_s, breaths_s = _plan_recording(
        rng, motifs, voice, duration_s=duration_s, occurrences=occurrences_per_motif,
        hard=(hard, rng_jitter),
    )
    phrases = _place_notes(notes, lead_s=lead_s, breaths_s=breaths_s, grid_s=_F0_HOP_LENGTH / sr)
    n_samples = round((phrases[-1][1] + rng.uniform(0.3, 0.6)) * sr)
    ctl = _control_tracks(notes, phrases, voice, rng, n_samples=n_samples, sr=sr)
    f0_sample_hz, voice_sig = _render_voice(
        ctl, phrases, voice, center_hz, sr, n_samples, n_partials
    )
    voiced = f0_sample_hz > 0
    p_voice = float(np.mean(voice_sig[voiced] ** 2))
    breath = _breath_noise(rng_breath, phrases, n_samples, sr, level=np.sqrt(p_voice))
    clean = voice_sig + breath
    gain = 0.8 / max(float(np.max(np.abs(clean))), 1e-9)
    audio = clean
    if noise:
        audio = clean + _background_noise(
            rng_noise, n_samples, sr, power=p_voice / 10 ** (snr_db / 10)
        )
    frames = np.arange(-(-n_samples // _F0_HOP_LENGTH) + 1) * _F0_HOP_LENGTH  # as Melodia
    occurrences = _occurrences(notes, occ_motifs)
    logger.debug(
        "synthesised %s (%s, %s): %.1f s, %d occurrences",
        seed,
        label,
        singer,
        n_samples / sr,
        len(occurrences),
    )
    return SynthRecording(
        audio=(audio * gain).astype(np.float32),
        sr=sr,
        f0_times_s=frames / sr,
        f0_hz=np.where(frames < n_samples, f0_sample_hz[np.minimum(frames, n_samples - 1)], 0.0),
        occurrences=occurrences,
        phrases_s=tuple((float(on), float(off)) for on, off in phrases),
        snr_db=float(snr_db),
        label=label,
        singer=singer,
    )


def make_corpus(
    out_dir: str | os.PathLike,
    *,
    seed: int = 7,
    n_classes: int = 4,
    recordings_per_class: int = 8,
    singers_per_class: int = 3,
    motifs_per_class: int = 3,
    motifs_per_recording: int | None = 2,
    min_duration_s: float = 20.0,
    max_duration_s: float = 30.0,
    sr: int = 44100,
    singers_sing_every_style: bool = True,
    hard=None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Write the synthetic demo corpus and its ground truth under ``out_dir``.

    Writes ``audio/{recording}.wav`` (16-bit PCM, mono), ``f0/{recording}.csv``
    (MIREX ``time,frequency``, every 256 samples, 0 = unvoiced),
    ``motifs/{recording}.tsv`` (see :func:`write_planted`) and ``metadata.csv``
    (``path`` relative to ``out_dir``, ``label``, ``group`` = singer, ``recording``).
    Recording ``style{c}_r{i}`` derives only from ``(seed, c, i)``, its singer's
    voice from ``(seed, singer)`` and the motif vocabulary from ``seed`` and the
    class/motif counts. With ``singers_sing_every_style`` (the default) the
    ``singers_per_class`` singers ``singer01`` … are shared by every style:
    recording ``i`` of each style is sung by singer ``(i - 1) mod
    singers_per_class + 1``, so every singer sings every style (given
    ``recordings_per_class >= singers_per_class``) and timbre says nothing
    about the style. Otherwise each style has its own singers, numbered class
    by class, and recordings of a class cycle through them (then the singer
    gives the style away under any split).

    Parameters
    ----------
    out_dir : path-like
    seed : int
    n_classes, recordings_per_class, singers_per_class, motifs_per_class : int >= 1
    motifs_per_recording : int >= 1 or None
        How many motifs of its class's vocabulary each recording plants (a seeded
        random subset, so recordings of a class share motifs without all singing
        every one, and filler melody keeps room for the non-motivic control set);
        ``None`` plants the whole vocabulary.
    min_duration_s, max_duration_s : float, 0 < min <= max
        Range of the target duration of each recording.
    sr : int >= 8000
    singers_sing_every_style : bool
        Share the singers across styles (see above).
    hard : HardFactors, mapping or None
        Factors that stop the corpus from helping the tokeniser (:class:`HardFactors`);
        None = all off.
    progress : callable (done, total) or None
        Called after each recording.

    Returns
    -------
    metadata : pandas.DataFrame
        The rows of ``metadata.csv``.
    """
    import soundfile as sf

    _check_int("singers_per_class", singers_per_class, 1)
    if motifs_per_recording is not None:
        _check_int("motifs_per_recording", motifs_per_recording, 1)
        motifs_per_recording = min(motifs_per_recording, motifs_per_class)
    if not 0 < min_duration_s <= max_duration_s:
        raise MotivicError(
            f"min_duration_s={min_duration_s}, max_duration_s={max_duration_s}: "
            "need 0 < min_duration_s <= max_duration_s"
        )
    ids = recording_ids(n_classes=n_classes, recordings_per_class=recordings_per_class)
    hard = HardFactors.from_options(hard)
    vocabulary = make_motifs(
        seed=seed, n_classes=n_classes, motifs_per_class=motifs_per_class, hard=hard
    )
    out = Path(out_dir)
    rows = []
    for done, rid in enumerate(ids, start=1):
        c, i = (int(x) for x in rid.removeprefix("style").split("_r"))
        label = f"style{c}"
        first = 0 if singers_sing_every_style else (c - 1) * singers_per_class
        singer = f"singer{first + (i - 1) % singers_per_class + 1:02d}"
        rec_seed = int(np.random.SeedSequence([seed, c, i]).generate_state(1)[0])
        choice_rng = np.random.default_rng(rec_seed)
        duration_s = choice_rng.uniform(min_duration_s, max_duration_s)
        motifs = vocabulary[label]
        if motifs_per_recording is not None:
            keep = np.sort(choice_rng.choice(len(motifs), motifs_per_recording, replace=False))
            motifs = tuple(motifs[k] for k in keep)
        rec = synth_recording(
            seed=rec_seed,
            label=label,
            singer=singer,
            motifs=motifs,
            duration_s=float(duration_s),
            sr=sr,
            voice=make_voice(singer, seed=seed),
            hard=hard,
        )
        with atomic_path(out / "audio" / f"{rid}.wav") as tmp:
            sf.write(tmp, rec.audio, sr, subtype="PCM_16")
        with atomic_path(out / "f0" / f"{rid}.csv") as tmp:
            _write_mirex(tmp, rec.f0_times_s, rec.f0_hz)
        write_planted(rec.occurrences, out / "motifs" / f"{rid}.tsv")
        rows.append({"path": f"audio/{rid}.wav", "label": label, "group": singer, "recording": rid})
        if progress is not None:
            progress(done, len(ids))
    metadata = pd.DataFrame(rows, columns=["path", "label", "group", "recording"])
    with atomic_path(out / "metadata.csv") as tmp:
        metadata.to_csv(tmp, index=False)
    logger.info("wrote %d synthetic recordings (%d classes) to %s", len(ids), n_classes, out)
    return metadata


def write_planted(occurrences: Sequence[PlantedMotif], path: str | os.PathLike) -> None:
    """Write planted occurrences as a TSV with a header.

    Columns ``start_s``, ``end_s``, ``motif_id``, ``intervals_cents`` (a
    comma-joined string of ints, e.g. ``100,-300,165``); times with 6 decimals.
    """
    table = pd.DataFrame(
        {
            "start_s": [round(o.start_s, 6) for o in occurrences],
            "end_s": [round(o.end_s, 6) for o in occurrences],
            "motif_id": [o.motif_id for o in occurrences],
            "intervals_cents": [",".join(str(d) for d in o.intervals_cents) for o in occurrences],
        }
    )
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.6f")


def load_planted(path: str | os.PathLike) -> pd.DataFrame:
    """Read a planted-motif TSV written by :func:`write_planted`.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``start_s``, ``end_s`` (float), ``motif_id`` and
        ``intervals_cents`` (str, comma-joined ints).

    Raises
    ------
    MotivicError
        If the file is missing, lacks a column or holds a malformed row.
    """
    columns = ["start_s", "end_s", "motif_id", "intervals_cents"]
    try:
        table = pd.read_csv(path, sep="\t", dtype={"motif_id": str, "intervals_cents": str})
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise MotivicError(f"planted motifs file {path}: cannot be read ({err})") from err
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise MotivicError(
            f"planted motifs file {path}: missing columns {missing}; expected {columns}"
        )
    table = table[columns]
    try:
        table = table.astype({"start_s": float, "end_s": float})
        table["intervals_cents"].map(lambda s: [int(x) for x in s.split(",")])
    except (ValueError, TypeError, AttributeError) as err:
        raise MotivicError(f"planted motifs file {path}: malformed value ({err})") from err
    if not (table["end_s"] > table["start_s"]).all():
        raise MotivicError(f"planted motifs file {path}: every row needs end_s > start_s")
    return table


# ----------------------------------------------------------------- motif drawing


def _interval_class(d_cents: float, epsilon: float = _EPSILON_CENTS) -> int:
    size = abs(d_cents)
    cls = 1 if size <= epsilon else 2 if size <= 2 * epsilon else 3 if size <= 3 * epsilon else 4
    return cls if d_cents >= 0 else -cls


def _draw_motif(
    rng: np.random.Generator, *, motif_id: str, label: str, seen: set, sizes=None
) -> Motif:
    values, weights = sizes if sizes is not None else HardFactors().interval_sizes()
    for _ in range(10_000):
        n_notes = int(rng.integers(6, 9))
        drawn = rng.choice(values, size=n_notes - 1, p=weights)
        intervals = [int(s) * int(rng.choice([-1, 1])) for s in drawn]
        path = np.concatenate([[0], np.cumsum(intervals)])
        if np.ptp(path) > 1000 or len(set(np.sign(intervals))) < 2:
            continue
        tokens = tuple(_interval_class(d) for d in intervals)
        grams = {tokens[k : k + 5] for k in range(len(tokens) - 4)}
        if grams & seen:
            continue
        seen |= grams
        durations = np.round(rng.uniform(0.13, 0.3, size=n_notes), 2)
        if durations.sum() < 0.75:
            durations = np.round(durations * 0.75 / durations.sum() + 0.005, 2)
        return Motif(motif_id, label, tuple(intervals), tuple(float(x) for x in durations))
    raise MotivicError(f"cannot draw motif {motif_id} distinct from the others; use fewer motifs")


# ------------------------------------------------------------ recording layout


def _plan_recording(rng, motifs, voice, *, duration_s, occurrences, hard=None):
    """Choose phrases, motif placement and filler; returns notes in time order."""
    lead_s = float(rng.uniform(0.2, 0.5))
    n_phrases = max(occurrences, round((duration_s - lead_s - 0.4) / 3.3))
    breaths_s = rng.uniform(0.3, 0.8, size=n_phrases - 1)
    load = np.zeros(n_phrases)
    per_phrase: list[list[int]] = [[] for _ in range(n_phrases)]
    occ_motifs: list[Motif] = []
    for motif in motifs:
        order = np.lexsort((rng.random(n_phrases), load))[:occurrences]
        for p in order:
            per_phrase[p].append(len(occ_motifs))
            occ_motifs.append(motif)
            load[p] += 1
    tempos = rng.uniform(0.9, 1.1, size=len(occ_motifs))
    motif_s = sum(sum(m.durations_s) * t for m, t in zip(occ_motifs, tempos))
    # 0.45 s: mean trailing silence; 0.7 s: mean overshoot of the slot-filling loop
    filler_s = duration_s - lead_s - 0.45 - 0.7 - breaths_s.sum() - motif_s
    for occs in per_phrase:
        rng.shuffle(occs)
    n_slots = sum(len(o) + 1 for o in per_phrase)
    budgets = iter(max(filler_s, 0.0) * rng.dirichlet(np.full(n_slots, 2.0)))
    notes: list[_Note] = []
    cents = float(rng.uniform(-200, 300))
    for p, occs in enumerate(per_phrase):
        for slot in range(len(occs) + 1):
            cents = _add_filler(
                notes, rng, voice, phrase=p, budget_s=next(budgets), min_notes=1, cents=cents
            )
            if slot < len(occs):
                k = occs[slot]
                cents = _add_motif(
                    notes, rng, occ_motifs[k], occ=k, phrase=p, tempo=tempos[k], cents=cents,
                    hard=hard,
                )
    _assign_vowels(notes, rng)
    return notes, occ_motifs, lead_s, breaths_s


def _add_filler(notes, rng, voice, *, phrase, budget_s, min_notes, cents):
    used, n = 0.0, 0
    after_motif = bool(notes) and notes[-1].motif >= 0 and notes[-1].phrase == phrase
    while n < min_notes or used < budget_s - 0.1:
        long = rng.random() < 0.4 and budget_s - used > 0.5
        dur = float(rng.uniform(0.4, 1.0) if long else rng.uniform(0.15, 0.3))
        step = _filler_interval(rng)
        plain = after_motif and n == 0  # clean boundary after a motif
        if plain and abs(step) < _MIN_BOUNDARY_CENTS:
            step = np.sign(step or 1.0) * rng.uniform(_MIN_BOUNDARY_CENTS, 250.0)
        if plain and not _RANGE_CENTS[0] <= cents + step <= _RANGE_CENTS[1]:
            step = -step
        cents = _reflect(cents + step, *_RANGE_CENTS)
        glide_s = float(rng.uniform(*(_MOTIF_GLIDE_S if plain else (0.03, 0.09))))
        note = _Note(phrase=phrase, cents=cents, dur_s=dur, glide_s=glide_s)
        note.drift = tuple(rng.normal(0.0, 6.0, size=2))
        if not plain and dur >= 0.4:
            note.vib_pp = float(np.clip(voice.vibrato_cents_pp * rng.uniform(0.8, 1.2), 20, 80))
            note.vib_hz = float(np.clip(voice.vibrato_hz + rng.normal(0, 0.2), 5.0, 7.0))
        if not plain and dur >= 0.25 and rng.random() < 0.45:
            note.ornament = str(rng.choice(["turn", "scoop"]))
        notes.append(note)
        used += dur
        n += 1
    return cents


def _filler_interval(rng) -> float:
    kind = rng.random()
    if kind < 0.35:
        return float(rng.normal(0.0, 60.0))
    if kind < 0.85:
        return float(rng.choice([-1, 1]) * rng.uniform(80.0, 320.0))
    return float(rng.choice([-1, 1]) * rng.uniform(320.0, 700.0))


def _add_motif(notes, rng, motif, *, occ, phrase, tempo, cents, hard=None):
    factors, rng_jitter = hard if hard is not None else (HardFactors(), None)
    path = np.concatenate([[0.0], np.cumsum(motif.intervals_cents)])
    lo, hi = _RANGE_CENTS[0] - path.min(), _RANGE_CENTS[1] - path.max()
    start = float(np.clip(cents + rng.normal(0.0, 250.0), lo, hi))
    if abs(start - cents) < _MIN_BOUNDARY_CENTS:
        away = cents + np.sign(start - cents or 1.0) * rng.uniform(_MIN_BOUNDARY_CENTS, 250.0)
        start = float(np.clip(away, lo, hi))
        if abs(start - cents) < _MIN_BOUNDARY_CENTS:  # clipped back: go the other way
            start = float(np.clip(cents - (away - cents), lo, hi))
    if notes and notes[-1].phrase == phrase:  # clean boundary before the motif
        notes[-1].vib_pp, notes[-1].ornament = 0.0, ""
    detune = rng.uniform(-2.0, 2.0, size=len(path))
    jitter = np.ones(len(path))
    if factors.tempo_jitter > 0:
        jitter = 1.0 + rng_jitter.uniform(-factors.tempo_jitter, factors.tempo_jitter, len(path))
    for level, dur, dt, jit in zip(path, motif.durations_s, detune, jitter):
        note = _Note(
            phrase=phrase,
            cents=start + level + dt,
            dur_s=dur * tempo * jit,
            motif=occ,
            glide_s=float(rng.uniform(*_MOTIF_GLIDE_S)),
        )
        note.drift = tuple(rng.uniform(-1.5, 1.5, size=2))
        if note.dur_s >= 0.25 and rng.random() < 0.5:
            note.vib_pp, note.vib_hz = float(rng.uniform(4.0, 12.0)), float(rng.uniform(5.0, 7.0))
            if factors.vibrato_cents > 0:  # same draws, wider extent
                note.vib_pp *= factors.vibrato_cents / 8.0
        elif factors.vibrato_cents > 0:  # every other motif note too, from the extra stream
            note.vib_pp = factors.vibrato_cents * float(rng_jitter.uniform(0.5, 1.5))
            note.vib_hz = float(rng_jitter.uniform(5.0, 7.0))
        notes.append(note)
    return notes[-1].cents


def _assign_vowels(notes, rng) -> None:
    vowel = int(rng.integers(5))
    for note in notes:
        if rng.random() < 0.5:
            vowel = int(rng.integers(5))
        note.vowel = vowel
        note.gain = float(rng.uniform(0.85, 1.0))


def _place_notes(notes, *, lead_s, breaths_s, grid_s):
    """Set note start times; returns the (onset, offset) of each phrase.

    Every note boundary is snapped to the middle between two f0 frames
    (``(k + 0.5) * grid_s``), so a transition shorter than ``grid_s`` holds no frame.
    """

    def snap(x):
        return (np.floor(x / grid_s) + 0.5) * grid_s

    phrases, t = [], lead_s
    for k, note in enumerate(notes):
        note.start_s = float(snap(t))
        if k == 0 or note.phrase != notes[k - 1].phrase:
            note.glide_s = 0.0
            phrase_on = note.start_s
        t = note.start_s + note.dur_s
        last = k + 1 == len(notes) or notes[k + 1].phrase != note.phrase
        note.dur_s = float(snap(t)) - note.start_s
        if last:
            phrases.append((phrase_on, note.start_s + note.dur_s))
            if k + 1 < len(notes):
                t += breaths_s[note.phrase]
    return phrases


def _occurrences(notes, occ_motifs) -> list[PlantedMotif]:
    spans: dict[int, list[float]] = {}
    for note in notes:
        if note.motif >= 0:
            span = spans.setdefault(note.motif, [note.start_s, 0.0])
            span[1] = note.start_s + note.dur_s
    return [
        PlantedMotif(float(s), float(e), occ_motifs[k].motif_id, occ_motifs[k].intervals_cents)
        for k, (s, e) in sorted(spans.items(), key=lambda kv: kv[1][0])
    ]


def _reflect(x: float, lo: float, hi: float) -> float:
    while not lo <= x <= hi:
        x = 2 * lo - x if x < lo else 2 * hi - x
    return x


# -------------------------------------------------------------- control tracks


def _control_tracks(notes, phrases, voice, rng, *, n_samples, sr):
    """Cents, amplitude and formant tracks on a grid of ``_CTL_HOP`` samples."""
    n_ctl = n_samples // _CTL_HOP + 2
    t = np.arange(n_ctl) * _CTL_HOP / sr
    cents = np.zeros(n_ctl)
    gain = np.zeros(n_ctl)
    vowel = np.zeros(n_ctl, dtype=int)
    prev = None
    for note in notes:
        a, b = np.searchsorted(t, [note.start_s, note.start_s + note.dur_s])
        x = (t[a:b] - note.start_s) / note.dur_s
        cents[a:b] = note.cents + note.drift[0] + (note.drift[1] - note.drift[0]) * x
        cents[a:b] += _vibrato(t[a:b] - note.start_s, note, rng) + _ornament(
            t[a:b] - note.start_s, note, rng
        )
        gain[a:b], vowel[a:b] = note.gain, note.vowel
        if prev is not None and note.glide_s > 0:
            _apply_glide(cents, t, prev, note)
        prev = note
    amp = _moving_average(gain, int(0.05 * sr / _CTL_HOP)) * _phrase_envelope(t, phrases, rng)
    formants = _VOWEL_FORMANTS_HZ[vowel] * voice.formant_scale
    formants = np.stack(
        [_moving_average(formants[:, i], int(0.06 * sr / _CTL_HOP)) for i in range(4)], 1
    )
    return {"t": t, "cents": cents, "amp": amp, "formants": formants}


def _vibrato(tau, note, rng):
    if note.vib_pp <= 0:
        return 0.0
    onset = min(0.15, 0.3 * note.dur_s)
    fade = np.clip((tau - onset) / 0.15, 0.0, 1.0)
    phase = 2 * np.pi * note.vib_hz * tau + rng.uniform(0, 2 * np.pi)
    return 0.5 * note.vib_pp * fade * np.sin(phase)


def _ornament(tau, note, rng):
    start = note.glide_s / 2 + 0.01
    if note.ornament == "turn":
        width = rng.uniform(0.06, 0.12)
        x = np.clip((tau - start) / width, 0.0, 1.0)
        return rng.choice([-1, 1]) * rng.uniform(40.0, 150.0) * np.sin(np.pi * x) ** 2
    if note.ornament == "scoop":
        width = rng.uniform(0.06, 0.1)
        x = np.clip((tau - start) / width, 0.0, 1.0)
        return -rng.uniform(30.0, 80.0) * 0.5 * (1 + np.cos(np.pi * x)) * (tau >= 0)
    return 0.0


def _apply_glide(cents, t, prev, note):
    """Raised-cosine transition centred on ``note.start_s``."""
    a, b = np.searchsorted(t, [note.start_s - note.glide_s / 2, note.start_s + note.glide_s / 2])
    if b <= a or a == 0:
        return
    lo, hi = cents[a - 1], cents[min(b, len(cents) - 1)]
    x = (t[a:b] - t[a - 1]) / (t[min(b, len(t) - 1)] - t[a - 1])
    cents[a:b] = lo + (hi - lo) * 0.5 * (1 - np.cos(np.pi * x))


def _phrase_envelope(t, phrases, rng):
    env = np.zeros_like(t)
    for on, off in phrases:
        attack, release = rng.uniform(0.03, 0.06), rng.uniform(0.05, 0.1)
        inside = (t >= on) & (t < off)
        tau = t[inside]
        shape = np.minimum(np.clip((tau - on) / attack, 0, 1), np.clip((off - tau) / release, 0, 1))
        arc = 1.0 - 0.15 * ((tau - on) / (off - on))  # slow decay along the phrase
        env[inside] = np.sin(0.5 * np.pi * shape) ** 2 * arc
    return env


def _moving_average(x, width):
    if width <= 1:
        return x.astype(float)
    kernel = np.hanning(width + 2)[1:-1]
    padded = np.pad(x.astype(float), width, mode="edge")
    return np.convolve(padded, kernel / kernel.sum(), mode="same")[width:-width]


# --------------------------------------------------------------------- render


def _render_voice(ctl, phrases, voice, center_hz, sr, n_samples, n_partials):
    """Per-sample f0 and the harmonic voice signal of every phrase."""
    f0 = np.zeros(n_samples)
    y = np.zeros(n_samples)
    ctl_pos = np.arange(len(ctl["t"])) * _CTL_HOP
    f0_ctl = center_hz * 2.0 ** (ctl["cents"] / 1200.0)
    partial_amp = _partial_amplitudes(f0_ctl, ctl["formants"], ctl["amp"], voice, sr, n_partials)
    for on, off in phrases:
        a, b = int(np.ceil(on * sr)), min(int(np.ceil(off * sr)), n_samples)
        idx = np.arange(a, b)
        f0[a:b] = center_hz * 2.0 ** (np.interp(idx, ctl_pos, ctl["cents"]) / 1200.0)
        phase = 2 * np.pi * np.cumsum(f0[a:b]) / sr
        sin_prev, sin_cur, two_cos = np.zeros(b - a), np.sin(phase), 2 * np.cos(phase)
        for k in range(n_partials):
            y[a:b] += np.interp(idx, ctl_pos, partial_amp[k]) * sin_cur
            sin_prev, sin_cur = sin_cur, two_cos * sin_cur - sin_prev
    return f0, y


def _partial_amplitudes(f0_ctl, formants, amp, voice, sr, n_partials):
    """Amplitude of partial k on the control grid: source tilt x formant envelope.

    Each frame is normalised to unit power before ``amp`` is applied, so loudness
    follows the dynamics only (singers even out vowels); vowels change timbre.
    """
    k = np.arange(1, n_partials + 1)[:, None]
    freq = k * f0_ctl[None, :]
    envelope = np.full(freq.shape, 0.08)
    for i in range(4):
        half_bw = _FORMANT_BANDWIDTHS_HZ[i] * voice.formant_scale / 2
        envelope += voice.formant_gains[i] / (1 + ((freq - formants[None, :, i]) / half_bw) ** 2)
    rolloff = np.clip((0.45 * sr - freq) / (0.05 * sr), 0.0, 1.0)
    partials = k ** (-voice.tilt) * envelope * rolloff
    partials /= np.sqrt(np.sum(partials**2, axis=0, keepdims=True)) + 1e-12
    return amp[None, :] * partials


def _breath_noise(rng, phrases, n_samples, sr, *, level):
    """Soft band-limited breath noise in some of the gaps between phrases."""
    from scipy.signal import butter, sosfilt

    out = np.zeros(n_samples)
    sos = butter(2, [400.0, min(4000.0, 0.45 * sr)], btype="bandpass", fs=sr, output="sos")
    for (_, off), (on, _) in itertools.pairwise(phrases):
        if rng.random() < 0.3:
            continue
        a, b = int((off + 0.2 * (on - off)) * sr), int((on - 0.2 * (on - off)) * sr)
        burst = sosfilt(sos, rng.standard_normal(b - a)) * np.hanning(b - a)
        out[a:b] = burst / (np.std(burst) + 1e-12) * level * 10 ** (rng.uniform(-38, -30) / 20)
    return out


def _background_noise(rng, n_samples, sr, *, power):
    """Room-like noise of mean power ``power``: spectrum ~ 1/f^2 above 50 Hz.

    Low-frequency-heavy noise, like room tone, hum-free HVAC or handling noise.
    White or pink noise is avoided on purpose: after essentia's EqualLoudness
    filter, Melodia forms contours from it in the breaths and, when those
    outweigh the voice, drops whole sung phrases as "outliers" (measured: RPA
    0.52–0.90 on some recordings with white/pink noise, >= 0.97 with this one).
    """
    spectrum = np.fft.rfft(rng.standard_normal(n_samples))
    freqs_hz = np.fft.rfftfreq(n_samples, 1.0 / sr)
    spectrum /= np.maximum(freqs_hz, 50.0)
    noise = np.fft.irfft(spectrum, n_samples)
    return noise * np.sqrt(power / np.mean(noise**2))


# ----------------------------------------------------------------- utilities


def _write_mirex(path, times_s, f0_hz) -> None:
    np.savetxt(path, np.column_stack([times_s, f0_hz]), fmt="%.6f", delimiter=",")


def _check_int(name: str, value, minimum: int) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise MotivicError(f"{name}={value!r} must be an int >= {minimum}")


def _check_synth_args(motifs, duration_s, sr, occurrences_per_motif, n_partials) -> None:
    if len(motifs) == 0:
        raise MotivicError("motifs is empty: give at least one Motif to plant")
    if not np.isfinite(duration_s) or duration_s <= 0:
        raise MotivicError(f"duration_s={duration_s!r} must be a finite number > 0")
    _check_int("sr", sr, 8000)
    _check_int("occurrences_per_motif", occurrences_per_motif, 1)
    _check_int("n_partials", n_partials, 15)
