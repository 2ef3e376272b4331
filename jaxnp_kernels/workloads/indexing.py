"""Indexing: gathers, segment reductions and a batched scatter-max, NumPy against XLA.

JAX lowers every indexed read to XLA's ``gather`` and every indexed update to ``scatter``;
NumPy has a dedicated loop for each pattern (``np.take``, ``ufunc.reduceat``,
``ufunc.at``).  Four workloads, each with its own description below, cover the patterns
the scatter-add of ``inplace.py`` does not:

- ``gather_rows``: an embedding lookup, rows of a table picked by repeated indices;
- ``segment_reduce``: the sum and the maximum of each segment of a sorted, ragged array;
- ``scatter_max_vmap``: a per-example scatter-max with duplicate indices, vmapped over a
  batch (``jax.vmap`` turns the per-example scatter into one batched scatter).
- ``embedding_bag``: per example, a gather of rows from its own table followed by a segment
  sum and maximum of those rows into bags, vmapped over a batch (``jax.vmap`` turns the
  per-example gather and scatters into batched ones).

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

EMBEDDING_BAG = """embedding_bag: per example, rows gathered from its own table, summed and maxed into bags.

Each example of a batch has its own (vocab, dim) table, n int32 indices into it (uniform, so
rows repeat) and a sorted bag id per index (every bag non-empty, ~8 indices per bag at M,
~16 at L): the per-example function is ``segment_sum(table[idx], bag_ids, bags)`` and the
same with ``segment_max``, an embedding bag (the pooled embedding of each variable-length
group of tokens).  Written for one example and batched with ``jax.vmap`` under ``jit``
("jax_vmap"; vmap's batching rules turn the per-example gather and the two sorted scatters
into batched ones).  The NumPy reference is vectorised over the batch: it offsets every
example's indices into one flat table (``tables.reshape(-1, dim)``), gathers all rows with
one ``np.take`` and reduces them with ``np.add.reduceat`` and ``np.maximum.reduceat`` at the
offset bag starts, as ``segment_reduce`` does (along the first axis of the gathered rows:
transposing them first, to reduce along contiguous memory, gains less than 10% at L).
"jax_flat" (full job only) writes that flat-offset program in JAX (one gather, one sorted
``segment_sum`` and one ``segment_max`` over ``batch * bags`` segments): the gap between it
and "jax_vmap" is what vmap's batching rules cost against the hand-flattened program.  M is
16 examples of 256 lookups into 512 x 16 tables (512 KB in all), where overhead dominates; L
is 64 examples of 4096 lookups into 16384 x 32 tables (128 MB of tables in float32, 32 MB of
rows gathered).  No op-by-op variant: the program is a gather and two scatters, so without
``jit`` it would time the same operations plus a few dispatches; and no Python loop over
examples (the vmap claim's comparisons are the ``vmap`` workload's).  Claim: jit.
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


# -- embedding_bag ----------------------------------------------------------------------------

def make_embedding_bag_inputs(rng, dtype, batch, vocab, dim, n, bags):
    tables = rng.standard_normal((batch, vocab, dim)).astype(dtype)
    idx = rng.integers(0, vocab, (batch, n)).astype(INDEX_DTYPE)
    # Every bag of every example gets one index, the other n - bags fall on uniformly random
    # bags; sorting each example's ids makes its bags contiguous (random lengths, none empty:
    # np.*.reduceat would misread an empty bag).
    every_bag = np.broadcast_to(np.arange(bags), (batch, bags))
    bag_ids = np.sort(np.concatenate([every_bag, rng.integers(0, bags, (batch, n - bags))], axis=1), axis=1)
    return Inputs((tables, idx, bag_ids.astype(INDEX_DTYPE)), {"bags": bags})


def numpy_embedding_bag(tables, idx, bag_ids, bags):
    """All examples at once: example b's row i is row b * vocab + i of the flat table, and
    its bag j is segment b * bags + j of the flat rows."""
    batch, vocab, dim = tables.shape
    flat_idx = idx + (np.arange(batch, dtype=idx.dtype) * vocab)[:, None]
    rows = np.take(tables.reshape(-1, dim), flat_idx.reshape(-1), axis=0)
    flat_ids = bag_ids + (np.arange(batch, dtype=bag_ids.dtype) * bags)[:, None]
    starts = np.searchsorted(flat_ids.reshape(-1), np.arange(batch * bags, dtype=bag_ids.dtype))
    sums = np.add.reduceat(rows, starts, axis=0)
    maxima = np.maximum.reduceat(rows, starts, axis=0)
    return sums.reshape(batch, bags, dim), maxima.reshape(batch, bags, dim)


def jax_embedding_bag_one(table, idx, bag_ids, bags):
    """One example: table (vocab, dim), idx and bag_ids (n,); sums and maxima (bags, dim)."""
    rows = table[idx]
    return (jax.ops.segment_sum(rows, bag_ids, bags, indices_are_sorted=True),
            jax.ops.segment_max(rows, bag_ids, bags, indices_are_sorted=True))


def jax_embedding_bag_vmap(tables, idx, bag_ids, bags):
    return jax.vmap(lambda table, i, ids: jax_embedding_bag_one(table, i, ids, bags))(tables, idx, bag_ids)


def jax_embedding_bag_flat(tables, idx, bag_ids, bags):
    """The NumPy reference's flat-offset program in JAX: one gather, one segment_sum and one
    segment_max over batch * bags sorted segments."""
    batch, vocab, dim = tables.shape
    flat_idx = idx + (jnp.arange(batch, dtype=idx.dtype) * vocab)[:, None]
    rows = tables.reshape(-1, dim)[flat_idx.reshape(-1)]
    flat_ids = (bag_ids + (jnp.arange(batch, dtype=bag_ids.dtype) * bags)[:, None]).reshape(-1)
    sums = jax.ops.segment_sum(rows, flat_ids, batch * bags, indices_are_sorted=True)
    maxima = jax.ops.segment_max(rows, flat_ids, batch * bags, indices_are_sorted=True)
    return sums.reshape(batch, bags, dim), maxima.reshape(batch, bags, dim)


def embedding_bag_cost(dtype, batch, vocab, dim, n, bags):
    # One add and one comparison per gathered element.  Bytes: the batch * n gathered rows
    # read once (the rest of the tables is not touched, so not counted), the indices and bag
    # ids read once, the two (batch, bags, dim) results written once.
    gathered = batch * n * dim
    return Cost(flops=2 * gathered,
                bytes=gathered * dtype.itemsize + 2 * batch * n * INDEX_BYTES
                + 2 * batch * bags * dim * dtype.itemsize)


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
    Workload(
        name="embedding_bag",
        claims=("jit",),
        area="indexing",
        description=EMBEDDING_BAG,
        sizes={"S": {"batch": 4, "vocab": 64, "dim": 8, "n": 48, "bags": 6},
               "M": {"batch": 16, "vocab": 512, "dim": 16, "n": 256, "bags": 32},
               "L": {"batch": 64, "vocab": 16_384, "dim": 32, "n": 4_096, "bags": 256}},
        make_inputs_fn=make_embedding_bag_inputs,
        implementations=(
            numpy_impl(numpy_embedding_bag, description="offsets into the flat table, one np.take, "
                       "np.add.reduceat and np.maximum.reduceat at the offset bag starts"),
            jax_jit(jax_embedding_bag_vmap, "jax_vmap", description="jax.vmap of table[idx] then "
                    "segment_sum and segment_max (sorted) under jit", roles=("compiled", "vmapped")),
            jax_jit(jax_embedding_bag_flat, "jax_flat", description="the flat-offset program under jit: "
                    "one gather, one segment_sum and one segment_max over batch * bags segments"),
        ),
        cost_fn=embedding_bag_cost,
        # The maxima are exact.  Each sum adds ~8 (M) to ~16 (L, up to ~30) standard normal
        # values in an order that differs between implementations: float32 rounding
        # differences are a few ulps of partial sums reaching ~20 (at most 4e-6 absolute at L,
        # 4e-15 in float64 at M), and a sum may be close to zero, so the tolerance is mainly
        # absolute (as segment_reduce's).
        tolerance={"float32": (1e-5, 1e-5), "float64": (1e-12, 1e-13)},
    ),
)
