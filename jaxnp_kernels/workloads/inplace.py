"""In-place updates: NumPy mutates, JAX copies unless the buffer is donated.

JAX arrays are immutable: ``x.at[idx].set(v)`` returns a new array, which under jit costs a
copy of ``x`` unless XLA may reuse the input buffer, which it may only when the caller
donates it (``donate_argnums``).  Two workloads measure what that costs, each with its own
description below: ``inplace_set`` (scattered writes into a large array) and
``scatter_add`` (a weighted histogram, with duplicate indices).
"""

import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Inputs, Workload, jax_eager, jax_jit, numpy_impl

INDEX_DTYPE = np.int32  # JAX's default integer width without x64; the same for NumPy

INPLACE_SET = """inplace_set: write k = n/100 values at scattered, distinct indices of a large array.

NumPy's ``x[idx] = v`` mutates ``x`` and touches only those k elements.  JAX's
``x.at[idx].set(v)`` under ``jit`` returns a new array, so without donation every call
copies all n elements ("jax_at_set"); with ``donate_argnums=(0,)`` XLA writes into the
input's buffer ("jax_at_set_donated": XLA reports the whole output aliased to the input on
CPU in JAX 0.4.31 and 0.10.2, with no "donated buffers were not usable" warning), and the
time should approach NumPy's.  The update is idempotent, so the in-place and donated
variants, which feed each call's result to the next, do the same work every call.  Time
per call is small at every size: what grows is the copy the functional update pays.
Claims: inplace, memory.
"""

SCATTER_ADD = """scatter_add: accumulate n weights into a few bins (a weighted histogram).

Indices repeat many times (n/bins per bin on average), so this is the scatter-add with
collisions that ``.at[idx].add`` exists for.  NumPy's idiomatic form is ``np.bincount``
with weights (which accumulates in float64 whatever the weights; the result is cast back
to the case's dtype); ``np.add.at`` is NumPy's general unbuffered scatter-add; JAX
builds the bins with ``jnp.zeros(bins, dtype).at[idx].add(weights)`` under ``jit`` and op
by op.  Summation order within a bin differs between implementations, so float32 results
agree to rounding of the sum, not bitwise.  Claim: inplace.
"""


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
    # No flops.  Bytes: k = n/100 values and indices read, k values written: the compulsory
    # traffic of the update itself (a functional copy moves 2 n elements more, which is what
    # the claim is about).
    k = max(1, n // 100)
    return Cost(flops=0, bytes=k * (2 * dtype.itemsize + np.dtype(INDEX_DTYPE).itemsize))


def make_scatter_inputs(rng, dtype, n, bins):
    idx = rng.integers(0, bins, n).astype(INDEX_DTYPE)
    weights = rng.uniform(0.0, 1.0, n).astype(dtype)
    return Inputs((idx, weights), {"bins": bins})


def numpy_bincount(idx, weights, bins):
    return np.bincount(idx, weights=weights, minlength=bins).astype(weights.dtype)


def numpy_add_at(idx, weights, bins):
    out = np.zeros(bins, dtype=weights.dtype)
    np.add.at(out, idx, weights)
    return out


def jax_scatter_add(idx, weights, bins):
    return jnp.zeros(bins, dtype=weights.dtype).at[idx].add(weights)


def scatter_cost(dtype, n, bins):
    # One add per weight.  Bytes: indices and weights read once, the bins written once.
    return Cost(flops=n, bytes=n * (dtype.itemsize + np.dtype(INDEX_DTYPE).itemsize)
                + bins * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="inplace_set",
        claims=("inplace", "memory"),
        area="inplace",
        description=INPLACE_SET,
        sizes={"S": {"n": 10_000}, "M": {"n": 1_000_000}, "L": {"n": 1 << 24}},
        make_inputs_fn=make_set_inputs,
        implementations=(
            numpy_impl(numpy_set, carries_state=True, description="NumPy x[idx] = v, in place"),
            jax_jit(jax_set, "jax_at_set", description="x.at[idx].set(v) under jit, no donation",
                    roles=("compiled", "functional_update")),
            jax_jit(jax_set, "jax_at_set_donated", donate_argnums=(0,),
                    description="x.at[idx].set(v) under jit, x donated", roles=("donated_update",)),
            jax_eager(jax_set, "jax_eager", description="x.at[idx].set(v) op by op"),
        ),
        cost_fn=set_cost,
        tolerance={"float32": (0.0, 0.0), "float64": (0.0, 0.0)},  # copies and writes: exact
    ),
    Workload(
        name="scatter_add",
        claims=("inplace",),
        area="inplace",
        description=SCATTER_ADD,
        sizes={"S": {"n": 10_000, "bins": 100}, "M": {"n": 1_000_000, "bins": 1_000},
               "L": {"n": 1 << 24, "bins": 10_000}},
        make_inputs_fn=make_scatter_inputs,
        implementations=(
            numpy_impl(numpy_bincount, description="np.bincount with weights"),
            numpy_impl(numpy_add_at, "numpy_add_at", description="np.add.at on a zeroed array",
                       roles=("numpy_alternative",)),
            jax_jit(jax_scatter_add, "jax_at_add", description="zeros.at[idx].add(w) under jit",
                    roles=("compiled", "functional_update")),
            # op by op adds index normalisation around the one scatter: ~0.5 s per call at L
            jax_eager(jax_scatter_add, "jax_eager", sizes=("S", "M"),
                      description="zeros.at[idx].add(w) op by op"),
        ),
        cost_fn=scatter_cost,
        # Each bin sums ~n/bins weights in uniform [0, 1) (up to ~1700 at L) in an order that
        # differs between implementations; the reference accumulates in float64.  Float32
        # error of such a sum: ~sqrt(n/bins) eps relative typical, n/bins eps worst case.
        tolerance={"float32": (2e-5, 1e-4), "float64": (1e-12, 1e-10)},
    ),
)
