"""Every workload x implementation x dtype at size S, verified against NumPy; every tolerance tight enough."""

import numpy as np
import pytest

import jaxnp_kernels as jk

CASES = [
    pytest.param(w.name, impl.name, dtype, id=f"{w.name}-{impl.name}-{dtype}")
    for w in jk.all_workloads()
    for impl in w.implementations
    for dtype in w.dtypes
]


@pytest.mark.parametrize("workload, implementation, dtype", CASES)
def test_implementation_matches_numpy_reference(workload, implementation, dtype):
    case = jk.Case(workload, implementation, "S", dtype)
    try:
        case.prepare(warmup_calls=1)  # raises VerificationError on a wrong result
    except jk.Unsupported as why:
        pytest.skip(str(why))
    result = case()
    leaves = result if isinstance(result, tuple) else (result,)
    for leaf in leaves:
        arr = np.asarray(leaf)
        if arr.dtype.kind == "f":
            assert arr.dtype == np.dtype(dtype), f"{workload}/{implementation} returned {arr.dtype}"


@pytest.mark.parametrize("workload", jk.names())
def test_inputs_are_deterministic_and_seeded(workload):
    w = jk.get(workload)
    dtype = w.dtypes[0]
    a = w.make_inputs("S", dtype, seed=0)
    b = w.make_inputs("S", dtype, seed=0)
    c = w.make_inputs("S", dtype, seed=1)
    assert len(a.arrays) == len(b.arrays) > 0
    for x, y in zip(a.arrays, b.arrays):
        np.testing.assert_array_equal(x, y)
    assert a.static == b.static
    if any(x.size > 1 and x.dtype.kind == "f" for x in a.arrays):
        assert any(not np.array_equal(x, z) for x, z in zip(a.arrays, c.arrays)), "seed is ignored"


@pytest.mark.parametrize("workload", jk.names())
def test_inputs_have_the_requested_dtype_and_finite_reference(workload):
    w = jk.get(workload)
    for dtype in w.dtypes:
        inputs = w.make_inputs("S", dtype)
        for arr in inputs.arrays:
            if arr.dtype.kind == "f":
                assert arr.dtype == np.dtype(dtype)
            assert np.isfinite(arr).all() if arr.dtype.kind in "fc" else True
        reference = w.reference.function(*[a.copy() for a in inputs.arrays], **inputs.static)
        for leaf in (reference if isinstance(reference, tuple) else (reference,)):
            assert np.isfinite(np.asarray(leaf)).all(), f"{workload} {dtype}: reference not finite"


@pytest.mark.parametrize("workload", jk.names())
def test_cost_model_grows_with_size(workload):
    w = jk.get(workload)
    for dtype in w.dtypes:
        costs = [w.cost(size, dtype) for size in jk.SIZE_NAMES]
        for c in costs:
            assert c.flops >= 0 and c.bytes > 0
        assert costs[0].bytes < costs[1].bytes < costs[2].bytes or costs[0].flops < costs[1].flops < costs[2].flops


@pytest.mark.parametrize("workload", jk.names())
def test_large_size_leaves_the_cache(workload):
    """L must hold or move >= 64 MB (inputs, or compulsory traffic) for bandwidth figures."""
    w = jk.get(workload)
    if not w.large_arrays:
        pytest.skip(f"{workload}: its L size grows the work (steps, pairs), not the arrays")
    dtype = w.dtypes[0]
    moved = w.cost("L", dtype).bytes
    held = moved if moved >= 64 * 2**20 else w.make_inputs("L", dtype).nbytes
    assert max(moved, held) >= 64 * 2**20


ELEMENT_BY_ELEMENT = [
    pytest.param(w.name, dtype, id=f"{w.name}-{dtype}")
    for w in jk.all_workloads() if w.check is None  # a check= workload's tests reject its own bad results
    for dtype in w.dtypes
]


@pytest.mark.parametrize("workload, dtype", ELEMENT_BY_ELEMENT)
def test_the_tolerance_catches_any_output_off_by_a_tenth_of_a_percent(workload, dtype):
    """Each output in turn 0.1% off (an integer output: one off) fails verification."""
    w = jk.get(workload)
    inputs = w.make_inputs("S", dtype)
    reference = w.reference.function(*inputs.arrays, **inputs.static)
    w.verify(reference, reference, dtype)
    leaves = [np.asarray(leaf) for leaf in (reference if isinstance(reference, tuple) else (reference,))]
    for i, leaf in enumerate(leaves):
        wrong = list(leaves)
        wrong[i] = (leaf * 1.001).astype(leaf.dtype) if leaf.dtype.kind == "f" else leaf + 1
        with pytest.raises(jk.VerificationError):
            w.verify(tuple(wrong) if isinstance(reference, tuple) else wrong[0], reference, dtype,
                     f"output {i} off by 0.1%")
