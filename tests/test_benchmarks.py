"""The asv suite reads the registry: every workload is benchmarked, skips and failures are honest."""

import dataclasses
import importlib
import pathlib
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
    assert bench.number >= 1
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


def test_speedup_setup_skips_sizes_an_implementation_does_not_run_at():
    speedup = importlib.import_module("benchmarks.bench_speedup").Speedup
    with pytest.raises(NotImplementedError, match="does not run at size M"):
        speedup().setup("cavity_flow/jax_eager", "float32")
