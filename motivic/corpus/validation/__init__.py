"""Corpus validation: check every recording before any compute, and say what was wrong.

The first step of the workflow reads the recordings sheet and inspects each
audio file once: its header (rate, channels, length), then one streaming decode
(bounded memory, whatever the file's length) that yields the peak level,
clipping, non-finite samples and a SHA-1 of the decoded audio. Each row of the
sheet gets a status:

``ok``
    Used as is (the message still says rate, channels and length).
``warning``
    Used, but something deserves a look: a truncated WAV (the readable part is
    used), a low sampling rate, a very quiet or clipped signal, the kept copy of
    duplicated audio.
``error``
    Excluded from the run, which goes on with the other recordings: missing,
    empty or undecodable files, digital silence, too short or too long, a
    blank or placeholder label, an excluded duplicate.

**Duplicates and leakage.** Two rows whose decoded audio (mono float32 at the
native rate) hashes to the same SHA-1 hold the same content, whatever their file
names, formats (WAV vs FLAC of the same PCM) or labels. ``duplicates`` decides:
``keep-first`` keeps the first row of each group in sheet order and excludes the
others, ``drop`` excludes every copy (use it when copies carry conflicting
labels and you trust neither), ``error`` stops the run, ``keep`` keeps every copy
(flagged ``duplicate_kept``; only to reproduce a protocol that kept them, e.g. the
clip-level evaluation of config/authors-protocol.yaml). With ``keep-first`` and
``drop`` at most one copy of any content reaches the later stages, so no content
can fall into two splits; in clips mode copies also share a passage, which every
split but the clip-level ones keeps whole. Content resampled, re-encoded lossily or re-gained is
not recognised as a duplicate.

Recordings that pass validation but yield no motif (no voiced frames, nothing
repeated) are reported after mining by :func:`no_motif_report`.

Layout: :mod:`.files` checks one audio file and one label; :mod:`.corpus` checks a
recordings sheet (paths, duplicates) and reads and writes the report.
"""

from motivic.corpus.validation.files import STATUSES, AudioCheck, check_audio, check_label
from motivic.corpus.validation.sheet import (
    DUPLICATE_POLICIES,
    NO_MOTIF_COLUMNS,
    OUTSIDE_ROOT_POLICIES,
    REPORT_COLUMNS,
    good_recordings,
    load_report,
    no_motif_report,
    outside_root,
    require_usable,
    validate_corpus,
    write_report,
)

__all__ = [
    "DUPLICATE_POLICIES",
    "NO_MOTIF_COLUMNS",
    "OUTSIDE_ROOT_POLICIES",
    "REPORT_COLUMNS",
    "STATUSES",
    "AudioCheck",
    "check_audio",
    "check_label",
    "good_recordings",
    "load_report",
    "no_motif_report",
    "outside_root",
    "require_usable",
    "validate_corpus",
    "write_report",
]
