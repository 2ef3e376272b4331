"""dense_solve: one general linear system (LU) and one Cholesky factorisation of a dense n x n matrix.

The large counterpart of batched_linalg.py, whose systems are tiny and many.  One call solves
``A X = B`` for a general (non-symmetric) well-conditioned ``A`` with a block of right-hand
sides ``B`` (LU with partial pivoting) and factors a symmetric positive definite ``S`` as
``S = L L^T``, returning ``(X, L)``.  NumPy's ``np.linalg.solve`` and ``np.linalg.cholesky``
call LAPACK (``gesv``, ``potrf``) through OpenBLAS; JAX's ``jnp.linalg.solve`` and
``jnp.linalg.cholesky`` under one ``jax.jit`` call jaxlib's LAPACK kernels (``getrf`` and two
``trsm`` triangular solves, ``potrf`` and a mask zeroing the upper triangle): the same routines,
called separately.  Returning the factor rather than a solve with it is what NumPy alone
allows: it has no triangular solve, so a NumPy engineer without SciPy factors with
``cholesky`` and solves with ``solve``.

At size M (n = 64, 8 right-hand sides, 16 KB matrices) the two LAPACK calls take microseconds
and the per-call dispatch of each side (NumPy's gufunc machinery and error checks, JAX's
executable launch and its custom-call plumbing) dominates.  At size L (n = 2048, 64
right-hand sides) the O(n^3) factorisations dominate: blocked LAPACK on both sides, where the
comparison is of the two libraries' kernels and their threading.  Claim: blas.
"""

import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Workload, jax_jit, numpy_impl


def make_inputs(rng, dtype, n, k):
    # A = I + G / (4 sqrt(n)), G standard normal: the largest singular value of G / sqrt(n) is
    # ~2, so A's singular values lie in ~[0.5, 1.5] (condition number ~3) while its off-diagonal
    # entries are O(1/sqrt(n)), not negligible.  S = I + sym(G') / (4 sqrt(2 n)): the symmetric
    # part has spectral norm ~0.5 (semicircle law), so S's eigenvalues lie in ~[0.5, 1.5] and S
    # is positive definite with condition number ~3.  Both are checked at sizes S and M by
    # tests/test_dense_linalg.py; no O(n^3) product is needed to build them.
    a = np.eye(n) + rng.standard_normal((n, n)) / (4 * np.sqrt(n))
    g = rng.standard_normal((n, n))
    s = np.eye(n) + (g + g.T) / (4 * np.sqrt(2 * n))
    b = rng.standard_normal((n, k))
    return a.astype(dtype), b.astype(dtype), s.astype(dtype)


def numpy_dense_solve(a, b, s):
    return np.linalg.solve(a, b), np.linalg.cholesky(s)


def jax_dense_solve(a, b, s):
    return jnp.linalg.solve(a, b), jnp.linalg.cholesky(s)


def cost(dtype, n, k):
    # LU: 2/3 n^3; forward and back substitution for k right-hand sides: 2 n^2 k; Cholesky:
    # 1/3 n^3 (leading terms, as LAPACK's operation counts).  Bytes: A, B and S read once,
    # X and L written once (L as the full n x n array both libraries return).
    flops = 2 * n**3 / 3 + 2 * n * n * k + n**3 / 3
    return Cost(flops=flops, bytes=(3 * n * n + 2 * n * k) * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="dense_solve",
        claims=("blas",),
        area="linalg",
        description=__doc__,
        sizes={"S": {"n": 8, "k": 2}, "M": {"n": 64, "k": 8}, "L": {"n": 2048, "k": 64}},
        make_inputs_fn=make_inputs,
        implementations=(
            numpy_impl(numpy_dense_solve, description="np.linalg.solve (gesv) and np.linalg.cholesky (potrf)"),
            jax_jit(jax_dense_solve, description="jnp.linalg.solve and jnp.linalg.cholesky under one jax.jit",
                    roles=("compiled",)),
        ),
        cost_fn=cost,
        # L is n = 2048: 49 MiB read and written in float32 (below the 64 MB mark), but the work
        # grows as n^3 (9.1 GFLOP); n = 2560 would pass 64 MB at 0.5 s or more per call per side
        # on 2 cores (measured), beyond the L budget.
        large_arrays=False,
        # Solutions are O(1) (up to 5.1 at L; condition numbers ~3) and L's entries at most ~1.1.
        # Measured against NumPy, identical on JAX 0.4.31 and 0.10.2: float32 X deviates by at
        # most 1.7e-6 absolute (L; 7e-7 at M), the factor by 1.2e-7 (one ulp), i.e. at most 25% of
        # (1e-5, 2e-6); float64 is bit-identical at S, M and L (the same LAPACK routines), so
        # (1e-12, 1e-13) only leaves room for another BLAS build.  A 0.1% change of the factor's
        # diagonal (~1) or of any solution entry above 0.2 fails.
        tolerance={"float32": (1e-5, 2e-6), "float64": (1e-12, 1e-13)},
    ),
)
