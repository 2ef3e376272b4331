"""Measured limits of this machine, so times can be read against a roofline.

Two probes, both with NumPy on the current thread settings:

- copy bandwidth: ``np.copyto`` between two 128 MB float64 arrays, well beyond any
  last-level cache; bytes moved = read + write.
- matmul peak: float32 ``a @ b`` on 1024 x 1024 matrices through NumPy's BLAS;
  flops = 2 n^3.

Each probe reports the best of several runs: a limit is what the machine *can* do.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import time

import numpy as np

#: Environment variables that set thread counts for NumPy's BLAS and for XLA.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "XLA_FLAGS")


@dataclasses.dataclass(frozen=True)
class MachineLimits:
    copy_gbytes_per_s: float
    matmul_f32_gflops: float
    cpu_count: int
    processor: str

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def _best_seconds(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def copy_bandwidth(n_bytes: int = 128 * 2**20, repeat: int = 7) -> float:
    """Best NumPy copy bandwidth in GB/s (10^9 bytes), counting read + write."""
    src = np.ones(n_bytes // 8)
    dst = np.empty_like(src)
    np.copyto(dst, src)  # touch the pages
    seconds = _best_seconds(lambda: np.copyto(dst, src), repeat)
    return 2 * n_bytes / seconds / 1e9


def matmul_peak(n: int = 1024, repeat: int = 5) -> float:
    """Best float32 matmul rate through NumPy's BLAS, in GFLOP/s."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    a @ b  # warm up BLAS threads
    seconds = _best_seconds(lambda: a @ b, repeat)
    return 2 * n**3 / seconds / 1e9


def python_loop_seconds(iterations: int = 200_000) -> float:
    """Seconds of one fixed pure-Python loop: a single-threaded speed calibration."""
    t0 = time.perf_counter()
    total = 0
    for i in range(iterations):
        total += i * i
    return time.perf_counter() - t0


def steadiness(seconds: float = 10.0, interval: float = 0.2) -> dict:
    """How much this machine's single-threaded speed varies over about ``seconds``.

    Times :func:`python_loop_seconds` every ``interval`` seconds (``seconds / interval`` samples).  On a dedicated machine
    the slowest sample is within a few percent of the fastest; on a shared host (another
    tenant on the same cores) the speed can flip between levels far apart from one second
    to the next, and two runs of the same benchmarks then differ by about as much.
    Returns the samples, the fastest, median and slowest, ``spread`` (slowest / fastest)
    and ``slow_fraction`` (the share of samples more than 10% slower than the fastest).
    """
    if seconds <= 0 or interval <= 0:
        raise ValueError(f"need seconds > 0 and interval > 0, got {seconds} and {interval}")
    samples = []
    for _ in range(max(1, round(seconds / interval))):
        samples.append(python_loop_seconds())
        time.sleep(interval)
    fastest = min(samples)
    ordered = sorted(samples)
    return {"samples": samples, "fastest": fastest, "median": ordered[len(ordered) // 2],
            "slowest": ordered[-1], "spread": ordered[-1] / fastest,
            "slow_fraction": sum(s > 1.1 * fastest for s in samples) / len(samples)}


def _processor_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def probe() -> MachineLimits:
    """Measure this machine's copy bandwidth and float32 matmul peak (about two seconds)."""
    return MachineLimits(
        copy_gbytes_per_s=copy_bandwidth(),
        matmul_f32_gflops=matmul_peak(),
        cpu_count=os.cpu_count() or 1,
        processor=_processor_name(),
    )


def thread_settings() -> dict[str, str]:
    """The thread-related environment variables in effect (unset ones are omitted)."""
    return {k: os.environ[k] for k in THREAD_VARIABLES if k in os.environ}


def single_thread_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment that restricts both NumPy's BLAS and XLA's CPU backend to one thread.

    It must be applied before NumPy or JAX is imported, so consumers use it for a
    subprocess.
    """
    env = dict(os.environ if base is None else base)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    flags = env.get("XLA_FLAGS", "")
    extra = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    env["XLA_FLAGS"] = f"{flags} {extra}".strip()
    return env


def all_threads_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment that lets NumPy's BLAS and XLA use every core."""
    env = dict(os.environ if base is None else base)
    n = str(os.cpu_count() or 1)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = n
    flags = " ".join(f for f in env.get("XLA_FLAGS", "").split()
                     if "multi_thread_eigen" not in f and "intra_op_parallelism" not in f)
    if flags:
        env["XLA_FLAGS"] = flags
    else:
        env.pop("XLA_FLAGS", None)
    return env
