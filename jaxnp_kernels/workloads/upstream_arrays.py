"""Upstream regression reports on array programs: the reporters' own program shapes, NumPy against JAX.

Part of the regression corpus (docs/regression-reports.md, docs/coverage.md): each workload here
runs the program of an upstream report of a JAX CPU performance regression, and names that
report and the release pair it blames in ``upstream``, so the suite's ``corpus`` selection can
measure it at exactly those releases.  Like every workload they also stand on their own: a NumPy
reference, the inputs shared by both sides, a tolerance and a cost model.

- ``diff_regularizer`` (jax#37465): ``sum(square(diff(x, axis=i)))`` over the three axes of a
  volume, and its gradient;
- ``batched_solve_3x3`` (jax#36927): ``jnp.linalg.solve`` on a huge batch of 3 x 3 systems with
  a column right-hand side, and the gradient of the sum of the solutions;
- ``vmapped_segment_sum`` and ``vmapped_segment_sum_transposed`` (jax#39959): ``jax.vmap`` of
  ``jax.ops.segment_sum`` over the rows of a matrix, with the batch axis first (``out_axes=0``)
  or last (``out_axes=1``) in the result.  The two layouts are two workloads because a workload
  compares every implementation with one reference of one shape.

Where a report times several jitted programs (a value and its gradient), the workload returns
all their results: its compiled implementation computes them in one program, and
"jax_two_programs" calls the report's own jitted programs one after the other, as the report
times them.
"""

import jax
import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Inputs, Workload, jax_eager, jax_jit, numpy_impl

INDEX_DTYPE = np.int32

DIFF_REGULARIZER = """diff_regularizer: jax#37465's sum of squared differences of a volume, with its gradient.

The report's program, verbatim: for each axis of a float32 volume, ``jnp.diff``, ``jnp.square``
and ``jnp.sum``, added up, and ``jax.grad`` of the same (the smoothness penalty of a
reconstruction, on standard normal voxels as in the report).  Every implementation returns
``(value, gradient)``.  "jax_value_and_grad" computes both in one program,
``jax.jit(jax.value_and_grad(f))``; "jax_two_programs" calls the report's two programs,
``jax.jit(f)`` then ``jax.jit(jax.grad(f))``, one after the other, as the report times them.
The NumPy reference takes ``np.diff`` along each axis, sums its squares and writes the
gradient by hand: ``-2 np.diff(d, prepend=0, append=0)`` of each axis's differences ``d``.  The
report blames 0.5.0 -> 0.5.3 (1.8x) and 0.7.2 -> 0.8.0 (1.4x), 1.7x slower than 0.4.31 overall,
on a 256^3 volume (its figures do not say whether the value or the gradient); 0.11.0 adds
another 2x (YNNPACK's reduce fusion leaves ``jnp.diff``'s slice out, xla#46351), outside the
releases measured here.  M is 96^3 (3.5 MB); L is the report's 256^3 (64 MB).
Claims: grad (the automatic gradient against the hand-written one), fusion (XLA fuses each
difference, square and sum; NumPy materialises every difference).
"""

BATCHED_SOLVE_3X3 = """batched_solve_3x3: jax#36927's batched jnp.linalg.solve of 3 x 3 systems, and its gradient.

The report's program: ``jax.jit(jnp.linalg.solve)`` on A float32 (B, 3, 3) and b float32 (B, 3,
1), a batch of small symmetric positive definite systems with a column right-hand side (no vmap:
solve broadcasts over the leading axis), and ``jax.jit(jax.grad(lambda A, b: sum(solve(A, b)),
argnums=(0, 1)))``.  Every implementation returns ``(x, dA, db)``: the solutions and the
gradient of their sum.  "jax_vjp" computes them in one program (``jax.vjp`` of solve: one LU per
system, reused by the adjoint solve); "jax_two_programs" calls the report's two programs, the
solve and the gradient, one after the other, as the report times them (the gradient program
factors every matrix again).  The NumPy reference is ``np.linalg.solve`` broadcasting over the
batch (one gufunc call, LAPACK ``gesv`` per system) and the hand-written adjoint: ``lambda =
solve(A^T, 1)`` is db and ``-lambda x^T`` is dA (a second ``gesv`` per system: NumPy cannot
reuse a factorisation).  The matrices are ``G G^T / 3 + I`` (eigenvalues >= 1, condition numbers
around 10 at most) rather than the report's ``G G^T + 0.01 I``, whose condition numbers reach
thousands (2,500 among 86,268 such systems) and leave float32 results little to verify.  The
report: B = 86268, solve 33.3 -> 87 ms (2.6x), gradient 57.4 -> 159 ms (2.8x) from 0.9.2 to
0.10.0.  The sizes stay below B = 22223 (batch * 3 * 3 < 200,000): above it jaxlib 0.10.2 splits
each batched triangular solve across the CPU thread pool, and the gradient's two independent
triangular solves then deadlock on a 2-core machine, each waiting for chunks queued behind the
other (seen at B = 30000 and at the report's 86268; 0.4.31 runs them).  M is 8192 systems,
above the batch (7408) from which the same chunking heuristic, jaxlib's GetLapackBatchChunkSize,
splits the LU factorisation over threads; L is 20480 (large_arrays=False: 64 MB of 3 x 3
systems would be 1.4 million, far beyond the deadlock).  Claim: grad.
"""

VMAPPED_SEGMENT_SUM = """vmapped_segment_sum: jax#39959's vmapped segment_sum, batch axis first (out_axes=0).

The report's program (a reconstruction: its script was not in the excerpt we have): a float32
matrix ``data`` (batch, n), int32 segment ids (n,) shared by every row, uniform over
``segments`` (unsorted, ~16 values per segment as in the report), and
``jax.jit(jax.vmap(lambda row: segment_sum(row, ids, segments), out_axes=0))``: the result is
(batch, segments).  The report: 0.9.1 -> 0.9.2, 1.71 -> 8.52 ms (5x) at batch 1024, n 200,000,
12,123 segments; the cause named upstream is XLA's removal of the scatter operand-dimension
canonicalisation (after it the vmapped scatter writes the result with a stride; the fix,
xla#47649, restores it in the GPU pipelines only).  The report does not say which device it
measured, and that GPU-only fix suggests a GPU: on CPU it is a check of whether the same change
costs anything.  The NumPy reference is vectorised: each row's ids offset into the flat output
and one ``np.add.at`` (NumPy's fast 1-D path, accumulating in the dtype as XLA does);
"numpy_bincount" is ``np.bincount`` with weights on the same flat ids (it accumulates in
float64); "numpy_loop" is the per-row loop of ``np.bincount(ids, weights=row)`` that vmap
replaces (sorting the ids once and ``np.add.reduceat`` along the rows was 2 to 4 times slower
than these, and needs care with empty segments, so it is left out).  M is 32 rows of 16,384
values into 1,000 segments; L is the report's n and segments with 96 rows (77 MB in float32;
the report's 1024 rows would be 800 MB).  Claim: vmap.
"""

VMAPPED_SEGMENT_SUM_TRANSPOSED = """vmapped_segment_sum_transposed: jax#39959's segment_sum, batch axis last.

The same program, inputs and NumPy formulations as vmapped_segment_sum, with ``out_axes=1``: the
result is (segments, batch), each row's segment sums written down a column.  The report names
this layout's own regression: 0.10.1 -> 0.10.2, 1.39 -> 2.43 ms (1.75x), at its size (batch
1024, n 200,000, 12,123 segments), and the same cause and doubt about the device (probably a
GPU).  NumPy's reference offsets each row's ids into the flat (segments, batch) output and calls
``np.add.at`` once; "numpy_bincount" does the same with ``np.bincount``; "numpy_loop" stacks the
per-row ``np.bincount`` results as columns.  Claim: vmap.
"""


# -- diff_regularizer ---------------------------------------------------------------------------

def make_volume(rng, dtype, side):
    # Standard normal voxels, as the report's jax.random.normal volume.
    return (rng.standard_normal((side, side, side)).astype(dtype),)


def numpy_regularizer_and_grad(x):
    """The penalty and its hand-written gradient.

    With d = diff(x) along an axis, the penalty's terms d_i^2 = (x_{i+1} - x_i)^2 give
    dP/dx_j = 2 (d_{j-1} - d_j), where d_{-1} = d_{n-1} = 0: -2 diff of d padded with zeros.
    """
    zero = x.dtype.type(0)
    value = zero
    grad = np.zeros_like(x)
    for axis in range(x.ndim):
        d = np.diff(x, axis=axis)
        value = value + np.sum(np.square(d))
        grad -= np.diff(d, axis=axis, prepend=zero, append=zero)
    grad *= 2
    return value, grad


def regularizer(x):
    """The report's ``reg_square``."""
    cost = 0.0
    for i in range(x.ndim):
        xd = jnp.diff(x, axis=i)
        cost += jnp.sum(jnp.square(xd))
    return cost


def jax_regularizer_value_and_grad(x):
    return jax.value_and_grad(regularizer)(x)


_regularizer_program = jax.jit(regularizer)
_regularizer_grad_program = jax.jit(jax.grad(regularizer))


def jax_regularizer_two_programs(x):
    """The report's two jitted programs, the value and the gradient, one after the other."""
    return _regularizer_program(x), _regularizer_grad_program(x)


def regularizer_cost(dtype, side):
    # Per voxel and axis: a difference, a square and an add (the value), a difference of the
    # padded differences and its accumulation (the gradient); the final scaling by 2.  The
    # volume is read once, the gradient written once.
    n = side**3
    return Cost(flops=16 * n, bytes=2 * n * dtype.itemsize)


# -- batched_solve_3x3 --------------------------------------------------------------------------

def make_small_spd_systems(rng, dtype, batch):
    # A = G G^T / 3 + I with G standard normal: symmetric positive definite with eigenvalues
    # >= 1, so |x| <= |b| and float32 keeps ~6 digits.  b is a column (B, 3, 1), as in the report.
    g = rng.standard_normal((batch, 3, 3))
    a = g @ g.swapaxes(-1, -2) / 3 + np.eye(3)
    b = rng.standard_normal((batch, 3, 1))
    return a.astype(dtype), b.astype(dtype)


def numpy_solve_and_grad(a, b):
    """x = A^-1 b and the hand-written gradient of sum(x): lambda = A^-T 1 is d/db and
    -lambda x^T is d/dA (a second LU per system: NumPy cannot reuse the first)."""
    x = np.linalg.solve(a, b)
    lam = np.linalg.solve(a.swapaxes(-1, -2), np.ones_like(b))
    return x, -lam * x.swapaxes(-1, -2), lam


def jax_solve_and_grad(a, b):
    x, pullback = jax.vjp(jnp.linalg.solve, a, b)
    grad_a, grad_b = pullback(jnp.ones_like(x))
    return x, grad_a, grad_b


def solutions_sum(a, b):
    """The report's loss."""
    return jnp.sum(jnp.linalg.solve(a, b))


_solve_program = jax.jit(jnp.linalg.solve)
_solve_grad_program = jax.jit(jax.grad(solutions_sum, argnums=(0, 1)))


def jax_solve_two_programs(a, b):
    """The report's two jitted programs, the solve and the gradient, one after the other."""
    return (_solve_program(a, b),) + _solve_grad_program(a, b)


def solve_3x3_cost(dtype, batch):
    # Per system (n = 3): one LU (2/3 n^3 = 18; NumPy and the two-program form do two, the
    # count follows the work needed), two pairs of triangular solves for x and lambda
    # (2 x 2 n^2 = 36), the outer product (n^2 = 9).  A and b read once; x, dA and db written.
    return Cost(flops=63 * batch, bytes=(9 + 3 + 3 + 9 + 3) * batch * dtype.itemsize)


# -- vmapped_segment_sum ------------------------------------------------------------------------

def make_segment_rows(rng, dtype, batch, n, segments):
    data = rng.standard_normal((batch, n)).astype(dtype)
    ids = rng.integers(0, segments, n).astype(INDEX_DTYPE)
    return Inputs((data, ids), {"segments": segments, "out_axis": 0})


def make_segment_rows_transposed(rng, dtype, batch, n, segments):
    made = make_segment_rows(rng, dtype, batch, n, segments)
    return Inputs(made.arrays, {"segments": segments, "out_axis": 1})


def _flat_output_index(ids, batch, segments, out_axis):
    """Where each (row, value) lands in the flattened output: (batch, segments) for out_axis 0,
    (segments, batch) for out_axis 1.  Shape (batch, n)."""
    rows = np.arange(batch)[:, None]
    if out_axis == 0:
        return np.ravel_multi_index((rows, ids), (batch, segments))
    return np.ravel_multi_index((ids, rows), (segments, batch))


def _output_shape(batch, segments, out_axis):
    return (batch, segments) if out_axis == 0 else (segments, batch)


def numpy_segment_sum_add_at(data, ids, segments, out_axis):
    batch = data.shape[0]
    out = np.zeros(_output_shape(batch, segments, out_axis), data.dtype)
    np.add.at(out.reshape(-1), _flat_output_index(ids, batch, segments, out_axis).reshape(-1), data.reshape(-1))
    return out


def numpy_segment_sum_bincount(data, ids, segments, out_axis):
    batch = data.shape[0]
    flat = _flat_output_index(ids, batch, segments, out_axis).reshape(-1)
    sums = np.bincount(flat, weights=data.reshape(-1), minlength=batch * segments)
    return sums.reshape(_output_shape(batch, segments, out_axis)).astype(data.dtype)


def numpy_segment_sum_loop(data, ids, segments, out_axis):
    """One ``np.bincount`` per row: the loop vmap replaces."""
    sums = [np.bincount(ids, weights=row, minlength=segments) for row in data]
    return np.stack(sums, axis=out_axis).astype(data.dtype)


def jax_segment_sum_one(row, ids, segments):
    """The per-example function: one row's segment sums, (segments,)."""
    return jax.ops.segment_sum(row, ids, segments)


def jax_vmapped_segment_sum(data, ids, segments, out_axis):
    return jax.vmap(lambda row: jax_segment_sum_one(row, ids, segments), out_axes=out_axis)(data)


def segment_sum_cost(dtype, batch, n, segments):
    # One add per value.  Bytes: the values and the shared ids read once, the sums written once.
    return Cost(flops=batch * n,
                bytes=batch * n * dtype.itemsize + n * np.dtype(INDEX_DTYPE).itemsize
                + batch * segments * dtype.itemsize)


def segment_sum_workload(name, description, make_inputs_fn, layout):
    """One of the two layouts: the same sizes, implementations and tolerance, its own inputs'
    ``out_axis`` and result ``layout``."""
    return Workload(
        name=name,
        claims=("vmap",),
        area="indexing",
        description=description,
        # S in milliseconds; M 32 rows of 16,384 values; L the report's n and segments, 96 rows.
        sizes={"S": {"batch": 4, "n": 256, "segments": 16},
               "M": {"batch": 32, "n": 16_384, "segments": 1_000},
               "L": {"batch": 96, "n": 200_000, "segments": 12_123}},
        make_inputs_fn=make_inputs_fn,
        implementations=(
            numpy_impl(numpy_segment_sum_add_at, description=f"offsets into the flat {layout} output, "
                       "one np.add.at"),
            numpy_impl(numpy_segment_sum_bincount, "numpy_bincount", roles=("numpy_alternative",),
                       description=f"offsets into the flat {layout} output, one np.bincount (float64 sums)"),
            numpy_impl(numpy_segment_sum_loop, "numpy_loop", roles=("python_loop",),
                       description="NumPy, Python loop of np.bincount per row"),
            jax_jit(jax_vmapped_segment_sum, "jax_vmap", roles=("compiled", "vmapped"),
                    description=f"jax.vmap of jax.ops.segment_sum under jit, result {layout}"),
        ),
        cost_fn=segment_sum_cost,
        # Each sum adds ~16 (up to ~45) standard normal values in an order that differs between
        # implementations (numpy_loop and numpy_bincount sum in float64): the float32 differences
        # are a few ulps of partial sums reaching ~25, and a sum may be near zero, so the
        # tolerance is mainly absolute, as segment_reduce's.
        tolerance={"float32": (1e-5, 1e-5), "float64": (1e-12, 1e-13)},
        upstream=("jax#39959 0.9.1->0.9.2", "jax#39959 0.10.1->0.10.2"),
    )


WORKLOADS = (
    Workload(
        name="diff_regularizer",
        claims=("grad", "fusion"),
        area="stencils",
        description=DIFF_REGULARIZER,
        sizes={"S": {"side": 12}, "M": {"side": 96}, "L": {"side": 256}},
        make_inputs_fn=make_volume,
        implementations=(
            numpy_impl(numpy_regularizer_and_grad, description="np.diff per axis, hand-written gradient"),
            jax_jit(jax_regularizer_value_and_grad, "jax_value_and_grad", roles=("compiled",),
                    description="jax.jit(jax.value_and_grad(f)): value and gradient in one program"),
            jax_eager(jax_regularizer_two_programs, "jax_two_programs", roles=(),
                      description="the report's jax.jit(f) then jax.jit(jax.grad(f)), two dispatches"),
        ),
        cost_fn=regularizer_cost,
        # The value sums ~3 side^3 squares of O(1) differences (5e6 at M): both sides sum
        # pairwise or in blocks, 4e-7 relative apart in float32 at M.  Gradient entries reach
        # ~20; their float32 rounding differs by ~1e-6 absolute.
        tolerance={"float32": (1e-5, 1e-5), "float64": (1e-11, 1e-12)},
        upstream=("jax#37465 0.5.0->0.5.3", "jax#37465 0.7.2->0.8.0"),
    ),
    Workload(
        name="batched_solve_3x3",
        claims=("grad",),
        area="linalg",
        description=BATCHED_SOLVE_3X3,
        sizes={"S": {"batch": 64}, "M": {"batch": 8_192}, "L": {"batch": 20_480}},
        make_inputs_fn=make_small_spd_systems,
        implementations=(
            numpy_impl(numpy_solve_and_grad, description="np.linalg.solve broadcast over the batch, "
                       "hand-written adjoint (two gesv per system)"),
            jax_jit(jax_solve_and_grad, "jax_vjp", roles=("compiled",),
                    description="jax.jit of jax.vjp(jnp.linalg.solve): solution and gradient, one LU"),
            jax_eager(jax_solve_two_programs, "jax_two_programs", roles=(),
                      description="the report's jax.jit(solve) then jax.jit(jax.grad(sum(solve))), "
                      "two dispatches"),
        ),
        cost_fn=solve_3x3_cost,
        large_arrays=False,
        # Solutions and gradients are O(1) to O(10) (eigenvalues of A >= 1); LAPACK's gesv and
        # XLA's LU round differently, and a gradient entry is a product of two solutions.
        tolerance={"float32": (2e-5, 2e-6), "float64": (1e-10, 1e-12)},
        upstream=("jax#36927 0.9.2->0.10.0",),
    ),
    segment_sum_workload("vmapped_segment_sum", VMAPPED_SEGMENT_SUM, make_segment_rows, "(batch, segments)"),
    segment_sum_workload("vmapped_segment_sum_transposed", VMAPPED_SEGMENT_SUM_TRANSPOSED,
                         make_segment_rows_transposed, "(segments, batch)"),
)
