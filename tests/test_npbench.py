"""The NPBench-style workloads compute what their definitions say.

The registry's verification compares JAX with the NumPy reference; these tests check the
references themselves (and the JAX results where a physical property is at stake) against
the mathematical definitions, written here the slow, obvious way on tiny inputs.
"""

import numpy as np
import pytest

import jaxnp_kernels as jk
from jaxnp_kernels.workloads import (npbench_azimint, npbench_cavity_flow, npbench_conv2d,
                                     npbench_gemver, npbench_go_fast, npbench_nbody)


def small_rng():
    return np.random.default_rng(42)


def jax_result(workload, implementation, dtype="float64"):
    case = jk.Case(workload, implementation, "S", dtype).prepare(warmup_calls=0)
    return case.inputs, case()


def test_go_fast_adds_the_trace_of_tanh_of_the_diagonal():
    a = small_rng().uniform(-1, 1, (7, 7))
    trace = 0.0
    for i in range(7):
        trace += np.tanh(a[i, i])
    np.testing.assert_allclose(npbench_go_fast.numpy_go_fast(a), a + trace, rtol=1e-14)


def test_conv2d_reference_is_the_windowed_sum_of_its_definition():
    rng = small_rng()
    images = rng.standard_normal((2, 6, 5, 3))
    weights = rng.standard_normal((3, 3, 3, 4))
    expected = np.zeros((2, 4, 3, 4))
    for b in range(2):
        for y in range(4):
            for x in range(3):
                for d in range(4):
                    expected[b, y, x, d] = np.sum(images[b, y:y + 3, x:x + 3, :] * weights[:, :, :, d])
    np.testing.assert_allclose(npbench_conv2d.numpy_conv(images, weights), expected, rtol=1e-12, atol=1e-12)


def test_gemver_reference_follows_polybench_loops():
    rng = small_rng()
    n = 5
    a, u1, v1, u2, v2, w, x, y, z = [rng.uniform(-1, 1, (n, n))] + [rng.uniform(-1, 1, n) for _ in range(8)]
    a_hat, x_new, w_new = npbench_gemver.numpy_gemver(a, u1, v1, u2, v2, w, x, y, z)
    alpha, beta = npbench_gemver.ALPHA, npbench_gemver.BETA
    ea, ex, ew = a.copy(), x.copy(), w.copy()
    for i in range(n):
        for j in range(n):
            ea[i, j] += u1[i] * v1[j] + u2[i] * v2[j]
    for i in range(n):
        for j in range(n):
            ex[i] += beta * ea[j, i] * y[j]
    ex += z
    for i in range(n):
        for j in range(n):
            ew[i] += alpha * ea[i, j] * ex[j]
    for got, want in ((a_hat, ea), (x_new, ex), (w_new, ew)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_azimint_reference_is_the_mean_intensity_per_radial_bin():
    rng = small_rng()
    radius, intensity = rng.uniform(0, 1, 500), rng.uniform(0, 10, 500)
    npt = 7
    means = npbench_azimint.numpy_azimint(radius, intensity, npt)
    edges = np.linspace(0, radius.max(), npt + 1)
    for b in range(npt):
        inside = (radius >= edges[b]) & ((radius < edges[b + 1]) if b < npt - 1 else True)
        assert means[b] == pytest.approx(intensity[inside].mean(), rel=1e-12)


def test_azimint_of_a_constant_image_is_that_constant_in_every_occupied_bin():
    radius = small_rng().uniform(0, 1, 1000)
    means = npbench_azimint.numpy_azimint(radius, np.full(1000, 3.5), 20)
    np.testing.assert_allclose(means, 3.5, rtol=1e-14)


@pytest.mark.parametrize("implementation", ["numpy", "jax_jit"])
def test_nbody_step_conserves_momentum(implementation):
    """Pairwise forces are equal and opposite: one step leaves sum(m v) unchanged."""
    inputs, (_, new_vel) = jax_result("nbody", implementation)
    _, vel, mass = inputs.arrays
    before = (mass[:, None] * vel).sum(axis=0)
    after = (mass[:, None] * np.asarray(new_vel)).sum(axis=0)
    np.testing.assert_allclose(after, before, atol=1e-14)
    assert not np.allclose(np.asarray(new_vel), vel, atol=1e-6), "the step did not move anything"


def test_nbody_two_bodies_attract_by_softened_inverse_square():
    pos = np.array([[0.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    mass = np.array([1.0, 3.0])
    acc = npbench_nbody.numpy_accelerations(pos, mass)
    r2 = 4.0 + npbench_nbody.SOFTENING**2
    magnitude = npbench_nbody.G * 2.0 / r2**1.5
    np.testing.assert_allclose(acc, [[3 * magnitude, 0, 0], [-1 * magnitude, 0, 0]], rtol=1e-14)


@pytest.mark.parametrize("implementation", ["numpy", "jax_jit", "jax_eager"])
def test_cavity_flow_keeps_its_boundary_conditions(implementation):
    inputs, (u, v, p) = jax_result("cavity_flow", implementation)
    u, v, p = (np.asarray(a) for a in (u, v, p))
    np.testing.assert_array_equal(u[-1, :], 1.0)            # the lid
    np.testing.assert_array_equal(u[:-1, 0], 0.0)
    np.testing.assert_array_equal(u[:-1, -1], 0.0)
    np.testing.assert_array_equal(u[0, :], 0.0)
    for edge in (v[0, :], v[-1, :], v[:, 0], v[:, -1]):
        np.testing.assert_array_equal(edge, 0.0)
    np.testing.assert_array_equal(p[-1, :], 0.0)            # p = 0 at the lid
    np.testing.assert_array_equal(p[:-1, 0], p[:-1, 1])     # dp/dx = 0 at the left wall
    assert np.abs(u[1:-1, 1:-1] - inputs.arrays[0][1:-1, 1:-1]).max() > 1e-4, "interior did not evolve"


def test_cavity_flow_time_step_is_stable_at_every_size():
    w = jk.get("cavity_flow")
    for size in jk.SIZE_NAMES:
        side = w.size_params(size)["side"]
        dt, dx = npbench_cavity_flow.stable_time_step(side), 2.0 / (side - 1)
        assert dt * npbench_cavity_flow.NU / dx**2 <= 0.25 and dt / dx <= 0.5
