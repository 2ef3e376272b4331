"""Behaviour specific to the "loops" group: loop_tiny_body, loop_large_body, scan_grad,
inplace_set, scatter_add, stencil2d."""

import warnings

import numpy as np
import pytest

import jaxnp_kernels as jk
from jaxnp_kernels import compat
from jaxnp_kernels.workloads import loops

def test_hand_written_scan_gradient_matches_central_differences():
    rng = np.random.default_rng(3)
    a, xs = loops.make_scan_inputs(rng, np.dtype("float64"), steps=40, d=5)
    loss, grad = loops.numpy_scan_loss_and_grad(a, xs)
    h = 1e-6
    for k in range(a.size):
        step = np.zeros_like(a)
        step[k] = h
        numeric = (loops.numpy_scan_loss_and_grad(a + step, xs)[0]
                   - loops.numpy_scan_loss_and_grad(a - step, xs)[0]) / (2 * h)
        assert numeric == pytest.approx(grad[k], rel=1e-6)
    assert loss == pytest.approx(0.5 * np.sum(_naive_states(a, xs) ** 2), rel=1e-14)


def _naive_states(a, xs):
    h, states = np.zeros_like(a), []
    for x in xs:
        h = a * h + x
        states.append(h)
    return np.array(states)


def test_recurrence_contracts_so_float32_tracks_float64_over_many_steps():
    """The premise of loop_tiny_body's tolerances: rounding does not grow with the steps."""
    w = jk.get("loop_tiny_body")
    results = {}
    for dtype in ("float32", "float64"):
        inputs = w.make_inputs("L", dtype)
        results[dtype] = w.reference.function(*inputs.arrays, **inputs.static)
    np.testing.assert_allclose(results["float32"], results["float64"], rtol=1e-5)


@pytest.mark.parametrize("implementation", ["numpy", "jax_at_set_donated"])
def test_state_carrying_update_repeats_the_same_result(implementation):
    case = jk.Case("inplace_set", implementation, "S", "float64").prepare(warmup_calls=3)
    result = case()
    jk.get("inplace_set").verify(np.asarray(result), case.reference, "float64", implementation)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_donated_update_writes_into_its_input_buffer(dtype):
    import jax

    w = jk.get("inplace_set")
    x, idx, v = w.make_inputs("S", dtype).arrays
    aliased = {}
    with compat.dtype_scope(dtype), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in ("jax_at_set", "jax_at_set_donated"):
            impl = w.implementation(name)
            args = [jax.device_put(a) for a in (x, idx, v)]
            stats = compat.memory_analysis(
                jax.jit(impl.function, donate_argnums=impl.donate_argnums).lower(*args).compile())
            if stats is None:
                pytest.skip("this JAX release reports no memory_analysis")
            aliased[name] = stats["alias_bytes"]
            compat.block_until_ready(jax.jit(impl.function, donate_argnums=impl.donate_argnums)(*args))
            assert args[0].is_deleted() == bool(impl.donate_argnums)
    assert aliased == {"jax_at_set": 0, "jax_at_set_donated": x.nbytes}
    assert not [str(m.message) for m in caught if "donated" in str(m.message)]


def test_scatter_inputs_have_many_duplicate_indices():
    idx, weights = jk.get("scatter_add").make_inputs("S", "float32").arrays
    counts = np.bincount(idx)
    assert counts.max() > 50 and counts.sum() == weights.size


@pytest.mark.parametrize("implementation", ["jax_fori", "jax_fori_where"])
def test_stencil_forms_hold_the_boundary_fixed(implementation):
    case = jk.Case("stencil2d", implementation, "S", "float32").prepare(warmup_calls=0)
    u0 = case.inputs.arrays[0]
    u = np.asarray(case())
    for edge in (np.s_[0, :], np.s_[-1, :], np.s_[:, 0], np.s_[:, -1]):
        np.testing.assert_array_equal(u[edge], u0[edge])
    assert not np.array_equal(u[1:-1, 1:-1], u0[1:-1, 1:-1])
