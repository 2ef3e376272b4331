"""conv2d: valid 2-D convolution of a batch of images with a small filter bank (NPBench style).

Each output pixel is the sum over a k x k window of every input channel times a weight.
The NumPy reference is the idiomatic im2col form: a strided window view contracted with
the filters by ``np.tensordot`` (one BLAS call on a copied patch matrix).  JAX runs the
direct formulation, a sum of k^2 shifted slices each contracted over channels, under jit
("jax_jit", fused by XLA) and XLA's native convolution ``lax.conv_general_dilated``
("jax_lax_conv").  Written from the
definition (cross-correlation, as deep-learning "convolutions" are).  Claims: jit, fusion.
"""

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..registry import Cost, Workload, jax_eager, jax_jit, numpy_impl


def make_inputs(rng, dtype, batch, side, c_in, c_out, k):
    images = rng.standard_normal((batch, side, side, c_in))
    weights = rng.standard_normal((k, k, c_in, c_out)) / np.sqrt(k * k * c_in)
    return images.astype(dtype), weights.astype(dtype)


def shifted_slices(images, weights):
    k = weights.shape[0]
    h = images.shape[1] - k + 1
    w = images.shape[2] - k + 1
    out = 0
    for i in range(k):
        for j in range(k):
            out = out + jnp.einsum("bhwc,cd->bhwd", images[:, i:i + h, j:j + w, :], weights[i, j])
    return out


def numpy_conv(images, weights):
    k = weights.shape[0]
    windows = np.lib.stride_tricks.sliding_window_view(images, (k, k), axis=(1, 2))
    # windows: (batch, h, w, c_in, k, k); weights: (k, k, c_in, c_out)
    return np.tensordot(windows, weights, axes=([3, 4, 5], [2, 0, 1]))


def jax_conv(images, weights):
    return shifted_slices(images, weights)


def jax_lax_conv(images, weights):
    return lax.conv_general_dilated(images, weights, window_strides=(1, 1), padding="VALID",
                                    dimension_numbers=("NHWC", "HWIO", "NHWC"))


def cost(dtype, batch, side, c_in, c_out, k):
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
            numpy_impl(numpy_conv, description="NumPy, sliding window view + tensordot (im2col)"),
            jax_jit(jax_conv, description="the same formulation under jit"),
            jax_jit(jax_lax_conv, "jax_lax_conv", description="lax.conv_general_dilated under jit"),
            jax_eager(jax_conv),
        ),
        cost_fn=cost,
        tolerance={"float32": (1e-4, 1e-5), "float64": (1e-11, 1e-12)},
    ),
)
