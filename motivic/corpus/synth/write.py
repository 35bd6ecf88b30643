"""Synthetic recordings and the demo corpus on disk, with their ground truth.

:func:`synth_recording` plans (:mod:`motivic.corpus.synth.score`) and renders
(:mod:`motivic.corpus.synth.render`) one recording; :func:`make_corpus` writes a whole
corpus (audio, MIREX f0, planted motifs, ``metadata.csv``).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from motivic.core.errors import MotivicError
from motivic.core.io import atomic_path
from motivic.corpus.synth.render import (
    _background_noise,
    _breath_noise,
    _control_tracks,
    _render_voice,
)
from motivic.corpus.synth.score import (
    HardFactors,
    Motif,
    PlantedMotif,
    Voice,
    _check_int,
    _occurrences,
    _place_notes,
    _plan_recording,
    make_motifs,
    make_voice,
    recording_ids,
)

logger = logging.getLogger(__name__)

_F0_HOP_LENGTH = 256


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
        rng,
        motifs,
        voice,
        duration_s=duration_s,
        occurrences=occurrences_per_motif,
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
    workers: int = 1,
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
    workers : int >= 1
        Processes rendering recordings at once; the files are the same for any number.

    Returns
    -------
    metadata : pandas.DataFrame
        The rows of ``metadata.csv``.
    """
    _check_int("singers_per_class", singers_per_class, 1)
    _check_int("workers", workers, 1)
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
    recording = functools.partial(
        _write_recording,
        out,
        seed=seed,
        vocabulary=vocabulary,
        singers_per_class=singers_per_class,
        singers_sing_every_style=singers_sing_every_style,
        motifs_per_recording=motifs_per_recording,
        min_duration_s=min_duration_s,
        max_duration_s=max_duration_s,
        sr=sr,
        hard=hard,
    )
    # each recording derives only from (seed, class, index): the files do not depend on how
    # many processes write them
    parallel = workers > 1
    rows = []
    with (
        concurrent.futures.ProcessPoolExecutor(max_workers=workers)
        if parallel
        else contextlib.nullcontext()
    ) as pool:
        for done, row in enumerate((pool.map if parallel else map)(recording, ids), start=1):
            rows.append(row)
            if progress is not None:
                progress(done, len(ids))
    metadata = pd.DataFrame(rows, columns=["path", "label", "group", "recording"])
    with atomic_path(out / "metadata.csv") as tmp:
        metadata.to_csv(tmp, index=False)
    logger.info("wrote %d synthetic recordings (%d classes) to %s", len(ids), n_classes, out)
    return metadata


def _write_recording(
    out: Path,
    rid: str,
    *,
    seed: int,
    vocabulary,
    singers_per_class: int,
    singers_sing_every_style: bool,
    motifs_per_recording: int | None,
    min_duration_s: float,
    max_duration_s: float,
    sr: int,
    hard,
) -> dict:
    """Render recording ``rid`` of :func:`make_corpus` and write its audio, f0 and planted
    motifs; returns its ``metadata.csv`` row."""
    import soundfile as sf

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
    return {"path": f"audio/{rid}.wav", "label": label, "group": singer, "recording": rid}


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


# ----------------------------------------------------------------- utilities


def _write_mirex(path, times_s, f0_hz) -> None:
    np.savetxt(path, np.column_stack([times_s, f0_hz]), fmt="%.6f", delimiter=",")


def _check_synth_args(motifs, duration_s, sr, occurrences_per_motif, n_partials) -> None:
    if len(motifs) == 0:
        raise MotivicError("motifs is empty: give at least one Motif to plant")
    if not np.isfinite(duration_s) or duration_s <= 0:
        raise MotivicError(f"duration_s={duration_s!r} must be a finite number > 0")
    _check_int("sr", sr, 8000)
    _check_int("occurrences_per_motif", occurrences_per_motif, 1)
    _check_int("n_partials", n_partials, 15)
