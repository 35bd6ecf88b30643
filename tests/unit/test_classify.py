import numpy as np
import pandas as pd

from motivic.apps.classify import find_motifs
from motivic.contour import Phrase


def _phrase(tokens, step_s=0.2):
    levels = np.concatenate([[0.0], np.cumsum([66.0 * abs(t) * np.sign(t) - 10 * np.sign(t) for t in tokens])])
    starts = np.arange(levels.size) * step_s
    return Phrase.from_steps(np.column_stack([starts, starts + step_s, levels]))


def test_find_motifs_matches_contiguous_tokens_with_time_spans():
    phrase = _phrase([1, 2, -1, 1, 2, -1, 3])
    assert phrase.tokens.tolist() == [1, 2, -1, 1, 2, -1, 3]
    dictionary = pd.DataFrame({"motif_id": ["m1", "m2"], "pattern": ["+1,+2,-1", "+2,-1,+3"]})
    found = find_motifs([phrase], dictionary, min_duration_s=0.0)
    assert found[["motif_id", "start_token"]].values.tolist() == [["m1", 0], ["m1", 3], ["m2", 4]]
    # tokens i..j sound from the start of step i to the end of step j + 1
    np.testing.assert_allclose(found.loc[0, ["start_s", "end_s"]].astype(float), [0.0, 0.8])


def test_find_motifs_drops_short_occurrences_and_handles_no_match():
    phrase = _phrase([1, 2, -1, 1], step_s=0.1)
    dictionary = pd.DataFrame({"motif_id": ["m1", "m9"], "pattern": ["+1,+2,-1", "+4,+4,+4"]})
    assert len(find_motifs([phrase], dictionary, min_duration_s=0.35)) == 1
    assert find_motifs([phrase], dictionary, min_duration_s=0.5).empty
