"""Release bisection and sweeps: run benchmarks in JAX releases outside the asv matrix.

``jaxnp-report bisect --good 0.6.2 --bad 0.7.2 --bench REGEX`` runs the affected
benchmarks in environments of the releases between two matrix releases (binary search)
and names the first release where the slowdown appears, with its ratio against the good
release.  ``jaxnp-report sweep --from 0.6.0 --to 0.7.2 --bench REGEX`` runs a subset over
every release in a range, one environment at a time, each removed after use; it skips
releases already measured at that commit, so an interrupted sweep resumes where it
stopped.  Both produce ordinary asv results in the same results directory, so the report
and the site pick them up.

Environments come from a generated asv config: a copy of ``asv.conf.json`` whose matrix
is the one release (jax and jaxlib paired: a jax patch release without its own jaxlib
takes the newest older jaxlib, e.g. jax 0.5.2 with jaxlib 0.5.1).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import shutil
import subprocess
import sys
from collections.abc import Callable

from . import compare
from .build import is_numpy_timing
from .results import BadResults, read_results, release_key

Runner = Callable[[str], None]  # run the chosen benchmarks in one release's environment


class BisectError(ValueError):
    """Bad arguments or an inconsistent bisection (exit code 2)."""


def _strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))


def pypi_versions(package: str) -> list[str]:
    """Versions PyPI serves, from ``pip index versions`` (newest first)."""
    out = subprocess.run([sys.executable, "-m", "pip", "index", "versions", package],
                         capture_output=True, text=True, check=True).stdout
    match = re.search(r"Available versions: (.*)", out)
    if not match:
        raise BisectError(f"pip could not list the versions of {package}")
    return [v.strip() for v in match.group(1).split(",")]


def releases_between(old: str, new: str, versions: list[str]) -> list[str]:
    """Plain releases strictly between ``old`` and ``new``, in version order."""
    lo, hi = release_key(old), release_key(new)
    plain = [v for v in versions if re.fullmatch(r"\d+(\.\d+)*", v)]
    return sorted((v for v in plain if lo < release_key(v) < hi), key=release_key)


def paired_jaxlib(jax_version: str, jaxlib_versions: list[str]) -> str:
    """jaxlib for ``jax_version``: the same version, else the newest older one of its minor series."""
    if jax_version in jaxlib_versions:
        return jax_version
    minor = jax_version.rsplit(".", 1)[0]
    older = [v for v in jaxlib_versions if v.startswith(minor + ".") and release_key(v) < release_key(jax_version)]
    if not older:
        raise BisectError(f"no jaxlib release pairs with jax {jax_version}")
    return max(older, key=release_key)


def write_config(base_config: pathlib.Path, release: str, jaxlib: str, out: pathlib.Path,
                 env_dir: pathlib.Path | None = None,
                 results_dir: pathlib.Path | None = None) -> pathlib.Path:
    """An asv config with one environment, ``release``, writing into ``results_dir``
    (default: ``base_config``'s results directory)."""
    conf = json.loads(_strip_comments(base_config.read_text(encoding="utf-8")))
    root = base_config.resolve().parent
    template = conf["include"][-1]
    entry = json.loads(json.dumps(template))
    entry["req"]["jax"], entry["req"]["jaxlib"] = release, jaxlib
    conf["include"] = [entry]
    conf["repo"] = str(root / conf.get("repo", "."))
    conf["benchmark_dir"] = str(root / conf.get("benchmark_dir", "benchmarks"))
    conf["results_dir"] = str(pathlib.Path(results_dir).resolve() if results_dir
                              else root / conf.get("results_dir", ".asv/results"))
    conf["html_dir"] = str(root / conf.get("html_dir", ".asv/html"))
    conf["env_dir"] = str(env_dir if env_dir else root / conf.get("env_dir", ".asv/env"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(conf, indent=2), encoding="utf-8")
    return out


def asv_runner(asv: str, base_config: pathlib.Path, commit: str, bench: str, machine: str,
               jaxlib_versions: list[str], env_dir: pathlib.Path | None = None,
               results_dir: pathlib.Path | None = None) -> Runner:
    """A runner calling ``asv run COMMIT^! --bench BENCH`` in a one-release environment,
    its results written to ``results_dir`` (the directory the bisection reads)."""
    work = base_config.resolve().parent / ".asv"

    def run(release: str) -> None:
        config = write_config(base_config, release, paired_jaxlib(release, jaxlib_versions),
                              work / f"release-{release}.conf.json", env_dir, results_dir)
        command = [asv, "--config", str(config), "run", f"{commit}^!", "--bench", bench,
                   "--record-samples", "--machine", machine, "--show-stderr"]
        print("$ " + " ".join(command), file=sys.stderr, flush=True)
        subprocess.run(command, check=False)

    return run


def _candidates(results_dir, machine, commit, bench):
    """The newest measurement per benchmark matching ``bench`` at ``commit``, NumPy timings excluded."""
    pattern = re.compile(bench)
    return compare.latest_per_key(m for m in read_results(results_dir)
                                  if m.machine == machine and m.commit.startswith(commit)
                                  and pattern.search(m.benchmark) and not is_numpy_timing(m))


def _regressed(results_dir, machine, commit, good, candidate, bench, threshold, alpha, keys=None):
    """(regressed?, worst ratio) of ``candidate`` against ``good`` for benchmarks matching
    ``bench`` (only the measurements in ``keys``, when given).

    NumPy timings are never candidates: NumPy is the same in every environment, so a change
    in them is the machine's, not a JAX release's."""
    comparisons = compare.compare_releases(_candidates(results_dir, machine, commit, bench),
                                           good, candidate, threshold, alpha)
    measured = [c for c in comparisons if c.ratio is not None and (keys is None or c.measurement.key in keys)]
    if not measured:
        raise BisectError(f"no comparable results of {bench!r} for JAX {good} and {candidate}")
    worst = max(measured, key=lambda c: c.worse_factor)
    return any(c.verdict == compare.REGRESSION for c in measured), worst


def bisect(results_dir, machine: str, commit: str, good: str, bad: str, between: list[str], bench: str,
           run: Runner, threshold=compare.DEFAULT_THRESHOLD, alpha=compare.DEFAULT_ALPHA):
    """The first release in ``between + [bad]`` where ``bench`` regressed against ``good``.

    Returns ``(release, comparison)``; runs only the releases the binary search visits,
    and none that already have results at this commit.
    """
    measured = {m.release for m in read_results(results_dir)
                if m.machine == machine and m.commit.startswith(commit)}
    for needed in (good, bad):
        if needed not in measured:
            raise BisectError(f"JAX {needed} has no results at {commit[:8]} on {machine}: run it first")
    regressed, worst = _regressed(results_dir, machine, commit, good, bad, bench, threshold, alpha)
    if not regressed:
        raise BisectError(f"no regression of {bench!r} from JAX {good} to {bad}: nothing to bisect")
    # follow only what regressed from good to bad: other parameters may move with noise
    keys = {c.measurement.key
            for c in compare.compare_releases(_candidates(results_dir, machine, commit, bench),
                                              good, bad, threshold, alpha)
            if c.verdict == compare.REGRESSION}
    candidates = sorted(between, key=release_key) + [bad]
    lo, hi = 0, len(candidates) - 1   # candidates[hi] is known bad
    first_bad = (bad, worst)
    while lo < hi:
        mid = (lo + hi) // 2
        release = candidates[mid]
        if release not in measured:
            run(release)
            measured.add(release)
        is_bad, comparison = _regressed(results_dir, machine, commit, good, release, bench, threshold, alpha,
                                        keys)
        print(f"JAX {release}: {'regressed' if is_bad else 'good'} (worst {comparison.measurement.label}: "
              f"{comparison.ratio:.2f}x)", file=sys.stderr)
        if is_bad:
            hi, first_bad = mid, (release, comparison)
        else:
            lo = mid + 1
    if candidates[hi] != first_bad[0]:
        _, comparison = _regressed(results_dir, machine, commit, good, candidates[hi], bench, threshold, alpha,
                                   keys)
        first_bad = (candidates[hi], comparison)
    return first_bad


def sweep(results_dir, machine: str, commit: str, releases: list[str], bench: str, run: Runner,
          cleanup: Callable[[str], None] = lambda release: None) -> list[str]:
    """Run ``bench`` in every release not yet measured at ``commit``; returns those run."""
    pattern = re.compile(bench)
    try:
        done = {m.release for m in read_results(results_dir)
                if m.machine == machine and m.commit.startswith(commit) and pattern.search(m.benchmark)
                and m.value is not None}
    except BadResults:
        done = set()
    ran = []
    for release in sorted(releases, key=release_key):
        if release in done:
            print(f"JAX {release}: already measured, skipped", file=sys.stderr)
            continue
        try:
            run(release)
        finally:
            cleanup(release)
        ran.append(release)
    return ran


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="jaxnp-report", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    for mode in ("bisect", "sweep"):
        p = sub.add_parser(mode)
        p.add_argument("--results-dir", default=".asv/results")
        p.add_argument("--config", default="asv.conf.json")
        p.add_argument("--asv", default=".venv/asv/bin/asv", help="the asv executable")
        p.add_argument("--machine", default="jaxnp-ci-2core")
        p.add_argument("--commit", required=True, help="the commit whose results are compared")
        p.add_argument("--bench", required=True, help="regular expression of the benchmarks to run")
        p.add_argument("--releases", nargs="*", help="candidate JAX releases (default: from PyPI)")
        p.add_argument("--jaxlib-releases", nargs="*",
                       help="jaxlib releases to pair with (default: --releases if given, else from PyPI)")
        if mode == "bisect":
            p.add_argument("--good", required=True)
            p.add_argument("--bad", required=True)
            p.add_argument("--threshold", type=float, default=compare.DEFAULT_THRESHOLD)
            p.add_argument("--alpha", type=float, default=compare.DEFAULT_ALPHA)
        else:
            p.add_argument("--from", dest="first", required=True)
            p.add_argument("--to", dest="last", required=True)
    args = parser.parse_args(argv)
    config = pathlib.Path(args.config)
    try:
        if not config.is_file():
            raise BisectError(f"{config} not found")
        versions = args.releases if args.releases is not None else pypi_versions("jax")
        jaxlibs = (args.jaxlib_releases if args.jaxlib_releases is not None
                   else args.releases if args.releases is not None else pypi_versions("jaxlib"))
        if args.mode == "bisect":
            run = asv_runner(args.asv, config, args.commit, args.bench, args.machine, jaxlibs,
                             results_dir=pathlib.Path(args.results_dir))
            release, comparison = bisect(args.results_dir, args.machine, args.commit, args.good, args.bad,
                                         releases_between(args.good, args.bad, versions), args.bench, run,
                                         args.threshold, args.alpha)
            print(f"first release with the slowdown: JAX {release} "
                  f"({comparison.measurement.label}: {comparison.ratio:.2f}x vs JAX {args.good})")
            return 1
        env_dir = config.resolve().parent / ".asv" / "sweep-env"
        run = asv_runner(args.asv, config, args.commit, args.bench, args.machine, jaxlibs, env_dir,
                         pathlib.Path(args.results_dir))
        in_range = [v for v in versions if re.fullmatch(r"\d+(\.\d+)*", v)
                    and release_key(args.first) <= release_key(v) <= release_key(args.last)]
        ran = sweep(args.results_dir, args.machine, args.commit, in_range, args.bench, run,
                    cleanup=lambda release: shutil.rmtree(env_dir, ignore_errors=True))
        print(f"swept {len(ran)} release(s): {', '.join(ran) or 'none needed'}")
        return 0
    except (BisectError, BadResults) as error:
        print(f"jaxnp-report: {error}", file=sys.stderr)
        return 2
