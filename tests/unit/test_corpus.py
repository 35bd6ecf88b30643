import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from motivic.core.errors import MotivicError
from motivic.corpus.recordings import read_metadata, recording_id


@pytest.mark.parametrize(
    "path, expected_prefix",
    [("AM/D0001_a.wav", "AM__D0001_a"), ("take.flac", "take"), ("a b/ñandú.wav", "a_b__nandu-")],
)
def test_recording_id_examples(path, expected_prefix):
    assert recording_id(path).startswith(expected_prefix)


def test_recording_id_same_name_in_two_folders_differs():
    assert recording_id("x/take.wav") != recording_id("y/take.wav")


@given(st.text(min_size=1, max_size=30).filter(lambda s: "\x00" not in s))
def test_recording_id_is_safe(name):
    rid = recording_id(f"folder/{name}.wav")
    assert rid and all(c.isascii() and (c.isalnum() or c in "_-") for c in rid)


def test_read_metadata_derives_unique_ids_and_groups(tmp_path):
    sheet = tmp_path / "meta.csv"
    pd.DataFrame(
        {
            "path": ["x/take.wav", "x__take.wav", "song 1.wav"],
            "label": ["a", "b", "a"],
            "group": ["g", "", "h"],
        }
    ).to_csv(sheet, index=False)
    table = read_metadata(sheet)
    assert table["recording"].is_unique
    assert table.loc[1, "group"] == table.loc[1, "recording"]
    assert list(table.columns[:4]) == ["recording", "path", "label", "group"]


@pytest.mark.parametrize(
    "content, match",
    [
        ("file,label\na.wav,x\n", "missing column"),
        ("path,label\na.wav,x\na.wav,y\n", "listed twice"),
    ],
)
def test_read_metadata_errors_name_the_file(tmp_path, content, match):
    sheet = tmp_path / "meta.csv"
    sheet.write_text(content)
    with pytest.raises(MotivicError, match=match) as info:
        read_metadata(sheet)
    assert str(sheet) in str(info.value)


def test_read_metadata_missing_file(tmp_path):
    with pytest.raises(MotivicError, match="does not exist"):
        read_metadata(tmp_path / "none.csv")


def test_read_metadata_keeps_bad_rows_for_validation_to_report(tmp_path):
    """Blank labels and missing files are not fatal here: validation reports them row by row."""
    sheet = tmp_path / "meta.csv"
    sheet.write_text(
        'path,label\ncantaor ñ/toná 1.wav,\nmissing.wav,unknown\n" padded.wav ",debla\n'
    )
    table = read_metadata(sheet)
    assert list(table["label"]) == ["", "unknown", "debla"]
    assert list(table["path"]) == ["cantaor ñ/toná 1.wav", "missing.wav", "padded.wav"]
    assert table["recording"].str.fullmatch(r"[A-Za-z0-9_-]+").all()
