"""mlp: forward pass of a batched two-layer dense network with tanh.

``tanh(x @ W1 + b1) @ W2 + b2`` over a batch: two BLAS-class matmuls with a cheap
elementwise epilogue between them.  NumPy runs five separate operations and materialises
three hidden-size temporaries; jitted JAX dispatches once and fuses the bias-add and tanh
into one pass over the hidden activations.  The shape of most ML inference code.  Size M
(batch 1024, 512 -> 1024 -> 256, 1.6 GFLOP) is matmul-bound; size L (batch 65536,
256 -> 256 -> 32, 9.7 GFLOP) streams a 64 MB float32 batch through small weights, so the
epilogue's memory traffic matters as much as the matmuls.  Claims: jit, blas.
"""

import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl


def make_inputs(rng, dtype, batch, d_in, d_hidden, d_out):
    x = rng.standard_normal((batch, d_in))
    w1 = rng.standard_normal((d_in, d_hidden)) / np.sqrt(d_in)
    b1 = rng.standard_normal(d_hidden) * 0.1
    w2 = rng.standard_normal((d_hidden, d_out)) / np.sqrt(d_hidden)
    b2 = rng.standard_normal(d_out) * 0.1
    return tuple(a.astype(dtype) for a in (x, w1, b1, w2, b2))


def numpy_mlp(x, w1, b1, w2, b2):
    return np.tanh(x @ w1 + b1) @ w2 + b2


def jax_mlp(x, w1, b1, w2, b2):
    return jnp.tanh(x @ w1 + b1) @ w2 + b2


def cost(dtype, batch, d_in, d_hidden, d_out):
    # Two matmuls (2 m n k each, multiply and add), bias-add and tanh on the hidden layer (a
    # transcendental counts as one), bias-add on the output.  Compulsory traffic: the batch,
    # weights and biases read once, the output written once; the hidden layer is not counted.
    flops = 2 * batch * d_hidden * (d_in + d_out) + 2 * batch * d_hidden + batch * d_out
    elements = batch * d_in + d_in * d_hidden + d_hidden + d_hidden * d_out + d_out + batch * d_out
    return Cost(flops=flops, bytes=elements * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="mlp",
        claims=("jit", "blas"),
        area="linalg",
        description=__doc__,
        sizes={"S": {"batch": 32, "d_in": 64, "d_hidden": 128, "d_out": 10},
               "M": {"batch": 1024, "d_in": 512, "d_hidden": 1024, "d_out": 256},
               "L": {"batch": 65536, "d_in": 256, "d_hidden": 256, "d_out": 32}},
        make_inputs_fn=make_inputs,
        implementations=(numpy_impl(numpy_mlp), jax_jit(jax_mlp, roles=("compiled",)), jax_eager(jax_mlp)),
        cost_fn=cost,
        tolerance={"float32": (1e-4, 1e-4), "float64": (1e-10, 1e-11)},
    ),
)
