"""Behaviour specific to the batched linear algebra workloads: batched_solve, batched_solve_grad.

The NumPy references are checked against independent computations (residuals and a per-system
loop for the solve, central finite differences for the hand-written adjoint), the inputs against
the properties the workloads rely on (SPD, diagonally dominant, not symmetric).
"""

import numpy as np
import pytest

import jaxnp_kernels as jk
from jaxnp_kernels import compat
from jaxnp_kernels.workloads import batched_linalg

@pytest.mark.parametrize("size", ["S", "M"])
def test_spd_systems_are_symmetric_positive_definite_and_well_conditioned(size):
    a, b = jk.get("batched_solve").make_inputs(size, "float64").arrays
    np.testing.assert_array_equal(a, a.swapaxes(-1, -2))
    eigenvalues = np.linalg.eigvalsh(a)
    assert eigenvalues.min() >= 1.0 - 1e-12
    assert eigenvalues.max() / eigenvalues.min() < 50


def test_general_systems_are_diagonally_dominant_and_not_symmetric():
    a, b, w = jk.get("batched_solve_grad").make_inputs("M", "float64").arrays
    diagonal = np.abs(np.diagonal(a, axis1=-2, axis2=-1))
    off_diagonal = np.abs(a).sum(axis=-1) - diagonal
    assert (diagonal - off_diagonal).min() >= 0.5
    assert np.linalg.cond(a).max() <= 3.0
    assert np.abs(a - a.swapaxes(-1, -2)).max() > 0.01  # A^T is a different system


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batched_numpy_solve_solves_every_system_like_the_loop(dtype):
    a, b = jk.get("batched_solve").make_inputs("S", dtype).arrays
    x = batched_linalg.numpy_solve(a, b)
    assert x.shape == b.shape and x.dtype == np.dtype(dtype)
    np.testing.assert_allclose(x, batched_linalg.numpy_solve_loop(a, b), rtol=1e-5 if dtype == "float32" else 1e-12)
    residual = np.einsum("bij,bj->bi", a.astype(np.float64), x.astype(np.float64)) - b
    assert np.abs(residual).max() < (1e-5 if dtype == "float32" else 1e-13)


def test_hand_written_adjoint_matches_central_differences():
    a, b, w = jk.get("batched_solve_grad").make_inputs("S", "float64").arrays
    grad_a, grad_b = batched_linalg.numpy_solve_grad(a, b, w)

    def loss(a_, b_):
        return float(np.sum(batched_linalg.numpy_solve(a_, b_) * w))

    h = 1e-6
    rng = np.random.default_rng(1)
    for _ in range(12):  # random entries of A and of b
        k, i, j = rng.integers(a.shape[0]), rng.integers(a.shape[1]), rng.integers(a.shape[2])
        step = np.zeros_like(a)
        step[k, i, j] = h
        numeric = (loss(a + step, b) - loss(a - step, b)) / (2 * h)
        assert abs(numeric - grad_a[k, i, j]) < 1e-7 * max(1.0, abs(numeric)), (k, i, j)
        step = np.zeros_like(b)
        step[k, i] = h
        numeric = (loss(a, b + step) - loss(a, b - step)) / (2 * h)
        assert abs(numeric - grad_b[k, i]) < 1e-7 * max(1.0, abs(numeric)), (k, i)


def test_the_adjoint_needs_the_transpose():
    """Solving with A instead of A^T gives a wrong gradient: the inputs are not symmetric enough to hide it."""
    a, b, w = jk.get("batched_solve_grad").make_inputs("S", "float64").arrays
    wrong_lambda = batched_linalg.numpy_solve(a, w)
    with pytest.raises(jk.VerificationError):
        jk.get("batched_solve_grad").verify(batched_linalg.numpy_solve_grad(a, b, w)[:1] + (wrong_lambda,),
                                            batched_linalg.numpy_solve_grad(a, b, w), "float64")


def test_jax_gradient_factors_each_matrix_once():
    """The transpose rule of jnp.linalg.solve reuses the forward LU: one getrf in the compiled program."""
    import jax

    a, b, w = jk.get("batched_solve_grad").make_inputs("S", "float32").arrays
    compiled = jax.jit(batched_linalg.jax_solve_grad).lower(a, b, w).compile().as_text()
    assert compiled.count("getrf") == 1


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cholesky_and_lu_paths_agree_with_numpy_on_spd_systems(dtype):
    import jax

    a, b = jk.get("batched_solve").make_inputs("S", dtype).arrays
    with compat.dtype_scope(dtype):
        lu = np.asarray(jax.jit(batched_linalg.jax_vmap_solve)(a, b))
        cholesky = np.asarray(jax.jit(batched_linalg.jax_vmap_cholesky_solve)(a, b))
    reference = batched_linalg.numpy_solve(a, b)
    rtol = 2e-5 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(lu, reference, rtol=rtol, atol=rtol / 10)
    np.testing.assert_allclose(cholesky, reference, rtol=rtol, atol=rtol / 10)


@pytest.mark.parametrize("size", ["S", "M", "L"])
def test_gradient_sizes_stay_clear_of_the_parallel_triangular_solve_deadlock(size):
    """jaxlib 0.10.2 splits a batched triangular solve across the CPU thread pool once
    batch * n^2 >= 200,000 (GetLapackBatchChunkSize); the gradient runs two such solves
    concurrently and then deadlocks, each waiting for chunks queued behind the other.  A single
    system never splits."""
    params = jk.get("batched_solve_grad").size_params(size)
    assert params["batch"] == 1 or params["batch"] * params["n"] ** 2 < 200_000
