"""stencil2d: Jacobi iterations of the 5-point Laplace stencil on a 2-D grid.

Each iteration replaces every interior point by the mean of its four neighbours, with the
boundary held fixed; the number of iterations is a compile-time constant.  NumPy writes
it with four shifted slices per iteration (three temporaries for the sums, one for the
product, and a copy of the grid).  JAX's idiomatic form, ``u.at[1:-1, 1:-1].set(...)``,
runs in a compiled ``lax.fori_loop`` ("jax_fori"), unrolled at trace time ("jax_jit") and
op by op ("jax_eager", sizes S and M).  On XLA's CPU backend (JAX 0.4.31 and 0.10.2) that
form does *not* fuse into one sweep: the update is done in place (a dynamic-update-slice),
so XLA first materialises the four shifted slices, about four grids of temporaries.
"jax_fori_where" computes the same step as one whole-grid select (the padded interior where
inside, the old value on the boundary), which XLA fuses into a single sweep with one grid
of temporaries: the pair measures what the fusion claim depends on.  Sizes: 32^2 x 10,
512^2 x 50, 4096^2 x 2 iterations (64 MB per grid in float32).  Claims: loop, fusion.
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


def neighbour_mean(u):
    """The mean of the four neighbours of every interior point."""
    return 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:])


def jacobi_step(u):
    return u.at[1:-1, 1:-1].set(neighbour_mean(u))


def jacobi_step_where(u):
    rows = lax.broadcasted_iota(jnp.int32, u.shape, 0)
    cols = lax.broadcasted_iota(jnp.int32, u.shape, 1)
    inside = (rows > 0) & (rows < u.shape[0] - 1) & (cols > 0) & (cols < u.shape[1] - 1)
    return jnp.where(inside, jnp.pad(neighbour_mean(u), 1), u)


def jax_unrolled(u, iterations):
    for _ in range(iterations):
        u = jacobi_step(u)
    return u


def jax_fori(u, iterations):
    return lax.fori_loop(0, iterations, lambda i, u: jacobi_step(u), u)


def jax_fori_where(u, iterations):
    return lax.fori_loop(0, iterations, lambda i, u: jacobi_step_where(u), u)


def cost(dtype, side, iterations):
    # 4 flops (3 adds, 1 multiply) per interior point and iteration; each iteration reads
    # and writes the grid once (the traffic of one fused sweep).
    return Cost(flops=4 * (side - 2) ** 2 * iterations,
                bytes=2 * side * side * iterations * dtype.itemsize)


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
            jax_jit(jax_fori, "jax_fori", description="u.at[1:-1, 1:-1].set in lax.fori_loop under jit",
                    roles=("compiled",)),
            jax_jit(jax_fori_where, "jax_fori_where",
                    description="whole-grid select in lax.fori_loop under jit"),
            jax_jit(jax_unrolled, "jax_jit", description="Python loop unrolled under jit"),
            jax_eager(jax_unrolled, "jax_eager", sizes=("S", "M")),  # over 1 s per call at L
        ),
        cost_fn=cost,
        # A mean of four values rounds at most ~2 ulps per iteration and averaging does not
        # amplify errors, so results agree to a few ulps of values in [0, 1].
        tolerance={"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-13)},
    ),
)
