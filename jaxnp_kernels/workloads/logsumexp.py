"""logsumexp: row-wise stable log-sum-exp of a 2-D array, a fused map-reduce.

``log(sum(exp(x - max(x)))) + max(x)`` along the last axis: a reduction (max), an
elementwise chain (subtract, exp), a second reduction (sum) and a cheap epilogue.  NumPy
allocates the shifted and exponentiated rows as full-size temporaries; XLA can fuse the
elementwise chain into the second reduction.  This is the core of softmax and of every
classification loss.  Inputs are N(0, 3^2), a spread typical of a classifier's logits;
every result is finite.  "jax_nn" times the library function ``jax.nn.logsumexp``,
which adds handling of infinities.  Claims: fusion, reduction.
"""

import jax
import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl


def make_inputs(rng, dtype, rows, cols):
    return (rng.normal(0.0, 3.0, (rows, cols)).astype(dtype),)


def numpy_logsumexp(x):
    m = np.max(x, axis=-1, keepdims=True)
    return np.log(np.sum(np.exp(x - m), axis=-1)) + m[..., 0]


def jax_logsumexp(x):
    m = jnp.max(x, axis=-1, keepdims=True)
    return jnp.log(jnp.sum(jnp.exp(x - m), axis=-1)) + m[..., 0]


def jax_library_logsumexp(x):
    return jax.nn.logsumexp(x, axis=-1)


def cost(dtype, rows, cols):
    # Per element: max, subtract, exp, add (4; a transcendental counts as one); per row: log
    # and add.  Compulsory traffic: x read once, one value per row written.
    n = rows * cols
    return Cost(flops=4 * n + 2 * rows, bytes=(n + rows) * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="logsumexp",
        claims=("fusion", "reduction"),
        area="reductions",
        description=__doc__,
        sizes={"S": {"rows": 64, "cols": 128}, "M": {"rows": 1000, "cols": 1000},
               "L": {"rows": 4096, "cols": 4096}},
        make_inputs_fn=make_inputs,
        implementations=(
            numpy_impl(numpy_logsumexp, description="NumPy, written out: two full-size temporaries"),
            jax_jit(jax_logsumexp, description="JAX, written out, under jit", roles=("compiled",)),
            jax_eager(jax_logsumexp, description="JAX, written out, op by op"),
            jax_jit(jax_library_logsumexp, "jax_nn", description="jax.nn.logsumexp under jit"),
        ),
        cost_fn=cost,
        # Results are ~10-20; measured deviations: ~1% of the float32 bound, 0.02% of float64's.
        tolerance={"float32": (1e-5, 1e-5), "float64": (1e-12, 1e-12)},
    ),
)
