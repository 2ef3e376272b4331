"""Behaviour specific to the regression corpus's array workloads: diff_regularizer, batched_solve_3x3,
vmapped_segment_sum and vmapped_segment_sum_transposed.

tests/test_workloads.py already verifies every implementation against the NumPy reference at S.
Here the references themselves are checked against independent computations (central finite
differences for the hand-written gradients, closed forms, a sum per segment), the inputs against
the properties the workloads rely on, the sizes against the deadlock they avoid, and the two
segment-sum layouts against each other.
"""

import math

import numpy as np
import pytest

import jaxnp_kernels as jk
from finite_differences import central_difference  # tests/finite_differences.py
from jaxnp_kernels import compat
from jaxnp_kernels.workloads import upstream_arrays

SEGMENT_SUMS = ("vmapped_segment_sum", "vmapped_segment_sum_transposed")


# -- diff_regularizer ---------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(4, 4, 4), (3, 4, 5)])
def test_hand_written_regularizer_gradient_matches_central_differences(shape):
    """A volume with unequal sides catches a gradient taken along the wrong axis."""
    x = np.random.default_rng(0).standard_normal(shape)
    value, grad = upstream_arrays.numpy_regularizer_and_grad(x)
    numeric = central_difference(lambda v: upstream_arrays.numpy_regularizer_and_grad(v.reshape(shape))[0],
                                 x.reshape(-1))
    np.testing.assert_allclose(grad.reshape(-1), numeric, rtol=1e-7, atol=1e-7)
    # The penalty is homogeneous of degree 2: <grad P(x), x> = 2 P(x).
    assert np.vdot(grad, x) == pytest.approx(2 * value, rel=1e-12)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_regularizer_of_a_ramp_has_its_closed_form(axis):
    """x = c * (index along one axis): every difference along it is c, the others 0, so the
    penalty is c^2 times the number of differences, and only the two end faces feel a gradient
    (-2c on the first, +2c on the last)."""
    shape, c = (5, 6, 7), 0.5
    x = c * np.indices(shape)[axis].astype(np.float64)
    value, grad = upstream_arrays.numpy_regularizer_and_grad(x)
    assert value == pytest.approx(c * c * (shape[axis] - 1) * math.prod(shape) / shape[axis], rel=1e-12)
    expected = np.zeros(shape)
    first, last = [slice(None)] * 3, [slice(None)] * 3
    first[axis], last[axis] = 0, -1
    expected[tuple(first)], expected[tuple(last)] = -2 * c, 2 * c
    np.testing.assert_allclose(grad, expected, atol=1e-12)


# -- batched_solve_3x3 --------------------------------------------------------------------------

@pytest.mark.parametrize("size", ["S", "M", "L"])
def test_systems_are_well_conditioned_spd_with_a_column_right_hand_side(size):
    a, b = jk.get("batched_solve_3x3").make_inputs(size, "float64").arrays
    batch = jk.get("batched_solve_3x3").size_params(size)["batch"]
    assert a.shape == (batch, 3, 3) and b.shape == (batch, 3, 1)  # the report's shapes
    np.testing.assert_array_equal(a, a.swapaxes(-1, -2))
    eigenvalues = np.linalg.eigvalsh(a)
    assert eigenvalues.min() >= 1.0 - 1e-12
    assert (eigenvalues.max(axis=-1) / eigenvalues.min(axis=-1)).max() < 20


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_reference_solution_solves_every_system(dtype):
    a, b = jk.get("batched_solve_3x3").make_inputs("S", dtype).arrays
    x, _, _ = upstream_arrays.numpy_solve_and_grad(a, b)
    assert x.shape == b.shape and x.dtype == np.dtype(dtype)
    residual = a.astype(np.float64) @ x.astype(np.float64) - b
    assert np.abs(residual).max() < (1e-5 if dtype == "float32" else 1e-13)


@pytest.mark.parametrize("symmetric", [True, False])
def test_hand_written_adjoint_matches_central_differences(symmetric):
    """On the workload's symmetric matrices and on non-symmetric ones, where solving with A
    instead of A^T for lambda would give a wrong gradient."""
    a, b = (arr[:4] for arr in jk.get("batched_solve_3x3").make_inputs("S", "float64").arrays)
    if not symmetric:
        a = a + 0.3 * np.random.default_rng(1).uniform(-1.0, 1.0, a.shape)
    _, grad_a, grad_b = upstream_arrays.numpy_solve_and_grad(a, b)

    def loss(v):
        return np.sum(np.linalg.solve(v[:a.size].reshape(a.shape), v[a.size:].reshape(b.shape)))

    numeric = central_difference(loss, np.concatenate([a.reshape(-1), b.reshape(-1)]))
    np.testing.assert_allclose(np.concatenate([grad_a.reshape(-1), grad_b.reshape(-1)]), numeric,
                               rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("size", ["S", "M", "L"])
def test_sizes_stay_clear_of_the_parallel_triangular_solve_deadlock(size):
    """jaxlib 0.10.2 splits a batched triangular solve over the CPU thread pool once
    batch * 3 * 3 >= 200,000; the gradient's two independent triangular solves then deadlock
    on a 2-core machine (seen at B = 30000 and at the report's 86268)."""
    assert jk.get("batched_solve_3x3").size_params(size)["batch"] * 3 * 3 < 200_000


def test_one_program_factors_each_matrix_once_the_reports_two_twice():
    """jax_vjp reuses the forward LU for the adjoint solve; the report's solve and gradient
    programs each factor the matrices."""
    import jax

    a, b = jk.get("batched_solve_3x3").make_inputs("S", "float32").arrays

    def factorisations(program):
        return program.lower(a, b).compile().as_text().count("getrf")

    assert factorisations(jax.jit(upstream_arrays.jax_solve_and_grad)) == 1
    assert factorisations(upstream_arrays._solve_program) == 1
    assert factorisations(upstream_arrays._solve_grad_program) == 1


# -- vmapped_segment_sum(_transposed) -----------------------------------------------------------

@pytest.mark.parametrize("size", ["S", "M"])
def test_both_layouts_share_their_inputs_and_ids_are_unsorted_int32_in_range(size):
    first, second = (jk.get(name).make_inputs(size, "float32") for name in SEGMENT_SUMS)
    for x, y in zip(first.arrays, second.arrays):
        np.testing.assert_array_equal(x, y)
    assert (first.static["out_axis"], second.static["out_axis"]) == (0, 1)
    assert first.static["segments"] == second.static["segments"]
    data, ids = first.arrays
    assert ids.dtype == np.int32 and ids.shape == data.shape[1:]
    assert ids.min() >= 0 and ids.max() < first.static["segments"]
    assert np.any(np.diff(ids) < 0)  # unsorted, as the report's ids


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_segment_sum_reference_matches_an_exact_sum_per_row_and_segment(dtype):
    inputs = jk.get("vmapped_segment_sum").make_inputs("S", dtype)
    (data, ids), segments = inputs.arrays, inputs.static["segments"]
    sums = jk.get("vmapped_segment_sum").reference.function(data, ids, **inputs.static)
    assert sums.shape == (data.shape[0], segments) and sums.dtype == np.dtype(dtype)
    for row in range(data.shape[0]):
        for segment in range(segments):
            exact = math.fsum(float(v) for v in data[row, ids == segment])
            assert sums[row, segment] == pytest.approx(exact, rel=1e-5 if dtype == "float32" else 1e-12, abs=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_two_layouts_hold_the_same_numbers_transposed(dtype):
    """NumPy's references add in the same order in both layouts, so they are exact transposes;
    vmap's out_axes=1 result is its out_axes=0 result transposed, within the tolerance."""
    import jax

    w = jk.get("vmapped_segment_sum")
    inputs = {name: jk.get(name).make_inputs("S", dtype) for name in SEGMENT_SUMS}
    references = [jk.get(name).reference.function(*inputs[name].arrays, **inputs[name].static)
                  for name in SEGMENT_SUMS]
    np.testing.assert_array_equal(references[1], references[0].T)
    results = []
    with compat.dtype_scope(dtype):
        for name in SEGMENT_SUMS:
            static = inputs[name].static
            program = jax.jit(lambda data, ids, static=static: upstream_arrays.jax_vmapped_segment_sum(
                data, ids, **static))
            results.append(np.asarray(program(*inputs[name].arrays)))
    assert results[0].shape == results[1].shape[::-1] and results[0].shape[0] != results[0].shape[1]
    w.verify(results[1].T, results[0], dtype, "jax_vmap out_axes=1, transposed")


@pytest.mark.parametrize("name", SEGMENT_SUMS)
def test_vmapped_result_is_the_per_example_function_of_each_row(name):
    import jax

    inputs = jk.get(name).make_inputs("S", "float32")
    (data, ids), static = inputs.arrays, inputs.static
    batched = np.asarray(jax.jit(lambda d, i: upstream_arrays.jax_vmapped_segment_sum(d, i, **static))(data, ids))
    one = jax.jit(upstream_arrays.jax_segment_sum_one, static_argnums=2)
    for row in range(data.shape[0]):
        got = batched[row] if static["out_axis"] == 0 else batched[:, row]
        np.testing.assert_array_equal(got, np.asarray(one(data[row], ids, static["segments"])))
