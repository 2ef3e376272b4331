"""Dispatch: what each call from Python costs, in steady state (compilation excluded).

Two workloads, each with its own description below:

- ``dispatch_steps``: a tiny recurrent cell stepped hundreds of times from Python, op by
  op, as one jitted call per step, and as one jitted call for the whole sequence;
- ``dispatch_pytree``: one optimiser step over a model of 100 small parameter arrays,
  jitted as a single call taking 300 arrays.

Unlike ``compile_chain`` (what compiling a long chain costs), these time calls after
compilation: the per-operation and per-call overhead jit is claimed to remove, and the
per-argument overhead it adds.  Claim: jit.
"""

import jax
import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Inputs, Workload, jax_eager, jax_jit, numpy_impl

DISPATCH_STEPS = """dispatch_steps: a tiny recurrent cell, ``x <- centre(tanh(W x + u_t))``, stepped over a sequence.

Each of ``steps`` steps takes the next input row ``u_t``, multiplies the n-vector state by
the n x n matrix ``W``, adds, applies ``tanh`` and subtracts the mean: five operations
(matvec, add, tanh, mean, subtract).  The steps are sequential, and at M (n = 16, 200 steps)
each is a few hundred flops, so the many small calls ARE the measured pattern: NumPy's
reference is the Python loop of tiny NumPy calls ("numpy"), and JAX runs the same loop op by
op, about 1000 dispatches ("jax_eager"), as one call of a jitted step per step, 200
dispatches ("jax_jitted_steps", the common way of jitting a model's step from a Python
training or sampling loop), and jitted whole, the loop unrolled into one program and one
dispatch ("jax_jit").  Every form iterates over the rows of ``us`` (``for u in us``): JAX
splits an array being iterated in one operation, while indexing ``us[t]`` op by op would add
a dispatch of ~100 us per step, more than the jitted step itself.  At L (n = 4096, 16 steps)
every step streams a 64 MB matrix and the overheads vanish.  ``W`` is scaled to norm ~0.5,
so the cell contracts and float32 stays within rounding of float64 whatever the number of
steps; the inputs ``u_t`` keep it from settling on a fixed point.  Claim: jit.
"""

DISPATCH_PYTREE = """dispatch_pytree: one SGD-with-momentum step over a model's 100 parameter arrays.

The model has 50 layers, each a weight matrix (h x h) and a bias (h); the step reads the
parameters, their gradients and the velocities (300 arrays) and returns the new parameters
and velocities (one flat tuple of 200 arrays): ``v <- mu v + g + wd p``, ``p <- p - lr v``
per array.  The arrays are passed to the jitted function as 300 arguments; it arranges them
into nested dicts ({"layer_07": {"w": ..., "b": ...}}) and updates them with
``jax.tree_util.tree_map``, which costs nothing at run time (passing the nested dicts
instead would add a pytree flatten per call, then dispatch the same 300 leaves).  NumPy does
the same per-array work in a Python loop over the 100 arrays (the arrays have different
shapes, so the loop over them is the natural NumPy form; NumPy computes new arrays, as JAX
does, rather than updating in place).  At M (h = 16, 54 KB of float32 parameters) the time
is per-array overhead: 600 NumPy calls against one jitted call whose cost grows with its 300
arguments and 200 results.  At L (h = 512, 52 MB of parameters, 260 MB moved)  XLA fuses
each array's update into one pass.  No op-by-op variant: its 600 dispatches are what
``dispatch_steps`` measures.  Claim: jit.
"""


# -- dispatch_steps ---------------------------------------------------------------------------

def make_steps_inputs(rng, dtype, n, steps):
    # A Gaussian n x n matrix has spectral norm ~2 sqrt(n) sigma: W has norm ~0.5, so the
    # cell (tanh and centring have Lipschitz constant 1) contracts.
    w = rng.standard_normal((n, n)) * (0.25 / np.sqrt(n))
    x = rng.uniform(-1.0, 1.0, n)
    us = rng.uniform(-1.0, 1.0, (steps, n))
    return tuple(a.astype(dtype) for a in (w, x, us))


def numpy_step(w, x, u):
    h = np.tanh(w @ x + u)
    return h - h.mean()


def jax_step(w, x, u):
    h = jnp.tanh(w @ x + u)
    return h - h.mean()


def numpy_steps(w, x, us):
    for u in us:
        x = numpy_step(w, x, u)
    return x


def jax_steps(w, x, us):
    """Op by op without jit; unrolled into one program under jit."""
    for u in us:
        x = jax_step(w, x, u)
    return x


_jitted_step = jax.jit(jax_step)


def jax_jitted_steps(w, x, us):
    """A Python loop calling a jitted step: one dispatch per step."""
    for u in us:
        x = _jitted_step(w, x, u)
    return x


def steps_cost(dtype, n, steps):
    # Per step: the matvec (2 n^2), the add, tanh, mean and subtract (4 n).  Bytes: W read
    # every step (at L, 64 MB, far beyond the caches: each step streams it again), u_t read
    # once, the state read and written once.
    return Cost(flops=steps * (2 * n * n + 4 * n), bytes=(steps * (n * n + n) + 2 * n) * dtype.itemsize)


# -- dispatch_pytree --------------------------------------------------------------------------

LAYERS = 50
LEARNING_RATE = 0.01
MOMENTUM = 0.9
WEIGHT_DECAY = 1e-4


def make_pytree_inputs(rng, dtype, hidden):
    """Parameters, gradients, velocities: 100 arrays each, layer by layer (w, then b)."""
    shapes = [(hidden, hidden), (hidden,)] * LAYERS
    params = [rng.standard_normal(s) / np.sqrt(hidden) for s in shapes]
    grads = [rng.standard_normal(s) for s in shapes]
    velocities = [rng.standard_normal(s) for s in shapes]
    return Inputs(tuple(a.astype(dtype) for a in params + grads + velocities))


def model_tree(arrays):
    """100 leaves (w, b per layer) -> {"layer_00": {"w": ..., "b": ...}, ...}."""
    return {f"layer_{i:02d}": {"w": arrays[2 * i], "b": arrays[2 * i + 1]} for i in range(len(arrays) // 2)}


def model_leaves(tree):
    """The inverse of :func:`model_tree`, in the inputs' order (``jax.tree_util.tree_leaves``
    would sort the keys, putting every bias before its weight)."""
    return tuple(leaf for layer in tree.values() for leaf in (layer["w"], layer["b"]))


def numpy_sgd_momentum(*arrays):
    third = len(arrays) // 3
    params, grads, velocities = arrays[:third], arrays[third:2 * third], arrays[2 * third:]
    new_params, new_velocities = [], []
    for p, g, v in zip(params, grads, velocities):
        v = MOMENTUM * v + g + WEIGHT_DECAY * p
        new_params.append(p - LEARNING_RATE * v)
        new_velocities.append(v)
    return tuple(new_params) + tuple(new_velocities)


def jax_sgd_momentum(*arrays):
    third = len(arrays) // 3
    params, grads, velocities = (model_tree(arrays[i * third:(i + 1) * third]) for i in range(3))
    velocities = jax.tree_util.tree_map(lambda p, g, v: MOMENTUM * v + g + WEIGHT_DECAY * p,
                                        params, grads, velocities)
    params = jax.tree_util.tree_map(lambda p, v: p - LEARNING_RATE * v, params, velocities)
    return model_leaves(params) + model_leaves(velocities)


def pytree_cost(dtype, hidden):
    # Per parameter: 6 flops (v: 2 multiplies, 2 adds; p: a multiply and a subtract).
    # Bytes: parameters, gradients and velocities read once, parameters and velocities
    # written once.
    size = LAYERS * (hidden * hidden + hidden)
    return Cost(flops=6 * size, bytes=5 * size * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="dispatch_steps",
        claims=("jit",),
        area="dispatch",
        description=DISPATCH_STEPS,
        sizes={"S": {"n": 8, "steps": 20}, "M": {"n": 16, "steps": 200}, "L": {"n": 4_096, "steps": 16}},
        make_inputs_fn=make_steps_inputs,
        implementations=(
            numpy_impl(numpy_steps, description="NumPy, Python loop of tiny calls (the measured pattern)"),
            jax_jit(jax_steps, description="the whole loop under jit: one program, one dispatch",
                    roles=("compiled",)),
            jax_eager(jax_jitted_steps, "jax_jitted_steps", description="Python loop calling a jitted step",
                      roles=()),
            jax_eager(jax_steps, sizes=("S", "M"), description="Python loop of JAX ops, no jit"),
        ),
        cost_fn=steps_cost,
        # The cell contracts, so rounding does not accumulate over the steps; the state is
        # O(0.5).  At L each matvec sums 4096 products in an order that differs between BLAS
        # and XLA: float32 differences of a few 1e-7 absolute.
        tolerance={"float32": (1e-5, 2e-6), "float64": (1e-12, 1e-13)},
    ),
    Workload(
        name="dispatch_pytree",
        claims=("jit",),
        area="dispatch",
        description=DISPATCH_PYTREE,
        sizes={"S": {"hidden": 4}, "M": {"hidden": 16}, "L": {"hidden": 512}},
        make_inputs_fn=make_pytree_inputs,
        implementations=(
            numpy_impl(numpy_sgd_momentum, description="NumPy, Python loop over the 100 arrays"),
            jax_jit(jax_sgd_momentum, description="one jitted call taking 300 arrays, returning 200",
                    roles=("compiled",)),
        ),
        cost_fn=pytree_cost,
        # Elementwise, a few operations per value; XLA may fuse the multiply-adds differently.
        tolerance={"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-13)},
    ),
)
