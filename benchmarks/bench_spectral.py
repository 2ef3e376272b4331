"""Steady-state timings of the "spectral" workloads, NumPy and JAX on one graph each."""

from .common import area_classes

globals().update(area_classes("spectral"))
