"""Test configuration.

The parallel workload needs more than one device; on CPU that is only possible when
XLA_FLAGS is set before JAX starts, so it is set here (as asv.conf.json does for the
benchmarks) unless the caller chose otherwise.
"""

import os

if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                               " --xla_force_host_platform_device_count=2").strip()
