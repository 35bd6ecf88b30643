"""Sound of a synthetic recording: control tracks, a harmonic voice, breaths and noise.

Takes the notes planned by :mod:`motivic.corpus.synth.score` and renders them: cents,
amplitude and formant tracks on a control grid, a phase-continuous bank of
partials under vowel-like formant envelopes, breath noise in the gaps and
room-like background noise.
"""

from __future__ import annotations

import itertools

import numpy as np

_CTL_HOP = 32  # control-rate hop (samples) for f0, amplitude and formant tracks

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
