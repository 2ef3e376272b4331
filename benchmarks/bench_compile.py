"""The compile claim: steady-state timings of compile_chain, and compile cost itself."""

from jaxnp_kernels import isolated

from .common import FIGURE_SIZE, area_classes, case_ids, new_case, skip_unless, split_case_id

globals().update(area_classes("compile"))


class CompileCost:
    """Trace + lower + compile seconds, and first-call latency, from cold caches.

    For every jitted implementation at size M in float32 (compile cost hardly depends on
    the dtype).  ``compile_chain`` has sizes S, M and L for how cost grows with the graph;
    its growth is in ``CompileChainGrowth``.
    """

    params = [case_ids(lambda w, impl: impl.jit)]
    param_names = ["case"]
    version = "1"
    timeout = 300
    rounds = 1
    unit = "seconds"

    def setup(self, case):
        workload, impl = split_case_id(case)
        skip_unless(FIGURE_SIZE in impl.sizes, f"{case} does not run at size {FIGURE_SIZE}")
        self.case = new_case(workload.name, impl.name, FIGURE_SIZE, workload.dtypes[0])

    def track_compile_seconds(self, case):
        return self.case.compile_profile().total_seconds

    def track_first_call_seconds(self, case):
        return self.case.compile_profile().first_call_seconds


class CompileChainGrowth:
    """How trace + lower + compile time grows with the graph: ``compile_chain`` at every size."""

    params = [["S", "M", "L"]]
    param_names = ["size"]
    version = "1"
    timeout = 600
    rounds = 1
    unit = "seconds"

    def setup(self, size):
        self.case = new_case("compile_chain", "jax_jit", size, "float32")

    def track_trace_lower_seconds(self, size):
        return self.case.compile_profile().trace_lower_seconds

    def track_compile_seconds(self, size):
        return self.case.compile_profile().compile_seconds


class ColdStart:
    """First-call latency in a new process: no persistent cache, cold cache, warm cache.

    ``compile_chain`` at size M: "none" runs without JAX's persistent compilation cache,
    "cold" with an empty cache directory (compiles and writes), "warm" with the directory a
    previous process filled (loads instead of compiling).
    """

    params = [["none", "cold", "warm"]]
    param_names = ["cache"]
    version = "1"
    timeout = 600
    rounds = 1
    unit = "seconds"

    def setup(self, cache):
        import tempfile

        self.tmp = tempfile.TemporaryDirectory(prefix="jaxnp-cache-")
        self.cache_dir = None if cache == "none" else self.tmp.name
        if cache == "warm":
            isolated.cold_start("compile_chain", "jax_jit", FIGURE_SIZE, "float32", self.cache_dir)

    def teardown(self, cache):
        self.tmp.cleanup()

    def track_first_call_seconds(self, cache):
        result = isolated.cold_start("compile_chain", "jax_jit", FIGURE_SIZE, "float32", self.cache_dir)
        return result["first_call_seconds"]
