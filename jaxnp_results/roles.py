"""What a measurement measured, as the kernel registry declares it: its workload, and whether it timed NumPy."""

from __future__ import annotations

import functools

from jaxnp_kernels import registry

from . import names
from .results import Measurement


@functools.cache
def _workloads_by_class() -> dict[str, registry.Workload]:
    """Every workload by the name of its asv class (``FusedChain`` -> ``fused_chain``'s)."""
    return {registry.camel_name(w.name): w for w in registry.all_workloads()}


def workload_of(benchmark: str) -> registry.Workload | None:
    """The workload of a benchmark of the asv suite (``bench_x.FusedChain.time_run`` ->
    ``fused_chain``'s), or None for a figure across workloads or a workload the registry no
    longer has."""
    class_name = names.class_name(benchmark)
    return _workloads_by_class().get(class_name) if class_name else None


def timed_workload(benchmark: str) -> registry.Workload | None:
    """The workload a ``time_run`` benchmark times, or None for any other benchmark (or a
    workload the registry no longer has)."""
    return workload_of(benchmark) if names.is_time_run(benchmark) else None


def is_numpy_timing(m: Measurement) -> bool:
    """A ``time_*`` benchmark of a NumPy implementation: the NumPy control of the verdicts.

    The registry decides.  The benchmark's class names the workload and its ``implementation``
    parameter the implementation, which is NumPy's when it is the workload's reference
    (:attr:`~jaxnp_kernels.registry.Workload.reference`) or another implementation declared
    with the NumPy backend (those with a role of :data:`~jaxnp_kernels.registry.NUMPY_ROLES`,
    such as ``numpy_alternative``; the role ``python_loop`` alone does not tell, a JAX
    implementation may declare it too).  A benchmark whose workload or implementation the
    registry does not know (results of a workload since renamed or removed) falls back to the
    implementation's name: NumPy's begin with ``numpy``.
    """
    if not names.is_timing(m.benchmark):
        return False
    name = m.param("implementation") or ""
    workload = workload_of(m.benchmark)
    if workload is not None and name in workload.implementation_names:
        implementation = workload.implementation(name)
        return implementation is workload.reference or implementation.backend == "numpy"
    return name.startswith("numpy")
