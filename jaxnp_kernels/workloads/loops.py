"""Compiled loops (``lax.fori_loop``, ``lax.scan``, ``lax.while_loop``) against Python loops.

Three workloads test the loop claim, that compiling a loop removes the interpreter's
per-iteration overhead:

- ``loop_tiny_body``: thousands of steps of a tiny, sequential recurrence on 4 numbers,
  pure overhead: NumPy pays a few ufunc dispatches per step, a compiled loop pays almost
  nothing.  There is no vectorised NumPy alternative for a sequential recurrence, so the
  Python loop is the honest reference.
- ``loop_large_body``: a few steps whose body sweeps a large array: the loop overhead is
  negligible and what matters is fusing each step's elementwise chain.
- ``scan_grad``: the gradient of a loss through a ``lax.scan`` recurrence (reverse-mode
  through the loop), against a hand-written NumPy backward pass.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..registry import Cost, Inputs, Workload, jax_eager, jax_jit, numpy_impl


# -- the recurrence shared by the two loop workloads ------------------------------------------
# x <- 0.5 x + 0.25 tanh(x) + b contracts (|derivative| <= 0.75), so float32 and float64
# runs stay within rounding of each other however many steps are taken.

def step_numpy(x, b):
    return 0.5 * x + 0.25 * np.tanh(x) + b


def step_jax(x, b):
    return 0.5 * x + 0.25 * jnp.tanh(x) + b


def numpy_loop(x, b, steps):
    for _ in range(steps):
        x = step_numpy(x, b)
    return x


def jax_python_loop(x, b, steps):
    """A Python loop over JAX ops: unrolled at trace time under jit, op by op without."""
    for _ in range(steps):
        x = step_jax(x, b)
    return x


def jax_fori(x, b, steps):
    return lax.fori_loop(0, steps, lambda i, x: step_jax(x, b), x)


def jax_scan(x, b, steps):
    final, _ = lax.scan(lambda x, _: (step_jax(x, b), None), x, None, length=steps)
    return final


def jax_while(x, b, steps):
    def cond(state):
        return state[0] < steps

    def body(state):
        i, x = state
        return i + 1, step_jax(x, b)

    return lax.while_loop(cond, body, (0, x))[1]


def make_recurrence_inputs(rng, dtype, n, steps):
    x = rng.uniform(-1.0, 1.0, n).astype(dtype)
    b = rng.uniform(-0.1, 0.1, n).astype(dtype)
    return Inputs((x, b), {"steps": steps})


def recurrence_cost(dtype, n, steps):
    # per element and step: two multiplies, two adds, one tanh (5).  Every step reads x and b
    # and writes x unless the loop is fused: count that per-step traffic.
    return Cost(flops=5 * n * steps, bytes=3 * n * steps * dtype.itemsize)


def _loop_implementations(eager_sizes, unrolled_sizes):
    return (
        numpy_impl(numpy_loop, description="NumPy, Python loop over vectorised steps"),
        jax_jit(jax_fori, "jax_fori", description="lax.fori_loop under jit"),
        jax_jit(jax_scan, "jax_scan", description="lax.scan under jit"),
        jax_jit(jax_while, "jax_while", description="lax.while_loop under jit"),
        jax_jit(jax_python_loop, "jax_unrolled", sizes=unrolled_sizes,
                description="Python loop unrolled at trace time under jit"),
        jax_eager(jax_python_loop, "jax_eager_loop", sizes=eager_sizes,
                  description="Python loop over JAX ops, no jit"),
    )


# -- gradient through a scan -------------------------------------------------------------------
# h_t = a * h_{t-1} + x_t (h_0 = 0), loss = 0.5 sum_t |h_t|^2; gradient with respect to a.

def make_scan_inputs(rng, dtype, steps, d):
    a = rng.uniform(0.5, 0.95, d).astype(dtype)
    xs = rng.standard_normal((steps, d)).astype(dtype) * dtype.type(0.1)
    return a, xs


def numpy_scan_loss_and_grad(a, xs):
    steps = xs.shape[0]
    hs = np.empty_like(xs)
    h = np.zeros_like(a)
    for t in range(steps):
        h = a * h + xs[t]
        hs[t] = h
    loss = 0.5 * np.sum(hs * hs)
    grad = np.zeros_like(a)
    g = np.zeros_like(a)  # dloss/dh_t, accumulated backwards
    for t in range(steps - 1, -1, -1):
        g = hs[t] + a * g
        if t > 0:
            grad += g * hs[t - 1]
    return loss, grad


def scan_loss(a, xs):
    def body(h, x):
        h = a * h + x
        return h, h

    _, hs = lax.scan(body, jnp.zeros_like(a), xs)
    return 0.5 * jnp.sum(hs * hs)


def jax_scan_value_and_grad(a, xs):
    return jax.value_and_grad(scan_loss)(a, xs)


def scan_cost(dtype, steps, d):
    # forward: 2 flops per element and step (+2 for the loss); backward: 4.  xs read once,
    # the hidden states written and read back once.
    return Cost(flops=8 * steps * d, bytes=3 * steps * d * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="loop_tiny_body",
        claims=("loop",),
        area="loops",
        description=("A tiny body, thousands of steps: 4 numbers through a contracting recurrence. "
                     + __doc__),
        sizes={"S": {"n": 4, "steps": 100}, "M": {"n": 4, "steps": 2_000},
               "L": {"n": 4, "steps": 20_000}},
        make_inputs_fn=make_recurrence_inputs,
        implementations=_loop_implementations(eager_sizes=("S", "M"), unrolled_sizes=("S",)),
        cost_fn=recurrence_cost,
        tolerance={"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-13)},
        large_arrays=False,
    ),
    Workload(
        name="loop_large_body",
        claims=("loop", "fusion"),
        area="loops",
        description=("A large body, few steps: the recurrence over a large array. " + __doc__),
        sizes={"S": {"n": 1_000, "steps": 10}, "M": {"n": 1_000_000, "steps": 10},
               "L": {"n": 1 << 24, "steps": 2}},
        make_inputs_fn=make_recurrence_inputs,
        implementations=_loop_implementations(eager_sizes=("S", "M"), unrolled_sizes=("S", "M", "L")),
        cost_fn=recurrence_cost,
        tolerance={"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-13)},
    ),
    Workload(
        name="scan_grad",
        claims=("loop", "grad"),
        area="autodiff",
        description=("Reverse mode through a loop: a linear recurrence under lax.scan. " + __doc__),
        sizes={"S": {"steps": 50, "d": 8}, "M": {"steps": 1_000, "d": 1_000},
               "L": {"steps": 200, "d": 100_000}},
        make_inputs_fn=make_scan_inputs,
        implementations=(
            numpy_impl(numpy_scan_loss_and_grad, description="NumPy, hand-written backward loop"),
            jax_jit(jax_scan_value_and_grad, "jax_scan_grad",
                    description="jax.value_and_grad through lax.scan under jit"),
            jax_eager(jax_scan_value_and_grad, "jax_eager", sizes=("S", "M"),
                      description="value_and_grad through lax.scan, no outer jit"),
        ),
        cost_fn=scan_cost,
        tolerance={"float32": (1e-4, 1e-6), "float64": (1e-11, 1e-13)},
    ),
)
