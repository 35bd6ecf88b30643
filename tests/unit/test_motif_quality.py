import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from motivic.mining.recall import interval_iou, motif_quality


def test_interval_iou_hand_values():
    iou = interval_iou(np.array([[0.0, 2.0]]), np.array([[1.0, 3.0], [2.0, 4.0], [0.0, 2.0]]))
    np.testing.assert_allclose(iou, [[1 / 3, 0.0, 1.0]])


@given(
    st.lists(st.tuples(st.floats(0, 10), st.floats(0.01, 5)), min_size=1, max_size=5),
    st.lists(st.tuples(st.floats(0, 10), st.floats(0.01, 5)), min_size=1, max_size=5),
)
def test_interval_iou_matches_scalar_reference(a, b):
    a = np.array([(s, s + d) for s, d in a])
    b = np.array([(s, s + d) for s, d in b])
    got = interval_iou(a, b)
    for i, (s1, e1) in enumerate(a):
        for j, (s2, e2) in enumerate(b):
            inter = max(0.0, min(e1, e2) - max(s1, s2))
            union = (e1 - s1) + (e2 - s2) - inter
            assert abs(got[i, j] - inter / union) < 1e-9


def test_motif_quality_counts_recall_and_precision():
    planted = pd.DataFrame({"recording": ["r1", "r1", "r2"], "start_s": [0.0, 5.0, 1.0], "end_s": [1.0, 6.0, 2.0]})
    mined = pd.DataFrame(
        {
            "motif_id": ["m1", "m1", "m2", "m3"],
            "recording": ["r1", "r1", "r1", "r2"],
            "start_s": [0.1, 5.0, 8.0, 1.6],
            "end_s": [1.0, 6.2, 9.0, 2.6],
        }
    )
    table = motif_quality(planted, mined, {"r1": "a", "r2": "b"}).set_index("label")
    assert table.loc["ALL", "n_recalled"] == 2
    assert table.loc["a", "recall"] == 1.0
    assert table.loc["b", "recall"] == 0.0
    assert table.loc["ALL", "n_motifs"] == 3
    assert table.loc["ALL", "n_matched_motifs"] == 1
    assert table.loc["a", "n_motifs"] == 2
