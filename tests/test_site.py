"""The published asv site, as a person sees it: real results, real Chromium, no network.

The fast tests check tools/site/build_site.py's fixes on small inputs.  The browser test
builds the site exactly as the publish workflow does (``asv publish``, local assets, release
order, the release report linked, the landing page first and asv's pages in asv.html) from real asv results of at least two JAX releases, serves
it on 127.0.0.1 and opens it in headless Chromium (driven by selenium through an explicit
``Service``: nothing downloads a browser).

Where the results come from (the test never passes on an empty site):

* ``JAXNP_SITE_RESULTS``: an asv results directory (e.g. CI's ``.asv/results`` after the
  suite ran); it must hold results of two JAX releases or more, or the test fails;
* otherwise tools/site/sample_results.py measures ``FusedChain.time_run`` and fused_chain's
  ``Speedup`` figure (size M, float32) in the oldest and the newest JAX release side by side
  (the real runner, 3 rounds of one process per release) on the last two commits into
  ``.asv/site-sample`` (a few minutes the first time, mostly building the two environments;
  then reused).

The browser is ``JAXNP_CHROMIUM`` / ``JAXNP_CHROMEDRIVER`` (default Debian's
/usr/bin/chromium and /usr/bin/chromedriver, installed with apt-get when missing).
Screenshots of the landing page, asv's grid and a graph land in ``$JAXNP_ARTIFACTS/site`` (default
``artifacts/site``).
"""

import functools
import http.server
import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import threading
import time

import pytest

import chromium

REPO = pathlib.Path(__file__).resolve().parent.parent
SITE_TOOLS = REPO / "tools" / "site"
GRAPH = "bench_elementwise.FusedChain.time_run"

def load(name):
    spec = importlib.util.spec_from_file_location(name, SITE_TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(SITE_TOOLS))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SITE_TOOLS))
    return module


build_site = load("build_site")


# -- fast tests of the fixes ---------------------------------------------------------------------

def test_releases_are_ordered_as_versions_not_text():
    index = {
        "params": {"machine": ["m"], "jax": ["0.10.2", "0.4.31", "0.9.2"], "jaxlib": ["0.10.2", "0.4.31", "0.9.2"],
                   "branch": ["main"], "env-XLA_FLAGS": ["--x=2"]},
        "graph_param_list": [{"jax": "0.10.2", "jaxlib": "0.10.2"}, {"jax": "0.4.31", "jaxlib": "0.4.31"},
                             {"jax": "0.9.2", "jaxlib": "0.9.2"}],
        "benchmarks": {"b": {}},
    }
    fixed = build_site.order_releases(index)
    assert fixed["params"]["jax"] == ["0.4.31", "0.9.2", "0.10.2"]
    assert fixed["params"]["jaxlib"] == ["0.4.31", "0.9.2", "0.10.2"]
    assert [g["jax"] for g in fixed["graph_param_list"]] == ["0.4.31", "0.9.2", "0.10.2"]
    assert fixed["params"]["env-XLA_FLAGS"] == ["--x=2"] and fixed["benchmarks"] == index["benchmarks"]
    assert index["params"]["jax"][0] == "0.10.2"  # the input is not modified


def test_missing_release_sorts_first_and_text_values_are_left_alone():
    assert build_site.is_version_axis([None, "0.4.31", "0.10.2"])
    assert not build_site.is_version_axis(["cuda12", "0.4.31"])
    assert sorted([None, "0.10.2", "0.4.31"], key=build_site.version_key) == [None, "0.4.31", "0.10.2"]


def test_cdn_tags_become_local_and_integrity_is_kept_only_when_it_matches():
    asset = build_site.ASSETS[0]
    data = b"local copy"
    good = build_site.sri(data, "sha256")
    tag = f'<script src="{asset.cdn_url}" integrity="{good}" crossorigin="anonymous" onerror="f()"></script>'
    assert build_site.local_tag(tag, asset, data) == f'<script src="{asset.path}" integrity="{good}" onerror="f()"></script>'
    stale = tag.replace(good, "sha256-AAAA")
    assert build_site.local_tag(stale, asset, data) == f'<script src="{asset.path}" onerror="f()"></script>'


def test_external_assets_are_found_and_links_to_other_pages_are_not():
    page = ('<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="//cdn.example/y.css">'
            '<a href="https://github.com/airspeed-velocity/asv/">asv</a><script src="asv.js"></script>'
            '<link rel="alternate" href="regressions.xml">')
    assert build_site.external_assets(page) == ["https://cdn.example/x.js", "//cdn.example/y.css"]


def test_every_vendored_asset_and_licence_is_in_the_repository():
    assets = load("assets")
    for asset in assets.ASSETS:
        assert (SITE_TOOLS / asset.path).stat().st_size > 1000, asset.path
    for package, licence in assets.LICENCES.items():
        assert (SITE_TOOLS / "vendor" / package / licence).is_file()
    lock = json.loads((SITE_TOOLS / "package-lock.json").read_text())
    pinned = json.loads((SITE_TOOLS / "package.json").read_text())["dependencies"]
    for package, version in pinned.items():
        assert lock["packages"][f"node_modules/{package}"]["version"] == version


# -- the site in a browser ---------------------------------------------------------------------

def releases_in(results_dir: pathlib.Path) -> set[str]:
    found = set()
    for path in results_dir.glob("*/*.json"):
        if path.name not in ("machine.json", "benchmarks.json"):
            found.add(json.loads(path.read_text(encoding="utf-8")).get("params", {}).get("jax"))
    return found - {None}


def suite_asv() -> pathlib.Path:
    """asv of the Python running the tests (the test extra installs it)."""
    return pathlib.Path(sys.executable).parent / "asv"


@pytest.fixture(scope="module")
def results_dir():
    """Real results of two JAX releases or more (see the module docstring)."""
    if os.environ.get("JAXNP_SITE_RESULTS"):
        results = pathlib.Path(os.environ["JAXNP_SITE_RESULTS"]).resolve()
    else:
        out = REPO / ".asv" / "site-sample"
        subprocess.run([sys.executable, str(SITE_TOOLS / "sample_results.py"), str(out)], check=True, cwd=REPO)
        results = out / "results"
    releases = releases_in(results)
    assert len(releases) >= 2, f"{results} holds results of JAX {sorted(releases)} only: need two releases"
    return results


def test_asv_records_one_value_per_process_with_its_interval(results_dir):
    """A side-by-side session leaves ordinary asv result files whose samples are the per-process
    summaries (here 3 rounds: one process per release each), with asv's median and 99% interval over them, and
    a session file with every process, round by round; the report judges from the session."""
    from jaxnp_results.results import read_results
    from jaxnp_results.sessions import read_sessions

    speedups = [m for m in read_results(results_dir)
                if m.benchmark == "bench_speedup.Speedup.track_vs_numpy" and m.value is not None]
    assert speedups, f"no Speedup figure in {results_dir}"
    newest = max(speedups, key=lambda m: m.date)
    assert newest.samples and len(newest.samples) % 3 == 0, newest   # 3 processes per session
    assert sorted(newest.samples)[len(newest.samples) // 2] == pytest.approx(newest.value)  # the median
    assert newest.ci_99 and newest.ci_99[0] <= newest.value <= newest.ci_99[1]
    sessions = read_sessions(results_dir)
    assert sessions and all(s.end and s.end["status"] == "complete" for s in sessions)
    session = sessions[-1]
    assert len(session.labels) == 2
    per_side = {}
    for p in session.processes:
        per_side.setdefault((p.benchmark, p.params, p.environment), []).append(p)
    assert per_side and all(len(ps) == 3 and all(p.status == "ok" for p in ps) for ps in per_side.values())
    # a block is measured in rounds: each round holds one process of each environment
    assert session.in_rounds
    block = min(p.block for p in session.processes)
    rounds: dict[int, list] = {}
    for p in session.processes:
        if p.block == block:
            rounds.setdefault(p.round, []).append(p)
    assert sorted(rounds) == [0, 1, 2]
    for members in rounds.values():
        assert sorted(p.environment for p in members) == sorted(session.environments)
        assert sorted(p.slot for p in members) == [0, 1]


@pytest.fixture(scope="module")
def site(results_dir, tmp_path_factory):
    """The site as the publish workflow builds it, release report included."""
    out = tmp_path_factory.mktemp("site") / "html"
    command = [sys.executable, str(SITE_TOOLS / "build_site.py"), "--asv", str(suite_asv()), "--output", str(out),
               "--results-dir", str(results_dir), "--report"]
    subprocess.run(command, check=True, cwd=REPO)
    return out


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    driver = chromium.start("1600,1000")
    yield driver
    driver.quit()


def wait_for(driver, script, timeout=30):
    """Poll a JavaScript expression until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for: {script} (the page is at {driver.current_url})")


SERIES = """
var plot = $('#main-graph').data('plot');
if (!plot) return null;
var series = plot.getData().map(function (s) {
    return [s.label, s.data.filter(function (p) { return p[1] !== null; }).length];
});
return series.length ? series : null;
"""

SELECTOR = """
var heading = arguments[0], out = null;
$('.panel').each(function () {
    if ($(this).find('.panel-heading').first().text().trim() === heading)
        out = $(this).find('.btn').map(function () { return $(this).text().trim(); }).get();
});
return out;
"""


def test_site_opens_on_the_newest_release_comparison(site, server, browser):
    """The first page answers: the newest pair's verdict table on screen in a 1400x1000 window, a
    chart per workload whose link opens the benchmark's history in asv's pages (asv.html), and an
    old asv link (index.html#...) forwarded there."""
    browser.set_window_size(1400, 1000)
    try:
        browser.get(server)
        wait_for(browser, "return document.readyState === 'complete' && document.querySelector('table.verdicts');")
        top, bottom, viewport = browser.execute_script(
            "var r = document.querySelector('table.verdicts').getBoundingClientRect();"
            "return [r.top, r.bottom, window.innerHeight];")
        assert 0 < top < bottom <= viewport
        assert "NumPy control" in browser.find_element("css selector", "body").text
        charts = browser.execute_script("return Array.from(document.querySelectorAll('a > svg.chart'))"
                                        ".map(svg => svg.parentNode.getAttribute('href'));")
        fused = [href for href in charts if href.startswith(f"asv.html#{GRAPH}?")]
        assert fused, charts
        artifacts = pathlib.Path(os.environ.get("JAXNP_ARTIFACTS", REPO / "artifacts")) / "site"
        artifacts.mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(artifacts / "landing.png"))

        browser.get(server + fused[0])
        series = wait_for(browser, SERIES)
        assert any("jax_jit" in label for label, _ in series)
        # asv's regressions page rewrites its hash once its table is sorted ("#regressions?sort=...")
        browser.get(server + "index.html#/regressions")
        wait_for(browser, "return window.location.pathname.endsWith('/asv.html') "
                          "&& /^#\\/?regressions(\\?|$)/.test(window.location.hash);")
        errors = chromium.severe_errors(browser)
        assert errors == [], "\n".join(errors)
    finally:
        browser.set_window_size(1600, 1000)


def test_site_renders_numpy_vs_jax_across_releases_offline(site, server, browser):
    index = (site / "asv.html").read_text(encoding="utf-8")
    assert index.count('integrity="') == 5  # the byte-identical copies keep asv's SRI hashes

    browser.get(server + "asv.html#/")
    names = wait_for(browser, "var a = $('a.benchmark-container'); "
                              "return a.length ? a.map(function () { return $(this).attr('href'); }).get() : null;")
    assert f"#{GRAPH}" in names
    artifacts = pathlib.Path(os.environ.get("JAXNP_ARTIFACTS", REPO / "artifacts")) / "site"
    artifacts.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(artifacts / "index.png"))
    report_links = browser.execute_script(
        "return $('li.jaxnp-report-link a').map(function () { return $(this).attr('href'); }).get();")
    assert "report.html" in report_links
    assert browser.execute_script("return $('li.jaxnp-landing-link a').attr('href');") == "index.html"

    browser.get(server + f"asv.html#/{GRAPH}")
    series = wait_for(browser, SERIES)
    time.sleep(2)  # let every graph file arrive, then read the final plot
    series = wait_for(browser, SERIES)
    labels = [label for label, points in series if points > 0]
    with_points = {release for release in ("0.4.31", "0.10.2") if any(f"jax-{release}" in l for l in labels)}
    assert with_points == {"0.4.31", "0.10.2"}, series
    assert any("numpy" in l for l in labels) and any("jax_jit" in l for l in labels)
    first = {r: min(i for i, (label, _) in enumerate(series) if f"jax-{r}" in label) for r in ("0.4.31", "0.10.2")}
    assert first["0.4.31"] < first["0.10.2"], "series must follow release order"
    assert browser.execute_script(SELECTOR, "jax") == ["0.4.31", "0.10.2"]
    legend = browser.execute_script("return $('#main-graph .legendLabel').map(function () "
                                    "{ return $(this).text(); }).get();")
    assert any("jax-0.4.31" in label for label in legend)
    canvas_size = browser.execute_script("var c = $('#main-graph canvas.flot-base')[0]; return [c.width, c.height];")
    assert canvas_size[0] > 300 and canvas_size[1] > 200

    assert browser.save_screenshot(str(artifacts / "fused_chain_graph.png"))

    browser.get(server + "report.html")
    wait_for(browser, "return document.readyState === 'complete' && document.title;")
    assert "jaxnp-bench report" in browser.title

    errors = chromium.severe_errors(browser)
    assert errors == [], "\n".join(errors)
    urls = chromium.requested_urls(browser)
    # the network log works (so an empty list below means something) and saw the graph data
    assert any(url.startswith(server + "index.json") for url in urls)  # asv's data, not its page
    assert any(url.startswith(server + f"graphs/") and GRAPH in url for url in urls)
    external = [url for url in urls if not url.startswith((server, "data:", "about:"))]
    assert external == []
