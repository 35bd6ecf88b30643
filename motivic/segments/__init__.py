"""Stage 5, ``select_segments``: motif occurrences as segments, and the non-motivic controls.

:mod:`.selection` turns the collection's motif occurrences into motivic
segments (overlaps merged, the paper's 0.5 s minimum) and draws the
duration-matched control segments from the voiced, motif-free parts of the
same recordings.
"""
