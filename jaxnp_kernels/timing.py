"""Prepare, verify and time one workload implementation: shared by asv, tests and reports.

:class:`Case` is the unit everything times.  ``Case.prepare()`` follows the rules of
honest benchmarking in order:

1. make the inputs (the same NumPy arrays for every implementation);
2. compute the NumPy reference on its own copy;
3. move the inputs to the device (JAX) before anything is timed;
4. compile (``jax.jit``) and warm up, so steady-state timings exclude compilation;
5. verify the result against the reference, raising :class:`VerificationError`.

After that, calling the case runs the implementation once and, for JAX, waits for
the result with ``block_until_ready``.  Compilation cost and memory are measured
separately by :meth:`Case.compile_profile` and :meth:`Case.memory_profile`.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from . import registry
from .registry import Implementation, Unsupported, Workload


def _copy_arrays(arrays):
    return tuple(np.array(a, copy=True) for a in arrays)


def _bound(impl: Implementation, static) -> Callable:
    return functools.partial(impl.function, **static) if static else impl.function


@dataclasses.dataclass
class CompileProfile:
    """Compile cost of a jitted implementation, measured from cold caches."""

    trace_lower_seconds: float
    compile_seconds: float
    first_call_seconds: float | None  # None when not asked for
    memory: dict | None

    @property
    def total_seconds(self) -> float:
        return self.trace_lower_seconds + self.compile_seconds


class Case:
    """One workload x implementation x size x dtype, prepared for timing.

    ``Case(workload, impl, size, dtype)`` accepts names or objects; invalid names
    raise ``ValueError`` listing the valid choices, and a size the implementation
    does not run at raises :class:`Unsupported`.
    """

    def __init__(self, workload: Workload | str, implementation: Implementation | str,
                 size: str, dtype, seed: int = 0):
        self.workload = registry.get(workload) if isinstance(workload, str) else workload
        self.impl = (self.workload.implementation(implementation)
                     if isinstance(implementation, str) else implementation)
        self.size = size
        self.workload.size_params(size)  # validates the name
        self.dtype = self.workload.check_dtype(dtype)
        self.seed = seed
        if size not in self.impl.sizes:
            raise Unsupported(f"{self.workload.name}/{self.impl.name} does not run at size {size} "
                              f"(runs at {', '.join(self.impl.sizes)})")
        self.inputs = None
        self.reference = None
        self._args = None
        self._call = None

    def __repr__(self):
        return f"Case({self.workload.name}, {self.impl.name}, {self.size}, {self.dtype.name})"

    @property
    def cost(self) -> registry.Cost:
        return self.workload.cost(self.size, self.dtype)

    def _scope(self):
        if not self.impl.is_jax:
            import contextlib

            return contextlib.nullcontext()
        from . import compat

        return compat.dtype_scope(self.dtype)

    def _function(self) -> Callable:
        """The callable that is timed: the NumPy function, or its JAX (jitted) form."""
        fn = _bound(self.impl, self.inputs.static)
        if self.impl.jit:
            import jax

            fn = jax.jit(fn, donate_argnums=self.impl.donate_argnums)
        return fn

    def _device_args(self):
        arrays = _copy_arrays(self.inputs.arrays)
        if not self.impl.is_jax:
            return arrays
        import jax

        with self._scope():
            if self.impl.placement is not None:
                return tuple(self.impl.placement(arrays))
            return tuple(jax.device_put(a) for a in arrays)

    def prepare(self, warmup_calls: int = 2, reference=None) -> "Case":
        """Inputs, reference, device transfer, compilation, warm-up and verification.

        ``reference`` may pass an already computed NumPy result for these inputs.
        """
        # Made here, in this process, as a user's script makes them: a process that loaded them
        # instead keeps glibc's initial 128 KiB mmap threshold and pays page faults for every
        # large temporary of every call (NumPy's stencil2d at M: 15 ms made, 60 ms loaded).
        self.inputs = self._make_inputs()
        self.reference = reference if reference is not None else self._compute_reference()
        if self.impl.is_jax:
            from . import compat

            if not compat.persistent_cache_is_safe(self.workload.name, self.impl.name,
                                                   bool(self.impl.donate_argnums)):
                compat.without_persistent_cache()  # a crash or a wrong result when loaded from it
        with self._scope():
            self._call = self._function()
            self._args = self._device_args()
            try:
                result = self._run_once()  # compiles, for jitted implementations
                self.workload.verify(self._to_numpy(result), self.reference, self.dtype, self.impl.name)
            except BaseException:
                self._call = self._args = None  # a wrong or broken case is never timed
                raise
            for _ in range(warmup_calls):
                self._run_once()
        return self

    def _make_inputs(self):
        return self.workload.make_inputs(self.size, self.dtype, self.seed)

    def _compute_reference(self):
        return _bound(self.workload.reference, self.inputs.static)(*_copy_arrays(self.inputs.arrays))

    def _run_once(self):
        out = self._call(*self._args)
        if self.impl.is_jax:
            from . import compat

            out = compat.block_until_ready(out)
        if self.impl.carries_state:
            first = out[0] if isinstance(out, tuple) else out
            self._args = (first,) + tuple(self._args[1:])
        return out

    @staticmethod
    def _to_numpy(result):
        if isinstance(result, (tuple, list)):
            return tuple(Case._to_numpy(r) for r in result)
        return np.asarray(result)

    def __call__(self):
        """Run once; JAX results are waited for.  Call :meth:`prepare` first."""
        if self._call is None:
            raise RuntimeError(f"{self!r} is not prepared: call prepare() first")
        if self.dtype == np.float64 and self.impl.is_jax:
            with self._scope():
                return self._run_once()
        return self._run_once()

    def run(self):
        """Alias of calling the case, for readability in consumers."""
        return self()

    # -- separate measurements -----------------------------------------------------------
    def calibrate(self, min_seconds: float = 0.05) -> int:
        """The number of calls that makes one sample last at least ``min_seconds``."""
        number = 1
        while True:
            elapsed = self.sample(number) * number
            if elapsed >= min_seconds or number >= 1 << 20:
                return number
            number *= 2 if elapsed <= 0 else max(2, min(10, int(min_seconds / elapsed) + 1))

    def sample(self, number: int) -> float:
        """Seconds per call, averaged over ``number`` consecutive calls.

        The garbage collector is off during the sample, as in ``timeit`` (and so in asv and
        IPython's ``%timeit``): a collection that the calls' own garbage triggers would land
        on whichever sample happened to cross its threshold.
        """
        enabled = gc.isenabled()
        gc.disable()
        try:
            t0 = time.perf_counter()
            for _ in range(number):
                self()
            return (time.perf_counter() - t0) / number
        finally:
            if enabled:
                gc.enable()

    def time(self, repeat: int = 5, number: int | None = None, min_seconds: float = 0.05) -> list[float]:
        """Seconds per call for ``repeat`` samples of ``number`` calls each.

        ``number`` is chosen so that one sample lasts at least ``min_seconds``.
        """
        number = number or self.calibrate(min_seconds)
        return [self.sample(number) for _ in range(repeat)]

    def compile_profile(self, first_call: bool = True) -> CompileProfile:
        """Trace+lower seconds, compile seconds and first-call latency, from cold caches.

        Only for jitted implementations; the persistent compilation cache is not used
        unless the process configured one.  The first call of a fresh ``jax.jit``
        compiles the program a second time; ``first_call=False`` skips it (its figure is
        then ``None``).
        """
        if not self.impl.jit:
            raise Unsupported(f"{self.workload.name}/{self.impl.name} is not jitted: no compile cost")
        if self._args is None:
            self.prepare(warmup_calls=0)
        import jax

        from . import compat

        with self._scope():
            args = self._device_args()
            fn = _bound(self.impl, self.inputs.static)
            compat.clear_caches()
            t0 = time.perf_counter()
            lowered = jax.jit(fn).lower(*args)
            t1 = time.perf_counter()
            compiled = lowered.compile()
            t2 = time.perf_counter()
            memory = compat.memory_analysis(compiled)
            first_call_seconds = None
            if first_call:
                compat.clear_caches()
                fresh = jax.jit(fn)
                t3 = time.perf_counter()
                compat.block_until_ready(fresh(*args))
                first_call_seconds = time.perf_counter() - t3
        return CompileProfile(t1 - t0, t2 - t1, first_call_seconds, memory)

    def memory_profile(self) -> dict:
        """Bytes one call allocates beyond its output.

        NumPy: peak of Python-tracked allocations (``tracemalloc`` sees NumPy's
        buffers) minus the result's bytes.  JAX: XLA's temporary bytes from the
        compiled executable's ``memory_analysis`` (``None`` where unsupported).
        """
        if self._args is None:
            self.prepare(warmup_calls=0)
        if self.impl.is_jax:
            if not self.impl.jit:
                raise Unsupported(f"{self.workload.name}/{self.impl.name} runs op by op: "
                                  "XLA reports no whole-program memory")
            import jax

            from . import compat

            with self._scope():
                fn = _bound(self.impl, self.inputs.static)
                compiled = jax.jit(fn, donate_argnums=self.impl.donate_argnums).lower(
                    *self._device_args()).compile()
                stats = compat.memory_analysis(compiled)
            if stats is None:
                raise Unsupported("this JAX release/backend reports no memory_analysis")
            return {"intermediate_bytes": stats["temp_bytes"], "output_bytes": stats["output_bytes"],
                    "source": "xla_memory_analysis"}
        args = _copy_arrays(self.inputs.arrays)
        fn = _bound(self.impl, self.inputs.static)
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            result = fn(*args)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        output = sum(np.asarray(leaf).nbytes for leaf in registry._leaves(result))
        return {"intermediate_bytes": max(0, peak - output), "output_bytes": output,
                "source": "tracemalloc_peak"}


def speedup_ratios(numerator: Case, denominator: Case, pairs: int = 11,
                   min_seconds: float = 0.02) -> list[float]:
    """Time of ``numerator`` over time of ``denominator``, once per pair of samples.

    Each pair samples the two cases back to back in this process (the order alternates,
    so neither always runs second), and the ratio is taken within the pair: a stretch of
    time when the machine runs slow (a neighbour on a shared host) slows both sides of the
    pairs it covers.  Both cases must be prepared.
    """
    if pairs < 1:
        raise ValueError(f"pairs must be at least 1, got {pairs}")
    n_num, n_den = numerator.calibrate(min_seconds), denominator.calibrate(min_seconds)
    ratios = []
    for i in range(pairs):
        if i % 2:
            den = denominator.sample(n_den)
            num = numerator.sample(n_num)
        else:
            num = numerator.sample(n_num)
            den = denominator.sample(n_den)
        ratios.append(num / den)
    return ratios
