"""The report as a terminal table (the default output)."""

from __future__ import annotations

from . import compare
from .build import Report, main_speedups


def _fmt_ratio(c: compare.Comparison) -> str:
    return "-" if c.ratio is None else f"{c.ratio:.2f}x"


def _fmt_p(c: compare.Comparison) -> str:
    if c.p_value is not None:
        return f"p={c.p_value:.3g}"
    return c.evidence or ""


def comparison_rows(pair, limit_unchanged: int = 0):
    """(verdict, label, ratio, evidence) rows: verdicts first, then what is missing."""
    order = {compare.REGRESSION: 0, compare.IMPROVEMENT: 1, compare.SKIPPED: 2,
             compare.MISSING_OLD: 3, compare.MISSING_NEW: 3, compare.NO_CHANGE: 4}
    rows = sorted(pair.comparisons, key=lambda c: (order[c.verdict], -(c.worse_factor or 0)))
    shown = [c for c in rows if c.verdict != compare.NO_CHANGE]
    return shown


def render(report: Report) -> str:
    lines = [f"jaxnp-bench release report  machine {report.machine}  commit {report.commit[:8]}",
             f"JAX releases: {', '.join(report.releases)}",
             f"verdict rule: worse/better by >= {report.threshold:g}x AND Mann-Whitney U p < {report.alpha:g} "
             "on the recorded samples (asv's 99% CI when samples are missing)", ""]
    if len(report.releases) < 2:
        lines.append(f"Only one JAX release ({report.releases[0]}) measured at this commit: nothing to compare.")
    for pair in report.pairs:
        counts = {v: len(pair.with_verdict(v)) for v in
                  (compare.REGRESSION, compare.IMPROVEMENT, compare.NO_CHANGE, compare.SKIPPED)}
        lines.append(f"== JAX {pair.old} -> {pair.new}: {counts[compare.REGRESSION]} regressions, "
                     f"{counts[compare.IMPROVEMENT]} improvements, {counts[compare.NO_CHANGE]} unchanged, "
                     f"{counts[compare.SKIPPED]} skipped/failed on a side")
        rows = comparison_rows(pair)
        if rows:
            width = max(len(c.measurement.label) for c in rows)
            for c in rows:
                lines.append(f"  {c.verdict:<17} {c.measurement.label:<{width}}  {_fmt_ratio(c):>8}  {_fmt_p(c)}")
        lines.append("")
    speedups = main_speedups(report)
    if speedups:
        lines.append("== JAX/NumPy speedup (first jitted implementation, float32, size M; >1 = JAX faster)")
        width = max(len(k) for k in speedups)
        lines.append(f"  {'workload/impl':<{width}}  " + "  ".join(f"{r:>8}" for r in report.releases))
        for key, values in speedups.items():
            cells = "  ".join(f"{values[r]:7.2f}x" if r in values else f"{'-':>8}" for r in report.releases)
            lines.append(f"  {key:<{width}}  {cells}")
        lines.append("")
    newest = report.releases[-1]
    lines.append(f"== Claims scorecard, JAX {newest}")
    for v in report.scorecards[newest]:
        share = v.support_fraction
        support = "" if share is None else f"{share:.0%} of {len(v.evidence)} figures support"
        lines.append(f"  {v.claim:<10} {v.verdict.upper():<10} {support}   rule: {v.rule}")
        for e in v.evidence[:4]:
            lines.append(f"      {'+' if e.supports else '-'} {e.workload}: {e.figure}")
        if len(v.evidence) > 4:
            lines.append(f"      ... {len(v.evidence) - 4} more")
    if len(report.releases) > 1:
        lines.append("")
        lines.append("== Claims across releases")
        lines.append("  " + f"{'claim':<10} " + " ".join(f"{r:>10}" for r in report.releases))
        for i, claim in enumerate(v.claim for v in report.scorecards[newest]):
            cells = " ".join(f"{report.scorecards[r][i].verdict:>10}" for r in report.releases)
            lines.append(f"  {claim:<10} {cells}")
    return "\n".join(lines) + "\n"
