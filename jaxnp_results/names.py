"""asv's benchmark names and the suite's case ids: written and read back in one place.

The asv suite names a benchmark ``<module>.<Class>.<method>`` (``bench_elementwise.FusedChain.time_run``;
the class is the workload's name in CamelCase, :func:`jaxnp_kernels.registry.camel_name`) and
writes its parameters as Python reprs (``'jax_jit'``).  A combination is ``name(param, ...)``
(what ``asv run --bench`` matches).  Figures parameterised by implementation name it by a case
id, ``workload/implementation``.  Which workload a class is and which role an implementation
has is the registry's to say (:mod:`jaxnp_results.roles`); this module only takes names apart.
Standard library only.
"""

from __future__ import annotations

#: The timed method of every workload's benchmark class.
TIME_RUN = "time_run"


def unquote(param: str) -> str:
    """``'jax_jit'`` (asv's repr of a string parameter) -> ``jax_jit``; anything else as it is."""
    return param[1:-1] if len(param) >= 2 and param[0] == param[-1] and param[0] in "'\"" else param


def combination(benchmark: str, params) -> str:
    """asv's name of one combination, ``name('jax_jit', 'M', 'float32')`` (parameters as asv
    writes them), or the bare name of an unparameterised benchmark."""
    params = list(params)
    return f"{benchmark}({', '.join(params)})" if params else benchmark


def display(benchmark: str, params) -> str:
    """The combination as the report shows it: ``name(jax_jit, M, float32)``."""
    return combination(benchmark, [unquote(p) for p in params])


def class_name(benchmark: str) -> str | None:
    """``bench_elementwise.FusedChain.time_run`` -> ``FusedChain`` (None for a name without a class)."""
    parts = benchmark.split(".")
    return parts[-2] if len(parts) >= 2 else None


def method_name(benchmark: str) -> str:
    """``bench_elementwise.FusedChain.time_run`` -> ``time_run``."""
    return benchmark.rsplit(".", 1)[-1]


def is_time_run(benchmark: str) -> bool:
    return method_name(benchmark) == TIME_RUN and class_name(benchmark) is not None


def is_timing(benchmark: str) -> bool:
    """A benchmark asv times (its method starts with ``time_``), as opposed to a tracked figure."""
    return method_name(benchmark).startswith("time_")


def case_id(workload: str, implementation: str) -> str:
    return f"{workload}/{implementation}"


def split_case_id(case: str) -> tuple[str, str]:
    """``fused_chain/jax_jit`` -> ``("fused_chain", "jax_jit")``; ``ValueError`` without exactly one slash."""
    workload, slash, implementation = case.partition("/")
    if not slash or not workload or not implementation or "/" in implementation:
        raise ValueError(f"{case!r} is not 'workload/implementation'")
    return workload, implementation
