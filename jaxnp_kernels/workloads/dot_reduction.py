"""dot_reduction: ``sum(x * y)`` over two large vectors, the fused-reduction claim.

Written the way people write it, ``np.sum(x * y)`` materialises the product as a full-size
temporary and then reads it back; XLA fuses the multiply into the reduction and never
stores the product.  The fair NumPy answer, ``np.dot(x, y)``, also avoids the temporary
(through BLAS), so it is timed too: the workload shows whether fusion beats the naive
NumPy code, the idiomatic one, both or neither, and the GB/s each reaches against the
machine's copy bandwidth.  Claims: reduction, fusion, memory.
"""

import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl


def make_inputs(rng, dtype, n):
    return rng.uniform(-1.0, 1.0, n).astype(dtype), rng.uniform(-1.0, 1.0, n).astype(dtype)


def numpy_sum_of_product(x, y):
    return np.sum(x * y)


def numpy_dot(x, y):
    return np.dot(x, y)


def jax_sum_of_product(x, y):
    return jnp.sum(x * y)


def cost(dtype, n):
    # one multiply and one add per element; both vectors read once, a scalar written.
    return Cost(flops=2 * n, bytes=2 * n * dtype.itemsize)


def check_sum(result, reference, rtol, atol):
    """Compare a sum against the reference relative to the sum's condition (sum |x*y|).

    Summation order differs between NumPy (pairwise), BLAS and XLA (tree), so the error
    bound scales with n * eps * sum|x*y|, not with the (possibly small) sum itself.
    """
    deviation = abs(float(result) - float(reference))
    ok = deviation <= atol + rtol * abs(float(reference))
    return ok, f"deviation {deviation:.3g} (allowed {atol + rtol * abs(float(reference)):.3g})"


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
            numpy_impl(numpy_dot, "numpy_dot", description="NumPy np.dot(x, y): BLAS, no temporary"),
            jax_jit(jax_sum_of_product),
            jax_eager(jax_sum_of_product),
        ),
        cost_fn=cost,
        # The sum of n products of uniform(-1,1) values has magnitude ~sqrt(n)/3, while the
        # rounding error of any summation order grows like eps*sqrt(n)*n/3: an absolute bound
        # in units of sqrt(n) would be ideal; these bounds hold up to n = 2**24 with margin.
        tolerance={"float32": (1e-3, 2e-1), "float64": (1e-9, 1e-8)},
        check=check_sum,
    ),
)
