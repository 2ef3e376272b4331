"""Build the published site: ``asv publish`` plus four fixes, from the results at hand.

    python tools/site/build_site.py [--asv ASV] [--config asv.conf.json]
                                    [--results-dir DIR] [--output DIR] [--report]
    python tools/site/build_site.py --print-output-dir

This is the command the publish workflow runs; run locally, it builds the same site from
``.asv/results`` (or ``--results-dir``) into ``.asv/html`` (or ``--output``).  After
``asv publish`` it:

1. serves asv's JavaScript and CSS from the site itself: every CDN ``<script>``/``<link>``
   of asv 0.6.6's index.html points at a pinned copy under ``vendor/`` (see
   tools/site/assets.py); the build fails if any page asset would still load from another
   host, so the site works offline and behind a firewall;
2. orders JAX releases as versions, not as text: asv sorts matrix values as strings, so
   0.10.2 came before 0.4.31 in every selector.  The published index.json lists version
   values (jax, jaxlib, numpy, ...) in version order and its graph list in release order, and
   graphdisplay.js adds the series of a graph in that order rather than in the order their
   data files happened to arrive (which also fixes their colours and legend order);
3. lists only benchmarks that have data: asv's index.json names every benchmark ever
   discovered, and the grid then asks for a summary graph of each, so a benchmark with no
   result in any environment (never run, always skipped or failed) showed as a broken tile
   and a 404 in the browser's console; such benchmarks are dropped from index.json and
   named in the build's output.  The pages of other sites (the report) get asv's icon as
   ``favicon.ico`` so that they, too, load without a 404;
4. with ``--report``, writes the release report (``python -m jaxnp_kernels.report --format
   html``, one page per machine) beside the site and links every ``report*.html`` found in
   the output directory from asv's navigation bar; and makes the site's first page answer
   the question: the landing page (``--format landing``: the newest release comparison with
   its NumPy control, each workload's time per release, the speedups) becomes
   ``index.html`` and asv's pages move to ``asv.html`` (an old ``index.html#...`` link is
   forwarded there).

Exit status: 0 built; 1 ``asv publish``, the report or a check failed (the message says which).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

from assets import ASSETS  # tools/site/assets.py: run as a script, its folder is on sys.path

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))  # this repository's jaxnp_results (standard library only), whatever is installed

from jaxnp_results.config import read_config  # noqa: E402
from jaxnp_results.versions import PLAIN_RELEASE, release_key  # noqa: E402

#: Where asv's index.html goes when the landing page takes its place (render_landing.ASV_PAGE).
LANDING_ASV_PAGE = "asv.html"

#: graphdisplay.js (asv 0.6.6) adds each series when its data file arrives; the patch keeps
#: the order of ``to_load`` instead.  The anchor must match exactly, or the build fails.
GRAPH_ORDER_ANCHOR = """                        bars: { order: count, },
                    });
                    count += 1;
                });
                graphs = orig_graphs;"""
GRAPH_ORDER_PATCH = """                        bars: { order: count, },
                        jaxnp_order: [i, j],
                    });
                    count += 1;
                });
                /* jaxnp-bench: series in the order of to_load (JAX releases in version
                   order, see tools/site/build_site.py), not in the order requests finished. */
                orig_graphs.sort(function (a, b) {
                    return (a.jaxnp_order[0] - b.jaxnp_order[0]) || (a.jaxnp_order[1] - b.jaxnp_order[1]);
                });
                graphs = orig_graphs;"""


class SiteError(Exception):
    """The site could not be built as promised."""


# -- configuration -----------------------------------------------------------------------

def configured_dir(config_path: pathlib.Path, key: str) -> pathlib.Path:
    """A directory of the config, relative paths taken from the repository root (asv's cwd)."""
    return (ROOT / read_config(config_path)[key]).resolve()


def config_with_results(config_path: pathlib.Path, results_dir: pathlib.Path, out: pathlib.Path) -> pathlib.Path:
    """A copy of the config reading results from ``results_dir``; other paths made absolute."""
    conf = read_config(config_path)
    for key in ("repo", "benchmark_dir", "env_dir", "html_dir"):
        conf[key] = str((ROOT / conf[key]).resolve())
    conf["results_dir"] = str(results_dir.resolve())
    out.write_text(json.dumps(conf, indent=2), encoding="utf-8")
    return out


# -- fix 1: assets served by the site ------------------------------------------------------

def sri(data: bytes, algorithm: str) -> str:
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def local_tag(tag: str, asset, data: bytes) -> str:
    """``tag`` loading ``asset`` from the site: the address replaced, and the integrity
    attribute kept when the local copy is byte-identical to the CDN's (checked), else dropped."""
    tag = tag.replace(asset.cdn_url, asset.path)
    integrity = re.search(r'\s+integrity="([^"]*)"', tag)
    if integrity:
        algorithm = integrity.group(1).split("-", 1)[0]
        if sri(data, algorithm) != integrity.group(1):
            tag = tag.replace(integrity.group(0), "")
    return re.sub(r'\s+(crossorigin|referrerpolicy)="[^"]*"', "", tag)


def external_assets(page: str) -> list[str]:
    """Addresses on other hosts that a page would load (scripts, stylesheets, images)."""
    found = re.findall(r'<(?:script|img|iframe)\b[^>]*\bsrc="((?:https?:)?//[^"]+)"', page)
    for tag in re.findall(r"<link\b[^>]*>", page):
        href = re.search(r'\bhref="((?:https?:)?//[^"]+)"', tag)
        if href and re.search(r'\brel="(stylesheet|preload|icon|shortcut icon)"', tag):
            found.append(href.group(1))
    return found


def serve_assets_locally(site: pathlib.Path, vendor: pathlib.Path = HERE / "vendor") -> None:
    index = site / "index.html"
    page = index.read_text(encoding="utf-8")
    for asset in ASSETS:
        local = vendor / pathlib.Path(asset.path).relative_to("vendor")
        if not local.is_file():
            raise SiteError(f"{local} is missing: run python tools/site/vendor.py")
        tags = [t for t in re.findall(r"<(?:script|link)\b[^>]*>", page) if f'"{asset.cdn_url}"' in t]
        if not tags:
            raise SiteError(f"asv's index.html no longer loads {asset.cdn_url}: check tools/site/assets.py "
                            "against the installed asv's www/index.html")
        for tag in tags:
            page = page.replace(tag, local_tag(tag, asset, local.read_bytes()))
    remaining = external_assets(page)
    if remaining:
        raise SiteError("index.html still loads from other hosts: " + ", ".join(remaining))
    shutil.copytree(vendor, site / "vendor", dirs_exist_ok=True)
    index.write_text(page, encoding="utf-8")


# -- fix 2: JAX releases in version order ------------------------------------------------------

def version_key(value) -> tuple:
    """Sort key of a matrix value: versions as versions (jaxnp_results' release order), then
    anything else as text."""
    if value is None or value == "":
        return (0, ())
    if PLAIN_RELEASE.fullmatch(str(value)):
        return (1, release_key(str(value)))
    return (2, str(value))


def is_version_axis(values) -> bool:
    present = [v for v in values if v not in (None, "")]
    return bool(present) and all(PLAIN_RELEASE.fullmatch(str(v)) for v in present)


def order_releases(index: dict) -> dict:
    """index.json with version-valued params, and the graph list, in version order.

    Only orders change: every value and every graph stays exactly what asv wrote.
    """
    params = dict(index["params"])
    version_axes = sorted((k for k, v in params.items() if k != "machine" and is_version_axis(v)),
                          key=lambda k: (k != "jax", k))
    for key in version_axes:
        params[key] = sorted(params[key], key=version_key)

    def graph_key(graph: dict) -> tuple:
        return tuple(version_key(graph.get(k)) for k in version_axes)

    return dict(index, params=params, graph_param_list=sorted(index.get("graph_param_list", []), key=graph_key))


def patch_graph_order(site: pathlib.Path) -> None:
    script = site / "graphdisplay.js"
    text = script.read_text(encoding="utf-8")
    if text.count(GRAPH_ORDER_ANCHOR) != 1:
        raise SiteError("graphdisplay.js differs from asv 0.6.6's: update GRAPH_ORDER_ANCHOR in build_site.py")
    script.write_text(text.replace(GRAPH_ORDER_ANCHOR, GRAPH_ORDER_PATCH), encoding="utf-8")


def fix_release_order(site: pathlib.Path) -> None:
    path = site / "index.json"
    path.write_text(json.dumps(order_releases(json.loads(path.read_text(encoding="utf-8")))), encoding="utf-8")
    patch_graph_order(site)


# -- fix 3: only benchmarks with data ------------------------------------------------------------

def drop_benchmarks_without_data(site: pathlib.Path) -> list[str]:
    """Remove from index.json the benchmarks asv wrote no summary graph for; returns their names."""
    path = site / "index.json"
    index = json.loads(path.read_text(encoding="utf-8"))
    summaries = site / "graphs" / "summary"
    empty = sorted(name for name in index["benchmarks"] if not (summaries / f"{name}.json").is_file())
    if len(empty) == len(index["benchmarks"]):
        raise SiteError("no benchmark has any result: nothing to publish")
    index["benchmarks"] = {k: v for k, v in index["benchmarks"].items() if k not in empty}
    path.write_text(json.dumps(index), encoding="utf-8")
    shutil.copy(site / "swallow.ico", site / "favicon.ico")
    return empty


# -- fix 4: the release report beside the site -------------------------------------------------

def build_report(results_dir: pathlib.Path, site: pathlib.Path, python: str) -> None:
    """``jaxnp-report --format html`` into the site (exit 1 only means a regression was found)."""
    command = [python, "-m", "jaxnp_kernels.report", str(results_dir), "--format", "html",
               "--output", str(site / "report.html")]
    status = subprocess.run(command, cwd=ROOT).returncode
    if status not in (0, 1):
        raise SiteError(f"the release report failed (exit {status}): {' '.join(command)}")


def report_label(path: pathlib.Path) -> str:
    machine = path.stem[len("report-"):] if path.stem.startswith("report-") else ""
    return f"Release report ({machine})" if machine else "Release report"


def link_reports(site: pathlib.Path, landing: bool = False) -> list[str]:
    """Add a navigation-bar link to every report*.html in the site (and to the landing page, when
    there is one); returns the reports' names."""
    reports = sorted(site.glob("report*.html"))
    if not reports:
        return []
    anchor = '<li id="nav-li-regressions"><a href="#/regressions">Regressions</a></li>'
    index = site / "index.html"
    page = index.read_text(encoding="utf-8")
    if anchor not in page:
        raise SiteError("asv's index.html has no Regressions tab to put the report link after")
    links = "".join(f'\n\t<li class="jaxnp-report-link"><a href="{html.escape(p.name)}" title="NumPy vs JAX '
                    f'across JAX releases: verdicts and claims scorecard">{html.escape(report_label(p))}</a></li>'
                    for p in reports)
    if landing:
        links = (f'\n\t<li class="jaxnp-landing-link"><a href="index.html" title="the newest JAX release against the '
                 f'one before, at a glance">Release summary</a></li>') + links
    index.write_text(page.replace(anchor, anchor + links), encoding="utf-8")
    return [p.name for p in reports]


def build_landing(results_dir: pathlib.Path, site: pathlib.Path, python: str) -> None:
    """asv's index.html becomes asv.html; the landing page (``jaxnp-report --format landing``) takes
    its place."""
    (site / "index.html").rename(site / LANDING_ASV_PAGE)
    command = [python, "-m", "jaxnp_kernels.report", str(results_dir), "--format", "landing",
               "--output", str(site / "index.html")]
    status = subprocess.run(command, cwd=ROOT).returncode
    if status not in (0, 1):
        raise SiteError(f"the landing page failed (exit {status}): {' '.join(command)}")


# -- the command ---------------------------------------------------------------------------------

def default_asv() -> str:
    suite_asv = ROOT / ".venv" / "asv" / "bin" / "asv"
    return str(suite_asv) if suite_asv.exists() else "asv"


def build(asv: str, config: pathlib.Path, results_dir: pathlib.Path | None, output: pathlib.Path,
          report: bool, report_python: str) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        if results_dir is not None:
            config = config_with_results(config, results_dir, pathlib.Path(tmp) / "asv.conf.json")
        else:
            results_dir = configured_dir(config, "results_dir")
        if not any(results_dir.glob("*/machine.json")):
            raise SiteError(f"no asv results in {results_dir}")
        status = subprocess.run([asv, "--config", str(config), "publish", "--html-dir", str(output)],
                                cwd=ROOT).returncode
        if status != 0:
            raise SiteError(f"asv publish failed (exit {status})")
    serve_assets_locally(output)
    fix_release_order(output)
    empty = drop_benchmarks_without_data(output)
    if empty:
        print(f"{len(empty)} benchmark(s) without any result, not listed: {', '.join(empty)}")
    if not report:
        return link_reports(output)
    build_report(results_dir, output, report_python)
    reports = link_reports(output, landing=True)
    build_landing(results_dir, output, report_python)
    return reports


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asv", default=default_asv(), help="asv executable (default: .venv/asv's)")
    parser.add_argument("--config", type=pathlib.Path, default=ROOT / "asv.conf.json")
    parser.add_argument("--results-dir", type=pathlib.Path, help="default: the config's results_dir")
    parser.add_argument("--output", type=pathlib.Path, help="default: the config's html_dir")
    parser.add_argument("--report", action="store_true", help="also write the release report into the site")
    parser.add_argument("--report-python", default=sys.executable,
                        help="a Python with jaxnp_kernels[report] installed (default: this one)")
    parser.add_argument("--print-output-dir", action="store_true", help="print the output directory and exit")
    args = parser.parse_args(argv)
    output = (args.output or configured_dir(args.config.resolve(), "html_dir")).resolve()
    if args.print_output_dir:
        print(output)
        return 0
    try:
        reports = build(args.asv, args.config.resolve(), args.results_dir, output, args.report, args.report_python)
    except SiteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"site: {output}/index.html" + (f" (asv's pages: {LANDING_ASV_PAGE}; linked: {', '.join(reports)})"
                                          if reports else ""))
    print(f"view it: python3 -m http.server --bind 127.0.0.1 --directory {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
