"""go_fast: the Numba tutorial kernel, ``a + sum(tanh(diag(a)))``, in the style of NPBench.

A trace of ``tanh`` over the diagonal (n transcendental evaluations) followed by a
broadcast add over the whole n x n matrix: the second part dominates and is
bandwidth-bound (read the matrix, write the result).  NumPy makes two passes
(``np.diagonal`` is a view, so only the add is full size); XLA fuses the trace and the add.
Written from the kernel's definition.  Claims: jit, fusion.
"""

import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl


def make_inputs(rng, dtype, n):
    return (rng.uniform(-1.0, 1.0, (n, n)).astype(dtype),)


def numpy_go_fast(a):
    return a + np.sum(np.tanh(np.diagonal(a)))


def jax_go_fast(a):
    return a + jnp.sum(jnp.tanh(jnp.diagonal(a)))


def cost(dtype, n):
    # n tanh + n adds for the trace, n^2 adds; the matrix read once and written once.
    return Cost(flops=2 * n + n * n, bytes=2 * n * n * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="go_fast",
        claims=("jit", "fusion"),
        area="npbench",
        description=__doc__,
        sizes={"S": {"n": 100}, "M": {"n": 1000}, "L": {"n": 4096}},
        make_inputs_fn=make_inputs,
        implementations=(numpy_impl(numpy_go_fast), jax_jit(jax_go_fast, roles=("compiled",)),
                         jax_eager(jax_go_fast)),
        cost_fn=cost,
        tolerance={"float32": (1e-5, 1e-5), "float64": (1e-12, 1e-12)},
    ),
)
