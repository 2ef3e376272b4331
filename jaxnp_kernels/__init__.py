"""jaxnp_kernels: NumPy vs JAX workloads, each written once, verified, with a cost model.

Public API::

    import jaxnp_kernels as jk
    jk.names()                      # all workload names
    w = jk.get("fused_chain")       # a Workload (ValueError lists valid names)
    case = jk.Case(w, "jax_jit", "M", "float32").prepare()   # inputs, compile, verify
    case()                          # one timed call (JAX results are blocked on)

Importing this package reads workload metadata only; JAX devices are touched when a
case is prepared.
"""

from .registry import (
    CLAIMS,
    DTYPE_NAMES,
    SIZE_NAMES,
    Cost,
    Implementation,
    Inputs,
    Unsupported,
    VerificationError,
    Workload,
    all_workloads,
    areas,
    by_claim,
    get,
    jax_eager,
    jax_jit,
    names,
    numpy_impl,
)
from .timing import Case, CompileProfile

__all__ = [
    "CLAIMS", "DTYPE_NAMES", "SIZE_NAMES", "Case", "CompileProfile", "Cost", "Implementation",
    "Inputs", "Unsupported", "VerificationError", "Workload", "all_workloads", "areas", "by_claim",
    "get", "jax_eager", "jax_jit", "names", "numpy_impl",
]
