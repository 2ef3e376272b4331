"""random_normal: drawing standard normal numbers, NumPy ``Generator`` vs ``jax.random``.

NumPy draws from a stateful ``Generator`` (PCG64 bits, ziggurat transform, one core);
JAX draws from an explicit, splittable key (threefry bits, inverse-erf transform) and
generates in parallel.  The folklore's own example calls ``jnp.random.rand``, which does
not exist: JAX's random numbers always take a key.  Both sides produce the requested
dtype directly (``standard_normal(n, dtype=...)``, ``normal(key, (n,), dtype)``), seeded
from the same input array.  The two streams differ by design, so results are verified
statistically (mean, standard deviation and the empirical CDF at seven points, each
within six standard errors), not element by element.  Claim: jit (the generator compiled
into one program, against op by op; ``jax.random`` jits its own internals, so the gap is
expected to be small).
"""

import math

import jax
import numpy as np

from ..registry import Cost, Inputs, Workload, jax_eager, jax_jit, numpy_impl

#: Points at which the empirical CDF of a sample is compared with the normal CDF.
CDF_POINTS = (-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0)


def make_inputs(rng, dtype, n):
    # The seed is an input array, not a constant, so XLA cannot generate at compile time.
    seed = rng.integers(0, 2**31 - 1, size=1, dtype=np.uint32)
    return Inputs((seed,), {"n": n, "dtype": dtype.name})


def numpy_normal(seed, n, dtype):
    return np.random.default_rng(int(seed[0])).standard_normal(n, dtype=dtype)


def jax_normal(seed, n, dtype):
    key = jax.random.PRNGKey(seed[0])  # PRNGKey, not jax.random.key: both releases have it
    return jax.random.normal(key, (n,), dtype=dtype)


def normal_cdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def check_normal(result, reference, rtol, atol):
    """Whether ``result`` looks like a standard normal sample; ``(ok, detail)``.

    Mean, standard deviation and the fraction below each of :data:`CDF_POINTS` must lie
    within six standard errors of their expected values (a false alarm has probability
    ~1e-9 per statistic; at n = 10,000, a sample shifted by 0.1, scaled by 1.1 or drawn
    from a uniform distribution of unit variance fails).  The reference is not used: it
    is another sample, not the same numbers.
    """
    del reference, rtol, atol
    x = np.asarray(result, dtype=np.float64)
    n = x.size
    errors = {"mean": (abs(x.mean()), 6 / math.sqrt(n)),
              "std": (abs(x.std() - 1.0), 6 / math.sqrt(2 * n))}
    for point in CDF_POINTS:
        p = normal_cdf(point)
        errors[f"P(x<{point:g})"] = (abs(np.mean(x < point) - p), 6 * math.sqrt(p * (1 - p) / n))
    ok = bool(np.isfinite(x).all()) and all(error <= limit for error, limit in errors.values())
    worst = max(errors, key=lambda k: errors[k][0] / errors[k][1])
    detail = (f"worst statistic {worst}: off by {errors[worst][0]:.3g} "
              f"(limit {errors[worst][1]:.3g}); finite: {bool(np.isfinite(x).all())}")
    return ok, detail


def cost(dtype, n):
    # Flops depend on the generator's algorithm; count one per number.  Compulsory traffic
    # is the output, written once.
    return Cost(flops=n, bytes=n * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="random_normal",
        claims=("jit",),
        area="random",
        description=__doc__,
        sizes={"S": {"n": 10_000}, "M": {"n": 1_000_000}, "L": {"n": 1 << 24}},
        make_inputs_fn=make_inputs,
        implementations=(
            numpy_impl(numpy_normal, description="NumPy Generator.standard_normal (PCG64, ziggurat)"),
            jax_jit(jax_normal, description="jax.random.normal with an explicit key, under jit", roles=("compiled",)),
            jax_eager(jax_normal, description="jax.random.normal with an explicit key, no outer jit"),
        ),
        cost_fn=cost,
        check=check_normal,
    ),
)
