"""dot_reduction: ``sum(x * y)`` over two large vectors, the fused-reduction claim.

Written the way people write it, ``np.sum(x * y)`` materialises the product as a full-size
temporary (n elements written, then read back); the claim is that XLA fuses the multiply
into the reduction and never stores the product.  The fair NumPy answer, ``np.dot(x, y)``, also avoids the
temporary (through BLAS), so it is timed too ("numpy_dot"): the workload shows whether
fusion beats the naive NumPy code, the idiomatic one, both or neither, and the GB/s each
reaches against the machine's copy bandwidth (2 n elements must be read; nothing else).
Whether XLA fuses depends on the release: on JAX 0.10.2 (CPU) the compiled program is one
fused multiply-reduce with 0 temporary bytes; on 0.4.31 it materialises the product (a
temporary of n elements, as NumPy does) and then reduces it in a tree of reduce-windows,
so the memory and time figures of this workload track the claim across releases.
Both vectors are uniform in [0, 1), so the sum equals the sum of |x * y| and is perfectly
conditioned: every summation order (NumPy's pairwise sum, BLAS's blocked dot, XLA's tree
reduction) agrees to a relative 1e-4 in float32 even at n = 2**24, where OpenBLAS's
``sdot`` is off by 4e-5, and a result off by 0.1% fails.  Claims: reduction, fusion, memory.
"""

import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl


def make_inputs(rng, dtype, n):
    return rng.uniform(0.0, 1.0, n).astype(dtype), rng.uniform(0.0, 1.0, n).astype(dtype)


def numpy_sum_of_product(x, y):
    return np.sum(x * y)


def numpy_dot(x, y):
    return np.dot(x, y)


def jax_sum_of_product(x, y):
    return jnp.sum(x * y)


def cost(dtype, n):
    # One multiply and one add per element; compulsory traffic is both vectors read once
    # (the scalar result is negligible).  The temporary of np.sum(x * y) is not compulsory.
    return Cost(flops=2 * n, bytes=2 * n * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="dot_reduction",
        claims=("reduction", "fusion", "memory"),
        area="reductions",
        description=__doc__,
        sizes={"S": {"n": 10_000}, "M": {"n": 2_000_000}, "L": {"n": 1 << 24}},
        make_inputs_fn=make_inputs,
        implementations=(
            numpy_impl(numpy_sum_of_product, description="NumPy np.sum(x * y): a temporary product"),
            numpy_impl(numpy_dot, "numpy_dot", description="NumPy np.dot(x, y): BLAS, no temporary",
                       roles=("numpy_alternative",)),
            jax_jit(jax_sum_of_product, description="JAX jnp.sum(x * y) under jit: multiply fused into the sum",
                    roles=("compiled",)),
            jax_eager(jax_sum_of_product, description="JAX jnp.sum(x * y) op by op: a temporary product"),
        ),
        cost_fn=cost,
        # Relative to a well-conditioned sum (see the docstring): float32 deviations measured
        # up to 4e-5 (OpenBLAS sdot at n = 2**24), float64 ones below 1e-13.
        tolerance={"float32": (3e-4, 0.0), "float64": (1e-11, 0.0)},
    ),
)
