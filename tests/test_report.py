"""jaxnp-report on small synthetic asv result trees and sessions: verdicts, edge cases, formats, exit codes.

Verdicts come from side-by-side sessions only (tests/test_sessions.py and tests/test_stats.py
test the rule itself); asv result files give the per-release figures and, measured apart,
ratios that are shown but never judged.
"""

import itertools
import json
import pathlib
import random
import re

import pytest

from jaxnp_kernels.report import cli
from jaxnp_results import compare, sessions
from jaxnp_results.results import read_results
from jaxnp_results.sessions import read_sessions, session_path
from jaxnp_results.stats import mann_whitney_u
from jaxnp_results.versions import release_key

COLUMNS = ["result", "params", "version", "started_at", "duration", "stats_ci_99_a", "stats_ci_99_b",
           "stats_q_25", "stats_q_75", "stats_number", "stats_repeat", "samples", "profile"]
TIME = "bench_elementwise.FusedChain.time_run"
SPEEDUP = "bench_speedup.Speedup.track_vs_numpy"
MEMORY = "bench_memory.Memory.track_intermediate_bytes"
IMPLS, SIZES, DTYPES = ["'numpy'", "'jax_jit'"], ["'M'"], ["'float32'"]
COMMIT = "abcdef1234567890"


def samples(center, n=10, noise=0.02, seed=0):
    rng = random.Random(seed)
    return [center * (1 + rng.uniform(-noise, noise)) for _ in range(n)]


def write_tree(root, machine="m1", runs=None, commit=COMMIT, extra_benchmarks=None):
    """runs: {release: {benchmark: [samples or None per param combination]}}."""
    root.mkdir(parents=True, exist_ok=True)
    index = {
        TIME: {"params": [IMPLS, SIZES, DTYPES], "param_names": ["implementation", "size", "dtype"],
               "unit": "seconds", "type": "time", "version": "1"},
        SPEEDUP: {"params": [["'fused_chain/jax_jit'"], ["'float32'"]], "param_names": ["case", "dtype"],
                  "unit": "ratio", "type": "track", "version": "1"},
        MEMORY: {"params": [["'fused_chain/jax_jit'"]], "param_names": ["case"],
                 "unit": "bytes", "type": "track", "version": "1"},
        **(extra_benchmarks or {}),
    }
    (root / "benchmarks.json").write_text(json.dumps(index))
    mdir = root / machine
    mdir.mkdir(exist_ok=True)
    (mdir / "machine.json").write_text(json.dumps({"machine": machine}))
    for i, (release, benches) in enumerate(runs.items()):
        results = {}
        for name, per_combo in benches.items():
            values = [None if s is None else sorted(s)[len(s) // 2] for s in per_combo]
            row = [values, index[name]["params"], "1", 1000 + i, 1.0, None, None, None, None, None, None,
                   per_combo if index[name]["type"] == "time" else None, None]
            results[name] = row
        data = {"commit_hash": commit, "env_name": f"virtualenv-py3.11-jax{release}", "date": 1000 + i,
                "params": {"python": "3.11", "jax": release, "jaxlib": release},
                "python": "3.11", "requirements": {}, "env_vars": {}, "result_columns": COLUMNS,
                "results": results, "durations": {}, "version": 2}
        (mdir / f"{commit[:8]}-jax{release}.json").write_text(json.dumps(data))
    return root


def write_session(root, levels, machine="m1", commit=COMMIT, session="s1", processes=6, seed=0, spread=0.02):
    """A side-by-side session: ``levels = {release: {benchmark: [level or None per combination]}}``,
    ``processes`` per release, each one value within ``spread`` of its level."""
    rng = random.Random(seed)
    index = json.loads((root / "benchmarks.json").read_text())
    envs = {f"env-{r}": {"label": r, "jax": r, "jaxlib": r} for r in levels}
    header = {"session": session, "machine": machine, "commit": commit, "started_at": 900,
              "environments": envs, "settings": {"processes": processes},
              "benchmarks": {name: {"unit": meta["unit"], "param_names": meta["param_names"]}
                             for name, meta in index.items()}}
    block = 0
    with sessions.create(session_path(root, machine, commit, session), header) as out:
        for name, meta in index.items():
            combos = [list(c) for c in itertools.product(*meta["params"])]
            for i, combo in enumerate(combos):
                if not any(name in per and per[name][i] is not None for per in levels.values()):
                    continue
                for k in range(processes):
                    for release, per in levels.items():
                        level = per.get(name, [None] * len(combos))[i]
                        value = None if level is None else level * (1 + rng.uniform(-spread, spread))
                        out.write({"record": "process", "block": block, "benchmark": name, "params": combo,
                                   "environment": f"env-{release}", "slot": k, "started_at": 1000 + block,
                                   "status": "ok" if value else "skipped", "seconds": 0.1,
                                   "samples": [value] if value else [], "summary": value})
                out.write({"record": "block", "block": block})
                block += 1
        out.write({"record": "end", "status": "complete"})


def three_releases(tmp_path):
    """0.4.31 -> 0.5.3: numpy unchanged, jax_jit 1.5x slower; 0.5.3 -> 0.10.2: jax_jit 2x faster, the
    speedup figure too; all measured side by side, in one session of the three releases."""
    root = write_tree(tmp_path / "results", runs={
        "0.4.31": {TIME: [samples(1.0, seed=1), samples(0.5, seed=2)], SPEEDUP: [[2.0]]},
        "0.5.3": {TIME: [samples(1.0, seed=3), samples(0.75, seed=4)], SPEEDUP: [[1.33]], MEMORY: [[4e6]]},
        "0.10.2": {TIME: [samples(1.0, seed=5), samples(0.375, seed=6)], SPEEDUP: [[2.67]], MEMORY: [[0.0]]},
    })
    write_session(root, {"0.4.31": {TIME: [1.0, 0.5], SPEEDUP: [2.0]},
                         "0.5.3": {TIME: [1.0, 0.75], SPEEDUP: [1.33]},
                         "0.10.2": {TIME: [1.0, 0.375], SPEEDUP: [2.67]}})
    return root


def measurements(root):
    return read_results(root) + [m for s in read_sessions(root) for m in s.measurements()]


def test_releases_sort_as_versions_not_text():
    assert sorted(["0.10.2", "0.4.31", "0.5.3", "0.4.38"], key=release_key) == ["0.4.31", "0.4.38", "0.5.3", "0.10.2"]


def test_mann_whitney_matches_known_values():
    # exact two-sided p for complete separation of 5 vs 5 is 2/252
    assert mann_whitney_u([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])[1] == pytest.approx(2 / 252)
    assert mann_whitney_u([1, 2, 3], [4, 5, 6])[1] == pytest.approx(0.1)  # 3 vs 3: never below 0.1
    _, p = mann_whitney_u([1, 3, 5, 7], [2, 4, 6, 8])
    assert p > 0.5


def test_regression_improvement_and_noise_are_told_apart(tmp_path):
    ms = measurements(three_releases(tmp_path))
    older = compare.compare_releases(ms, "0.4.31", "0.5.3")
    verdicts = {c.measurement.label: c.verdict for c in older}
    assert verdicts["bench_elementwise.FusedChain.time_run(jax_jit, M, float32)"] == compare.REGRESSION
    assert verdicts["bench_elementwise.FusedChain.time_run(numpy, M, float32)"] == compare.NO_CHANGE
    # a speedup is "worse" lower: 2.0x -> 1.33x side by side is a regression
    assert verdicts["bench_speedup.Speedup.track_vs_numpy(fused_chain/jax_jit, float32)"] == compare.REGRESSION
    newer = {c.measurement.label: c.verdict for c in compare.compare_releases(ms, "0.5.3", "0.10.2")}
    # bytes are exact: a single value is judged (4 MB of XLA temporaries down to none)
    assert newer["bench_memory.Memory.track_intermediate_bytes(fused_chain/jax_jit)"] == compare.IMPROVEMENT
    assert newer["bench_elementwise.FusedChain.time_run(jax_jit, M, float32)"] == compare.IMPROVEMENT


def test_a_large_change_from_three_processes_per_side_gets_no_verdict(tmp_path):
    root = write_tree(tmp_path / "r", runs={"0.4.31": {TIME: [[1.0], [1.0]]}, "0.5.3": {TIME: [[1.0], [1.5]]}})
    write_session(root, {"0.4.31": {TIME: [1.0, 1.0]}, "0.5.3": {TIME: [1.0, 1.5]}}, processes=3)
    c = {c.measurement.param("implementation"): c for c in compare.compare_releases(measurements(root), "0.4.31",
                                                                                     "0.5.3")}["jax_jit"]
    # 1.5x apart, but 3 vs 3 processes cannot give a 99% interval
    assert c.ratio > 1.4 and c.processes == (3, 3) and c.verdict == compare.NO_CHANGE


def test_small_byte_figures_get_no_verdict_however_large_their_ratio():
    from jaxnp_results.results import Measurement

    def m(release, value):
        return Measurement("m", COMMIT, release, MEMORY, ("'gemver/jax_jit'",), ("case",), "bytes",
                           value, (), None, 0)

    assert compare.compare_pair(m("a", 16.0), m("b", 64 * 1024.0)).verdict == compare.NO_CHANGE
    assert compare.compare_pair(m("a", 0.0), m("b", 1000.0)).verdict == compare.NO_CHANGE
    # the same ratio reaching past 1 MiB is judged
    assert compare.compare_pair(m("a", 0.0), m("b", 2.0 * 2**20)).verdict == compare.REGRESSION
    assert compare.compare_pair(m("a", 4e6), m("b", 1e6)).verdict == compare.IMPROVEMENT


def test_numpy_control_counts_false_positives_in_every_format(tmp_path, capsys):
    from jaxnp_kernels.report.build import build_report

    # a broken method (or a machine that changed for one environment only): identical NumPy code
    # measured 30% faster in the "new" environment, side by side
    drifted = write_tree(tmp_path / "drift", runs={
        "0.4.31": {TIME: [samples(1.0, seed=1), samples(0.5, seed=2)]},
        "0.5.3": {TIME: [samples(0.7, seed=3), samples(0.35, seed=4)]},
    })
    write_session(drifted, {"0.4.31": {TIME: [1.0, 0.5]}, "0.5.3": {TIME: [0.7, 0.35]}})
    pair = build_report(measurements(drifted), "m1").pairs[0]
    assert len(pair.numpy_control()) == 1
    assert re.search(r"1 of 1 NumPy timings got a verdict, median ratio 0\.(69|70|71)x", pair.control_note())
    assert "false positives" in pair.control_note()
    for fmt in ("text", "markdown", "html"):
        out = tmp_path / f"r.{fmt}"
        cli.main([str(drifted), "--format", fmt, "--output", str(out)])
        assert "NumPy control" in out.read_text()
    # NumPy unchanged: the note says so without a warning
    quiet = build_report(measurements(three_releases(tmp_path)), "m1").pairs[0]
    assert "0 of 1 NumPy timings got a verdict" in quiet.control_note()
    assert "false positives" not in quiet.control_note()


def test_the_numpy_control_is_what_the_registry_declares_numpy():
    from jaxnp_results.results import Measurement
    from jaxnp_results.roles import is_numpy_timing

    def timing(benchmark, implementation):
        return Measurement("m", COMMIT, "0.4.31", benchmark, (f"'{implementation}'", "'M'", "'float32'"),
                           ("implementation", "size", "dtype"), "seconds", 1.0, (1.0,), None, 0)

    assert is_numpy_timing(timing("bench_transforms.Vmap.time_run", "numpy"))              # the reference
    assert is_numpy_timing(timing("bench_transforms.Vmap.time_run", "numpy_loop"))         # a NumPy loop
    assert is_numpy_timing(timing("bench_inplace.ScatterAdd.time_run", "numpy_add_at"))   # a NumPy alternative
    assert not is_numpy_timing(timing("bench_transforms.Vmap.time_run", "jax_loop"))       # python_loop, in JAX
    assert not is_numpy_timing(timing("bench_transforms.Vmap.time_run", "jax_vmap"))
    assert not is_numpy_timing(timing("bench_transforms.Vmap.track_run", "numpy"))         # not a timing
    # a workload (or implementation) the registry does not know: the implementation's name decides
    assert is_numpy_timing(timing("bench_x.Retired.time_run", "numpy_old"))
    assert not is_numpy_timing(timing("bench_x.Retired.time_run", "jax_old"))
    assert is_numpy_timing(timing("bench_transforms.Vmap.time_run", "numpy_renamed"))


def test_a_subset_run_is_counted_not_listed_benchmark_by_benchmark(tmp_path):
    many = "bench_x.Many.time_run"
    extra = {many: {"params": [[f"'jax_{k}'" for k in range(25)]], "param_names": ["implementation"],
                    "unit": "seconds", "type": "time", "version": "1"}}
    root = write_tree(tmp_path / "r", extra_benchmarks=extra, runs={
        "0.4.31": {TIME: [samples(1.0), samples(0.5)], many: [samples(1.0, seed=k) for k in range(25)]},
        "0.4.33": {TIME: [samples(1.0, seed=7), samples(0.5, seed=8)]},   # a bisect step: a subset
    })
    for fmt in ("text", "markdown", "html"):
        out = tmp_path / f"r.{fmt}"
        cli.main([str(root), "--format", fmt, "--output", str(out)])
        text = out.read_text()
        assert "25 benchmarks were measured in only one of the two releases" in text
        assert text.count("bench_x.Many.time_run(") == 10


def test_report_exit_code_is_1_on_regression_and_formats_render(tmp_path, capsys):
    root = three_releases(tmp_path)
    assert cli.main([str(root)]) == 1
    text = capsys.readouterr().out
    assert "JAX 0.4.31 -> 0.5.3: 2 regressions" in text   # the time and the speedup figure
    assert "JAX 0.5.3 -> 0.10.2: 0 regressions, 3 improvements" in text   # time, speedup, bytes
    assert "session s1: JAX 0.4.31, 0.5.3, 0.10.2 side by side" in text
    assert text.index("0.4.31") < text.index("0.10.2")
    assert cli.main([str(root), "--format", "markdown"]) == 1
    md = capsys.readouterr().out
    assert re.search(r"\| regression \| `bench_elementwise.FusedChain.time_run\(jax_jit, M, float32\)` \| 1\.[45]\d*x "
                     r"\| [45]\d\d ms → 7\d\d ms \| \[1\.\d+x, 1\.\d+x\] 6\+6 processes \|", md)
    out = tmp_path / "report.html"
    assert cli.main([str(root), "--format", "html", "-o", str(out)]) == 1
    page = out.read_text()
    assert page.count("data:image/png;base64,") >= 3 and "http://" not in page and "https://" not in page


def test_the_installed_jaxnp_report_hands_bisect_and_sweep_to_jaxnp_releases(tmp_path, capsys):
    import tomllib

    import jaxnp_commands

    scripts = tomllib.loads((pathlib.Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert scripts["project"]["scripts"]["jaxnp-report"] == "jaxnp_commands:report"
    root = three_releases(tmp_path)
    assert jaxnp_commands.report([str(root), "--brief"]) == 1                 # the report, as before
    assert "JAX 0.4.31 -> 0.5.3: 2 regressions" in capsys.readouterr().out
    for command in ("bisect", "sweep"):
        with pytest.raises(SystemExit) as done:                               # jaxnp-releases' own parser
            jaxnp_commands.report([command, "--help"])
        assert done.value.code == 0 and f"usage: jaxnp-releases {command}" in capsys.readouterr().out
        # the report package itself never imports the release tooling: reached directly, a pointer
        assert cli.main([command, "--good", "0.4.31"]) == 2
        err = capsys.readouterr().err
        assert f"run jaxnp-releases {command}" in err and err.count("\n") == 1


def test_no_regression_exits_0_and_single_release_says_nothing_to_compare(tmp_path, capsys):
    root = three_releases(tmp_path)
    assert cli.main([str(root), "--release", "0.5.3", "--release", "0.10.2"]) == 0
    single = write_tree(tmp_path / "single", runs={"0.4.31": {TIME: [samples(1.0), samples(0.5)]}})
    capsys.readouterr()
    assert cli.main([str(single)]) == 0
    assert "nothing to compare" in capsys.readouterr().out


def test_skipped_and_missing_benchmarks_get_no_verdict(tmp_path):
    root = write_tree(tmp_path / "r", runs={
        "0.4.31": {TIME: [samples(1.0), None]},
        "0.5.3": {TIME: [samples(1.0), samples(5.0)], SPEEDUP: [[1.0]]},
    })
    comparisons = {c.measurement.label: c.verdict for c in
                   compare.compare_releases(read_results(root), "0.4.31", "0.5.3")}
    assert comparisons["bench_elementwise.FusedChain.time_run(jax_jit, M, float32)"] == compare.SKIPPED
    assert comparisons["bench_speedup.Speedup.track_vs_numpy(fused_chain/jax_jit, float32)"] == compare.MISSING_OLD


def test_machines_are_never_mixed(tmp_path, capsys):
    root = three_releases(tmp_path)
    write_tree(root, machine="gpu-box", runs={"0.4.31": {TIME: [samples(9.0), samples(9.0)]},
                                               "0.5.3": {TIME: [samples(9.0), samples(9.0)]}})
    assert cli.main([str(root), "--machine", "gpu-box"]) == 0
    assert "machine gpu-box" in capsys.readouterr().out
    cli.main([str(root), "-o", str(tmp_path / "r.txt")])
    assert (tmp_path / "r-m1.txt").exists() and (tmp_path / "r-gpu-box.txt").exists()


def _missing(path):
    return path / "missing"


def _empty(path):
    (path / "empty").mkdir()
    return path / "empty"


def _corrupt(path):
    (path / "bad").mkdir()
    (path / "bad" / "benchmarks.json").write_text("{oops")
    return path / "bad"


@pytest.mark.parametrize("make, message", [
    (_missing, "is not a directory"), (_empty, "no benchmarks.json"), (_corrupt, "cannot read"),
])
def test_bad_input_exits_2_with_a_clear_message(tmp_path, capsys, make, message):
    assert cli.main([str(make(tmp_path))]) == 2
    assert message in capsys.readouterr().err


def test_unknown_commit_and_release_exit_2(tmp_path, capsys):
    root = three_releases(tmp_path)
    assert cli.main([str(root), "--commit", "ffff"]) == 2
    assert "no results for commit 'ffff'" in capsys.readouterr().err
    assert cli.main([str(root), "--release", "9.9.9"]) == 2
    assert "9.9.9 not measured" in capsys.readouterr().err


def test_results_measured_apart_are_shown_never_judged_however_clear(tmp_path, capsys):
    # two separate runs, tight samples, 1.5x apart: the machine may have changed in between
    root = write_tree(tmp_path / "r", runs={"0.4.31": {TIME: [samples(1.0), samples(0.5)]},
                                            "0.5.3": {TIME: [samples(1.0), samples(0.75)]}})
    comparisons = {c.measurement.param("implementation"): c
                   for c in compare.compare_releases(read_results(root), "0.4.31", "0.5.3")}
    assert comparisons["jax_jit"].verdict == compare.APART and comparisons["jax_jit"].ratio > 1.4
    assert cli.main([str(root)]) == 0
    assert "2 benchmarks were measured apart" in capsys.readouterr().out


def test_figures_are_shown_in_their_units():
    from jaxnp_kernels.report.render_text import format_value

    assert format_value(0.00075, "seconds") == "750 us"
    assert format_value(4.2e6, "bytes") == "4.2 MB"
    assert format_value(0.091, "fraction") == "9.1%"
    assert format_value(None, "seconds") == "-"


def test_the_report_names_the_interval_of_the_alpha_it_judges_at(tmp_path):
    """The rule and the verdict tables say which interval decided: 95% at the default alpha,
    99.5% when the report is asked for alpha 0.005 (the suite's rule until 2026-12-06)."""
    tree = three_releases(tmp_path)
    for alpha, name in ((None, "95% interval"), ("0.005", "99.5% interval")):
        for fmt in ("text", "landing"):
            out = tmp_path / f"r-{alpha}.{fmt}"
            cli.main([str(tree), "--format", fmt, "--output", str(out)] + (["--alpha", alpha] if alpha else []))
            assert name in out.read_text(), (alpha, fmt)
