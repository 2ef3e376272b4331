"""Behaviour specific to the loops of the regression corpus (jaxnp_kernels/workloads/upstream_loops.py):
scan_grad_scalar_leaves, while_gather_max, scan_cond_passthrough.

Every implementation's agreement with the NumPy reference at S is tested for every workload in
test_workloads.py; these test the references themselves and the program shapes the upstream
reports describe.
"""

import re

import numpy as np
import pytest
from finite_differences import central_difference  # tests/finite_differences.py

import jaxnp_kernels as jk
from jaxnp_kernels import compat
from jaxnp_kernels.workloads import upstream_loops as ul


def _jitted(function, *arrays, dtype="float64"):
    import jax

    with compat.dtype_scope(dtype):
        return jax.tree_util.tree_map(np.asarray, jax.jit(function)(*arrays))


# -- scan_grad_scalar_leaves ---------------------------------------------------------------------

def _leaves_loss(init, a, xs):
    """The loss written leaf by leaf, independently of the reference's index arrays."""
    s, total = list(init), 0.0
    for x in xs:
        s = [np.tanh(a[i] * s[i] + (1 - a[i]) * s[(i + 1) % len(s)] + x) for i in range(len(s))]
        total += sum(s)
    return total


def test_hand_written_leaves_gradient_matches_central_differences():
    init, a, xs = ul.make_leaves_inputs(np.random.default_rng(5), np.dtype("float64"), leaves=7, steps=30)
    numeric = central_difference(lambda v: _leaves_loss(v, a, xs), init)
    grad = ul.numpy_leaves_grad(init, a, xs)
    np.testing.assert_allclose(grad, numeric, rtol=1e-7)
    assert np.abs(grad).min() > 0.1  # every leaf reaches the loss: no entry passes by being ~0


def _scan_carries(jaxpr):
    """(direction, carry shapes) of every lax.scan in a jaxpr, nested ones included."""
    found = []
    for eqn in jaxpr.eqns:
        if eqn.primitive.name == "scan":
            first = eqn.params["num_consts"]
            carry = eqn.invars[first:first + eqn.params["num_carry"]]
            found.append(("reverse" if eqn.params["reverse"] else "forward",
                          [tuple(v.aval.shape) for v in carry]))
        for param in eqn.params.values():
            inner = getattr(param, "jaxpr", None)
            if inner is not None:
                found += _scan_carries(getattr(inner, "jaxpr", inner))
    return found


def test_scalar_leaves_carry_one_scalar_per_leaf_through_both_passes_and_the_vector_one_array():
    """The report's contrast: the dict carry is `leaves` scalars in the forward and the
    reverse scan; the vector version carries a single (leaves,) array."""
    import jax

    init, a, xs = jk.get("scan_grad_scalar_leaves").make_inputs("S", "float32").arrays
    scalar = _scan_carries(jax.make_jaxpr(ul.jax_scalar_leaves_grad)(init, a, xs).jaxpr)
    vector = _scan_carries(jax.make_jaxpr(ul.jax_vector_carry_grad)(init, a, xs).jaxpr)
    assert sorted(scalar) == [("forward", [()] * init.size), ("reverse", [()] * init.size)]
    assert sorted(vector) == [("forward", [init.shape]), ("reverse", [init.shape])]


# -- while_gather_max ----------------------------------------------------------------------------

@pytest.mark.parametrize("size", ["S", "M"])
def test_max_inputs_repeat_their_maximum_so_the_first_occurrence_is_checked(size):
    (x,) = jk.get("while_gather_max").make_inputs(size, "float32").arrays
    first = int(np.argmax(x))
    assert np.count_nonzero(x == x.max()) > 1 and 0 < first < x.size - 1


@pytest.mark.parametrize("function", [ul.jax_while_max, ul.numpy_loop_max, ul.numpy_max])
@pytest.mark.parametrize("place", [0, 3, 255])
def test_the_maximum_and_its_first_index_are_found_wherever_they_are(function, place):
    x = np.arange(256, dtype=np.float64) % 17
    x[place] = 20.0
    if place < x.size - 1:
        x[-1] = 20.0  # a later tie must not win
    best, where = _jitted(function, x) if function is ul.jax_while_max else function(x)
    assert (float(best), int(where)) == (20.0, place)


def test_the_while_body_reads_one_element_of_the_array_per_step():
    import jax

    (x,) = jk.get("while_gather_max").make_inputs("S", "float32").arrays
    loops = [e for e in jax.make_jaxpr(ul.jax_while_max)(x).jaxpr.eqns if e.primitive.name == "while"]
    assert len(loops) == 1
    body = loops[0].params["body_jaxpr"].jaxpr
    reads = [e for e in body.eqns if e.primitive.name in ("gather", "dynamic_slice")]
    assert len(reads) == 1
    assert reads[0].invars[0].aval.shape == x.shape and reads[0].outvars[0].aval.size == 1
    # the carry is three scalars: the running maximum, its index and the step
    assert [tuple(v.aval.shape) for v in body.invars[loops[0].params["body_nconsts"]:]] == [()] * 3


# -- scan_cond_passthrough -----------------------------------------------------------------------

PASSTHROUGH_FUNCTIONS = [ul.numpy_passthrough, ul.jax_scan_cond, ul.jax_scan_cond_flipped, ul.jax_scan_where]


@pytest.mark.parametrize("function", PASSTHROUGH_FUNCTIONS, ids=lambda f: f.__name__)
def test_passthrough_steps_leave_the_carry_alone_and_update_steps_contract_it(function):
    """Updates commute, so after k of them p = c + 0.99^k (p0 - c), whichever steps they are."""
    params, target, flags = jk.get("scan_cond_passthrough").make_inputs("S", "float64").arrays
    updates = int(flags.sum())
    assert 0 < updates < flags.size  # both branches are taken
    result = function(params, target, flags) if function is ul.numpy_passthrough else \
        _jitted(function, params, target, flags)
    np.testing.assert_allclose(result, target + ul.DECAY ** updates * (params - target), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("size", ["M", "L"])
def test_the_passthrough_is_taken_at_the_declared_share_of_steps(size):
    flags = jk.get("scan_cond_passthrough").make_inputs(size, "float32").arrays[2]
    assert flags.dtype == np.int32 and set(np.unique(flags)) == {0, 1}
    assert abs(flags.mean() - ul.UPDATE_PROBABILITY) < 0.02


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_passthrough_in_the_second_branch_copies_the_carry_and_the_select_does_not(dtype):
    """The mechanism of jax#38145 (xla#46314): copies are elided only for a passthrough in the
    conditional's first branch.  Whether jax_cond's order copies depends on the release, which is
    what the corpus measures, so only the flipped order and the select are pinned here."""
    import jax

    params, target, flags = jk.get("scan_cond_passthrough").make_inputs("S", dtype).arrays
    carry_copy = re.compile(rf"{'f32' if dtype == 'float32' else 'f64'}\[{params.size}\]\{{0\}} copy\(")
    copies, conditionals = {}, {}
    with compat.dtype_scope(dtype):
        for f in (ul.jax_scan_cond, ul.jax_scan_cond_flipped, ul.jax_scan_where):
            text = jax.jit(f).lower(params, target, flags).compile().as_text()
            copies[f.__name__], conditionals[f.__name__] = len(carry_copy.findall(text)), text.count(" conditional(")
    assert conditionals == {"jax_scan_cond": 1, "jax_scan_cond_flipped": 1, "jax_scan_where": 0}
    assert copies["jax_scan_where"] <= 1 < copies["jax_scan_cond_flipped"]
