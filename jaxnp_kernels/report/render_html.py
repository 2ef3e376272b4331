"""The report as one self-contained HTML page with charts.

Charts are drawn with matplotlib (Agg backend) and embedded as base64 PNG images, and
the styles are inline: the page loads nothing from anywhere, so it renders offline and
can be attached to a CI run or published beside the asv site.
"""

from __future__ import annotations

import base64
import html
import io
import math

from jaxnp_results import compare

from .build import Report, main_speedups
from .render_text import (SYMBOLS, comparison_rows, format_change, format_evidence, format_ratio, format_value,
                          one_side_note, pair_counts, rule_text, session_lines)
from .scorecard import mark

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.regression { background: #fdd; } .improvement { background: #dfd; }
.confirmed { color: #060; font-weight: bold; } .refuted { color: #a00; font-weight: bold; }
.mixed { color: #a60; font-weight: bold; } .untested { color: #666; }
img { max-width: 100%; }
"""


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _heatmap(names, releases, grid, cmap, limit, label, title) -> str:
    """A workloads x releases heatmap of log2 values, each cell labelled with 2**value
    (called from ``_charts``, which selects matplotlib's Agg backend first)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2 + 1.1 * len(releases), 0.32 * len(names) + 1.5))
    image = ax.imshow(grid, cmap=cmap, vmin=-limit, vmax=limit, aspect="auto")
    ax.set_xticks(range(len(releases)), releases, rotation=45)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            if not math.isnan(value):
                ax.text(j, i, f"{2 ** value:.2g}", ha="center", va="center", fontsize=7)
    fig.colorbar(image, ax=ax, label=label)
    ax.set_title(title)
    png = _png(fig)
    plt.close(fig)
    return png


def _charts(report: Report) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    charts = []
    times = {case: values for case, values in sorted(report.jit_seconds.items()) if len(values) > 1}
    if times and len(report.releases) > 1:
        names = list(times)
        grid = []
        for name in names:
            base = next(times[name][r] for r in report.releases if r in times[name])
            grid.append([math.log2(times[name][r] / base) if r in times[name] else math.nan
                         for r in report.releases])
        charts.append(("Change heatmap: workloads x releases", _heatmap(
            names, report.releases, grid, "RdYlGn_r", 1.5,
            "log2 time / time in oldest release (>0: slower)",
            "Steady-state time vs the oldest release (jitted, float32, M)")))

    speedups = main_speedups(report)
    if speedups:
        names = list(speedups)
        grid = [[math.log2(speedups[n][r]) if r in speedups[n] else math.nan for r in report.releases]
                for n in names]
        charts.append(("Speedup heatmap: workloads x releases", _heatmap(
            names, report.releases, grid, "RdYlGn", 3,
            "log2 speedup vs NumPy (>0: JAX faster)",
            "JAX/NumPy speedup per workload and JAX release (float32, M)")))

        fig, ax = plt.subplots(figsize=(9, 5))
        x = range(len(report.releases))
        for name in names:
            ys = [speedups[name].get(r, math.nan) for r in report.releases]
            ax.plot(x, ys, marker="o", label=name, linewidth=1)
        ax.set_yscale("log")
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_xticks(list(x), report.releases, rotation=45)
        ax.set_ylabel("speedup vs NumPy (log)")
        ax.set_title("JAX/NumPy speedup across releases")
        ax.legend(fontsize=6, ncol=2, bbox_to_anchor=(1.02, 1), loc="upper left")
        charts.append(("Speedup across releases", _png(fig)))
        plt.close(fig)

    if len(report.releases) > 1:
        pair = report.pairs[0] if len(report.pairs) == 1 else report.pairs[-1]
        ratios = [c for c in pair.comparisons if c.ratio and c.measurement.unit == "seconds"]
        if ratios:
            fig, ax = plt.subplots(figsize=(9, 3))
            colors = {compare.REGRESSION: "tab:red", compare.IMPROVEMENT: "tab:green"}
            ax.scatter(range(len(ratios)), [c.ratio for c in ratios], s=8,
                       c=[colors.get(c.verdict, "tab:gray") for c in ratios])
            ax.set_yscale("log")
            for t in (report.threshold, 1 / report.threshold):
                ax.axhline(t, color="black", linestyle=":", linewidth=0.8)
            ax.set_ylabel("time new/old")
            ax.set_xlabel("benchmark (each timing)")
            ax.set_title(f"Timing ratios, JAX {pair.old} -> {pair.new} (red: regression, green: improvement)")
            charts.append((f"Timing ratios {pair.old} -> {pair.new}", _png(fig)))
            plt.close(fig)
    return charts


def render(report: Report) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
             f"<title>jaxnp-bench report {e(report.machine)} {report.commit[:8]}</title>",
             f"<style>{STYLE}</style></head><body>",
             f"<h1>jaxnp-bench release report</h1><p>Machine <b>{e(report.machine)}</b>, commit "
             f"<code>{report.commit[:8]}</code>, JAX releases {e(', '.join(report.releases))}.</p>",
             f"<p>Rule: {e(rule_text(report))}.</p>",
             "<ul>" + "".join(f"<li>{e(line)}</li>" for line in session_lines(report)) + "</ul>"]
    for title, src in _charts(report):
        parts.append(f"<h2>{e(title)}</h2><img alt='{e(title)}' src='{src}'>")
    if len(report.releases) < 2:
        parts.append(f"<p>Only one JAX release ({e(report.releases[0])}) measured: nothing to compare.</p>")
    for pair in report.pairs:
        rows = comparison_rows(pair)
        parts.append(f"<h2>JAX {e(pair.old)} → {e(pair.new)}</h2><p>{e(pair_counts(pair))}.</p>")
        for note in (pair.control_note(), pair.apart_note()):
            if note:
                parts.append(f"<p class='control'>{e(note)}</p>")
        if rows:
            parts.append("<table><tr><th>verdict</th><th>benchmark</th><th>new/old</th><th>old → new</th>"
                         "<th>interval, replicates</th></tr>")
            for c in rows:
                ratio = format_ratio(c)
                change = e(format_change(c)).replace("-&gt;", "→")
                evidence = format_evidence(c)
                css = c.verdict.replace(" ", "-")
                parts.append(f"<tr class='{css}'><td>{e(c.verdict)}</td><td><code>{e(c.measurement.label)}"
                             f"</code></td><td class='num'>{ratio}</td><td>{change}</td>"
                             f"<td>{e(evidence)}</td></tr>")
            parts.append("</table>")
        if one_side_note(pair):
            parts.append(f"<p>{e(one_side_note(pair))}</p>")
    for table in report.figures:
        parts.append(f"<h2>{e(table.title)}</h2><table><tr><th>case</th>"
                     + "".join(f"<th>JAX {e(r)}</th>" for r in report.releases) + "</tr>")
        for case, values in sorted(table.values.items()):
            cells = "".join(f"<td class='num'>{e(format_value(values.get(r), table.unit))}</td>"
                            for r in report.releases)
            parts.append(f"<tr><td>{e(case)}</td>{cells}</tr>")
        parts.append("</table>")
        if table.note():
            parts.append(f"<p class='control'>{e(table.note())}</p>")
    newest = report.releases[-1]
    parts.append(f"<h2>Claims scorecard (JAX {e(newest)})</h2><table><tr><th>claim</th><th>verdict</th>"
                 "<th>support</th><th>rule</th><th>figures</th></tr>")
    for v in report.scorecards[newest]:
        share = "–" if v.support_fraction is None else f"{v.support_fraction:.0%} of {len(v.evidence)}"
        figures = "<br>".join(f"{SYMBOLS[mark(x)]} {e(x.workload)}: {e(x.figure)}" for x in v.evidence)
        parts.append(f"<tr><td>{e(v.claim)}<br><small>{e(v.text)}</small></td><td class='{v.verdict}'>"
                     f"{e(v.verdict)}</td><td>{share}</td><td>{e(v.rule)}</td><td><small>{figures}</small></td></tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts)
