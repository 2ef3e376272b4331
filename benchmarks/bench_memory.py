"""Bytes allocated beyond the result: NumPy's intermediates vs XLA's temporary buffers.

``track_intermediate_bytes(case)`` at size M in float32: for NumPy, the tracemalloc
peak of one call minus the result's bytes (every temporary a chain materialises); for
jitted JAX, the temporary bytes of the compiled executable's ``memory_analysis``.
Op-by-op JAX has no whole-program figure and is skipped, as are releases whose backend
reports no memory analysis.
"""

import jaxnp_kernels as jk

from .common import FIGURE_SIZE, case_ids, new_case, skip_unless, split_case_id


class Memory:
    params = [case_ids(lambda w, impl: not impl.is_jax or impl.jit)]
    param_names = ["case"]
    version = "1"
    timeout = 300
    rounds = 1
    unit = "bytes"

    def setup(self, case):
        workload, impl = split_case_id(case)
        skip_unless(FIGURE_SIZE in impl.sizes, f"{case} does not run at size {FIGURE_SIZE}")
        self.case = new_case(workload.name, impl.name, FIGURE_SIZE, workload.dtypes[0])

    def track_intermediate_bytes(self, case):
        try:
            return self.case.memory_profile()["intermediate_bytes"]
        except jk.Unsupported as why:
            raise NotImplementedError(str(why)) from why
