"""random_normal: drawing standard normal numbers, NumPy ``Generator`` vs ``jax.random``.

NumPy draws from a stateful ``Generator`` (PCG64 + ziggurat); JAX draws from an explicit,
splittable key (threefry + Box-Muller/inverse-erf) and, under jit, generates in parallel.
The folklore's own example calls ``jnp.random.rand``, which does not exist: JAX's random
numbers always take a key.  The two streams differ by design, so results are verified
statistically (mean, standard deviation and tail mass within a few standard errors), not
element by element.  Claim: jit (a generator compiled into one program, and op-by-op).
"""

import jax
import numpy as np

from ..registry import Cost, Inputs, Workload, jax_eager, jax_jit, numpy_impl


def make_inputs(rng, dtype, n):
    seed = rng.integers(0, 2**31 - 1, size=1, dtype=np.uint32)
    # The seed is an input array (not a constant) so XLA cannot generate at compile time.
    # ``dtype`` rides along as a zero-size array: the output dtype must follow the case.
    return Inputs((seed, np.empty(0, dtype=dtype)), {"n": n})


def numpy_normal(seed, like, n):
    return np.random.default_rng(int(seed[0])).standard_normal(n, dtype=like.dtype)


def jax_normal(seed, like, n):
    key = jax.random.PRNGKey(seed[0])
    return jax.random.normal(key, (n,), dtype=like.dtype)


def check_normal(result, reference, rtol, atol):
    """Both samples must look standard normal: mean, std and the mass beyond 2 sigma."""
    del reference, rtol, atol
    x = np.asarray(result, dtype=np.float64)
    n = x.size
    mean, std = x.mean(), x.std()
    tail = np.mean(np.abs(x) > 2.0)
    expected_tail = 0.04550026389635842  # P(|Z| > 2)
    limits = {"mean": 6 / np.sqrt(n), "std": 6 / np.sqrt(2 * n),
              "tail": 6 * np.sqrt(expected_tail * (1 - expected_tail) / n)}
    errors = {"mean": abs(mean), "std": abs(std - 1), "tail": abs(tail - expected_tail)}
    ok = all(errors[k] <= limits[k] for k in limits)
    detail = ", ".join(f"{k} off by {errors[k]:.3g} (limit {limits[k]:.3g})" for k in limits)
    return ok, detail


def cost(dtype, n):
    # Flops depend on the generator; count one per number.  The output is written once.
    return Cost(flops=n, bytes=n * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="random_normal",
        claims=("jit",),
        area="random",
        description=__doc__,
        sizes={"S": {"n": 10_000}, "M": {"n": 1_000_000}, "L": {"n": 1 << 24}},
        make_inputs_fn=make_inputs,
        implementations=(numpy_impl(numpy_normal), jax_jit(jax_normal), jax_eager(jax_normal)),
        cost_fn=cost,
        check=check_normal,
    ),
)
