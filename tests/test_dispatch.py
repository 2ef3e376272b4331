"""Behaviour specific to the "dispatch" workloads: dispatch_steps, dispatch_pytree."""

import numpy as np
import pytest

import jaxnp_kernels as jk
from jaxnp_kernels import compat
from jaxnp_kernels.workloads import dispatch


def _reference(name, size, dtype):
    w = jk.get(name)
    inputs = w.make_inputs(size, dtype)
    return inputs, w.reference.function(*[a.copy() for a in inputs.arrays], **inputs.static)


def test_steps_reference_matches_the_cell_written_elementwise():
    inputs, result = _reference("dispatch_steps", "S", "float64")
    w, x, us = inputs.arrays
    n = x.size
    for u in us:
        h = [np.tanh(sum(w[i, j] * x[j] for j in range(n)) + u[i]) for i in range(n)]
        x = np.array(h) - sum(h) / n
    np.testing.assert_allclose(result, x, rtol=1e-13, atol=1e-14)


def test_steps_float32_tracks_float64_and_every_input_row_matters():
    """The premise of the tolerances (the cell contracts), and that the inputs keep it from
    settling on a fixed point, so a step skipped by an implementation would be caught."""
    w = jk.get("dispatch_steps")
    results = {dtype: _reference("dispatch_steps", "M", dtype)[1] for dtype in ("float32", "float64")}
    np.testing.assert_allclose(results["float32"], results["float64"], rtol=1e-5, atol=1e-6)
    weights, x, us = w.make_inputs("M", "float64").arrays
    one_step_short = dispatch.numpy_steps(weights, x, us[:-1])
    with pytest.raises(jk.VerificationError):
        w.verify(one_step_short, results["float64"], "float64")


def test_jitted_step_compiles_once_for_the_whole_loop():
    """jax_jitted_steps times dispatch, not retracing: every step reuses one executable."""
    import jax

    weights, x, us = jk.get("dispatch_steps").make_inputs("S", "float32").arrays
    traces = []

    def counted_step(w, x, u):
        traces.append(1)
        return dispatch.jax_step(w, x, u)

    step = jax.jit(counted_step)
    state = jax.device_put(x)
    for u in jax.device_put(us):
        state = step(weights, state, u)
    np.testing.assert_allclose(np.asarray(state), dispatch.numpy_steps(weights, x, us), rtol=1e-5, atol=2e-6)
    assert len(traces) == 1


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pytree_reference_matches_the_update_on_all_parameters_at_once(dtype):
    inputs, result = _reference("dispatch_pytree", "S", dtype)
    arrays = inputs.arrays
    assert len(arrays) == 300 and len(result) == 200
    third = len(arrays) // 3
    params, velocities = result[:third], result[third:]
    flat = [np.concatenate([a.ravel() for a in arrays[i * third:(i + 1) * third]]) for i in range(3)]
    v = dispatch.MOMENTUM * flat[2] + flat[1] + dispatch.WEIGHT_DECAY * flat[0]
    p = flat[0] - dispatch.LEARNING_RATE * v
    for got, want in ((params, p), (velocities, v)):
        assert [a.shape for a in got] == [a.shape for a in arrays[:third]]
        assert all(a.dtype == np.dtype(dtype) for a in got)
        np.testing.assert_allclose(np.concatenate([a.ravel() for a in got]), want, rtol=1e-6, atol=0)


def test_model_tree_nests_the_leaves_and_gives_them_back_in_order():
    arrays = tuple(np.full(1, i) for i in range(100))
    tree = dispatch.model_tree(arrays)
    assert len(tree) == dispatch.LAYERS and set(tree["layer_07"]) == {"w", "b"}
    assert tree["layer_07"]["w"] is arrays[14] and tree["layer_07"]["b"] is arrays[15]
    assert dispatch.model_leaves(tree) == arrays


def test_jitted_pytree_step_takes_300_arrays_and_returns_200():
    import jax

    arrays = jk.get("dispatch_pytree").make_inputs("S", "float32").arrays
    with compat.dtype_scope("float32"):
        out = jax.jit(dispatch.jax_sgd_momentum)(*arrays)
    assert isinstance(out, tuple) and len(out) == 200 and len(arrays) == 300
