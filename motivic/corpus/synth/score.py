"""The score of a synthetic recording: motif vocabularies, voices, notes in time.

Everything here decides *what* is sung (intervals, durations, phrases, vibrato and
ornament settings per note); :mod:`motivic.corpus.synth.render` turns the notes into sound.
Why the motif notes look the way they do is explained in :mod:`motivic.corpus.synth`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from motivic.core.errors import MotivicError

#: Interval sizes motifs are made of, each >= 33 cents from a class boundary.
MOTIF_INTERVALS_CENTS = (100, 165, 300, 400, 500)
_MOTIF_INTERVAL_WEIGHTS = np.array([0.36, 0.22, 0.2, 0.13, 0.09])
_EPSILON_CENTS = 66.0
_RANGE_CENTS = (-600.0, 800.0)  # melodic range around a recording's centre pitch
_MIN_BOUNDARY_CENTS = 100.0  # filler <-> motif intervals at least this large
_MOTIF_GLIDE_S = (0.035, 0.05)  # clean raised-cosine transitions around motif notes

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
                    notes,
                    rng,
                    occ_motifs[k],
                    occ=k,
                    phrase=p,
                    tempo=tempos[k],
                    cents=cents,
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


def _check_int(name: str, value, minimum: int) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise MotivicError(f"{name}={value!r} must be an int >= {minimum}")
