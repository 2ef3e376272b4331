"""Steady-state timings of the "indexing" workloads (gathers, segment reductions, scatters),
NumPy and JAX on one graph each."""

from .common import area_classes

globals().update(area_classes("indexing"))
