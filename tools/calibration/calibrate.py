"""Calibrate the release verdicts: A/A runs, injected slowdowns, and parity with a plain script.

Run with the tools' Python (``.venv/asv/bin/python``, set up by tools/run-suite.sh)::

    python tools/calibration/calibrate.py aa [--neighbour]                 the newest release against its twin
    python tools/calibration/calibrate.py sensitivity [--slowdown 1.2] [--repeat 5]
    python tools/calibration/calibrate.py parity [--releases oldest newest] [--size M]
    python tools/calibration/calibrate.py summary DIR [DIR ...]           resolution and verdicts per session
    python tools/calibration/calibrate.py replay DIR [--rule STEP[:WIDEST] ...]  sessions judged again under other rules
    python tools/calibration/calibrate.py steadiness DIR_A DIR_B          two runs of one commit, apart
    python tools/calibration/calibrate.py reproducers [DIR] [--runs 2]    the verdicts' scripts, outside the suite
    python tools/calibration/calibrate.py cache W/IMPL [...] [--pairs 8]  timings with the compilation cache and without

``aa`` measures the newest matrix release against a twin of itself (the same release in a
second environment, distinct to asv by a harmless extra pin) through the whole pipeline,
every ``time_run`` at size M in float32 (the ``calibration`` selection), and writes to
``.asv/calibration/aa-quiet`` (``aa-neighbour`` with ``--neighbour``).  With ``--neighbour``
an adversarial neighbour (``neighbour.py``: a memory-bandwidth copier and a 2-thread BLAS
matmul, switched on and off at random intervals of 10 to 40 s, by pid) runs for the whole
session.  Then it prints the summary.  ``aa``, ``sensitivity`` and ``parity`` take ``--pin
none`` (``jaxnp-releases run --pin none``: no measuring process pinned to a CPU); their
sessions then go to a directory of their own (``aa-quiet-pin-none``, ...).

``sensitivity`` installs a test-only module (``jaxnp_slowdown.py``, loaded by a ``.pth``
file) into both environments, and only in the twin does it make six JAX kernels of different kinds (a
tiny-body loop, a fused elementwise chain, a scatter (a weighted histogram), a small batched solve, a control-flow
kernel, a derivative: :data:`SLOWED`) also compute their result on a part of their work, the
part's size calibrated in one process first so that the kernel takes ``--slowdown`` times as
long, and adds that extra result at 1e-30 weight (results, and their verification,
unchanged).  The product's kernels are not touched.  One process's calibration is only
approximate (parts calibrated for 1.2x there gave 1.11x to 1.31x in a session), so up to
``--verify`` sessions of the six rows alone (20 rounds) measure the slowdown as the suite
sees it and rescale every part outside 1.0 to 1.02 times ``--slowdown``.  (Without a twin
environment yet, an A/A session of the six rows, not slowed, creates it first.)  Then it measures ``--repeat`` sessions
of those six rows and of every workload's NumPy reference (the control), and counts in how
many sessions each slowed row was caught and any NumPy row was flagged; ``--threshold``
sets the verdict's threshold (1.1 for a 10% slowdown), and the judged sessions measure each row
until it decides a change of that size (``jaxnp-releases run --threshold``).

``parity`` measures every workload's NumPy reference and compiled implementation at
``--size`` side by side (one session of the two releases) and, right after each row's rounds,
``--plain`` fresh ``python -m jaxnp_kernels time`` processes per environment (its Python, its
variables, nothing else: a user's own script; ``jaxnp-releases run --plain``), and prints per
row the suite's median over its processes against the plain processes' median.  A suite
process must time what a plain script times: rows beyond 1.15x are listed.  (The machine's
speed drifts over minutes: plain processes run minutes after the suite's put 40% of the rows
beyond 1.15x, both ways, which is why they run right after the row's own rounds.)

``reproducers`` takes the newest side-by-side session in DIR (default ``.asv/results``, the
main job's) and a pair of its releases (``--releases OLD NEW``; default its oldest and newest),
writes for each JAX ``time_run`` verdict of that pair the standalone script of
``python -m jaxnp_kernels reproduce`` and runs it ``--runs`` times in each release's
environment, alternating, with nothing of the suite around it (each run times 5 fresh
processes, as a user who runs the script once gets): per verdict the suite's ratio against the
scripts' (median over median), and whether the script shows the same direction within 30% of
the suite's ratio.

``cache`` times cases in fresh plain processes of one release's environment, alternating in
random order, with JAX's persistent compilation cache (filled by a first process, so the
executable is loaded, as in most of the suite's measuring processes) and without it (compiled
in the process, as in a user's script).

``summary`` prints, for every session under the directories, its JAX and NumPy rows'
interval widths (high over low: median, quartiles, shares at most 1.15x and 1.25x), the
rows with a verdict and how many rounds the rows took.

``replay`` judges those sessions again, look by look as the runner would have, under each
``--rule STEP[:WIDEST]`` (default: the suite's own): 10 rounds, then 15 and 20 while the row is
unresolved, the k-th extension at alpha times STEP^k, a "no change" stopping once its interval is
inside the threshold and at most WIDEST wide (default: the threshold).  A session measured with
``aa --rounds 20`` (every block 20 rounds) can be replayed under any rule; a session of the
runner's own plan only where the rule asks for no more rounds than it took (the rows that
wanted more are counted).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import pathlib
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from jaxnp_releases.rounds import PINNINGS, Plan  # noqa: E402
from jaxnp_results import compare, names  # noqa: E402
from jaxnp_results.config import RESULTS_DIR  # noqa: E402
from jaxnp_results.results import BadResults  # noqa: E402
from jaxnp_results.roles import is_numpy_timing, timed_workload  # noqa: E402
from jaxnp_results.sessions import read_sessions  # noqa: E402

CALIBRATION = ROOT / ".asv" / "calibration"
#: A plain process's variables: the environments' own (asv.conf.json's matrix), nothing else.
PLAIN_VARIABLES = {"XLA_FLAGS": "--xla_force_host_platform_device_count=2", "OMP_NUM_THREADS": "2",
                   "OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2", "PATH": "/usr/bin:/bin"}
ENV_DIR = ROOT / ".asv" / "calibration-env"
HERE = pathlib.Path(__file__).resolve().parent
#: The six slowed kernels: what part of each one's work is done again (jaxnp_slowdown.py).
SLOWED = {
    "loop_tiny_body": {"implementation": "jax_fori", "scale": "steps"},        # a tiny-body loop
    "fused_chain": {"implementation": "jax_jit", "slice": [0]},                # fused elementwise chain
    "scatter_add": {"implementation": "jax_at_add", "slice": [0, 1]},          # a scatter (indices, weights)
    "batched_solve": {"implementation": "jax_vmap", "slice": [0, 1]},          # small batched solves
    "cond_branches": {"implementation": "jax_cond", "slice": [3]},             # lax.cond in a loop (flags)
    "grad": {"implementation": "jax_value_and_grad", "slice": [0, 1]},         # a derivative (examples)
}


def releases_command(*args) -> list[str]:
    return [sys.executable, "-m", "jaxnp_releases", *args]


def run_session(results_dir: pathlib.Path, selection: str, releases=("newest",), twin=True, env_dir=ENV_DIR,
                extra=(), pin=PINNINGS[0]) -> int:
    command = releases_command("run", "--releases", *releases, *(["--twin"] if twin else []),
                               "--selection", selection, "--results-dir", str(results_dir),
                               "--env-dir", str(env_dir), *pin_option(pin), *extra)
    print("$ " + " ".join(command), flush=True)
    return subprocess.run(command, cwd=ROOT).returncode


def pin_option(pin: str) -> tuple[str, ...]:
    """``jaxnp-releases run``'s option for a pinning other than its default (the main thread)."""
    return () if pin == PINNINGS[0] else ("--pin", pin)


def pin_suffix(pin: str) -> str:
    """A results directory's suffix: sessions of another pinning are kept apart."""
    return "" if pin == PINNINGS[0] else f"-pin-{pin}"


# -- A/A ------------------------------------------------------------------------------------------

def cmd_aa(args) -> int:
    results = CALIBRATION / (("aa-neighbour" if args.neighbour else "aa-quiet") + (f"-{args.rounds}" if args.rounds else "")
                                 + pin_suffix(args.pin))
    extra = ("--rounds", str(args.rounds), "--most-rounds", str(args.rounds)) if args.rounds else ()
    neighbour = None
    if args.neighbour:
        neighbour = subprocess.Popen([sys.executable, str(HERE / "neighbour.py"), "--seed",
                                      str(random.randrange(1 << 30))])
    try:
        status = run_session(results, args.selection, extra=extra, pin=args.pin)
    finally:
        if neighbour is not None:
            neighbour.terminate()
            neighbour.wait()
    if status:
        return status
    return summarise([results])


# -- sensitivity -------------------------------------------------------------------------------

#: What ``sensitivity`` installs into both environments' site-packages, and removes again.
SLOWDOWN_FILES = ("jaxnp_slowdown.py", "jaxnp_slowdown.json", "jaxnp_slowdown.pth")


def twin_environments() -> list[pathlib.Path]:
    """site-packages of the twin environments in ENV_DIR (the twin is the environment with the
    extra pin, ``six``; an aa or a sensitivity run creates it)."""
    return [p for p in ENV_DIR.glob("*/lib/python3.*/site-packages") if (p / "six.py").exists()]


def write_slowdown(site: pathlib.Path, kernels: dict) -> None:
    """The parts to slow, as the twin's processes read them when they import the registry."""
    (site / "jaxnp_slowdown.json").write_text(json.dumps(kernels), encoding="utf-8")


def remove_slowdown(site: pathlib.Path) -> None:
    for name in SLOWDOWN_FILES:
        (site / name).unlink(missing_ok=True)


def twin_site_packages() -> pathlib.Path:
    """site-packages of the one twin environment of the newest release."""
    found = twin_environments()
    if len(found) != 1:
        raise SystemExit(f"expected one twin environment in {ENV_DIR}, found {found}")
    return found[0]


def original_site_packages(twin: pathlib.Path) -> pathlib.Path:
    """site-packages of the environment the twin is a twin of: the same requirements but ``six``."""
    requirements = dict(environments(ENV_DIR))
    wanted = {name: version for name, version in requirements.get(twin.parents[2], {}).items() if name != "six"}
    found = [p for p in ENV_DIR.glob("*/lib/python3.*/site-packages") if requirements.get(p.parents[2]) == wanted]
    if len(found) != 1:
        raise SystemExit(f"expected one environment in {ENV_DIR} with {wanted}, found {found}")
    return found[0]


def install_slowdown(site: pathlib.Path, kernels: dict) -> None:
    """The slowdown module, its ``.pth`` hook and the parts to slow (``{}``: none) in ``site``."""
    shutil.copy(HERE / "jaxnp_slowdown.py", site / "jaxnp_slowdown.py")
    write_slowdown(site, kernels)
    (site / "jaxnp_slowdown.pth").write_text("import jaxnp_slowdown; jaxnp_slowdown.install_on_import()\n",
                                             encoding="utf-8")


def calibrate_fractions(python: pathlib.Path, target: float) -> dict:
    """In one process of the twin environment, the part of each kernel's work giving ``target``."""
    code = (f"import sys; sys.path.insert(0, {str(HERE)!r}); import jaxnp_slowdown, json; "
            f"print(json.dumps(jaxnp_slowdown.calibrate({SLOWED!r}, {target})))")
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True,
                         env=PLAIN_VARIABLES)
    return json.loads(out.stdout.strip().splitlines()[-1])


def sensitivity_selection(slowed: dict, numpy: bool = True) -> str:
    """The ``slowed`` rows and (``numpy``) every workload's NumPy reference, at M in float32."""
    from jaxnp_kernels.registry import camel_name

    rows = "|".join(rf"\.{camel_name(w)}\.time_run\('{e['implementation']}', 'M', 'float32'\)$"
                    for w, e in slowed.items())
    return rows + (r"|\.time_run\('numpy', 'M', 'float32'\)$" if numpy else "")


#: A slowdown is verified when a session of the slowed rows alone measures it within this band of
#: ``--slowdown`` (at least the slowdown, at most 2% of it above): what the judged sessions then
#: try to catch is a change of the threshold's size, not one the one-process calibration missed.
VERIFY_BAND = (1.0, 1.02)


def next_fraction(tried: list[tuple[float, float]], target: float) -> float:
    """The part of the work to try next for ``target``, from the (part, measured ratio) pairs tried
    so far: between the nearest parts that measured below and above the target (a straight line
    between them), or else from a line through no extra time at no part fitted to all of them (least
    squares: one session's estimate of a noisy row is off by 10% and more, the fit averages the
    sessions).  At most the whole work again."""
    goal = target * (VERIFY_BAND[0] + VERIFY_BAND[1]) / 2
    below = [(p, r) for p, r in tried if r < goal]
    above = [(p, r) for p, r in tried if r > goal]
    if below and above:
        (p0, r0), (p1, r1) = max(below), min(above)
        if p0 < p1:
            return p0 + (p1 - p0) * (goal - r0) / (r1 - r0)
    slope = sum(p * (r - 1) for p, r in tried) / sum(p * p for p, _ in tried)
    if slope <= 0:
        return min(1.0, 2 * max(p for p, _ in tried))
    return min(1.0, (goal - 1) / slope)


def verify_in_session(kernels: dict, target: float, site: pathlib.Path, tries: int, pin: str = PINNINGS[0]) -> dict:
    """Sessions of the slowed rows alone (20 rounds each), every row outside VERIFY_BAND of
    ``target`` rescaled and measured again, up to ``tries`` sessions: the slowdown as a session
    measures it (``session_ratio``), which the one-process calibration only approximates."""
    results = CALIBRATION / f"sensitivity-{target:g}-verify"
    pending = dict(kernels)
    tried = {name: [] for name in kernels}
    for attempt in range(1, tries + 1):
        write_slowdown(site, kernels)
        status = run_session(results, sensitivity_selection(pending, numpy=False),
                             extra=("--rounds", "20", "--most-rounds", "20"), pin=pin)
        if status:
            raise SystemExit(status)
        session = read_sessions(results)[-1]
        old, new = session.labels
        measured = [c for c in compare.compare_releases(session.measurements(), old, new) if is_slowed(c, pending)]
        for name in list(pending):
            row = next((c for c in measured if is_slowed(c, {name: kernels[name]})), None)
            if row is None:
                raise SystemExit(f"the verification session has no row of {name}")
            entry = kernels[name]
            entry["session_ratio"] = [row.ratio, *row.interval]
            fraction = entry["fractions"]["float32"]
            tried[name].append((fraction, row.ratio))
            inside = target * VERIFY_BAND[0] <= row.ratio <= target * VERIFY_BAND[1]
            if not inside:
                entry["fractions"]["float32"] = next_fraction(tried[name], target)
            print(f"[verify {attempt}] {name}/{entry['implementation']}: part {fraction:.3f} gave "
                  f"{row.ratio:.3f}x [{row.interval[0]:.3f}, {row.interval[1]:.3f}] in the session"
                  + ("" if inside else f", part now {entry['fractions']['float32']:.3f}"), flush=True)
            if inside:
                del pending[name]
        if not pending:
            break
    for name in pending:
        print(f"[verify] {name}: not within {VERIFY_BAND[0] * target:.3f} to {VERIFY_BAND[1] * target:.3f} "
              f"after {tries} sessions; measured with the part its sessions point to, "
              f"{kernels[name]['fractions']['float32']:.3f}", flush=True)
    write_slowdown(site, kernels)
    return kernels


def cmd_sensitivity(args) -> int:
    # the twin must not keep the slowdown if this is stopped: SIGTERM runs the cleanup below too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not twin_environments():
        # no twin yet: an A/A session of the six rows, not slowed, creates both environments
        status = run_session(CALIBRATION / "sensitivity-aa", sensitivity_selection(SLOWED, numpy=False))
        if status:
            return status
    site = twin_site_packages()
    original = original_site_packages(site)
    python = site.parents[2] / "bin" / "python"
    remove_slowdown(site)  # a slowdown left installed would calibrate as no change
    remove_slowdown(original)
    kernels = calibrate_fractions(python, args.slowdown)
    print(f"[calibrate] parts giving {args.slowdown:g}x in one process: "
          + ", ".join(f"{w} {e['fractions']['float32']:.3f} ({e['ratios']['float32']:.3f}x)"
                      for w, e in kernels.items()),
          flush=True)
    results = CALIBRATION / f"sensitivity-{args.slowdown:g}{pin_suffix(args.pin)}"
    # Both environments start the same way, the hook imported at start-up; only the twin's slows
    # anything (a NumPy row may not tell them apart by what the hook's import left in the allocator).
    install_slowdown(original, {})
    install_slowdown(site, kernels)
    try:
        if args.verify:
            kernels = verify_in_session(kernels, args.slowdown, site, args.verify, args.pin)
        # the runner measures each row until it decides a change of the verdict's threshold
        threshold = () if args.threshold == compare.DEFAULT_THRESHOLD else ("--threshold", f"{args.threshold:g}")
        for _ in range(args.repeat):
            status = run_session(results, sensitivity_selection(SLOWED), extra=threshold, pin=args.pin)
            if status:
                return status
    finally:
        remove_slowdown(site)
        remove_slowdown(original)
    summarise([results], slowed=kernels, threshold=args.threshold)
    for name, entry in kernels.items():
        if "session_ratio" in entry:
            ratio, low, high = entry["session_ratio"]
            print(f"injected {name}/{entry['implementation']}: part {entry['fractions']['float32']:.3f}, "
                  f"{ratio:.3f}x [{low:.3f}, {high:.3f}] in its verification session")
    return 0


# -- parity --------------------------------------------------------------------------------------

def cmd_parity(args) -> int:
    results = args.results_dir or CALIBRATION / f"parity-{args.size}{pin_suffix(args.pin)}"
    if not args.session:
        status = run_session(results, f"parity-{args.size}", releases=args.releases, twin=False,
                             env_dir=args.env_dir, extra=("--plain", str(args.plain)), pin=args.pin)
        if status:
            return status
    return parity_table(read_sessions(results)[-1])


def parity_table(session) -> int:
    """Per row and release: the suite's median over its processes against the median of the plain
    processes run right after the row's rounds (``jaxnp-releases run --plain``)."""
    plain: dict[tuple, list[float]] = {}
    for record in session.plain:
        if record.get("status") == "ok":
            key = (record["benchmark"], tuple(record["params"]), session.label(record["environment"]))
            plain.setdefault(key, []).append(record["summary"])
    if not plain:
        raise SystemExit(f"{session.path}: no plain processes (run with --plain N)")
    rows = []
    for m in sorted(session.measurements(), key=lambda m: (m.label, m.release)):
        values = plain.get((m.benchmark, m.params, m.release))
        if m.value is None or not values:
            continue
        ratio = m.value / statistics.median(values)
        rows.append((m, ratio))
        print(f"{m.release:<8} {m.label:<70} suite {m.value * 1e3:9.4g} ms  "
              f"plain {statistics.median(values) * 1e3:9.4g} ms ({len(values)})  {ratio:5.2f}x"
              f"{'  OUTSIDE 1.15x' if not 1 / 1.15 <= ratio <= 1.15 else ''}", flush=True)
    for release in session.labels:
        ratios = sorted(ratio for m, ratio in rows if m.release == release)
        if not ratios:
            continue
        inside = sum(1 / 1.15 <= r <= 1.15 for r in ratios)
        print(f"JAX {release}: {inside} of {len(ratios)} rows within 1.15x of a plain script "
              f"({inside / len(ratios):.0%}); suite/plain median {statistics.median(ratios):.3f}, "
              f"range {ratios[0]:.2f} to {ratios[-1]:.2f}")
        floor = plain_floor(values for (_, _, label), values in plain.items() if label == release)
        if floor:
            inside = sum(1 / 1.15 <= r <= 1.15 for r in floor)
            print(f"JAX {release}: plain against plain (the row's plain processes, odd against even): "
                  f"{inside} of {len(floor)} rows within 1.15x ({inside / len(floor):.0%}), "
                  f"range {min(floor):.2f} to {max(floor):.2f}")
    speedup_table(rows, plain)
    scorecard_table(rows, plain, session.labels)
    return 0


def speedup_table(rows, plain) -> None:
    """Per workload and release, the JAX/NumPy speedup (the reference's time over the compiled
    implementation's) from the suite's processes and from the plain processes, side by side: the
    speedup a user's own two scripts show, against the suite's."""
    times: dict[tuple, dict[str, tuple[float, float]]] = {}
    for m, _ in rows:
        workload = timed_workload(m.benchmark)
        if workload is None:
            continue
        role = {workload.reference.name: "reference", workload.compiled.name: "compiled"}.get(
            m.param("implementation"))
        if role:
            values = plain[(m.benchmark, m.params, m.release)]
            times.setdefault((workload.name, m.release), {})[role] = (m.value, statistics.median(values))
    ratios = []
    print("JAX/NumPy speedup (NumPy reference over compiled JAX): suite, plain script, suite/plain")
    for (workload, release), pair in sorted(times.items()):
        if len(pair) != 2:
            continue
        suite = pair["reference"][0] / pair["compiled"][0]
        script = pair["reference"][1] / pair["compiled"][1]
        ratios.append(suite / script)
        print(f"  {release:<8} {workload:<42} {suite:8.2f}x {script:8.2f}x  {suite / script:5.2f}"
              f"{'  OUTSIDE 1.15x' if not 1 / 1.15 <= suite / script <= 1.15 else ''}")
    if ratios:
        inside = sum(1 / 1.15 <= r <= 1.15 for r in ratios)
        print(f"speedups: {inside} of {len(ratios)} within 1.15x of a plain script's "
              f"({inside / len(ratios):.0%}); suite/plain median {statistics.median(ratios):.3f}, "
              f"range {min(ratios):.2f} to {max(ratios):.2f}")


def plain_floor(per_row) -> list[float]:
    """Per row of at least four plain processes, the median of the odd ones over the median of the
    even ones: how closely a plain script agrees with itself minutes apart, the bound on parity."""
    return [statistics.median(values[1::2]) / statistics.median(values[0::2])
            for values in per_row if len(values) >= 4]


def scorecard_table(rows, plain, releases) -> None:
    """Per release, each claim's verdict decided on the suite's times and on the plain processes'
    (the same rows, the same rules: the claims the parity rows' figures decide), with every
    figure whose sign differs."""
    from jaxnp_kernels.report import scorecard

    print("claims scorecard: the suite's figures, a plain script's")
    for release in releases:
        suite = [m for m, _ in rows if m.release == release]
        script = [dataclasses.replace(m, value=statistics.median(plain[(m.benchmark, m.params, m.release)]))
                  for m in suite]
        for by_suite, by_script in zip(scorecard.score(suite), scorecard.score(script)):
            if not by_suite.evidence and not by_script.evidence:
                continue
            print(f"  {release:<8} {by_suite.claim:<10} {by_suite.verdict:<12} {share(by_suite):>4}  "
                  f"{by_script.verdict:<12} {share(by_script):>4}"
                  f"{'  CHANGED' if by_suite.verdict != by_script.verdict else ''}")
            for a, b in zip(by_suite.evidence, by_script.evidence):
                if a.supports != b.supports:
                    print(f"      {scorecard.mark(a)} {a.workload}: {a.figure}  /  {scorecard.mark(b)} {b.figure}")


def share(verdict) -> str:
    fraction = verdict.support_fraction
    return "-" if fraction is None else f"{fraction:.0%}"


# -- the persistent compilation cache ------------------------------------------------------------

def cmd_cache(args) -> int:
    """Fresh plain processes of one case, alternating in random order: with JAX's persistent
    compilation cache (a directory one process filled first, so the executable is loaded, as in
    most of the suite's measuring processes) and without it (compiled in the process, as in a
    user's script).  Per case the medians, ranges and the loaded/compiled ratio."""
    python = next((directory / "bin" / "python" for directory, requirements in environments(args.env_dir)
                   if requirements.get("jax") == args.release and "six" not in requirements), None)
    if python is None:
        print(f"no environment of JAX {args.release} in {args.env_dir} (calibrate.py aa or parity creates one)",
              file=sys.stderr)
        return 2
    rng = random.Random(0)
    for case in args.cases:
        workload, _, implementation = case.partition("/")
        command = [str(python), "-m", "jaxnp_kernels", "time", workload, "--impl", implementation, "--size", "M",
                   "--dtype", "float32", "--json"]
        with tempfile.TemporaryDirectory(prefix="jaxnp-cache-") as cache:
            cached = {**PLAIN_VARIABLES, "JAX_COMPILATION_CACHE_DIR": cache,
                      "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0", "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0"}
            times = {"loaded": [], "compiled": []}
            subprocess.run(command, env=cached, check=True, capture_output=True)  # fills the cache
            for _ in range(args.pairs):
                for kind in rng.sample(sorted(times), 2):
                    done = subprocess.run(command, env=cached if kind == "loaded" else PLAIN_VARIABLES, check=True,
                                          capture_output=True, text=True)
                    times[kind].append(json.loads(done.stdout.strip().splitlines()[-1])["median_seconds"])
        loaded, compiled = (statistics.median(times[k]) for k in ("loaded", "compiled"))
        print(f"{case}: loaded {loaded * 1e3:.4g} ms ({min(times['loaded']) * 1e3:.4g} to "
              f"{max(times['loaded']) * 1e3:.4g}), compiled {compiled * 1e3:.4g} ms ({min(times['compiled']) * 1e3:.4g} "
              f"to {max(times['compiled']) * 1e3:.4g}), loaded/compiled {loaded / compiled:.3f}", flush=True)
    return 0


# -- summary ---------------------------------------------------------------------------------

def _quantile(values, p):
    s = sorted(values)
    x = p * (len(s) - 1)
    lo = int(math.floor(x))
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (x - lo)


def is_slowed(c, slowed) -> bool:
    from jaxnp_kernels.registry import camel_name

    return any(c.measurement.benchmark.endswith(f".{camel_name(w)}.time_run")
               and c.measurement.param("implementation") == entry["implementation"]
               for w, entry in (slowed or {}).items())


def widths_line(kind: str, rows, threshold: float = compare.DEFAULT_THRESHOLD) -> str:
    """A kind of rows' interval widths, verdicts and rounds, and how many rows *decide* a change of
    the threshold's size: a verdict, or a "no change" whose own interval shows the change smaller
    than the threshold (:func:`jaxnp_results.compare.shown_smaller`, as the runner's rule).  In a
    session of two real releases the changed rows stop early with wide intervals, so the widths
    alone understate what the session resolved; the rows that decide do not."""
    widths = [c.interval[1] / c.interval[0] for c in rows]
    if not widths:
        return f"{kind}: no rows"
    judged = sum(c.verdict in (compare.REGRESSION, compare.IMPROVEMENT) for c in rows)
    decided = sum(c.verdict != compare.NO_CHANGE or compare.shown_smaller(*c.interval, threshold) for c in rows)
    rounds = [c.rounds for c in rows if c.rounds]
    return (f"{kind}: {len(rows)} rows, interval width median {statistics.median(widths):.3f}x (quartiles "
            f"{_quantile(widths, .25):.3f}, {_quantile(widths, .75):.3f}), "
            f"at most 1.15x {sum(w <= 1.15 for w in widths) / len(widths):.0%}, "
            f"at most 1.25x {sum(w <= 1.25 for w in widths) / len(widths):.0%}; {judged} with a verdict; "
            f"{decided} of {len(rows)} decide a {threshold:g}x change"
            + (f"; rounds {min(rounds)} to {max(rounds)}, median {statistics.median(rounds):g}" if rounds else ""))


def summarise(dirs, slowed=None, threshold=compare.DEFAULT_THRESHOLD, rows_too=False) -> int:
    """Per session: resolution and verdicts; with ``slowed`` (sensitivity), the slowed rows apart."""
    total = {"rows": 0, "judged": 0, "numpy": 0, "numpy_judged": 0}
    caught: dict[str, list[str]] = {}
    for directory in dirs:
        for session in read_sessions(directory):
            if len(session.labels) != 2:
                continue
            old, new = session.labels
            rows = [c for c in compare.compare_releases(session.measurements(), old, new, threshold=threshold)
                    if c.evidence == compare.SIDE_BY_SIDE and c.measurement.benchmark.endswith(".time_run")]
            for c in rows:
                if is_slowed(c, slowed):
                    low, high = c.interval
                    caught.setdefault(c.measurement.label, []).append(
                        f"{c.ratio:.3f} [{low:.3f}, {high:.3f}] "
                        f"{'caught' if c.verdict == compare.REGRESSION else 'missed'}")
            rows = [c for c in rows if not is_slowed(c, slowed)]
            numpy = [c for c in rows if is_numpy_timing(c.measurement)]
            jax = [c for c in rows if not is_numpy_timing(c.measurement)]
            judged = [c for c in rows if c.verdict in (compare.REGRESSION, compare.IMPROVEMENT)]
            minutes = ((session.end or {}).get("ended_at", session.started_at) - session.started_at) / 60000
            print(f"{directory.name}/{session.id}: JAX {old} vs {new}, {len(rows)} time_run rows side by side, "
                  f"{len(judged)} with a verdict; {minutes:.1f} min")
            print("    " + widths_line("JAX rows", jax, threshold))
            print("    " + widths_line("NumPy rows", numpy, threshold))
            for c in judged:
                low, high = c.interval
                print(f"    {c.verdict:<11} {c.measurement.label}  {c.ratio:.3g}x [{low:.3g}, {high:.3g}] "
                      f"{c.rounds} rounds")
            if rows_too:
                for c in sorted(rows, key=lambda c: c.interval[1] / c.interval[0]):
                    print(f"      {c.measurement.label:<72} {c.ratio:.3f} [{c.interval[0]:.3f}, {c.interval[1]:.3f}] "
                          f"{c.rounds} rounds")
            total["rows"] += len(rows)
            total["judged"] += len(judged)
            total["numpy"] += len(numpy)
            total["numpy_judged"] += sum(c in judged for c in numpy)
    if total["rows"]:
        print(f"all: {total['judged']} of {total['rows']} rows with a verdict ({total['judged'] / total['rows']:.2%}); "
              f"NumPy {total['numpy_judged']} of {total['numpy']}"
              + (" (the slowed rows apart, below)" if slowed else ""))
    for label, outcomes in caught.items():
        hits = sum(o.endswith("caught") for o in outcomes)
        print(f"slowed {label}: caught in {hits} of {len(outcomes)} sessions: {'; '.join(outcomes)}")
    return 0


# -- replay ------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Rule:
    """A sequential rule replayed on measured rounds: looks at ``first``, ``first + more``, ...
    ``most`` rounds, each extension judged at the previous look's alpha times ``step``; a "no
    change" row stops once its interval lies inside the threshold and is at most ``widest`` wide
    (None: as wide as the threshold; inf: any width; :func:`jaxnp_results.compare.resolved`)."""

    step: float = compare.LOOK_STEP
    widest: float | None = None
    first: int = Plan.rounds
    more: int = Plan.more
    most: int = Plan.most

    @classmethod
    def parse(cls, text: str) -> "Rule":
        step, _, widest = text.partition(":")
        try:
            rule = cls(float(step), float(widest) if widest else None)
        except ValueError:
            rule = None
        if rule is None or not 0 < rule.step <= 1 or (rule.widest is not None and not rule.widest > 1):
            raise argparse.ArgumentTypeError(f"a rule is STEP[:WIDEST] with 0 < STEP <= 1 and WIDEST > 1 "
                                             f"(e.g. 0.5, 1:1.2 or 0.5:inf), not {text!r}")
        return rule

    def __str__(self) -> str:
        width = ("at most as wide as the threshold" if self.widest is None else
                 "at any width" if math.isinf(self.widest) else f"at most {self.widest:g}x wide")
        return f"alpha x{self.step:g} a look, no change stops {width}"


def first_rounds(m, n: int, look: int):
    """``m`` as if its block had been measured in its first ``n`` rounds only, at its ``look``-th extension."""
    keep = [i for i, r in enumerate(m.rounds) if r < n]
    return dataclasses.replace(m, rounds=tuple(m.rounds[i] for i in keep), turns=tuple(m.turns[i] for i in keep),
                               samples=tuple(m.samples[i] for i in keep), look=look)


def replay_row(old, new, rule: Rule, alpha: float, threshold: float):
    """``(comparison, rounds, short)`` of one row judged look by look as the runner would have;
    ``short``: the rule asked for more rounds than the session measured."""
    measured = len(set(old.rounds) & set(new.rounds))
    n, look = rule.first, 0
    while True:
        o, w = first_rounds(old, n, look), first_rounds(new, n, look)
        decided = compare.resolved(o, w, threshold, alpha, rule.step, rule.widest)
        if decided or n >= rule.most or n >= measured:
            e = compare.estimate(o, w, alpha, rule.step)
            low, high = compare.worse_interval(e, new.unit)
            comparison = compare.Comparison(o, w, e.ratio, None, e.p_value, compare.SIDE_BY_SIDE,
                                            compare.judge(low, high, threshold), (e.low, e.high))
            return comparison, min(n, measured), not decided and n < rule.most
        n, look = min(rule.most, n + rule.more), look + 1


def cmd_replay(args) -> int:
    """Judge the sessions under DIRS again under each rule, look by look, on their own rounds."""
    for directory in args.dirs:
        sessions = [s for s in read_sessions(directory) if len(s.labels) == 2 and s.in_rounds]
        if not sessions:
            print(f"calibrate.py replay: no session of two releases measured in rounds under {directory}",
                  file=sys.stderr)
            return 2
        for session in sessions:
            old_label, new_label = session.labels
            by_key = {}
            for m in session.measurements():
                if m.benchmark.endswith(".time_run") and m.rounds:
                    by_key.setdefault(m.key, {})[m.release] = m
            pairs = [(s[old_label], s[new_label]) for s in by_key.values() if len(s) == 2]
            print(f"{directory.name}/{session.id}: JAX {old_label} vs {new_label}, {len(pairs)} time_run rows, "
                  f"plan {session.settings.get('plan')}")
            for rule in args.rule or [Rule()]:  # the suite's own rule
                replayed = [replay_row(o, n, rule, args.alpha, args.threshold) for o, n in pairs]
                rows = [c for c, _, _ in replayed]
                numpy = [c for c in rows if is_numpy_timing(c.measurement)]
                jax = [c for c in rows if not is_numpy_timing(c.measurement)]
                rounds = [r for _, r, _ in replayed]
                short = sum(s for _, _, s in replayed)
                print(f"  {rule}: rounds a row {statistics.mean(rounds):.1f}"
                      + (f", {short} rows wanted more rounds than measured" if short else ""))
                print("    " + widths_line("JAX rows", jax, args.threshold))
                print("    " + widths_line("NumPy rows", numpy, args.threshold))
                for c in rows:
                    if c.verdict != compare.NO_CHANGE:
                        print(f"    {c.verdict:<11} {c.measurement.label}  {c.ratio:.3g}x "
                              f"[{c.interval[0]:.3g}, {c.interval[1]:.3g}] {c.rounds} rounds")
    return 0


def cmd_steadiness(args) -> int:
    from jaxnp_results.results import read_results

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


# -- reproducers ----------------------------------------------------------------------------------

#: A reproducer agrees with its verdict when it shows the same direction and a ratio within this
#: factor of the suite's.
REPRODUCER_AGREEMENT = 1.3


def reproducer_agrees(suite_ratio: float, script_ratio: float) -> bool:
    """The script shows the verdict: the same direction, and a ratio within REPRODUCER_AGREEMENT."""
    same_direction = (script_ratio > 1) == (suite_ratio > 1)
    return same_direction and max(script_ratio / suite_ratio, suite_ratio / script_ratio) <= REPRODUCER_AGREEMENT


def cmd_reproducers(args) -> int:
    from jaxnp_kernels.registry import camel_name

    sessions = [s for s in read_sessions(args.results_dir) if len(s.labels) >= 2
                and (not args.releases or set(args.releases) <= set(s.labels))]
    if not sessions:
        raise SystemExit(f"{args.results_dir}: no side-by-side session of "
                         f"{' and '.join(args.releases) if args.releases else 'two releases'}")
    session = sessions[-1]
    old, new = args.releases or (session.labels[0], session.labels[-1])
    pythons = {}
    for name, env in session.environments.items():
        if env["label"] not in (old, new):
            continue
        python = _environment_python(args.env_dir, env.get("requirements") or {})
        if python is None:
            raise SystemExit(f"no environment in {args.env_dir} holds JAX {env['label']} as the session's "
                             f"{name} did (--env-dir)")
        pythons[env["label"]] = python
    workloads = {camel_name(name): name for name in _workload_names(pythons[new])}
    rows = [c for c in compare.compare_releases(session.measurements(), old, new)
            if c.verdict in (compare.REGRESSION, compare.IMPROVEMENT) and c.measurement.benchmark.endswith(".time_run")
            and not is_numpy_timing(c.measurement)]
    print(f"{session.path.name}: JAX {old} -> {new}, {len(rows)} JAX time_run verdicts; each verdict's script "
          f"run {args.runs} times per release, alternating", flush=True)
    scripts = (args.results_dir / "reproducers").absolute()  # each script runs in its own directory
    scripts.mkdir(exist_ok=True)
    agree = 0
    for c in rows:
        m = c.measurement
        workload = workloads[names.class_name(m.benchmark)]
        case = [m.param("implementation"), "--size", m.param("size"), "--dtype", m.param("dtype")]
        script = scripts / f"{workload}-{case[0]}-{case[2]}-{case[4]}.py"
        subprocess.run([str(args.writer or pythons[new]), "-m", "jaxnp_kernels", "reproduce", workload, *case,
                        "-o", str(script)], check=True, capture_output=True, text=True)
        times = {old: [], new: []}
        for k in range(args.runs):
            for release in ((old, new) if k % 2 == 0 else (new, old)):
                times[release].append(_script_seconds(pythons[release], script))
        ratio = statistics.median(times[new]) / statistics.median(times[old])
        same = reproducer_agrees(c.ratio, ratio)
        agree += same
        print(f"  {c.verdict:<11} {workload}/{case[0]:<22} suite {c.ratio:6.3g}x [{c.interval[0]:.3g}, "
              f"{c.interval[1]:.3g}]   script {ratio:6.3g}x ({statistics.median(times[old]) * 1e3:.4g} -> "
              f"{statistics.median(times[new]) * 1e3:.4g} ms)   {'agrees' if same else 'DIFFERS'}", flush=True)
    print(f"{agree} of {len(rows)} reproducers show the suite's direction within {REPRODUCER_AGREEMENT}x of its "
          f"ratio; the scripts are in {scripts}")
    return 0


def environments(env_dir: pathlib.Path) -> list[tuple[pathlib.Path, dict]]:
    """Each asv environment in ``env_dir`` with its requirements (asv names its directories by a
    hash and records the requirements in ``asv-env-info.json``)."""
    return [(info.parent, json.loads(info.read_text()).get("requirements", {}))
            for info in sorted(env_dir.glob("*/asv-env-info.json"))]


def _environment_python(env_dir: pathlib.Path, requirements: dict) -> pathlib.Path | None:
    """The Python of the asv environment with these requirements."""
    for directory, found in environments(env_dir):
        if found == requirements:
            return (directory / "bin" / "python").absolute()  # the scripts run in another directory
    return None


def _workload_names(python: pathlib.Path) -> list[str]:
    done = subprocess.run([str(python), "-m", "jaxnp_kernels", "list", "--json"], check=True,
                          capture_output=True, text=True)
    return [row["name"] for row in json.loads(done.stdout)]


def _script_seconds(python: pathlib.Path, script: pathlib.Path) -> float:
    """One run of a reproducer in a clean process (``-I``: no project, no user site): the median
    of its fresh processes' medians (it runs itself in 5 by default)."""
    done = subprocess.run([str(python), "-I", str(script)], capture_output=True, text=True, cwd=script.parent,
                          timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"{script.name} failed in {python}: {done.stderr.strip()[-1000:]}")
    match = re.search(r": ([\d.e+-]+) ms per call", done.stdout)
    return float(match.group(1)) / 1e3


def add_pin(p) -> None:
    p.add_argument("--pin", choices=PINNINGS, default=PINNINGS[0],
                   help="the measuring processes' pinning (jaxnp-releases run --pin; default main); sessions "
                        "of another go to a results directory of their own (suffix -pin-none)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("aa")
    p.add_argument("--neighbour", action="store_true", help="with the adversarial neighbour (neighbour.py)")
    p.add_argument("--selection", default="calibration")
    p.add_argument("--rounds", type=int, metavar="N",
                   help="every block measured in N rounds, none extended (the looks replayed afterwards: replay)")
    add_pin(p)
    p.set_defaults(func=cmd_aa)
    p = sub.add_parser("sensitivity")
    p.add_argument("--slowdown", type=float, default=1.2)
    p.add_argument("--threshold", type=float, default=compare.DEFAULT_THRESHOLD)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--verify", type=int, default=5, metavar="N",
                   help="sessions of the slowed rows alone that may rescale each injected part until a "
                        "session measures the slowdown (default 5; 0: the one-process calibration only)")
    add_pin(p)
    p.set_defaults(func=cmd_sensitivity)
    p = sub.add_parser("parity")
    p.add_argument("--releases", nargs="+", default=["oldest", "newest"])
    p.add_argument("--size", default="M", choices=("M", "L"))
    p.add_argument("--plain", type=int, default=5, help="plain processes per row and release")
    p.add_argument("--session", action="store_true", help="use the newest session there, do not measure one")
    p.add_argument("--results-dir", type=pathlib.Path,
                   help="where the session goes (default .asv/calibration/parity-SIZE)")
    p.add_argument("--env-dir", type=pathlib.Path, default=ENV_DIR,
                   help="the environments (default .asv/calibration-env)")
    add_pin(p)
    p.set_defaults(func=cmd_parity)
    p = sub.add_parser("cache")
    p.add_argument("cases", nargs="+", metavar="WORKLOAD/IMPLEMENTATION")
    p.add_argument("--release", default="0.10.2", help="the JAX release of the environment (default 0.10.2)")
    p.add_argument("--pairs", type=int, default=8, help="processes with and without the cache, each (default 8)")
    p.add_argument("--env-dir", type=pathlib.Path, default=ENV_DIR,
                   help="the environments (default .asv/calibration-env)")
    p.set_defaults(func=cmd_cache)
    p = sub.add_parser("summary")
    p.add_argument("dirs", nargs="+", type=pathlib.Path)
    p.add_argument("--rows", action="store_true", help="every row's interval too")
    p.set_defaults(func=lambda a: summarise(a.dirs, rows_too=a.rows))
    p = sub.add_parser("replay")
    p.add_argument("dirs", nargs="+", type=pathlib.Path)
    p.add_argument("--rule", type=Rule.parse, action="append", metavar="STEP[:WIDEST]",
                   help="each look's alpha the previous one's times STEP (the suite's: compare.LOOK_STEP); a "
                        "no-change row is measured on until its interval is at most WIDEST wide (default: the "
                        "threshold; inf: any width, the rule until 2026-12-07 with STEP 0.5); repeat to compare")
    p.add_argument("--alpha", type=float, default=compare.DEFAULT_ALPHA)
    p.add_argument("--threshold", type=float, default=compare.DEFAULT_THRESHOLD)
    p.set_defaults(func=cmd_replay)
    p = sub.add_parser("steadiness")
    p.add_argument("dirs", nargs=2, type=pathlib.Path)
    p.set_defaults(func=cmd_steadiness)
    p = sub.add_parser("reproducers")
    p.add_argument("results_dir", nargs="?", type=pathlib.Path, default=ROOT / RESULTS_DIR)
    p.add_argument("--env-dir", type=pathlib.Path, default=ROOT / ".asv" / "env",
                   help="the session's environments (default .asv/env, the main job's)")
    p.add_argument("--runs", type=int, default=2,
                   help="runs of each script per release, alternating (default 2: each run times 5 fresh "
                        "processes, so 10 per release, as the suite's 10 rounds)")
    p.add_argument("--releases", nargs=2, metavar=("OLD", "NEW"),
                   help="the pair of the session to take the verdicts of (default: its oldest and newest)")
    p.add_argument("--writer", type=pathlib.Path,
                   help="the Python that writes the scripts (default: the newer release's environment, where "
                        "the measured commit is installed)")
    p.set_defaults(func=cmd_reproducers)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BadResults as error:  # a directory that is not asv results, a damaged file: named, exit 2
        print(f"calibrate.py: {error}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as error:  # a process it ran failed: its command and last words
        print(f"calibrate.py: exit {error.returncode} from {' '.join(map(str, error.cmd))}", file=sys.stderr)
        if error.stderr:
            text = error.stderr if isinstance(error.stderr, str) else error.stderr.decode(errors="replace")
            print("\n".join(text.strip().splitlines()[-5:]), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
