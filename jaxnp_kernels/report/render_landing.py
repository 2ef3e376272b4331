"""The published site's first page: the newest release comparison, answered at a glance.

It shows, for each machine, the verdicts of the newest JAX release against the release
before it (with the NumPy control that says how far to trust them), each workload's time
per JAX release as a small chart with every measuring process's spread, the JAX/NumPy
speedups, and links into the asv pages beside it (``asv.html``: the grid, the list, the
regressions and each benchmark's history) and into the full release report.  The charts
are inline SVG and the styles inline: the page loads nothing, so it works offline.

An old link into asv's pages (``index.html#...``) is forwarded to ``asv.html`` with its
fragment, so bookmarks made before the landing page keep working.
"""

from __future__ import annotations

import html
import math
import urllib.parse

from jaxnp_results import compare
from jaxnp_results.roles import is_numpy_timing

from .. import registry
from .build import Report, ReleaseTimes, main_speedups
from .render_text import format_change, format_evidence, format_ratio, format_value, pair_counts

#: The asv pages' file in the site (the landing page takes asv's ``index.html``).
ASV_PAGE = "asv.html"

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0.8em auto; max-width: 88em; color: #222; padding: 0 1em; }
h1 { font-size: 1.35em; margin: 0.2em 0; } h2 { font-size: 1.1em; margin: 1.1em 0 0.3em; }
p { margin: 0.3em 0; } nav a { margin-right: 1.2em; }
table { border-collapse: collapse; margin: 0.4em 0; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.15em 0.5em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.regression { background: #fdd; } tr.improvement { background: #dfd; }
.control { color: #444; font-size: 0.9em; } .meta { color: #555; font-size: 0.9em; }
.charts { display: flex; flex-wrap: wrap; gap: 0.4em; }
.chart { border: 1px solid #ddd; } .chart text { font-size: 10px; fill: #333; }
details summary { cursor: pointer; color: #235; }
"""

#: Forward ``index.html#/...`` (asv's own links, old bookmarks) to asv's page.
FORWARD = ("<script>if (window.location.hash.length > 1) "
           f"window.location.replace('{ASV_PAGE}' + window.location.hash);</script>")

COMPILED_COLOUR, NUMPY_COLOUR = "#1f5fbf", "#888"


def asv_link(m) -> str:
    """The asv page of one benchmark's history, with its parameters selected."""
    query = "&".join(f"p-{urllib.parse.quote(name)}={urllib.parse.quote(value)}"
                     for name, value in zip(m.param_names, m.params))
    return f"{ASV_PAGE}#{m.benchmark}" + (f"?{query}" if query else "")


def newest_pair(report: Report):
    """The comparison of the newest release with the release just before it (None: one release)."""
    if len(report.releases) < 2:
        return None
    old, new = report.releases[-2], report.releases[-1]
    return next(p for p in report.pairs if (p.old, p.new) == (old, new))


def _verdict_row(c: compare.Comparison) -> str:
    e = html.escape
    css = c.verdict.replace(" ", "-")
    return (f"<tr class='{css}'><td>{e(c.verdict)}</td>"
            f"<td><a href='{e(asv_link(c.measurement))}'><code>{e(c.measurement.label)}</code></a></td>"
            f"<td class='num'>{e(format_ratio(c))}</td><td>{e(format_evidence(c))}</td>"
            f"<td>{e(format_change(c)).replace('-&gt;', '→')}</td></tr>")


def verdict_section(report: Report) -> list[str]:
    """The newest pair's verdicts (a NumPy row among them is a false positive, which the control
    note above the table says), then the other JAX rows judged side by side, folded."""
    e = html.escape
    pair = newest_pair(report)
    if pair is None:
        only = report.releases[0] if report.releases else "none"
        return [f"<p class='verdicts'>Only one JAX release ({e(only)}) is measured at this commit: there is no "
                "release comparison yet. Measure two side by side (<code>jaxnp-releases run</code>).</p>"]
    flagged = sorted((c for c in pair.comparisons if c.verdict in (compare.REGRESSION, compare.IMPROVEMENT)),
                     key=lambda c: (c.verdict != compare.REGRESSION, -(c.worse_factor or 1)))
    judged = [c for c in pair.side_by_side if not is_numpy_timing(c.measurement)]
    rest = sorted((c for c in judged if c not in flagged), key=lambda c: -(c.worse_factor or 1))
    parts = [f"<h2>JAX {e(pair.old)} → {e(pair.new)}: the newest release against the one before</h2>",
             f"<p>{e(pair_counts(pair))}.</p>"]
    for note in (pair.control_note(), pair.apart_note()):
        if note:
            parts.append(f"<p class='control'>{e(note)}</p>")
    header = ("<tr><th>verdict</th><th>benchmark (its history in asv)</th><th>new/old</th>"
              f"<th>{report.interval_name}, replicates</th><th>old → new</th></tr>")
    parts.append(f"<table class='verdicts'>{header}")
    if flagged:
        parts.extend(_verdict_row(c) for c in flagged)
    else:
        parts.append(f"<tr><td colspan='5'>No JAX timing changed beyond the rule between JAX {e(pair.old)} and "
                     f"{e(pair.new)} ({len(judged)} judged side by side).</td></tr>")
    parts.append("</table>")
    if rest:
        parts.append(f"<details><summary>The other {len(rest)} JAX timings (no change, or an interval too wide "
                     f"to tell), largest change first</summary><table>{header}")
        parts.extend(_verdict_row(c) for c in rest)
        parts.append("</table></details>")
    return parts


def speedup_section(report: Report) -> list[str]:
    """Each workload's compiled implementation against NumPy, per release."""
    e = html.escape
    speedups = main_speedups(report)
    if not speedups:
        return []
    parts = ["<h2>JAX/NumPy speedup per workload (compiled implementation, float32, size M; &gt;1: JAX "
             "faster)</h2><table><tr><th>workload/implementation</th>"
             + "".join(f"<th>JAX {e(r)}</th>" for r in report.releases) + "</tr>"]
    for case, values in speedups.items():
        cells = "".join(f"<td class='num'>{e(format_value(values.get(r), 'ratio'))}</td>" for r in report.releases)
        parts.append(f"<tr><td>{e(case)}</td>{cells}</tr>")
    parts.append("</table>")
    return parts


def _spread(values: tuple[float, ...]) -> tuple[float, float, float]:
    ordered = sorted(values)
    n = len(ordered)
    middle = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    return middle, ordered[0], ordered[-1]


#: The least span of a chart's y-axis (high / low): a spread of 2% must not fill the chart.
MIN_SPAN = 1.5


def release_chart(releases: list[str], series: list[tuple[ReleaseTimes, str]], width=290, height=175) -> str:
    """An SVG chart of one workload: JAX releases on the x-axis, time on a log y-axis (at least
    :data:`MIN_SPAN` high); per release and implementation a dot at the median process and a bar
    from the fastest process to the slowest."""
    e = html.escape
    left, right, top, bottom = 50, 22, 18, 46
    ranges = [_spread(times.values[r])[1:] for times, _ in series for r in releases if r in times.values]
    low = min(fastest for fastest, _ in ranges)
    high = max(slowest for _, slowest in ranges)
    if high / low < MIN_SPAN:
        widen = math.sqrt(MIN_SPAN * low / high)
        low, high = low / widen, high * widen
    low, high = low / 1.04, high * 1.04  # room for the dots at the ends
    span = math.log(high / low)

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - math.log(value / low) / span)

    def x(i: int) -> float:
        step = (width - left - right) / max(len(releases), 1)
        return left + step * (i + 0.5)

    workload = series[0][0].workload
    out = [f"<svg class='chart' width='{width}' height='{height}' role='img' "
           f"aria-label='{e(workload)}: time per JAX release'>",
           f"<text x='{left}' y='12' font-weight='bold'>{e(workload)}</text>",
           f"<line x1='{left}' y1='{top}' x2='{left}' y2='{height - bottom}' stroke='#999'/>"]
    for value in (low, high):
        out.append(f"<text x='{left - 3}' y='{y(value) + 3:.1f}' text-anchor='end'>"
                   f"{e(format_value(value, 'seconds'))}</text>")
    for i, release in enumerate(releases):
        out.append(f"<text transform='translate({x(i) + 3:.1f},{height - bottom + 8}) rotate(40)'>"
                   f"{e(release)}</text>")
    for offset, (times, colour) in zip((-4, 4), series):
        for i, release in enumerate(releases):
            if release not in times.values:
                continue
            middle, fastest, slowest = _spread(times.values[release])
            cx = x(i) + offset
            tip = (f"{times.implementation}, JAX {release}: median {format_value(middle, 'seconds')}, processes "
                   f"{format_value(fastest, 'seconds')} to {format_value(slowest, 'seconds')} "
                   f"({len(times.values[release])})")
            out.append(f"<g><title>{e(tip)}</title>"
                       f"<line x1='{cx:.1f}' y1='{y(fastest):.1f}' x2='{cx:.1f}' y2='{y(slowest):.1f}' "
                       f"stroke='{colour}' stroke-width='2'/>"
                       f"<circle cx='{cx:.1f}' cy='{y(middle):.1f}' r='2.8' fill='{colour}'/></g>")
    out.append("</svg>")
    return "".join(out)


def charts_section(report: Report) -> list[str]:
    """One chart per workload: its compiled implementation and its NumPy reference per release."""
    e = html.escape
    by_workload: dict[str, dict[str, ReleaseTimes]] = {}
    for times in report.release_times:
        by_workload.setdefault(times.workload, {})[times.implementation] = times
    if not by_workload:
        return []
    parts = ["<h2>Time per JAX release (size M, float32)</h2>",
             f"<p class='meta'><span style='color:{COMPILED_COLOUR}'>●</span> the compiled JAX implementation, "
             f"<span style='color:{NUMPY_COLOUR}'>●</span> the NumPy reference (identical in every environment: "
             "the control); dot: median process, bar: fastest to slowest process of the newest side-by-side "
             "session. Click a chart for the benchmark's history in asv.</p><div class='charts'>"]
    for workload, implementations in sorted(by_workload.items()):
        reference = registry.get(workload).reference.name
        series = [(times, COMPILED_COLOUR) for name, times in implementations.items() if name != reference]
        if reference in implementations:
            series.append((implementations[reference], NUMPY_COLOUR))
        link = asv_link(series[0][0].measurement)
        parts.append(f"<a href='{e(link)}'>{release_chart(report.releases, series)}</a>")
    parts.append("</div>")
    return parts


def report_page(report: Report, machines: int) -> str:
    """The full report's page beside the landing page: ``jaxnp-report --format html --output
    report.html`` names it so, with the machine's name added when there are several."""
    return "report.html" if machines == 1 else f"report-{report.machine}.html"


def machine_section(report: Report, machines: int) -> list[str]:
    e = html.escape
    parts = [f"<h2>Machine {e(report.machine)}</h2>"] if machines > 1 else []
    parts.append(f"<p class='meta'>Machine <b>{e(report.machine)}</b>, commit <code>{report.commit[:8]}</code>, "
                 f"JAX releases {e(', '.join(report.releases))}. Verdicts only from releases measured side by "
                 f"side: a row is flagged when the {report.interval_name} of its ratio lies beyond 1.05x and reaches "
                 f"{report.threshold:g}x. <a href='{e(report_page(report, machines))}'>The full release report"
                 f"</a> has every pair of releases, the figures and the claims scorecard.</p>")
    return parts + verdict_section(report) + speedup_section(report) + charts_section(report)


def render(reports: list[Report]) -> str:
    """The landing page for one machine's report or several (one section each)."""
    e = html.escape
    links = [(f"{ASV_PAGE}#/", "Benchmark grid"), (f"{ASV_PAGE}#summarylist", "Benchmark list"),
             (f"{ASV_PAGE}#regressions", "asv regressions")]
    links += [(report_page(r, len(reports)), f"Release report{f' ({r.machine})' if len(reports) > 1 else ''}")
              for r in reports]
    nav = "".join(f"<a href='{e(href)}'>{e(text)}</a>" for href, text in links)
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>", FORWARD,
             "<title>jaxnp-bench: NumPy vs JAX across JAX releases</title>",
             f"<style>{STYLE}</style></head><body>",
             "<h1>jaxnp-bench: what the newest JAX release made slower or faster</h1>",
             f"<nav>{nav}</nav>"]
    for report in reports:
        parts += machine_section(report, len(reports))
    parts.append("</body></html>")
    return "\n".join(parts)
