"""grad: the gradient of a logistic-regression loss, hand-written NumPy vs ``jax.grad``.

The loss is the mean log-loss of a linear classifier plus an L2 penalty, written in the
stable form ``log1p(exp(-|z|)) + max(-z, 0)``.  The NumPy side is the gradient a careful
engineer derives by hand, ``X.T @ (sigmoid(Xw) - y) / n + lam * w``; the JAX side differentiates
the loss automatically (reverse mode) and compiles value and gradient into one program.
Every implementation returns ``(loss, gradient)``: "jax_value_and_grad" uses
``jax.value_and_grad``, "jax_grad" computes the loss and ``jax.grad`` separately under
one jit (XLA can share the forward pass), "jax_eager" runs value_and_grad op by op.
The claim is that automatic gradients of compiled code run at compiled speed, i.e. close
to the hand-written gradient.  Claim: grad.
"""

import jax
import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl

L2 = 1e-3


def make_inputs(rng, dtype, n, d):
    x = rng.standard_normal((n, d))
    true_w = rng.standard_normal(d) / np.sqrt(d)
    y = (x @ true_w + 0.5 * rng.standard_normal(n) > 0).astype(np.float64)
    w = rng.standard_normal(d) * 0.1
    return x.astype(dtype), y.astype(dtype), w.astype(dtype)


def numpy_loss_and_grad(x, y, w):
    z = x @ w
    # log(1 + exp(-z)) for y = 1 and log(1 + exp(z)) for y = 0, both in stable form
    signed = np.where(y > 0, z, -z)
    loss = np.mean(np.log1p(np.exp(-np.abs(signed))) + np.maximum(-signed, 0)) + 0.5 * L2 * (w @ w)
    p = 0.5 * (1 + np.tanh(0.5 * z))  # sigmoid, overflow-free
    grad = x.T @ (p - y) / x.shape[0] + L2 * w
    return loss.astype(x.dtype), grad


def jax_loss(w, x, y):
    z = x @ w
    signed = jnp.where(y > 0, z, -z)
    return jnp.mean(jnp.log1p(jnp.exp(-jnp.abs(signed))) + jnp.maximum(-signed, 0)) + 0.5 * L2 * (w @ w)


def jax_value_and_grad(x, y, w):
    return jax.value_and_grad(jax_loss)(w, x, y)


def jax_grad(x, y, w):
    return jax_loss(w, x, y), jax.grad(jax_loss)(w, x, y)


def cost(dtype, n, d):
    # forward x @ w (2nd) and backward x.T @ r (2nd) dominate; ~10 elementwise flops per sample.
    return Cost(flops=4 * n * d + 10 * n, bytes=(n * d + 2 * n + 2 * d) * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="grad",
        claims=("grad",),
        area="autodiff",
        description=__doc__,
        sizes={"S": {"n": 256, "d": 16}, "M": {"n": 50_000, "d": 100}, "L": {"n": 200_000, "d": 128}},
        make_inputs_fn=make_inputs,
        implementations=(
            numpy_impl(numpy_loss_and_grad, description="NumPy, hand-written gradient"),
            jax_jit(jax_value_and_grad, "jax_value_and_grad", roles=("compiled",)),
            jax_jit(jax_grad, "jax_grad", description="loss and jax.grad under one jit"),
            jax_eager(jax_value_and_grad, "jax_eager", description="value_and_grad op by op"),
        ),
        cost_fn=cost,
        tolerance={"float32": (1e-4, 1e-6), "float64": (1e-10, 1e-13)},
    ),
)
