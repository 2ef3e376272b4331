"""Steady-state timings of the "control_flow" workloads, NumPy and JAX on one graph each."""

from .common import area_classes

globals().update(area_classes("control_flow"))
