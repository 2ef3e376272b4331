"""Every difference between the JAX releases we support (0.4.31 to the newest), and only that.

No other module of the package branches on the JAX version: when a release lacks
something, the function here raises :class:`~jaxnp_kernels.registry.Unsupported`,
which consumers turn into a skip.

Checked on 0.4.31 and 0.10.2 (CPU):

- x64 scoping: ``jax.experimental.enable_x64`` on 0.4.x, ``jax.enable_x64`` on newer
  releases (the former is gone from ``jax.experimental`` on 0.10.2).
- ``shard_map``: ``jax.experimental.shard_map.shard_map`` on 0.4.x, ``jax.shard_map``
  later.  The keyword for disabling replication checks changed name too.
- ``jax.make_mesh`` is missing on 0.4.31; ``jax.sharding.Mesh`` works everywhere.
- ``Compiled.memory_analysis()`` returns an object on CPU on both, but may be missing
  or ``None`` on other backends.
- JAX 0.4.31 on CPU crashes (SIGSEGV) on the first call of an executable with donated
  buffers that was loaded from the persistent compilation cache (written by an earlier
  process, read by this one); 0.10.2 does not.  :func:`without_persistent_cache` turns the
  cache off in a process that is about to compile such an executable.
- JAX 0.5.3 on CPU computes a wrong result (deviation 0.79, every time) with map_kepler's
  ``jax_vmap`` (``vmap`` of a ``while_loop``) when its executable is loaded from the
  persistent compilation cache; compiled afresh it is right, and 0.4.31, 0.4.38, 0.6.2 and
  later are right either way.  Its ``jax_map`` (``lax.map`` of the same ``while_loop``) does
  the same at size L (deviation 0.74; right at M).  Found by the side-by-side runner's
  per-process verification; :func:`persistent_cache_is_safe` keeps such cases out of the cache.
"""

from __future__ import annotations

import contextlib
import functools
import inspect

import jax
import numpy as np

from .registry import Unsupported


def jax_version() -> str:
    return jax.__version__


def jaxlib_version() -> str:
    import jaxlib

    return getattr(jaxlib, "__version__", None) or jaxlib.version.__version__


def enable_x64(enabled: bool = True):
    """A context manager that enables (or disables) 64-bit types in its scope only."""
    scoped = getattr(jax, "enable_x64", None)
    if scoped is None:
        from jax.experimental import enable_x64 as scoped  # JAX 0.4.x
    return scoped(enabled)


def dtype_scope(dtype):
    """The x64 scope a computation in ``dtype`` must run in.

    Without x64, JAX silently casts float64 inputs to float32, so every JAX call on
    float64 data (device transfer, tracing, compilation and each timed call) runs
    inside this scope.  float32 work runs in JAX's default configuration.
    """
    if np.dtype(dtype) == np.float64:
        return enable_x64(True)
    return contextlib.nullcontext()


def block_until_ready(tree):
    """Wait for every array in ``tree``; JAX dispatch is asynchronous."""
    return jax.block_until_ready(tree)


def clear_caches() -> None:
    """Drop JAX's in-memory tracing and compilation caches (for cold-compile timings)."""
    jax.clear_caches()


def memory_analysis(compiled) -> dict[str, int] | None:
    """XLA's memory statistics of a compiled executable, or ``None`` where unavailable.

    Keys: ``temp_bytes`` (intermediates XLA allocates), ``output_bytes``,
    ``argument_bytes``, ``alias_bytes`` (outputs written into donated inputs).
    """
    analyse = getattr(compiled, "memory_analysis", None)
    if analyse is None:
        return None
    try:
        stats = analyse()
    except Exception:  # noqa: BLE001 - some backends raise "not implemented"
        return None
    if stats is None:
        return None
    fields = {"temp_bytes": "temp_size_in_bytes", "output_bytes": "output_size_in_bytes",
              "argument_bytes": "argument_size_in_bytes", "alias_bytes": "alias_size_in_bytes"}
    out = {}
    for key, attr in fields.items():
        value = getattr(stats, attr, None)
        if value is None:
            return None
        out[key] = int(value)
    return out


def shard_map(f, *, mesh, in_specs, out_specs):
    """``shard_map`` wherever this release keeps it, with replication checks off."""
    new = getattr(jax, "shard_map", None)
    if new is not None:
        impl = new
    else:
        try:
            from jax.experimental.shard_map import shard_map as impl
        except ImportError as error:  # pragma: no cover - every supported release has one
            raise Unsupported(f"JAX {jax.__version__} has no shard_map") from error
    params = inspect.signature(impl).parameters
    kwargs = {}
    if "check_vma" in params:
        kwargs["check_vma"] = False
    elif "check_rep" in params:
        kwargs["check_rep"] = False
    return impl(f, mesh=mesh, in_specs=in_specs, out_specs=out_specs, **kwargs)


def device_mesh(n_devices: int, axis_name: str = "data"):
    """A 1-D mesh over the first ``n_devices`` devices; ``Unsupported`` if there are fewer."""
    devices = jax.devices()
    if len(devices) < n_devices:
        raise Unsupported(
            f"needs {n_devices} devices, this process has {len(devices)} "
            f"(on CPU set XLA_FLAGS=--xla_force_host_platform_device_count={n_devices} before JAX starts)")
    return jax.sharding.Mesh(np.array(devices[:n_devices]), (axis_name,))


def tree_map(f, tree, *rest):
    return jax.tree_util.tree_map(f, tree, *rest)


@functools.cache
def device_description() -> dict[str, str | int]:
    """The default device: platform (cpu/gpu/tpu), kind, count, and the JAX versions."""
    devices = jax.devices()
    return {
        "platform": devices[0].platform,
        "device_kind": devices[0].device_kind,
        "device_count": len(devices),
        "jax": jax_version(),
        "jaxlib": jaxlib_version(),
    }


#: Cases whose executable, loaded from the persistent compilation cache, computes a wrong
#: result on these JAX releases (see the module docstring).
WRONG_FROM_PERSISTENT_CACHE = {("map_kepler", "jax_vmap"): ("0.5.3",), ("map_kepler", "jax_map"): ("0.5.3",)}


def persistent_cache_is_safe(workload: str, implementation: str, donates: bool) -> bool:
    """Whether this case may load its executable from the persistent compilation cache here."""
    if donates:  # JAX 0.4.31 crashes on a cached donating executable; no release needs the speed
        return False
    return jax_version() not in WRONG_FROM_PERSISTENT_CACHE.get((workload, implementation), ())


def without_persistent_cache() -> None:
    """Turn JAX's persistent compilation cache off in this process, before its next compile
    (for a case :func:`persistent_cache_is_safe` rejects)."""
    if hasattr(jax.config, "jax_enable_compilation_cache"):
        jax.config.update("jax_enable_compilation_cache", False)
    jax.config.update("jax_compilation_cache_dir", None)


def enable_persistent_cache(cache_dir: str) -> None:
    """Turn on JAX's persistent compilation cache in ``cache_dir`` for this process.

    Thresholds are set to zero so that every executable is cached, however small.
    Call before the first compilation.
    """
    jax.config.update("jax_compilation_cache_dir", str(cache_dir))
    for option, value in (("jax_persistent_cache_min_compile_time_secs", 0.0),
                          ("jax_persistent_cache_min_entry_size_bytes", 0)):
        try:
            jax.config.update(option, value)
        except AttributeError:  # an option this release does not have
            pass
    if hasattr(jax.config, "jax_enable_compilation_cache"):
        jax.config.update("jax_enable_compilation_cache", True)
