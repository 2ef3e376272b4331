"""elementwise: ``x * a + b`` over one large array, the bandwidth-bound baseline.

One multiply-add per element reads the array once and writes it once, so any decent
implementation runs at the machine's memory bandwidth and no compiler can do much
better: this is the workload that shows what *no* speedup looks like, and the
fraction of copy bandwidth each side reaches.  Claims: jit (the jitted version
against op-by-op JAX), threads (one core vs all, since NumPy's ufuncs are
single-threaded and XLA's CPU backend is not).
"""

import jax.numpy as jnp  # noqa: F401  (JAX implementations use jnp-compatible operators)
import numpy as np

from ..registry import Cost, Inputs, Workload, jax_eager, jax_jit, numpy_impl


def make_inputs(rng, dtype, n):
    x = rng.uniform(-1.0, 1.0, n).astype(dtype)
    return Inputs((x,), {"a": 1.5, "b": 0.25})


def axpb(x, a, b):
    """Works for NumPy and JAX arrays alike: Python scalars keep the array's dtype."""
    return x * a + b


def cost(dtype, n):
    return Cost(flops=2 * n, bytes=2 * n * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="elementwise",
        claims=("jit", "threads"),
        area="elementwise",
        description=__doc__,
        sizes={"S": {"n": 10_000}, "M": {"n": 1_000_000}, "L": {"n": 1 << 24}},
        make_inputs_fn=make_inputs,
        implementations=(numpy_impl(axpb), jax_jit(axpb, roles=("compiled",)), jax_eager(axpb)),
        threads=True,
        cost_fn=cost,
    ),
)
