import numpy as np
import pandas as pd

from motivic.features import feature_params, mel_filterbank, native_fmax
from motivic.report.protocols import format_protocol_table, protocol_table


def test_protocol_table_differences_follow_the_splits():
    rows = []
    for model, accs in {"mfcc_svm": [0.98, 0.97, 0.9, 0.7], "net": [0.8, 0.8, 0.75, 0.5]}.items():
        for split, acc in zip(["random_clips", "random_contents", "random", "logo"], accs):
            rows.append(
                {
                    "model": model,
                    "dataset": "motivic",
                    "split": split,
                    "accuracy": acc,
                    "accuracy_ci_low": acc - 0.1,
                    "accuracy_ci_high": acc + 0.05,
                    "majority_rate": 0.4,
                    "n_test_recordings": 9,
                }
            )
    table = protocol_table(pd.DataFrame(rows)).set_index("model")
    assert np.isclose(table.at["mfcc_svm", "from_copies"], 0.98 - 0.97)
    assert np.isclose(table.at["mfcc_svm", "from_passages"], 0.97 - 0.9)
    assert np.isclose(table.at["net", "from_recording"], 0.75 - 0.5)
    text = format_protocol_table(table.reset_index())
    assert "random over files (authors' protocol" in text and "+0.250" in text


def test_null_fmax_follows_the_native_rate_and_leaves_no_empty_band():
    cfg = {"sr": 44100, "n_mels": 128, "win_s": 0.025, "hop_s": 0.025, "fmax_hz": None}
    params = feature_params(**native_fmax(cfg, ["22050", "", 44100]))
    assert params["fmax_hz"] == 11025.0
    bank = mel_filterbank(params["sr"], params["n_fft"], params["n_mels"], 0.0, params["fmax_hz"])
    bins = np.fft.rfftfreq(params["n_fft"], 1 / params["sr"])
    # every band has weight below the clips' Nyquist frequency
    assert (bank[:, bins < 11025].sum(axis=1) > 0).all()
    assert native_fmax({**cfg, "fmax_hz": 8000.0}, [22050])["fmax_hz"] == 8000.0
