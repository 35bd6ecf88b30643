import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motivic.corpus.passages import passage_clusters, window_hashes
from motivic.splits import make_folds, merge_units


def _reference(clips, rates, window, min_correlation=0.99):
    """Every pair, every shift: shared overlap of >= 2 * window samples equal up to a gain."""
    n = len(clips)
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if rates[i] != rates[j]:
                continue
            a, b = clips[i].astype(float), clips[j].astype(float)
            for shift in range(-len(a) + 1, len(b)):
                start, stop = max(0, -shift), min(len(a), len(b) - shift)
                if stop - start < 2 * window:
                    continue
                x, y = a[start:stop], b[start + shift : stop + shift]
                norm = np.sqrt(np.dot(x, x) * np.dot(y, y))
                if (
                    norm > 0
                    and np.dot(x, y) / norm >= min_correlation
                    and np.all(np.sign(x) == np.sign(y))
                ):
                    ri, rj = find(i), find(j)
                    parent[max(ri, rj)] = min(ri, rj)
                    break
    return np.array([find(i) for i in range(n)])


def test_window_hashes_equal_for_equal_signs_only(rng):
    x = rng.standard_normal(400).astype(np.float32)
    hashes = window_hashes(np.concatenate([x, 3.0 * x]), 100)
    assert hashes[0] == hashes[400]  # the same window at another gain
    assert len(set(hashes[:300].tolist())) == 300


def test_nested_and_overlapping_cuts_at_other_gains_are_one_passage(rng):
    phrase = rng.standard_normal(20000).astype(np.float32)
    other = rng.standard_normal(9000).astype(np.float32)
    clips = [
        phrase[2000:12000],  # the longest cut
        0.5 * phrase[4000:9000],  # nested, normalised differently
        phrase[10000:16000],  # overlaps the first by 2000 samples only
        other,  # another phrase
        phrase[17000:19000],  # the same phrase, but no audio shared with any other cut
    ]
    clusters = passage_clusters(clips, [22050] * 5)
    assert clusters[0] == clusters[1] == clusters[2]
    assert len({clusters[0], clusters[3], clusters[4]}) == 3
    # another native rate is never compared
    assert len(set(passage_clusters(clips[:2], [22050, 44100]).tolist())) == 2


@settings(max_examples=25, deadline=None)
@given(
    cuts=st.lists(st.tuples(st.integers(0, 1500), st.integers(300, 1500)), min_size=1, max_size=5),
    n_noise=st.integers(0, 2),
    seed=st.integers(0, 2**16),
)
def test_passage_clusters_agree_with_the_reference(cuts, n_noise, seed):
    rng = np.random.default_rng(seed)
    phrase = rng.standard_normal(3000).astype(np.float32)
    clips = [
        phrase[start : start + length] * np.float32(rng.uniform(0.2, 2)) for start, length in cuts
    ]
    clips += [
        rng.standard_normal(int(rng.integers(300, 1500))).astype(np.float32) for _ in range(n_noise)
    ]
    window = 64
    fast = passage_clusters(clips, [8000] * len(clips), window=window)
    slow = _reference(clips, [8000] * len(clips), window)
    # the same partition (cluster ids are each component's first member in both)
    assert fast.tolist() == slow.tolist()


def test_merge_units_joins_groups_a_passage_spans():
    units = pd.Series(["r1", "r1", "r2", "r3", "r4"])
    links = pd.Series(["p", "q", "q", "s", ""])
    assert merge_units(units, links).tolist() == ["r1+r2", "r1+r2", "r1+r2", "r3", "r4"]


def _clip_segments(rng, n_passages=12, cuts=3):
    """Clip segments of 3 labels: each passage cut several times, spread over 4 recordings per label."""
    rows = []
    for p in range(n_passages):
        label = "abc"[p % 3]
        recording = f"{label}{p % 4}"
        for c in range(cuts):
            rows.append(
                {
                    "segment_id": f"p{p}c{c}",
                    "source": f"p{p}c{c}",
                    "recording": recording,
                    "group": recording,
                    "label": label,
                    "start_s": 0.0,
                    "end_s": 0.5,
                    "content": f"p{p}c{c}",
                    "passage": f"p{p}",
                }
            )
    # one passage also filed under the other recording of its label
    rows[-1]["recording"] = rows[-1]["group"] = "c0"
    return pd.DataFrame(rows)


@pytest.mark.parametrize("strategy", ["random", "group", "logo", "group_kfold"])
def test_nested_cuts_of_one_passage_never_straddle_a_split(rng, strategy):
    # planted: nested cuts of one waveform, clustered by their audio, then split
    phrase = rng.standard_normal(30000).astype(np.float32)
    clips = [phrase[1000 * k : 20000 - 1000 * k] for k in range(4)]
    assert len(set(passage_clusters(clips, [22050] * 4).tolist())) == 1
    segs = _clip_segments(rng)
    plan = make_folds(segs, strategy=strategy, seed=1, folds=2, repeats=3, group_column="recording")
    for column in plan.assignments:
        per_passage = plan.assignments[column].groupby(segs["passage"]).nunique()
        assert (per_passage == 1).all(), column


def test_clip_level_strategies_let_passages_straddle(rng):
    segs = _clip_segments(rng, n_passages=30)
    plan = make_folds(segs, strategy="random_clips", seed=0, repeats=3)
    straddling = [
        (plan.assignments[c].groupby(segs["passage"]).nunique() > 1).any() for c in plan.assignments
    ]
    assert any(straddling)
