"""stencil2d: Jacobi iterations of the 5-point Laplace stencil on a 2-D grid.

Each iteration replaces every interior point by the mean of its four neighbours, with the
boundary held fixed.  NumPy writes it with four shifted slices per iteration (four
temporaries and a copy); XLA fuses the four reads and the update into one sweep, either in
a compiled ``lax.fori_loop`` ("jax_fori") or unrolled at trace time ("jax_jit").  The
number of iterations is a compile-time constant.  The L grid is 4096^2 (64 MB in float32).
Claims: loop, fusion.
"""

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..registry import Cost, Inputs, Workload, jax_eager, jax_jit, numpy_impl


def make_inputs(rng, dtype, side, iterations):
    u = rng.uniform(0.0, 1.0, (side, side))
    u[0, :], u[-1, :], u[:, 0], u[:, -1] = 1.0, 0.0, 0.5, 0.25  # fixed boundary values
    return Inputs((u.astype(dtype),), {"iterations": iterations})


def numpy_jacobi(u, iterations):
    for _ in range(iterations):
        new = u.copy()
        new[1:-1, 1:-1] = 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:])
        u = new
    return u


def jacobi_step(u):
    interior = 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:])
    return u.at[1:-1, 1:-1].set(interior)


def jax_unrolled(u, iterations):
    for _ in range(iterations):
        u = jacobi_step(u)
    return u


def jax_fori(u, iterations):
    return lax.fori_loop(0, iterations, lambda i, u: jacobi_step(u), u)


def cost(dtype, side, iterations):
    # 4 flops per interior point and iteration; each iteration reads and writes the grid once.
    return Cost(flops=4 * (side - 2) ** 2 * iterations, bytes=2 * side * side * iterations * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="stencil2d",
        claims=("loop", "fusion"),
        area="stencils",
        description=__doc__,
        sizes={"S": {"side": 32, "iterations": 10}, "M": {"side": 512, "iterations": 50},
               "L": {"side": 4096, "iterations": 2}},
        make_inputs_fn=make_inputs,
        implementations=(
            numpy_impl(numpy_jacobi, description="NumPy, shifted slices, Python loop"),
            jax_jit(jax_fori, "jax_fori", description="lax.fori_loop under jit"),
            jax_jit(jax_unrolled, "jax_jit", description="Python loop unrolled under jit"),
            jax_eager(jax_unrolled, "jax_eager", sizes=("S", "M")),  # over 1 s per call at L
        ),
        cost_fn=cost,
        tolerance={"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-13)},
    ),
)
