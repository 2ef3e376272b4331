"""Measurements that need a fresh Python process.

Thread counts (for NumPy's BLAS and XLA's CPU thread pool) and the persistent
compilation cache only take effect when set before NumPy or JAX starts, so these
measurements run ``python -m jaxnp_kernels`` in a subprocess with the environment
prepared, and read back the JSON it prints.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from . import machine


class SubprocessError(RuntimeError):
    """The measuring subprocess failed; the message carries its stderr."""


def _run(args: list[str], env: dict[str, str], timeout: float) -> dict:
    command = [sys.executable, "-m", "jaxnp_kernels", *args, "--json"]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode == 3:  # Unsupported, see __main__
        from .registry import Unsupported

        raise Unsupported(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "unsupported")
    if proc.returncode != 0:
        raise SubprocessError(f"{' '.join(command)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def time_with_threads(workload: str, implementation: str, size: str, dtype: str, threads: str,
                      repeat: int = 5, timeout: float = 600) -> dict:
    """Median seconds per call in a new process with ``threads`` = ``"one"`` or ``"all"``."""
    if threads == "one":
        env = machine.single_thread_environment()
    elif threads == "all":
        env = machine.all_threads_environment()
    else:
        raise ValueError(f"threads must be 'one' or 'all', got {threads!r}")
    return _run(["time", workload, "--impl", implementation, "--size", size, "--dtype", dtype,
                 "--repeat", str(repeat)], env, timeout)


def cold_start(workload: str, implementation: str, size: str, dtype: str,
               cache_dir: str | None = None, timeout: float = 600) -> dict:
    """First-call latency of a jitted implementation in a new process.

    With ``cache_dir``, JAX's persistent compilation cache is enabled there: a second
    process finds the executable on disk instead of compiling it.
    """
    args = ["cold-start", workload, "--impl", implementation, "--size", size, "--dtype", dtype]
    if cache_dir is not None:
        args += ["--cache-dir", os.fspath(cache_dir)]
    return _run(args, dict(os.environ), timeout)


def host_device_environment(devices: int, base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment in which JAX's CPU backend shows ``devices`` devices.

    Any ``--xla_force_host_platform_device_count`` already in ``XLA_FLAGS`` is replaced;
    with ``devices == 1`` it is removed, leaving the one default CPU device.
    """
    if devices < 1:
        raise ValueError(f"devices must be at least 1, got {devices}")
    env = dict(os.environ if base is None else base)
    flags = [f for f in env.get("XLA_FLAGS", "").split()
             if not f.startswith("--xla_force_host_platform_device_count")]
    if devices > 1:
        flags.append(f"--xla_force_host_platform_device_count={devices}")
    if flags:
        env["XLA_FLAGS"] = " ".join(flags)
    else:
        env.pop("XLA_FLAGS", None)
    return env
