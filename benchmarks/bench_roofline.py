"""Achieved throughput against this machine's measured limits (the roofline).

For NumPy and each workload's compiled JAX implementation, at size L in float32
(arrays beyond the last-level cache): the time of one call turned into GB/s or GFLOP/s by
the workload's cost model, and the fraction of the machine limit that bounds it, each
figure recorded with its 5 samples (:func:`benchmarks.common.figure_with_samples`).  Only
at L: at M the working set sits in the caches, whose bandwidth is several times the
memory's, and a "fraction of the copy bandwidth" of 500% would mean nothing; a run without
size L (``JAXNP_ASV_SIZES=M``) skips the roofline (in ``setup``: asv counts an exception
in ``setup_cache`` as a failure).  A memory-bound workload whose size L grows the work
rather than the arrays (``large_arrays=False``) is left out for the same reason.  Work
below ``COMPUTE_BOUND_INTENSITY`` flops per byte is memory-bound and read against the
copy bandwidth (``MemoryRoofline``); work above it against the float32 matmul peak
(``ComputeRoofline``).

Everything is measured once per environment, in one process, by ``setup_cache``: the
machine limits first, then each case (prepared, verified, timed, released).  One process
keeps the run short (a case is compiled once, not once per figure), and the fractions
honest: the limit and the time it divides come from the same process, so a fast or slow
process (speeds of whole processes differ by up to 1.6x on small shared machines) moves
both.  ``setup_cache`` returns plain floats and strings (asv pickles it).  A case that
cannot run here is skipped; a case whose result is wrong fails its benchmarks.
"""

import gc

from jaxnp_kernels import machine

from .common import (FEW_SAMPLES, SIZES, case_ids, figure_with_samples, figures_or_raise, measure_safely,
                     new_case, skip_unless, split_case_id)

ROOFLINE_SIZE = "L"
#: Flops per byte above which a workload counts as compute-bound; a 2-core machine with
#: ~16 GB/s copy bandwidth and ~140 GFLOP/s matmul peak balances near 9.
COMPUTE_BOUND_INTENSITY = 4.0


def _dtype(workload):
    return "float32" if "float32" in workload.dtypes else workload.dtypes[0]


def _primary(workload, impl):
    return impl.name == "numpy" or impl is workload.compiled


def _compute_bound(workload):
    return workload.cost(ROOFLINE_SIZE, _dtype(workload)).intensity >= COMPUTE_BOUND_INTENSITY


MEMORY_BOUND_CASES = case_ids(lambda w, impl: _primary(w, impl) and not _compute_bound(w) and w.large_arrays)
COMPUTE_BOUND_CASES = case_ids(lambda w, impl: _primary(w, impl) and _compute_bound(w))


def measure_case(case_id: str) -> dict:
    """Seconds per call (5 samples; 2 with ``FEW_SAMPLES``), bytes and flops of one case at ROOFLINE_SIZE."""
    workload, impl = split_case_id(case_id)
    skip_unless(ROOFLINE_SIZE in impl.sizes, f"{case_id} does not run at size {ROOFLINE_SIZE}")
    case = new_case(workload.name, impl.name, ROOFLINE_SIZE, _dtype(workload))
    case.prepare(warmup_calls=1)
    seconds = case.time(repeat=2 if FEW_SAMPLES else 5, min_seconds=0.05)
    figures = {"seconds": seconds, "bytes": float(case.cost.bytes), "flops": float(case.cost.flops)}
    del case
    gc.collect()  # release the L-sized inputs and results before the next case
    return figures


def measure_roofline() -> dict:
    """The machine limits and every roofline case, measured in this one process."""
    limits = machine.probe().as_dict()
    return {"limits": limits,
            "cases": {case_id: measure_safely(measure_case, case_id)
                      for case_id in MEMORY_BOUND_CASES + COMPUTE_BOUND_CASES}}


class _Roofline:
    version = "1"
    timeout = 900  # also setup_cache's: it measures every case (about a minute on 2 cores)
    rounds = 1
    param_names = ["case"]

    def setup_cache(self):
        # asv counts an exception in setup_cache as a failure, not a skip: skip in setup instead
        # (and return something: asv passes nothing to setup when setup_cache returns None)
        return measure_roofline() if ROOFLINE_SIZE in SIZES else {}

    def setup(self, measured, case):
        skip_unless(bool(measured), f"the roofline is read at size {ROOFLINE_SIZE} only (this run: "
                    f"{', '.join(SIZES)}): smaller working sets sit in the caches")
        figures = figures_or_raise(measured["cases"][case], f"{case} at size {ROOFLINE_SIZE}")
        self.limits = measured["limits"]
        self.seconds, self.bytes, self.flops = figures["seconds"], figures["bytes"], figures["flops"]

    def per_second(self, amount: float, limit: float = 1.0):
        """``amount`` (bytes or flops) per second, in units of 1e9 and of ``limit``, one value per sample."""
        return figure_with_samples(amount / seconds / 1e9 / limit for seconds in self.seconds)


class MemoryRoofline(_Roofline):
    params = [MEMORY_BOUND_CASES]

    def track_gbytes_per_s(self, measured, case):
        return self.per_second(self.bytes)

    track_gbytes_per_s.unit = "GB/s"

    def track_fraction_of_copy_bandwidth(self, measured, case):
        return self.per_second(self.bytes, self.limits["copy_gbytes_per_s"])

    track_fraction_of_copy_bandwidth.unit = "fraction"


class ComputeRoofline(_Roofline):
    params = [COMPUTE_BOUND_CASES]

    def track_gflops_per_s(self, measured, case):
        return self.per_second(self.flops)

    track_gflops_per_s.unit = "GFLOP/s"

    def track_fraction_of_matmul_peak(self, measured, case):
        return self.per_second(self.flops, self.limits["matmul_f32_gflops"])

    track_fraction_of_matmul_peak.unit = "fraction"
