"""compile_chain: an unrolled chain of N elementwise steps, so compile cost grows with N.

``x <- sin(x) * a_i + b_i`` for i = 1..N, with different constants per step so nothing is
deduplicated, on a small array: the run itself is cheap, so the figures that matter are
the cost of tracing, lowering and compiling a graph of 3 N operations (measured from cold
caches by the compile benchmarks), the first-call latency, and what JAX's persistent
compilation cache saves a new process.  Steady-state, a fused compiled chain should beat
NumPy's 3 N ufunc calls and op-by-op JAX's 3 N dispatches by a wide margin.  N is 10, 100
and 1000 for S, M and L.  Claims: compile, jit.
"""

import math

import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Inputs, Workload, jax_eager, jax_jit, numpy_impl

ARRAY_SIZE = 1024


def step_constants(i):
    # |d/dx (sin(x) a + b)| <= a < 0.9: the chain contracts, so rounding does not grow with N.
    return 0.5 + 0.4 * math.cos(i), 0.1 * math.sin(i)


def make_inputs(rng, dtype, links):
    return Inputs((rng.uniform(-1.0, 1.0, ARRAY_SIZE).astype(dtype),), {"links": links})


def numpy_chain(x, links):
    for i in range(links):
        a, b = step_constants(i)
        x = np.sin(x) * a + b
    return x


def jax_chain(x, links):
    for i in range(links):
        a, b = step_constants(i)
        x = jnp.sin(x) * a + b
    return x


def cost(dtype, links):
    # three operations per element and link; the small array is read and written once (fused).
    return Cost(flops=3 * ARRAY_SIZE * links, bytes=2 * ARRAY_SIZE * dtype.itemsize * links)


WORKLOADS = (
    Workload(
        name="compile_chain",
        claims=("compile", "jit"),
        area="compile",
        description=__doc__,
        sizes={"S": {"links": 10}, "M": {"links": 100}, "L": {"links": 1000}},
        make_inputs_fn=make_inputs,
        implementations=(numpy_impl(numpy_chain), jax_jit(jax_chain, roles=("compiled",)), jax_eager(jax_chain)),
        cost_fn=cost,
        tolerance={"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-13)},
        large_arrays=False,
    ),
)
