"""Behaviour specific to the "spectral" workloads: fft_filter2d and convolve1d.

The NumPy references are checked against their definitions computed without an FFT or
np.convolve (a periodic Gaussian blur as a sum of rolled images, a convolution as a plain
loop).
"""

import numpy as np
import pytest

from jaxnp_kernels import compat
from jaxnp_kernels.workloads import spectral

def periodic_gaussian(n, sigma):
    """The unit-sum Gaussian sampled at 0..n-1 and wrapped around a period of n."""
    offsets = np.arange(n)[:, None] + n * np.arange(-3, 4)[None, :]
    g = np.exp(-offsets**2 / (2 * sigma**2)) / (np.sqrt(2 * np.pi) * sigma)
    return g.sum(axis=1)


def test_fft_filter_is_the_periodic_gaussian_blur_it_claims_to_be():
    rng = np.random.default_rng(3)
    images, transfer = spectral.make_image_inputs(rng, np.dtype("float64"), batch=2, rows=16, cols=12)
    kernel = np.outer(periodic_gaussian(16, spectral.BLUR_SIGMA), periodic_gaussian(12, spectral.BLUR_SIGMA))
    expected = np.zeros_like(images)
    for p in range(16):
        for q in range(12):
            expected += kernel[p, q] * np.roll(images, (p, q), axis=(1, 2))
    # The sampled transfer function misses the Gaussian's spectrum beyond the Nyquist
    # frequency, exp(-2 pi^2 sigma^2 / 4) ~ 3e-9 of it.
    np.testing.assert_allclose(spectral.numpy_fft_filter2d(images, transfer), expected, rtol=0, atol=1e-8)


def test_fft_filter_keeps_a_constant_image_and_damps_the_finest_checkerboard():
    transfer = spectral.gaussian_transfer(8, 8)
    constant = np.full((1, 8, 8), 2.5)
    np.testing.assert_allclose(spectral.numpy_fft_filter2d(constant, transfer), constant, rtol=1e-14)
    checkerboard = np.indices((8, 8)).sum(axis=0)[None] % 2 * 2.0 - 1.0
    damped = spectral.numpy_fft_filter2d(checkerboard, transfer)
    np.testing.assert_allclose(damped, checkerboard * np.exp(-2 * np.pi**2 * spectral.BLUR_SIGMA**2 * 0.5),
                               rtol=0, atol=1e-15)


def convolve_same_by_definition(signal, kernel):
    """np.convolve's "same" mode from its definition: the full convolution's centred slice."""
    n, taps = len(signal), len(kernel)
    full = np.zeros(n + taps - 1)
    for i in range(n):
        for j in range(taps):
            full[i + j] += signal[i] * kernel[j]
    start = (taps - 1) // 2
    return full[start:start + n]


def test_numpy_convolve_reference_matches_its_definition():
    signal, kernel = spectral.make_signal_inputs(np.random.default_rng(5), np.dtype("float64"), n=50, taps=9)
    np.testing.assert_allclose(spectral.numpy_convolve(signal, kernel),
                               convolve_same_by_definition(signal, kernel), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("taps", [1, 2, 4, 9, 10])
def test_shifted_slices_match_np_convolve_for_odd_and_even_kernels(taps):
    rng = np.random.default_rng(taps)
    signal, kernel = spectral.make_signal_inputs(rng, np.dtype("float64"), n=37, taps=taps)
    with compat.dtype_scope("float64"):
        got = np.asarray(spectral.jax_shifted_convolve(signal, kernel))
    np.testing.assert_allclose(got, np.convolve(signal, kernel, mode="same"), rtol=1e-12, atol=1e-14)
