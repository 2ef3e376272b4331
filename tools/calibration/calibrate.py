"""Calibrate the release verdicts: A/A runs (quiet, and with a CPU hog) and an injected slowdown.

Run with the tools' Python (``.venv/asv/bin/python``, set up by tools/run-suite.sh)::

    python tools/calibration/calibrate.py aa [--hog --expected-minutes M]   same release twice
    python tools/calibration/calibrate.py sensitivity [--repeat 5]          +20% in one environment
    python tools/calibration/calibrate.py summary DIR [DIR ...]              verdict counts per session
    python tools/calibration/calibrate.py steadiness DIR_A DIR_B             two runs of one commit

``aa`` measures the newest matrix release against a twin of itself (the same release in a
second environment, distinct to asv by a harmless extra pin) through the whole pipeline,
every ``time_run`` at size M, and writes to ``.asv/calibration/aa-quiet`` (``aa-hog`` with
``--hog``).  With ``--hog`` a busy loop (one pure-Python process, pinned to nothing) runs
during a random half of the run: it starts at a random moment of the first half of the
expected duration and is stopped (by its pid) half the expected duration later; its start
and stop times are printed.

``sensitivity`` installs a test-only module (tools/calibration/jaxnp_slowdown.py, loaded by
a ``.pth`` file) into the twin environment only: it makes two JAX kernels (fused_chain's
jitted chain and stencil2d's compiled Jacobi loop) also compute their result on the first
part of their inputs, the part's size calibrated in one process first so that the kernel
takes 20% longer (single calls alternating, as the session's processes time them), and adds
that extra result at 1e-30 weight (the result, and its verification, are unchanged).  The
product's kernels are not touched.  Then it measures ``--repeat`` sessions of the affected
workloads and a few others, and counts in how many the slowed rows were caught and any
NumPy row was flagged.

``summary`` prints, for every session under the directories, the verdicts between its two
environments: rows judged, NumPy rows judged, and the rows with a verdict.

``steadiness`` compares two runs of the same commit (two results directories, e.g. two main
jobs): for each series, the ratio of the second run's value to the first's, per release and
combination, and how many stay within 1.1x and 1.2x.  The JAX/NumPy speedups (both measured
in the same processes) should move far less than the absolute timings (the runner's speed).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import random
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from jaxnp_kernels.report import compare  # noqa: E402
from jaxnp_kernels.report.build import is_numpy_timing  # noqa: E402
from jaxnp_kernels.report.results import BadResults  # noqa: E402
from jaxnp_kernels.report.sessions import read_sessions  # noqa: E402

CALIBRATION = ROOT / ".asv" / "calibration"
ENV_DIR = ROOT / ".asv" / "calibration-env"
SLOWED = {"fused_chain": "jax_jit", "stencil2d": "jax_fori"}
SENSITIVITY_SELECTION = (r"\.(FusedChain|Stencil2d|Elementwise|Matmul|Logsumexp)\.time_run\('[^']+', 'M', "
                         r"'[^']+'\)$")
TARGET = 1.20


def releases_command(*args) -> list[str]:
    return [sys.executable, "-m", "jaxnp_releases", *args]


def run_session(results_dir: pathlib.Path, selection: str, extra=()) -> int:
    command = releases_command("run", "--releases", "newest", "--twin", "--selection", selection,
                               "--results-dir", str(results_dir), "--env-dir", str(ENV_DIR), *extra)
    print("$ " + " ".join(command), flush=True)
    return subprocess.run(command, cwd=ROOT).returncode


# -- A/A ------------------------------------------------------------------------------------------

def cmd_aa(args) -> int:
    results = CALIBRATION / ("aa-hog" if args.hog else "aa-quiet")
    if not args.hog:
        return run_session(results, "timings-M")
    expected = args.expected_minutes * 60
    start_after = random.uniform(0, expected / 2)
    command = releases_command("run", "--releases", "newest", "--twin", "--selection", "timings-M",
                               "--results-dir", str(results), "--env-dir", str(ENV_DIR))
    print("$ " + " ".join(command), flush=True)
    t0 = time.monotonic()
    run = subprocess.Popen(command, cwd=ROOT)
    hog = None
    try:
        while run.poll() is None:
            elapsed = time.monotonic() - t0
            if hog is None and elapsed >= start_after:
                hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
                print(f"[calibrate] hog started (pid {hog.pid}) at {elapsed / 60:.1f} min", flush=True)
            if hog is not None and hog.poll() is None and elapsed >= start_after + expected / 2:
                hog.kill()
                print(f"[calibrate] hog stopped at {elapsed / 60:.1f} min", flush=True)
            time.sleep(1)
    finally:
        if hog is not None and hog.poll() is None:
            hog.kill()
            print(f"[calibrate] hog stopped at the end, {(time.monotonic() - t0) / 60:.1f} min", flush=True)
    return run.returncode


# -- sensitivity -------------------------------------------------------------------------------

def twin_site_packages() -> pathlib.Path:
    """site-packages of the twin environment of the newest release (created by an aa run)."""
    found = [p for p in ENV_DIR.glob("*/lib/python3.*/site-packages") if (p / "six.py").exists()]
    if len(found) != 1:
        raise SystemExit(f"expected one twin environment in {ENV_DIR} (run 'calibrate.py aa' first), found {found}")
    return found[0]


def calibrate_fractions(python: pathlib.Path) -> dict:
    """In one process of the twin environment, the input fraction giving +20% per kernel."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT / 'tools' / 'calibration')!r}); "
            f"import jaxnp_slowdown, json; print(json.dumps(jaxnp_slowdown.calibrate({SLOWED!r}, {TARGET})))")
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True,
                         env={"XLA_FLAGS": "--xla_force_host_platform_device_count=2", "OMP_NUM_THREADS": "2",
                              "PATH": "/usr/bin:/bin"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def cmd_sensitivity(args) -> int:
    site = twin_site_packages()
    python = site.parents[2] / "bin" / "python"
    fractions = calibrate_fractions(python)
    print(f"[calibrate] fractions giving +{TARGET - 1:.0%} in one process: {json.dumps(fractions)}", flush=True)
    shutil.copy(ROOT / "tools" / "calibration" / "jaxnp_slowdown.py", site / "jaxnp_slowdown.py")
    (site / "jaxnp_slowdown.json").write_text(json.dumps(fractions), encoding="utf-8")
    (site / "jaxnp_slowdown.pth").write_text("import jaxnp_slowdown; jaxnp_slowdown.install_on_import()\n",
                                             encoding="utf-8")
    try:
        for i in range(args.repeat):
            status = run_session(CALIBRATION / "sensitivity", SENSITIVITY_SELECTION)
            if status != 0:
                return status
    finally:
        for name in ("jaxnp_slowdown.py", "jaxnp_slowdown.json", "jaxnp_slowdown.pth"):
            (site / name).unlink(missing_ok=True)
    return summarise([CALIBRATION / "sensitivity"], slowed=fractions)


# -- summary ---------------------------------------------------------------------------------

def is_slowed(c, slowed) -> bool:
    from jaxnp_kernels.registry import camel_name

    return any(c.measurement.benchmark.endswith(f".{camel_name(w)}.time_run")
               and c.measurement.param("implementation") == entry["implementation"]
               for w, entry in (slowed or {}).items())


def summarise(dirs, slowed=None) -> int:
    """Verdicts per session; with ``slowed`` (the sensitivity run), the slowed rows apart."""
    total_rows = total_judged = numpy_rows = numpy_judged = 0
    caught: dict[str, list[str]] = {}
    for directory in dirs:
        for session in read_sessions(directory):
            if len(session.labels) != 2:
                continue
            old, new = session.labels
            rows = [c for c in compare.compare_releases(session.measurements(), old, new)
                    if c.evidence == compare.SIDE_BY_SIDE and c.measurement.benchmark.endswith(".time_run")]
            for c in rows:
                if is_slowed(c, slowed):
                    low, high = c.interval
                    caught.setdefault(c.measurement.label, []).append(
                        f"{c.ratio:.2f}x [{low:.2f}, {high:.2f}] {'caught' if c.verdict == compare.REGRESSION else 'missed'}")
            rows = [c for c in rows if not is_slowed(c, slowed)]
            judged = [c for c in rows if c.verdict in (compare.REGRESSION, compare.IMPROVEMENT)]
            numpy = [c for c in rows if is_numpy_timing(c.measurement)]
            numpy_hits = [c for c in judged if is_numpy_timing(c.measurement)]
            total_rows += len(rows)
            total_judged += len(judged)
            numpy_rows += len(numpy)
            numpy_judged += len(numpy_hits)
            minutes = ((session.end or {}).get("ended_at", session.started_at) - session.started_at) / 60000
            print(f"{directory.name}/{session.id}: JAX {old} vs {new}, {len(rows)} time_run rows side by side, "
                  f"{len(judged)} with a verdict ({len(judged) / max(1, len(rows)):.1%}), NumPy {len(numpy_hits)} "
                  f"of {len(numpy)}; {minutes:.1f} min")
            for c in judged:
                low, high = c.interval
                print(f"    {c.verdict:<11} {c.measurement.label}  {c.ratio:.3g}x [{low:.3g}, {high:.3g}]")
    if total_rows:
        print(f"all: {total_judged} of {total_rows} rows with a verdict ({total_judged / total_rows:.2%}); "
              f"NumPy {numpy_judged} of {numpy_rows}" + (" (the slowed rows apart, below)" if slowed else ""))
    for label, outcomes in caught.items():
        hits = sum(o.endswith("caught") for o in outcomes)
        print(f"slowed {label}: caught in {hits} of {len(outcomes)} sessions: {'; '.join(outcomes)}")
    return 0


def cmd_steadiness(args) -> int:
    from jaxnp_kernels.report.results import read_results

    def values(directory):
        return {(m.release, m.key): m.value for m in read_results(directory)
                if m.value and m.session is None}

    first, second = values(args.dirs[0]), values(args.dirs[1])
    series = (("JAX/NumPy speedup (Speedup.track_vs_numpy)", ".Speedup.track_vs_numpy"),
              ("absolute time (time_run)", ".time_run"))
    for title, suffix in series:
        pick = lambda k: k[1][0].endswith(suffix)  # noqa: E731 - (release, (benchmark, params))
        ratios = sorted(second[k] / first[k] for k in first.keys() & second.keys() if pick(k))
        if not ratios:
            continue
        within = lambda f: sum(1 / f <= r <= f for r in ratios)  # noqa: E731
        spread = max(max(ratios), 1 / min(ratios))
        print(f"{title}: {len(ratios)} values, median ratio {ratios[len(ratios) // 2]:.3f}, "
              f"within 1.1x: {within(1.1)} ({within(1.1) / len(ratios):.0%}), within 1.2x: {within(1.2)} "
              f"({within(1.2) / len(ratios):.0%}), largest change {spread:.2f}x")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("aa")
    p.add_argument("--hog", action="store_true")
    p.add_argument("--expected-minutes", type=float, default=15.0,
                   help="the run's expected duration (a quiet A/A run's), for the hog's half")
    p.set_defaults(func=cmd_aa)
    p = sub.add_parser("sensitivity")
    p.add_argument("--repeat", type=int, default=5)
    p.set_defaults(func=cmd_sensitivity)
    p = sub.add_parser("summary")
    p.add_argument("dirs", nargs="+", type=pathlib.Path)
    p.set_defaults(func=lambda a: summarise(a.dirs))
    p = sub.add_parser("steadiness")
    p.add_argument("dirs", nargs=2, type=pathlib.Path)
    p.set_defaults(func=cmd_steadiness)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BadResults as error:  # a directory that is not asv results, a damaged file: named, exit 2
        print(f"calibrate.py: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
