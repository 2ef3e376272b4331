"""folding: work on trace-time constants and a short fixed-length loop, folded by XLA.

The kernel rotates a cloud of 3-D points by the product of 16 elementary rotations whose
matrices are NumPy constants, then runs a fixed 8-step affine recurrence
(``y = y * scale + shift``) on the result.  Under ``jax.jit`` the rotation product has
only literal constants as operands, so XLA evaluates it at compile time: the compiled
program holds one 3x3 constant and one dot (tests/test_dense.py checks this).  The 8-step
Python loop is unrolled at trace time and fused into a single pass over the points.

Folding is narrower than the folklore says: on the releases checked (0.4.31, 0.10.2),
XLA does *not* fold the same product when it starts from ``jnp.eye`` (an iota) or when
the rotations are built with ``jnp.cos`` of a constant angle; those 16 tiny dots then run
on every call.  And XLA never merges the 8 affine steps into one (that would reassociate
floating-point arithmetic): it fuses them, it does not fold them.  On JAX 0.4.31 (CPU,
float32), from between 0.90 and 0.95 million points on, XLA instead rewrites the dot and the 16
elementwise steps into a oneDNN matmul with fused post-ops whose result is wrong (off by
~0.26 on values of order 1; float64 and 0.10.2 are correct): there, size L fails
verification and is reported as a failure, never timed.

NumPy is timed twice.  "numpy" is the direct translation: it rebuilds the 16 rotations on
every call and makes 16 passes over the array, allocating a temporary each time.
"numpy_precomputed" is what a careful engineer writes: the constant product hoisted out
of the function and the loop updated in place (no temporaries), same arithmetic.  The
honest folding comparison is jax_jit against numpy_precomputed, and what remains between
them is loop fusion (one pass against 16), not constant folding.  Claim: folding.
"""

import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl

ANGLES = tuple(0.05 * (k + 1) for k in range(16))
LOOP_SCALES = (0.9, 1.1, 0.95, 1.05, 0.8, 1.2, 0.99, 1.01)
LOOP_SHIFTS = (0.1, -0.2, 0.05, 0.3, -0.1, 0.2, -0.05, 0.01)


def make_inputs(rng, dtype, n):
    return (rng.uniform(-1.0, 1.0, (n, 3)).astype(dtype),)


def elementary_rotation(k):
    """The k-th rotation, about the x, y or z axis in turn, as a float64 NumPy constant."""
    angle = ANGLES[k]
    i, j = [(1, 2), (0, 2), (0, 1)][k % 3]
    g = np.eye(3)
    g[i, i], g[i, j], g[j, i], g[j, j] = np.cos(angle), -np.sin(angle), np.sin(angle), np.cos(angle)
    return g


def rotation_product(xp, dtype):
    """The product of the 16 rotations in ``dtype``, multiplied with array module ``xp``.

    Every operand starts as a NumPy constant, so under ``jax.jit`` the product is a
    chain of dots on literals, which XLA folds into one constant.
    """
    r = xp.asarray(np.eye(3), dtype=dtype)
    for k in range(len(ANGLES)):
        r = r @ xp.asarray(elementary_rotation(k), dtype=dtype)
    return r


def affine_steps(y):
    """The fixed 8-step recurrence, written as people write it (a new array per step)."""
    for scale, shift in zip(LOOP_SCALES, LOOP_SHIFTS):
        y = y * scale + shift
    return y


def numpy_folding(points):
    return affine_steps(points @ rotation_product(np, points.dtype))


#: The rotation product, hoisted out of the call as a careful NumPy engineer would.
HOISTED_ROTATION = {np.dtype(name): rotation_product(np, name) for name in ("float32", "float64")}


def numpy_folding_precomputed(points):
    y = points @ HOISTED_ROTATION[points.dtype]
    for scale, shift in zip(LOOP_SCALES, LOOP_SHIFTS):
        y *= scale
        y += shift
    return y


def jax_folding(points):
    return affine_steps(points @ rotation_product(jnp, points.dtype))


def cost(dtype, n):
    # Per point: a 3x3 matrix-vector product (9 multiplies, 6 adds) and 8 multiply-adds on 3
    # coordinates (48 flops); the constant rotation product is not counted (it is folded or
    # hoisted).  Compulsory traffic: points read once, result written once.
    return Cost(flops=63 * n, bytes=2 * 3 * n * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="folding",
        claims=("folding",),
        area="transforms",
        description=__doc__,
        sizes={"S": {"n": 1_000}, "M": {"n": 300_000}, "L": {"n": 3_000_000}},
        make_inputs_fn=make_inputs,
        implementations=(
            numpy_impl(numpy_folding, description="NumPy, constants rebuilt and a temporary per step"),
            numpy_impl(numpy_folding_precomputed, "numpy_precomputed",
                       description="NumPy, constant rotation hoisted, loop updated in place",
                       roles=("numpy_alternative",)),
            jax_jit(jax_folding, description="JAX under jit: rotation folded, loop unrolled and fused",
                    roles=("compiled",)),
            jax_eager(jax_folding, description="JAX op by op: 16 dots and 16 passes per call"),
        ),
        cost_fn=cost,
        # Values stay within a few units; 18 roundings per coordinate in both orders.
        tolerance={"float32": (1e-5, 1e-5), "float64": (1e-12, 1e-12)},
    ),
)
