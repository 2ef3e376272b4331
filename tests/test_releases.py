"""jaxnp_releases without running asv: the matrix, selections, block orders, bisect and sweep logic."""

import json
import math
import pathlib
import random
import re
import subprocess
import sys
from collections import Counter

import pytest

import jaxnp_kernels as jk
from jaxnp_releases import asv_adapter, cases, matrix, runner, search, selections
from jaxnp_results import compare
from jaxnp_results.config import read_config
from jaxnp_results.results import Measurement
from jaxnp_results.versions import release_key

REPO = matrix.ROOT


def test_the_matrix_is_read_from_asv_conf_in_version_order():
    releases = matrix.releases()
    assert releases == sorted(releases, key=release_key) and len(releases) >= 2
    assert matrix.releases_named(["newest", "oldest", "newest"]) == [releases[-1], releases[0]]
    assert matrix.releases_named(["all"]) == releases
    assert matrix.releases_named(["0.4.33"]) == ["0.4.33"]          # outside the matrix: kept
    with pytest.raises(matrix.MatrixError, match="not a JAX release"):
        matrix.releases_named(["latest"])
    # the scripts read it the same way, with any Python and no package import
    out = subprocess.run([sys.executable, str(REPO / "jaxnp_releases" / "matrix.py"), "--oldest"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == releases[0]


def test_releases_sort_as_versions_and_pair_with_jaxlib():
    assert sorted(["0.10.2", "0.4.31", "0.5.3", "0.4.38"], key=release_key) == \
        ["0.4.31", "0.4.38", "0.5.3", "0.10.2"]
    assert matrix.paired_jaxlib("0.5.2", ["0.5.0", "0.5.1", "0.5.3"]) == "0.5.1"
    assert matrix.paired_jaxlib("0.5.3", ["0.5.1", "0.5.3"]) == "0.5.3"
    with pytest.raises(matrix.MatrixError):
        matrix.paired_jaxlib("0.6.0", ["0.5.3"])
    assert matrix.releases_between("0.4.31", "0.4.35", ["0.4.35", "0.4.33", "0.4.31", "0.4.34rc1", "0.4.32"]) \
        == ["0.4.32", "0.4.33"]


def test_generated_configs_hold_the_chosen_environments(tmp_path):
    conf = read_config(matrix.CONFIG)
    newest = matrix.releases()[-1]
    inside = matrix.entry_for(conf, newest)
    assert inside in conf["include"]                             # a matrix entry, verbatim
    outside = matrix.entry_for(conf, "0.4.33", "0.4.33")
    assert (outside["req"]["jax"], outside["req"]["jaxlib"]) == ("0.4.33", "0.4.33")
    twin = matrix.twin_entry(inside)
    assert twin["req"] == {**inside["req"], "six": "1.17.0"}
    out = matrix.write_config([inside, twin], tmp_path / "c.json", results_dir=tmp_path / "r")
    written = json.loads(out.read_text())
    assert written["include"] == [inside, twin] and written["results_dir"] == str((tmp_path / "r").resolve())
    assert written["benchmark_dir"] == str(REPO / "benchmarks")
    gpu = json.loads(matrix.write_gpu_config(tmp_path / "gpu.json").read_text())
    assert gpu["launch_method"] == "spawn"
    for entry in gpu["include"]:
        assert entry["req"]["jax-cuda12-plugin"] == entry["req"]["jax"] == entry["req"]["jax-cuda12-pjrt"]
        assert "XLA_FLAGS" not in entry["env_nobuild"]
        assert entry["env_nobuild"]["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"   # processes share the GPU


def test_labels_are_releases_and_a_twin_is_told_apart():
    assert runner.labels_for([{"jax": "0.4.31"}, {"jax": "0.10.2"}]) == ["0.4.31", "0.10.2"]
    assert runner.labels_for([{"jax": "0.10.2"}, {"jax": "0.10.2", "six": "1.17.0"}]) == ["0.10.2", "0.10.2-twin"]


def asv_name(benchmark, params):
    return f"{benchmark}({', '.join(params)})"


def test_declared_selections_cover_every_workload_and_say_what_they_leave_out():
    main, full = selections.selection_named("main"), selections.selection_named("full")
    in_main = lambda name: any(re.search(p, name) for p in main.patterns)  # noqa: E731
    in_full = lambda name: any(re.search(p, name) for p in full.patterns)  # noqa: E731
    left_to_full = 0
    for w in jk.all_workloads():
        cls = jk.registry.camel_name(w.name)
        timing = lambda impl, size="M", dtype="float32": asv_name(  # noqa: E731
            f"bench_x.{cls}.time_run", [f"'{impl}'", f"'{size}'", f"'{dtype}'"])
        for impl in w.implementations:
            headline = impl is w.reference or impl is w.compiled
            assert in_main(timing(impl.name)) == headline, (w.name, impl.name)
            assert in_full(timing(impl.name))
            left_to_full += not headline
        assert in_main(timing(w.compiled.name)) and in_full(timing(w.compiled.name, "L"))
        if w.role("op_by_op"):
            assert not in_main(timing(w.role("op_by_op").name)) and in_full(timing(w.role("op_by_op").name))
        assert not in_main(timing("numpy", "M", "float64")) and not in_full(timing("numpy", "M", "float64"))
        assert not in_main(timing("numpy", "L"))
        assert any(re.search(p, asv_name("bench_speedup.Speedup.track_vs_numpy",
                                         [f"'{w.name}/{w.compiled.name}'", "'float32'"])) for p in full.patterns)
    assert left_to_full > 0  # op by op, conv2d's jax_lax_conv, dispatch_steps' jax_jitted_steps
    for name in ("calibration", "parity-M", "parity-L"):
        assert name in selections.declared()
    assert "float64" in main.description and "L" in main.description and "float64" in full.description
    assert selections.selection_named(r"FusedChain\.time_run").name == "custom"
    with pytest.raises(ValueError, match="neither a selection"):
        selections.selection_named("(unclosed")


def test_the_sweep_selection_holds_the_regression_prone_rows_and_their_numpy_control(monkeypatch):
    sweep = selections.selection_named("sweep")
    chosen = lambda name: any(re.search(p, name) for p in sweep.patterns)  # noqa: E731
    timing = lambda w, impl, dtype="float32": asv_name(  # noqa: E731
        f"bench_x.{jk.registry.camel_name(w.name)}.time_run", [f"'{impl}'", "'M'", f"'{dtype}'"])
    workloads = {w.name: w for w in jk.all_workloads()}
    for w in workloads.values():
        wanted = w.name in selections.REGRESSION_PRONE or bool(w.upstream)
        assert chosen(timing(w, w.reference.name)) == wanted, w.name      # the NumPy control rides along
        assert chosen(timing(w, w.compiled.name)) == wanted, w.name
        in_float64 = wanted and "float64" in w.upstream_dtypes             # a float64 report's own row
        assert chosen(timing(w, w.reference.name, "float64")) == in_float64, w.name
        assert chosen(timing(w, w.compiled.name, "float64")) == in_float64, w.name
        if w.role("op_by_op"):
            assert not chosen(timing(w, w.role("op_by_op").name))
    assert chosen(timing(workloads["scan_matrix_carry"], "jax_scan", "float64"))      # jax#36799: float64 only
    assert not chosen(timing(workloads["scan_grad_scalar_leaves"], "jax_scalar_leaves", "float64"))
    assert chosen(timing(workloads["scatter_add"], "jax_at_add"))
    assert not chosen(asv_name("bench_x.ScatterAdd.time_run", ["'jax_at_add'", "'L'", "'float32'"]))
    monkeypatch.setattr(selections, "REGRESSION_PRONE", ("scatter_add", "no_such_workload"))
    with pytest.raises(ValueError, match="no_such_workload"):
        selections.regression_prone()


def test_the_corpus_selection_holds_every_implementation_of_the_corpus_in_the_dtypes_its_reports_need():
    corpus = selections.selection_named("corpus")
    chosen = lambda name: any(re.search(p, name) for p in corpus.patterns)  # noqa: E731
    upstream = [w for w in jk.all_workloads() if w.upstream]
    assert {"while_gather_max", "linearize_scan_scatter", "scan_matrix_carry"} <= {w.name for w in upstream}
    for w in jk.all_workloads():
        for impl in w.implementations:
            for size in ("M", "L"):
                for dtype in ("float32", "float64"):
                    name = asv_name(f"bench_x.{jk.registry.camel_name(w.name)}.time_run",
                                    [f"'{impl.name}'", f"'{size}'", f"'{dtype}'"])
                    wanted = bool(w.upstream) and size == "M" and dtype in w.upstream_dtypes
                    assert chosen(name) == wanted, (w.name, impl.name, size, dtype)
    # float64 only where a report is about float64 (jax#36799); every other corpus row is float32's
    assert [w.name for w in upstream if "float64" in w.upstream_dtypes] == ["scan_matrix_carry"]
    assert all("float32" in w.upstream_dtypes for w in upstream)


def test_a_combination_becomes_the_case_its_measuring_processes_prepare():
    assert cases.case_for("bench_elementwise.FusedChain.time_run", ["'jax_jit'", "'M'", "'float32'"]) == \
        {"kind": "time", "workload": "fused_chain", "implementation": "jax_jit", "size": "M", "dtype": "float32"}
    assert cases.case_for("bench_speedup.Speedup.track_vs_numpy", ["'fused_chain/jax_jit'", "'float32'"]) == \
        {"kind": "speedup", "workload": "fused_chain", "implementation": "jax_jit", "size": "M", "dtype": "float32"}
    assert cases.case_for("bench_compile.CompileCost.track_compile_seconds", ["'fused_chain/jax_jit'"]) is None
    assert cases.case_for("bench_elementwise.NoSuchWorkload.time_run", ["'numpy'", "'M'", "'float32'"]) is None


def test_the_asv_environments_pin_the_runner_that_times_calls_in_batches():
    """asv_runner 0.2.5 and later time each call of a benchmark with a setup method on its own (one
    call per sample): every environment keeps 0.2.1. The tests' environments take the release's
    libraries only (asv 0.6.6, which the tests install, needs asv_runner 0.2.5 or later)."""
    conf = read_config(matrix.CONFIG)
    assert conf["matrix"]["req"]["pip+asv_runner"] == ["0.2.1"]
    assert all(entry["req"]["pip+asv_runner"] == "0.2.1" for entry in matrix.entries(conf))
    oldest = matrix.pins(matrix.releases()[0])
    assert not any(pin.startswith(("asv_runner", "pip+")) for pin in oldest)
    assert any(pin.startswith("jaxlib==") for pin in oldest)


# -- bisect and sweep with a fake measurement ---------------------------------------------------

TIME = "bench_scatter.ScatterAdd.time_run"


def fake_measure(levels, calls, processes=6):
    """A Measure whose session gives each release its level (per combination), fresh each call."""

    def measure(releases, selection):
        calls.append(list(releases))
        session = f"s{len(calls)}"
        rng = random.Random(len(calls))
        out = []
        for impl in ("numpy", "jax_at_add"):
            for release in releases:
                level = 1.0 if impl == "numpy" else levels(release)
                values = tuple(level * (1 + rng.uniform(-0.02, 0.02)) for _ in range(processes))
                out.append(Measurement("m", "c", release, TIME, (f"'{impl}'", "'M'", "'float32'"),
                                       ("implementation", "size", "dtype"), "seconds", sorted(values)[2],
                                       values, None, len(calls), session))
        return out

    return measure


def test_bisect_measures_every_candidate_with_the_good_and_the_bad_release():
    between = ["0.4.32", "0.4.33", "0.4.34", "0.4.35", "0.4.36", "0.4.37"]
    slow = lambda r: 30.0 if release_key(r) >= release_key("0.4.35") else 1.0  # noqa: E731
    calls = []
    release, comparison = search.bisect("0.4.31", "0.4.38", between, selections.selection_named("ScatterAdd"),
                                        fake_measure(slow, calls), log=lambda text: None)
    assert release == "0.4.35" and comparison.verdict == compare.REGRESSION
    assert comparison.processes == (6, 6) and comparison.ratio == pytest.approx(30, rel=0.1)
    assert all(c[0] == "0.4.31" and c[-1] == "0.4.38" for c in calls)     # always side by side
    assert len(calls) <= 1 + math.ceil(math.log2(len(between) + 1))


def test_bisect_refuses_when_good_to_bad_shows_no_regression_side_by_side():
    with pytest.raises(search.SearchError, match="nothing to bisect"):
        search.bisect("0.4.31", "0.4.38", ["0.4.35"], selections.selection_named("ScatterAdd"),
                      fake_measure(lambda r: 1.0, []), log=lambda text: None)


def test_sweep_windows_overlap_so_every_neighbour_pair_is_measured_together():
    releases = [f"0.4.{i}" for i in range(31, 39)]
    windows = search.windows(releases, 3)
    pairs = {frozenset(p) for w in windows for p in zip(w, w[1:])}
    assert all(frozenset(p) in pairs for p in zip(releases, releases[1:]))
    assert all(a[-1] == b[0] for a, b in zip(windows, windows[1:]))
    calls, cleaned = [], []
    ran = search.sweep(releases, selections.selection_named("ScatterAdd"), fake_measure(lambda r: 1.0, calls),
                       done=[set(windows[0])], cleanup=lambda: cleaned.append(1), log=lambda text: None)
    assert ran == windows[1:] and calls == windows[1:] and len(cleaned) == len(windows) - 1


def test_a_block_is_appended_to_the_asv_result_and_nothing_recorded_is_lost(tmp_path):
    pytest.importorskip("asv")
    from asv.results import Results

    benchmark = {"name": TIME, "version": "1", "params": [["'numpy'", "'jax_at_add'"], ["'M'"]],
                 "param_names": ["implementation", "size"]}
    results = Results({"machine": "m", "jax": "0.4.31"}, {"jax": "0.4.31"}, "c" * 40, 0, "3.11", "env", {})
    asv_adapter.add_samples(results, benchmark, 0, [1.0, 1.2, 1.1], failed=False, number=10, duration=1.0)
    asv_adapter.add_samples(results, benchmark, 1, [], failed=True, number=None, duration=1.0)
    results.save(str(tmp_path))
    again = Results.load(str(tmp_path / results._filename))
    # a second session of the same commit and environment: its processes join the first's
    asv_adapter.add_samples(again, benchmark, 0, [1.3, 1.4], failed=False, number=10, duration=1.0)
    assert again.get_result_samples(TIME, benchmark["params"])[0] == [1.0, 1.2, 1.1, 1.3, 1.4]
    assert again.get_result_value(TIME, benchmark["params"]) == [1.2, None]   # median; the failure kept
    stats = again.get_result_stats(TIME, benchmark["params"])[0]
    assert stats["ci_99_a"] <= 1.2 <= stats["ci_99_b"]


@pytest.mark.parametrize("args, message", [
    (["run", "--releases", "newest"], "needs two releases or more"),
    (["run", "--releases", "latest", "newest"], "not a JAX release"),
    (["run", "--releases", "oldest", "newest", "--selection", "(unclosed"], "neither a selection"),
    (["run", "--releases", "oldest", "newest", "--twin"], "--twin measures one release"),
    (["run", "--releases", "oldest", "newest", "--rounds", "0"], "rounds must lie between 1 and most"),
    (["run", "--releases", "oldest", "newest", "--budget", "-3"], "budget must be a positive"),
    (["run", "--releases", "oldest", "newest", "--threshold", "0.9"], "threshold must be a factor above 1"),
])
def test_the_runner_refuses_bad_arguments_with_one_line_and_exit_2(args, message, capsys):
    from jaxnp_releases import cli

    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_block_asked_a_10_percent_question_measures_on_where_a_20_percent_one_stops():
    """The runner's rule stops a block once it decides a change of the plan's threshold: ten rounds
    whose interval, about [1.03, 1.12], shows a change smaller than 1.2 decide the suite's question,
    not a 10% one (neither a verdict at 1.1 nor shown smaller than it), so at 1.1 it measures on."""
    import types

    from jaxnp_releases import launch, rounds
    from jaxnp_releases.runner import SessionRunner

    sides = [types.SimpleNamespace(env=types.SimpleNamespace(name=name), label=label)
             for name, label in (("env-a", "0.4.31"), ("env-b", "0.10.2"))]
    block = types.SimpleNamespace(benchmark="bench_x.X.time_run", params=["'jax_jit'"])
    ratios = [0.98, 1.02, 1.04, 1.06, 1.08, 1.10, 1.12, 1.14, 1.16, 1.05]
    records = [{"environment": env, "round": r, "status": "ok", "summary": value, "samples": [value] * 3}
               for r, ratio in enumerate(ratios) for env, value in (("env-a", 1.0), ("env-b", ratio))]

    def unresolved_at(threshold):
        runner = types.SimpleNamespace(sides=sides, machine_name="m", commit="c", id="s",
                                       settings=types.SimpleNamespace(plan=rounds.Plan(threshold=threshold)))
        check = SessionRunner._unresolved_check(runner, {"param_names": ["implementation"], "unit": "seconds"}, block)
        return check(records)

    assert (unresolved_at(1.2), unresolved_at(1.1)) == (False, True)
    # jaxnp-releases run --threshold reaches the plan (and so the session's recorded settings)
    args = types.SimpleNamespace(rounds=10, more_rounds=5, most_rounds=20, threshold=1.1, seed=1, budget=None,
                                 no_compile_cache=False, pin="main", plain=0, shard=None, machine="m", commit="HEAD")
    assert launch.new_session(args, REPO / "asv.conf.json", None).settings.plan.threshold == 1.1


def test_a_search_pins_its_commit_once_so_a_commit_made_meanwhile_changes_none_of_its_sessions():
    import argparse

    args = argparse.Namespace(config=str(pathlib.Path(__file__).resolve().parents[1] / "asv.conf.json"),
                              commit="HEAD")
    search._measure_with(args)
    assert re.fullmatch(r"[0-9a-f]{40}", args.commit)
