"""The motif browser: one static HTML page to see, hear and compare the mined motifs.

``results/browser/index.html`` opens from disk (``file://``) and fetches nothing: CSS,
JavaScript and the figures (SVG) are inline, and the audio snippets are WAV files written
beside the page (``audio/``). Per class, its distinctive motifs (:mod:`motivic.mining.distinctive`)
with pattern, kind, support, coherence, an overlay of their occurrences' pitch contours, a few
audio players and, with trained models, each motif's test accuracy; per recording, a timeline
of f0, steps and motif occurrences. The page filters by class and kind and sorts its columns.

Layout: :mod:`.gather` (tables and tracks -> :class:`~.gather.BrowserData`, pure),
:mod:`.snippets` (which audio to cut, cutting, WAV output), :mod:`.svg` (inline figures) and
:mod:`.page` (the HTML, every text escaped).
"""
