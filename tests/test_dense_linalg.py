"""Behaviour specific to the dense linear algebra workload: dense_solve.

The NumPy reference (and the compiled JAX result) are checked against the definitions, not
against each other: the residual of A X = B, the factorisation L L^T = S, L lower triangular
with a positive diagonal.  The inputs are checked for the conditioning the tight float32
tolerance relies on, and the tolerance against a typical entry 0.1% off.
"""

import re

import numpy as np
import pytest

import jaxnp_kernels as jk
from jaxnp_kernels import compat
from jaxnp_kernels.workloads import dense_linalg

WORKLOAD = jk.get("dense_solve")


@pytest.mark.parametrize("size", ["S", "M"])
def test_inputs_are_well_conditioned_and_s_is_symmetric_positive_definite(size):
    a, b, s = WORKLOAD.make_inputs(size, "float64").arrays
    n, k = WORKLOAD.size_params(size)["n"], WORKLOAD.size_params(size)["k"]
    assert a.shape == s.shape == (n, n) and b.shape == (n, k)
    singular_values = np.linalg.svd(a, compute_uv=False)
    assert singular_values.min() > 0.3 and singular_values.max() / singular_values.min() < 5
    assert np.abs(a - a.T).max() > 0.01  # a general system, not a symmetric one
    np.testing.assert_array_equal(s, s.T)
    eigenvalues = np.linalg.eigvalsh(s)
    assert eigenvalues.min() > 0.3 and eigenvalues.max() / eigenvalues.min() < 5


def assert_solves_and_factors(x, lower, a, b, s, dtype):
    """X solves A X = B and L is the lower Cholesky factor of S, checked in float64."""
    x, lower = np.asarray(x, np.float64), np.asarray(lower, np.float64)
    a, b, s = (np.asarray(m, np.float64) for m in (a, b, s))
    eps = np.finfo(dtype).eps
    n = a.shape[0]
    # Backward errors relative to the data's scale (entries O(1), condition ~3): measured at most
    # 0.13 n eps at S and M, both dtypes; LAPACK's bounds are O(n eps).
    assert np.abs(a @ x - b).max() <= 2 * n * eps * np.abs(b).max()
    np.testing.assert_array_equal(np.triu(lower, 1), 0)
    assert np.diagonal(lower).min() > 0
    assert np.abs(lower @ lower.T - s).max() <= 2 * n * eps


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size", ["S", "M"])
def test_numpy_reference_solves_the_system_and_factors_s(size, dtype):
    a, b, s = WORKLOAD.make_inputs(size, dtype).arrays
    x, lower = dense_linalg.numpy_dense_solve(a, b, s)
    assert x.dtype == lower.dtype == np.dtype(dtype)
    assert_solves_and_factors(x, lower, a, b, s, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_compiled_jax_solves_the_system_and_factors_s(dtype):
    import jax

    a, b, s = WORKLOAD.make_inputs("M", dtype).arrays
    with compat.dtype_scope(dtype):
        x, lower = jax.jit(dense_linalg.jax_dense_solve)(a, b, s)
        x, lower = np.asarray(x), np.asarray(lower)
    assert x.dtype == lower.dtype == np.dtype(dtype)
    assert_solves_and_factors(x, lower, a, b, s, dtype)


def test_the_compiled_program_calls_lapack_once_per_factorisation():
    """One getrf (LU) and one potrf (Cholesky) custom call, plus two triangular solves (trsm) for X:
    the same LAPACK routines NumPy calls, so the comparison is of the calls, not the algorithms."""
    import jax

    a, b, s = WORKLOAD.make_inputs("S", "float32").arrays
    compiled = jax.jit(dense_linalg.jax_dense_solve).lower(a, b, s).compile().as_text()
    targets = re.findall(r'custom_call_target="([^"]+)"', compiled)
    assert sum("getrf" in t for t in targets) == 1
    assert sum("potrf" in t for t in targets) == 1
    assert sum("trsm" in t for t in targets) == 2  # L then U (blas_strsm in 0.4.31, lapack_strsm_ffi later)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tolerance_rejects_a_typical_entry_off_by_a_tenth_of_a_percent(dtype):
    """Not only the largest entries: the median-sized nonzero entry of X and of L (an
    off-diagonal entry of L, ~0.03 at M) 0.1% off fails."""
    a, b, s = WORKLOAD.make_inputs("M", dtype).arrays
    reference = dense_linalg.numpy_dense_solve(a, b, s)
    WORKLOAD.verify(reference, reference, dtype)
    for i, leaf in enumerate(reference):
        nonzero = np.flatnonzero(leaf)
        median = nonzero[np.argsort(np.abs(leaf.ravel()[nonzero]))[nonzero.size // 2]]
        wrong = [r.copy() for r in reference]
        wrong[i].ravel()[median] *= 1.001
        with pytest.raises(jk.VerificationError):
            WORKLOAD.verify(tuple(wrong), reference, dtype, f"output {i}: entry {median} off by 0.1%")
