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

from jaxnp_results import names, roles

#: The size the in-process speedup figure is measured at (benchmarks/common.py's FIGURE_SIZE).
SPEEDUP_SIZE = "M"
SPEEDUP = "bench_speedup.Speedup.track_vs_numpy"


def case_for(benchmark: str, params) -> dict | None:
    """The measuring process's case for one combination, or None when it is not one of the two
    kinds above."""
    values = [names.unquote(p) for p in params]
    if benchmark == SPEEDUP and len(values) == 2:
        try:
            workload, implementation = names.split_case_id(values[0])
        except ValueError:
            return None
        return {"kind": "speedup", "workload": workload, "implementation": implementation,
                "size": SPEEDUP_SIZE, "dtype": values[1]}
    if len(benchmark.split(".")) == 3 and len(values) == 3:
        workload = roles.timed_workload(benchmark)
        if workload is None:
            return None
        implementation, size, dtype = values
        return {"kind": "time", "workload": workload.name, "implementation": implementation, "size": size,
                "dtype": dtype}
    return None
