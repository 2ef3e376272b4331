"""folding: work on trace-time constants and a short fixed-length loop, folded by XLA.

The kernel rotates a cloud of 3-D points by the product of 16 elementary rotations whose
angles are Python constants, then runs a fixed 8-step affine recurrence on the result.
Under ``jax.jit`` the rotation product is computed on constants, so XLA folds it into a
single 3x3 constant at compile time, and the 8-step loop is unrolled at trace time and
fused into one pass over the points.  A direct NumPy translation ("numpy") rebuilds the
16 rotations on every call and makes 16 passes over the array for the loop; a careful
NumPy engineer hoists the constant product out of the function ("numpy_precomputed"), so
both are timed: the honest comparison for folding is jax_jit vs numpy_precomputed, and
what remains there is loop fusion, not folding.  Claim: folding.
"""

import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl

ANGLES = tuple(0.05 * (k + 1) for k in range(16))
LOOP_SCALES = (0.9, 1.1, 0.95, 1.05, 0.8, 1.2, 0.99, 1.01)
LOOP_SHIFTS = (0.1, -0.2, 0.05, 0.3, -0.1, 0.2, -0.05, 0.01)


def make_inputs(rng, dtype, n):
    return (rng.uniform(-1.0, 1.0, (n, 3)).astype(dtype),)


def rotation_product(xp, dtype):
    """The product of 16 rotations about x, y, z in turn, built with array module ``xp``."""
    r = xp.eye(3, dtype=dtype)
    for k, angle in enumerate(ANGLES):
        c, s = float(np.cos(angle)), float(np.sin(angle))
        i, j = [(1, 2), (0, 2), (0, 1)][k % 3]
        g = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
        g[i][i], g[i][j], g[j][i], g[j][j] = c, -s, s, c
        r = r @ xp.asarray(g, dtype=dtype)
    return r


def affine_steps(y):
    for scale, shift in zip(LOOP_SCALES, LOOP_SHIFTS):
        y = y * scale + shift
    return y


def numpy_folding(points):
    return affine_steps(points @ rotation_product(np, points.dtype))


_PRECOMPUTED = {dtype: rotation_product(np, dtype) for dtype in (np.float32, np.float64)}


def numpy_folding_precomputed(points):
    return affine_steps(points @ _PRECOMPUTED[points.dtype.type])


def jax_folding(points):
    return affine_steps(points @ rotation_product(jnp, points.dtype))


def cost(dtype, n):
    # per point: a 3x3 matrix-vector product (15 flops) and 8 multiply-adds on 3 coordinates
    # (48 flops); the constant rotation product is not counted.  Points read once, written once.
    return Cost(flops=63 * n, bytes=2 * 3 * n * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="folding",
        claims=("folding",),
        area="transforms",
        description=__doc__,
        sizes={"S": {"n": 1_000}, "M": {"n": 300_000}, "L": {"n": 4_000_000}},
        make_inputs_fn=make_inputs,
        implementations=(
            numpy_impl(numpy_folding, description="NumPy, constants rebuilt on every call"),
            numpy_impl(numpy_folding_precomputed, "numpy_precomputed",
                       description="NumPy, constant rotation hoisted out of the call"),
            jax_jit(jax_folding),
            jax_eager(jax_folding),
        ),
        cost_fn=cost,
        tolerance={"float32": (1e-5, 1e-5), "float64": (1e-12, 1e-12)},
    ),
)
