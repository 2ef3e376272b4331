"""cavity_flow: lid-driven cavity flow, the "12 steps to Navier-Stokes" solver (NPBench style).

Each time step builds the pressure source term from the velocity field, relaxes the
pressure Poisson equation with ``nit`` Jacobi sweeps, then advances both velocity
components with upwind advection, pressure gradient and diffusion; the lid moves at unit
speed.  NumPy runs it as shifted slices in Python loops (dozens of temporaries per step);
JAX compiles the whole solver with ``lax.fori_loop`` for both loops ("jax_jit") or runs the
NumPy program's Python loops op by op ("jax_eager", size S only: ~10^4 dispatches take seconds at M).  Time step and sweep
counts are compile-time constants; the time step is chosen stable for the grid, and the
initial velocities are small random fields so every entry of the result depends on the
inputs.  Returns ``(u, v, p)``.  Written from the equations.  Claims: jit, loop, fusion.
"""

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..registry import Cost, Inputs, Workload, jax_eager, jax_jit, numpy_impl

RHO = 1.0
NU = 0.1


def make_inputs(rng, dtype, side, nt, nit):
    u = 0.01 * rng.standard_normal((side, side))
    v = 0.01 * rng.standard_normal((side, side))
    p = np.zeros((side, side))
    return Inputs(tuple(a.astype(dtype) for a in (u, v, p)),
                  {"nt": nt, "nit": nit, "dt": stable_time_step(side)})


def stable_time_step(side):
    """A time step within the explicit scheme's diffusion (nu dt / dx^2 <= 1/4) and
    advection (|u| dt / dx <= 1/2 for |u| <= 1, the lid speed) limits, with margin."""
    dx = 2.0 / (side - 1)
    return min(1e-3, 0.2 * dx * dx / NU, 0.2 * dx)


def _interior(a):
    return a[1:-1, 1:-1]


def source_term(u, v, dx, dt):
    dudx = (u[1:-1, 2:] - u[1:-1, :-2]) / (2 * dx)
    dvdy = (v[2:, 1:-1] - v[:-2, 1:-1]) / (2 * dx)
    dudy = (u[2:, 1:-1] - u[:-2, 1:-1]) / (2 * dx)
    dvdx = (v[1:-1, 2:] - v[1:-1, :-2]) / (2 * dx)
    return RHO * ((dudx + dvdy) / dt - dudx**2 - 2 * dudy * dvdx - dvdy**2)


def pressure_sweep(p, b, dx):
    """One Jacobi sweep (dx = dy) of the pressure interior, before boundary conditions."""
    return 0.25 * (p[1:-1, 2:] + p[1:-1, :-2] + p[2:, 1:-1] + p[:-2, 1:-1]) - 0.25 * dx * dx * b


def velocity_update(u, v, p, dx, dt, along_x):
    """The new interior of u (along_x) or v, from the old fields."""
    f = u if along_x else v
    c = _interior(f)
    grad_p = (p[1:-1, 2:] - p[1:-1, :-2]) if along_x else (p[2:, 1:-1] - p[:-2, 1:-1])
    return (c - _interior(u) * dt / dx * (c - f[1:-1, :-2]) - _interior(v) * dt / dx * (c - f[:-2, 1:-1])
            - dt / (2 * RHO * dx) * grad_p
            + NU * dt / (dx * dx) * (f[1:-1, 2:] + f[1:-1, :-2] + f[2:, 1:-1] + f[:-2, 1:-1] - 4 * c))


def numpy_cavity(u, v, p, nt, nit, dt):
    dx = 2.0 / (u.shape[0] - 1)
    u, v, p = u.copy(), v.copy(), p.copy()
    for _ in range(nt):
        b = source_term(u, v, dx, dt)
        for _ in range(nit):
            p[1:-1, 1:-1] = pressure_sweep(p, b, dx)
            p[:, -1], p[0, :], p[:, 0], p[-1, :] = p[:, -2], p[1, :], p[:, 1], 0
        u_new = velocity_update(u, v, p, dx, dt, along_x=True)
        v_new = velocity_update(u, v, p, dx, dt, along_x=False)
        u[1:-1, 1:-1], v[1:-1, 1:-1] = u_new, v_new
        u[0, :], u[:, 0], u[:, -1], u[-1, :] = 0, 0, 0, 1
        v[0, :], v[-1, :], v[:, 0], v[:, -1] = 0, 0, 0, 0
    return u, v, p


def _pressure_boundary(p):
    p = p.at[:, -1].set(p[:, -2])
    p = p.at[0, :].set(p[1, :])
    p = p.at[:, 0].set(p[:, 1])
    return p.at[-1, :].set(0)


def _jax_pressure_step(p, b, dx):
    return _pressure_boundary(p.at[1:-1, 1:-1].set(pressure_sweep(p, b, dx)))


def _jax_velocity_step(u, v, p, dx, dt):
    u_new = velocity_update(u, v, p, dx, dt, along_x=True)
    v_new = velocity_update(u, v, p, dx, dt, along_x=False)
    u = u.at[1:-1, 1:-1].set(u_new)
    v = v.at[1:-1, 1:-1].set(v_new)
    u = u.at[0, :].set(0).at[:, 0].set(0).at[:, -1].set(0).at[-1, :].set(1)
    v = v.at[0, :].set(0).at[-1, :].set(0).at[:, 0].set(0).at[:, -1].set(0)
    return u, v


def jax_cavity(u, v, p, nt, nit, dt):
    """Both loops compiled: ``lax.fori_loop`` over time steps and pressure sweeps."""
    dx = 2.0 / (u.shape[0] - 1)

    def time_step(_, fields):
        u, v, p = fields
        b = source_term(u, v, dx, dt)
        p = lax.fori_loop(0, nit, lambda _, p: _jax_pressure_step(p, b, dx), p)
        u, v = _jax_velocity_step(u, v, p, dx, dt)
        return u, v, p

    return lax.fori_loop(0, nt, time_step, (u, v, p))


def jax_cavity_python_loops(u, v, p, nt, nit, dt):
    """The NumPy program's structure in JAX: Python loops, every array operation dispatched
    on its own when run without jit."""
    dx = 2.0 / (u.shape[0] - 1)
    for _ in range(nt):
        b = source_term(u, v, dx, dt)
        for _ in range(nit):
            p = _jax_pressure_step(p, b, dx)
        u, v = _jax_velocity_step(u, v, p, dx, dt)
    return u, v, p


def cost(dtype, side, nt, nit):
    # per interior point: source term ~20 flops, each pressure sweep 6, velocity updates ~2 x 20;
    # every sweep and step reads and writes its fields once.
    n = side * side
    return Cost(flops=nt * n * (60 + 6 * nit),
                bytes=nt * n * dtype.itemsize * (2 * nit + 8))


WORKLOADS = (
    Workload(
        name="cavity_flow",
        claims=("jit", "loop", "fusion"),
        area="npbench",
        description=__doc__,
        sizes={"S": {"side": 21, "nt": 3, "nit": 5}, "M": {"side": 101, "nt": 20, "nit": 50},
               "L": {"side": 2048, "nt": 1, "nit": 3}},
        make_inputs_fn=make_inputs,
        implementations=(
            numpy_impl(numpy_cavity, description="NumPy, shifted slices in Python loops"),
            jax_jit(jax_cavity, description="both loops as lax.fori_loop under jit", roles=("compiled",)),
            # ~0.5 ms per dispatched operation here: about 10 s per call at M
            jax_eager(jax_cavity_python_loops, sizes=("S",),
                      description="Python loops, JAX operations dispatched one by one (no jit)"),
        ),
        cost_fn=cost,
        tolerance={"float32": (1e-4, 1e-5), "float64": (1e-10, 1e-12)},
    ),
)
