"""nbody: all-pairs softened gravitational accelerations and one symplectic Euler step (NPBench style).

For N bodies, every pair's separation vector ``d[i, j] = r_j - r_i``, the softened inverse
cube distance ``(|d|^2 + eps^2)^(-3/2)`` and the mass-weighted sum over ``j`` give each
body's acceleration; a semi-implicit (symplectic) Euler step then updates the velocities
and, with the new velocities, the positions.  Both sides broadcast to N x N x 3 separations
(at size L, 2400 bodies: 69 MB in float32, 138 MB in float64).  NumPy contracts them with
``np.einsum`` (its fastest idiomatic form: no N x N x 3 product temporaries); JAX writes the
plain broadcast-and-sum chain, which XLA fuses into the reductions ("jax_jit") or runs op by
op ("jax_eager").  Returns ``(pos, vel)``.  Written from the physics.
Claims: jit, fusion, memory.
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


def numpy_accelerations(pos, mass):
    d = pos[None, :, :] - pos[:, None, :]                  # d[i, j] = r_j - r_i
    r2 = np.einsum("ijk,ijk->ij", d, d) + SOFTENING**2
    weight = mass[None, :] / (r2 * np.sqrt(r2))
    return G * np.einsum("ij,ijk->ik", weight, d)


def jax_accelerations(pos, mass):
    d = pos[None, :, :] - pos[:, None, :]
    r2 = jnp.sum(d * d, axis=-1) + SOFTENING**2
    weight = mass[None, :] / (r2 * jnp.sqrt(r2))
    return G * jnp.sum(weight[:, :, None] * d, axis=1)


def numpy_nbody(pos, vel, mass):
    vel = vel + DT * numpy_accelerations(pos, mass)
    return pos + DT * vel, vel


def jax_nbody(pos, vel, mass):
    vel = vel + DT * jax_accelerations(pos, mass)
    return pos + DT * vel, vel


def cost(dtype, n):
    # per pair: 3 subtractions, 3 squares + 3 adds (with the softening), sqrt, multiply and
    # divide (3), 3 multiplies and 3 adds for the weighted sum: 18 flops (sqrt counts one).
    # Compulsory traffic: positions, velocities and masses in, positions and velocities out.
    return Cost(flops=18 * n * n + 6 * n, bytes=(4 * 3 * n + n) * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="nbody",
        claims=("jit", "fusion", "memory"),
        area="npbench",
        description=__doc__,
        sizes={"S": {"n": 64}, "M": {"n": 1000}, "L": {"n": 2400}},
        make_inputs_fn=make_inputs,
        implementations=(
            numpy_impl(numpy_nbody, description="NumPy, broadcast separations contracted by einsum"),
            jax_jit(jax_nbody, description="broadcast-and-sum chain under jit (fused by XLA)", roles=("compiled",)),
            # op by op at L materialises every N x N x 3 temporary, ~1 s per call here
            jax_eager(jax_nbody, sizes=("S", "M")),
        ),
        cost_fn=cost,
        # Accelerations sum n terms of either sign; float32 loses ~1e-6 relative per term and
        # a body's acceleration can be small where the pulls cancel, hence the absolute part
        # (accelerations are O(1), times DT, added to O(1) positions and O(0.1) velocities).
        tolerance={"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-14)},
        # L grows the pairwise work and its N x N x 3 temporaries (69 MB in float32), not the
        # compulsory traffic (inputs and outputs are 13 n values, 125 kB at n = 2400).
        large_arrays=False,
    ),
)
