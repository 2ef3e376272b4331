"""Compile cost, memory and the subprocess measurements (threads, persistent cache) work end to end.

No timing ratio is asserted (performance is the benchmarks' job); what is asserted is that each
figure is measured, positive, and moves the way its definition says it must.
"""

import os

import pytest

import jaxnp_kernels as jk
from jaxnp_kernels import isolated, machine, timing


def test_compile_profile_measures_each_phase_and_grows_with_the_graph():
    small = jk.Case("compile_chain", "jax_jit", "S", "float32").compile_profile()
    large = jk.Case("compile_chain", "jax_jit", "M", "float32").compile_profile()
    for profile in (small, large):
        assert profile.trace_lower_seconds > 0 and profile.compile_seconds > 0
        assert profile.first_call_seconds > 0
    # 10 links vs 100 links: tracing ten times the operations cannot be cheaper
    assert large.trace_lower_seconds > small.trace_lower_seconds
    phases_only = jk.Case("compile_chain", "jax_jit", "S", "float32").compile_profile(first_call=False)
    assert phases_only.compile_seconds > 0 and phases_only.first_call_seconds is None


def test_compile_profile_refuses_op_by_op_implementations():
    with pytest.raises(jk.Unsupported, match="not jitted"):
        jk.Case("compile_chain", "jax_eager", "S", "float32").compile_profile()


def test_memory_profile_numpy_materialises_the_chain_and_xla_does_not():
    numpy_side = jk.Case("fused_chain", "numpy", "M", "float32").memory_profile()
    jax_side = jk.Case("fused_chain", "jax_jit", "M", "float32").memory_profile()
    n_bytes = 1_000_000 * 4
    assert numpy_side["source"] == "tracemalloc_peak" and jax_side["source"] == "xla_memory_analysis"
    assert numpy_side["output_bytes"] == jax_side["output_bytes"] == n_bytes
    # sin(x)*exp(x)+log(x+1): NumPy holds at least two full-size temporaries at its peak
    assert numpy_side["intermediate_bytes"] >= 2 * n_bytes
    assert jax_side["intermediate_bytes"] < numpy_side["intermediate_bytes"]


def test_thread_settings_reach_the_subprocess():
    one = machine.single_thread_environment({"XLA_FLAGS": "--xla_force_host_platform_device_count=2"})
    assert one["OMP_NUM_THREADS"] == one["OPENBLAS_NUM_THREADS"] == "1"
    assert "intra_op_parallelism_threads=1" in one["XLA_FLAGS"]
    assert "device_count=2" in one["XLA_FLAGS"]
    back = machine.all_threads_environment(one)
    assert "intra_op_parallelism_threads" not in back.get("XLA_FLAGS", "")
    result = isolated.time_with_threads("elementwise", "jax_jit", "S", "float32", "one", repeat=2)
    assert result["median_seconds"] > 0


def test_cold_start_with_a_persistent_cache_writes_and_reuses_it(tmp_path):
    cold = isolated.cold_start("compile_chain", "jax_jit", "S", "float32", cache_dir=tmp_path)
    assert cold["first_call_seconds"] > 0 and cold["cache_dir"] == str(tmp_path)
    written = [f for _, _, files in os.walk(tmp_path) for f in files]
    assert written, "the persistent compilation cache wrote nothing"
    warm = isolated.cold_start("compile_chain", "jax_jit", "S", "float32", cache_dir=tmp_path)
    assert warm["first_call_seconds"] > 0


def test_unsupported_in_a_subprocess_is_reported_as_such():
    with pytest.raises(jk.Unsupported):
        isolated.cold_start("compile_chain", "jax_eager", "S", "float32")


class _ScriptedCase:
    """Stands in for a prepared Case: each sample returns the next scripted seconds."""

    def __init__(self, name, seconds, calls):
        self.name, self.seconds, self.calls = name, iter(seconds), calls

    def calibrate(self, min_seconds):
        return 1

    def sample(self, number):
        self.calls.append(self.name)
        return next(self.seconds)


def test_speedup_ratios_are_taken_within_pairs_sampled_in_alternating_order():
    calls = []
    # The machine slows down from the third pair on (everything 2x); the denominator is
    # sampled in the slow stretch one pair before the numerator is.  Within a pair the ratio
    # stays 2 except in that one pair, so their median is 2 (a ratio of medians would say 1).
    numerator = _ScriptedCase("numerator", [2, 2, 2, 4, 4], calls)
    denominator = _ScriptedCase("denominator", [1, 1, 2, 2, 2], calls)
    assert timing.speedup_ratios(numerator, denominator, pairs=5) == [2, 2, 1, 2, 2]
    assert calls == ["numerator", "denominator", "denominator", "numerator", "numerator",
                     "denominator", "denominator", "numerator", "numerator", "denominator"]
    with pytest.raises(ValueError, match="pairs must be at least 1"):
        timing.speedup_ratios(numerator, denominator, pairs=0)


def test_steadiness_reports_the_spread_and_the_share_of_slow_samples(monkeypatch):
    scripted = iter([0.010, 0.010, 0.015, 0.0105])  # one sample 1.5x slower, one 5% slower
    monkeypatch.setattr(machine, "python_loop_seconds", lambda: next(scripted))
    result = machine.steadiness(seconds=0.4, interval=0.1)
    assert result["samples"] == [0.010, 0.010, 0.015, 0.0105]
    assert result["fastest"] == 0.010 and result["slowest"] == 0.015
    assert result["spread"] == pytest.approx(1.5)
    assert result["slow_fraction"] == 0.25
    with pytest.raises(ValueError, match="seconds > 0"):
        machine.steadiness(seconds=0)


@pytest.mark.parametrize("release, workload, implementation, donates, cached", [
    ("0.5.3", "map_kepler", "jax_vmap", False, False),   # wrong results from the cache there
    ("0.6.2", "map_kepler", "jax_vmap", False, True),
    ("0.5.3", "map_kepler", "jax_map", False, False),    # the same at size L
    ("0.6.2", "map_kepler", "jax_map", False, True),
    ("0.5.3", "map_kepler", "numpy", False, True),       # NumPy compiles nothing
    ("0.10.2", "inplace_set", "jax_at_set_donated", True, False),  # 0.4.31 crashes on it
])
def test_cases_known_to_break_when_loaded_from_the_persistent_cache_compile_afresh(
        monkeypatch, release, workload, implementation, donates, cached):
    from jaxnp_kernels import compat

    monkeypatch.setattr(compat, "jax_version", lambda: release)
    assert compat.persistent_cache_is_safe(workload, implementation, donates) is cached
    turned_off = []
    monkeypatch.setattr(compat, "without_persistent_cache", lambda: turned_off.append(True))
    jk.Case(workload, implementation, "S", "float32").prepare()
    assert bool(turned_off) is not cached
