"""fused_chain: ``sin(x) * exp(x) + log(x + 1)``, the folklore's fusion example, made sound.

NumPy evaluates the chain one ufunc at a time and materialises four full-size
temporaries; XLA fuses the chain into one loop that reads ``x`` once and writes
the result once.  The measure is the time and the intermediate bytes of each side.
The folklore runs it on ``arange(1_000_000)``, where ``exp`` overflows to inf beyond
88 (float32) or 709 (float64), so most of the result is inf and nothing about it
can be checked; here ``x`` is uniform in [0, 8), where every term is finite.
Claims: fusion, memory, jit.
"""

import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl


def make_inputs(rng, dtype, n):
    return (rng.uniform(0.0, 8.0, n).astype(dtype),)


def numpy_chain(x):
    return np.sin(x) * np.exp(x) + np.log(x + 1)


def jax_chain(x):
    return jnp.sin(x) * jnp.exp(x) + jnp.log(x + 1)


def cost(dtype, n):
    # sin, exp, log, two adds and a multiply: six operations per element (a transcendental
    # counts as one); compulsory traffic is one read of x and one write of the result.
    return Cost(flops=6 * n, bytes=2 * n * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="fused_chain",
        claims=("fusion", "memory", "jit"),
        area="elementwise",
        description=__doc__,
        sizes={"S": {"n": 10_000}, "M": {"n": 1_000_000}, "L": {"n": 1 << 24}},
        make_inputs_fn=make_inputs,
        implementations=(numpy_impl(numpy_chain), jax_jit(jax_chain, roles=("compiled",)), jax_eager(jax_chain)),
        threads=True,
        cost_fn=cost,
        tolerance={"float32": (2e-5, 1e-5), "float64": (1e-12, 1e-12)},
    ),
)
