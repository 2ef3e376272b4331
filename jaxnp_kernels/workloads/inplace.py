"""In-place updates: NumPy mutates, JAX copies unless the buffer is donated.

JAX arrays are immutable: ``x.at[idx].set(v)`` returns a new array, which under jit costs a
copy of ``x`` unless XLA may reuse the input buffer, which it may only when the caller
donates it (``donate_argnums``).  Two workloads measure what that costs:

- ``inplace_set``: write k = n/100 values at scattered indices of a large array.  NumPy's
  ``x[idx] = v`` touches only those k elements; ``.at[idx].set`` without donation copies all
  n; with donation it should approach NumPy.  The update is idempotent, so each repeated
  call does the same work, and the donated/in-place variants feed their result back as the
  next call's input.
- ``scatter_add``: accumulate many weights into bins (a weighted histogram) with duplicate
  indices: ``np.bincount`` (idiomatic), ``np.add.at`` (the general unbuffered scatter) and
  ``.at[idx].add`` under jit.

Claims: inplace, memory.
"""

import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl

INDEX_DTYPE = np.int32  # JAX's default integer width without x64; the same for NumPy


def make_set_inputs(rng, dtype, n):
    x = rng.standard_normal(n).astype(dtype)
    idx = np.sort(rng.choice(n, size=max(1, n // 100), replace=False)).astype(INDEX_DTYPE)
    v = rng.standard_normal(idx.size).astype(dtype)
    return x, idx, v


def numpy_set(x, idx, v):
    x[idx] = v
    return x


def jax_set(x, idx, v):
    return x.at[idx].set(v)


def set_cost(dtype, n):
    # k = n/100 values and indices read, k values written: the compulsory traffic of the update
    # itself (a functional copy moves 2 n elements more, which is what the claim is about).
    k = max(1, n // 100)
    return Cost(flops=0, bytes=k * (2 * dtype.itemsize + np.dtype(INDEX_DTYPE).itemsize))


def make_scatter_inputs(rng, dtype, n, bins):
    idx = rng.integers(0, bins, n).astype(INDEX_DTYPE)
    weights = rng.uniform(0.0, 1.0, n).astype(dtype)
    return idx, weights, np.zeros(bins, dtype=dtype)


def numpy_bincount(idx, weights, zeros):
    # bincount accumulates in float64 whatever the weights; cast back to the case's dtype.
    return np.bincount(idx, weights=weights, minlength=zeros.size).astype(zeros.dtype)


def numpy_add_at(idx, weights, zeros):
    out = zeros.copy()
    np.add.at(out, idx, weights)
    return out


def jax_scatter_add(idx, weights, zeros):
    return zeros.at[idx].add(weights)


def scatter_cost(dtype, n, bins):
    # one add per weight; indices and weights read once, the bins written once.
    return Cost(flops=n, bytes=n * (dtype.itemsize + np.dtype(INDEX_DTYPE).itemsize)
                + bins * dtype.itemsize)


SET_SIZES = {"S": {"n": 10_000}, "M": {"n": 1_000_000}, "L": {"n": 1 << 24}}

WORKLOADS = (
    Workload(
        name="inplace_set",
        claims=("inplace", "memory"),
        area="inplace",
        description=__doc__,
        sizes=SET_SIZES,
        make_inputs_fn=make_set_inputs,
        implementations=(
            numpy_impl(numpy_set, carries_state=True, description="NumPy x[idx] = v, in place"),
            jax_jit(jax_set, "jax_at_set", description="x.at[idx].set(v) under jit, no donation"),
            jax_jit(jax_set, "jax_at_set_donated", donate_argnums=(0,),
                    description="x.at[idx].set(v) under jit, x donated"),
            jax_eager(jax_set, "jax_eager"),
        ),
        cost_fn=set_cost,
        tolerance={"float32": (0.0, 0.0), "float64": (0.0, 0.0)},  # a copy must be exact
    ),
    Workload(
        name="scatter_add",
        claims=("inplace",),
        area="inplace",
        description=__doc__,
        sizes={"S": {"n": 10_000, "bins": 100}, "M": {"n": 1_000_000, "bins": 1_000},
               "L": {"n": 1 << 24, "bins": 10_000}},
        make_inputs_fn=make_scatter_inputs,
        implementations=(
            numpy_impl(numpy_bincount, description="np.bincount with weights"),
            numpy_impl(numpy_add_at, "numpy_add_at", description="np.add.at on a zeroed array"),
            jax_jit(jax_scatter_add, "jax_at_add", description="zeros.at[idx].add(w) under jit"),
            jax_eager(jax_scatter_add, "jax_eager"),
        ),
        cost_fn=scatter_cost,
        # Each bin sums ~n/bins weights in an order that differs between implementations, and
        # the reference accumulates in float64: float32 results carry ~sqrt(n/bins) eps error.
        tolerance={"float32": (2e-5, 1e-4), "float64": (1e-12, 1e-10)},
    ),
)
