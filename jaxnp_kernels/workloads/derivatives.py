"""Derivative transforms beyond ``grad``: hessian, custom_jvp, checkpoint, and jvp/vjp products.

Four workloads, each against the derivative a NumPy engineer writes by hand; each has its
own description below:

- ``hessian``: gradient and Hessian of a Poisson regression loss (``jax.hessian``,
  forward-over-reverse) against the analytic ``X^T diag(mu) X / m``;
- ``custom_jvp``: value and gradient of a sum of softplus terms whose derivative is given by
  a ``jax.custom_jvp`` rule, against the analytic sigmoid;
- ``checkpoint_scan``: the gradient through a long nonlinear recurrence, with the scan's
  segments rematerialised by ``jax.checkpoint`` and without, against a hand-written adjoint;
- ``jvp_vjp``: explicit forward- and reverse-mode products of a batched two-layer map
  (``jax.jvp`` and ``jax.vjp``), against the chain rule and the adjoint written by hand.

``value_and_grad`` (grad), ``jacfwd``/``jacrev`` (jacobian_tall/wide), a plain scan gradient
(scan_grad) and ``vmap`` (vmap) are measured elsewhere.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..registry import Cost, Inputs, Workload, jax_eager, jax_jit, numpy_impl

HESSIAN = """hessian: gradient and Hessian of a Poisson regression loss, the ingredients of a Newton step.

The loss is the mean Poisson negative log-likelihood of a log-linear model plus a ridge
penalty, ``mean(exp(Xw) - y * Xw) + lam/2 |w|^2``, for ``m`` samples of ``n`` features.
NumPy computes the analytic gradient ``X^T (mu - y) / m + lam w`` and Hessian
``(X * mu)^T X / m + lam I`` (``mu = exp(Xw)``: one weighted GEMM, O(m n^2)); JAX calls
``jax.grad`` and ``jax.hessian`` (``jacfwd`` of ``jacrev``: n Jacobian-vector products of the
gradient, batched by vmap into two GEMMs with an identity basis, twice NumPy's flops) under
one jit, where XLA can share the forward pass.  M is 256 samples of 16 features (16 KB of
data; overhead dominates), L 1 048 576 samples of 16 features (64 MB of X in float32).
Claim: grad (automatic second derivatives at compiled speed, against the hand-derived ones).
"""

CUSTOM_JVP = """custom_jvp: a sum of softplus terms, differentiated through a custom_jvp rule.

``softplus(x) = log(1 + exp(x))`` is written in its overflow-free form ``max(x, 0) +
log1p(exp(-|x|))``, and a ``jax.custom_jvp`` rule gives its derivative directly as the
sigmoid, ``0.5 (1 + tanh(x / 2))`` (also overflow-free), instead of letting JAX
differentiate the max/abs/exp/log1p chain.  The workload returns the value and gradient of
``sum(softplus(x))`` (``jax.value_and_grad`` under jit); NumPy evaluates the same two
formulas, the analytic derivative, with a full-size temporary per operation.  Under jit the
primal and the rule's tangent are one elementwise program, which XLA fuses into a single
pass (plus the sum).  Inputs are uniform in [-80, 80]: ``exp(x)`` reaches 5.5e34, near
float32's overflow (88.7), while ``exp(-|x|)`` stays a normal float32 (beyond 87.3 it is
subnormal, which NumPy's ufuncs process several times slower and XLA flushes to zero: a
difference this workload leaves out).  M is 4096 values (16 KB), L 8.4 million (32 MB
read, 32 MB of gradient written in float32).
Claims: grad, fusion.
"""

CHECKPOINT_SCAN = """checkpoint_scan: the gradient through a long recurrence, rematerialised or stored.

``d`` independent channels follow ``h <- h + dt (sin(a h) - h)`` (explicit Euler, ``dt``
= 0.05, rates ``a`` in [1.5, 2.5]) for ``T = segments x seg_len`` steps from ``h0``; the
loss is ``0.5 |h_T - y|^2`` and the workload returns it with its gradient with respect to
``a``.  Reverse mode needs every intermediate state.  "jax_plain" differentiates one
``lax.scan`` of T steps and stores its residuals at every step (a few arrays of ``d``
values per step).  "jax_jit", the main one, scans over ``segments`` segments whose body, an
inner scan of ``seg_len`` steps, is wrapped in ``jax.checkpoint``: the forward pass keeps
only each segment's starting state, and the backward pass recomputes one segment at a time
(one extra forward pass, memory ~ (segments + seg_len) d instead of T d: the classic
sqrt(T) checkpointing schedule; at L, XLA reports 3.3 MB of temporaries for it, 67 MB
for "jax_plain", and NumPy holds the 34 MB trajectory).  NumPy runs the forward loop
storing every ``h_t`` and a hand-written adjoint loop backwards in time (Python loops over
time, vectorised over channels: the recurrence is sequential).  M is 10 x 10 steps of 64 channels (overhead),
L 32 x 32 steps of 8192 channels (a stored trajectory of 32 MB in float32, written and
read back: 64 MB moved).
Claims: grad, loop, memory (checkpointing trades the stored trajectory for recomputation).
"""

JVP_VJP = """jvp_vjp: one Jacobian-vector and one vector-Jacobian product of a batched two-layer map.

The map is ``f(x) = tanh(x @ W1) @ W2`` applied to a batch of inputs ``x`` (batch x n_in,
hidden width ``hidden``, n_out outputs).  The workload returns ``f(x)``, the forward-mode
product ``J v`` along a tangent ``v`` (``jax.jvp``) and the reverse-mode product ``J^T u`` of a
cotangent ``u`` (``jax.vjp``), without ever forming J.  NumPy writes both by hand: the tangent
pushed through the chain rule, ``((1 - t^2) * (v @ W1)) @ W2`` with ``t = tanh(x @ W1)``, and
the adjoint pulled back, ``((u @ W2^T) * (1 - t^2)) @ W1^T``: six GEMMs.  "jax_jit" calls
``jax.jvp`` and ``jax.vjp`` under one jit, where XLA's common-subexpression elimination
shares the forward pass the two transforms each trace (six GEMMs too); "jax_eager" runs the
same code op by op, tracing the transforms and dispatching every primitive on each call (and
computing the forward pass twice).  M is a batch of 16 of width 64 (KBs: tracing and
dispatch dominate); L a batch of 2048 of width 512 (4.8 GFLOP of GEMMs on 20 MB of arrays,
large_arrays=False: the matmul work grows, n_in x hidden per example).
Claims: grad (both differentiation modes at compiled speed, against hand-derived products),
jit (the transforms op by op against the compiled program).
"""

# -- hessian ----------------------------------------------------------------------------------

RIDGE = 1e-2


def make_regression_inputs(rng, dtype, m, n):
    x = rng.standard_normal((m, n)) / np.sqrt(n)
    w_true = rng.uniform(-1.0, 1.0, n)
    y = rng.poisson(np.exp(x @ w_true)).astype(np.float64)
    w = 0.5 * rng.standard_normal(n)
    return x.astype(dtype), y.astype(dtype), w.astype(dtype)


def numpy_grad_and_hessian(x, y, w):
    m, n = x.shape
    mu = np.exp(x @ w)
    gradient = x.T @ (mu - y) / m + RIDGE * w
    hessian = (x * mu[:, None]).T @ x / m
    hessian[np.diag_indices(n)] += RIDGE
    return gradient, hessian


def poisson_loss(w, x, y):
    z = x @ w
    return jnp.mean(jnp.exp(z) - y * z) + 0.5 * RIDGE * (w @ w)


def jax_grad_and_hessian(x, y, w):
    return jax.grad(poisson_loss)(w, x, y), jax.hessian(poisson_loss)(w, x, y)


def hessian_cost(dtype, m, n):
    # The analytic form: x @ w and x.T @ r (2 m n each), the weighted GEMM (2 m n^2), ~5
    # elementwise flops per sample.  Bytes: x, y, w read once, gradient and Hessian written.
    return Cost(flops=2 * m * n * n + 4 * m * n + 5 * m,
                bytes=(m * n + m + 2 * n + n * n) * dtype.itemsize)


# -- custom_jvp -------------------------------------------------------------------------------

def numpy_softplus_value_and_grad(x):
    value = np.sum(np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x))))
    gradient = 0.5 * (1 + np.tanh(0.5 * x))  # the sigmoid, without overflow
    return value.astype(x.dtype), gradient


@jax.custom_jvp
def softplus(x):
    return jnp.maximum(x, 0) + jnp.log1p(jnp.exp(-jnp.abs(x)))


@softplus.defjvp
def softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus(x), 0.5 * (1 + jnp.tanh(0.5 * x)) * t


def softplus_sum(x):
    return jnp.sum(softplus(x))


def jax_softplus_value_and_grad(x):
    return jax.value_and_grad(softplus_sum)(x)


def make_softplus_inputs(rng, dtype, n):
    return (rng.uniform(-80.0, 80.0, n).astype(dtype),)


def softplus_cost(dtype, n):
    # Per element: max, abs, negate, exp, log1p, add, sum (7) for the value; multiply, tanh,
    # add, multiply (4) for the derivative.  Bytes: x read once, the gradient written once.
    return Cost(flops=11 * n, bytes=2 * n * dtype.itemsize)


# -- checkpoint_scan --------------------------------------------------------------------------

DT = 0.05


def make_recurrence_inputs(rng, dtype, d, segments, seg_len):
    a = rng.uniform(1.5, 2.5, d).astype(dtype)
    h0 = rng.uniform(0.1, 2.0, d).astype(dtype)
    y = rng.uniform(-1.0, 1.0, d).astype(dtype)
    return Inputs((a, h0, y), {"segments": segments, "seg_len": seg_len})


def numpy_recurrence_loss_and_grad(a, h0, y, segments, seg_len):
    """Forward pass storing every h_t, then the adjoint recurrence backwards in time.

    With g = dloss/dh_{t+1}: dloss/da += g dt cos(a h_t) h_t and
    dloss/dh_t = g (1 + dt (a cos(a h_t) - 1)).
    """
    steps = segments * seg_len
    hs = np.empty((steps, a.shape[0]), dtype=a.dtype)
    h = h0
    for t in range(steps):
        hs[t] = h
        h = h + DT * (np.sin(a * h) - h)
    residual = h - y
    loss = 0.5 * np.sum(residual * residual)
    g = residual
    grad = np.zeros_like(a)
    for t in range(steps - 1, -1, -1):
        c = np.cos(a * hs[t])
        grad += g * (DT * c * hs[t])
        g = g * (1 + DT * (a * c - 1))
    return loss.astype(a.dtype), grad


def euler_step(h, a):
    return h + DT * (jnp.sin(a * h) - h)


def run_steps(h, a, steps):
    return lax.scan(lambda h, _: (euler_step(h, a), None), h, None, length=steps)[0]


def plain_loss(a, h0, y, segments, seg_len):
    residual = run_steps(h0, a, segments * seg_len) - y
    return 0.5 * jnp.sum(residual * residual)


def checkpointed_loss(a, h0, y, segments, seg_len):
    @jax.checkpoint
    def segment(h, a):
        return run_steps(h, a, seg_len)

    final, _ = lax.scan(lambda h, _: (segment(h, a), None), h0, None, length=segments)
    residual = final - y
    return 0.5 * jnp.sum(residual * residual)


def jax_plain(a, h0, y, segments, seg_len):
    return jax.value_and_grad(plain_loss)(a, h0, y, segments, seg_len)


def jax_checkpointed(a, h0, y, segments, seg_len):
    return jax.value_and_grad(checkpointed_loss)(a, h0, y, segments, seg_len)


def recurrence_cost(dtype, d, segments, seg_len):
    # Per channel and step: forward 5 flops (multiply, sin, subtract, multiply, add); the
    # adjoint 11 (multiply, cos, 4 for the gradient term, 5 for the new adjoint).  The
    # recomputing variant does another forward pass, not counted.  Bytes: a, h0, y read, the
    # gradient written, and the trajectory a stored-state reverse pass writes and reads once.
    steps = segments * seg_len
    return Cost(flops=16 * steps * d, bytes=(4 * d + 2 * steps * d) * dtype.itemsize)


# -- jvp_vjp ----------------------------------------------------------------------------------

def make_two_layer_inputs(rng, dtype, batch, n_in, hidden, n_out):
    # Weights scaled by 1/sqrt(fan-in): pre-activations x @ W1 are ~N(0, 1), so tanh is in its
    # curved range (neither linear nor saturated) and every output is O(1).
    x = rng.standard_normal((batch, n_in))
    w1 = rng.standard_normal((n_in, hidden)) / np.sqrt(n_in)
    w2 = rng.standard_normal((hidden, n_out)) / np.sqrt(hidden)
    v = rng.standard_normal((batch, n_in))
    u = rng.standard_normal((batch, n_out))
    return tuple(a.astype(dtype) for a in (x, w1, w2, v, u))


def numpy_jvp_vjp(x, w1, w2, v, u):
    """f(x), J v by the chain rule forwards, J^T u by the adjoint backwards."""
    t = np.tanh(x @ w1)
    slope = 1 - t * t  # tanh' at x @ W1
    value = t @ w2
    jvp = (slope * (v @ w1)) @ w2
    vjp = ((u @ w2.T) * slope) @ w1.T
    return value, jvp, vjp


def two_layer(x, w1, w2):
    return jnp.tanh(x @ w1) @ w2


def jax_jvp_vjp(x, w1, w2, v, u):
    def f(x_):
        return two_layer(x_, w1, w2)

    value, jvp = jax.jvp(f, (x,), (v,))
    _, pullback = jax.vjp(f, x)
    (vjp,) = pullback(u)
    return value, jvp, vjp


def jvp_vjp_cost(dtype, batch, n_in, hidden, n_out):
    # Six GEMMs (x W1, v W1, u W2^T, and t W2, tangent W2, adjoint W1^T): 2 batch (n_in hidden +
    # hidden n_out) flops each for the forward pair, the tangent pair and the adjoint pair;
    # per hidden unit tanh, 1 - t^2 (2) and two products (5).  Bytes: x, v, u, W1, W2 read
    # once; f(x), J v and J^T u written once.
    flops = 6 * batch * (n_in * hidden + hidden * n_out) + 5 * batch * hidden
    moved = 2 * batch * n_in + batch * n_out + n_in * hidden + hidden * n_out + 2 * batch * n_out + batch * n_in
    return Cost(flops=flops, bytes=moved * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="hessian",
        claims=("grad",),
        area="autodiff",
        description=HESSIAN,
        sizes={"S": {"m": 64, "n": 4}, "M": {"m": 256, "n": 16}, "L": {"m": 1_048_576, "n": 16}},
        make_inputs_fn=make_regression_inputs,
        implementations=(
            numpy_impl(numpy_grad_and_hessian, description="NumPy, analytic gradient and Hessian"),
            jax_jit(jax_grad_and_hessian, description="jax.grad and jax.hessian under one jit",
                    roles=("compiled",)),
        ),
        cost_fn=hessian_cost,
        # The gradient is a difference of two means over m samples (entries up to 0.12 at L)
        # and the Hessian a GEMM summed in another order by each side: measured at most
        # 1.1e-6 (float32) and 4.5e-15 (float64) absolute, JAX 0.4.31 and 0.10.2, sizes S to
        # L.  atol ~10x and ~20x above; a 0.1% change of a typical entry (~5e-5) still fails.
        tolerance={"float32": (1e-4, 1e-5), "float64": (1e-10, 1e-13)},
    ),
    Workload(
        name="custom_jvp",
        claims=("grad", "fusion"),
        area="autodiff",
        description=CUSTOM_JVP,
        sizes={"S": {"n": 1000}, "M": {"n": 4096}, "L": {"n": 1 << 23}},
        make_inputs_fn=make_softplus_inputs,
        implementations=(
            numpy_impl(numpy_softplus_value_and_grad, description="NumPy, the value and the analytic "
                       "derivative (sigmoid)"),
            jax_jit(jax_softplus_value_and_grad, description="value_and_grad through the custom_jvp "
                    "rule, under jit", roles=("compiled",)),
        ),
        cost_fn=softplus_cost,
        # The gradient lies in [0, 1] (tanh rounds differently on each side: measured 1.8e-7
        # in float32, 4.4e-16 in float64); the value sums up to 16.8 million positive terms
        # in another order (measured at most 2e-7 relative in float32, 1.7e-16 in float64,
        # both releases).  The defaults keep a 5x margin or more.
        tolerance={"float32": (1e-4, 1e-6), "float64": (1e-10, 1e-12)},
    ),
    Workload(
        name="checkpoint_scan",
        claims=("grad", "loop", "memory"),
        area="autodiff",
        description=CHECKPOINT_SCAN,
        sizes={"S": {"d": 8, "segments": 4, "seg_len": 5}, "M": {"d": 64, "segments": 10, "seg_len": 10},
               "L": {"d": 8_192, "segments": 32, "seg_len": 32}},
        make_inputs_fn=make_recurrence_inputs,
        implementations=(
            numpy_impl(numpy_recurrence_loss_and_grad, description="NumPy, forward and hand-written "
                       "adjoint Python loops over time"),
            jax_jit(jax_checkpointed, description="value_and_grad through a scan of jax.checkpoint'ed "
                    "segments, under jit", roles=("compiled",)),
            jax_jit(jax_plain, "jax_plain", description="value_and_grad through one scan of every step "
                    "(residuals stored), under jit"),
        ),
        cost_fn=recurrence_cost,
        # The adjoint contracts backwards in time, so rounding does not grow with T: measured
        # at most 5.7e-7 (float32) and 1.6e-15 (float64) absolute on gradients up to 0.4,
        # both releases, S to L.  atol ~10x above; the loss agrees to 1e-7 relative.
        tolerance={"float32": (1e-4, 5e-6), "float64": (1e-10, 1e-13)},
    ),
    Workload(
        name="jvp_vjp",
        claims=("grad", "jit"),
        area="autodiff",
        description=JVP_VJP,
        sizes={"S": {"batch": 4, "n_in": 8, "hidden": 12, "n_out": 6},
               "M": {"batch": 16, "n_in": 64, "hidden": 64, "n_out": 32},
               "L": {"batch": 2048, "n_in": 512, "hidden": 512, "n_out": 256}},
        make_inputs_fn=make_two_layer_inputs,
        implementations=(
            numpy_impl(numpy_jvp_vjp, description="NumPy, f(x) with the chain rule forwards and the adjoint "
                       "backwards, by hand"),
            jax_jit(jax_jvp_vjp, description="jax.jvp and jax.vjp of the map under one jit", roles=("compiled",)),
            jax_eager(jax_jvp_vjp, description="jax.jvp and jax.vjp op by op (no jit)"),
        ),
        cost_fn=jvp_vjp_cost,
        large_arrays=False,
        # Outputs are O(1) (up to 3.6 at L) but sums of 512 products in another order on each
        # side, some cancelling to near 0: measured at L in float32 at most 4.5e-6 absolute
        # (1.4e-4 relative on entries above 0.01), 1.37x the defaults, so atol is 2e-5 (23% used);
        # 0.1% of any entry above 0.025 still fails.  float64: at most 7.1e-15 absolute at L,
        # 0.2% of the defaults.  JAX 0.4.31 and 0.10.2 agree to these figures.
        tolerance={"float32": (1e-4, 2e-5), "float64": (1e-10, 1e-12)},
    ),
)
