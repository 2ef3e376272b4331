"""Steady-state timings of the "stencils" workloads, NumPy and JAX on one graph each."""

from .common import area_classes

globals().update(area_classes("stencils"))
