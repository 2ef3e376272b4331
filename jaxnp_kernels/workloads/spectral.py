"""Spectral workloads: FFTs and 1-D convolution, ``jnp.fft``/``jnp.convolve`` against NumPy.

Three workloads, each described below:

- ``fft_filter2d``: a Gaussian low-pass filter of a batch of images through the 2-D real FFT
  (``rfft2`` -> multiply -> ``irfft2``);
- ``fftn_cube``: the 3-D complex FFT of a cube, ``fftn`` (jax#25808, part of the regression
  corpus);
- ``convolve1d``: a 1-D signal convolved with a short filter (``np.convolve``,
  ``jnp.convolve``, and the same sum written as fused shifted slices).

The stencils on 2-D and 3-D grids (stencil2d, stencil3d) and the 2-D multi-channel
convolution of npbench (npbench_conv2d) are measured elsewhere.
"""

import jax.numpy as jnp
import numpy as np

from ..registry import Cost, Workload, jax_jit, numpy_impl

FFT_FILTER2D = """fft_filter2d: a Gaussian blur of a batch of images by the 2-D real FFT.

Each image is transformed with ``rfft2``, multiplied by the transfer function of a Gaussian
of standard deviation 2 pixels (an input, shape ``(rows, cols // 2 + 1)``, broadcast over
the batch) and transformed back with ``irfft2``: a periodic Gaussian blur, the textbook
spectral filter.  NumPy calls pocketfft (one core, float32 kept as complex64 since NumPy
2.0); ``jnp.fft`` lowers to XLA's FFT op, which XLA's CPU runtime implements with DUCC,
pocketfft's successor (float64 results agree bit for bit), and the multiply is a separate
elementwise kernel between the two transforms (an FFT is a library call, not fused with
its neighbours).  M is 8 images of 64 x 64 (128 KB: call overhead and the small-transform
setup dominate), L 8 images of 1024 x 1024 (32 MB read, 32 MB written in float32).
Claim: jit (three library calls and a multiply compiled into one program).
"""

CONVOLVE1D = """convolve1d: a signal convolved with a 9-tap filter, as a convolution op and fused.

``np.convolve(x, k, mode="same")`` is the NumPy reference (a direct sliding dot product,
O(n k), one core).  "jax_jit" is its literal translation, ``jnp.convolve``, which lowers to
a general convolution with one channel and one feature, the op built for neural networks'
batched multi-channel convolutions (compiled to oneDNN's convolution in JAX 0.4.31, to
XLA's own in 0.10.2).  "jax_shifted" writes the same direct convolution as a sum of 9
shifted slices of the zero-padded signal: XLA writes the padded copy once and fuses the
slices, products and sums into one elementwise pass.  Measured on this project's 2-core
CPU host, the convolution op is ~6x slower than NumPy at L in both releases and the fused
form within ~2.5x: the pair shows what the generic convolution op costs for the simplest
case, and whether a release changes it.  An FFT convolution (O(n log n)) would lose at 9
taps; fft_filter2d measures the FFT.  M is a 4096-point signal (16 KB), L 8.4 million
points (32 MB read, 32 MB written in float32).  Claim: jit (fusion is what "jax_shifted"
shows, not claimed: the scorecard's fusion rule reads the main compiled implementation).
"""

FFTN_CUBE = """fftn_cube: the 3-D complex FFT of an n x n x n cube, np.fft.fftn against jnp.fft.fftn.

The program of jax#25808 ("Performance degradation of fftn with the new CPU runtime"):
``jax.jit(lambda x: jnp.fft.fftn(x))`` of a complex cube, the complex type of the workload's
dtype (complex64 for float32, as in the report).  The report fills the cube with the constant
1.1 + 1.1j, whose transform is one spike; here its real and imaginary parts are N(0, 1), so
every output is checked against NumPy's.  NumPy calls pocketfft (one core; complex64 kept as
complex64 since NumPy 2.0); XLA's FFT op runs DUCC on its thread pool.  The report compares
the thunk runtime (JAX 0.4.32 on) with the old one (``--xla_cpu_use_thunk_runtime=false``) at
200^3, 100 calls; its new-runtime figures are cut off in the thread.  Measured here
process by process before the workload existed (2026-12-06): 200^3 took 45 ms on JAX 0.4.31,
90 ms on 0.4.33 and 48 to 55 ms on 0.10.2; 64^3 1.1 ms against 1.6 ms.  M is 64^3 (2 MB in
complex64), L the report's 200^3 (64 MB).  None of it is claimed to reproduce until the
side-by-side runs say so (docs/coverage.md).  Claim: jit.
"""

# -- fft_filter2d ---------------------------------------------------------------------------

BLUR_SIGMA = 2.0  # pixels


def gaussian_transfer(rows, cols, sigma=BLUR_SIGMA):
    """The rfft2-shaped transfer function of a periodic Gaussian blur of ``sigma`` pixels:
    exp(-2 pi^2 sigma^2 (fy^2 + fx^2)), the Fourier transform of the unit-sum Gaussian."""
    fy = np.fft.fftfreq(rows)[:, None]
    fx = np.fft.rfftfreq(cols)[None, :]
    return np.exp(-2.0 * np.pi**2 * sigma**2 * (fy**2 + fx**2))


def make_image_inputs(rng, dtype, batch, rows, cols):
    images = rng.standard_normal((batch, rows, cols)).astype(dtype)
    return images, gaussian_transfer(rows, cols).astype(dtype)


def numpy_fft_filter2d(images, transfer):
    # NumPy >= 2.0 transforms float32 as complex64, so the result is already float32.
    return np.fft.irfft2(np.fft.rfft2(images) * transfer, s=images.shape[-2:])


def jax_fft_filter2d(images, transfer):
    return jnp.fft.irfft2(jnp.fft.rfft2(images) * transfer, s=images.shape[-2:])


def fft_filter2d_cost(dtype, batch, rows, cols):
    # A real 2-D FFT of N = rows*cols points: ~2.5 N log2 N flops (half the complex 5 N log2 N),
    # twice (forward and inverse); the multiply: 6 flops per complex bin (complex by real,
    # counted as 2 plus the bookkeeping of a complex multiply-add, rounded up).  Bytes: the
    # images read and the result written once, the transfer function read once.
    n = rows * cols
    bins = rows * (cols // 2 + 1)
    flops = batch * (2 * 2.5 * n * np.log2(n) + 6 * bins)
    return Cost(flops=float(flops), bytes=(2 * batch * n + bins) * dtype.itemsize)


# -- convolve1d -----------------------------------------------------------------------------

def make_signal_inputs(rng, dtype, n, taps):
    signal = rng.standard_normal(n).astype(dtype)
    kernel = rng.standard_normal(taps) / np.sqrt(taps)
    return signal, kernel.astype(dtype)


def numpy_convolve(signal, kernel):
    return np.convolve(signal, kernel, mode="same")


def jax_convolve(signal, kernel):
    return jnp.convolve(signal, kernel, mode="same")


def jax_shifted_convolve(signal, kernel):
    """y[i] = sum_j k[j] x[i + (taps - 1) // 2 - j], x zero outside: np.convolve's "same" mode,
    written as one shifted slice of the padded signal per tap (a Python loop over the taps,
    unrolled at trace time; XLA fuses the slices, products and sums into one pass)."""
    n, taps = signal.shape[0], kernel.shape[0]
    centre = (taps - 1) // 2
    padded = jnp.pad(signal, (taps - 1 - centre, centre))
    out = kernel[0] * padded[taps - 1:taps - 1 + n]
    for j in range(1, taps):
        out = out + kernel[j] * padded[taps - 1 - j:taps - 1 - j + n]
    return out


def convolve1d_cost(dtype, n, taps):
    # The direct convolution's work: one multiply and one add per output and tap.
    # Bytes: the signal and the kernel read once, the result written once.
    return Cost(flops=2 * n * taps, bytes=(2 * n + taps) * dtype.itemsize)


# -- fftn_cube -------------------------------------------------------------------------------


def make_cube_inputs(rng, dtype, n):
    """A complex cube of the complex type of ``dtype``, real and imaginary parts N(0, 1)."""
    complex_dtype = np.result_type(dtype, np.complex64)
    return ((rng.standard_normal((n, n, n)) + 1j * rng.standard_normal((n, n, n))).astype(complex_dtype),)


def numpy_fftn(cube):
    return np.fft.fftn(cube)


def jax_fftn(cube):
    return jnp.fft.fftn(cube)


def fftn_cost(dtype, n):
    # A complex FFT of N points: ~5 N log2 N flops; the cube read and its transform written
    # once, each complex (two of the dtype's numbers).
    points = n ** 3
    return Cost(flops=float(5 * points * np.log2(points)), bytes=2 * points * 2 * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="fft_filter2d",
        claims=("jit",),
        area="spectral",
        description=FFT_FILTER2D,
        sizes={"S": {"batch": 2, "rows": 16, "cols": 16}, "M": {"batch": 8, "rows": 64, "cols": 64},
               "L": {"batch": 8, "rows": 1024, "cols": 1024}},
        make_inputs_fn=make_image_inputs,
        implementations=(
            numpy_impl(numpy_fft_filter2d, description="NumPy, np.fft.rfft2 / irfft2 (pocketfft)"),
            jax_jit(jax_fft_filter2d, description="jnp.fft.rfft2 / irfft2 under jit", roles=("compiled",)),
        ),
        cost_fn=fft_filter2d_cost,
        # Two FFT libraries round differently: errors ~ eps * log2(N) * rms(input), the input
        # is N(0, 1) and the blurred output ~0.14 rms, so absolute error is what matters.
        # Measured (JAX 0.4.31 and 0.10.2, sizes S to L): at most 2.4e-7 in float32; float64
        # agreed bit for bit (both sides run pocketfft's algorithm), 1e-13 allows another
        # library's rounding.  atol keeps a ~10x margin; a 0.1% change of a typical output
        # value (~1e-4) still fails.
        tolerance={"float32": (1e-4, 2e-6), "float64": (1e-10, 1e-13)},
    ),
    Workload(
        name="convolve1d",
        claims=("jit",),
        area="spectral",
        description=CONVOLVE1D,
        sizes={"S": {"n": 256, "taps": 9}, "M": {"n": 4096, "taps": 9}, "L": {"n": 1 << 23, "taps": 9}},
        make_inputs_fn=make_signal_inputs,
        implementations=(
            numpy_impl(numpy_convolve, description="NumPy, np.convolve mode='same' (direct)"),
            jax_jit(jax_convolve, description="jnp.convolve mode='same' under jit (XLA convolution)",
                    roles=("compiled",)),
            jax_jit(jax_shifted_convolve, "jax_shifted",
                    description="sum of shifted slices under jit (one fused pass)"),
        ),
        cost_fn=convolve1d_cost,
        # Outputs are sums of 9 products of N(0, 1) and N(0, 1/9) numbers (~1 rms, up to ~6),
        # summed in another order by each side: measured at most 9.5e-7 (float32) and 2.7e-15
        # (float64) absolute, both JAX releases, sizes S to L.  atol is ~10x above; values
        # near zero, where any relative deviation is large, are judged by it.
        tolerance={"float32": (1e-4, 1e-5), "float64": (1e-10, 3e-14)},
    ),
    Workload(
        name="fftn_cube",
        claims=("jit",),
        area="spectral",
        description=FFTN_CUBE,
        sizes={"S": {"n": 8}, "M": {"n": 64}, "L": {"n": 200}},
        make_inputs_fn=make_cube_inputs,
        implementations=(
            numpy_impl(numpy_fftn, description="NumPy, np.fft.fftn (pocketfft)"),
            jax_jit(jax_fftn, description="jnp.fft.fftn under jit (XLA's FFT, DUCC)", roles=("compiled",)),
        ),
        cost_fn=fftn_cost,
        # Outputs are sums of n^3 N(0, 1) terms (rms sqrt(2) n^1.5): two FFT libraries' rounding
        # follows the size of the terms, not of each output, so atol is a fraction of the largest
        # output (atol_scales_with_output).
        atol_scales_with_output=True,
        tolerance={"float32": (1e-4, 1e-5), "float64": (1e-10, 1e-13)},
        upstream=("jax#25808 0.4.31->0.4.33",),
    ),
)
