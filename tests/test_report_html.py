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
from test_report import TIME, samples, three_releases, write_tree

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


@pytest.fixture
def window_1400():
    driver = chromium.start("1400,1000")
    yield driver
    driver.quit()


CHART_DOTS = """
return Array.from(document.querySelectorAll('svg.chart')).map(svg => [
    svg.getAttribute('aria-label'),
    Array.from(svg.querySelectorAll('circle')).map(c => c.getAttribute('fill')),
    Array.from(svg.querySelectorAll('text')).map(t => t.textContent)]);
"""


def test_landing_page_answers_first_offline(tmp_path, window_1400):
    """The site's first page: the newest pair's verdict table on screen without scrolling in a
    1400x1000 window, its NumPy control, a chart per workload with the releases on the x-axis in
    version order, the speedups, and links into asv's pages; nothing loaded from anywhere."""
    page = tmp_path / "index.html"
    assert cli.main([str(three_releases(tmp_path)), "--format", "landing", "-o", str(page)]) == 1
    browser = window_1400
    browser.get(page.as_uri())
    assert "jaxnp-bench" in browser.title
    top, bottom, viewport = browser.execute_script(
        "var r = document.querySelector('table.verdicts').getBoundingClientRect();"
        "return [r.top, r.bottom, window.innerHeight];")
    assert viewport > 800 and 0 < top < bottom <= viewport   # the window's page area: 1400x857
    rows = browser.execute_script("return Array.from(document.querySelectorAll('table.verdicts tr'))"
                                  ".slice(1).map(r => [r.className, r.cells[1].textContent]);")
    # 0.5.3 -> 0.10.2: jax_jit 2x faster, its speedup too (the injected change), its XLA temporaries
    # gone (exact bytes); NumPy unchanged, so not a row: it is the control
    assert sorted(rows) == [["improvement", "bench_elementwise.FusedChain.time_run(jax_jit, M, float32)"],
                            ["improvement", "bench_memory.Memory.track_intermediate_bytes(fused_chain/jax_jit)"],
                            ["improvement", "bench_speedup.Speedup.track_vs_numpy(fused_chain/jax_jit, float32)"]]
    body = browser.find_element("css selector", "body").text
    assert "JAX 0.5.3 → 0.10.2" in body and "NumPy control" in body and "0 of 1 NumPy timings" in body
    charts = browser.execute_script(CHART_DOTS)
    assert len(charts) == 1
    label, dots, texts = charts[0]
    assert label.startswith("fused_chain")
    assert len(dots) == 6 and len(set(dots)) == 2               # 3 releases x (jax_jit, numpy)
    releases = [t for t in texts if t in ("0.4.31", "0.5.3", "0.10.2")]
    assert releases == ["0.4.31", "0.5.3", "0.10.2"]
    speedup_row = browser.execute_script(
        "return Array.from(document.querySelectorAll('tr')).map(r => r.textContent)"
        ".filter(t => t.startsWith('fused_chain/jax_jit'));")
    assert speedup_row == ["fused_chain/jax_jit2x1.33x2.67x"]
    links = browser.execute_script("return Array.from(document.links).map(a => a.getAttribute('href'));")
    assert {"asv.html#/", "asv.html#summarylist", "report.html"} <= set(links)
    assert ("asv.html#bench_elementwise.FusedChain.time_run?p-implementation=%27jax_jit%27&p-size=%27M%27"
            "&p-dtype=%27float32%27") in links

    assert chromium.severe_errors(browser) == []
    urls = chromium.requested_urls(browser)
    assert page.as_uri() in urls
    assert [url for url in urls if not url.startswith(("file:", "data:"))] == []
    artifacts = pathlib.Path(os.environ.get("JAXNP_ARTIFACTS", REPO / "artifacts")) / "report-html"
    artifacts.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(artifacts / "landing.png"))


def test_landing_page_with_one_release_says_there_is_nothing_to_compare(tmp_path):
    root = write_tree(tmp_path / "results", runs={"0.4.31": {TIME: [samples(1.0, seed=1), samples(0.5, seed=2)]}})
    page = tmp_path / "index.html"
    assert cli.main([str(root), "--format", "landing", "-o", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    assert "Only one JAX release (0.4.31)" in text and "<table class='verdicts'>" not in text
