"""Render the output of ``asv continuous`` (asv 0.6.6) as a Markdown verdict for a job summary.

    python tools/ci/render_gate.py ASV_OUTPUT_FILE FACTOR

``asv continuous`` prints the changed benchmarks as GitHub-style tables, one row each::

    | Change   | Before [1a2b3c4d] <main>   | After [5e6f7a8b]   |   Ratio | Benchmark (Parameter)   |
    |----------|----------------------------|--------------------|---------|-------------------------|
    | +        | 1.00±0.01ms                | 1.40±0.02ms        |    1.40 | bench_x.Y.time_run('M') |

with the change mark ``+`` slower (beyond the factor, and significant), ``-`` faster, ``!``
newly failing, then one closing line: ``PERFORMANCE DECREASED.``, ``PERFORMANCE INCREASED.``
or ``BENCHMARKS NOT SIGNIFICANTLY CHANGED.``.  The Markdown lists slowdowns and new failures
first under a verdict line.  Output without that closing line means asv stopped before it
compared anything (a build or setup error): the verdict says so and the gate fails.

Exit status: 0 the gate passes, 1 it fails (a slowdown, a new failure, or no comparison).
"""

from __future__ import annotations

import sys

MARKS = {"+": "slower", "!": "newly failing", "-": "faster", "*": "fixed", "x": "not comparable"}
ORDER = ("newly failing", "slower", "faster", "fixed", "not comparable")
OUTCOMES = {
    "PERFORMANCE DECREASED.": "decreased",
    "PERFORMANCE INCREASED.": "increased",
    "BENCHMARKS NOT SIGNIFICANTLY CHANGED.": "unchanged",
}


def parse(text: str) -> list[dict]:
    """The marked rows of every table in asv's output."""
    rows = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|") or len(cells) != 5 or cells[0] not in MARKS:
            continue
        mark, before, after, ratio, name = cells
        rows.append({"change": MARKS[mark], "before": before, "after": after, "ratio": ratio, "name": name})
    return rows


def outcome(text: str) -> str | None:
    """asv's closing verdict, or None when asv never got to compare."""
    found = None
    for line in text.splitlines():
        found = OUTCOMES.get(line.strip(), found)
    return found


def gate_fails(rows: list[dict], result: str | None) -> bool:
    return result in (None, "decreased") or any(r["change"] in ("slower", "newly failing") for r in rows)


def render(rows: list[dict], result: str | None, factor: str) -> str:
    bad = [r for r in rows if r["change"] in ("slower", "newly failing")]
    if result is None:
        verdict = "**asv stopped before comparing the two commits (see the job log): the gate fails.**"
    elif gate_fails(rows, result):
        verdict = f"**{len(bad)} benchmark(s) slower than {factor}x or newly failing: the gate fails.**"
    else:
        verdict = f"The gate passes: no benchmark got slower than {factor}x or started failing."
    out = ["## Benchmark gate (asv continuous, PR base vs head)", "", verdict, ""]
    if rows:
        out += ["| change | benchmark | before | after | ratio |", "|---|---|---:|---:|---:|"]
        for r in sorted(rows, key=lambda r: ORDER.index(r["change"])):
            name = r["name"].replace("|", "\\|")
            out.append(f"| {r['change']} | `{name}` | {r['before']} | {r['after']} | {r['ratio']} |")
    elif result is not None:
        out.append("No benchmark changed significantly.")
    out += ["", f"A benchmark fails the gate when it is more than {factor}x slower and the change is "
            "significant by asv's test; ratios are after/before (above 1 is slower)."]
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as f:
        text = f.read()
    rows, result = parse(text), outcome(text)
    sys.stdout.write(render(rows, result, argv[1]))
    return 1 if gate_fails(rows, result) else 0


if __name__ == "__main__":
    sys.exit(main())
