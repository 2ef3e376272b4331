"""One thread vs all cores, for NumPy/BLAS and for XLA's CPU thread pool.

NumPy's ufuncs run on one core and its BLAS on all of them; XLA's CPU backend spreads
work over its own thread pool.  Thread counts only take effect before NumPy or JAX
starts, so each figure is measured in a fresh subprocess with the thread variables
(``OMP_NUM_THREADS`` and friends, XLA's ``intra_op_parallelism_threads``) set:
``track_seconds(case, threads)`` is seconds per call at size M, float32, recorded with
its 5 samples (:func:`benchmarks.common.figure_with_samples`).
"""

from jaxnp_kernels import isolated

from .common import FIGURE_SIZE, case_ids, figure_with_samples, split_case_id

#: The NumPy reference and the compiled implementation of every workload declared ``threads=True``.
CASES = case_ids(lambda w, impl: w.threads and impl in (w.reference, w.compiled))


class Threads:
    params = [CASES, ["one", "all"]]
    param_names = ["case", "threads"]
    version = "1"
    timeout = 600
    rounds = 1
    unit = "seconds"

    def setup(self, case, threads):
        split_case_id(case)  # fails loudly if the registry lost one of these

    def track_seconds(self, case, threads):
        workload, implementation = split_case_id(case)
        result = isolated.time_with_threads(workload.name, implementation.name, FIGURE_SIZE, "float32", threads)
        return figure_with_samples(result["results"][0]["samples"])
