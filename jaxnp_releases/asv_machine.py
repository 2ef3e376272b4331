"""The asv machine the results belong to, registered with a constant description.

The description is constant (not probed), so results from every run under one machine
name land in one history.  ``JAXNP_MACHINE_DESCRIPTION`` may override the CPU text (for
example "self-hosted A100 runner").  It carries one field of ours, ``device``: the kind of
device JAX runs on ("cpu", or the GPU's name).  asv copies the machine description into
the parameters of every result file, so the device kind is part of every result, and
``asv publish`` offers it as a selector on every graph.

Registered through asv's own machine-file API rather than ``asv machine --yes``: that
command stores only the fields that differ from what it probes, so on a 2-core x86_64
machine ``arch`` and ``num_cpu`` would be missing from the results, and the same machine
name would carry different parameters on different runners.
"""

from __future__ import annotations

import os

DEFAULT_MACHINE = "jaxnp-ci-2core"
CONSTANT_DESCRIPTION = {
    "os": "Linux (CI runner image)",
    "arch": "x86_64",
    "cpu": "2-core x86_64 virtual machine, no GPU",
    "num_cpu": "2",
    "ram": "24GB",
}


def description(device: str = "cpu") -> dict:
    found = dict(CONSTANT_DESCRIPTION)
    if os.environ.get("JAXNP_MACHINE_DESCRIPTION"):
        found["cpu"] = os.environ["JAXNP_MACHINE_DESCRIPTION"]
    return {**found, "device": device}


def register(machine: str, device: str = "cpu") -> dict:
    """Store ``machine`` with every field of the constant description in ~/.asv-machine.json."""
    from . import asv_adapter

    info = {"machine": machine, **description(device)}
    asv_adapter.save_machine(machine, info)
    return info


def ensure_registered(machine: str) -> None:
    """Register ``machine`` (as a CPU machine) unless asv already knows it."""
    from . import asv_adapter

    if not asv_adapter.machine_known(machine):
        register(machine)
