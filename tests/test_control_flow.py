"""Behaviour specific to the control-flow workloads: switch_state_machine, gossip_rows,
map_kepler, metropolis_chain, cond_branches."""

import re

import numpy as np
import pytest

import jaxnp_kernels as jk
from jaxnp_kernels import compat
from jaxnp_kernels.workloads import control_flow as cf

ELEMENTWISE_CHECKED = ("switch_state_machine", "gossip_rows", "map_kepler", "cond_branches")


# -- switch_state_machine ------------------------------------------------------------------------

def test_state_machine_reference_matches_maps_applied_along_the_state_path():
    x, b, rotation, symbols = jk.get("switch_state_machine").make_inputs("S", "float64").arrays
    path = [0]
    for symbol in symbols:
        path.append({(0, 0): 1, (0, 1): 2, (1, 0): 2, (1, 1): 0, (2, 0): 0, (2, 1): 1}[path[-1], symbol])
    assert set(path[:-1]) == {0, 1, 2}  # every branch is taken
    maps = {0: lambda y: 0.9 * y + b,
            1: lambda y: 0.5 * np.tanh(y) + b,
            2: lambda y: 0.9 * np.einsum("ij,jk->ik", y, rotation)}
    expected = x
    for state in path[:-1]:
        expected = maps[state](expected)
    np.testing.assert_allclose(cf.numpy_state_machine(x, b, rotation, symbols), expected, rtol=1e-13, atol=1e-14)


def test_switch_compiles_to_a_conditional_in_the_loop_and_select_does_not():
    import jax

    arrays = jk.get("switch_state_machine").make_inputs("S", "float32").arrays
    texts = {f.__name__: jax.jit(f).lower(*arrays).compile().as_text() for f in (cf.jax_switch, cf.jax_select)}
    assert texts["jax_switch"].count(" conditional(") >= 1
    assert texts["jax_select"].count(" conditional(") == 0


# -- gossip_rows -----------------------------------------------------------------------------------

def test_gossip_reference_is_the_product_of_averaging_matrices():
    x, first, second = jk.get("gossip_rows").make_inputs("S", "float64").arrays
    n = x.shape[0]
    product = np.eye(n)
    for i, j in zip(first, second):
        assert i != j
        e = np.zeros(n)
        e[i], e[j] = 1.0, -1.0
        product = (np.eye(n) - 0.5 * np.outer(e, e)) @ product
    result = cf.numpy_gossip(x, first, second)
    np.testing.assert_allclose(result, product @ x, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(result.sum(axis=0), x.sum(axis=0), rtol=1e-12, atol=1e-12)
    assert result.std(axis=0).max() < x.std(axis=0).min()  # averaging contracts the spread


def test_gossip_reference_leaves_its_input_alone():
    x, first, second = jk.get("gossip_rows").make_inputs("S", "float32").arrays
    before = x.copy()
    cf.numpy_gossip(x, first, second)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_chained_row_updates_copy_the_carry_and_one_update_does_not(dtype):
    """The claim of gossip_rows's description: two chained .at[].set make XLA copy the whole
    carry inside the loop; one update of both rows leaves only the copy of the input."""
    import jax

    x, first, second = jk.get("gossip_rows").make_inputs("S", dtype).arrays
    carry_copy = re.compile(rf"{'f32' if dtype == 'float32' else 'f64'}\[{x.shape[0]},{x.shape[1]}\]"
                            r"\{1,0\} copy\(")
    copies = {}
    with compat.dtype_scope(dtype):
        for f in (cf.jax_gossip, cf.jax_gossip_chained):
            compiled = jax.jit(f).lower(x, first, second).compile()
            copies[f.__name__] = len(carry_copy.findall(compiled.as_text()))
            np.testing.assert_allclose(np.asarray(compiled(x, first, second)), cf.numpy_gossip(x, first, second),
                                       rtol=1e-6)
    assert copies["jax_gossip"] <= 1 < copies["jax_gossip_chained"]


# -- map_kepler ------------------------------------------------------------------------------------

def _newton_per_orbit(e, m, tol, max_iterations):
    """A plain loop: one orbit at a time, Newton until its largest step is below tol."""
    anomaly = m + 0.85 * e * np.sign(np.sin(m))
    for iteration in range(1, max_iterations + 1):
        step = (anomaly - e * np.sin(anomaly) - m) / (1 - e * np.cos(anomaly))
        anomaly = anomaly - step
        if np.abs(step).max() <= tol:
            return anomaly, iteration
    raise AssertionError("Newton did not converge")


def test_kepler_reference_solves_the_equation_and_matches_a_loop_over_orbits():
    inputs = jk.get("map_kepler").make_inputs("S", "float64")
    e, m = inputs.arrays
    result = cf.numpy_kepler(e, m, **inputs.static)
    np.testing.assert_allclose(result - e[:, None] * np.sin(result), m, rtol=0, atol=1e-14)
    solved = [_newton_per_orbit(e[b], m[b], **inputs.static) for b in range(e.size)]
    np.testing.assert_array_equal(result, np.stack([anomaly for anomaly, _ in solved]))
    iterations = np.array([count for _, count in solved])
    # The premise of lax.map against vmap: eccentric orbits take more iterations than round ones.
    assert iterations.min() < iterations.max()
    assert iterations[e > 0.8].mean() > iterations[e < 0.2].mean()


# -- metropolis_chain ------------------------------------------------------------------------------

def _run_reference(size, seed):
    w = jk.get("metropolis_chain")
    inputs = w.make_inputs(size, "float64", seed=seed)
    return cf.numpy_metropolis(*inputs.arrays, **inputs.static)


def test_metropolis_check_accepts_another_run_and_rejects_broken_chains():
    x, rates = _run_reference("L", 0)  # 2^16 chains: tight bounds
    x_other, rates_other = _run_reference("L", 1)
    assert cf.check_metropolis(x_other, x, 0, 0)[0]
    assert cf.check_metropolis(rates_other, rates, 0, 0)[0]
    for wrong in (x * 1.5,  # too wide
                  x + np.asarray(cf.METROPOLIS_SCALES),  # shifted by a standard deviation
                  np.where(np.arange(x.size).reshape(x.shape) == 0, np.nan, x)):
        ok, detail = cf.check_metropolis(wrong, x, 0, 0)
        assert not ok, detail
    for wrong in (np.zeros_like(rates),  # never accepts
                  np.ones_like(rates),  # always accepts (no test at all)
                  rates + 0.1):
        ok, detail = cf.check_metropolis(wrong, rates, 0, 0)
        assert not ok, detail


def test_metropolis_acceptance_rate_matches_an_independent_monte_carlo_estimate():
    """From the target, one proposal is accepted with probability E[min(1, p(x')/p(x))]."""
    rng = np.random.default_rng(11)
    y = rng.standard_normal((400_000, 4))  # whitened: the scales cancel from the ratio
    proposal = y + cf.METROPOLIS_STEP * rng.standard_normal(y.shape)
    expected = np.minimum(1.0, np.exp(-0.5 * ((proposal**2).sum(1) - (y**2).sum(1)))).mean()
    _, rates = _run_reference("L", 0)  # 2^16 chains x 10 steps
    assert rates.mean() == pytest.approx(expected, abs=0.005)
    assert 0.4 < expected < 0.8


def test_metropolis_jax_draws_depend_on_the_seed_input():
    import jax

    inputs = jk.get("metropolis_chain").make_inputs("S", "float32")
    start, seed = inputs.arrays
    run = jax.jit(lambda s, k: cf.jax_metropolis_scan(s, k, **inputs.static))
    a = np.asarray(run(start, seed)[0])
    b = np.asarray(run(start, seed)[0])
    c = np.asarray(run(start, seed + 1)[0])
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


# -- cond_branches ---------------------------------------------------------------------------------

def test_cond_reference_applies_the_flagged_map_at_each_step():
    x, w, b, flags = jk.get("cond_branches").make_inputs("S", "float64").arrays
    assert flags.dtype == np.int32 and set(flags.tolist()) == {0, 1}  # both branches are taken
    np.testing.assert_allclose(np.linalg.svd(w, compute_uv=False), cf.COND_NORM, rtol=1e-12)
    expected = x
    for flag in flags:
        if flag == 1:  # tanh of the product, written out element by element
            expected = np.tanh(np.array([[sum(row[k] * w[k, j] for k in range(8)) for j in range(8)]
                                         for row in expected]))
        else:
            expected = 0.5 * expected + b
    np.testing.assert_allclose(cf.numpy_cond(x, w, b, flags), expected, rtol=1e-13, atol=1e-14)


def test_cond_float32_run_stays_within_its_tolerance_of_the_float64_run():
    """The maps contract, so float32 rounding does not grow over the M size's 1000 steps."""
    w = jk.get("cond_branches")
    run64 = cf.numpy_cond(*w.make_inputs("M", "float64").arrays)
    run32 = cf.numpy_cond(*w.make_inputs("M", "float32").arrays)  # the same draws, rounded
    rtol, atol = w.tolerance_for("float32")
    np.testing.assert_allclose(run32, run64, rtol=rtol, atol=atol)
    assert np.abs(run64).max() > 0.05  # not converged to a fixed point near zero


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cond_copies_the_carry_every_step_and_where_does_not(dtype):
    """The claim of cond_branches's description: the conditional's result is copied into the
    loop's carry each step; the select of jax_where leaves only the copy of the input."""
    import jax

    x, w, b, flags = jk.get("cond_branches").make_inputs("S", dtype).arrays
    carry_copy = re.compile(rf"{'f32' if dtype == 'float32' else 'f64'}\[{x.shape[0]},{x.shape[1]}\]"
                            r"\{1,0\} copy\(")
    copies = {}
    with compat.dtype_scope(dtype):
        for f in (cf.jax_cond, cf.jax_where):
            text = jax.jit(f).lower(x, w, b, flags).compile().as_text()
            copies[f.__name__] = len(carry_copy.findall(text))
            assert text.count(" conditional(") == (f is cf.jax_cond)
    assert copies["jax_where"] <= 1 < copies["jax_cond"]
