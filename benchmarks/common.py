"""Shared pieces of the asv suite: the per-workload benchmark class and its factory.

Every workload of ``jaxnp_kernels`` becomes one asv class (``fused_chain`` ->
``FusedChain``) in the module of its area (``bench_elementwise``).  The class holds no
kernel logic; it asks the registry for the workload and :class:`jaxnp_kernels.Case`
for everything else:

- ``time_run(implementation, size, dtype)``: steady-state seconds per call.  The
  implementation is a parameter, so NumPy and JAX share one graph on the asv site.

The figures beside the timings (speedup, compile cost, memory, roofline, threads) live
in their own modules, each one class parameterised by ``"workload/implementation"``
(see :func:`case_ids`), so each figure is one graph across the whole suite.

``setup`` prepares the case: inputs, device transfer, compilation, warm-up and
verification against NumPy.  A wrong result raises ``VerificationError`` (the
benchmark fails, it is never timed); a combination that cannot run here raises
``NotImplementedError``, which asv records as skipped.

asv re-runs ``setup`` before every timed sample; prepared cases are therefore kept in
a per-process cache, so only the first ``setup`` of a process pays for compilation.

Budget rules (:mod:`jaxnp_kernels.budget`, shared with the side-by-side runner's measuring
processes): size L is timed in float32 only, and only for NumPy implementations and jitted
JAX; op-by-op JAX (``jax_eager`` and friends) is timed at M, where dispatch overhead is what
it measures.
"""

from __future__ import annotations

import os

import jaxnp_kernels as jk

#: Sizes timed by asv (S is for the tests: milliseconds, too small to time well).
#: ``JAXNP_ASV_SIZES=M`` restricts a run to M (the CI quick pass does).
SIZES = tuple(os.environ.get("JAXNP_ASV_SIZES", "M,L").split(","))
#: Figures beside the timings are taken at one typical size, to keep the run short.
FIGURE_SIZE = "M"
#: ``JAXNP_ASV_FEW_SAMPLES=1``: the figure benchmarks take fewer samples (3 speedup pairs
#: instead of 9, 2 roofline timings instead of 5, 1 compile profile instead of 3).
#: ``tools/run-suite.sh`` sets it for the quick pass (a dry run) and for the main job (size M,
#: one round), so each fits its budget; the full settings, the published history's, do not.
FEW_SAMPLES = os.environ.get("JAXNP_ASV_FEW_SAMPLES") == "1"
#: ``JAXNP_ASV_FIGURE_CASES=main``: the figures per case (compile cost, memory, ...) only for each
#: workload's NumPy reference and compiled JAX implementation, the ones the main job times
#: (``tools/run-suite.sh`` sets it there: profiling every jitted implementation took half of the
#: figures' 6.5 minutes); ``all`` (the default, the full run's): every implementation.
FIGURE_CASES = os.environ.get("JAXNP_ASV_FIGURE_CASES", "all")
if FIGURE_CASES not in ("all", "main"):
    raise ValueError(f"JAXNP_ASV_FIGURE_CASES must be 'all' or 'main', not {FIGURE_CASES!r}")

_prepared: dict[tuple, jk.Case] = {}


def class_name(workload_name: str) -> str:
    """``fused_chain`` -> ``FusedChain`` (the report maps classes back through the registry)."""
    return jk.registry.camel_name(workload_name)


def skip_unless(condition: bool, reason: str) -> None:
    if not condition:
        raise NotImplementedError(reason)


def new_case(workload, implementation, size, dtype) -> jk.Case:
    """A Case, with "cannot run here" turned into asv's skip."""
    try:
        return jk.Case(workload, implementation, size, dtype)
    except jk.Unsupported as why:
        raise NotImplementedError(str(why)) from why


def skip_outside_budget(workload: str, implementation: str, size: str, dtype: str) -> None:
    """Skip the combinations the suite's budget leaves out at size L (:mod:`jaxnp_kernels.budget`).

    A package older than the rule's module (asv measuring an old commit) times all it can.
    """
    try:
        from jaxnp_kernels import budget
    except ImportError:
        return
    try:
        budget.check_timed(workload, implementation, size, dtype)
    except jk.Unsupported as why:
        raise NotImplementedError(str(why)) from why


def prepared_case(workload, implementation, size, dtype) -> jk.Case:
    """A prepared (compiled, warmed-up, verified) case, kept for the rest of the process."""
    key = (workload, implementation, size, dtype)
    if key not in _prepared:
        skip_outside_budget(workload, implementation, size, dtype)
        case = new_case(workload, implementation, size, dtype)
        try:
            case.prepare(warmup_calls=1)
        except jk.Unsupported as why:
            raise NotImplementedError(str(why)) from why
        _prepared[key] = case
    return _prepared[key]


class WorkloadBenchmark:
    """Base class; :func:`benchmark_class` makes one subclass per workload.

    The timed method is attached by the factory as ``time_run``, so asv does not mistake
    this base class for a benchmark.
    """

    workload: jk.Workload  # set on each subclass
    param_names = ["implementation", "size", "dtype"]
    # Pinned: unrelated code edits must not cut the history.  2: measured from the state of a
    # plain script (inputs made in the measuring process, asv_runner 0.2.1's batched timing, the
    # side-by-side runner's rounds); version 1's values were up to 4x too slow (docs/measurement.md).
    version = "2"
    timeout = 300
    # Three processes per combination, spread over the run (asv runs round 1 of every
    # benchmark, then round 2, ...), 2 to 5 samples each within 0.6 s.  On a shared
    # machine whose speed changes from one second to the next, samples from three moments
    # let asv's significance test see that spread instead of calling it a change; more
    # samples from one moment would not.  Every round pays setup (compilation, the NumPy
    # reference, verification) again: a fourth round took a full run past 20 minutes.
    rounds = 3
    repeat = (2, 5, 0.6)
    warmup_time = 0.05

    def setup(self, implementation, size, dtype):
        self.case = prepared_case(self.workload.name, implementation, size, dtype)

    def run_once(self, implementation, size, dtype):
        """One steady-state call (JAX results are blocked on); timed as ``time_run``."""
        self.case()


def benchmark_class(workload: jk.Workload) -> type:
    """The asv class of one workload: a plain subclass with its name, docstring and params."""
    return type(class_name(workload.name), (WorkloadBenchmark,), {
        "__doc__": workload.description,
        "workload": workload,
        "params": [list(workload.implementation_names), list(SIZES), list(workload.dtypes)],
        "time_run": WorkloadBenchmark.run_once,
    })


def area_classes(area: str) -> dict[str, type]:
    """``{ClassName: class}`` for every workload of ``area``, to put in a module namespace.

    An area the installed package declares but has no workload of yields no benchmarks: asv
    discovers this directory's modules against the package of older commits too (a history
    run, the site's sample), which may predate an area's workloads.  An area the package does
    not declare is a typo in the benchmark module, and fails.
    """
    classes = {}
    for workload in jk.all_workloads():
        if workload.area == area:
            cls = benchmark_class(workload)
            classes[cls.__name__] = cls
    declared = getattr(jk.registry, "AREAS", None)  # None: a package older than the declared areas
    if not classes and declared is not None and area not in declared:
        raise ValueError(f"unknown area {area!r} (not in jaxnp_kernels.registry.AREAS: {', '.join(declared)})")
    return classes


def measure_safely(measure, case_id: str) -> dict:
    """``measure(case_id)``'s figures, with a case that cannot run or fails kept as data.

    For a ``setup_cache`` that measures many cases in one process: a case that cannot run
    here becomes ``{"skip": reason}`` and one that fails ``{"error": message,
    "verification": bool}`` (see :func:`figures_or_raise`), so one bad case loses no other.
    """
    try:
        return measure(case_id)
    except (NotImplementedError, jk.Unsupported) as why:
        return {"skip": str(why)}
    except Exception as error:  # raised again by the case's own benchmarks, in their setup
        return {"error": f"{type(error).__name__}: {error}",
                "verification": isinstance(error, jk.VerificationError)}


def figures_or_raise(figures: dict, what: str) -> dict:
    """The figures :func:`measure_safely` kept, or asv's skip, or the case's failure raised again."""
    skip_unless("skip" not in figures, figures.get("skip", ""))
    if "error" in figures:
        error = jk.VerificationError if figures["verification"] else RuntimeError
        raise error(f"{what}: {figures['error']}")
    return figures


def figure_with_samples(samples) -> dict:
    """A tracked figure with every sample it was measured from, in the form asv keeps for timings.

    asv (0.6.x; the suite pins 0.6.6) stores any benchmark result shaped ``{"samples":
    [...], "number": n}`` as samples (``asv/runner.py`` parses results so, whatever the
    benchmark type): the figure recorded is their median, with quartiles and a 99%
    confidence interval, and ``--record-samples`` keeps the samples themselves.  ``asv
    compare`` and ``asv continuous`` then judge a figure as they judge a timing, a change
    being beyond the factor *and* significant (a Mann-Whitney U test on the samples, or
    disjoint confidence intervals when there are too few for the test), where a single
    value could only be judged by the factor; the site draws the interval, and the
    release report tests the samples.
    """
    values = [float(s) for s in samples]
    if not values:
        raise ValueError("a figure needs at least one sample")
    return {"samples": values, "number": 1}


def case_ids(select=lambda workload, impl: True) -> list[str]:
    """``"workload/implementation"`` for every pair of the registry that ``select`` keeps (of
    each workload's reference and compiled implementation only, with ``JAXNP_ASV_FIGURE_CASES=main``)."""
    return [f"{w.name}/{impl.name}" for w in jk.all_workloads() for impl in w.implementations
            if select(w, impl) and (FIGURE_CASES == "all" or impl in (w.reference, w.compiled))]


def split_case_id(case_id: str) -> tuple[jk.Workload, jk.Implementation]:
    """The workload and implementation a case id names (an error if the registry lacks either).

    The format is jaxnp_results.names's; it is not imported from there because asv imports
    these benchmarks from the working tree against the package of whichever commit it
    measures, and the benchmarks need only jaxnp_kernels, which every commit has."""
    workload, slash, implementation = case_id.partition("/")
    if not slash:
        raise ValueError(f"{case_id!r} is not 'workload/implementation'")
    w = jk.get(workload)
    return w, w.implementation(implementation)
