"""JAX vs NumPy speedup of every JAX implementation, measured in one process.

``track_vs_numpy(case, dtype)``: NumPy's time over the implementation's at size M, 9
ratios, each of two samples taken back to back in the same process
(:func:`jaxnp_kernels.timing.speedup_ratios`), recorded as samples: asv keeps their median
and confidence interval (:func:`benchmarks.common.figure_with_samples`).  A ratio within a
pair cancels what slows the machine for seconds or minutes (on this project's shared
2-core machine the speed of a single-threaded loop flips between two levels 2x apart), so
it is steadier than two absolute times, though not free of noise.  Above 1 the JAX implementation is faster.
"""

from jaxnp_kernels.timing import speedup_ratios

from .common import (FEW_SAMPLES, FIGURE_SIZE, case_ids, figure_with_samples, prepared_case,
                     skip_unless, split_case_id)


class Speedup:
    # float32 only: the float64 ratios follow from time_run; this keeps the run in budget.
    params = [case_ids(lambda w, impl: impl.is_jax), ["float32"]]
    param_names = ["case", "dtype"]
    version = "2"  # 2: NumPy measured from a plain script's state (version 1 overstated JAX's lead)
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
        return figure_with_samples(speedup_ratios(self.reference, self.candidate,
                                                  pairs=3 if FEW_SAMPLES else 9, min_seconds=0.02))
