"""azimint_naive: naive azimuthal integration: mean intensity per radial bin (NPBench style).

Detector pixels with radius ``r`` and intensity ``I`` are grouped into ``npt`` equal-width
radial bins, and each bin's mean intensity is returned.  NPBench's naive version loops over
bins with boolean masks; our NumPy reference is the idiomatic vectorised form (bin index,
then two ``np.bincount`` sums), and the mask loop is kept as "numpy_masks" (small sizes)
because it is what the naive kernel is.  JAX uses ``.at[].add`` segment sums under jit.
Written from the definition.  Claims: jit, reduction.
"""

import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Inputs, Workload, jax_eager, jax_jit, numpy_impl


def make_inputs(rng, dtype, n, npt):
    radius = rng.uniform(0.0, 1.0, n).astype(dtype)
    intensity = rng.uniform(0.0, 10.0, n).astype(dtype)
    return Inputs((radius, intensity), {"npt": npt})


def bin_index(xp, radius, npt):
    rmax = radius.max()
    return xp.minimum((radius * (npt / rmax)).astype(xp.int32), npt - 1)


def numpy_azimint(radius, intensity, npt):
    idx = bin_index(np, radius, npt)
    sums = np.bincount(idx, weights=intensity, minlength=npt)
    counts = np.bincount(idx, minlength=npt)
    return (sums / np.maximum(counts, 1)).astype(intensity.dtype)


def numpy_masks(radius, intensity, npt):
    idx = bin_index(np, radius, npt)
    out = np.zeros(npt, dtype=intensity.dtype)
    for b in range(npt):
        selected = intensity[idx == b]
        out[b] = selected.mean() if selected.size else 0
    return out


def jax_azimint(radius, intensity, npt):
    idx = bin_index(jnp, radius, npt)
    sums = jnp.zeros(npt, intensity.dtype).at[idx].add(intensity)
    counts = jnp.zeros(npt, intensity.dtype).at[idx].add(jnp.ones_like(intensity))
    return sums / jnp.maximum(counts, 1)


def cost(dtype, n, npt):
    # per pixel: bin index (2 flops) and two accumulations; radius and intensity read once.
    return Cost(flops=4 * n, bytes=2 * n * dtype.itemsize + npt * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="azimint_naive",
        claims=("jit", "reduction"),
        area="npbench",
        description=__doc__,
        sizes={"S": {"n": 10_000, "npt": 100}, "M": {"n": 1_000_000, "npt": 1000},
               "L": {"n": 1 << 23, "npt": 1000}},
        make_inputs_fn=make_inputs,
        implementations=(
            numpy_impl(numpy_azimint, description="NumPy, bin index + np.bincount"),
            numpy_impl(numpy_masks, "numpy_masks", sizes=("S",),
                       description="NumPy, a boolean mask per bin (NPBench's naive kernel)",
                       roles=("numpy_alternative",)),
            jax_jit(jax_azimint, description="segment sums with .at[].add under jit", roles=("compiled",)),
            jax_eager(jax_azimint),
        ),
        cost_fn=cost,
        # bin means of ~n/npt values summed in different orders; the float64 reference
        # accumulates in float64 (bincount) where float32 JAX sums in float32.
        tolerance={"float32": (1e-4, 1e-5), "float64": (1e-11, 1e-12)},
    ),
)
