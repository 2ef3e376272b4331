"""The HTML report renders in a real browser: headless Chromium, offline, no JS error.

Opens the page ``jaxnp-report --format html`` writes for a small synthetic asv results
tree in headless Chromium (tests/chromium.py: Debian's ``chromium`` and ``chromium-driver``,
installed by the test set-up when missing; nothing downloads a browser) and asserts
that every chart image decoded, the browser logged no error and the page asked for
nothing but itself and its inline ``data:`` images.  A screenshot is saved under
``$JAXNP_ARTIFACTS`` (default: ``artifacts/report-html`` in the repository) for a human
look.
"""

import os
import pathlib
import shutil

import chromium
import pytest
from test_report import three_releases

from jaxnp_kernels.report import cli

REPO = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture
def browser():
    driver = chromium.start("1400,2000")
    yield driver
    driver.quit()


def test_html_report_renders_offline_in_headless_chromium(tmp_path, browser):
    page = tmp_path / "report.html"
    assert cli.main([str(three_releases(tmp_path)), "--format", "html", "-o", str(page)]) == 1

    browser.get(page.as_uri())
    assert "jaxnp-bench report" in browser.title
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth, i.naturalHeight]);")
    assert len(images) >= 3  # speedup heatmap, speedup across releases, timing ratios
    for alt, complete, width, height in images:
        assert complete and width > 100 and height > 100, f"chart {alt!r} did not decode"
    headings = browser.execute_script("return Array.from(document.querySelectorAll('h2')).map(h => h.textContent);")
    assert any("0.4.31 → 0.5.3" in h for h in headings)
    assert any("Claims scorecard" in h for h in headings)
    assert browser.find_elements("css selector", "tr.regression"), "the injected regression is not shown"

    assert chromium.severe_errors(browser) == []
    urls = chromium.requested_urls(browser)
    assert page.as_uri() in urls  # the network log works, so an empty list below means something
    external = [url for url in urls if not url.startswith(("file:", "data:"))]
    assert external == []

    artifacts = pathlib.Path(os.environ.get("JAXNP_ARTIFACTS", REPO / "artifacts")) / "report-html"
    artifacts.mkdir(parents=True, exist_ok=True)
    shutil.copy(page, artifacts / "report.html")
    assert browser.save_screenshot(str(artifacts / "report.png"))
    assert (artifacts / "report.png").stat().st_size > 10_000
