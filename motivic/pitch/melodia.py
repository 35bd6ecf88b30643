"""Melodia backend: essentia's ``PredominantPitchMelodia``.

Salamon & Gómez, "Melody extraction from polyphonic music signals using pitch contour
characteristics", IEEE TASLP 2012; the extractor used by Arronte Alvarez & Gómez (IJIMAI 2021).
"""

from __future__ import annotations

import numpy as np

__all__ = ["EQUAL_LOUDNESS_SR", "melodia_f0"]

#: Rates essentia's ``EqualLoudness`` has filters for.
EQUAL_LOUDNESS_SR = (8000, 16000, 32000, 44100, 48000)


def melodia_f0(
    y: np.ndarray,
    *,
    sr: int,
    hop_length: int,
    frame_size: int,
    fmin_hz: float,
    fmax_hz: float,
    voicing_tolerance: float,
    equal_loudness: bool,
) -> np.ndarray:
    """f0 in Hz per frame (0 = unvoiced), frame ``i`` centred on sample ``i * hop_length``.

    Parameters are those of :func:`motivic.pitch.extract_pitch`, already validated.
    """
    import essentia
    import essentia.standard as es

    essentia.log.infoActive = False
    signal = np.ascontiguousarray(y, dtype=np.float32)
    if equal_loudness:
        signal = es.EqualLoudness(sampleRate=float(sr))(signal)
    melodia = es.PredominantPitchMelodia(
        sampleRate=float(sr),
        hopSize=int(hop_length),
        frameSize=int(frame_size),
        minFrequency=float(fmin_hz),
        maxFrequency=float(fmax_hz),
        voicingTolerance=float(voicing_tolerance),
        guessUnvoiced=False,
    )
    f0, _confidence = melodia(signal)
    return np.maximum(np.asarray(f0, dtype=np.float64), 0.0)
