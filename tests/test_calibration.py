"""The calibration tooling: the injected slowdown is real work that leaves every result verified."""

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
CALIBRATION = REPO / "tools" / "calibration"


def slowdown_module():
    """The test-only slowdown module, imported from tools/calibration."""
    sys.path.insert(0, str(CALIBRATION))
    try:
        import jaxnp_slowdown
    finally:
        sys.path.remove(str(CALIBRATION))
    return jaxnp_slowdown


def load_calibrate():
    """tools/calibration/calibrate.py as a module."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("calibrate", CALIBRATION / "calibrate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while it runs
    spec.loader.exec_module(module)
    return module


def test_the_slowdown_patches_only_the_named_kernels_and_keeps_results_verified(tmp_path):
    config = tmp_path / "jaxnp_slowdown.json"
    config.write_text(json.dumps({"fused_chain": {"implementation": "jax_jit",
                                                  "fractions": {"float32": 0.5, "float64": 0.5}}}))
    code = f"""
import sys, json
sys.path.insert(0, {str(CALIBRATION)!r})
import jaxnp_slowdown, pathlib
jaxnp_slowdown.CONFIG = pathlib.Path({str(config)!r})
jaxnp_slowdown.install_on_import()           # as the .pth file does: nothing imported yet
assert "jaxnp_kernels.registry" not in sys.modules
import jaxnp_kernels as jk
from jaxnp_kernels.timing import Case
from jaxnp_kernels.workloads import dot_reduction, fused_chain
w = jk.get("fused_chain")
jaxnp_slowdown.install(jaxnp_slowdown.CONFIG)   # a second install changes nothing
jit = jk.get("fused_chain").implementation("jax_jit").function
out = {{"patched": jit is not fused_chain.jax_chain,
        "wrapped_once": jit.__closure__[1].cell_contents is fused_chain.jax_chain,
        "eager_untouched": w.implementation("jax_eager").function is fused_chain.jax_chain,
        "other_untouched": jk.get("dot_reduction").implementation("jax_jit").function.__module__
                           == dot_reduction.__name__}}
for dtype in ("float32", "float64"):
    Case(w, "jax_jit", "S", dtype).prepare()   # verifies against NumPy, raises if not
out["verified"] = True
print(json.dumps(out))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "patched": True, "wrapped_once": True, "eager_untouched": True, "other_untouched": True, "verified": True}


def test_the_slowed_kernel_computes_its_extra_share_on_the_leading_inputs():
    jaxnp_slowdown = slowdown_module()
    seen = []

    def kernel(x):
        seen.append(x.shape[0])
        return x * 2.0

    slowed = jaxnp_slowdown.slowed(kernel, {"float32": 0.25})
    x = np.arange(1, 9, dtype=np.float32)
    out = slowed(x)
    assert seen == [8, 2]                                   # the whole input, then its first 25%
    np.testing.assert_allclose(np.asarray(out), x * 2.0)    # the extra result weighs 1e-30


def test_the_extra_share_starts_from_the_kernels_result():
    """The extra work reads one element of the kernel's result (at weight 0): it runs after it,
    never beside it (two LAPACK solves at once on XLA's two threads deadlocked)."""
    jaxnp_slowdown = slowdown_module()
    seen = []

    def kernel(x):
        seen.append(np.asarray(x))
        return x * 2.0

    x = np.array([np.inf, 1, 2, 3], dtype=np.float32)    # the result's first element is inf: inf * 0 is nan
    jaxnp_slowdown.slowed(kernel, {"float32": 0.5})(x)
    assert np.isfinite(seen[0][1:]).all() and np.isnan(seen[1]).all()


def test_steadiness_of_a_directory_that_is_not_asv_results_exits_2_naming_it(tmp_path):
    missing = tmp_path / "not-there"
    done = subprocess.run([sys.executable, str(CALIBRATION / "calibrate.py"), "steadiness", str(missing),
                           str(tmp_path)], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 2
    assert str(missing) in done.stderr and "Traceback" not in done.stderr


def test_a_reproducer_agrees_with_a_verdict_in_direction_and_within_30_percent(tmp_path):
    calibrate = load_calibrate()
    assert calibrate.reproducer_agrees(2.0, 1.6) and calibrate.reproducer_agrees(0.5, 0.6)
    assert not calibrate.reproducer_agrees(2.0, 1.5)            # 1.33x apart
    assert not calibrate.reproducer_agrees(1.25, 0.97)          # the other direction
    # the release's environment is found by its requirements (asv names directories by a hash)
    for name, jax in (("a1", "0.4.31"), ("b2", "0.10.2")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "asv-env-info.json").write_text(json.dumps({"requirements": {"jax": jax}}))
    assert calibrate._environment_python(tmp_path, {"jax": "0.10.2"}) == tmp_path / "b2" / "bin" / "python"
    assert calibrate._environment_python(tmp_path, {"jax": "0.9.2"}) is None


def test_an_injected_part_is_rescaled_toward_the_slowdown_the_sessions_measured():
    calibrate = load_calibrate()
    goal = 1.2 * sum(calibrate.VERIFY_BAND) / 2  # the middle of the band, 1.212
    # one session: the line through (0, 1) and its point
    assert abs(calibrate.next_fraction([(0.30, 1.15)], 1.2) - 0.30 * (goal - 1) / 0.15) < 1e-12
    assert calibrate.next_fraction([(0.30, 1.30)], 1.2) < 0.30              # too slow: less work
    assert calibrate.next_fraction([(0.80, 1.10)], 1.2) == 1.0              # never more than the whole work again
    assert calibrate.next_fraction([(0.10, 0.98)], 1.2) == 0.20             # nothing measured: doubled
    # parts that measured below and above the goal: a straight line between the nearest two
    # (scatter_add's sessions: 0.086 gave 1.147, 0.117 gave 1.280, 0.131 gave 1.305)
    tried = [(0.131, 1.305), (0.086, 1.147), (0.117, 1.280)]
    assert abs(calibrate.next_fraction(tried, 1.2) - (0.086 + 0.031 * (goal - 1.147) / 0.133)) < 1e-12
    # noisy sessions on one side: the least-squares line through (0, 1) over all of them
    assert abs(calibrate.next_fraction([(0.2, 1.1), (0.1, 1.1)], 1.2) - (goal - 1) / (0.03 / 0.05)) < 1e-12
    # the selection of a verification session holds the slowed rows and no NumPy reference
    selection = calibrate.sensitivity_selection({"grad": {"implementation": "jax_value_and_grad"}}, numpy=False)
    assert selection == r"\.Grad\.time_run\('jax_value_and_grad', 'M', 'float32'\)$"
    assert "numpy" in calibrate.sensitivity_selection({"grad": {"implementation": "jax_value_and_grad"}})


def test_parity_prints_the_suites_speedup_and_claims_beside_a_plain_scripts(capsys):
    from jaxnp_results.results import Measurement

    calibrate = load_calibrate()
    benchmark = "bench_stencils.Stencil2d.time_run"

    def params(implementation):
        return (f"'{implementation}'", "'M'", "'float32'")

    def row(implementation, release, suite):
        return Measurement(machine="m", commit="c", release=release, benchmark=benchmark, params=params(implementation),
                           param_names=("implementation", "size", "dtype"), unit="seconds", value=suite,
                           samples=None, ci_99=None, date=0), None

    rows = [row("numpy", "0.10.2", 60e-3), row("jax_fori", "0.10.2", 12e-3),
            row("numpy", "0.4.31", 15e-3), row("jax_fori", "0.4.31", 12e-3)]
    plain = {(benchmark, params("numpy"), "0.10.2"): [15e-3, 16e-3, 14e-3],
             (benchmark, params("jax_fori"), "0.10.2"): [12e-3],
             (benchmark, params("numpy"), "0.4.31"): [15e-3],
             (benchmark, params("jax_fori"), "0.4.31"): [12e-3]}
    calibrate.speedup_table(rows, plain)
    out = capsys.readouterr().out
    # a suite whose NumPy processes are 4x slow shows JAX 4x further ahead than a user's scripts
    line = next(line for line in out.splitlines() if "0.10.2" in line and "stencil2d" in line)
    assert line.split()[2:5] == ["5.00x", "1.25x", "4.00"] and "OUTSIDE" in line
    assert "1 of 2 within 1.15x" in out
    # the claims those figures decide, on the suite's and on the script's times
    plain[(benchmark, params("numpy"), "0.10.2")] = [10e-3]
    calibrate.scorecard_table(rows, plain, ["0.4.31", "0.10.2"])
    out = capsys.readouterr().out.splitlines()
    fusion = {line.split()[0]: line for line in out if line.split()[1:2] == ["fusion"]}
    assert fusion["0.4.31"].split()[2:] == ["confirmed", "100%", "confirmed", "100%"]
    assert fusion["0.10.2"].split()[2:] == ["confirmed", "100%", "refuted", "0%", "CHANGED"]
    assert any("stencil2d" in line and "5.00x" in line and "0.83x" in line for line in out)


def test_the_slowdown_hook_goes_into_both_environments_and_slows_only_the_twin(tmp_path, monkeypatch):
    calibrate = load_calibrate()
    monkeypatch.setattr(calibrate, "ENV_DIR", tmp_path)
    sites = {}
    for name, requirements in (("twin", {"jax": "0.10.2", "six": "1.17.0"}), ("plain", {"jax": "0.10.2"}),
                               ("old", {"jax": "0.4.31"})):
        sites[name] = tmp_path / name / "lib" / "python3.11" / "site-packages"
        sites[name].mkdir(parents=True)
        (tmp_path / name / "asv-env-info.json").write_text(json.dumps({"requirements": requirements}))
    (sites["twin"] / "six.py").write_text("")
    assert calibrate.twin_site_packages() == sites["twin"]
    assert calibrate.original_site_packages(sites["twin"]) == sites["plain"]
    calibrate.install_slowdown(sites["plain"], {})
    calibrate.install_slowdown(sites["twin"], {"grad": {"implementation": "jax_value_and_grad"}})
    assert json.loads((sites["plain"] / "jaxnp_slowdown.json").read_text()) == {}
    assert "grad" in json.loads((sites["twin"] / "jaxnp_slowdown.json").read_text())
    assert (sites["plain"] / "jaxnp_slowdown.pth").read_text() == (sites["twin"] / "jaxnp_slowdown.pth").read_text()
    calibrate.remove_slowdown(sites["plain"])
    assert not any(sites["plain"].glob("jaxnp_slowdown*")) and any(sites["twin"].glob("jaxnp_slowdown*"))


def test_the_cache_calibration_without_an_environment_of_the_release_exits_2_naming_it(tmp_path):
    done = subprocess.run([sys.executable, str(CALIBRATION / "calibrate.py"), "cache", "fused_chain/jax_jit",
                           "--release", "0.10.2", "--env-dir", str(tmp_path)], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 2
    assert f"no environment of JAX 0.10.2 in {tmp_path}" in done.stderr and "Traceback" not in done.stderr


def test_a_process_the_calibration_runs_that_fails_exits_2_naming_it(tmp_path):
    # an environment whose Python fails: the cache run names the command and its last words
    env = tmp_path / "e1"
    (env / "bin").mkdir(parents=True)
    (env / "bin" / "python").write_text("#!/bin/sh\necho 'no such workload: nope' >&2\nexit 3\n")
    (env / "bin" / "python").chmod(0o755)
    (env / "asv-env-info.json").write_text(json.dumps({"requirements": {"jax": "0.10.2"}}))
    done = subprocess.run([sys.executable, str(CALIBRATION / "calibrate.py"), "cache", "nope/jax_jit",
                           "--env-dir", str(tmp_path), "--pairs", "1"], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "exit 3 from" in done.stderr and "no such workload: nope" in done.stderr


def test_a_replayed_rule_extends_a_row_look_by_look_and_agrees_with_the_report_on_the_first_look():
    """``calibrate.py replay``: the first 10 rounds of a no-change row are noisy, the next 10 quiet; a
    rule that stops only at 1.1x wide measures on to 15 and 20 rounds, at the looks' alphas; a row
    decided at its first look is judged as the report judges it."""
    import math
    import random

    from jaxnp_results import compare
    from jaxnp_results.results import Measurement

    calibrate = load_calibrate()

    def side(release, values):
        return Measurement("m", "c", release, "bench_x.X.time_run", ("'jax_jit'",), ("implementation",),
                           "seconds", 1.0, tuple(values), None, 0, "s", rounds=tuple(range(len(values))),
                           turns=tuple((v,) for v in values), look=0)

    rng = random.Random(2)
    noisy = [math.exp(rng.gauss(0, 0.08)) for _ in range(10)] + [math.exp(rng.gauss(0, 0.005)) for _ in range(10)]
    old, new = side("a", [1.0] * 20), side("b", noisy)
    first, rounds, short = calibrate.replay_row(old, new, calibrate.Rule(step=1, widest=math.inf), 0.05, 1.2)
    assert (rounds, short, first.verdict) == (10, False, compare.NO_CHANGE)
    later, rounds, short = calibrate.replay_row(old, new, calibrate.Rule(step=1, widest=1.1), 0.05, 1.2)
    assert rounds in (15, 20) and not short and later.rounds == rounds
    assert later.interval[1] / later.interval[0] < first.interval[1] / first.interval[0]
    # the session measured 10 rounds only: the rule that wanted more says so
    _, rounds, short = calibrate.replay_row(side("a", [1.0] * 10), side("b", noisy[:10]),
                                            calibrate.Rule(step=1, widest=1.1), 0.05, 1.2)
    assert (rounds, short) == (10, True)
    # a clear regression at the first look: the report's verdict and interval
    slow = side("b", [1.5 * v for v in noisy[:10]])
    replayed, rounds, _ = calibrate.replay_row(side("a", [1.0] * 10), slow, calibrate.Rule(), 0.05, 1.2)
    reported = compare.compare_pair(side("a", [1.0] * 10), slow)
    assert rounds == 10 and replayed.verdict == reported.verdict == compare.REGRESSION
    assert replayed.interval == pytest.approx(reported.interval)


def test_replay_of_a_directory_without_sessions_or_with_a_bad_rule_exits_2_saying_so(tmp_path):
    done = subprocess.run([sys.executable, str(CALIBRATION / "calibrate.py"), "replay", str(tmp_path)],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "no session of two releases measured in rounds" in done.stderr
    assert str(tmp_path) in done.stderr
    done = subprocess.run([sys.executable, str(CALIBRATION / "calibrate.py"), "replay", str(tmp_path),
                           "--rule", "2:1.2"], capture_output=True, text=True)
    assert done.returncode == 2 and "0 < STEP <= 1" in done.stderr


def test_an_unpinned_calibration_passes_pin_none_and_keeps_its_sessions_apart(tmp_path, monkeypatch):
    """``calibrate.py aa --pin none`` runs its session with ``jaxnp-releases run --pin none`` into
    a results directory of its own; the default pinning passes nothing and keeps the usual one."""
    calibrate = load_calibrate()
    commands = []
    monkeypatch.setattr(calibrate, "CALIBRATION", tmp_path)
    monkeypatch.setattr(calibrate.subprocess, "run",
                        lambda command, **kw: commands.append(command) or subprocess.CompletedProcess(command, 1))
    assert calibrate.main(["aa", "--pin", "none"]) == 1 and calibrate.main(["aa"]) == 1
    unpinned, pinned = commands
    assert unpinned[unpinned.index("--pin") + 1] == "none" and "--pin" not in pinned
    assert unpinned[unpinned.index("--results-dir") + 1] == str(tmp_path / "aa-quiet-pin-none")
    assert pinned[pinned.index("--results-dir") + 1] == str(tmp_path / "aa-quiet")


def test_the_summary_counts_a_row_as_deciding_only_with_a_verdict_or_a_no_change_inside_the_threshold():
    """A main job's changed rows stop early with wide intervals: the summary says how many rows decide
    a change of the threshold's size, not only how wide they are."""
    from jaxnp_results import compare

    calibrate = load_calibrate()

    def row(verdict, low, high):
        return compare.Comparison(None, None, (low * high) ** 0.5, None, None, "", verdict, (low, high))

    rows = [row(compare.REGRESSION, 1.5, 2.4),      # decided by its verdict, however wide
            row(compare.NO_CHANGE, 0.95, 1.10),     # inside 1.2 and 1.16x wide: decides a 1.2x change
            row(compare.NO_CHANGE, 0.88, 1.10),     # inside 1.2 but 1.25x wide: could hide one
            row(compare.NO_CHANGE, 1.02, 1.22)]     # reaches 1.2 without a verdict
    line = calibrate.widths_line("JAX rows", rows)
    assert "1 with a verdict; 2 of 4 decide a 1.2x change" in line
    # at a 10% threshold the narrow no change no longer decides
    assert "1 of 4 decide a 1.1x change" in calibrate.widths_line("JAX rows", rows, 1.1)
