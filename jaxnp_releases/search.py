"""Which release made it slower: bisect and sweep, every step measured side by side.

``bisect --good G --bad B --bench PATTERN`` first measures G and B side by side (with the
middle candidate release between them in the same session), keeps the benchmarks that
regressed from G to B (never NumPy timings: NumPy is the same in every environment), and
then halves the candidates: each step is a new session of the good release, the candidate
and the bad release over just those benchmarks, and the candidate counts as bad when it
regressed against the good release *in that session*.  Nothing is compared with results
stored from another time.

``sweep --from A --to B --bench PATTERN`` measures every release in the range in sessions
of ``--window`` consecutive releases (default 3) that overlap by one release, so every
consecutive pair was measured side by side; a window already measured completely at this
commit (same releases, same benchmarks) is skipped, so a sweep resumes where it stopped.
A sweep killed in the middle of a window continues that window's session when run again:
the combinations it finished are not measured again.  Environments go to ``.asv/sweep-env``
and are removed after each window (unless ``--env-dir`` names a directory to keep them in).
"""

from __future__ import annotations

import pathlib
import re
import shutil
import sys
from collections.abc import Callable

from jaxnp_results import compare
from jaxnp_results.config import RESULTS_DIR, read_config
from jaxnp_results.results import Measurement
from jaxnp_results.roles import is_numpy_timing
from jaxnp_results.sessions import read_session, read_sessions
from jaxnp_results.versions import PLAIN_RELEASE, release_key

from . import matrix
from .launch import generated_config, new_session, report_outcome
from .selections import Selection

#: measure(releases, selection) -> the measurements of the session it ran
Measure = Callable[[list[str], Selection], list[Measurement]]


class SearchError(ValueError):
    """Bad arguments or a bisection with nothing to find (exit code 2)."""


def _followed(comparisons) -> list[compare.Comparison]:
    return [c for c in comparisons if c.verdict == compare.REGRESSION and not is_numpy_timing(c.measurement)]


def pattern_of(measurements: list[Measurement]) -> str:
    """An asv benchmark pattern selecting exactly these combinations."""
    return "|".join(f"^{re.escape(m.combination)}$" for m in measurements)


def bisect(good: str, bad: str, between: list[str], selection: Selection, measure: Measure,
           threshold=compare.DEFAULT_THRESHOLD, alpha=compare.DEFAULT_ALPHA, log=print):
    """``(first bad release, its comparison against the good one)``: the first release in
    ``between + [bad]`` that regressed against ``good``, each step side by side."""
    candidates = sorted(between, key=release_key) + [bad]
    lo, hi = 0, len(candidates) - 1            # candidates[hi] is known bad
    mid = (lo + hi) // 2
    first = [good, candidates[mid], bad] if candidates[mid] != bad else [good, bad]
    measured = measure(first, selection)
    confirmed = _followed(compare.compare_releases(measured, good, bad, threshold, alpha))
    if not confirmed:
        raise SearchError(f"no regression of {selection.description} from JAX {good} to {bad} when measured "
                          "side by side: nothing to bisect")
    worst = max(confirmed, key=lambda c: c.worse_factor)
    log(f"JAX {good} -> {bad}: {len(confirmed)} regressed, worst {worst.measurement.combination} "
        f"{worst.ratio:.3g}x [{worst.interval[0]:.3g}, {worst.interval[1]:.3g}]")
    follow = Selection("bisect", f"the {len(confirmed)} combinations that regressed from JAX {good} to {bad}",
                       (pattern_of([c.measurement for c in confirmed]),))
    keys = {c.measurement.key for c in confirmed}
    first_bad = (bad, worst)
    while lo < hi:
        release = candidates[mid]
        if release != bad and release not in first:
            measured = measure([good, release, bad], follow)
        versus_good = [c for c in compare.compare_releases(measured, good, release, threshold, alpha)
                       if c.measurement.key in keys]
        regressed = _followed(versus_good)
        shown = max(versus_good, key=lambda c: c.worse_factor or 0) if versus_good else None
        log(f"JAX {release}: {'regressed' if regressed else 'good'} against {good}"
            + (f" (worst {shown.measurement.combination}: {shown.ratio:.3g}x)" if shown and shown.ratio else ""))
        if regressed:
            hi, first_bad = mid, (release, max(regressed, key=lambda c: c.worse_factor))
        else:
            lo = mid + 1
        first = []
        mid = (lo + hi) // 2
    return first_bad


def windows(releases: list[str], size: int = 3) -> list[list[str]]:
    """Consecutive windows of ``size`` releases overlapping by one, covering every neighbour pair."""
    if size < 2:
        raise SearchError("a sweep window holds at least 2 releases")
    ordered = sorted(releases, key=release_key)
    if len(ordered) <= size:
        return [ordered] if len(ordered) > 1 else []
    out, start = [], 0
    while start < len(ordered) - 1:
        out.append(ordered[start:start + size])
        start += size - 1
    return out


def measured_windows(results_dir, machine: str, commit: str, selection: Selection) -> list[set[str]]:
    """Release sets of the complete sessions of this commit and selection (for resuming)."""
    done = []
    for s in read_sessions(results_dir):
        if (s.machine == machine and s.commit.startswith(commit) and (s.end or {}).get("status") == "complete"
                and tuple(s.settings.get("selection", {}).get("patterns", ())) == selection.patterns):
            done.append(set(s.labels))
    return done


def sweep(releases: list[str], selection: Selection, measure: Measure, done: list[set[str]],
          size: int = 3, cleanup: Callable[[], None] = lambda: None, log=print) -> list[list[str]]:
    """Measure every window not yet measured; returns the windows run."""
    ran = []
    for window in windows(releases, size):
        if set(window) in done:
            log(f"JAX {', '.join(window)}: already measured side by side at this commit, skipped")
            continue
        try:
            measure(window, selection)
        finally:
            cleanup()
        ran.append(window)
    return ran


# -- command line ----------------------------------------------------------------------------

def _measure_with(args) -> Measure:
    """A Measure running real sessions (see :mod:`.runner`) with the command's settings; an
    unfinished session of the same releases, commit and selection (a killed sweep or
    bisection) is continued, so nothing it measured is measured again.  The commit is pinned
    once (``HEAD`` resolved now), so a commit made while a search runs changes none of its
    sessions."""
    args.commit = _commit_hash(args)

    def measure(releases, selection):
        session = new_session(args, generated_config(args, releases, False), selection)
        session.prepare()
        resume = session.resumable()
        outcome = session.run(resume)
        if report_outcome(outcome, selection) != 0:
            raise SearchError(f"a benchmark failed in JAX {', '.join(releases)}: see above")
        if outcome.blocks_measured == 0:
            raise SearchError(f"nothing was measured in JAX {', '.join(releases)}")
        return read_session(outcome.path).measurements()

    return measure


def _in_range(args, versions):
    return sorted((v for v in versions if PLAIN_RELEASE.fullmatch(v)
                   and release_key(args.first) <= release_key(v) <= release_key(args.last)), key=release_key)


def cmd_bisect(args) -> int:
    from .selections import selection_named

    versions = args.releases if args.releases is not None else matrix.pypi_versions("jax")
    release, comparison = bisect(args.good, args.bad, matrix.releases_between(args.good, args.bad, versions),
                                 selection_named(args.bench), _measure_with(args), args.threshold, args.alpha,
                                 log=lambda text: print(text, file=sys.stderr, flush=True))
    low, high = comparison.interval
    n_old, n_new = comparison.processes
    print(f"first release with the slowdown: JAX {release} ({comparison.measurement.combination}: "
          f"{comparison.ratio:.3g}x [{low:.3g}, {high:.3g}] vs JAX {args.good}, {n_old}+{n_new} processes "
          f"side by side, session {comparison.measurement.session})")
    return 1


def cmd_sweep(args) -> int:
    from .selections import selection_named

    selection = selection_named(args.bench)
    versions = args.releases if args.releases is not None else matrix.pypi_versions("jax")
    in_range = _in_range(args, versions)
    if len(in_range) < 2:
        raise SearchError(f"fewer than two releases between {args.first} and {args.last}: {in_range}")
    cleanup = lambda: None  # noqa: E731 - environments of a given --env-dir are the user's to keep
    if args.env_dir is None:  # by default each window's environments go, the disk stays free
        env_dir = pathlib.Path(args.config).resolve().parent / ".asv" / "sweep-env"
        args.env_dir = str(env_dir)
        cleanup = lambda: shutil.rmtree(env_dir, ignore_errors=True)  # noqa: E731
    config_dir = pathlib.Path(args.config).resolve().parent
    results_dir = args.results_dir or config_dir / read_config(args.config).get("results_dir", RESULTS_DIR)
    from .asv_machine import ensure_registered

    ensure_registered(args.machine)
    done = measured_windows(results_dir, args.machine, _commit_hash(args), selection)
    ran = sweep(in_range, selection, _measure_with(args), done, args.window, cleanup=cleanup,
                log=lambda text: print(text, file=sys.stderr, flush=True))
    print(f"swept JAX {in_range[0]} to {in_range[-1]} in {len(ran)} new session(s): "
          + ("; ".join(", ".join(w) for w in ran) or "everything was already measured"))
    return 0


def _commit_hash(args) -> str:
    import subprocess

    root = pathlib.Path(args.config).resolve().parent
    found = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "-q", f"{args.commit}^{{commit}}"],
                           capture_output=True, text=True)
    if found.returncode != 0:
        raise SearchError(f"unknown commit {args.commit!r}")
    return found.stdout.strip()


def add_commands(sub, common) -> None:
    for name, help_text in (("bisect", "the first release of a slowdown, each step side by side"),
                            ("sweep", "every release of a range, neighbours side by side")):
        p = sub.add_parser(name, help=help_text)
        common(p)
        p.add_argument("--bench", required=True, help="a declared selection or a benchmark pattern")
        p.add_argument("--releases", nargs="*", help="candidate JAX releases (default: from PyPI)")
        if name == "bisect":
            p.add_argument("--good", required=True)
            p.add_argument("--bad", required=True)
            p.add_argument("--threshold", type=float, default=compare.DEFAULT_THRESHOLD)
            p.add_argument("--alpha", type=float, default=compare.DEFAULT_ALPHA)
            p.set_defaults(func=cmd_bisect, twin=False)
        else:
            p.add_argument("--from", dest="first", required=True)
            p.add_argument("--to", dest="last", required=True)
            p.add_argument("--window", type=int, default=3, help="releases per session (default 3)")
            p.set_defaults(func=cmd_sweep, twin=False)
