"""Achieved throughput against this machine's measured limits (the roofline).

For NumPy and each workload's first jitted JAX implementation, at size L in float32
(arrays beyond the last-level cache): the time of one call turned into GB/s and GFLOP/s
by the workload's cost model, and the fraction of the machine limit that bounds it:
copy bandwidth for memory-bound work (arithmetic intensity below the machine balance),
float32 matmul peak for compute-bound work.  The limits are measured once per
environment in ``setup_cache``.
"""

import statistics

from jaxnp_kernels import machine

from .common import SIZES, case_ids, prepared_case, skip_unless, split_case_id

ROOFLINE_SIZE = "L" if "L" in SIZES else SIZES[-1]


def _primary(workload, impl):
    first_jit = next((i for i in workload.implementations if i.jit), None)
    return impl.name == "numpy" or impl is first_jit


class Roofline:
    params = [case_ids(_primary)]
    param_names = ["case"]
    version = "1"
    timeout = 600
    rounds = 1

    def setup_cache(self):
        return machine.probe().as_dict()

    def setup(self, limits, case):
        workload, impl = split_case_id(case)
        skip_unless(ROOFLINE_SIZE in impl.sizes, f"{case} does not run at size {ROOFLINE_SIZE}")
        dtype = "float32" if "float32" in workload.dtypes else workload.dtypes[0]
        prepared, _ = prepared_case(workload.name, impl.name, ROOFLINE_SIZE, dtype)
        self.seconds = statistics.median(prepared.time(repeat=5, min_seconds=0.05))
        self.cost = prepared.cost

    def track_gbytes_per_s(self, limits, case):
        return self.cost.bytes / self.seconds / 1e9

    track_gbytes_per_s.unit = "GB/s"

    def track_gflops_per_s(self, limits, case):
        return self.cost.flops / self.seconds / 1e9

    track_gflops_per_s.unit = "GFLOP/s"

    def track_fraction_of_limit(self, limits, case):
        balance = limits["matmul_f32_gflops"] / limits["copy_gbytes_per_s"]  # flops per byte
        if self.cost.intensity < balance:
            return self.cost.bytes / self.seconds / 1e9 / limits["copy_gbytes_per_s"]
        return self.cost.flops / self.seconds / 1e9 / limits["matmul_f32_gflops"]

    track_fraction_of_limit.unit = "fraction"
