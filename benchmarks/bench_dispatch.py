"""Steady-state timings of the "dispatch" workloads (many small calls, op-by-op chains, many-argument jit),
NumPy and JAX on one graph each."""

from .common import area_classes

globals().update(area_classes("dispatch"))
