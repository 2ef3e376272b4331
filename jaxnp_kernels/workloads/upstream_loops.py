"""Loops from upstream reports of JAX CPU performance regressions: part of the regression corpus.

Each workload here runs the program shape of one report in docs/regression-reports.md, so that
the suite can measure it at the release pair the report names (its ``upstream`` field) and say
whether this machine sees the regression:

- ``scan_grad_scalar_leaves`` (jax#40150, entry 5): ``jax.grad`` through a ``lax.scan`` whose
  carry is a dict of many scalar leaves, against the same recurrence on one vector carry;
- ``while_gather_max`` (jax#25190, entry 1): a ``lax.while_loop`` with a scalar carry that
  reads one element of an array per step (a running maximum and its index);
- ``scan_cond_passthrough`` (jax#38145, entry 22): a ``lax.scan`` whose carry, a parameter
  vector, goes through a ``lax.cond`` one of whose branches returns it unchanged;
- ``linearize_scan_scatter`` (jax#31282, entry 3): ``jax.vmap`` of ``jax.linearize`` of a
  ``lax.scan`` that reads one element of a carried buffer and writes another each step;
- ``scan_matrix_carry`` (jax#36799, entry 4): a ``lax.scan`` whose carry is a 3 x 3 matrix (a
  quasiseparable Cholesky), a float64 report: the corpus measures its float64 row as well
  (``upstream_dtypes``).

The shapes are the reports' (reconstructed where docs/regression-reports.md says so); sizes
are cut to what a 2-core machine times in milliseconds, and the reports' ``pmap`` is left out.
Each workload's description gives the reported magnitude; none of them is claimed to reproduce
its report until the side-by-side runs say so (docs/coverage.md).
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..registry import Cost, Workload, jax_jit, numpy_impl

INDEX_DTYPE = np.int32

# -- scan_grad_scalar_leaves -------------------------------------------------------------------

SCALAR_LEAVES = """scan_grad_scalar_leaves: jax.grad through a lax.scan whose carry is a dict of scalar leaves.

The program shape of jax#40150 (pyhgf): the carry of a ``lax.scan`` is a dict of ``leaves``
scalars (60 at M, over 614 steps, as in the report), and each step updates every leaf from
itself, its ring neighbour and the step's input, ``s_i <- tanh(a_i s_i + (1 - a_i) s_{i+1} +
x_t)``, and emits the sum of the new leaves; the loss is the sum of those outputs and the
workload returns its gradient with respect to the initial leaves.  "jax_scalar_leaves" (the
compiled one) is ``jax.jit(jax.grad(loss))`` with the dict carry: reverse mode turns each leaf
into scalar HLO instructions of its own, thousands in the loop body.  "jax_vector_carry" runs
the same recurrence on one (leaves,) array carry (``jnp.roll`` for the neighbour), the
report's contrast: its cost does not grow with the number of leaves the way the dict's does.
NumPy runs the recurrence as a Python loop over steps on the (leaves,) vector, storing every
state, then a hand-written reverse loop (``dz = (g + 1)(1 - s_t^2)``, ``g <- a dz +
((1 - a) dz)[previous]``): a sequential recurrence has no vectorised form.  Reported: 0.469 ms
on JAX 0.4.31 against 28.6 ms on 0.4.32 (60x; 0.4.32 was yanked, so the pair measured here is
0.4.31 -> 0.4.33), still ~35x on 0.11.1, with the same optimised HLO on both CPU runtimes: the
cost is in the thunk runtime's per-instruction overhead, and grows linearly with the leaves.
L has 80 leaves over 2456 steps (large_arrays=False: it grows the instructions and the steps,
the arrays stay below a megabyte).  Claims: grad, loop.
"""


def make_leaves_inputs(rng, dtype, leaves, steps):
    init = rng.uniform(-0.5, 0.5, leaves).astype(dtype)
    a = rng.uniform(0.5, 0.9, leaves).astype(dtype)  # weight of a leaf's own value
    xs = rng.uniform(-1.0, 1.0, steps).astype(dtype)
    return init, a, xs


def numpy_leaves_grad(init, a, xs):
    """Forward loop storing every state, then the adjoint loop backwards in time.

    With z_t = a s_{t-1} + (1 - a) s_{t-1}[next] + x_t (leaf i reads leaf i + 1, cyclically) and
    s_t = tanh(z_t), the loss is sum_t sum_i s_t[i]; g = dloss/ds_t through all later steps
    gives dz = (g + 1)(1 - s_t^2), and dloss/ds_{t-1} = a dz + ((1 - a) dz)[previous].
    """
    b = 1 - a
    following = np.roll(np.arange(init.shape[0]), -1)  # an index array: cheaper than np.roll
    preceding = np.roll(np.arange(init.shape[0]), 1)
    states = np.empty((xs.shape[0], init.shape[0]), init.dtype)
    s = init
    for t in range(xs.shape[0]):
        z = a * s
        z += b * s[following]
        z += xs[t]
        s = states[t] = np.tanh(z)
    g = np.zeros_like(init)
    for t in range(xs.shape[0] - 1, -1, -1):
        dz = 1 - states[t] * states[t]
        dz *= g + 1
        g = a * dz
        g += (b * dz)[preceding]
    return g


def leaf_names(count):
    return [f"s{i:03d}" for i in range(count)]


def scalar_leaves_loss(carry, a, xs):
    """The loss with a dict carry of scalars: one set of scalar instructions per leaf."""
    names = leaf_names(len(carry))
    weights = [a[i] for i in range(len(names))]

    def step(c, x):
        new = {name: jnp.tanh(w * c[name] + (1 - w) * c[names[(i + 1) % len(names)]] + x)
               for i, (name, w) in enumerate(zip(names, weights))}
        return new, sum(new.values())

    _, ys = lax.scan(step, carry, xs)
    return jnp.sum(ys)


def jax_scalar_leaves_grad(init, a, xs):
    names = leaf_names(init.shape[0])
    grads = jax.grad(scalar_leaves_loss)({name: init[i] for i, name in enumerate(names)}, a, xs)
    return jnp.stack([grads[name] for name in names])


def vector_carry_loss(init, a, xs):
    def step(s, x):
        s = jnp.tanh(a * s + (1 - a) * jnp.roll(s, -1) + x)
        return s, jnp.sum(s)

    _, ys = lax.scan(step, init, xs)
    return jnp.sum(ys)


def jax_vector_carry_grad(init, a, xs):
    return jax.grad(vector_carry_loss)(init, a, xs)


def leaves_cost(dtype, leaves, steps):
    # Per leaf and step: forward 5 flops (two multiplies, two adds, tanh counted as one) and
    # one add for the step's output; backward 7 (1 - s^2 and g + 1: 3, their product, two
    # multiplies by the weights, one add).  Bytes: the inputs read once, every state written by
    # the forward pass and read back by the backward one, the gradient written.
    return Cost(flops=13 * leaves * steps,
                bytes=(3 * leaves + steps + 2 * leaves * steps) * dtype.itemsize)


# -- while_gather_max --------------------------------------------------------------------------

WHILE_MAX = """while_gather_max: a lax.while_loop that reads one array element per step (running max and index).

The program shape of jax#25190: a ``lax.while_loop`` whose carry is three scalars, the running
maximum, its index and the step, and whose body reads one element ``x[i]`` of an n-element
array (a single-element gather or dynamic slice) and keeps it when it is larger; the loop runs
n - 1 steps and returns the maximum and the index of its first occurrence.  The work per step is
a compare and two selects, so the time is the loop's per-iteration overhead: what a runtime adds
to each iteration of a tiny body.  The report ran 2^22 steps pmapped over 96 forced host
devices, 2 s on JAX 0.4.31 against 42 s on 0.4.33 (21x, the thunk runtime's first release);
here one device runs the loop, n = 2^16 at M and the report's 2^22 at L (16 MB in float32,
large_arrays=False: L grows the steps).  The values are integers in [0, n/4] stored as floats, so
the maximum occurs several times and the first occurrence is checked exactly.  NumPy's
reference is what a NumPy user writes, ``x.max()`` and ``x.argmax()``; "numpy_loop" is the
Python loop the compiled loop replaces (S and M), "jax_argmax" the vectorised JAX form.
Claim: loop.
"""


def make_max_inputs(rng, dtype, n):
    return (rng.integers(0, n // 4 + 1, n).astype(dtype),)


def numpy_max(x):
    # The index as int32 on both sides: JAX's default integer (NumPy's is int64).
    return x.max(), INDEX_DTYPE(x.argmax())


def numpy_loop_max(x):
    best, where = x[0], 0
    for i in range(1, x.shape[0]):
        if x[i] > best:
            best, where = x[i], i
    return best, INDEX_DTYPE(where)


def jax_while_max(x):
    def more(state):
        return state[2] < x.shape[0]

    def step(state):
        best, where, i = state
        value = x[i]
        larger = value > best
        return jnp.where(larger, value, best), jnp.where(larger, i, where), i + 1

    best, where, _ = lax.while_loop(more, step, (x[0], INDEX_DTYPE(0), INDEX_DTYPE(1)))
    return best, where


def jax_argmax(x):
    where = jnp.argmax(x).astype(INDEX_DTYPE)
    return x[where], where


def max_cost(dtype, n):
    # One compare per element (the selects counted with it).  Bytes: x read once.
    return Cost(flops=n, bytes=n * dtype.itemsize + dtype.itemsize + 4)


# -- scan_cond_passthrough -----------------------------------------------------------------------

PASSTHROUGH = """scan_cond_passthrough: a lax.scan whose carry goes through a lax.cond with a passthrough branch.

The program shape of jax#38145: the carry of a ``lax.scan`` is a parameter vector (d floats,
4096 at M over 4000 steps), and each step runs ``lax.cond(flag_t, update, passthrough,
params)``, where ``update`` moves the parameters towards a target, ``p <- 0.99 p + 0.01 c``, and
``passthrough`` returns them unchanged; the flags are an int32 input, a step updates with
probability 1/2, so no float comparison decides a branch.  The report: XLA's copy insertion
copies every carried buffer on every iteration once a passthrough conditional is in the body
(none on JAX 0.7.2, one per buffer and step on 0.8.2 and 0.9.1), 251 ms -> 651 ms (2.6x) for
25 000 steps, **measured on a GPU (L40S); the CPU effect is not confirmed**.  The cause is in
backend-independent HLO passes, which is why the corpus probes it on CPU: the fix (xla#46314,
in jaxlib 0.11.1) says copies were elided only for a passthrough in the first branch of the
HLO conditional.  "jax_cond" is the report's order (passthrough as the false branch, which
JAX 0.4.31 and 0.10.2 place first: their loops copy nothing); "jax_cond_flipped" negates the
predicate and swaps the branches, so the passthrough is the second branch, and both releases
copy the carry inside the loop; "jax_where" computes the update every step and selects with
``jnp.where`` (no conditional).  NumPy runs the Python loop with an ``if`` per step (the
recurrence is sequential).  L carries 16 384 floats over the report's 25 000 steps
(large_arrays=False: L grows the steps; 64 KB of carry).  Claim: loop.
"""

#: The update's contraction towards the target.
DECAY = 0.99
#: Probability that a step takes the update branch rather than the passthrough.
UPDATE_PROBABILITY = 0.5


def make_passthrough_inputs(rng, dtype, d, steps):
    params = rng.standard_normal(d).astype(dtype)
    target = rng.standard_normal(d).astype(dtype)
    flags = (rng.random(steps) < UPDATE_PROBABILITY).astype(INDEX_DTYPE)
    return params, target, flags


def numpy_passthrough(params, target, flags):
    """Python loop with one ``if`` per step: the update, or the parameters as they are."""
    for flag in flags.tolist():
        if flag:
            params = update_towards(params, target)
    return params


def update_towards(params, target):
    """The update branch (NumPy or JAX arrays): a step of the parameters towards the target."""
    return DECAY * params + (1 - DECAY) * target


def passthrough(params, target):
    return params


def jax_scan_cond(params, target, flags):
    def step(p, flag):
        return lax.cond(flag != 0, update_towards, passthrough, p, target), None

    return lax.scan(step, params, flags)[0]


def jax_scan_cond_flipped(params, target, flags):
    """The same conditional with the predicate negated and the branches swapped: the passthrough
    becomes the true branch, the second branch of the HLO conditional."""
    def step(p, flag):
        return lax.cond(flag == 0, passthrough, update_towards, p, target), None

    return lax.scan(step, params, flags)[0]


def jax_scan_where(params, target, flags):
    def step(p, flag):
        return jnp.where(flag != 0, update_towards(p, target), p), None

    return lax.scan(step, params, flags)[0]


def passthrough_cost(dtype, d, steps):
    # Per element and update step: two multiplies and an add; half the steps update.  Bytes: the
    # carry read and written every step (a loop whose steps are not fused), the target and the
    # flags read once.
    return Cost(flops=3 * UPDATE_PROBABILITY * d * steps,
                bytes=2 * d * steps * dtype.itemsize + d * dtype.itemsize + 4 * steps)


# -- linearize_scan_scatter --------------------------------------------------------------------

LINEARIZE_SCATTER = """linearize_scan_scatter: vmap of jax.linearize of a lax.scan scattering into its carried buffer.

The program shape of jax#31282 (equinox's buffer pattern): ``jax.vmap`` over a batch of 2 of
``jax.linearize`` of a ``lax.scan`` whose carry is (int32 step, a buffer of ``length`` floats);
each step reads one element ``xs[i]`` at an index ``i`` uniform in [0, step] and writes
``xs.at[step].set(2 tanh(xs[i]))``, and the workload returns the linearized function applied to
ones (the tangent of the final buffer).  The report draws ``i`` with ``jr.randint(jr.key(step),
...)`` inside the body; JAX's PRNG cannot be reproduced in NumPy, so here ``make_inputs`` draws
the index sequences (one per batch row, int32), both backends read the same ones, and the scan
takes them as its xs: the body keeps its read and its write into the carried buffer, without the
threefry hash.  The initial steps are an input batched like the buffer, as in the report, so
under vmap the write is a scatter at a batched index.  The report's buffer starts at zeros;
here it is uniform in [-1, 1], so the tangents (products of 2 (1 - tanh^2) along each chain of
reads) are more than powers of two.  ``jax.linearize`` splits the loop in two scans, each
carrying a (2, length) buffer and scattering into it: the primal one, which also stacks the
residuals, and the tangent one.  NumPy computes the primal and the tangent together in a Python
loop over the steps, vectorised over the batch (``dxs[step] = 2 (1 - tanh(xs[i])^2) dxs[i]``):
the recurrence is sequential.  Reported: 0.3 s on JAX 0.7.0 against 10 s on 0.7.1 (~33x, a Mac
CPU) at length 100 000, bisected (equinox#1088) to the jaxlib nightlies of 2025-08-13/14, and
fine again by 0.8 according to diffrax's maintainer.  M is 10 000 steps (a few milliseconds on
0.7.0 on a 2-core machine, NumPy's loop about 40 ms); L is the report's 100 000
(large_arrays=False: 800 KB of buffer, L grows the steps).  Claims: grad, loop.
"""

#: The report's batch (``jax.vmap`` over two buffers).
LINEARIZE_BATCH = 2


def make_linearize_inputs(rng, dtype, length, batch=LINEARIZE_BATCH):
    """The initial steps (zeros, as in the report), the buffers and, for each row, the index
    read at step s: uniform in [0, s] (``floor(u (s + 1))`` with u in [0, 1))."""
    init_step = np.zeros(batch, INDEX_DTYPE)
    init_xs = rng.uniform(-1.0, 1.0, (batch, length)).astype(dtype)
    indices = np.floor(rng.random((batch, length)) * np.arange(1, length + 1)).astype(INDEX_DTYPE)
    return init_step, init_xs, indices


def numpy_linearize_scan_scatter(init_step, init_xs, indices):
    """The primal and its tangent (seeded with ones) step by step, both rows at once."""
    batch, length = init_xs.shape
    # Flat positions: one fancy index into a 1-D array is cheaper than a pair into a 2-D one.
    offsets = np.arange(batch) * length
    reads = indices.astype(np.intp) + offsets[:, None]
    writes = init_step.astype(np.intp) + offsets
    xs = init_xs.copy().reshape(-1)
    dxs = np.ones_like(xs)
    two = xs.dtype.type(2)
    for s in range(indices.shape[1]):
        where = reads[:, s]
        t = np.tanh(xs[where])
        dxs[writes] = two * (1 - t * t) * dxs[where]
        xs[writes] = two * t
        writes += 1
    return dxs.reshape(batch, length)


def jax_linearize_scan_scatter(init_step, init_xs, indices):
    """The report's program, the index taken from the scan's xs instead of ``jr.randint``."""
    def one(step0, xs0, idx):
        def loop(xs):
            def body(carry, i):
                step, xs = carry
                return (step + 1, xs.at[step].set(2 * jnp.tanh(xs[i]))), None

            (_, xs), _ = lax.scan(body, (step0, xs), idx)
            return xs

        return jax.linearize(loop, xs0)[1](jnp.ones_like(xs0))

    return jax.vmap(one)(init_step, init_xs, indices)


def linearize_cost(dtype, length, batch=LINEARIZE_BATCH):
    # Per step and row: tanh (counted as one), 2 t, t^2, 1 - t^2, its double and the product with
    # the tangent read.  Bytes: the buffers and the indices read once, the tangents written.
    return Cost(flops=6 * batch * length,
                bytes=batch * length * (2 * dtype.itemsize + 4) + batch * 4)


# -- scan_matrix_carry ---------------------------------------------------------------------------

MATRIX_CARRY = """scan_matrix_carry: a lax.scan whose carry is a 3 x 3 matrix (a quasiseparable Cholesky, float64).

The program shape of jax#36799 (tinygp): a ``lax.scan`` over n steps whose carry is a (3, 3)
matrix ``f``; step k propagates it, ``g = a_k f a_k^T``, takes the pivot ``c_k = d_k - p_k g
p_k`` and the row ``w_k = (q_k - g p_k) / c_k``, and carries ``g + c_k w_k w_k^T``; the workload
returns the last carry, the pivots and the rows.  The step is the reconstruction of
docs/regression-reports.md (the report's reproducer was cut off after its sizes): the LDL^T
form of tinygp's quasiseparable Cholesky with J = 3.  The inputs are those of the report's
kernel, a Matern-5/2 (scale 1) in its state-space form at n sorted random times (mean gap 0.5)
plus a white noise of variance 0.1: ``d_k = 1.1``, ``p_k = (1, 0, 0)``, ``q_k = P p_k`` (P the
stationary covariance), ``a_k = exp(F (t_k - t_{k-1}))`` (exact: F + sqrt(5) I is nilpotent),
so the matrix factored is the kernel matrix, its pivots positive and above the noise; the
sketch's random p, q and a = 0.9 I give pivots of both signs, up to 4.5e4 in size, which leaves
no result to verify.  Every step is a dozen operations on 3-vectors and 3 x 3 matrices, so the
time is the loop's per-iteration overhead.  The report is about float64 only: on JAX 0.9.1
n = 2000 takes 10.2x as long as on 0.4.31 (4.4x at n = 200, 2x at 50), bisected to
0.4.31 -> 0.4.33 (the thunk runtime; the old runtime's flag restored the speed while it
existed); float32 is not affected on 0.9.1 (0.67x), nor are J = 1 and 2.  ``upstream`` names
both comparisons, the bisected pair and the pair of the magnitudes; the corpus and the sweep
measure it in both dtypes (``upstream_dtypes``): float64 is the report's row, float32 its
control.  NumPy runs the recurrence as a Python loop over the steps (sequential: no vectorised
form).  M is the report's n = 2000; L is 32 768 steps (large_arrays=False: 4 MB of inputs in
float64, L grows the steps).  Claim: loop.
"""

#: The Matern-5/2 kernel's length scale, the mean gap between the sorted times and the variance
#: of the white noise added to its diagonal.
MATERN_SCALE = 1.0
MATERN_GAP = 0.5
MATERN_NOISE = 0.1


def matern52_state_space(times, dtype):
    """(d, p, q, a) of the Matern-5/2 kernel matrix at sorted ``times``, plus noise, as a
    symmetric quasiseparable matrix: its entry (i, j), i > j, is ``p_i^T a_i ... a_{j+1} q_j``.

    The kernel's state-space model has F = [[0, 1, 0], [0, 0, 1], [-l^3, -3 l^2, -3 l]] with
    l = sqrt(5) / scale, observation p = (1, 0, 0) and stationary covariance P (unit variance);
    k(t_i - t_j) = p^T exp(F (t_i - t_j)) P p.  N = F + l I is nilpotent (F's characteristic
    polynomial is (s + l)^3), so exp(F dt) = exp(-l dt) (I + N dt + N^2 dt^2 / 2).  a_0 is the
    identity (the initial carry is zero).
    """
    rate = np.sqrt(5.0) / MATERN_SCALE
    n = times.shape[0]
    nilpotent = np.array([[rate, 1.0, 0.0], [0.0, rate, 1.0], [-rate ** 3, -3 * rate ** 2, -2 * rate]])
    gaps = np.diff(times, prepend=times[0])[:, None, None]
    a = np.exp(-rate * gaps) * (np.eye(3) + nilpotent * gaps + nilpotent @ nilpotent * gaps ** 2 / 2)
    stationary = np.array([[1.0, 0.0, -rate ** 2 / 3], [0.0, rate ** 2 / 3, 0.0], [-rate ** 2 / 3, 0.0, rate ** 4]])
    p = np.tile([1.0, 0.0, 0.0], (n, 1))
    q = p @ stationary  # P is symmetric
    d = np.full(n, 1.0 + MATERN_NOISE)
    return tuple(x.astype(dtype) for x in (d, p, q, a))


def make_matrix_carry_inputs(rng, dtype, n):
    return matern52_state_space(np.sort(rng.uniform(0.0, MATERN_GAP * n, n)), dtype)


def numpy_matrix_carry(d, p, q, a):
    """The recurrence step by step; returns the last carry, the pivots and the rows."""
    f = np.zeros((p.shape[1], p.shape[1]), d.dtype)
    c = np.empty_like(d)
    w = np.empty_like(q)
    for k in range(d.shape[0]):
        g = a[k] @ f @ a[k].T
        gp = g @ p[k]
        c[k] = ck = d[k] - p[k] @ gp
        w[k] = wk = (q[k] - gp) / ck
        f = g + ck * np.outer(wk, wk)
    return f, c, w


def jax_matrix_carry(d, p, q, a):
    """The reconstruction in docs/regression-reports.md, entry 4."""
    def step(f, x):
        dk, pk, qk, ak = x
        g = ak @ f @ ak.T
        ck = dk - pk @ g @ pk
        wk = (qk - pk @ g) / ck
        return g + ck * jnp.outer(wk, wk), (ck, wk)

    f, (c, w) = lax.scan(step, jnp.zeros((p.shape[1], p.shape[1]), d.dtype), (d, p, q, a))
    return f, c, w


def matrix_carry_cost(dtype, n, j=3):
    # Per step: a f a^T (two j x j products, 4 j^3), the pivot (2 j^2 + 2 j), the row (2 j^2 + 2 j),
    # the update (3 j^2).  Bytes: d, p, q and a read once, c, w and the last carry written.
    return Cost(flops=n * (4 * j ** 3 + 7 * j ** 2 + 4 * j),
                bytes=(n * (1 + 2 * j + j * j) + n * (1 + j) + j * j) * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="scan_grad_scalar_leaves",
        claims=("grad", "loop"),
        area="autodiff",
        description=SCALAR_LEAVES,
        sizes={"S": {"leaves": 12, "steps": 40}, "M": {"leaves": 60, "steps": 614},
               "L": {"leaves": 80, "steps": 2_456}},
        make_inputs_fn=make_leaves_inputs,
        implementations=(
            numpy_impl(numpy_leaves_grad, description="NumPy, forward and hand-written reverse Python "
                       "loops over steps on a vector"),
            jax_jit(jax_scalar_leaves_grad, "jax_scalar_leaves", description="jax.grad through lax.scan "
                    "with a dict of scalar leaves as carry, under jit", roles=("compiled",)),
            jax_jit(jax_vector_carry_grad, "jax_vector_carry", description="jax.grad through lax.scan "
                    "with one vector carry, under jit"),
        ),
        cost_fn=leaves_cost,
        large_arrays=False,
        # tanh contracts, so rounding does not grow with the steps, and every gradient entry is
        # >= 1 in size: measured 2.9e-7 relative in float32 at L and 5e-16 in float64 at M,
        # on 0.4.31 and 0.10.2 alike.
        tolerance={"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-13)},
        upstream=("jax#40150 0.4.31->0.4.33",),
    ),
    Workload(
        name="while_gather_max",
        claims=("loop",),
        area="loops",
        description=WHILE_MAX,
        sizes={"S": {"n": 256}, "M": {"n": 1 << 16}, "L": {"n": 1 << 22}},
        make_inputs_fn=make_max_inputs,
        implementations=(
            numpy_impl(numpy_max, description="NumPy, x.max() and x.argmax()"),
            jax_jit(jax_while_max, "jax_while", description="lax.while_loop reading one element per "
                    "step, under jit", roles=("compiled",)),
            jax_jit(jax_argmax, "jax_argmax", description="jnp.argmax under jit"),
            numpy_impl(numpy_loop_max, "numpy_loop", sizes=("S", "M"),
                       description="NumPy, Python loop over the elements"),
        ),
        cost_fn=max_cost,
        large_arrays=False,
        # Copies of input values and an index: exact.
        tolerance={"float32": (0.0, 0.0), "float64": (0.0, 0.0)},
        upstream=("jax#25190 0.4.31->0.4.33",),
    ),
    Workload(
        name="scan_cond_passthrough",
        claims=("loop",),
        area="control_flow",
        description=PASSTHROUGH,
        sizes={"S": {"d": 64, "steps": 100}, "M": {"d": 4_096, "steps": 4_000},
               "L": {"d": 16_384, "steps": 25_000}},
        make_inputs_fn=make_passthrough_inputs,
        implementations=(
            numpy_impl(numpy_passthrough, description="NumPy, Python loop with an if per step"),
            jax_jit(jax_scan_cond, "jax_cond", description="lax.scan with a passthrough lax.cond under jit",
                    roles=("compiled",)),
            jax_jit(jax_scan_cond_flipped, "jax_cond_flipped", description="lax.scan with the passthrough "
                    "as lax.cond's true branch, under jit"),
            jax_jit(jax_scan_where, "jax_where", description="lax.scan updating every step, jnp.where, "
                    "under jit"),
        ),
        cost_fn=passthrough_cost,
        large_arrays=False,
        # The defaults: the update contracts, yet NumPy and XLA round it differently, up to
        # 5.9e-6 relative in float32 (L, after ~12 500 updates) and 1.1e-14 in float64 (M).
        upstream=("jax#38145 0.7.2->0.8.2",),
    ),
    Workload(
        name="linearize_scan_scatter",
        claims=("grad", "loop"),
        area="autodiff",
        description=LINEARIZE_SCATTER,
        sizes={"S": {"length": 64}, "M": {"length": 10_000}, "L": {"length": 100_000}},
        make_inputs_fn=make_linearize_inputs,
        implementations=(
            numpy_impl(numpy_linearize_scan_scatter, description="NumPy, Python loop over steps computing the "
                       "primal and the tangent, both rows at once"),
            jax_jit(jax_linearize_scan_scatter, "jax_linearize", roles=("compiled",),
                    description="jax.vmap of jax.linearize of lax.scan scattering into its carried buffer, "
                    "applied to ones, under jit"),
        ),
        cost_fn=linearize_cost,
        large_arrays=False,
        # Every tangent is a product of factors 2 (1 - tanh^2) along a chain of reads (no sums that
        # cancel); NumPy's and XLA's tanh round differently: up to 6.3e-6 relative in float32 at L
        # and 1.5e-14 in float64, the same on JAX 0.4.31, 0.7.0 and 0.10.2.
        tolerance={"float32": (2e-5, 1e-6), "float64": (1e-12, 1e-13)},
        upstream=("jax#31282 0.7.0->0.7.1",),
    ),
    Workload(
        name="scan_matrix_carry",
        claims=("loop",),
        area="loops",
        description=MATRIX_CARRY,
        sizes={"S": {"n": 50}, "M": {"n": 2_000}, "L": {"n": 32_768}},
        make_inputs_fn=make_matrix_carry_inputs,
        implementations=(
            numpy_impl(numpy_matrix_carry, description="NumPy, Python loop over steps of 3 x 3 products"),
            jax_jit(jax_matrix_carry, "jax_scan", roles=("compiled",),
                    description="lax.scan with a (3, 3) carry, under jit"),
        ),
        cost_fn=matrix_carry_cost,
        large_arrays=False,
        # A kernel matrix plus noise: the pivots stay above the noise, so rounding does not grow
        # with the steps: up to 3.9e-6 relative (3.2e-6 absolute, the rows' entries reach ~3) in
        # float32 at L and 6.8e-15 in float64, on JAX 0.4.31, 0.7.0 and 0.10.2.
        tolerance={"float32": (2e-5, 2e-6), "float64": (1e-12, 1e-13)},
        upstream=("jax#36799 0.4.31->0.4.33", "jax#36799 0.4.31->0.9.1"),
        upstream_dtypes=("float32", "float64"),
    ),
)
