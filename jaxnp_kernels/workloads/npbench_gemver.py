"""gemver: the PolyBench vector multiplication and matrix addition kernel.

``A_hat = A + u1 v1^T + u2 v2^T``, ``x = x + beta A_hat^T y + z``, ``w = w + alpha A_hat x``:
two rank-1 updates of an n x n matrix followed by two matrix-vector products with it.
Bandwidth-bound BLAS-2 work: NumPy makes several full passes (two outer products, two
adds, two gemv), XLA can fuse the rank-1 updates into one pass.  Returns
``(A_hat, x, w)``.  Written from PolyBench's definition.  Claims: blas, fusion.
"""

import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl

ALPHA = 1.5
BETA = 1.2


def make_inputs(rng, dtype, n):
    a = rng.uniform(-1.0, 1.0, (n, n))
    vectors = [rng.uniform(-1.0, 1.0, n) for _ in range(8)]  # u1 v1 u2 v2 w x y z
    return tuple(v.astype(dtype) for v in [a, *vectors])


def gemver(xp, a, u1, v1, u2, v2, w, x, y, z):
    a_hat = a + xp.outer(u1, v1) + xp.outer(u2, v2)
    x = x + BETA * (y @ a_hat) + z
    w = w + ALPHA * (a_hat @ x)
    return a_hat, x, w


def numpy_gemver(*args):
    return gemver(np, *args)


def jax_gemver(*args):
    return gemver(jnp, *args)


def cost(dtype, n):
    # rank-1 updates: 4 n^2; two gemv: 4 n^2; vector updates: O(n).  A read once and A_hat
    # written once (the gemvs re-read it: counted once, as a fused kernel would).
    return Cost(flops=8 * n * n + 6 * n, bytes=(2 * n * n + 8 * n) * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="gemver",
        claims=("blas", "fusion"),
        area="npbench",
        description=__doc__,
        sizes={"S": {"n": 100}, "M": {"n": 2000}, "L": {"n": 4096}},
        make_inputs_fn=make_inputs,
        implementations=(numpy_impl(numpy_gemver), jax_jit(jax_gemver, roles=("compiled",)), jax_eager(jax_gemver)),
        cost_fn=cost,
        # The outputs range from |A_hat| ~ 3 to |w| ~ 10^5 (at L), and x and w are sums of n
        # products that cancel: an entry near zero carries the rounding error of its terms, which
        # grows with the output's size, so atol is a fraction of each output's largest magnitude.
        # Measured (JAX 0.10.2 against NumPy, largest |deviation| / largest |output|, any size):
        # float32 2.8e-6 (x at L), float64 5.0e-15 (x at L): the atol leaves 7 and 10 times that.
        # Entries off by 0.1% fail: the largest one by far more than rtol plus that atol allow.
        tolerance={"float32": (1e-4, 2e-5), "float64": (1e-11, 5e-14)},
        atol_scales_with_output=True,
    ),
)
