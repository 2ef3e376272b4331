"""Batched linear algebra: many small systems solved under ``jax.vmap``, and the gradient through the solve.

Two workloads.  "batched_solve" solves a batch of small symmetric positive definite systems
``A_i x_i = b_i`` by LU and by Cholesky; "batched_solve_grad" differentiates a loss through a
batched solve of small general (non-symmetric) systems.  Both are measured where per-matrix
overhead dominates (thousands of 8 x 8 systems at size M); at size L the first grows the batch
(64 MB of 16 x 16 systems), the second solves one large system.  NumPy's ``np.linalg.solve``
broadcasts over leading axes (one gufunc call, a C loop over LAPACK's ``gesv``): that is
idiomatic NumPy, and the reference.  JAX writes the per-system function and lets ``jax.vmap``
add the batch axis.  Claims: vmap (batched_solve), grad (batched_solve_grad).
"""

import jax
import jax.numpy as jnp
import jax.scipy.linalg
import numpy as np

from ..registry import Cost, Workload, jax_jit, numpy_impl


# -- batched_solve -------------------------------------------------------------------------------

def make_spd_systems(rng, dtype, batch, n):
    # A = G G^T / n + I with G standard normal: symmetric positive definite, eigenvalues in
    # [1, ~(1 + sqrt(1))^2 + 1] = [1, ~5] for large n (a little wider for n = 4 or 8), so every
    # system is well conditioned in float32.
    g = rng.standard_normal((batch, n, n))
    a = g @ g.swapaxes(-1, -2) / n + np.eye(n)
    b = rng.standard_normal((batch, n))
    return a.astype(dtype), b.astype(dtype)


def numpy_solve(a, b):
    # b[..., None]: since NumPy 2, a batched right-hand side must be a stack of columns.
    return np.linalg.solve(a, b[..., None])[..., 0]


def numpy_solve_loop(a, b):
    """One ``np.linalg.solve`` call per system: the loop users write before they batch."""
    return np.stack([np.linalg.solve(a_i, b_i) for a_i, b_i in zip(a, b)])


def solve_one(a, b):
    """The per-system function: LU with partial pivoting, as np.linalg.solve."""
    return jnp.linalg.solve(a, b)


def cholesky_solve_one(a, b):
    """The per-system function exploiting symmetry: Cholesky factor, two triangular solves."""
    return jax.scipy.linalg.cho_solve(jax.scipy.linalg.cho_factor(a), b)


def jax_vmap_solve(a, b):
    return jax.vmap(solve_one)(a, b)


def jax_vmap_cholesky_solve(a, b):
    return jax.vmap(cholesky_solve_one)(a, b)


def solve_cost(dtype, batch, n):
    # LU: 2/3 n^3; forward and back substitution: 2 n^2 (the Cholesky path does half the
    # factorisation flops; the count follows the reference).  A and b read once, x written once.
    return Cost(flops=batch * (2 * n**3 / 3 + 2 * n**2), bytes=batch * (n * n + 2 * n) * dtype.itemsize)


BATCHED_SOLVE = Workload(
    name="batched_solve",
    claims=("vmap",),
    area="linalg",
    description=(
        "A batch of small symmetric positive definite systems A_i x_i = b_i (8 x 8 at size M, "
        "16 x 16 at L), NumPy against jax.vmap.  'numpy' is np.linalg.solve broadcasting over the "
        "batch (one gufunc call: LU per system in C); 'numpy_loop' is the per-system Python loop "
        "of np.linalg.solve that users write before they batch (a legitimate baseline, timed at S "
        "and M only).  'jax_vmap' is jax.jit(jax.vmap(jnp.linalg.solve)), the same LU with "
        "partial pivoting; 'jax_vmap_cholesky' vmaps cho_factor/cho_solve, the decomposition an "
        "SPD system allows (half the factorisation flops; NumPy has no batched triangular solve, "
        "so its side stays LU).  At M (2048 systems) per-system overhead dominates; L holds 64 MB "
        "of matrices (65536 systems of 16 x 16).  Claim: vmap."),
    sizes={"S": {"batch": 16, "n": 4}, "M": {"batch": 2048, "n": 8}, "L": {"batch": 65536, "n": 16}},
    make_inputs_fn=make_spd_systems,
    implementations=(
        numpy_impl(numpy_solve, description="np.linalg.solve broadcast over the batch (LU, gesv)"),
        numpy_impl(numpy_solve_loop, "numpy_loop", sizes=("S", "M"),
                   description="NumPy, Python loop of np.linalg.solve per system", roles=("python_loop",)),
        jax_jit(jax_vmap_solve, "jax_vmap", description="jax.jit(jax.vmap(jnp.linalg.solve)), LU",
                roles=("compiled", "vmapped")),
        jax_jit(jax_vmap_cholesky_solve, "jax_vmap_cholesky",
                description="jax.jit(jax.vmap(cho_solve(cho_factor(a), b))), Cholesky"),
    ),
    cost_fn=solve_cost,
    # Solutions are O(1) (eigenvalues of A >= 1); LAPACK's and XLA's LU and the Cholesky path
    # round differently.  Measured at L in float32: 1.2e-6 absolute at most, 2% of (1e-4, 1e-5),
    # so (2e-5, 2e-6) leaves a 5x margin; float64 at M uses 0.02% of the defaults.
    tolerance={"float32": (2e-5, 2e-6), "float64": (1e-10, 1e-12)},
)


# -- batched_solve_grad --------------------------------------------------------------------------

def make_general_systems(rng, dtype, batch, n):
    # A = I + E with E uniform in (-0.5/n, 0.5/n): off-diagonal row (and column) sums stay below
    # 0.5 while the diagonal stays above 1 - 0.5/n, so every A is strictly diagonally dominant
    # with margin >= 0.5: ||A^-1||_inf <= 2, ||A||_inf <= 1.5, condition number <= 3.  Not
    # symmetric, so the adjoint solve with A^T is a different system.
    a = np.eye(n) + rng.uniform(-0.5, 0.5, (batch, n, n)) / n
    b = rng.standard_normal((batch, n))
    w = rng.standard_normal((batch, n))
    return a.astype(dtype), b.astype(dtype), w.astype(dtype)


def numpy_solve_grad(a, b, w):
    """Hand-written adjoint of loss = sum(solve(A, b) * w).

    With x = A^-1 b and lambda = A^-T w: d loss / d b = lambda and d loss / d A = -lambda x^T.
    NumPy cannot reuse an LU factorisation, so the adjoint system costs a second one.
    """
    x = np.linalg.solve(a, b[..., None])[..., 0]
    lam = np.linalg.solve(a.swapaxes(-1, -2), w[..., None])[..., 0]
    return -lam[..., :, None] * x[..., None, :], lam


def solve_loss(a, b, w):
    return jnp.sum(jax.vmap(solve_one)(a, b) * w)


def jax_solve_grad(a, b, w):
    return jax.grad(solve_loss, argnums=(0, 1))(a, b, w)


def grad_cost(dtype, batch, n):
    # Per system: one LU (2/3 n^3; NumPy does two, the count follows the work needed), two pairs
    # of triangular solves (4 n^2 for x and lambda), the outer product (n^2).  Reads A, b, w;
    # writes dA and db.
    flops = batch * (2 * n**3 / 3 + 5 * n**2)
    return Cost(flops=flops, bytes=batch * (2 * n * n + 3 * n) * dtype.itemsize)


BATCHED_SOLVE_GRAD = Workload(
    name="batched_solve_grad",
    claims=("grad",),
    area="linalg",
    description=(
        "The gradient of loss = sum(solve(A_i, b_i) * w_i) over a batch of small non-symmetric, "
        "well-conditioned systems, with respect to both A and b.  NumPy's reference is the "
        "hand-written adjoint: lambda = solve(A^T, w) is d/db and -outer(lambda, x) is d/dA; NumPy "
        "has no reusable LU, so it factors every matrix twice.  JAX differentiates "
        "jax.vmap(jnp.linalg.solve) with jax.grad, whose transpose rule reuses the forward LU.  "
        "M is 2048 systems of 8 x 8, where per-system overhead dominates; L is one large system of "
        "768 x 768 (2.3 MB, large_arrays=False: the work grows as n^3), blocked LAPACK on both sides.  "
        "A large batch is left out on purpose: on JAX 0.10.2 this gradient deadlocks from a few "
        "thousand 8 x 8 systems up (its two independent batched triangular solves each wait on the "
        "same CPU thread pool for their own chunks; 0.4.31 runs it).  "
        "Claim: grad."),
    sizes={"S": {"batch": 16, "n": 4}, "M": {"batch": 2048, "n": 8}, "L": {"batch": 1, "n": 768}},
    make_inputs_fn=make_general_systems,
    implementations=(
        numpy_impl(numpy_solve_grad, description="NumPy, hand-written adjoint (two LU solves per system)"),
        jax_jit(jax_solve_grad, "jax_grad", description="jax.jit(jax.grad(sum(vmap(solve)(A, b) * w)))",
                roles=("compiled",)),
    ),
    cost_fn=grad_cost,
    large_arrays=False,
    # Gradients are O(1) (condition number <= 3): float32 rounding of two solves and a product.
    # Measured at L in float32: 3.3e-6 absolute at most, 1% of (1e-4, 1e-5), so (2e-5, 2e-6)
    # leaves a ~10x margin; float64 at M uses 0.007% of the defaults.
    tolerance={"float32": (2e-5, 2e-6), "float64": (1e-10, 1e-12)},
)

WORKLOADS = (BATCHED_SOLVE, BATCHED_SOLVE_GRAD)
