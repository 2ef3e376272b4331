"""Behaviour specific to the derivative workloads: hessian, custom_jvp, checkpoint_scan, jvp_vjp.

The hand-written NumPy derivatives are the references every JAX implementation is checked
against, so they are checked here against central finite differences; the custom_jvp rule
is checked where a naive formula overflows; the checkpointed gradient is checked to hold
fewer temporaries than the stored trajectory, and the plain one more; the forward and
reverse products of jvp_vjp are checked to be transposes of each other, and the compiled
program to share the forward pass of its two transforms.
"""

import functools
import re

import numpy as np
import pytest

import jaxnp_kernels as jk
from jaxnp_kernels import compat
from jaxnp_kernels.workloads import derivatives

from finite_differences import central_difference  # tests/finite_differences.py


# -- hessian ----------------------------------------------------------------------------------

def poisson_loss_numpy(w, x, y):
    z = x @ w
    return np.mean(np.exp(z) - y * z) + 0.5 * derivatives.RIDGE * (w @ w)


def test_analytic_gradient_and_hessian_match_finite_differences():
    x, y, w = derivatives.make_regression_inputs(np.random.default_rng(2), np.dtype("float64"), m=80, n=5)
    gradient, hessian = derivatives.numpy_grad_and_hessian(x, y, w)
    np.testing.assert_allclose(gradient, central_difference(lambda v: poisson_loss_numpy(v, x, y), w),
                               rtol=1e-7, atol=1e-9)
    numeric = central_difference(lambda v: derivatives.numpy_grad_and_hessian(x, y, v)[0], w)
    np.testing.assert_allclose(hessian, numeric, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(hessian, hessian.T, rtol=1e-12, atol=1e-16)
    assert np.linalg.eigvalsh(hessian).min() >= derivatives.RIDGE  # convex: a Newton step exists


# -- custom_jvp -------------------------------------------------------------------------------

def test_analytic_softplus_derivative_matches_finite_differences():
    x = np.random.default_rng(4).uniform(-30.0, 30.0, 12)
    _, gradient = derivatives.numpy_softplus_value_and_grad(x)
    # Elementwise, so each derivative is a difference of one term (a difference of the whole
    # sum would drown the small ones in the sum's rounding).
    h = 1e-5
    numeric = [(derivatives.numpy_softplus_value_and_grad(np.array([v + h]))[0]
                - derivatives.numpy_softplus_value_and_grad(np.array([v - h]))[0]) / (2 * h) for v in x]
    np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=5e-9)


def test_the_inputs_keep_every_exponential_a_normal_float32():
    """Subnormal numbers would time NumPy's slow path (XLA flushes them to zero), not the work."""
    (x,) = derivatives.make_softplus_inputs(np.random.default_rng(0), np.dtype("float32"), n=100_000)
    tiny, huge = np.finfo(np.float32).tiny, np.finfo(np.float32).max
    assert np.exp(-np.abs(x)).min() >= tiny and np.exp(np.abs(x)).max() < huge
    assert np.abs(x).max() > 79  # the whole range is used


def test_custom_rule_gives_the_sigmoid_at_huge_arguments_in_float32():
    import jax

    x = np.array([-100.0, -20.0, 0.0, 20.0, 100.0], dtype=np.float32)
    value, gradient = jax.jit(derivatives.jax_softplus_value_and_grad)(x)
    # float32 resolves the sigmoid to ~6e-8 absolute near 0 (tanh(-10) rounds to -1).
    np.testing.assert_allclose(np.asarray(gradient), [0.0, 2.06e-9, 0.5, 1.0, 1.0], rtol=0, atol=1e-7)
    np.testing.assert_allclose(float(value), 100 + 20 + np.log(2), rtol=1e-6)  # softplus(0) = log 2
    # The rule, not JAX's chain rule through max/abs/exp/log1p, gives the tangent: the rule's
    # tanh appears in the jvp's program, and not in that of the undecorated primal.
    def jvp_program(f):
        return str(jax.make_jaxpr(lambda v: jax.jvp(f, (v,), (jax.numpy.ones_like(v),)))(x))

    assert "tanh" in jvp_program(derivatives.softplus)
    assert "tanh" not in jvp_program(derivatives.softplus.fun)


# -- checkpoint_scan --------------------------------------------------------------------------

def test_hand_written_adjoint_matches_finite_differences():
    a, h0, y = derivatives.make_recurrence_inputs(np.random.default_rng(6), np.dtype("float64"), d=4,
                                                  segments=5, seg_len=8).arrays
    loss, gradient = derivatives.numpy_recurrence_loss_and_grad(a, h0, y, segments=5, seg_len=8)
    numeric = central_difference(
        lambda v: derivatives.numpy_recurrence_loss_and_grad(v, h0, y, segments=5, seg_len=8)[0], a)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-7, atol=1e-10)
    assert loss > 0 and np.abs(gradient).max() > 1e-3  # not a degenerate, flat problem


def test_checkpointing_holds_less_than_the_trajectory_and_the_plain_gradient_more():
    import jax

    d, segments, seg_len = 1024, 16, 16
    inputs = derivatives.make_recurrence_inputs(np.random.default_rng(0), np.dtype("float32"), d=d,
                                                segments=segments, seg_len=seg_len)
    trajectory = segments * seg_len * d * 4

    def temp_bytes(fn):
        bound = functools.partial(fn, segments=segments, seg_len=seg_len)
        stats = compat.memory_analysis(jax.jit(bound).lower(*inputs.arrays).compile())
        if stats is None:
            pytest.skip("this JAX release reports no memory_analysis")
        return stats["temp_bytes"]

    assert temp_bytes(derivatives.jax_checkpointed) < trajectory / 4
    assert temp_bytes(derivatives.jax_plain) >= trajectory


# -- jvp_vjp ----------------------------------------------------------------------------------

def two_layer_inputs(size="S", dtype="float64"):
    return jk.get("jvp_vjp").make_inputs(size, dtype).arrays


def test_hand_written_jvp_and_vjp_match_the_finite_difference_jacobian():
    x, w1, w2, v, u = two_layer_inputs()
    value, jvp, vjp = derivatives.numpy_jvp_vjp(x, w1, w2, v, u)

    def f(flat):
        return (np.tanh(flat.reshape(x.shape) @ w1) @ w2).ravel()

    np.testing.assert_allclose(value.ravel(), f(x.ravel()), rtol=1e-14, atol=0)
    jacobian = central_difference(f, x.ravel())  # (batch n_out) x (batch n_in), block diagonal
    np.testing.assert_allclose(jvp.ravel(), jacobian @ v.ravel(), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(vjp.ravel(), jacobian.T @ u.ravel(), rtol=1e-7, atol=1e-9)
    assert np.abs(jvp).max() > 0.1 and np.abs(vjp).max() > 0.1  # not a degenerate, flat map


@pytest.mark.parametrize("size", ["S", "M"])
def test_numpy_products_are_transposes_of_each_other(size):
    """<u, J v> == <J^T u, v>: the forward and the reverse product are of the same Jacobian."""
    x, w1, w2, v, u = two_layer_inputs(size)
    _, jvp, vjp = derivatives.numpy_jvp_vjp(x, w1, w2, v, u)
    np.testing.assert_allclose(np.vdot(u, jvp), np.vdot(vjp, v), rtol=1e-12)
    # and the identity is not trivially satisfied: another tangent gives another value
    _, other, _ = derivatives.numpy_jvp_vjp(x, w1, w2, np.roll(v, 1, axis=1), u)
    assert abs(np.vdot(u, other) - np.vdot(u, jvp)) > 1e-3 * abs(np.vdot(u, jvp))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_compiled_jax_products_are_transposes_of_each_other(dtype):
    import jax

    x, w1, w2, v, u = two_layer_inputs("M", dtype)
    with compat.dtype_scope(dtype):
        _, jvp, vjp = (np.asarray(r, np.float64) for r in jax.jit(derivatives.jax_jvp_vjp)(x, w1, w2, v, u))
    assert jvp.shape == u.shape and vjp.shape == v.shape
    forward, reverse = np.vdot(u.astype(np.float64), jvp), np.vdot(vjp, v.astype(np.float64))
    np.testing.assert_allclose(forward, reverse, rtol=1e-5 if dtype == "float32" else 1e-12)


def test_compiled_program_shares_the_forward_pass_of_jvp_and_vjp():
    """jax.jvp and jax.vjp each trace the forward pass (7 dots, 2 tanh); XLA's common
    subexpression elimination leaves the 6 GEMMs NumPy's hand-written version does, 1 tanh."""
    import jax

    arrays = two_layer_inputs("S", "float32")
    lowered = jax.jit(derivatives.jax_jvp_vjp).lower(*arrays)
    traced = lowered.as_text()
    assert traced.count("dot_general") == 7 and traced.count("tanh") == 2
    compiled = lowered.compile().as_text()
    assert len(re.findall(r"\bdot\(", compiled)) == 6
    assert len(re.findall(r"\btanh\(", compiled)) == 1


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_jvp_vjp_tolerance_rejects_a_typical_entry_off_by_a_tenth_of_a_percent(dtype):
    """The median-sized entry of each output 0.1% off fails, as does a tangent that skips tanh'."""
    workload = jk.get("jvp_vjp")
    x, w1, w2, v, u = two_layer_inputs("M", dtype)
    reference = derivatives.numpy_jvp_vjp(x, w1, w2, v, u)
    workload.verify(reference, reference, dtype)
    for i, leaf in enumerate(reference):
        median = np.argsort(np.abs(leaf.ravel()))[leaf.size // 2]
        wrong = [r.copy() for r in reference]
        wrong[i].ravel()[median] *= 1.001
        with pytest.raises(jk.VerificationError):
            workload.verify(tuple(wrong), reference, dtype, f"output {i}: entry {median} off by 0.1%")
    linear_tangent = (v @ w1) @ w2  # the chain rule without the tanh slope
    with pytest.raises(jk.VerificationError):
        workload.verify((reference[0], linear_tangent, reference[2]), reference, dtype)
