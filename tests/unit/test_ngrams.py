"""The symbolic motif baseline: n-gram features by hand, span selection, a planted n-gram."""

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from motivic.baselines import ngrams
from motivic.contour import Phrase
from motivic.core.errors import MotivicError


def _phrase(levels, start_s=0.0, step_s=1.0):
    """A phrase whose steps last ``step_s`` each, from ``start_s``, at ``levels`` cents."""
    t = start_s + step_s * np.arange(len(levels))
    return Phrase.from_steps(np.column_stack([t, t + step_s, levels]), epsilon=66.0)


# ---------------------------------------------------------------------------
# features by hand
# ---------------------------------------------------------------------------


def test_ngram_counts_of_a_tiny_sequence():
    counts = ngrams.ngram_counts([(1, -1, 1, 2)], n_max=3)
    assert counts == Counter(
        {
            (1,): 2,
            (-1,): 1,
            (2,): 1,
            (1, -1): 1,
            (-1, 1): 1,
            (1, 2): 1,
            (1, -1, 1): 1,
            (-1, 1, 2): 1,
        }
    )


def test_ngrams_never_cross_runs():
    counts = ngrams.ngram_counts([(1, 1), (-2,)], n_max=3)
    assert counts == Counter({(1,): 2, (-2,): 1, (1, 1): 1})
    assert ngrams.ngram_counts([(1, 2)], n_max=1) == Counter({(1,): 1, (2,): 1})


def test_ngram_counts_rejects_n_max_below_one():
    with pytest.raises(MotivicError, match="n_max"):
        ngrams.ngram_counts([(1,)], n_max=0)


def test_format_ngram_signs_every_token():
    assert ngrams.format_ngram((1, -2, 3)) == "+1,-2,+3"


def test_phrase_tokens_are_what_the_hand_says():
    # levels 0, 100, 0, 200 cents with epsilon 66: +2, -2, +4
    phrase = _phrase([0.0, 100.0, 0.0, 200.0])
    assert phrase.tokens.tolist() == [2, -2, 4]
    # token i spans step i's start to step i+1's end: [0, 2], [1, 3], [2, 4]
    assert phrase.spans.tolist() == [[0.0, 2.0], [1.0, 3.0], [2.0, 4.0]]


@pytest.mark.parametrize(
    ("start_s", "end_s", "expected"),
    [
        (1.0, 3.0, [(-2,)]),  # both bounds exactly on a span's bounds: inside
        (0.0, 3.0, [(2, -2)]),
        (0.0, 2.999, [(2,)]),  # token 1 ends 1 ms after the segment: outside
        (1.0 - 1e-7, 3.0 + 1e-7, [(-2,)]),  # within the tolerance
        (0.5, 1.9, []),  # shorter than any token
        (0.0, 4.0, [(2, -2, 4)]),
    ],
)
def test_tokens_in_span_at_the_boundaries(start_s, end_s, expected):
    phrase = _phrase([0.0, 100.0, 0.0, 200.0])
    assert ngrams.tokens_in_span([phrase], start_s, end_s) == expected


def test_tokens_in_span_keeps_phrases_apart():
    first = _phrase([0.0, 100.0, 200.0])  # +2, +2 over [0, 3]
    second = _phrase([0.0, -100.0], start_s=5.0)  # -2 over [5, 7]
    assert ngrams.tokens_in_span([first, second], 0.0, 7.0) == [(2, 2), (-2,)]
    assert ngrams.tokens_in_span([first, second], 1.0, 7.0) == [(2,), (-2,)]


def test_segment_runs_select_per_recording_and_name_a_missing_contour():
    phrases = {"r1": [_phrase([0.0, 100.0, 0.0])], "r2": [_phrase([0.0, -100.0])]}
    segments = pd.DataFrame({"recording": ["r1", "r2"], "start_s": [0.0, 0.0], "end_s": [2.0, 2.0]})
    assert ngrams.segment_runs(segments, phrases) == [[(2,)], [(-2,)]]
    with pytest.raises(MotivicError, match="r3"):
        ngrams.segment_runs(segments.assign(recording=["r1", "r3"]), phrases)


def test_clip_tokens_and_runs(tmp_path):
    path = tmp_path / "clip_patterns.tsv"
    pd.DataFrame(
        {"clip": ["c1", "c2", "ALL"], "tokens": ["-12-1", "", ""], "published": ["", "", ""]}
    ).to_csv(path, sep="\t", index=False)
    tokens = ngrams.load_clip_tokens(path)
    assert tokens == {"c1": (-1, 2, -1), "c2": ()}
    segments = pd.DataFrame({"segment_id": ["c1", "c2"], "source": ["c1", "c2"]})
    assert ngrams.clip_runs(segments, tokens) == [[(-1, 2, -1)], []]
    with pytest.raises(MotivicError, match="c9"):
        ngrams.clip_runs(segments.assign(source=["c1", "c9"]), tokens)


def test_published_runs_read_the_file_name_pattern():
    segments = pd.DataFrame({"segment_id": ["c1", "c2"], "motif_id": ["-12121", "1-1"]})
    assert ngrams.published_runs(segments) == [[(-1, 2, 1, 2, 1)], [(1, -1)]]
    with pytest.raises(MotivicError, match="c3"):
        ngrams.published_runs(pd.DataFrame({"segment_id": ["c3"], "motif_id": ["x"]}))


def test_count_matrix_orders_by_length_and_drops_unseen_features():
    rows = [Counter({"+1": 2, "+1,-1": 1}), Counter({"-1": 1, "motif:m3": 1})]
    vocab = ngrams.vocabulary(rows)
    assert vocab == ["+1", "-1", "+1,-1", "motif:m3"]
    X = ngrams.count_matrix([Counter({"+1": 3, "+2,+2": 5})], vocab)
    assert X.tolist() == [[3.0, 0.0, 0.0, 0.0]]


# ---------------------------------------------------------------------------
# model
# ---------------------------------------------------------------------------


def test_fit_logistic_with_one_class_predicts_nothing_and_checks_its_arguments():
    X, y = np.ones((4, 2)), np.zeros(4, dtype=int)
    assert ngrams.fit_logistic(X, y, X, y) == (None, None)
    for bad in ({"C_grid": []}, {"C_grid": [0.0]}, {"class_weighting": "auto"}):
        with pytest.raises(MotivicError):
            ngrams.fit_logistic(X, np.array([0, 1, 0, 1]), X, y, **bad)


PLANTED = (1, 1, -2)  # class a sings it; class b sings the same tokens as (-2, 1, 1)


def _toy_corpus(rng, n_recordings=6, segments_per_recording=8):
    """Segments of random filler tokens with the class's planted trigram in the middle."""
    rows, runs = [], []
    for label, motif in (("a", PLANTED), ("b", (-2, 1, 1))):
        for r in range(n_recordings):
            recording = f"{label}{r}"
            for k in range(segments_per_recording):
                filler = rng.choice([-3, -1, 2, 3], size=6)
                runs.append([tuple(filler[:3]) + motif + tuple(filler[3:])])
                rows.append(
                    {
                        "segment_id": f"{recording}:{k}",
                        "recording": recording,
                        "label": label,
                        "motif_id": "",
                        "start_s": float(k),
                        "end_s": k + 1.0,
                    }
                )
    return pd.DataFrame(rows), runs


def _split_by_recording(segments, path):
    """Recordings 0-3 train, 4 val, 5 test (in each class)."""
    number = segments["recording"].str[1:].astype(int)
    split = np.where(number <= 3, "train", np.where(number == 4, "val", "test"))
    pd.DataFrame({"segment_id": segments["segment_id"], "split": split}).to_csv(
        path, sep="\t", index=False
    )


def test_the_model_learns_a_planted_ngram_and_its_weights_name_it(rng, tmp_path):
    segments, runs = _toy_corpus(rng)
    _split_by_recording(segments, tmp_path / "split.tsv")
    run = ngrams.motif_ngrams_run(segments, tmp_path / "split.tsv", runs, top_k=5)
    assert run.metrics["accuracy"] == 1.0
    assert run.metrics["model"] == "motif_ngrams"
    assert run.metrics["n"] == 16
    assert len(run.predictions) == 16 and set(run.predictions["recording"]) == {"a5", "b5"}
    assert run.confusion.sum() == 16
    # the top n-gram of each class holds the junction only its own motif has
    top = run.weights[run.weights["rank"] == 1].set_index("label")["feature"]
    assert "+1,-2" in top["a"] and "-2,+1" in top["b"]
    assert (run.weights["weight"] > 0).all()
    # recording level: one row per test recording, both right
    assert run.metrics["recording_level_n"] == 2
    assert run.metrics["recording_level_accuracy"] == 1.0
    assert run.recordings["recording"].tolist() == ["a5", "b5"]


@pytest.mark.filterwarnings("ignore:recording_vote")  # shuffled: recordings of mixed labels
def test_shuffled_toy_labels_are_not_learned(rng, tmp_path):
    segments, runs = _toy_corpus(rng)
    order = rng.permutation(len(runs))
    segments = segments.assign(label=segments["label"].to_numpy()[order])
    _split_by_recording(segments, tmp_path / "split.tsv")
    run = ngrams.motif_ngrams_run(segments, tmp_path / "split.tsv", runs, top_k=1)
    assert run.metrics["accuracy"] < 0.9


def test_motif_id_indicators_are_optional_features(rng, tmp_path):
    segments, runs = _toy_corpus(rng)
    segments["motif_id"] = np.where(segments["label"] == "a", "m1", "m2")
    _split_by_recording(segments, tmp_path / "split.tsv")
    plain = ngrams.motif_ngrams_run(segments, tmp_path / "split.tsv", runs)
    with_ids = ngrams.motif_ngrams_run(segments, tmp_path / "split.tsv", runs, motif_ids=True)
    assert with_ids.metrics["n_features"] == plain.metrics["n_features"] + 2
    assert not plain.weights["feature"].str.startswith("motif:").any()


def test_run_rejects_runs_of_another_length(rng, tmp_path):
    segments, runs = _toy_corpus(rng)
    with pytest.raises(MotivicError, match="token runs"):
        ngrams.motif_ngrams_run(segments, tmp_path / "split.tsv", runs[:-1])
