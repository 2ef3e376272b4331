"""JAX vs NumPy speedup of every JAX implementation, measured in one process.

``track_vs_numpy(case, dtype)``: NumPy's median time over the implementation's, the two
timed alternately in the same process at size M.  Absolute times of separate processes
vary by up to 1.6x on small shared machines; a ratio measured like this does not.
Above 1 the JAX implementation is faster.
"""

from jaxnp_kernels.timing import speedup

from .common import FIGURE_SIZE, case_ids, prepared_case, skip_unless, split_case_id


class Speedup:
    # float32 only: the float64 ratios follow from time_run; this keeps the run in budget.
    params = [case_ids(lambda w, impl: impl.is_jax), ["float32"]]
    param_names = ["case", "dtype"]
    version = "1"
    timeout = 300
    rounds = 1
    unit = "ratio"

    def setup(self, case, dtype):
        workload, impl = split_case_id(case)
        skip_unless(dtype in workload.dtypes, f"{workload.name} has no {dtype}")
        skip_unless(FIGURE_SIZE in impl.sizes, f"{case} does not run at size {FIGURE_SIZE}")
        self.reference = prepared_case(workload.name, "numpy", FIGURE_SIZE, dtype)
        self.candidate = prepared_case(workload.name, impl.name, FIGURE_SIZE, dtype)

    def track_vs_numpy(self, case, dtype):
        return speedup(self.reference, self.candidate, rounds=5, min_seconds=0.02)
