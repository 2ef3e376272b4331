"""vmap: a per-example function over a batch, by Python loop, by hand-batched NumPy and by vmap.

Each example is a set of k points in d dimensions; the per-example function scores every
point by its squared Mahalanobis distance to the set's own mean under the set's own sample
covariance (an outlier score): centre, form ``C = X.T @ X / (k - 1)``, score each point as
``x @ inv(C) @ x``.  Written for one example, the function uses ``mean(axis=0)``, ``.T``
and one small inverse; the natural batch code is a Python loop ("numpy_loop", and
"jax_loop": a loop over a jitted per-example function).  Vectorising by hand means rewriting every axis and transpose
for a leading batch axis and relying on batched ``inv`` (the NumPy reference, "numpy");
``jax.vmap`` adds the batch axis to the unchanged per-example code and jit compiles the
whole batch ("jax_vmap"; "jax_eager_vmap" runs the vmapped function op by op).  The claim
is that vmap removes the Python loop: measured against both the loop and hand-vectorised
NumPy.  Claim: vmap.
"""

import jax
import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl


def make_inputs(rng, dtype, batch, k, d):
    # Anisotropic Gaussian point sets with their own offsets and scales; k >= 4 d keeps every
    # sample covariance well conditioned, so float32 inverses stay accurate.
    scales = rng.uniform(0.5, 2.0, (batch, 1, d))
    offsets = rng.uniform(-3.0, 3.0, (batch, 1, d))
    points = offsets + scales * rng.standard_normal((batch, k, d))
    return (points.astype(dtype),)


def numpy_per_example(points):
    """Squared Mahalanobis distances of one example's k points, written for one example."""
    centred = points - points.mean(axis=0)
    covariance = centred.T @ centred / (points.shape[0] - 1)
    return ((centred @ np.linalg.inv(covariance)) * centred).sum(axis=1)


def jax_per_example(points):
    """The same function in jax.numpy, line for line."""
    centred = points - points.mean(axis=0)
    covariance = centred.T @ centred / (points.shape[0] - 1)
    return ((centred @ jnp.linalg.inv(covariance)) * centred).sum(axis=1)


def numpy_batched(points):
    """Hand-vectorised: every axis moved past the batch axis, transposes made explicit."""
    centred = points - points.mean(axis=1, keepdims=True)
    covariance = centred.swapaxes(1, 2) @ centred / (points.shape[1] - 1)
    return ((centred @ np.linalg.inv(covariance)) * centred).sum(axis=2)


def numpy_loop(points):
    return np.stack([numpy_per_example(p) for p in points])


def jax_vmap(points):
    return jax.vmap(jax_per_example)(points)


_jitted_per_example = jax.jit(jax_per_example)


def jax_loop(points):
    return jnp.stack([_jitted_per_example(points[i]) for i in range(points.shape[0])])


def cost(dtype, batch, k, d):
    # Per example: centring (2kd), the covariance X.T @ X (2kd^2), the d x d inverse (2d^3,
    # LU plus inversion), X @ inv(C) (2kd^2), the products and row sums (2kd).  The points
    # are read once and k distances per example written.
    flops = batch * (4 * k * d + 4 * k * d * d + 2 * d**3)
    return Cost(flops=flops, bytes=batch * (k * d + k) * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="vmap",
        claims=("vmap",),
        area="transforms",
        description=__doc__,
        sizes={"S": {"batch": 16, "k": 12, "d": 3}, "M": {"batch": 500, "k": 32, "d": 8},
               "L": {"batch": 8192, "k": 256, "d": 8}},
        make_inputs_fn=make_inputs,
        implementations=(
            numpy_impl(numpy_batched, description="NumPy, batch axis threaded through by hand"),
            numpy_impl(numpy_loop, "numpy_loop", sizes=("S", "M"),
                       description="NumPy, Python loop over examples", roles=("python_loop",)),
            jax_jit(jax_vmap, "jax_vmap", description="jax.jit(jax.vmap(per_example))",
                    roles=("compiled", "vmapped")),
            jax_eager(jax_vmap, "jax_eager_vmap", description="jax.vmap without jit"),
            jax_eager(jax_loop, "jax_loop", sizes=("S", "M"),
                      description="Python loop over a jitted per-example function", roles=("python_loop",)),
        ),
        cost_fn=cost,
        # Distances are ~d (up to ~40).  Inverting float32 covariances with condition numbers
        # up to ~20 loses a few digits, and LAPACK (NumPy) and XLA round differently: at L the
        # sides differ by up to 5e-5 absolute (7e-6 relative) in float32, 1e-14 in float64.
        tolerance={"float32": (1e-4, 2e-5), "float64": (1e-10, 1e-12)},
    ),
)
