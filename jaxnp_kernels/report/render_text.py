"""The report as a terminal table (the default output)."""

from __future__ import annotations

from jaxnp_results import compare

from .build import Report, main_speedups
from .scorecard import mark

#: How the Markdown and HTML scorecards show a figure for (+), against (-) or within the noise (~).
SYMBOLS = {"+": "✓", "-": "✗", "~": "≈"}


def format_value(value: float | None, unit: str) -> str:
    """A value in its unit, scaled for reading: 0.75 ms, 4.2 MB, 12.5 GB/s, 1.33x, 9.1%."""
    if value is None:
        return "-"
    if unit == "seconds":
        for scale, suffix in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us")):
            if abs(value) >= scale:
                return f"{value / scale:.3g} {suffix}"
        return f"{value * 1e9:.3g} ns"
    if unit == "bytes":
        for scale, suffix in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
            if abs(value) >= scale:
                return f"{value / scale:.3g} {suffix}"
        return f"{value:.0f} B"
    if unit == "ratio":
        return f"{value:.3g}x"
    if unit == "fraction":
        return f"{value:.1%}"
    return f"{value:.3g} {unit}"


def format_change(c: compare.Comparison) -> str:
    """``old -> new`` in the benchmark's unit."""
    unit = c.measurement.unit
    old = format_value(c.old.value if c.old else None, unit)
    new = format_value(c.new.value if c.new else None, unit)
    return f"{old} -> {new}"


def format_ratio(c: compare.Comparison) -> str:
    if c.ratio is None:
        return "-"
    return "inf" if c.ratio == float("inf") else f"{c.ratio:.3g}x"



def format_evidence(c: compare.Comparison) -> str:
    """``[1.1x, 1.41x] 10 rounds`` (or ``6+6 processes``) side by side; otherwise what the verdict
    rests on."""
    if c.interval is not None:
        low, high = c.interval
        bounds = f"[{low:.3g}x, {high:.3g}x]" if high != float("inf") else "[no interval: too few]"
        if c.rounds is not None:
            return f"{bounds} {c.rounds} rounds"
        n_old, n_new = c.processes
        return f"{bounds} {n_old}+{n_new} processes"
    return c.evidence or ""


def rule_text(report: Report) -> str:
    """The verdict rule in one sentence, with the report's threshold and alpha."""
    return (f"verdicts only from releases measured side by side (in rounds: one process per release "
            f"measured together, samples in turn; each round one ratio): regression/improvement when the "
            f"{report.interval_name} of the ratio (rounds added, up to 20, while it can neither decide nor "
            f"resolve a {report.threshold:g}x change) lies beyond "
            f"1.05x and reaches {report.threshold:g}x; exact byte figures judged from 1 MiB; values measured "
            "apart are shown, never judged")


def session_lines(report: Report) -> list[str]:
    """One line per side-by-side session behind the verdicts."""
    import datetime

    lines = []
    for s in report.sessions:
        when = datetime.datetime.fromtimestamp(s.started_at / 1000, datetime.timezone.utc)
        design = (f"{s.rounds[0]} to {s.rounds[1]} rounds per combination" if s.rounds
                  else f"{s.processes} processes per release and combination")
        lines.append(f"session {s.id}: JAX {', '.join(s.releases)} side by side, {design}, "
                     f"{s.blocks} combinations, {when:%Y-%m-%d %H:%M} UTC, {s.status}")
    return lines


def comparison_rows(pair, limit_unchanged: int = 0):
    """Rows worth listing: verdicts first, then failures, then (some) one-sided rows."""
    order = {compare.REGRESSION: 0, compare.IMPROVEMENT: 1, compare.SKIPPED: 2,
             compare.MISSING_OLD: 3, compare.MISSING_NEW: 3, compare.NO_CHANGE: 4, compare.APART: 5,
             compare.NOT_MEASURED: 6}
    rows = sorted(pair.comparisons, key=lambda c: (order[c.verdict], -(c.worse_factor or 0)))
    shown = [c for c in rows if c.verdict not in (compare.NO_CHANGE, compare.APART, compare.NOT_MEASURED,
                                                   *ONE_SIDE)]
    return shown + [c for c in rows if c.verdict in ONE_SIDE][:ONE_SIDE_LISTED]


#: Measured in only one release of a pair: listed up to ONE_SIDE_LISTED, then counted.
ONE_SIDE = (compare.MISSING_OLD, compare.MISSING_NEW)
ONE_SIDE_LISTED = 10


def one_side_note(pair) -> str:
    """How many benchmarks only one release of the pair has, when the table does not list them all."""
    count = sum(1 for c in pair.comparisons if c.verdict in ONE_SIDE)
    if count <= ONE_SIDE_LISTED:
        return ""
    return (f"{count} benchmarks were measured in only one of the two releases (e.g. a bisect or sweep "
            f"that ran a subset); the first {ONE_SIDE_LISTED} are listed.")


def pair_counts(pair) -> str:
    """``3 regressions, 1 improvement, 90 unchanged side by side, ...`` for a pair's heading."""
    n = {v: len(pair.with_verdict(v)) for v in (compare.REGRESSION, compare.IMPROVEMENT, compare.NO_CHANGE,
                                                  compare.SKIPPED, compare.APART)}
    text = (f"{n[compare.REGRESSION]} regressions, {n[compare.IMPROVEMENT]} improvements, "
            f"{n[compare.NO_CHANGE]} unchanged, {n[compare.SKIPPED]} skipped/failed on a side")
    return text + (f", {n[compare.APART]} measured apart (not judged)" if n[compare.APART] else "")


def render(report: Report, brief: bool = False) -> str:
    """The whole report; ``brief``: only the release verdicts and the JAX/NumPy speedups."""
    lines = [f"jaxnp-bench release report  machine {report.machine}  commit {report.commit[:8]}",
             f"JAX releases: {', '.join(report.releases)}",
             f"verdict rule: {rule_text(report)}", *session_lines(report), ""]
    if len(report.releases) < 2:
        lines.append(f"Only one JAX release ({report.releases[0]}) measured at this commit: nothing to compare.")
    for pair in report.pairs:
        lines.append(f"== JAX {pair.old} -> {pair.new}: {pair_counts(pair)}")
        for note in (pair.control_note(), pair.apart_note()):
            if note:
                lines.append("   " + note)
        rows = comparison_rows(pair)
        if rows:
            width = max(len(c.measurement.label) for c in rows)
            lines.append(f"  {'verdict':<17} {'benchmark':<{width}}  {'new/old':>8}  {'old -> new':<24}  "
                         "interval, replicates")
            for c in rows:
                lines.append(f"  {c.verdict:<17} {c.measurement.label:<{width}}  {format_ratio(c):>8}  "
                             f"{format_change(c):<24}  {format_evidence(c)}")
        if one_side_note(pair):
            lines.append("   " + one_side_note(pair))
        lines.append("")
    speedups = main_speedups(report)
    if speedups:
        lines.append("== JAX/NumPy speedup (each workload's compiled implementation, float32, size M; >1 = JAX faster)")
        width = max(len(k) for k in speedups)
        lines.append(f"  {'workload/impl':<{width}}  " + "  ".join(f"{r:>8}" for r in report.releases))
        for key, values in speedups.items():
            cells = "  ".join(f"{values[r]:7.2f}x" if r in values else f"{'-':>8}" for r in report.releases)
            lines.append(f"  {key:<{width}}  {cells}")
        lines.append("")
    if brief:
        return "\n".join(lines)
    for table in report.figures:
        lines.append(f"== {table.title}")
        width = max(len(case) for case in table.values)
        lines.append(f"  {'case':<{width}}  " + "  ".join(f"{r:>10}" for r in report.releases))
        for case, values in sorted(table.values.items()):
            cells = "  ".join(f"{format_value(values.get(r), table.unit):>10}" for r in report.releases)
            lines.append(f"  {case:<{width}}  {cells}")
        if table.note():
            lines.append("  " + table.note())
        lines.append("")
    newest = report.releases[-1]
    lines.append(f"== Claims scorecard, JAX {newest}")
    for v in report.scorecards[newest]:
        share = v.support_fraction
        support = "" if share is None else f"{share:.0%} of {len(v.evidence)} figures support"
        lines.append(f"  {v.claim:<10} {v.verdict.upper():<10} {support}   rule: {v.rule}")
        for e in v.evidence[:4]:
            lines.append(f"      {mark(e)} {e.workload}: {e.figure}")
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
