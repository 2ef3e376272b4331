"""The "system" workloads: parallel (devices, sharding) and compile_chain (compilation, cache).

What is asserted is behaviour, never a timing ratio: the sharded implementations really run
on two devices and are skipped (``Unsupported``) in a process with one; the compile chain's
graph really grows with its length; a second process with a warm persistent compilation
cache loads the executable instead of compiling and writing it again.
"""

import json
import os
import subprocess
import sys

import jax
import numpy as np
import pytest

import jaxnp_kernels as jk
from jaxnp_kernels import compat, isolated

SHARDED = ("jax_sharded", "jax_shard_map", "jax_pmap")


def _need_two_devices():
    if len(jax.devices()) < 2:
        pytest.skip("needs XLA_FLAGS=--xla_force_host_platform_device_count=2 (tests/conftest.py "
                    "sets it unless XLA_FLAGS already names a device count)")


# -- parallel ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("implementation", SHARDED)
def test_sharded_implementations_verify_with_inputs_on_two_devices(implementation, dtype):
    _need_two_devices()
    workload = jk.get("parallel")
    case = jk.Case(workload, implementation, "S", dtype).prepare(warmup_calls=0)  # verifies
    placement = workload.implementation(implementation).placement
    with compat.dtype_scope(dtype):
        placed = placement(workload.make_inputs("S", dtype).arrays)
    for array in placed:
        assert len(array.sharding.device_set) == 2
        assert array.dtype == np.dtype(dtype)
    rows_on_each_device = {shard.data.shape[-2] for shard in placed[0].addressable_shards}
    assert rows_on_each_device == {workload.sizes["S"]["rows"] // 2}  # split, not replicated
    result = case()
    assert result.shape == (workload.sizes["S"]["rows"], workload.sizes["S"]["out"])
    if implementation != "jax_pmap":  # pmap's reshape gathers onto one device on JAX 0.4.x
        assert len(result.sharding.device_set) == 2


ONE_DEVICE_PROCESS = """
import json
import jax
import jaxnp_kernels as jk

outcome = {"devices": len(jax.devices())}
for name in ("jax_jit",) + SHARDED:
    try:
        jk.Case("parallel", name, "S", "float32").prepare(warmup_calls=0)
        outcome[name] = "ran"
    except jk.Unsupported as why:
        outcome[name] = "unsupported: " + str(why)
print(json.dumps(outcome))
"""


def test_sharded_implementations_are_unsupported_in_a_one_device_process():
    script = f"SHARDED = {SHARDED!r}\n" + ONE_DEVICE_PROCESS
    proc = subprocess.run([sys.executable, "-c", script], env=isolated.host_device_environment(1),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    outcome = json.loads(proc.stdout.strip().splitlines()[-1])
    assert outcome["devices"] == 1
    assert outcome["jax_jit"] == "ran"  # the process works; only the sharded ones are refused
    for name in SHARDED:
        assert outcome[name].startswith("unsupported: needs 2 devices"), (name, outcome[name])


def test_host_device_environment_replaces_the_device_count():
    base = {"XLA_FLAGS": "--xla_force_host_platform_device_count=2 --xla_cpu_multi_thread_eigen=false"}
    four = isolated.host_device_environment(4, base)
    assert four["XLA_FLAGS"].split() == ["--xla_cpu_multi_thread_eigen=false",
                                        "--xla_force_host_platform_device_count=4"]
    one = isolated.host_device_environment(1, base)
    assert one["XLA_FLAGS"] == "--xla_cpu_multi_thread_eigen=false"
    assert "XLA_FLAGS" not in isolated.host_device_environment(1, {"XLA_FLAGS": base["XLA_FLAGS"].split()[0]})


# -- compile_chain -------------------------------------------------------------------------

@pytest.mark.parametrize("size", ["S", "M"])
def test_compile_chain_graph_has_one_sine_per_link(size):
    workload = jk.get("compile_chain")
    inputs = workload.make_inputs(size, "float32")
    links = inputs.static["links"]
    jitted = jax.jit(lambda x: workload.implementation("jax_jit").function(x, **inputs.static))
    text = jitted.lower(*inputs.arrays).as_text()
    assert text.count("sine") == links  # nothing deduplicated: the graph grows with N


def test_compile_profile_in_float64_measures_each_phase_and_grows_with_the_graph():
    small = jk.Case("compile_chain", "jax_jit", "S", "float64").compile_profile()
    large = jk.Case("compile_chain", "jax_jit", "M", "float64").compile_profile()
    for profile in (small, large):
        assert profile.trace_lower_seconds > 0 and profile.compile_seconds > 0
        assert profile.first_call_seconds > 0
        assert profile.memory is None or profile.memory["output_bytes"] == 1024 * 8
    assert large.trace_lower_seconds > small.trace_lower_seconds  # 100 links vs 10


def _cache_entries(directory):
    """Name -> bytes of every cache entry (the ``-atime`` files change on every read)."""
    entries = {}
    for root, _, files in os.walk(directory):
        for name in files:
            if not name.endswith("-atime"):
                with open(os.path.join(root, name), "rb") as f:
                    entries[os.path.relpath(os.path.join(root, name), directory)] = f.read()
    return entries


def test_warm_persistent_cache_is_loaded_not_rewritten(tmp_path):
    cold = isolated.cold_start("compile_chain", "jax_jit", "S", "float32", cache_dir=tmp_path)
    assert cold["cache_dir"] == str(tmp_path)
    assert cold["first_call_seconds"] > 0 and cold["second_call_seconds"] > 0
    written = _cache_entries(tmp_path)
    assert written, "the persistent compilation cache wrote nothing"
    warm = isolated.cold_start("compile_chain", "jax_jit", "S", "float32", cache_dir=tmp_path)
    assert warm["first_call_seconds"] > 0
    # a process that compiled again would have written an entry; one that loaded writes none
    assert _cache_entries(tmp_path) == written
