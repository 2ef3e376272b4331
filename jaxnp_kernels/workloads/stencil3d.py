"""stencil3d: a neighbour-difference smoothness penalty on a 3-D volume and its gradient.

``P(u) = sum over the three axes of sum((u[i+1] - u[i]) ** 2)``, the diffusion regulariser of
image registration, evaluated with its gradient: each axis contributes ``-2 d`` to the lower
and ``+2 d`` to the upper neighbour of every difference ``d``.  NumPy computes the value and
the hand-derived gradient with slicing (three difference volumes, several temporaries);
JAX differentiates the penalty automatically (``jax.value_and_grad``) and XLA fuses the
differences, squares and their adjoints.  Returns ``(penalty, gradient)``.  The L volume is
256^3 (64 MB in float32).  Claims: grad, fusion.
"""

import jax
import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl


def make_inputs(rng, dtype, side):
    # A smooth field plus noise, as a displacement component looks.
    axis = np.linspace(0.0, 2 * np.pi, side)
    smooth = np.sin(axis)[:, None, None] * np.cos(axis)[None, :, None] * np.sin(2 * axis)[None, None, :]
    return ((smooth + 0.1 * rng.standard_normal((side, side, side))).astype(dtype),)


def numpy_penalty_and_grad(u):
    value = u.dtype.type(0)
    grad = np.zeros_like(u)
    for axis in range(3):
        d = np.diff(u, axis=axis)
        value = value + np.sum(d * d)
        # d_i = u_{i+1} - u_i appears in dP/du_{i+1} with +2 d_i and in dP/du_i with -2 d_i.
        upper = [slice(None)] * 3
        lower = [slice(None)] * 3
        upper[axis], lower[axis] = slice(1, None), slice(None, -1)
        grad[tuple(upper)] += d
        grad[tuple(lower)] -= d
    grad *= 2
    return value, grad


def penalty(u):
    return (jnp.sum((u[1:] - u[:-1]) ** 2) + jnp.sum((u[:, 1:] - u[:, :-1]) ** 2)
            + jnp.sum((u[:, :, 1:] - u[:, :, :-1]) ** 2))


def jax_value_and_grad(u):
    return jax.value_and_grad(penalty)(u)


def cost(dtype, side):
    # per voxel and axis: a difference, a square, an add (value) and two updates (gradient):
    # about 5 flops x 3 axes.  The volume is read once, the gradient written once.
    n = side**3
    return Cost(flops=15 * n, bytes=2 * n * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="stencil3d",
        claims=("grad", "fusion"),
        area="stencils",
        description=__doc__,
        sizes={"S": {"side": 16}, "M": {"side": 96}, "L": {"side": 256}},
        make_inputs_fn=make_inputs,
        implementations=(
            numpy_impl(numpy_penalty_and_grad, description="NumPy, hand-written gradient"),
            jax_jit(jax_value_and_grad, "jax_value_and_grad", roles=("compiled",)),
            jax_eager(jax_value_and_grad, "jax_eager", sizes=("S", "M")),  # over 1 s per call at L
        ),
        cost_fn=cost,
        # Both sides sum ~3 side^3 squares pairwise/tree-wise: at L the float32 penalty differs
        # from the float64 one by ~1e-7 relative, the gradient (entries up to ~7) by ~1e-6.
        tolerance={"float32": (1e-5, 1e-5), "float64": (1e-11, 1e-12)},
    ),
)
