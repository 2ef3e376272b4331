"""The report as Markdown, for a job summary or a pull-request comment."""

from __future__ import annotations

from .build import Report, main_speedups
from .render_text import (SYMBOLS, comparison_rows, format_change, format_evidence, format_ratio, format_value,
                          one_side_note, pair_counts, rule_text, session_lines)
from .scorecard import mark


def render(report: Report) -> str:
    out = [f"## jaxnp-bench release report: `{report.machine}` at `{report.commit[:8]}`", "",
           f"JAX releases: {', '.join(report.releases)}. Rule: {rule_text(report)}.", "",
           *[f"- {line}" for line in session_lines(report)], ""]
    if len(report.releases) < 2:
        out += [f"Only one JAX release ({report.releases[0]}) was measured at this commit: nothing to compare.", ""]
    for pair in report.pairs:
        rows = comparison_rows(pair)
        out.append(f"### JAX {pair.old} → {pair.new}: {pair_counts(pair)}")
        out.append("")
        for note in (pair.control_note(), pair.apart_note()):
            if note:
                out += [f"> {note}", ""]
        if rows:
            out += ["| verdict | benchmark | new/old | old → new | interval, replicates |", "|---|---|---:|---|---|"]
            for c in rows:
                change = format_change(c).replace("->", "→")
                out.append(f"| {c.verdict} | `{c.measurement.label}` | {format_ratio(c)} | {change} | "
                           f"{format_evidence(c)} |")
            out.append("")
        if one_side_note(pair):
            out += [one_side_note(pair), ""]
    speedups = main_speedups(report)
    if speedups:
        out += ["### JAX/NumPy speedup (each workload's compiled implementation, float32, size M)", "",
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
        if table.note():
            out += [f"> {table.note()}", ""]
    newest = report.releases[-1]
    out += [f"### Claims scorecard (JAX {newest})", "", "| claim | verdict | support | rule | deciding figures |",
            "|---|---|---|---|---|"]
    for v in report.scorecards[newest]:
        share = "–" if v.support_fraction is None else f"{v.support_fraction:.0%} of {len(v.evidence)}"
        figures = "<br>".join(f"{SYMBOLS[mark(e)]} {e.workload}: {e.figure}" for e in v.evidence[:3])
        out.append(f"| {v.claim} | **{v.verdict}** | {share} | {v.rule} | {figures} |")
    return "\n".join(out) + "\n"
