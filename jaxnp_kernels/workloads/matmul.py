"""matmul: square matrix product, the BLAS claim, in float32 and float64.

``a @ b`` on n x n matrices: NumPy calls its BLAS (OpenBLAS here), JAX on CPU calls XLA's
CPU dot kernel (whose GEMM library has changed between releases).  Both should run near the
machine's matmul peak; the measure is GFLOP/s (2 n^3 flops) against the peak the machine
probe reports, per dtype.  On CPU, JAX's default matmul precision for float32 is full float32
(the deviations from NumPy stay at float32 rounding level; a bfloat16-pass product would be
off by ~1e-2 and fail verification).  Size L (n = 2400, 27.6 GFLOP) moves three matrices,
69 MB in float32, and takes about 0.3-0.5 s per call on two cores.  Claim: blas.
"""

import jax.numpy as jnp  # noqa: F401  (the @ operator dispatches to jnp on JAX arrays)
import numpy as np

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl


def make_inputs(rng, dtype, n):
    return (rng.standard_normal((n, n)).astype(dtype), rng.standard_normal((n, n)).astype(dtype))


def matmul(a, b):
    return a @ b


def cost(dtype, n):
    # 2 n^3 flops (multiply + add); two matrices read, one written.
    return Cost(flops=2 * n**3, bytes=3 * n * n * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="matmul",
        claims=("blas",),
        area="linalg",
        description=__doc__,
        sizes={"S": {"n": 64}, "M": {"n": 512}, "L": {"n": 2400}},
        make_inputs_fn=make_inputs,
        implementations=(numpy_impl(matmul), jax_jit(matmul, roles=("compiled",)), jax_eager(matmul)),
        threads=True,
        cost_fn=cost,
        # Entries are sums of n products of N(0,1) values (magnitude ~sqrt(n)); blocked
        # summation error grows like eps*sqrt(n)*|entry|.  atol covers entries near zero at
        # n = 2400 (measured float32 deviations: 14% of this tolerance at n = 2896).
        tolerance={"float32": (1e-4, 2e-3), "float64": (1e-10, 1e-10)},
    ),
)
