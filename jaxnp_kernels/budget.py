"""Which combinations the suite times: its budget rule, read by asv's benchmarks and the measuring worker.

Size L (arrays of 64 MB and more) is timed in float32 only, and only for NumPy
implementations and jitted JAX: float64 doubles the cost of the largest cases, and op-by-op
JAX (``jax_eager`` and friends) measures dispatch overhead, which size M shows.  Both asv's
benchmark classes (``benchmarks/common.py``) and the side-by-side runner's measuring
processes (:mod:`jaxnp_kernels.worker`) skip what the rule leaves out, with the same reason.
"""

from __future__ import annotations

from .registry import Unsupported, get

#: At L only these dtypes are timed.
L_DTYPES = ("float32",)


def check_timed(workload: str, implementation: str, size: str, dtype: str) -> None:
    """Raise :class:`Unsupported` when the suite's budget leaves this combination out."""
    if size != "L":
        return
    if dtype not in L_DTYPES:
        raise Unsupported(f"size L is timed in {', '.join(L_DTYPES)} only")
    impl = get(workload).implementation(implementation)
    if impl.is_jax and not impl.jit:
        raise Unsupported("op-by-op JAX is timed at sizes below L only")
