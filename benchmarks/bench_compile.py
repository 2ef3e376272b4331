"""The compile claim: steady-state timings of compile_chain, and compile cost itself."""

from jaxnp_kernels import isolated

from .common import (FEW_SAMPLES, FIGURE_SIZE, SIZES, area_classes, case_ids, figure_with_samples,
                     figures_or_raise, measure_safely, new_case, skip_unless, split_case_id)

globals().update(area_classes("compile"))

#: Compile figures are recorded with this many profiles from cold caches as samples: one
#: compile of a small program varies by 15-20% within a process on a 2-core machine.
PROFILES = 1 if FEW_SAMPLES else 3
COMPILE_CASES = case_ids(lambda w, impl: impl.jit)


def cold_profiles(case, first_call: bool = True) -> dict:
    """Seconds of each compile phase in :data:`PROFILES` cold-cache profiles, phase by phase.

    ``first_call=False`` leaves out the first-call latency (a second compile per profile).
    """
    profiles = [case.compile_profile(first_call=first_call) for _ in range(PROFILES)]
    figures = {"trace_lower_seconds": [p.trace_lower_seconds for p in profiles],
               "compile_seconds": [p.compile_seconds for p in profiles],
               "total_seconds": [p.total_seconds for p in profiles]}
    if first_call:
        figures["first_call_seconds"] = [p.first_call_seconds for p in profiles]
    return figures


def profile_case(case_id: str) -> dict:
    """The compile profile of one ``"workload/implementation"`` at size M, first dtype."""
    workload, impl = split_case_id(case_id)
    skip_unless(FIGURE_SIZE in impl.sizes, f"{case_id} does not run at size {FIGURE_SIZE}")
    return cold_profiles(new_case(workload.name, impl.name, FIGURE_SIZE, workload.dtypes[0]))


def profile_chain(size: str) -> dict:
    """The compile phases of ``compile_chain`` (jitted, float32) at ``size``; no first call."""
    return cold_profiles(new_case("compile_chain", "jax_jit", size, "float32"), first_call=False)


class CompileCost:
    """Trace + lower + compile seconds, and first-call latency, from cold caches.

    For every jitted implementation at size M in float32 (compile cost hardly depends on
    the dtype), each figure recorded with the three profiles it is the median of.  Every
    case is profiled once per environment, in one process, by ``setup_cache`` (both
    figures come from the same profiles); a case that cannot run is skipped, one that
    fails fails its benchmarks.
    ``compile_chain`` has sizes S, M and L for how cost grows with the graph; its growth
    is in ``CompileChainGrowth``.
    """

    params = [COMPILE_CASES]
    param_names = ["case"]
    version = "1"
    timeout = 900  # also setup_cache's: it profiles every case (about a minute on 2 cores)
    rounds = 1
    unit = "seconds"

    def setup_cache(self):
        return {case_id: measure_safely(profile_case, case_id) for case_id in COMPILE_CASES}

    def setup(self, profiles, case):
        self.figures = figures_or_raise(profiles[case], case)

    def track_compile_seconds(self, profiles, case):
        return figure_with_samples(self.figures["total_seconds"])

    def track_first_call_seconds(self, profiles, case):
        return figure_with_samples(self.figures["first_call_seconds"])


class CompileChainGrowth:
    """How trace + lower + compile time grows with the graph: ``compile_chain`` at every size.

    Each figure is recorded with its three profiles, all sizes profiled once by ``setup_cache``.
    Size S always, M and L when the run times them (``JAXNP_ASV_SIZES``): the main job's run
    at M leaves out L, whose compile alone takes 45 s with JAX 0.10.2 on 2 cores.
    """

    params = [["S", *(size for size in ("M", "L") if size in SIZES)]]
    param_names = ["size"]
    version = "1"
    timeout = 600
    rounds = 1
    unit = "seconds"

    def setup_cache(self):
        return {size: measure_safely(profile_chain, size) for size in self.params[0]}

    def setup(self, profiles, size):
        self.figures = figures_or_raise(profiles[size], f"compile_chain at size {size}")

    def track_trace_lower_seconds(self, profiles, size):
        return figure_with_samples(self.figures["trace_lower_seconds"])

    def track_compile_seconds(self, profiles, size):
        return figure_with_samples(self.figures["compile_seconds"])


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
