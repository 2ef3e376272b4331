"""``jaxnp-report``: what changed between JAX releases at one commit, and which claims hold.

    jaxnp-report [RESULTS_DIR] [--format text|markdown|html|landing] [--output FILE]
                 [--machine NAME] [--commit HASH] [--release V ...]
                 [--threshold 1.2] [--alpha 0.05]
    jaxnp-report bisect ... / sweep ...   the same as jaxnp-releases bisect / sweep

The installed ``jaxnp-report`` is :func:`jaxnp_commands.report`: it hands ``bisect`` and
``sweep`` to :mod:`jaxnp_releases` and everything else to :func:`main` here.  The report reads
measurements and never makes them, so it does not import the release tooling; reached
directly (``python -m jaxnp_kernels.report bisect``), those two words get a one-line pointer
to ``jaxnp-releases`` and exit code 2.

``--format landing`` writes the published site's first page (every machine on one page: the
newest release comparison, charts, links into the asv pages and the full report beside it).

Exit codes: 0 no regression, 1 a regression was found, 2 bad input (not an asv results
directory, a damaged or malformed file, an unknown or ambiguous machine, commit or release, a
bad argument, an output path that cannot be written) with a one-line message naming it, or an
unexpected error ("internal error"; ``--debug`` shows its traceback).
"""

from __future__ import annotations

import argparse
import math
import pathlib
import sys
import traceback

from jaxnp_results import compare
from jaxnp_results.config import RESULTS_DIR
from jaxnp_results.results import BadResults, read_results
from jaxnp_results.sessions import read_sessions

from .build import ReportError, build_report, machines

RENDERERS = ("text", "markdown", "html", "landing")


def _render(report, fmt: str, brief: bool = False) -> str:
    if fmt == "text":
        from .render_text import render

        return render(report, brief)
    if fmt == "markdown":
        from .render_markdown import render
    else:
        from .render_html import render
    return render(report)


def _positive_finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def report_main(argv) -> int:
    parser = argparse.ArgumentParser(prog="jaxnp-report", description=__doc__.splitlines()[0])
    parser.add_argument("results_dir", nargs="?", default=RESULTS_DIR)
    parser.add_argument("--format", choices=RENDERERS, default="text")
    parser.add_argument("--output", "-o", help="write here instead of standard output "
                        "(with several machines, the machine name is added before the suffix)")
    parser.add_argument("--machine", help="one machine (default: a report per machine)")
    parser.add_argument("--commit", help="commit hash or prefix (default: the newest measured)")
    parser.add_argument("--release", action="append", help="only these JAX releases (repeatable)")
    parser.add_argument("--threshold", type=_positive_finite, default=compare.DEFAULT_THRESHOLD)
    parser.add_argument("--alpha", type=_positive_finite, default=compare.DEFAULT_ALPHA)
    parser.add_argument("--brief", action="store_true",
                        help="text only: the release verdicts and the JAX/NumPy speedups, no figures or scorecard")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an internal error")
    args = parser.parse_args(argv)
    if args.threshold <= 1:
        parser.error("--threshold must be above 1 (e.g. 1.2 for 20%)")
    if not 0 < args.alpha < 1:
        parser.error("--alpha must lie between 0 and 1 (e.g. 0.05)")
    try:
        sessions = read_sessions(args.results_dir)
        measurements = read_results(args.results_dir) + [m for s in sessions for m in s.measurements()]
        names = [args.machine] if args.machine else machines(measurements)
        reports = [build_report(measurements, name, args.commit, args.release, args.threshold, args.alpha,
                                sessions) for name in names]
    except (BadResults, ReportError) as error:
        print(f"jaxnp-report: {error}", file=sys.stderr)
        return 2
    if args.format == "landing":  # one page for every machine
        from .render_landing import render as render_landing

        pages = [(None, render_landing(reports))]
    else:
        pages = [(report, _render(report, args.format, args.brief)) for report in reports]
    for report, text in pages:
        if args.output:
            path = pathlib.Path(args.output)
            if report is not None and len(reports) > 1:
                path = path.with_name(f"{path.stem}-{report.machine}{path.suffix}")
            try:
                path.write_text(text, encoding="utf-8")
            except OSError as error:
                print(f"jaxnp-report: cannot write {path}: {error.strerror or error}", file=sys.stderr)
                return 2
            print(f"wrote {path}", file=sys.stderr)
        else:
            sys.stdout.write(text)
    return 1 if any(r.regressions for r in reports) else 0


def main(argv=None) -> int:
    """Exit 0 no regression, 1 regression, 2 bad input or any unexpected error ("internal
    error"; ``--debug`` shows the traceback): a crash must never read as 0 or 1."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("bisect", "sweep"):  # they measure: jaxnp-releases owns them (jaxnp_commands)
        print(f"jaxnp-report: {argv[0]} measures JAX releases, the report only reads results: run "
              f"jaxnp-releases {argv[0]} (the installed jaxnp-report forwards it)", file=sys.stderr)
        return 2
    try:
        return report_main(argv)
    except SystemExit as done:   # argparse: --help (0) or a usage error (2)
        return done.code if isinstance(done.code, int) else 2
    except KeyboardInterrupt:
        print("jaxnp-report: interrupted", file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 - never a traceback with exit 1
        if "--debug" in argv:
            traceback.print_exc()
        print(f"jaxnp-report: internal error: {type(error).__name__}: {error} (--debug shows the traceback)",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
