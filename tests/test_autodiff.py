"""Behaviour specific to the "autodiff" group: vmap, grad, jacobian_tall/wide, stencil3d.

The hand-written NumPy derivatives are the references every JAX implementation is checked
against, so they are checked here against central finite differences (the tolerances'
check is every workload's, in test_workloads.py).
"""

import numpy as np
import pytest

import jaxnp_kernels as jk
from jaxnp_kernels.workloads import grad_logistic, jacobian, stencil3d, vmap_mahalanobis

from finite_differences import central_difference  # tests/finite_differences.py


def test_hand_written_logistic_gradient_matches_finite_differences():
    x, y, w = grad_logistic.make_inputs(np.random.default_rng(1), np.dtype("float64"), n=64, d=5)
    loss, gradient = grad_logistic.numpy_loss_and_grad(x, y, w)
    numeric = central_difference(lambda v: grad_logistic.numpy_loss_and_grad(x, y, v)[0], w)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-9)
    assert 0 < loss < np.log(2) + 1  # a mean log-loss of a weak classifier


def test_logistic_loss_is_stable_for_huge_margins():
    x = np.array([[1.0], [1.0]])
    y = np.array([1.0, 0.0])
    w = np.array([800.0])  # exp(800) overflows float64; the stable form does not
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        loss, gradient = grad_logistic.numpy_loss_and_grad(x, y, w)
    expected = 800.0 / 2 + 0.5 * grad_logistic.L2 * 800.0**2  # log(1 + e^800) ~ 800 for y = 0
    np.testing.assert_allclose(loss, expected, rtol=1e-12)
    np.testing.assert_allclose(gradient, [0.5 + grad_logistic.L2 * 800.0], rtol=1e-12)


@pytest.mark.parametrize("m, n", [(12, 3), (3, 12)])
def test_hand_written_jacobian_matches_finite_differences(m, n):
    a, x, c = jacobian.make_inputs(np.random.default_rng(2), np.dtype("float64"), m=m, n=n)
    numeric = central_difference(lambda v: np.tanh(a @ v) * c, x)
    np.testing.assert_allclose(jacobian.numpy_jacobian(a, x, c), numeric, rtol=1e-7, atol=1e-10)


def test_wrong_mode_never_runs_at_size_l():
    assert "L" not in jk.get("jacobian_tall").implementation("jax_jacrev").sizes
    assert "L" not in jk.get("jacobian_wide").implementation("jax_jacfwd").sizes
    assert "L" in jk.get("jacobian_tall").implementation("jax_jacfwd").sizes
    assert "L" in jk.get("jacobian_wide").implementation("jax_jacrev").sizes


def test_hand_written_stencil_gradient_matches_finite_differences():
    (u,) = stencil3d.make_inputs(np.random.default_rng(3), np.dtype("float64"), side=5)
    _, gradient = stencil3d.numpy_penalty_and_grad(u)
    rng = np.random.default_rng(4)
    for index in [(0, 0, 0), (4, 4, 4), (2, 0, 3)] + [tuple(rng.integers(0, 5, 3)) for _ in range(5)]:
        step = np.zeros_like(u)
        step[index] = 1e-6
        numeric = (stencil3d.numpy_penalty_and_grad(u + step)[0]
                   - stencil3d.numpy_penalty_and_grad(u - step)[0]) / 2e-6
        np.testing.assert_allclose(gradient[index], numeric, rtol=1e-6, atol=1e-8)


def test_stencil_penalty_of_a_ramp():
    side = 6
    ramp = np.broadcast_to(np.arange(side, dtype=np.float64)[:, None, None], (side,) * 3).copy()
    value, gradient = stencil3d.numpy_penalty_and_grad(ramp)
    assert value == (side - 1) * side * side  # unit steps along axis 0 only
    # Interior planes have equal differences on both sides: zero gradient; the end planes do not.
    np.testing.assert_array_equal(gradient[1:-1], 0)
    np.testing.assert_array_equal(gradient[0], -2)
    np.testing.assert_array_equal(gradient[-1], 2)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mahalanobis_distances_of_a_set_sum_to_k_minus_one_times_d(dtype):
    batch, k, d = 5, 12, 3
    (points,) = vmap_mahalanobis.make_inputs(np.random.default_rng(5), np.dtype(dtype), batch, k, d)
    distances = vmap_mahalanobis.numpy_batched(points)
    assert distances.shape == (batch, k) and distances.dtype == np.dtype(dtype)
    # sum_i x_i^T C^-1 x_i = trace(C^-1 X^T X) = (k - 1) d for the set's own covariance C
    np.testing.assert_allclose(distances.sum(axis=1), (k - 1) * d, rtol=1e-5 if dtype == "float32" else 1e-12)


def test_hand_batched_numpy_equals_the_per_example_function():
    (points,) = vmap_mahalanobis.make_inputs(np.random.default_rng(6), np.dtype("float64"), 7, 10, 2)
    expected = np.stack([vmap_mahalanobis.numpy_per_example(p) for p in points])
    np.testing.assert_allclose(vmap_mahalanobis.numpy_batched(points), expected, rtol=1e-12)
    # Mahalanobis distances do not change under an invertible linear map of a set
    mixing = np.array([[2.0, 0.5], [-0.3, 1.0]])
    np.testing.assert_allclose(vmap_mahalanobis.numpy_batched(points @ mixing), expected, rtol=1e-10)
