"""vmap: a per-example function over a batch, by Python loop, by broadcasting and by vmap.

Each example is a small set of k points in d dimensions with its own d x d whitening
matrix; the per-example function returns the squared Mahalanobis norms of its points,
``sum((P @ W) ** 2, axis=-1)``.  Written for one example, the natural batch code is a
Python loop ("numpy_loop", "jax_loop": a loop over a jitted per-example function); the
vectorised NumPy version needs the batch axis threaded through by hand (``einsum``,
the reference); ``jax.vmap`` adds the batch axis automatically and jit compiles the whole
batch ("jax_vmap").  The claim is that vmap avoids the Python loop: measured against both
the loop and hand-vectorised NumPy.  Claim: vmap.
"""

import jax
import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl


def make_inputs(rng, dtype, batch, k, d):
    points = rng.standard_normal((batch, k, d))
    whitening = rng.standard_normal((batch, d, d)) / np.sqrt(d)
    return points.astype(dtype), whitening.astype(dtype)


def per_example(points, whitening):
    """Squared Mahalanobis norms of one example's k points (works for NumPy and JAX)."""
    return ((points @ whitening) ** 2).sum(axis=-1)


def numpy_broadcast(points, whitening):
    return np.einsum("bkd,bde->bke", points, whitening, optimize=True).__pow__(2).sum(axis=-1)


def numpy_loop(points, whitening):
    return np.stack([per_example(p, w) for p, w in zip(points, whitening)])


def jax_vmap(points, whitening):
    return jax.vmap(per_example)(points, whitening)


_jitted_per_example = jax.jit(per_example)


def jax_loop(points, whitening):
    return jnp.stack([_jitted_per_example(points[i], whitening[i]) for i in range(points.shape[0])])


def cost(dtype, batch, k, d):
    # per example: a k x d by d x d product (2kd^2), squaring and summing (2kd).  Inputs read
    # once, k norms per example written.
    return Cost(flops=batch * (2 * k * d * d + 2 * k * d),
                bytes=(batch * (k * d + d * d) + batch * k) * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="vmap",
        claims=("vmap",),
        area="transforms",
        description=__doc__,
        sizes={"S": {"batch": 16, "k": 8, "d": 4}, "M": {"batch": 1000, "k": 32, "d": 16},
               "L": {"batch": 65536, "k": 64, "d": 16}},
        make_inputs_fn=make_inputs,
        implementations=(
            numpy_impl(numpy_broadcast, description="NumPy, batch axis threaded through einsum"),
            numpy_impl(numpy_loop, "numpy_loop", sizes=("S", "M"),
                       description="NumPy, Python loop over examples"),
            jax_jit(jax_vmap, "jax_vmap", description="jax.jit(jax.vmap(per_example))"),
            jax_eager(jax_vmap, "jax_eager_vmap", description="jax.vmap without jit"),
            jax_eager(jax_loop, "jax_loop", sizes=("S", "M"),
                      description="Python loop over a jitted per-example function"),
        ),
        cost_fn=cost,
        tolerance={"float32": (1e-4, 1e-5), "float64": (1e-11, 1e-12)},
    ),
)
