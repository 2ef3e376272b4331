"""The case an asv benchmark combination measures, for the side-by-side runner's measuring processes.

The runner discovers the suite with asv (names like ``bench_elementwise.FusedChain.time_run``
and parameters as asv writes them, ``'jax_jit'``) and hands each combination to a measuring
process (:mod:`jaxnp_kernels.worker`) as a case: what to prepare and what one sample is.

- ``<module>.<Workload class>.time_run(implementation, size, dtype)``: seconds per call;
- ``bench_speedup.Speedup.track_vs_numpy(workload/implementation, dtype)``: NumPy's time over
  the implementation's, from samples taken back to back in one process, at size M
  (``benchmarks/common.py``'s ``FIGURE_SIZE``).

Any other benchmark is measured once per environment by ``asv run`` and never side by side.
"""

from __future__ import annotations

import jaxnp_kernels as jk
from jaxnp_kernels.registry import camel_name

#: The size the in-process speedup figure is measured at (benchmarks/common.py's FIGURE_SIZE).
SPEEDUP_SIZE = "M"
SPEEDUP = "bench_speedup.Speedup.track_vs_numpy"


def unquote(param: str) -> str:
    """``'jax_jit'`` (asv's repr of a string parameter) -> ``jax_jit``."""
    return param[1:-1] if len(param) >= 2 and param[0] == param[-1] and param[0] in "'\"" else param


def workload_of_class(class_name: str) -> str | None:
    """The workload whose asv class is ``class_name`` (``FusedChain`` -> ``fused_chain``)."""
    return {camel_name(w.name): w.name for w in jk.all_workloads()}.get(class_name)


def case_for(benchmark: str, params) -> dict | None:
    """The measuring process's case for one combination, or None when it is not one of the two
    kinds above."""
    values = [unquote(p) for p in params]
    if benchmark == SPEEDUP and len(values) == 2:
        workload, _, implementation = values[0].partition("/")
        return {"kind": "speedup", "workload": workload, "implementation": implementation,
                "size": SPEEDUP_SIZE, "dtype": values[1]}
    parts = benchmark.split(".")
    if len(parts) == 3 and parts[2] == "time_run" and len(values) == 3:
        workload = workload_of_class(parts[1])
        if workload is None:
            return None
        implementation, size, dtype = values
        return {"kind": "time", "workload": workload, "implementation": implementation, "size": size,
                "dtype": dtype}
    return None
