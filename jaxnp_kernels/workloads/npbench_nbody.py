"""nbody: all-pairs softened gravitational accelerations and one leapfrog step (NPBench style).

For N bodies, every pair's separation vector, the softened inverse cube distance
``(|r|^2 + eps^2)^(-3/2)`` and the mass-weighted sum give each body's acceleration; a
kick-drift-kick leapfrog step then updates velocities and positions.  Broadcasting builds
N x N x 3 temporaries in NumPy (the L size makes them several hundred MB); XLA fuses the
pairwise chain into the reduction.  Written from the physics.  Claims: jit, fusion, memory.
"""

import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl

G = 1.0
SOFTENING = 0.1
DT = 0.01


def make_inputs(rng, dtype, n):
    pos = rng.standard_normal((n, 3))
    vel = rng.standard_normal((n, 3)) * 0.1
    mass = rng.uniform(0.5, 1.5, n) / n
    return pos.astype(dtype), vel.astype(dtype), mass.astype(dtype)


def accelerations(xp, pos, mass):
    d = pos[None, :, :] - pos[:, None, :]                  # d[i, j] = r_j - r_i
    inv_r3 = (xp.sum(d * d, axis=-1) + SOFTENING**2) ** -1.5
    return G * xp.sum(d * (inv_r3 * mass[None, :])[:, :, None], axis=1)


def leapfrog(xp, pos, vel, mass):
    vel = vel + 0.5 * DT * accelerations(xp, pos, mass)
    pos = pos + DT * vel
    vel = vel + 0.5 * DT * accelerations(xp, pos, mass)
    return pos, vel


def numpy_nbody(pos, vel, mass):
    return leapfrog(np, pos, vel, mass)


def jax_nbody(pos, vel, mass):
    return leapfrog(jnp, pos, vel, mass)


def cost(dtype, n):
    # per pair and force evaluation: 3 subtractions, 3 squares + 2 adds, softening add, the
    # power (1), mass product (1), 3 multiplies and 3 adds: ~20 flops; two evaluations.
    # Compulsory traffic: positions, velocities and masses in, positions and velocities out.
    return Cost(flops=40 * n * n, bytes=(4 * 3 * n + n) * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="nbody",
        claims=("jit", "fusion", "memory"),
        area="npbench",
        description=__doc__,
        sizes={"S": {"n": 64}, "M": {"n": 1000}, "L": {"n": 1500}},
        make_inputs_fn=make_inputs,
        implementations=(numpy_impl(numpy_nbody), jax_jit(jax_nbody), jax_eager(jax_nbody)),
        cost_fn=cost,
        tolerance={"float32": (1e-4, 1e-5), "float64": (1e-11, 1e-12)},
        # The pairwise temporaries (N x N x 3) are what leaves the cache, not the compulsory
        # traffic: L = 1500 bodies makes 54 MB temporaries in float64, 27 MB in float32.
        large_arrays=False,
    ),
)
