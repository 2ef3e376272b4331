"""float64 on JAX really runs in float64, in a scope, without changing the global default."""

import jax
import jax.numpy as jnp
import numpy as np

import jaxnp_kernels as jk
from jaxnp_kernels import compat


def test_float64_case_computes_in_float64():
    case = jk.Case("fused_chain", "jax_jit", "S", "float64").prepare()
    result = case()
    assert result.dtype == np.float64
    # float32 arithmetic could not reach this agreement with the float64 reference.
    np.testing.assert_allclose(np.asarray(result), case.reference, rtol=1e-12)
    assert np.max(np.abs(np.asarray(result) - case.reference)) < 1e-9


def test_float32_result_differs_measurably_from_float64_reference():
    """The tolerance check is sharp enough to tell the two precisions apart."""
    w = jk.get("fused_chain")
    x = w.make_inputs("S", "float64").arrays[0]
    ref64 = w.reference.function(x)
    got32 = np.asarray(jax.jit(w.implementation("jax_jit").function)(x.astype(np.float32)), np.float64)
    assert np.max(np.abs(got32 - ref64) / np.abs(ref64)) > 1e-9


def test_x64_scope_does_not_leak():
    with compat.enable_x64(True):
        assert jnp.zeros(1, dtype=jnp.float64).dtype == jnp.float64
    assert jnp.zeros(1).dtype == jnp.float32
    assert not jax.config.jax_enable_x64
