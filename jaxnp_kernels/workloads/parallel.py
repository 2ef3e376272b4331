"""parallel: a data-parallel batch computation on one device vs sharded over several.

Each row of a batch is standardised (zero mean, unit variance) and passed through a dense
layer with tanh, ``tanh(standardise(x) @ W)``: independent rows, a replicated weight, the
shape of data-parallel inference.  "jax_jit" runs on one device; "jax_sharded" places the
rows across a 2-device mesh with ``jax.sharding.NamedSharding`` and lets ``jit`` partition
the program (GSPMD); "jax_shard_map" writes the per-device program explicitly with
``shard_map``; "jax_pmap" is the older ``jax.pmap`` idiom: the batch reshaped to
(devices, rows / devices, features), one slice and one copy of the weight per device, the
per-device result reshaped back to (rows, out).  The inputs are placed on their devices
before timing, as a data-parallel pipeline keeps them (the resharding copy is excluded).
``pmap`` compiles its own program, so "jax_pmap" is not wrapped in ``jit`` (jit-of-pmap
gathers data onto one device, and on JAX 0.4.31 it even fails on sharded inputs); its
final reshape to (rows, out) is part of the timing (one copy of the output; on JAX 0.4.x
it also gathers the output onto one device, while on newer releases, where ``pmap`` is built
on ``shard_map``, it stays sharded).  On CPU the devices are forced host devices
(``XLA_FLAGS=--xla_force_host_platform_device_count=2``, set by the asv config and the
tests) that share the machine's cores, so the figure says what sharding costs or gains on
one host; on a multi-GPU machine the same code spreads over GPUs.  With fewer than two
devices the sharded implementations are skipped.  Claim: parallel.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

from .. import compat
from ..registry import Cost, Implementation, Workload, jax_eager, jax_jit, numpy_impl

N_DEVICES = 2
EPS = 1e-5


def make_inputs(rng, dtype, rows, features, out):
    x = rng.standard_normal((rows, features)) * 2.0 + 0.5
    w = rng.standard_normal((features, out)) / np.sqrt(features)
    return x.astype(dtype), w.astype(dtype)


def numpy_layer(x, w):
    z = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + EPS)
    return np.tanh(z @ w)


def jax_layer(x, w):
    z = (x - x.mean(axis=1, keepdims=True)) / jnp.sqrt(x.var(axis=1, keepdims=True) + EPS)
    return jnp.tanh(z @ w)


def place_rows_sharded(arrays):
    """Rows of x split across the mesh, w replicated on every device."""
    x, w = arrays
    mesh = compat.device_mesh(N_DEVICES)
    return (jax.device_put(x, NamedSharding(mesh, P("data", None))),
            jax.device_put(w, NamedSharding(mesh, P())))


def jax_shard_map_layer(x, w):
    mesh = compat.device_mesh(N_DEVICES)
    per_device = compat.shard_map(jax_layer, mesh=mesh, in_specs=(P("data", None), P()),
                                  out_specs=P("data", None))
    return per_device(x, w)


def place_per_device(arrays):
    """pmap's layout: x as (devices, rows / devices, features), w copied to every device.

    The arrays are put there by an identity ``pmap``, so they have the layout ``pmap``
    itself produces on every release (``PmapSharding`` on 0.4.x, ``NamedSharding`` on
    newer ones) and no call re-lays them out.
    """
    x, w = arrays
    compat.device_mesh(N_DEVICES)  # Unsupported with fewer devices
    rows, features = x.shape
    per_device = jax.pmap(lambda a: a)
    return (per_device(x.reshape(N_DEVICES, rows // N_DEVICES, features)),
            per_device(np.broadcast_to(w, (N_DEVICES,) + w.shape)))


jax_layer_per_device = jax.pmap(jax_layer)


def jax_pmap_layer(x_per_device, w_per_device):
    y = jax_layer_per_device(x_per_device, w_per_device)
    return y.reshape(-1, y.shape[-1])


def cost(dtype, rows, features, out):
    # standardisation ~6 flops per input element, the matmul 2 rows*features*out, tanh 1 per
    # output; x and w read once, the output written once.
    return Cost(flops=6 * rows * features + 2 * rows * features * out + rows * out,
                bytes=(rows * features + features * out + rows * out) * dtype.itemsize)


WORKLOADS = (
    Workload(
        name="parallel",
        claims=("parallel",),
        area="parallel",
        description=__doc__,
        sizes={"S": {"rows": 64, "features": 32, "out": 16},
               "M": {"rows": 8192, "features": 256, "out": 256},
               "L": {"rows": 65536, "features": 256, "out": 128}},
        make_inputs_fn=make_inputs,
        implementations=(
            numpy_impl(numpy_layer),
            jax_jit(jax_layer, description="one device, under jit", roles=("compiled",)),
            jax_eager(jax_layer),
            jax_jit(jax_layer, "jax_sharded", placement=place_rows_sharded, roles=("sharded",),
                    description="rows sharded over 2 devices (NamedSharding), jit partitions"),
            jax_jit(jax_shard_map_layer, "jax_shard_map", placement=place_rows_sharded, roles=("sharded",),
                    description="explicit per-device program with shard_map over 2 devices"),
            # Built directly: pmap compiles by itself, so jit=False, but it needs a placement.
            Implementation("jax_pmap", "jax", jax_pmap_layer, jit=False, placement=place_per_device,
                           description="jax.pmap over a leading device axis of 2 (no outer jit)"),
        ),
        cost_fn=cost,
        tolerance={"float32": (1e-4, 1e-5), "float64": (1e-11, 1e-12)},
    ),
)
