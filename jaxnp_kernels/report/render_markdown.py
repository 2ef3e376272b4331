"""The report as Markdown, for a job summary or a pull-request comment."""

from __future__ import annotations

from . import compare
from .build import Report, main_speedups
from .render_text import comparison_rows, format_change, format_ratio, format_value, one_side_note


def render(report: Report) -> str:
    out = [f"## jaxnp-bench release report: `{report.machine}` at `{report.commit[:8]}`", "",
           f"JAX releases: {', '.join(report.releases)}. A verdict needs a change of at least "
           f"{report.threshold:g}x **and** a Mann-Whitney U test with p < {report.alpha:g} on the recorded "
           "samples (asv's 99% confidence intervals when samples are missing); byte figures below 1 MiB "
           "on both sides are not judged.", ""]
    if len(report.releases) < 2:
        out += [f"Only one JAX release ({report.releases[0]}) was measured at this commit: nothing to compare.", ""]
    for pair in report.pairs:
        rows = comparison_rows(pair)
        out.append(f"### JAX {pair.old} → {pair.new}: {len(pair.with_verdict(compare.REGRESSION))} regressions, "
                   f"{len(pair.with_verdict(compare.IMPROVEMENT))} improvements, "
                   f"{len(pair.with_verdict(compare.NO_CHANGE))} unchanged")
        out.append("")
        if pair.control_note():
            out += [f"> {pair.control_note()}", ""]
        if rows:
            out += ["| verdict | benchmark | new/old | old → new | evidence |", "|---|---|---:|---|---|"]
            for c in rows:
                evidence = f"p={c.p_value:.3g}" if c.p_value is not None else c.evidence
                change = format_change(c).replace("->", "→")
                out.append(f"| {c.verdict} | `{c.measurement.label}` | {format_ratio(c)} | {change} | {evidence} |")
            out.append("")
        if one_side_note(pair):
            out += [one_side_note(pair), ""]
    speedups = main_speedups(report)
    if speedups:
        out += ["### JAX/NumPy speedup (first jitted implementation, float32, size M)", "",
                "| workload | " + " | ".join(report.releases) + " |",
                "|---|" + "---:|" * len(report.releases)]
        for key, values in speedups.items():
            out.append(f"| {key} | " + " | ".join(f"{values[r]:.2f}x" if r in values else "–"
                                                    for r in report.releases) + " |")
        out.append("")
    for table in report.figures:
        out += [f"### {table.title}", "", "| case | " + " | ".join(f"JAX {r}" for r in report.releases) + " |",
                "|---|" + "---:|" * len(report.releases)]
        for case, values in sorted(table.values.items()):
            out.append(f"| {case} | " + " | ".join(format_value(values.get(r), table.unit)
                                                  for r in report.releases) + " |")
        out.append("")
    newest = report.releases[-1]
    out += [f"### Claims scorecard (JAX {newest})", "", "| claim | verdict | support | rule | deciding figures |",
            "|---|---|---|---|---|"]
    for v in report.scorecards[newest]:
        share = "–" if v.support_fraction is None else f"{v.support_fraction:.0%} of {len(v.evidence)}"
        figures = "<br>".join(f"{'✓' if e.supports else '✗'} {e.workload}: {e.figure}" for e in v.evidence[:3])
        out.append(f"| {v.claim} | **{v.verdict}** | {share} | {v.rule} | {figures} |")
    return "\n".join(out) + "\n"
