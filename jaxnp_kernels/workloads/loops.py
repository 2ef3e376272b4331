"""Compiled loops (``lax.fori_loop``, ``lax.scan``, ``lax.while_loop``) against Python loops.

Three workloads test the loop claim, that compiling a loop removes the interpreter's
per-iteration overhead; each has its own description below:

- ``loop_tiny_body``: thousands of steps of a tiny recurrence, pure overhead;
- ``loop_large_body``: a few steps whose body sweeps a large array;
- ``scan_grad``: reverse-mode differentiation through a ``lax.scan`` recurrence, against a
  hand-written NumPy backward pass.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..registry import Cost, Inputs, Workload, jax_eager, jax_jit, numpy_impl

TINY_BODY = """loop_tiny_body: thousands of steps of a sequential recurrence on 4 numbers.

Each step is ``x <- 0.5 x + 0.25 tanh(x) + b`` on a length-4 vector, so the time is all
per-step overhead: NumPy pays five ufunc dispatches per step from the Python interpreter,
a compiled loop (``fori_loop``, ``scan``, ``while_loop`` with a counter) pays a few
machine instructions, and op-by-op JAX pays a dispatch per operation.  A sequential
recurrence has no vectorised NumPy form, so the Python loop is the honest, natural NumPy
reference.  The map contracts (derivative at most 0.75), so rounding does not grow with
the number of steps and float32 and float64 results stay comparable.  Sizes grow the
number of steps (100, 2000, 20000), not the arrays.  Claim: loop.
"""

LARGE_BODY = """loop_large_body: a few steps of the same recurrence over a large array.

Each step applies ``x <- 0.5 x + 0.25 tanh(x) + b`` to every element of a large vector
(1000, 250 000, 8 million elements; 10, 10 and 3 steps), so the loop overhead is
negligible and the time goes into the body: NumPy materialises four temporaries per step
and evaluates ``tanh`` on one core, XLA fuses each step into one sweep over the array
(no temporaries).  Compares the three compiled loop forms, a Python loop unrolled under
``jit`` (XLA fuses all its steps into a single kernel) and op-by-op JAX (sizes S and M
only).  Claims: loop (a compiled loop gains little over op-by-op dispatch when the body is
large), fusion.
"""

SCAN_GRAD = """scan_grad: the gradient of a loss through a linear recurrence under ``lax.scan``.

The recurrence ``h_t = a * h_{t-1} + x_t`` (``h_0 = 0``) runs over ``steps`` time steps
for ``d`` independent channels with decay rates ``a`` in [0.5, 0.95); the loss is
``0.5 * sum_t |h_t|^2`` and the workload returns it with its gradient with respect to
``a``.  NumPy runs the forward and a hand-written backward pass as Python loops over time,
vectorised over channels; JAX runs ``value_and_grad`` of the ``scan`` under ``jit``
(reverse mode through the loop stores every ``h_t``, as the NumPy pass does).  There is no
op-by-op JAX variant: ``lax.scan`` outside ``jit`` is still compiled as a whole, and
differentiating it re-traces and re-compiles on every call, so it would time compilation,
not dispatch.  Claims: loop, grad.
"""


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
    # Per element and step: two multiplies, two adds and one tanh (a transcendental counts
    # as one flop): 5.  Bytes: every step reads x and b and writes x (3 arrays), the traffic
    # of a loop whose steps are not fused with each other.
    return Cost(flops=5 * n * steps, bytes=3 * n * steps * dtype.itemsize)


def _loop_implementations(eager_sizes, unrolled_sizes):
    return (
        numpy_impl(numpy_loop, description="NumPy, Python loop over vectorised steps"),
        jax_jit(jax_fori, "jax_fori", description="lax.fori_loop under jit", roles=("compiled",)),
        jax_jit(jax_scan, "jax_scan", description="lax.scan under jit"),
        jax_jit(jax_while, "jax_while", description="lax.while_loop with a counter under jit"),
        jax_jit(jax_python_loop, "jax_unrolled", sizes=unrolled_sizes,
                description="Python loop unrolled at trace time under jit"),
        jax_eager(jax_python_loop, "jax_eager_loop", sizes=eager_sizes,
                  description="Python loop over JAX ops, no jit"),
    )


# -- gradient through a scan -------------------------------------------------------------------
# h_t = a * h_{t-1} + x_t (h_0 = 0), loss = 0.5 sum_t |h_t|^2; gradient with respect to a.

def make_scan_inputs(rng, dtype, steps, d):
    a = rng.uniform(0.5, 0.95, d).astype(dtype)
    xs = (0.1 * rng.standard_normal((steps, d))).astype(dtype)
    return a, xs


def numpy_scan_loss_and_grad(a, xs):
    """Forward pass storing every h_t, then the adjoint recurrence backwards in time.

    With g_t = dloss/dh_t (through all later steps): g_t = h_t + a g_{t+1}, and
    dloss/da = sum_t g_t h_{t-1}.
    """
    steps = xs.shape[0]
    hs = np.empty_like(xs)
    h = np.zeros_like(a)
    for t in range(steps):
        h = a * h + xs[t]
        hs[t] = h
    loss = 0.5 * np.sum(hs * hs)
    grad = np.zeros_like(a)
    g = np.zeros_like(a)
    for t in range(steps - 1, 0, -1):
        g = hs[t] + a * g
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
    # Per element and step: forward 2 flops (multiply, add) and 2 for the loss (square, sum);
    # backward 4 (g = h + a g, grad += g h).  Bytes: xs read once, the hidden states written
    # once and read back once by the backward pass.
    return Cost(flops=8 * steps * d, bytes=3 * steps * d * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="loop_tiny_body",
        claims=("loop",),
        area="loops",
        description=TINY_BODY,
        sizes={"S": {"n": 4, "steps": 100}, "M": {"n": 4, "steps": 2_000},
               "L": {"n": 4, "steps": 20_000}},
        make_inputs_fn=make_recurrence_inputs,
        implementations=_loop_implementations(eager_sizes=("S", "M"), unrolled_sizes=("S",)),
        cost_fn=recurrence_cost,
        # Contracting map: errors stay at a few ulps of |x| ~ 0.3 whatever the step count.
        tolerance={"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-13)},
        large_arrays=False,
    ),
    Workload(
        name="loop_large_body",
        claims=("loop", "fusion"),
        area="loops",
        description=LARGE_BODY,
        sizes={"S": {"n": 1_000, "steps": 10}, "M": {"n": 250_000, "steps": 10},
               "L": {"n": 1 << 23, "steps": 3}},
        make_inputs_fn=make_recurrence_inputs,
        implementations=_loop_implementations(eager_sizes=("S", "M"), unrolled_sizes=("S", "M", "L")),
        cost_fn=recurrence_cost,
        tolerance={"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-13)},
    ),
    Workload(
        name="scan_grad",
        claims=("loop", "grad"),
        area="autodiff",
        description=SCAN_GRAD,
        sizes={"S": {"steps": 50, "d": 8}, "M": {"steps": 1_000, "d": 1_000},
               "L": {"steps": 200, "d": 100_000}},
        make_inputs_fn=make_scan_inputs,
        implementations=(
            numpy_impl(numpy_scan_loss_and_grad, description="NumPy, forward and hand-written "
                       "backward Python loops over time"),
            jax_jit(jax_scan_value_and_grad, "jax_scan_grad",
                    description="jax.value_and_grad through lax.scan under jit", roles=("compiled",)),
        ),
        cost_fn=scan_cost,
        # The loss sums steps*d squares and each gradient entry sums `steps` products whose
        # adjoint g_t grows to ~1/(1-a) = 20 times h_t: float32 reaches ~1e-5 relative.
        tolerance={"float32": (1e-4, 1e-6), "float64": (1e-11, 1e-13)},
    ),
)
