"""The asv suite reads the registry: every workload is benchmarked, skips and failures are honest."""

import dataclasses
import importlib
import os
import pathlib
import subprocess
import sys

import pytest

import jaxnp_kernels as jk

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # asv imports benchmarks/ as a package from the repository root

from benchmarks import common  # noqa: E402


def bench_module(area):
    return importlib.import_module(f"benchmarks.bench_{area}")


@pytest.mark.parametrize("area", jk.areas())
def test_every_area_has_a_benchmark_module(area):
    assert (ROOT / "benchmarks" / f"bench_{area}.py").exists(), f"add benchmarks/bench_{area}.py"


def test_a_module_whose_area_has_no_workload_in_the_installed_package_has_no_benchmarks(monkeypatch):
    # asv discovers today's benchmark modules against older commits' packages as well
    elementwise = jk.get("elementwise")
    monkeypatch.setattr(jk.registry, "_registry", lambda: {"elementwise": elementwise})
    assert common.area_classes("control_flow") == {}
    assert list(common.area_classes("elementwise")) == ["Elementwise"]
    with pytest.raises(ValueError, match="unknown area 'control_flwo'"):
        common.area_classes("control_flwo")


@pytest.mark.parametrize("workload", jk.names())
def test_every_workload_has_a_benchmark_class_with_all_implementations(workload):
    w = jk.get(workload)
    cls = getattr(bench_module(w.area), common.class_name(workload))
    assert cls.param_names == ["implementation", "size", "dtype"]
    assert cls.params == [list(w.implementation_names), list(common.SIZES), list(w.dtypes)]
    assert cls.version and cls.__doc__ == w.description


def test_an_implementation_outside_its_sizes_is_skipped():
    cls = bench_module("autodiff").JacobianTall
    with pytest.raises(NotImplementedError, match="does not run at size L"):
        cls().setup("jax_jacrev", "L", "float32")


def test_size_l_times_float32_numpy_and_jitted_jax_only():
    cls = bench_module("elementwise").FusedChain
    with pytest.raises(NotImplementedError, match="float32 only"):
        cls().setup("jax_jit", "L", "float64")
    with pytest.raises(NotImplementedError, match="op-by-op JAX"):
        cls().setup("jax_eager", "L", "float32")
    common.skip_outside_budget("fused_chain", "numpy", "L", "float32")  # timed: no skip
    common.skip_outside_budget("fused_chain", "jax_jit", "L", "float32")
    common.skip_outside_budget("fused_chain", "jax_eager", "M", "float64")


def test_a_wrong_jax_result_fails_setup_and_is_never_timed(monkeypatch):
    w = jk.get("elementwise")
    wrong = dataclasses.replace(w.implementation("jax_jit"), function=lambda x, a, b: x * a + b * 1.01)
    broken = dataclasses.replace(w, implementations=(w.reference, wrong))
    monkeypatch.setattr(jk.registry, "_registry", lambda: {"elementwise": broken})
    bench = common.benchmark_class(broken)()
    with pytest.raises(jk.VerificationError, match="'elementwise', implementation 'jax_jit'"):
        bench.setup("jax_jit", "M", "float32")
    assert not hasattr(bench, "case")


def test_setup_prepares_once_and_time_run_calls_the_case():
    bench = bench_module("elementwise").Elementwise()
    bench.setup("jax_jit", "M", "float32")
    case = bench.case
    bench.setup("jax_jit", "M", "float32")  # asv re-runs setup before every sample
    assert bench.case is case, "the prepared case must be reused, not recompiled"
    assert bench.time_run("jax_jit", "M", "float32") is None


def test_figure_benchmarks_name_valid_cases():
    speedup = importlib.import_module("benchmarks.bench_speedup").Speedup
    for case_id in speedup.params[0]:
        workload, impl = common.split_case_id(case_id)
        assert impl.is_jax
    threads = importlib.import_module("benchmarks.bench_threads")
    for case_id in threads.CASES:
        common.split_case_id(case_id)


def test_the_main_jobs_figures_are_of_the_implementations_it_times_and_a_bad_setting_is_refused(monkeypatch):
    everything = set(common.case_ids(lambda w, impl: impl.jit))
    monkeypatch.setattr(common, "FIGURE_CASES", "main")
    main = set(common.case_ids(lambda w, impl: impl.jit))
    assert main == {f"{w.name}/{w.compiled.name}" for w in jk.all_workloads() if w.compiled.jit}
    assert main < everything and "fused_chain/jax_jit" in main
    assert "numpy" in {case.split("/")[1] for case in common.case_ids()}  # the references stay
    done = subprocess.run([sys.executable, "-c", "import benchmarks.common"], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "JAXNP_ASV_FIGURE_CASES": "mian"})
    assert done.returncode != 0 and "JAXNP_ASV_FIGURE_CASES must be 'all' or 'main', not 'mian'" in done.stderr


def test_speedup_setup_skips_sizes_an_implementation_does_not_run_at():
    speedup = importlib.import_module("benchmarks.bench_speedup").Speedup
    with pytest.raises(NotImplementedError, match="does not run at size M"):
        speedup().setup("cavity_flow/jax_eager", "float32")


def test_roofline_reads_setup_cache_skips_and_fails_honestly():
    roofline = importlib.import_module("benchmarks.bench_roofline")
    case_id = roofline.MEMORY_BOUND_CASES[0]
    limits = {"copy_gbytes_per_s": 10.0, "matmul_f32_gflops": 100.0}
    measured = {"limits": limits, "cases": {case_id: {"seconds": [0.5, 0.4], "bytes": 4e9, "flops": 1e9}}}
    bench = roofline.MemoryRoofline()
    bench.setup(measured, case_id)
    # every sample becomes a sample of the figure (asv records their median and interval)
    gbytes = bench.track_gbytes_per_s(measured, case_id)
    assert gbytes["samples"] == pytest.approx([8.0, 10.0]) and gbytes["number"] == 1
    assert bench.track_fraction_of_copy_bandwidth(measured, case_id)["samples"] == pytest.approx([0.8, 1.0])
    measured["cases"][case_id] = {"skip": "needs 2 devices"}
    with pytest.raises(NotImplementedError, match="needs 2 devices"):
        bench.setup(measured, case_id)
    measured["cases"][case_id] = {"error": "VerificationError: off by 1%", "verification": True}
    with pytest.raises(jk.VerificationError, match="off by 1%"):
        bench.setup(measured, case_id)


def test_roofline_measures_a_case_and_reports_a_wrong_result_as_a_failure(monkeypatch):
    roofline = importlib.import_module("benchmarks.bench_roofline")
    monkeypatch.setattr(roofline, "ROOFLINE_SIZE", "S")
    figures = roofline.measure_case("elementwise/jax_jit")
    assert len(figures["seconds"]) >= 2 and min(figures["seconds"]) > 0 and figures["bytes"] > 0
    w = jk.get("elementwise")
    wrong = dataclasses.replace(w.implementation("jax_jit"), function=lambda x, a, b: x * a + b * 1.01)
    broken = dataclasses.replace(w, implementations=(w.reference, wrong))
    monkeypatch.setattr(jk.registry, "_registry", lambda: {"elementwise": broken})
    figures = common.measure_safely(roofline.measure_case, "elementwise/jax_jit")
    assert figures["verification"] and "VerificationError" in figures["error"]
    with pytest.raises(jk.VerificationError, match="differs from the NumPy reference"):
        common.figures_or_raise(figures, "elementwise/jax_jit")


def test_the_machine_description_is_complete_and_names_the_device(monkeypatch, tmp_path):
    pytest.importorskip("asv")
    monkeypatch.setenv("HOME", str(tmp_path))
    from asv.machine import Machine

    from jaxnp_releases import asv_machine as machine

    machine.register("test-machine", "cpu")
    info = Machine.load(machine_name="test-machine").__dict__
    # asv machine --yes would drop the fields equal to this machine's probed values
    for field, value in machine.CONSTANT_DESCRIPTION.items():
        assert info[field] == value
    assert info["device"] == "cpu" and info["machine"] == "test-machine"
    machine.ensure_registered("another")          # unknown: registered as a CPU machine
    assert Machine.load(machine_name="another").__dict__["device"] == "cpu"
    machine.register("test-machine", "NVIDIA A100")
    machine.ensure_registered("test-machine")     # known: left as it is
    assert Machine.load(machine_name="test-machine").__dict__["device"] == "NVIDIA A100"


def test_compile_figures_keep_every_profile_and_a_failed_case_fails_its_benchmarks(monkeypatch):
    bench_compile = importlib.import_module("benchmarks.bench_compile")
    monkeypatch.setattr(bench_compile, "PROFILES", 3)

    class Scripted:
        profiles = iter([jk.CompileProfile(0.1, 0.5, 0.7, None),
                         jk.CompileProfile(0.3, 0.2, 0.9, None),
                         jk.CompileProfile(0.2, 0.9, 0.4, None)])

        def compile_profile(self, first_call=True):
            return next(self.profiles)

    figures = bench_compile.cold_profiles(Scripted())
    assert figures["trace_lower_seconds"] == pytest.approx([0.1, 0.3, 0.2])
    assert figures["compile_seconds"] == pytest.approx([0.5, 0.2, 0.9])
    assert figures["total_seconds"] == pytest.approx([0.6, 0.5, 1.1])
    assert figures["first_call_seconds"] == pytest.approx([0.7, 0.9, 0.4])

    case_id = "fused_chain/jax_jit"
    bench = bench_compile.CompileCost()
    profiles = {case_id: figures}
    bench.setup(profiles, case_id)
    assert bench.track_compile_seconds(profiles, case_id) == {"samples": pytest.approx([0.6, 0.5, 1.1]),
                                                              "number": 1}
    assert bench.track_first_call_seconds(profiles, case_id)["samples"] == pytest.approx([0.7, 0.9, 0.4])
    chain = bench_compile.profile_chain("S")  # phases only: CompileChainGrowth has no first call
    assert set(chain) == {"trace_lower_seconds", "compile_seconds", "total_seconds"}
    assert len(chain["compile_seconds"]) == bench_compile.PROFILES
    profiles[case_id] = common.measure_safely(lambda case: 1 / 0, case_id)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        bench.setup(profiles, case_id)
    # a case that cannot run at size M is a skip, kept as data by the setup_cache
    limited = next(f"{w.name}/{i.name}" for w in jk.all_workloads() for i in w.implementations
                   if i.jit and "M" not in i.sizes)
    profiles[limited] = common.measure_safely(bench_compile.profile_case, limited)
    with pytest.raises(NotImplementedError, match="does not run at size M"):
        bench.setup(profiles, limited)


def test_the_roofline_is_read_only_where_the_data_leaves_the_caches(monkeypatch):
    roofline = importlib.import_module("benchmarks.bench_roofline")
    assert roofline.ROOFLINE_SIZE == "L"
    monkeypatch.setattr(roofline, "SIZES", ("M",))
    bench = roofline.MemoryRoofline()
    # setup_cache must not raise (asv records that as a failure of every roofline benchmark,
    # and its run exits 2): it measures nothing, and setup skips each case
    measured = bench.setup_cache()
    assert measured == {}
    with pytest.raises(NotImplementedError, match="read at size L only"):
        bench.setup(measured, roofline.MEMORY_BOUND_CASES[0])
    small = [w.name for w in jk.all_workloads() if not w.large_arrays]
    assert small and not any(case.split("/")[0] in small for case in roofline.MEMORY_BOUND_CASES)
