"""jaxnp_results.names: asv's benchmark names and the case ids, made and read back in one place."""

import pytest

import jaxnp_kernels as jk
from jaxnp_results import names, roles
from jaxnp_results.results import Measurement


def test_every_workload_and_implementation_round_trips_through_its_names():
    for w in jk.all_workloads():
        benchmark = f"bench_x.{jk.registry.camel_name(w.name)}.{names.TIME_RUN}"
        assert names.is_time_run(benchmark) and names.is_timing(benchmark)
        assert roles.workload_of(benchmark) is w and roles.timed_workload(benchmark) is w
        assert roles.workload_of(f"bench_x.{jk.registry.camel_name(w.name)}.track_x") is w
        assert roles.timed_workload(f"bench_x.{jk.registry.camel_name(w.name)}.track_x") is None
        for implementation in w.implementations:
            assert names.split_case_id(names.case_id(w.name, implementation.name)) == (w.name, implementation.name)
    assert roles.workload_of("bench_speedup.Speedup.track_vs_numpy") is None
    assert roles.workload_of("bench_x.NoSuchWorkload.time_run") is None
    assert not names.is_time_run("time_run") and not names.is_timing("bench_x.Speedup.track_vs_numpy")


def test_a_combination_is_written_as_asv_writes_it_and_shown_without_quotes():
    params = ("'jax_jit'", "'M'", "'float32'")
    assert names.combination("b.FusedChain.time_run", params) == "b.FusedChain.time_run('jax_jit', 'M', 'float32')"
    assert names.display("b.FusedChain.time_run", params) == "b.FusedChain.time_run(jax_jit, M, float32)"
    assert names.combination("b.Cold.track_import", ()) == "b.Cold.track_import"
    assert [names.unquote(p) for p in ("'a'", '"it\'s"', "3", "'")] == ["a", "it's", "3", "'"]
    m = Measurement(machine="m", commit="c", release="0.4.31", benchmark="b.FusedChain.time_run", params=params,
                    param_names=("implementation", "size", "dtype"), unit="seconds", value=1.0, samples=None,
                    ci_99=None, date=0)
    assert m.combination == names.combination(m.benchmark, params) and m.label.endswith("(jax_jit, M, float32)")
    assert m.param("implementation") == "jax_jit"


@pytest.mark.parametrize("case", ["fused_chain", "fused_chain/", "/jax_jit", "a/b/c", ""])
def test_a_malformed_case_id_is_refused_with_its_text(case):
    with pytest.raises(ValueError, match="is not 'workload/implementation'"):
        names.split_case_id(case)
