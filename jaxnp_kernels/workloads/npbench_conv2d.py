"""conv2d: valid 2-D convolution of a batch of images with a small filter bank (NPBench style).

Each output pixel is the sum over a k x k window of every input channel times a weight
(cross-correlation, as deep-learning "convolutions" are).  Both sides use the same direct
formulation: a sum of k^2 shifted slices of the images, each contracted over the input
channels with one k x k tap of the filter bank (a matrix product with a c_in x c_out
matrix).  NumPy accumulates the products in place ("numpy"; faster here than the im2col form
``sliding_window_view`` + ``tensordot``, which copies a k^2-times larger patch matrix); JAX
runs the same code under jit ("jax_jit", XLA fuses and schedules the k^2 products) and op
by op ("jax_eager"), and XLA's native convolution ``lax.conv_general_dilated``
("jax_lax_conv").  Written from the definition.  Claims: jit, fusion.
"""

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl


def make_inputs(rng, dtype, batch, side, c_in, c_out, k):
    images = rng.standard_normal((batch, side, side, c_in))
    weights = rng.standard_normal((k, k, c_in, c_out)) / np.sqrt(k * k * c_in)
    return images.astype(dtype), weights.astype(dtype)


def output_side(images, weights):
    return images.shape[1] - weights.shape[0] + 1, images.shape[2] - weights.shape[1] + 1


def numpy_conv(images, weights):
    """images (batch, H, W, c_in), weights (k, k, c_in, c_out) -> (batch, h, w, c_out)."""
    k = weights.shape[0]
    h, w = output_side(images, weights)
    out = images[:, :h, :w, :] @ weights[0, 0]
    for i in range(k):
        for j in range(k):
            if i or j:
                out += images[:, i:i + h, j:j + w, :] @ weights[i, j]
    return out


def jax_conv(images, weights):
    """The same sum of shifted-slice products, written functionally."""
    k = weights.shape[0]
    h, w = output_side(images, weights)
    out = images[:, :h, :w, :] @ weights[0, 0]
    for i in range(k):
        for j in range(k):
            if i or j:
                out = out + images[:, i:i + h, j:j + w, :] @ weights[i, j]
    return out


def jax_lax_conv(images, weights):
    return lax.conv_general_dilated(images, weights, window_strides=(1, 1), padding="VALID",
                                    dimension_numbers=("NHWC", "HWIO", "NHWC"))


def cost(dtype, batch, side, c_in, c_out, k):
    # a multiply and an add per output pixel, output channel, input channel and tap;
    # compulsory traffic: images and weights read once, the output written once.
    out = side - k + 1
    return Cost(flops=2 * batch * out * out * c_out * c_in * k * k,
                bytes=(batch * side * side * c_in + k * k * c_in * c_out + batch * out * out * c_out)
                * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="conv2d",
        claims=("jit", "fusion"),
        area="npbench",
        description=__doc__,
        sizes={"S": {"batch": 2, "side": 16, "c_in": 3, "c_out": 4, "k": 3},
               "M": {"batch": 8, "side": 128, "c_in": 8, "c_out": 16, "k": 3},
               "L": {"batch": 16, "side": 264, "c_in": 8, "c_out": 8, "k": 3}},
        make_inputs_fn=make_inputs,
        implementations=(
            numpy_impl(numpy_conv, description="NumPy, k^2 shifted-slice matrix products accumulated in place"),
            jax_jit(jax_conv, description="the same formulation under jit", roles=("compiled",)),
            jax_jit(jax_lax_conv, "jax_lax_conv", description="lax.conv_general_dilated under jit"),
            # op by op at L is nine big matrix products, ~1 s per call here: S and M show the jit claim
            jax_eager(jax_conv, sizes=("S", "M")),
        ),
        cost_fn=cost,
        # outputs are sums of k^2 c_in = 72 terms of order 1: float32 keeps ~1e-6 of the largest.
        tolerance={"float32": (1e-5, 1e-5), "float64": (1e-12, 1e-12)},
    ),
)
