"""The motif browser in a real browser: headless Chromium driven by selenium, page opened from disk.

Skips, saying why, where selenium, ``chromium`` or ``chromedriver`` is missing (Debian:
``apt-get install chromium chromium-driver``; .ci/run installs them when it runs as root).
"""

from __future__ import annotations

import io
import shutil

import numpy as np
import pytest
import soundfile as sf

webdriver = pytest.importorskip(
    "selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')"
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="headless Chromium test needs chromium and chromedriver on PATH "
    "(Debian: apt-get install chromium chromium-driver)",
)
# Headless, sandbox off (root in CI containers), and no traffic of Chromium's own.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)
# Waits for every <audio> of the page to load (canplaythrough) or fail (error), in the page.
AUDIO_CHECK = """
const done = arguments[arguments.length - 1];
const players = Array.from(document.querySelectorAll("audio"));
Promise.all(players.map((audio) => new Promise((resolve) => {
  const report = (ok) => resolve({src: audio.currentSrc || audio.src, ok: ok,
    error: audio.error ? audio.error.code : null, duration: audio.duration});
  if (audio.readyState >= 4) { report(true); return; }
  audio.addEventListener("canplaythrough", () => report(true), {once: true});
  audio.addEventListener("error", () => report(false), {once: true});
  audio.preload = "auto";
  audio.load();
}))).then(done);
"""


@pytest.fixture(scope="module")
def driver(tmp_path_factory, fixture_page):
    monkey = pytest.MonkeyPatch()
    monkey.setenv("SE_OFFLINE", "true")  # selenium never looks for drivers online
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    chrome.set_script_timeout(30)
    out, _ = fixture_page
    chrome.get((out / "index.html").as_uri())
    yield chrome
    chrome.quit()
    monkey.undo()


def _visible_rows(driver):
    rows = driver.find_elements(By.CSS_SELECTOR, "#motifs tbody tr")
    return [r for r in rows if r.is_displayed()]


def test_no_console_errors(driver):
    assert driver.execute_script("return document.readyState") == "complete"
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors


def test_motif_table_has_a_row_per_motif(driver, fixture_page):
    _, data = fixture_page
    rows = driver.find_elements(By.CSS_SELECTOR, "#motifs tbody tr")
    assert len(rows) == len(data.motifs) > 0
    assert [r.get_attribute("data-motif") for r in rows] == [v.motif_id for v in data.motifs]
    assert driver.find_elements(By.CSS_SELECTOR, "#motifs svg.overlay path")
    assert len(driver.find_elements(By.CSS_SELECTOR, ".timeline-card svg")) == len(data.timelines)


def test_every_audio_source_exists_and_decodes(driver, fixture_page):
    out, data = fixture_page
    results = driver.execute_async_script(AUDIO_CHECK)
    expected = [s for v in data.motifs for s in v.snippets]
    assert len(results) == len(expected) > 0
    assert all(r["ok"] and r["error"] is None and r["duration"] > 0 for r in results), results
    for snippet in expected:  # the files themselves: mono 16-bit WAV, the occurrence inside
        info = sf.info(out / snippet.file)
        assert (info.channels, info.subtype, info.samplerate) == (1, "PCM_16", 22050)
        samples, _ = sf.read(out / snippet.file)
        # the whole occurrence, and the context where the recording has it
        assert snippet.occurrence_end_s - snippet.start_s <= info.duration + 0.01
        assert info.duration <= snippet.end_s - snippet.start_s + 0.01
        assert np.abs(samples).max() > 0.05  # the tone, not silence


def test_filters_by_class_and_kind(driver, fixture_page):
    _, data = fixture_page
    classes, kinds = (
        Select(driver.find_element(By.ID, "class-filter")),
        Select(driver.find_element(By.ID, "kind-filter")),
    )
    classes.select_by_value("B")
    shown = _visible_rows(driver)
    assert shown and {r.get_attribute("data-label") for r in shown} == {"B"}
    cards = driver.find_elements(By.CSS_SELECTOR, ".timeline-card")
    assert {c.get_attribute("data-label") for c in cards if c.is_displayed()} == {"B"}
    kinds.select_by_value("oscillation")
    shown = _visible_rows(driver)
    expected = [
        v.motif_id for v in data.motifs if v.label == "B" and v.fields["kind"] == "oscillation"
    ]
    assert [r.get_attribute("data-motif") for r in shown] == expected
    classes.select_by_value("")
    kinds.select_by_value("")
    assert len(_visible_rows(driver)) == len(data.motifs)


def test_sorting_by_a_column(driver):
    header = next(
        th
        for th in driver.find_elements(By.CSS_SELECTOR, "#motifs thead th")
        if th.text.startswith("Log-odds")
    )
    header.click()  # ascending z
    values = [
        float(r.find_elements(By.TAG_NAME, "td")[10].get_attribute("data-value"))
        for r in _visible_rows(driver)
    ]
    assert values == sorted(values)
    header.click()  # descending
    again = [
        float(r.find_elements(By.TAG_NAME, "td")[10].get_attribute("data-value"))
        for r in _visible_rows(driver)
    ]
    assert again == sorted(values, reverse=True)


def test_screenshot_is_not_blank(driver):
    from PIL import Image

    image = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    colours = np.unique(np.asarray(image).reshape(-1, 3), axis=0)
    assert len(colours) > 64, f"{len(colours)} distinct colours: a blank or unstyled page"
