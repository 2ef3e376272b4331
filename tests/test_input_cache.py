"""The inputs and NumPy reference shared by the processes of one side-by-side combination."""

import numpy as np
import pytest

import jaxnp_kernels as jk
from jaxnp_kernels import input_cache, registry


def jax_negative(x):
    return -x


def counting_workload(calls, jax_function=jax_negative):
    """fused_chain's shape of workload whose input generation and reference count their calls."""

    def make_inputs(rng, dtype, n):
        calls.append("inputs")
        return (rng.standard_normal(n).astype(dtype),)

    def reference(x):
        calls.append("reference")
        return np.negative(x)

    return registry.Workload(
        name="counted", claims=("jit",), area="elementwise", description="a test workload " * 5,
        sizes={"S": {"n": 64}, "M": {"n": 128}, "L": {"n": 256}}, make_inputs_fn=make_inputs,
        implementations=(registry.numpy_impl(reference), registry.jax_jit(jax_function, roles=("compiled",))),
        cost_fn=lambda dtype, n: jk.Cost(n, 2 * n * dtype.itemsize))


def test_without_the_variable_every_process_makes_its_own(monkeypatch):
    monkeypatch.delenv(input_cache.VARIABLE, raising=False)
    calls = []
    for _ in range(2):
        jk.Case(counting_workload(calls), "jax_jit", "S", "float32").prepare(warmup_calls=0)
    assert calls == ["inputs", "reference"] * 2


def test_the_first_process_makes_inputs_and_reference_the_others_load_them(monkeypatch, tmp_path):
    monkeypatch.setenv(input_cache.VARIABLE, str(tmp_path / "inputs"))
    calls = []
    first = jk.Case(counting_workload(calls), "jax_jit", "S", "float32").prepare(warmup_calls=0)
    second = jk.Case(counting_workload(calls), "numpy", "S", "float32").prepare(warmup_calls=0)
    assert calls == ["inputs", "reference", "reference"]  # numpy's own run is its "reference" call
    np.testing.assert_array_equal(first.inputs.arrays[0], second.inputs.arrays[0])
    np.testing.assert_array_equal(first.reference, second.reference)
    assert not list((tmp_path / "inputs").glob("*.tmp"))  # written whole, then renamed


def test_a_wrong_result_still_fails_against_the_shared_reference(monkeypatch, tmp_path):
    monkeypatch.setenv(input_cache.VARIABLE, str(tmp_path))
    calls = []
    jk.Case(counting_workload(calls), "jax_jit", "S", "float32").prepare(warmup_calls=0)
    wrong = jk.Case(counting_workload(calls, lambda x: -x * 1.001), "jax_jit", "S", "float32")
    with pytest.raises(jk.VerificationError, match="'counted', implementation 'jax_jit'"):
        wrong.prepare(warmup_calls=0)
    assert calls == ["inputs", "reference"]


def test_keys_tell_apart_size_dtype_seed_and_numpy(monkeypatch, tmp_path):
    keys = {input_cache.cache_key("w", size, dtype, seed)
            for size in ("S", "M") for dtype in ("float32", "float64") for seed in (0, 1)}
    assert len(keys) == 8
    assert all(np.__version__ in key for key in keys)


def test_a_file_cut_short_by_a_killed_process_is_made_again(monkeypatch, tmp_path):
    monkeypatch.setenv(input_cache.VARIABLE, str(tmp_path))
    (tmp_path / "k.inputs.pickle").write_bytes(b"")
    assert input_cache.cached("k", "inputs", lambda: np.arange(3)).tolist() == [0, 1, 2]
    assert input_cache.cached("k", "inputs", lambda: pytest.fail("made twice")).tolist() == [0, 1, 2]
