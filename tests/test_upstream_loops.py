"""Behaviour specific to the loops of the regression corpus (jaxnp_kernels/workloads/upstream_loops.py):
scan_grad_scalar_leaves, while_gather_max, scan_cond_passthrough, linearize_scan_scatter,
scan_matrix_carry.

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


# -- linearize_scan_scatter ----------------------------------------------------------------------

@pytest.mark.parametrize("size", ["S", "M"])
def test_each_step_reads_an_index_uniform_up_to_itself_the_same_for_both_dtypes(size):
    """The report's jr.randint(key(step), minval=0, maxval=step + 1), drawn in make_inputs instead."""
    w = jk.get("linearize_scan_scatter")
    init_step, init_xs, indices = w.make_inputs(size, "float32").arrays
    assert init_step.dtype == indices.dtype == np.int32 and not init_step.any()
    assert indices.shape == init_xs.shape == (ul.LINEARIZE_BATCH, w.sizes[size]["length"])
    steps = np.arange(indices.shape[1])
    assert (indices >= 0).all() and (indices <= steps).all()
    same_step, buffer64, same_indices = w.make_inputs(size, "float64").arrays
    np.testing.assert_array_equal(same_step, init_step)
    np.testing.assert_array_equal(same_indices, indices)
    np.testing.assert_array_equal(buffer64.astype(np.float32), init_xs)
    if size == "M":
        shares = indices[:, 1:] / steps[1:]  # uniform on [0, 1] in the large
        assert abs(shares.mean() - 0.5) < 0.01 and (indices == steps).any() and (indices == 0).any()


def _buffer_primal(init_step, init_xs, indices):
    """The report's loop element by element, independently of the reference's flat indices."""
    xs = init_xs.copy()
    for row in range(xs.shape[0]):
        step = int(init_step[row])
        for i in indices[row]:
            xs[row, step] = 2 * np.tanh(xs[row, i])
            step += 1
    return xs


def test_the_numpy_tangent_is_the_derivative_of_the_primal_along_ones():
    init_step, init_xs, indices = jk.get("linearize_scan_scatter").make_inputs("S", "float64").arrays
    h = 1e-6
    numeric = (_buffer_primal(init_step, init_xs + h, indices)
               - _buffer_primal(init_step, init_xs - h, indices)) / (2 * h)
    before = init_xs.copy()
    tangent = ul.numpy_linearize_scan_scatter(init_step, init_xs, indices)
    np.testing.assert_array_equal(init_xs, before)  # the reference leaves its inputs alone
    np.testing.assert_allclose(tangent, numeric, rtol=1e-7, atol=1e-9)
    # the chains of reads give tangents far from the seed: the check is not of ones against ones
    assert np.abs(tangent - 1).max() > 1 and (np.abs(tangent) < 0.1).any()


def test_both_scans_of_the_linearized_program_scatter_into_the_batched_buffer_they_carry():
    """jax.linearize splits the loop into the primal scan (which also carries the batched step) and
    the tangent scan; under vmap each step's write is a scatter at a batched index, and its read a
    gather, into the (batch, length) buffer the scan carries."""
    import jax

    init_step, init_xs, indices = jk.get("linearize_scan_scatter").make_inputs("S", "float32").arrays
    jaxpr = jax.make_jaxpr(ul.jax_linearize_scan_scatter)(init_step, init_xs, indices).jaxpr
    scans = [e for e in jaxpr.eqns if e.primitive.name == "scan"]
    assert len(scans) == 2
    for scan in scans:
        first = scan.params["num_consts"]
        carry = [(tuple(v.aval.shape), v.aval.dtype.name)
                 for v in scan.invars[first:first + scan.params["num_carry"]]]
        assert (init_xs.shape, "float32") in carry
        body = scan.params["jaxpr"].jaxpr
        writes = [e for e in body.eqns if e.primitive.name == "scatter"]
        reads = [e for e in body.eqns if e.primitive.name in ("gather", "dynamic_slice")]
        assert len(writes) == 1 and writes[0].invars[0].aval.shape == init_xs.shape
        assert len(reads) == 1 and reads[0].invars[0].aval.shape == init_xs.shape
    assert ((init_step.shape, "int32") in [(tuple(v.aval.shape), v.aval.dtype.name) for v in scans[0].invars])


# -- scan_matrix_carry ---------------------------------------------------------------------------

def test_the_state_space_inputs_factor_the_matern_kernel_matrix_and_the_pivots_are_its_cholesky():
    """The quasiseparable matrix the inputs describe is the Matern-5/2 kernel matrix plus noise,
    and the recurrence is its LDL^T factorisation: the pivots are the squared diagonal of its
    Cholesky factor and L D L^T gives the matrix back."""
    times = np.sort(np.random.default_rng(3).uniform(0.0, 6.0, 12))
    d, p, q, a = ul.matern52_state_space(times, np.dtype("float64"))
    r = np.sqrt(5.0) * np.abs(times[:, None] - times[None, :]) / ul.MATERN_SCALE
    kernel = (1 + r + r * r / 3) * np.exp(-r) + ul.MATERN_NOISE * np.eye(times.size)
    f, c, w = ul.numpy_matrix_carry(d, p, q, a)
    np.testing.assert_allclose(c, np.diag(np.linalg.cholesky(kernel)) ** 2, rtol=1e-12)
    lower = np.eye(times.size)
    for i in range(times.size):
        transition = np.eye(3)
        for j in range(i - 1, -1, -1):
            transition = transition @ a[j + 1]  # a_i ... a_{j+1}
            lower[i, j] = p[i] @ transition @ w[j]
    np.testing.assert_allclose(lower @ np.diag(c) @ lower.T, kernel, rtol=1e-12, atol=1e-13)
    assert c.min() > ul.MATERN_NOISE  # pivots positive and above the noise, as a kernel matrix's


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_scan_carries_one_3x3_matrix_in_the_requested_dtype(dtype):
    import jax

    d, p, q, a = jk.get("scan_matrix_carry").make_inputs("S", dtype).arrays
    with compat.dtype_scope(dtype):
        jaxpr = jax.make_jaxpr(ul.jax_matrix_carry)(d, p, q, a).jaxpr
    scans = [e for e in jaxpr.eqns if e.primitive.name == "scan"]
    assert len(scans) == 1 and scans[0].params["length"] == d.size
    first = scans[0].params["num_consts"]
    carry = scans[0].invars[first:first + scans[0].params["num_carry"]]
    assert [(tuple(v.aval.shape), v.aval.dtype.name) for v in carry] == [((3, 3), dtype)]
