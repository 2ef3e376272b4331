"""The declared subsets of the suite that a side-by-side session measures.

A selection is a list of asv benchmark patterns (regular expressions matched, as ``asv run
--bench`` does, against ``name(param, ...)`` with the parameters as asv writes them, e.g.
``bench_elementwise.FusedChain.time_run('numpy', 'M', 'float32')``).  Each names what it
covers and why, so a run can say what it measured and what it left out.

Only benchmarks that are measured inside their own process can be replicated process by
process: ``time_run`` of every workload and the in-process figures (``Speedup``).  Figures
measured once per environment in asv's ``setup_cache`` (compile cost, roofline) or in
subprocesses of their own (threads, cold start) are run by plain ``asv run`` beside the
session and shown per release, never judged between releases.
"""

from __future__ import annotations

import dataclasses
import re

import jaxnp_kernels as jk
from jaxnp_kernels.registry import DTYPE_NAMES, camel_name



@dataclasses.dataclass(frozen=True)
class Selection:
    name: str
    description: str
    patterns: tuple[str, ...]


def time_run(size: str, dtype: str | None = None) -> str:
    """Every workload's ``time_run`` at ``size`` (and ``dtype``; any when None)."""
    dtype_pattern = re.escape(f"'{dtype}'") if dtype else "'[^']+'"
    return rf"\.time_run\('[^']+', '{size}', {dtype_pattern}\)$"


def speedups(cases: list[str], dtype: str = "float32") -> str:
    """``Speedup.track_vs_numpy`` of the given ``workload/implementation`` cases."""
    return rf"\.Speedup\.track_vs_numpy\('({'|'.join(re.escape(c) for c in cases)})', '{dtype}'\)$"


def reference_and_compiled(size: str, dtype: str, workloads=None) -> tuple[str, ...]:
    """``time_run`` of each workload's NumPy reference and its compiled implementation (of every
    workload, or of the given ones)."""
    return tuple(rf"\.{camel_name(w.name)}\.time_run\('({re.escape(w.reference.name)}|{re.escape(w.compiled.name)})', "
                 rf"'{size}', '{dtype}'\)$" for w in (jk.all_workloads() if workloads is None else workloads))


def compiled_cases() -> list[str]:
    """``workload/implementation`` of every workload's compiled implementation."""
    return [f"{w.name}/{w.compiled.name}" for w in jk.all_workloads()]


def corpus() -> tuple[str, ...]:
    """Every implementation's ``time_run`` at size M, in each dtype its report needs
    (``Workload.upstream_dtypes``: float32, and float64 too for a float64 report), of the
    workloads that run an upstream report's program (``Workload.upstream``)."""
    return tuple(rf"\.{camel_name(w.name)}\.time_run\('[^']+', 'M', '{dtype}'\)$"
                 for w in jk.all_workloads() if w.upstream for dtype in w.upstream_dtypes) or (r"^$",)


#: Workloads of the kinds upstream CPU regression reports name, beside the corpus: loops and
#: conditionals (the 0.4.33 thunk runtime made tiny loop bodies 2x slower, random numbers in a
#: scan 8.6x), scatter, gather and segment reductions (scatter-add 36x at 0.4.33), in-place
#: updates, small batched solves, vmap.  The every-release sweep measures these at M.
REGRESSION_PRONE = ("loop_tiny_body", "loop_large_body", "metropolis_chain", "cond_branches",
                    "switch_state_machine", "checkpoint_scan", "scan_grad", "scatter_add", "scatter_max_vmap",
                    "segment_reduce", "gather_rows", "embedding_bag", "inplace_set", "batched_solve", "vmap")


def regression_prone() -> tuple[str, ...]:
    """``time_run`` at M of the NumPy reference and the compiled implementation of the
    regression-prone workloads and of every corpus workload, in float32 (and in float64 too for a
    workload whose report needs it, ``Workload.upstream_dtypes``)."""
    known = {w.name: w for w in jk.all_workloads()}
    unknown = [name for name in REGRESSION_PRONE if name not in known]
    if unknown:
        raise ValueError(f"REGRESSION_PRONE names workloads the registry does not have: {unknown}")
    chosen = [w for w in known.values() if w.name in REGRESSION_PRONE or w.upstream]
    return tuple(pattern for dtype in DTYPE_NAMES
                 for pattern in reference_and_compiled("M", dtype, [w for w in chosen if dtype in w.upstream_dtypes]))


def declared() -> dict[str, Selection]:
    """The named selections (built from the registry, so a new workload is in every one)."""
    return {s.name: s for s in (
        Selection("main", "every workload's time_run at size M in float32 of its NumPy reference and its compiled JAX "
                  "implementation (the release verdicts, their NumPy control, the JAX/NumPy speedups); op-by-op JAX, "
                  "the variants the claims compare, float64, size L and the in-process speedup figures are left to "
                  "the full run (the main job's 15-minute budget on 2 cores)",
                  reference_and_compiled("M", "float32")),
        Selection("full", "every time_run at size M in float32 (every implementation) and at size L in float32 "
                  "(NumPy and the compiled JAX implementation only, the suite's budget rule), and the in-process "
                  "JAX/NumPy speedup of every workload's compiled implementation; float64 is left to runs on "
                  "demand (--selection timings-M): the CI job's 3-hour budget on 2 cores, every matrix release "
                  "side by side",
                  (time_run("M", "float32"), time_run("L", "float32"), speedups(compiled_cases()))),
        Selection("corpus", "every implementation at size M in float32 (and in float64 where the report is about "
                  "float64: Workload.upstream_dtypes) of the workloads that run the program of an upstream "
                  "regression report (the regression corpus: measure it at the release pair each report names, "
                  "docs/coverage.md)", corpus()),
        Selection("sweep", "the NumPy reference and the compiled implementation at size M in float32 (and in "
                  "float64 where a corpus report is about float64) of the workloads of the kinds upstream CPU "
                  "regression reports name (loops, conditionals, scatter, gather, segment reductions, in-place "
                  "updates, small solves, vmap) and of the regression corpus: what `jaxnp-releases sweep` "
                  "measures over every release", regression_prone()),
        Selection("timings-M", "every time_run at size M, float32 and float64",
                  (time_run("M"),)),
        Selection("calibration", "every time_run at size M in float32 (the A/A calibration's set)",
                  (time_run("M", "float32"),)),
        *(Selection(f"parity-{size}", f"every workload's NumPy reference and compiled implementation at size {size} in "
                    "float32 (the parity calibration's set)", reference_and_compiled(size, "float32"))
          for size in ("M", "L")),
    )}


def selection_named(name_or_pattern: str) -> Selection:
    """A declared selection by name, or a custom one from a benchmark pattern."""
    known = declared()
    if name_or_pattern in known:
        return known[name_or_pattern]
    try:
        re.compile(name_or_pattern)
    except re.error as error:
        raise ValueError(f"{name_or_pattern!r} is neither a selection ({', '.join(known)}) nor a valid "
                         f"benchmark pattern: {error}") from error
    return Selection("custom", f"benchmarks matching {name_or_pattern!r}", (name_or_pattern,))
