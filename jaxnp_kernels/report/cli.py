"""``jaxnp-report``: what changed between JAX releases at one commit, and which claims hold.

    jaxnp-report [RESULTS_DIR] [--format text|markdown|html] [--output FILE]
                 [--machine NAME] [--commit HASH] [--release V ...]
                 [--threshold 1.2] [--alpha 0.005]
    jaxnp-report bisect ... / sweep ...   the same as jaxnp-releases bisect / sweep

Exit codes: 0 no regression, 1 a regression was found, 2 bad input (not an asv results
directory, unreadable files, an unknown machine, commit or release).
"""

from __future__ import annotations

import argparse
import pathlib
import sys

from . import compare
from .build import ReportError, build_report, machines
from .results import BadResults, read_results
from .sessions import read_sessions

RENDERERS = ("text", "markdown", "html")


def _render(report, fmt: str, brief: bool = False) -> str:
    if fmt == "text":
        from .render_text import render

        return render(report, brief)
    if fmt == "markdown":
        from .render_markdown import render
    else:
        from .render_html import render
    return render(report)


def report_main(argv) -> int:
    parser = argparse.ArgumentParser(prog="jaxnp-report", description=__doc__.splitlines()[0])
    parser.add_argument("results_dir", nargs="?", default=".asv/results")
    parser.add_argument("--format", choices=RENDERERS, default="text")
    parser.add_argument("--output", "-o", help="write here instead of standard output "
                        "(with several machines, the machine name is added before the suffix)")
    parser.add_argument("--machine", help="one machine (default: a report per machine)")
    parser.add_argument("--commit", help="commit hash or prefix (default: the newest measured)")
    parser.add_argument("--release", action="append", help="only these JAX releases (repeatable)")
    parser.add_argument("--threshold", type=float, default=compare.DEFAULT_THRESHOLD)
    parser.add_argument("--alpha", type=float, default=compare.DEFAULT_ALPHA)
    parser.add_argument("--brief", action="store_true",
                        help="text only: the release verdicts and the JAX/NumPy speedups, no figures or scorecard")
    args = parser.parse_args(argv)
    if args.threshold <= 1:
        parser.error("--threshold must be above 1 (e.g. 1.2 for 20%)")
    try:
        sessions = read_sessions(args.results_dir)
        measurements = read_results(args.results_dir) + [m for s in sessions for m in s.measurements()]
        names = [args.machine] if args.machine else machines(measurements)
        reports = [build_report(measurements, name, args.commit, args.release, args.threshold, args.alpha,
                                sessions) for name in names]
    except (BadResults, ReportError) as error:
        print(f"jaxnp-report: {error}", file=sys.stderr)
        return 2
    for report in reports:
        text = _render(report, args.format, args.brief)
        if args.output:
            path = pathlib.Path(args.output)
            if len(reports) > 1:
                path = path.with_name(f"{path.stem}-{report.machine}{path.suffix}")
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}", file=sys.stderr)
        else:
            sys.stdout.write(text)
    return 1 if any(r.regressions for r in reports) else 0


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("bisect", "sweep"):  # they measure: jaxnp_releases owns them
        from jaxnp_releases.cli import main as releases_main

        return releases_main(argv)
    return report_main(argv)


if __name__ == "__main__":
    sys.exit(main())
