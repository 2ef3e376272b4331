"""Behaviour specific to the "indexing" workloads: gather_rows, segment_reduce, scatter_max_vmap,
embedding_bag."""

import math

import numpy as np
import pytest

import jaxnp_kernels as jk
from jaxnp_kernels import compat
from jaxnp_kernels.workloads import indexing

def _reference(name, size, dtype):
    w = jk.get(name)
    inputs = w.make_inputs(size, dtype)
    return inputs, w.reference.function(*[a.copy() for a in inputs.arrays], **inputs.static)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gather_reference_is_a_row_by_row_copy(dtype):
    inputs, rows = _reference("gather_rows", "S", dtype)
    table, idx = inputs.arrays
    assert rows.dtype == np.dtype(dtype) and rows.shape == (idx.size, table.shape[1])
    for i, j in enumerate(idx):
        np.testing.assert_array_equal(rows[i], table[j])
    assert np.unique(idx).size < idx.size  # rows repeat, as tokens do


@pytest.mark.parametrize("size", ["S", "M"])
def test_segments_are_sorted_contiguous_and_never_empty(size):
    values, ids = jk.get("segment_reduce").make_inputs(size, "float32").arrays
    segments = jk.get("segment_reduce").size_params(size)["segments"]
    assert ids.dtype == np.int32 and values.shape == ids.shape
    assert np.all(np.diff(ids) >= 0)
    counts = np.bincount(ids, minlength=segments)
    assert counts.size == segments and counts.min() >= 1 and counts.max() > counts.min()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_segment_reference_matches_a_loop_over_segments(dtype):
    inputs, (sums, maxima) = _reference("segment_reduce", "S", dtype)
    values, ids = inputs.arrays
    for s in range(inputs.static["segments"]):
        members = values[ids == s]
        exact = math.fsum(float(v) for v in members)
        assert sums[s] == pytest.approx(exact, rel=1e-5 if dtype == "float32" else 1e-12, abs=1e-5)
        assert maxima[s] == members.max()


def test_reduceat_needs_the_non_empty_segments_the_inputs_guarantee():
    """Why make_segment_inputs gives every segment a value: reduceat misreads an empty one."""
    values = np.array([1.0, 2.0, 3.0])
    ids = np.array([0, 0, 2], dtype=np.int32)  # segment 1 is empty
    sums, maxima = indexing.numpy_segment_reduce(values, ids, segments=3)
    assert sums[1] == 3.0 and maxima[1] == 3.0  # not 0 and -inf: the next segment's value


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batched_scatter_max_reference_matches_a_loop_over_updates(dtype):
    inputs, out = _reference("scatter_max_vmap", "S", dtype)
    x, idx, v = inputs.arrays
    expected = x.copy()
    for b in range(x.shape[0]):
        for i, value in zip(idx[b], v[b]):
            expected[b, i] = max(expected[b, i], value)
    np.testing.assert_array_equal(out, expected)
    assert np.any(out == x) and np.any(out != x)  # some bins keep x, others take an update
    for b in range(x.shape[0]):  # duplicates within every example
        assert np.bincount(idx[b]).max() > 1


def test_batched_scatter_max_reference_leaves_its_input_alone():
    x, idx, v = jk.get("scatter_max_vmap").make_inputs("S", "float64").arrays
    before = x.copy()
    indexing.numpy_scatter_max_batched(x, idx, v)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_vmapped_scatter_max_equals_the_per_example_function_applied_to_each_example(dtype):
    import jax

    x, idx, v = jk.get("scatter_max_vmap").make_inputs("S", dtype).arrays
    with compat.dtype_scope(dtype):
        batched = np.asarray(jax.jit(indexing.jax_scatter_max_vmap)(x, idx, v))
        one = jax.jit(indexing.jax_scatter_max_one)
        for b in range(x.shape[0]):
            np.testing.assert_array_equal(batched[b], np.asarray(one(x[b], idx[b], v[b])))


@pytest.mark.parametrize("size", ["S", "M"])
def test_embedding_bags_are_sorted_never_empty_and_their_rows_repeat(size):
    w = jk.get("embedding_bag")
    inputs = w.make_inputs(size, "float32")
    tables, idx, bag_ids = inputs.arrays
    bags = inputs.static["bags"]
    batch, vocab, _ = tables.shape
    assert idx.dtype == np.int32 and bag_ids.dtype == np.int32
    assert idx.shape == bag_ids.shape == (batch, w.size_params(size)["n"])
    assert idx.min() >= 0 and idx.max() < vocab
    for b in range(batch):
        assert np.all(np.diff(bag_ids[b]) >= 0)
        counts = np.bincount(bag_ids[b], minlength=bags)
        assert counts.size == bags and counts.min() >= 1 and counts.max() > counts.min()
        assert np.unique(idx[b]).size < idx.shape[1]  # rows repeat within an example
    assert not all(np.array_equal(bag_ids[0], bag_ids[b]) for b in range(batch))  # own bags per example


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_embedding_bag_reference_matches_a_loop_over_examples_and_bags(dtype):
    inputs, (sums, maxima) = _reference("embedding_bag", "S", dtype)
    tables, idx, bag_ids = inputs.arrays
    bags = inputs.static["bags"]
    assert sums.shape == maxima.shape == (tables.shape[0], bags, tables.shape[2])
    assert sums.dtype == maxima.dtype == np.dtype(dtype)
    for b in range(tables.shape[0]):
        rows = np.take(tables[b], idx[b], axis=0)
        for j in range(bags):
            members = rows[bag_ids[b] == j].astype(np.float64)
            np.testing.assert_allclose(sums[b, j], members.sum(axis=0),
                                       rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-6)
            np.testing.assert_array_equal(maxima[b, j], members.max(axis=0))


def test_embedding_bag_reference_leaves_its_inputs_alone():
    inputs = jk.get("embedding_bag").make_inputs("S", "float64")
    before = [a.copy() for a in inputs.arrays]
    indexing.numpy_embedding_bag(*inputs.arrays, **inputs.static)
    for a, b in zip(inputs.arrays, before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_vmapped_and_flat_embedding_bags_equal_the_per_example_function(dtype):
    import jax

    inputs = jk.get("embedding_bag").make_inputs("S", dtype)
    tables, idx, bag_ids = inputs.arrays
    bags = inputs.static["bags"]
    with compat.dtype_scope(dtype):
        vmapped = jax.jit(indexing.jax_embedding_bag_vmap, static_argnames="bags")(*inputs.arrays, bags=bags)
        flat = jax.jit(indexing.jax_embedding_bag_flat, static_argnames="bags")(*inputs.arrays, bags=bags)
        one = jax.jit(indexing.jax_embedding_bag_one, static_argnames="bags")
        for b in range(tables.shape[0]):
            for out in range(2):
                expected = np.asarray(one(tables[b], idx[b], bag_ids[b], bags=bags)[out])
                np.testing.assert_array_equal(np.asarray(vmapped[out][b]), expected)
                # the flat program sums the same rows in the same order
                np.testing.assert_array_equal(np.asarray(flat[out][b]), expected)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_embedding_bag_tolerance_catches_one_value_off_by_a_tenth_of_a_percent_or_one_wrong_row(dtype):
    w = jk.get("embedding_bag")
    inputs, reference = _reference("embedding_bag", "M", dtype)
    for out in range(2):  # one value of typical size (the median magnitude) 0.1% off
        wrong = [r.copy() for r in reference]
        flat = wrong[out].reshape(-1)
        k = np.argsort(np.abs(flat))[flat.size // 2]
        flat[k] *= 1.001
        with pytest.raises(jk.VerificationError):
            w.verify(tuple(wrong), reference, dtype)
    # one lookup of one example reading the next row of its table
    tables, idx, bag_ids = inputs.arrays
    idx = idx.copy()
    idx[3, 17] = (idx[3, 17] + 1) % tables.shape[1]
    with pytest.raises(jk.VerificationError):
        w.verify(indexing.numpy_embedding_bag(tables, idx, bag_ids, **inputs.static), reference, dtype)
