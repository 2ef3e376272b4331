"""Loops from upstream reports of JAX CPU performance regressions: part of the regression corpus.

Each workload here runs the program shape of one report in docs/regression-reports.md, so that
the suite can measure it at the release pair the report names (its ``upstream`` field) and say
whether this machine sees the regression:

- ``scan_grad_scalar_leaves`` (jax#40150, entry 5): ``jax.grad`` through a ``lax.scan`` whose
  carry is a dict of many scalar leaves, against the same recurrence on one vector carry;
- ``while_gather_max`` (jax#25190, entry 1): a ``lax.while_loop`` with a scalar carry that
  reads one element of an array per step (a running maximum and its index);
- ``scan_cond_passthrough`` (jax#38145, entry 22): a ``lax.scan`` whose carry, a parameter
  vector, goes through a ``lax.cond`` one of whose branches returns it unchanged.

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
)
