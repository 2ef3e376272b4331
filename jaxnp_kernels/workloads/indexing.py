"""Indexing: gathers, segment reductions and a batched scatter-max, NumPy against XLA.

JAX lowers every indexed read to XLA's ``gather`` and every indexed update to ``scatter``;
NumPy has a dedicated loop for each pattern (``np.take``, ``ufunc.reduceat``,
``ufunc.at``).  Three workloads, each with its own description below, cover the patterns
the scatter-add of ``inplace.py`` does not:

- ``gather_rows``: an embedding lookup, rows of a table picked by repeated indices;
- ``segment_reduce``: the sum and the maximum of each segment of a sorted, ragged array;
- ``scatter_max_vmap``: a per-example scatter-max with duplicate indices, vmapped over a
  batch (``jax.vmap`` turns the per-example scatter into one batched scatter).

Index arrays are int32, the same for both sides.  Claim: jit (the compiled gather or
scatter against NumPy's vectorised loop; each workload is one or two XLA operations, so
this measures XLA's indexing kernels and dispatch rather than fusion).
"""

import jax
import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Inputs, Workload, jax_jit, numpy_impl

INDEX_DTYPE = np.int32
INDEX_BYTES = np.dtype(INDEX_DTYPE).itemsize

GATHER_ROWS = """gather_rows: an embedding lookup, ``table[idx]`` for n indices into a (vocab, dim) table.

Indices are uniform over the vocabulary, so rows repeat (as tokens do) and the reads are
scattered over the whole table.  NumPy's ``np.take(table, idx, axis=0)`` (a little faster
than the equivalent ``table[idx]``) copies one row per index; JAX's ``table[idx]`` under
``jit`` is one XLA gather (plus the normalisation of negative indices, which costs a pass
over the n indices).  M is a small batch of 1024 lookups in a 1 MB table, where call
overhead dominates; L is 131 072 lookups in a 128 MB table (32 MB of rows read, 32 MB
written).  No op-by-op variant: the function is a single operation, so without ``jit`` it
would time the same gather plus one dispatch.  Claim: jit.
"""

SEGMENT_REDUCE = """segment_reduce: the sum and the maximum of every segment of a sorted, ragged array.

n values belong to ``segments`` contiguous segments of random lengths (every segment
non-empty, ~16 values each), given as a sorted int32 segment id per value, the layout of a
batch of variable-length sequences or of graph edges sorted by destination.  NumPy's
idiomatic form for sorted segments is ``np.add.reduceat`` and ``np.maximum.reduceat`` at the
segment starts (found with ``np.searchsorted`` on the ids; ``reduceat`` needs every segment
non-empty, which the inputs guarantee); JAX calls ``jax.ops.segment_sum`` and
``jax.ops.segment_max`` with ``indices_are_sorted=True``, two scatters in one compiled
program.  Values are one-dimensional: NumPy's ``reduceat`` along the first axis of a 2-D
array is two to three times slower per element, which would put NumPy's L beyond the time
budget rather than measure anything new.  Claim: jit.
"""

SCATTER_MAX_VMAP = """scatter_max_vmap: a per-example scatter-max with duplicate indices, vmapped over a batch.

Each example updates its own vector ``x`` (``bins`` entries) with k values at indices that
repeat (k/bins = 4 at M, 16 at L): ``x.at[idx].max(v)``, written for one example and batched
with ``jax.vmap`` under ``jit`` (a max-pool of each example's points into its own bins).
The NumPy reference is vectorised over the batch: it offsets every example's indices into
one flat index space and calls ``np.maximum.at`` once on the flattened copy of ``x``
(NumPy's 1-D fast path; indexing with the tuple ``(batch_row, idx)`` instead is 1.5 to 7
times slower).  ``max`` is exact and order-independent, so every implementation must agree
bitwise, duplicates included.  No Python loop over examples is timed (the vmap claim's
comparison is the ``vmap`` workload's); this workload tests how XLA's batched scatter
competes with NumPy's ``ufunc.at``.  Claim: jit.
"""


# -- gather_rows ------------------------------------------------------------------------------

def make_gather_inputs(rng, dtype, vocab, dim, n):
    table = rng.standard_normal((vocab, dim)).astype(dtype)
    idx = rng.integers(0, vocab, n).astype(INDEX_DTYPE)
    return table, idx


def numpy_gather(table, idx):
    return np.take(table, idx, axis=0)


def jax_gather(table, idx):
    return table[idx]


def gather_cost(dtype, vocab, dim, n):
    # No flops.  Bytes: the n gathered rows read and written once, the indices read once
    # (the rest of the table is not touched, so not counted).
    return Cost(flops=0, bytes=2 * n * dim * dtype.itemsize + n * INDEX_BYTES)


# -- segment_reduce ---------------------------------------------------------------------------

def make_segment_inputs(rng, dtype, n, segments):
    # Every segment gets one value, the other n - segments fall on uniformly random
    # segments: random lengths, none empty (np.*.reduceat would misread an empty segment).
    lengths = 1 + np.bincount(rng.integers(0, segments, n - segments), minlength=segments)
    ids = np.repeat(np.arange(segments), lengths).astype(INDEX_DTYPE)
    values = rng.standard_normal(n).astype(dtype)
    return Inputs((values, ids), {"segments": segments})


def numpy_segment_reduce(values, ids, segments):
    starts = np.searchsorted(ids, np.arange(segments, dtype=ids.dtype))
    return np.add.reduceat(values, starts), np.maximum.reduceat(values, starts)


def jax_segment_reduce(values, ids, segments):
    return (jax.ops.segment_sum(values, ids, segments, indices_are_sorted=True),
            jax.ops.segment_max(values, ids, segments, indices_are_sorted=True))


def segment_cost(dtype, n, segments):
    # One add and one comparison per value.  Bytes: values and ids read once, the two
    # per-segment results written once.
    return Cost(flops=2 * n, bytes=n * (dtype.itemsize + INDEX_BYTES) + 2 * segments * dtype.itemsize)


# -- scatter_max_vmap -------------------------------------------------------------------------

def make_scatter_max_inputs(rng, dtype, batch, bins, k):
    x = rng.standard_normal((batch, bins)).astype(dtype)
    idx = rng.integers(0, bins, (batch, k)).astype(INDEX_DTYPE)
    v = rng.standard_normal((batch, k)).astype(dtype)
    return x, idx, v


def numpy_scatter_max_batched(x, idx, v):
    """All examples at once: example b's index i becomes b * bins + i in the flattened copy."""
    batch, bins = x.shape
    out = x.copy()
    flat_idx = idx + (np.arange(batch, dtype=idx.dtype) * bins)[:, None]
    np.maximum.at(out.reshape(-1), flat_idx.reshape(-1), v.reshape(-1))
    return out


def jax_scatter_max_one(x, idx, v):
    """One example: x (bins,), idx and v (k,)."""
    return x.at[idx].max(v)


def jax_scatter_max_vmap(x, idx, v):
    return jax.vmap(jax_scatter_max_one)(x, idx, v)


def scatter_max_cost(dtype, batch, bins, k):
    # One comparison per update.  Bytes: x read and the result written once, the k indices
    # and values per example read once.
    return Cost(flops=batch * k,
                bytes=2 * batch * bins * dtype.itemsize + batch * k * (dtype.itemsize + INDEX_BYTES))


WORKLOADS = (
    Workload(
        name="gather_rows",
        claims=("jit",),
        area="indexing",
        description=GATHER_ROWS,
        sizes={"S": {"vocab": 1_000, "dim": 16, "n": 500},
               "M": {"vocab": 8_192, "dim": 32, "n": 1_024},
               "L": {"vocab": 1 << 19, "dim": 64, "n": 1 << 17}},
        make_inputs_fn=make_gather_inputs,
        implementations=(
            numpy_impl(numpy_gather, description="np.take(table, idx, axis=0)"),
            jax_jit(jax_gather, description="table[idx] under jit (one XLA gather)", roles=("compiled",)),
        ),
        cost_fn=gather_cost,
        tolerance={"float32": (0.0, 0.0), "float64": (0.0, 0.0)},  # copies: exact
    ),
    Workload(
        name="segment_reduce",
        claims=("jit",),
        area="indexing",
        description=SEGMENT_REDUCE,
        sizes={"S": {"n": 2_000, "segments": 100}, "M": {"n": 4_096, "segments": 256},
               "L": {"n": 1 << 23, "segments": 1 << 19}},
        make_inputs_fn=make_segment_inputs,
        implementations=(
            numpy_impl(numpy_segment_reduce, description="np.add.reduceat and np.maximum.reduceat "
                       "at the segment starts"),
            jax_jit(jax_segment_reduce, description="jax.ops.segment_sum and segment_max (sorted) under jit",
                    roles=("compiled",)),
        ),
        cost_fn=segment_cost,
        # The maxima are exact.  Each sum adds ~16 (up to ~50) standard normal values in an
        # order that differs between implementations: the float32 rounding differences are a
        # few ulps of the partial sums (at most 6e-6 absolute at L, where sums reach ~20), and
        # a sum may be close to zero, so the tolerance is mainly absolute.
        tolerance={"float32": (1e-5, 1e-5), "float64": (1e-12, 1e-13)},
    ),
    Workload(
        name="scatter_max_vmap",
        claims=("jit",),
        area="indexing",
        description=SCATTER_MAX_VMAP,
        sizes={"S": {"batch": 8, "bins": 32, "k": 256}, "M": {"batch": 64, "bins": 128, "k": 512},
               "L": {"batch": 512, "bins": 1_024, "k": 16_384}},
        make_inputs_fn=make_scatter_max_inputs,
        implementations=(
            numpy_impl(numpy_scatter_max_batched, description="np.maximum.at on the flattened batch"),
            jax_jit(jax_scatter_max_vmap, "jax_vmap", description="jax.vmap of x.at[idx].max(v) under jit",
                    roles=("compiled", "vmapped")),
        ),
        cost_fn=scatter_max_cost,
        tolerance={"float32": (0.0, 0.0), "float64": (0.0, 0.0)},  # max is exact, ties included
    ),
)
