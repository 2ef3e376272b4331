"""Reductions along each axis, cumulative sums, top-k and sorts: the reductions that are not sum(x*y).

Four workloads on a 2-D array in C order (rows contiguous).  "axis_reductions" reduces along
both axes (a row reduction reads contiguous memory, a column reduction strides across rows, so
the two layouts stress different loops) and takes an arg-reduction; "summed_area_table" runs a
cumulative sum along each axis; "top_k" selects the k largest values of every row; "sort_rows"
sorts every row and takes its stable argsort.  NumPy makes
one call (one pass over the data) per operation; jax.jit compiles each workload into one program,
where XLA may merge sibling reductions into one pass but lowers cumulative sums to windowed
reductions rather than a running sum.  Claims: reduction (axis_reductions), jit.
"""

import jax
import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Inputs, Workload, jax_jit, numpy_impl


# -- axis_reductions -----------------------------------------------------------------------------

def make_table(rng, dtype, rows, cols):
    # Standard normal entries: sums of up to 4096 of them stay O(100), never cancel to exactly
    # zero in practice, and ties of the row maximum have probability ~0 (float64) or tiny (float32).
    return (rng.standard_normal((rows, cols)).astype(dtype),)


def numpy_axis_reductions(x):
    # argmax as int32 on both sides: JAX's default integer (NumPy's is int64).
    return x.sum(axis=0), x.sum(axis=1), x.max(axis=0), x.max(axis=1), x.argmax(axis=1).astype(np.int32)


def jax_axis_reductions(x):
    return x.sum(axis=0), x.sum(axis=1), x.max(axis=0), x.max(axis=1), jnp.argmax(x, axis=1).astype(jnp.int32)


def axis_reductions_cost(dtype, rows, cols):
    # One add or compare per element and reduction (four; argmax shares max's compares).  Compulsory
    # traffic: x read once, the five result vectors written once (the argmax as int32).
    n = rows * cols
    return Cost(flops=4 * n, bytes=n * dtype.itemsize + (2 * cols + 2 * rows) * dtype.itemsize + 4 * rows)


AXIS_REDUCTIONS = Workload(
    name="axis_reductions",
    claims=("reduction", "jit"),
    area="reductions",
    description=(
        "Column and row statistics of a C-order 2-D array: sums along axis 0 and along axis 1, "
        "maxima along both axes and the argmax of every row.  A row reduction walks contiguous "
        "memory, a column reduction adds whole rows elementwise: the two layouts exercise different "
        "loops on both sides.  NumPy makes five calls, five passes over the array; jax.jit compiles "
        "one program in which XLA may compute sibling reductions in a shared pass.  M is 256 x 256 "
        "(256 KB), L is 4096 x 4096 (64 MB in float32).  Claims: reduction, jit."),
    sizes={"S": {"rows": 64, "cols": 96}, "M": {"rows": 256, "cols": 256}, "L": {"rows": 4096, "cols": 4096}},
    make_inputs_fn=make_table,
    implementations=(
        numpy_impl(numpy_axis_reductions, description="NumPy, one call per reduction"),
        jax_jit(jax_axis_reductions, description="the same five reductions under one jax.jit", roles=("compiled",)),
    ),
    cost_fn=axis_reductions_cost,
    # Sums of 4096 N(0,1) values are ~64 in size, and a sum near zero needs atol: the column sums
    # (one add per row, in different orders on the two sides) differ by up to 5.9e-4 absolute in
    # float32 at L (~eps * sqrt(n) * 64), 9% of this bound.  float64 scaled by the
    # ratio of the epsilons: ~1e-12 at L, hence atol 4e-12.  Maxima and argmax agree exactly.
    tolerance={"float32": (1e-4, 2e-3), "float64": (1e-12, 4e-12)},
)


# -- summed_area_table ---------------------------------------------------------------------------

def make_image(rng, dtype, rows, cols):
    # Nonnegative pixel values in [0, 1): running sums grow monotonically, so relative rounding
    # errors stay bounded by ~(rows + cols) * eps instead of exploding near cancelling sums.
    return (rng.uniform(0.0, 1.0, (rows, cols)).astype(dtype),)


def numpy_summed_area_table(x):
    return x.cumsum(axis=0).cumsum(axis=1)


def jax_summed_area_table(x):
    return jnp.cumsum(jnp.cumsum(x, axis=0), axis=1)


def summed_area_cost(dtype, rows, cols):
    # One add per element and axis.  Compulsory traffic: x read once, the table written once
    # (the intermediate after the first scan is not compulsory).
    n = rows * cols
    return Cost(flops=2 * n, bytes=2 * n * dtype.itemsize)


SUMMED_AREA_TABLE = Workload(
    name="summed_area_table",
    claims=("jit",),
    area="reductions",
    description=(
        "A summed-area table (integral image): the cumulative sum of a 2-D array along axis 0, "
        "then along axis 1, so that any rectangle's sum takes four lookups.  NumPy runs two "
        "running sums, one add per element each (a strided one down the columns, a contiguous "
        "one along the rows).  JAX lowers jnp.cumsum to an XLA reduce-window over the whole axis, "
        "which XLA rewrites into blocked partial sums on CPU: more adds than a running sum.  "
        "M is 256 x 256; L is 4096 x 2048, 32 MB in and 32 MB out in float32.  Claim: jit."),
    sizes={"S": {"rows": 48, "cols": 64}, "M": {"rows": 256, "cols": 256}, "L": {"rows": 4096, "cols": 2048}},
    make_inputs_fn=make_image,
    implementations=(
        numpy_impl(numpy_summed_area_table, description="x.cumsum(axis=0).cumsum(axis=1)"),
        jax_jit(jax_summed_area_table, description="jnp.cumsum along both axes under jax.jit", roles=("compiled",)),
    ),
    cost_fn=summed_area_cost,
    # Entries reach rows * cols / 2 (4M at L).  Sequential and blocked sums of nonnegative terms
    # differ by at most ~(rows + cols) * eps relative; measured: 2.8e-6 relative in float32 at L
    # (14% of rtol 2e-5), 1.6e-15 in float64 at M (~2% of rtol 1e-13).
    tolerance={"float32": (2e-5, 1e-6), "float64": (1e-13, 1e-12)},
)


# -- top_k ---------------------------------------------------------------------------------------

def make_scores(rng, dtype, rows, cols, k):
    return Inputs((rng.standard_normal((rows, cols)).astype(dtype),), {"k": k})


def numpy_top_k(x, k):
    """The k largest values of every row, largest first: argpartition, then sort only those k."""
    part = np.argpartition(x, -k, axis=1)[:, -k:]
    values = np.take_along_axis(x, part, axis=1)
    return -np.sort(-values, axis=1)


def jax_top_k(x, k):
    return jax.lax.top_k(x, k)[0]


def top_k_cost(dtype, rows, cols, k):
    # Selection compares each element about twice (introselect) plus k log2 k compares to sort
    # the selection; counted as compares.  Compulsory traffic: x read once, k values per row written.
    n = rows * cols
    return Cost(flops=2 * n + rows * k * max(1, int(np.log2(k))), bytes=(n + rows * k) * dtype.itemsize)


TOP_K = Workload(
    name="top_k",
    claims=("jit",),
    area="reductions",
    description=(
        "The k largest values of every row of a 2-D array, in descending order (a retrieval or "
        "beam-search step).  NumPy selects with np.argpartition (introselect, linear time) and "
        "sorts only the k selected values; JAX calls jax.lax.top_k, which XLA implements as a "
        "partial sort per row.  Only the values are compared: indices of tied values may differ "
        "legitimately, the values cannot.  M is 256 rows of 256 (k = 16); L is 4096 x 4096, 64 MB "
        "in float32 (k = 16).  Claim: jit."),
    sizes={"S": {"rows": 32, "cols": 100, "k": 5}, "M": {"rows": 256, "cols": 256, "k": 16},
           "L": {"rows": 4096, "cols": 4096, "k": 16}},
    make_inputs_fn=make_scores,
    implementations=(
        numpy_impl(numpy_top_k, description="np.argpartition, take_along_axis, sort the k values"),
        jax_jit(jax_top_k, description="jax.lax.top_k under jax.jit", roles=("compiled",)),
    ),
    cost_fn=top_k_cost,
    # Selected values are copies of input values: both sides must agree exactly.
    tolerance={"float32": (0.0, 0.0), "float64": (0.0, 0.0)},
)


# -- sort_rows -----------------------------------------------------------------------------------

#: Inputs are integers in [-SORT_GRID, SORT_GRID) times 1 / 1024: exact in float32 and float64.
SORT_GRID = 1 << 12


def make_sort_rows(rng, dtype, rows, cols):
    # Values on a grid of 2^13 levels in [-4, 4): rows hold ties (about cols^2 / 2^14 equal
    # pairs per row: 4 at M, 1000 at L), so the order the stable argsort gives equal values is
    # compared at every size, in both dtypes (the grid is exact in each).  No -0.0 (an integer
    # zero scales to +0.0), whose place among the zeros would depend on the sort algorithm.
    grid = rng.integers(-SORT_GRID, SORT_GRID, (rows, cols))
    return ((grid / 1024).astype(dtype),)


def numpy_sort_rows(x):
    # argsort as int32 on both sides: JAX's default integer (NumPy's is int64).
    return np.sort(x, axis=1), np.argsort(x, axis=1, kind="stable").astype(np.int32)


def jax_sort_rows(x):
    return jnp.sort(x, axis=1), jnp.argsort(x, axis=1, stable=True).astype(jnp.int32)


def jax_sort_pairs(x):
    """One stable sort of (value, column index) pairs keyed on the value: both outputs at once."""
    columns = jax.lax.broadcasted_iota(jnp.int32, x.shape, 1)
    return tuple(jax.lax.sort((x, columns), dimension=1, is_stable=True, num_keys=1))


def sort_rows_cost(dtype, rows, cols):
    # Two comparison sorts of every row: cols * log2(cols) compares each, counted as flops.
    # Compulsory traffic: x read once, the sorted values and the int32 indices written once.
    n = rows * cols
    return Cost(flops=2 * n * np.log2(cols), bytes=n * (2 * dtype.itemsize + 4))


SORT_ROWS = Workload(
    name="sort_rows",
    claims=("jit",),
    area="reductions",
    description=(
        "A full sort of every row of a 2-D array, and its stable argsort (the permutation that "
        "sorts each row, equal values in their original order), as for ranking or for grouping "
        "by key.  NumPy calls np.sort (a vectorised quicksort on x86) and np.argsort with "
        "kind='stable' (a merge sort of indices); JAX calls jnp.sort and jnp.argsort with "
        "stable=True under jax.jit, which XLA lowers to two sort instructions, each a comparison "
        "sort per row that calls a compiled comparator for every compare.  'jax_sort_pairs' "
        "sorts (value, index) pairs once with lax.sort, both outputs from one sort.  Values lie "
        "on a grid of 1/1024 in [-4, 4), so rows hold ties and the outputs must agree exactly, "
        "ties included.  M is 64 x 256 (per-row overhead); L is 128 x 4096 (2 MB in float32, "
        "6 MB moved with the outputs; large_arrays=False): XLA's CPU sort spends ~15 ns per "
        "compare, 0.2 s per call at L, so a 64 MB array would take ~7 s; L grows the rows and "
        "the compares per element (12 per sort) instead.  Claim: jit."),
    sizes={"S": {"rows": 16, "cols": 100}, "M": {"rows": 64, "cols": 256}, "L": {"rows": 128, "cols": 4096}},
    make_inputs_fn=make_sort_rows,
    implementations=(
        numpy_impl(numpy_sort_rows, description="np.sort and np.argsort(kind='stable') along rows"),
        jax_jit(jax_sort_rows, description="jnp.sort and jnp.argsort(stable=True) under jax.jit",
                roles=("compiled",)),
        jax_jit(jax_sort_pairs, "jax_sort_pairs", description="one lax.sort of (value, index) pairs "
                "under jax.jit"),
    ),
    cost_fn=sort_rows_cost,
    large_arrays=False,  # L grows the compares per element (log2 4096 = 12 per sort), 6 MB moved
    # Sorted values are copies of input values and the stable permutation is unique: exact.
    tolerance={"float32": (0.0, 0.0), "float64": (0.0, 0.0)},
)

WORKLOADS = (AXIS_REDUCTIONS, SUMMED_AREA_TABLE, TOP_K, SORT_ROWS)
