"""Behaviour specific to axis_reductions, summed_area_table, top_k and sort_rows.

Each NumPy reference is checked against its definition computed independently (exact sums with
math.fsum, sums of sub-rectangles, a full sort, Python's sorted), and ties are checked to leave
top_k's values comparable and sort_rows's stable argsort identical on both sides.
"""

import math

import numpy as np
import pytest

import jaxnp_kernels as jk
from jaxnp_kernels import compat
from jaxnp_kernels.workloads import scans_and_sorts

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_axis_reductions_match_exact_sums_and_plain_loops(dtype):
    (x,) = jk.get("axis_reductions").make_inputs("S", dtype).arrays
    col_sum, row_sum, col_max, row_max, row_argmax = scans_and_sorts.numpy_axis_reductions(x)
    rows, cols = x.shape
    exact_cols = [math.fsum(float(x[i, j]) for i in range(rows)) for j in range(cols)]
    exact_rows = [math.fsum(float(v) for v in x[i]) for i in range(rows)]
    rtol, atol = jk.get("axis_reductions").tolerance_for(dtype)
    np.testing.assert_allclose(col_sum, exact_cols, rtol=rtol, atol=atol)
    np.testing.assert_allclose(row_sum, exact_rows, rtol=rtol, atol=atol)
    np.testing.assert_array_equal(col_max, [max(x[:, j]) for j in range(cols)])
    np.testing.assert_array_equal(row_max, [max(x[i]) for i in range(rows)])
    assert row_argmax.dtype == np.int32
    assert [int(k) for k in row_argmax] == [max(range(cols), key=lambda j: x[i, j]) for i in range(rows)]


def test_jax_argmax_is_int32_in_both_precisions():
    import jax

    for dtype in ("float32", "float64"):
        (x,) = jk.get("axis_reductions").make_inputs("S", dtype).arrays
        with compat.dtype_scope(dtype):
            out = jax.jit(scans_and_sorts.jax_axis_reductions)(x)
        assert np.asarray(out[-1]).dtype == np.int32


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_summed_area_table_gives_every_rectangle_sum_in_four_lookups(dtype):
    (x,) = jk.get("summed_area_table").make_inputs("S", dtype).arrays
    table = scans_and_sorts.numpy_summed_area_table(x).astype(np.float64)
    padded = np.pad(table, ((1, 0), (1, 0)))
    rtol = 1e-5 if dtype == "float32" else 1e-12
    rng = np.random.default_rng(3)
    for _ in range(50):
        r0, r1 = sorted(rng.choice(x.shape[0] + 1, 2, replace=False))
        c0, c1 = sorted(rng.choice(x.shape[1] + 1, 2, replace=False))
        direct = math.fsum(float(v) for v in x[r0:r1, c0:c1].ravel())
        lookups = padded[r1, c1] - padded[r0, c1] - padded[r1, c0] + padded[r0, c0]
        assert abs(lookups - direct) <= rtol * padded[-1, -1], (r0, r1, c0, c1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_top_k_reference_is_the_head_of_a_full_descending_sort(dtype):
    inputs = jk.get("top_k").make_inputs("S", dtype)
    (x,), k = inputs.arrays, inputs.static["k"]
    np.testing.assert_array_equal(scans_and_sorts.numpy_top_k(x, k), np.sort(x, axis=1)[:, ::-1][:, :k])


def test_top_k_values_agree_when_values_tie():
    import jax

    rng = np.random.default_rng(5)
    x = rng.integers(0, 6, (40, 30)).astype(np.float32)  # many ties, also across the k-th place
    expected = np.sort(x, axis=1)[:, ::-1][:, :7]
    np.testing.assert_array_equal(scans_and_sorts.numpy_top_k(x, 7), expected)
    np.testing.assert_array_equal(np.asarray(jax.jit(scans_and_sorts.jax_top_k, static_argnums=1)(x, 7)), expected)


# -- sort_rows -------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sort_rows_reference_is_pythons_stable_sort_of_every_row(dtype):
    (x,) = jk.get("sort_rows").make_inputs("S", dtype).arrays
    values, order = scans_and_sorts.numpy_sort_rows(x)
    assert order.dtype == np.int32
    for i, row in enumerate(x.tolist()):
        stable = sorted(range(len(row)), key=lambda j: (row[j], j))  # ties by original position
        assert order[i].tolist() == stable
        assert values[i].tolist() == sorted(row)


@pytest.mark.parametrize("size", ["S", "M"])
def test_sort_rows_inputs_hold_ties_and_no_negative_zero(size):
    (x64,) = jk.get("sort_rows").make_inputs(size, "float64").arrays
    (x32,) = jk.get("sort_rows").make_inputs(size, "float32").arrays
    np.testing.assert_array_equal(x32, x64)  # the grid is exact in both dtypes
    s = np.sort(x64, axis=1)
    assert (s[:, 1:] == s[:, :-1]).sum() >= 5  # the order of equal values is tested
    assert not (np.signbit(x64) & (x64 == 0)).any()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_jax_sorts_match_numpy_exactly_when_most_values_tie(dtype):
    import jax

    x = np.random.default_rng(5).integers(0, 6, (40, 300)).astype(dtype)  # ~50 copies of each value
    expected = scans_and_sorts.numpy_sort_rows(x)
    with compat.dtype_scope(dtype):
        for f in (scans_and_sorts.jax_sort_rows, scans_and_sorts.jax_sort_pairs):
            values, order = (np.asarray(out) for out in jax.jit(f)(x))
            assert order.dtype == np.int32 and values.dtype == np.dtype(dtype)
            np.testing.assert_array_equal(values, expected[0])
            np.testing.assert_array_equal(order, expected[1])


def test_sort_rows_verification_rejects_an_unstable_order_of_ties():
    w = jk.get("sort_rows")
    (x,) = w.make_inputs("S", "float32").arrays
    values, order = scans_and_sorts.numpy_sort_rows(x)
    i, j = np.argwhere(values[:, 1:] == values[:, :-1])[0]  # a tie: positions j and j + 1 of row i
    unstable = order.copy()
    unstable[i, [j, j + 1]] = unstable[i, [j + 1, j]]  # what an unstable sort may return
    np.testing.assert_array_equal(np.take_along_axis(x, unstable, axis=1), values)  # still sorts
    with pytest.raises(jk.VerificationError):
        w.verify((values, unstable), (values, order), "float32")


def test_sort_rows_compiles_to_two_sorts_and_sort_pairs_to_one():
    import jax

    (x,) = jk.get("sort_rows").make_inputs("S", "float32").arrays
    for f, sorts in ((scans_and_sorts.jax_sort_rows, 2), (scans_and_sorts.jax_sort_pairs, 1)):
        assert jax.jit(f).lower(x).compile().as_text().count(" sort(") == sorts
