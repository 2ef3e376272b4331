"""Render ``asv continuous``/``asv compare`` output as a Markdown table for a job summary.

    python tools/ci/render_gate.py ASV_OUTPUT_FILE FACTOR

asv prints one row per changed benchmark: a mark (``+`` slower, ``-`` faster, ``x`` failed,
``!`` newly failing), the before and after values, the ratio and the name.  The table lists
them, slowdowns first, under a verdict line.
"""

from __future__ import annotations

import re
import sys

ROW = re.compile(r"^\s*(?P<mark>[+\-x!])?\s+(?P<before>\S+)\s+(?P<after>\S+)\s+(?P<ratio>[\d.~]+|n/a)\s+"
                 r"(?P<name>\S.*)$")
MARKS = {"+": "slower", "-": "faster", "x": "failed", "!": "newly failing"}


def parse(text: str) -> list[dict]:
    rows = []
    for line in text.splitlines():
        m = ROW.match(line)
        if m and m.group("mark") in MARKS and not line.lstrip().startswith(("Change", "--")):
            rows.append({**m.groupdict(), "change": MARKS[m.group("mark")]})
    return rows


def render(rows: list[dict], factor: str) -> str:
    bad = [r for r in rows if r["change"] in ("slower", "failed", "newly failing")]
    verdict = (f"**{len(bad)} benchmark(s) slower than {factor}x or failing: the gate fails.**" if bad
               else f"No benchmark got slower than {factor}x.")
    out = ["## Benchmark gate (asv continuous, base vs head)", "", verdict, ""]
    if rows:
        out += ["| change | benchmark | before | after | ratio |", "|---|---|---:|---:|---:|"]
        order = ["newly failing", "failed", "slower", "faster"]
        for r in sorted(rows, key=lambda r: order.index(r["change"])):
            out.append(f"| {r['change']} | `{r['name']}` | {r['before']} | {r['after']} | {r['ratio']} |")
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as f:
        sys.stdout.write(render(parse(f.read()), argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
