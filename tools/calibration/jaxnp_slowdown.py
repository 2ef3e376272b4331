"""Test-only: a calibrated slowdown of two JAX kernels, in the one environment it is installed in.

Never part of the product.  ``tools/calibration/calibrate.py sensitivity`` copies this
module into one asv environment's site-packages with a ``.pth`` file that calls
:func:`install_on_import` at interpreter start, and removes both afterwards.  Nothing is
imported then: when the workload registry is first imported (as it would be anyway),
:func:`install` replaces, in that environment only, the chosen JAX implementations by a
wrapper that computes the kernel a second time on a ``fraction`` of its work and adds that
result at 1e-30 weight: the same work, about ``fraction`` more of it, and a result (and
verification) unchanged.  The fraction of the work is, per kernel, the first ``fraction``
of the inputs named by ``slice`` (their leading axis: elements, rows, systems, indices,
loop flags) or, for a loop whose length is a static parameter, that parameter (``scale``).
(Importing JAX and the workloads from the ``.pth``
itself, at interpreter start, slowed the patched kernel by another 20% for reasons of its
own: the hook keeps the environment's import order as it is.)  :func:`calibrate` finds, in
one process, the fraction that makes each kernel take ``target`` times as long.
"""

from __future__ import annotations

import dataclasses
import importlib.abc
import importlib.util
import json
import pathlib
import statistics
import sys

CONFIG = pathlib.Path(__file__).with_suffix(".json")


def slowed(function, fractions: dict, slice_=(0,), scale: str | None = None):
    """``function`` plus the same work on a ``fractions[dtype]`` part: the leading part of the
    inputs at the positions ``slice_``, or the static parameter ``scale`` scaled down."""

    def run(*arrays, **static):
        import jax
        import jax.numpy as jnp

        out = function(*arrays, **static)
        dtype = next(str(a.dtype) for a in arrays if str(a.dtype) in fractions)
        fraction = fractions[dtype]
        # The extra work starts after the kernel's own (it reads one element of its result, at
        # weight 0): run at the same time on XLA's two threads, two LAPACK solves deadlocked
        # inside OpenBLAS (batched_solve), and a slowdown is work added in sequence.
        anchor = jax.tree_util.tree_leaves(out)[0].ravel()[0] * 0
        def after(a):
            return a + anchor.astype(a.dtype) if jnp.issubdtype(a.dtype, jnp.floating) else a
        if scale is not None:
            extra = function(*(after(a) for a in arrays), **{**static, scale: max(1, int(round(static[scale] * fraction)))})
        else:
            extra = function(*(after(a[:max(1, int(round(a.shape[0] * fraction)))]) if i in slice_ else a
                               for i, a in enumerate(arrays)), **static)
        total = sum(jnp.sum(leaf) for leaf in jax.tree_util.tree_leaves(extra))
        return jax.tree_util.tree_map(lambda o: o + (total * 1e-30).astype(o.dtype), out)

    run.slowed = True
    return run


def patched(workload, implementation: str, fractions: dict, slice_=(0,), scale: str | None = None):
    """``workload`` with ``implementation`` slowed, once (patching a patched workload changes nothing)."""
    impls = tuple(dataclasses.replace(i, function=slowed(i.function, fractions, tuple(slice_), scale))
                  if i.name == implementation and not getattr(i.function, "slowed", False) else i
                  for i in workload.implementations)
    return dataclasses.replace(workload, implementations=impls)


def install(config: pathlib.Path | None = None) -> None:
    """Patch the registry of this interpreter as ``config`` (default :data:`CONFIG`, the JSON file
    beside this module) says: {workload: {"implementation", "fractions": {dtype: fraction},
    "slice": [input positions], "scale": static parameter or null}}."""
    from jaxnp_kernels import registry

    spec = json.loads((config or CONFIG).read_text(encoding="utf-8"))
    table = registry._registry()
    for name, entry in spec.items():
        table[name] = patched(table[name], entry["implementation"], entry["fractions"],
                              entry.get("slice", (0,)), entry.get("scale"))


class _RegistryHook(importlib.abc.MetaPathFinder):
    """Runs :func:`install` right after ``jaxnp_kernels.registry`` is first imported."""

    def find_spec(self, name, path, target=None):
        if name != "jaxnp_kernels.registry":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            original = module._registry

            def patched_registry():
                table = original()
                if not getattr(patched_registry, "done", False):
                    patched_registry.done = True
                    install()
                return table

            module._registry = patched_registry

        spec.loader.exec_module = exec_module
        return spec


def install_on_import() -> None:
    """Arrange for :func:`install` once the registry is imported (the ``.pth`` file calls this)."""
    sys.meta_path.insert(0, _RegistryHook())


def time_ratio(workload, entry: dict, dtype: str, fraction: float, original) -> float:
    """Median time ratio slowed/original, samples of about 10 ms alternating in this process (as
    the session's measuring processes time them)."""
    from jaxnp_kernels.timing import Case, speedup_ratios

    trial = patched(workload, entry["implementation"], {dtype: fraction}, entry.get("slice", (0,)), entry.get("scale"))
    slow = Case(trial, entry["implementation"], "M", dtype).prepare()
    return statistics.median(speedup_ratios(slow, original, pairs=21, min_seconds=0.01))


def calibrate(kernels: dict, target: float, dtypes=("float32",), steps: int = 8) -> dict:
    """{workload: {**entry, "fractions": {dtype: fraction}, "ratios": {dtype: ratio}}} for
    ``kernels`` = {workload: {"implementation", "slice" or "scale"}}: the fraction giving
    ``target`` times the time (a bisection on the fraction: the time grows with it, though not in
    proportion), and the ratio measured again at it."""
    from jaxnp_kernels import registry
    from jaxnp_kernels.timing import Case

    out = {}
    for name, entry in kernels.items():
        workload = registry.get(name)
        fractions, ratios = {}, {}
        for dtype in dtypes:
            original = Case(workload, entry["implementation"], "M", dtype).prepare()
            low, high = 0.0, 1.0
            for _ in range(steps):
                middle = (low + high) / 2
                if time_ratio(workload, entry, dtype, middle, original) < target:
                    low = middle
                else:
                    high = middle
            fractions[dtype] = (low + high) / 2
            ratios[dtype] = time_ratio(workload, entry, dtype, fractions[dtype], original)
            print(f"{name}/{entry['implementation']} {dtype}: fraction {fractions[dtype]:.3f}, "
                  f"ratio {ratios[dtype]:.3f}", file=sys.stderr)
        out[name] = {**entry, "fractions": fractions, "ratios": ratios}
    return out
