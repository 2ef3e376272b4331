"""Achieved throughput against this machine's measured limits (the roofline).

For NumPy and each workload's first jitted JAX implementation, at size L in float32
(arrays beyond the last-level cache): the time of one call turned into GB/s or GFLOP/s by
the workload's cost model, and the fraction of the machine limit that bounds it.  Work
below ``COMPUTE_BOUND_INTENSITY`` flops per byte is memory-bound and read against the
copy bandwidth (``MemoryRoofline``); work above it against the float32 matmul peak
(``ComputeRoofline``).  The limits are measured once per environment in ``setup_cache``.
"""

import statistics

from jaxnp_kernels import machine

from .common import SIZES, case_ids, prepared_case, skip_unless, split_case_id

ROOFLINE_SIZE = "L" if "L" in SIZES else SIZES[-1]
#: Flops per byte above which a workload counts as compute-bound; a 2-core machine with
#: ~16 GB/s copy bandwidth and ~140 GFLOP/s matmul peak balances near 9.
COMPUTE_BOUND_INTENSITY = 4.0


def _primary(workload, impl):
    first_jit = next((i for i in workload.implementations if i.jit), None)
    return impl.name == "numpy" or impl is first_jit


def _compute_bound(workload):
    dtype = "float32" if "float32" in workload.dtypes else workload.dtypes[0]
    return workload.cost(ROOFLINE_SIZE, dtype).intensity >= COMPUTE_BOUND_INTENSITY


class _Roofline:
    version = "1"
    timeout = 600
    rounds = 1
    param_names = ["case"]

    def setup_cache(self):
        return machine.probe().as_dict()

    def setup(self, limits, case):
        workload, impl = split_case_id(case)
        skip_unless(ROOFLINE_SIZE in impl.sizes, f"{case} does not run at size {ROOFLINE_SIZE}")
        dtype = "float32" if "float32" in workload.dtypes else workload.dtypes[0]
        prepared, _ = prepared_case(workload.name, impl.name, ROOFLINE_SIZE, dtype)
        self.seconds = statistics.median(prepared.time(repeat=3, min_seconds=0.03))
        self.cost = prepared.cost


class MemoryRoofline(_Roofline):
    params = [case_ids(lambda w, impl: _primary(w, impl) and not _compute_bound(w))]

    def track_gbytes_per_s(self, limits, case):
        return self.cost.bytes / self.seconds / 1e9

    track_gbytes_per_s.unit = "GB/s"

    def track_fraction_of_copy_bandwidth(self, limits, case):
        return self.cost.bytes / self.seconds / 1e9 / limits["copy_gbytes_per_s"]

    track_fraction_of_copy_bandwidth.unit = "fraction"


class ComputeRoofline(_Roofline):
    params = [case_ids(lambda w, impl: _primary(w, impl) and _compute_bound(w))]

    def track_gflops_per_s(self, limits, case):
        return self.cost.flops / self.seconds / 1e9

    track_gflops_per_s.unit = "GFLOP/s"

    def track_fraction_of_matmul_peak(self, limits, case):
        return self.cost.flops / self.seconds / 1e9 / limits["matmul_f32_gflops"]

    track_fraction_of_matmul_peak.unit = "fraction"
