"""Behaviour specific to the "dense" workloads: dot_reduction, logsumexp, matmul, mlp,
random_normal, folding."""

import numpy as np
import pytest

import jaxnp_kernels as jk
from jaxnp_kernels import compat
from jaxnp_kernels.workloads import folding, random_normal

ELEMENTWISE_CHECKED = ("dot_reduction", "folding", "logsumexp", "matmul", "mlp")


def test_sum_of_product_materialises_a_temporary_and_dot_does_not():
    n_bytes = jk.get("dot_reduction").make_inputs("S", "float64").arrays[0].nbytes
    naive = jk.Case("dot_reduction", "numpy", "S", "float64").memory_profile()
    dot = jk.Case("dot_reduction", "numpy_dot", "S", "float64").memory_profile()
    assert naive["intermediate_bytes"] >= n_bytes
    assert dot["intermediate_bytes"] < n_bytes // 10


def test_jit_folds_the_constant_rotation_product_into_one_dot():
    import jax

    points = folding.make_inputs(np.random.default_rng(0), np.dtype("float32"), n=100)[0]
    lowered = jax.jit(folding.jax_folding).lower(points)
    assert lowered.as_text().count("dot_general") == len(folding.ANGLES) + 1  # traced: 17 dots
    assert lowered.compile().as_text().count(" dot(") == 1  # compiled: the product is folded


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_precomputed_rotation_matches_the_product_and_leaves_the_input_alone(dtype):
    np.testing.assert_allclose(folding.HOISTED_ROTATION[np.dtype(dtype)],
                               np.linalg.multi_dot([folding.elementary_rotation(k)
                                                    for k in range(len(folding.ANGLES))]),
                               rtol=0, atol=1e-6 if dtype == "float32" else 1e-14)
    points = folding.make_inputs(np.random.default_rng(0), np.dtype(dtype), n=50)[0]
    before = points.copy()
    folding.numpy_folding_precomputed(points)
    np.testing.assert_array_equal(points, before)


def test_normal_check_accepts_normal_samples_and_rejects_others():
    rng = np.random.default_rng(7)
    n = 10_000
    assert random_normal.check_normal(rng.standard_normal(n), None, 0, 0)[0]
    for wrong in (rng.uniform(-np.sqrt(3), np.sqrt(3), n),  # mean 0, std 1, not normal
                  rng.standard_normal(n) + 0.1,
                  rng.standard_normal(n) * 1.1,
                  np.where(np.arange(n) == 0, np.nan, rng.standard_normal(n))):
        ok, detail = random_normal.check_normal(wrong, None, 0, 0)
        assert not ok, detail


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_jax_normal_is_deterministic_in_its_seed_input(dtype):
    import jax

    with compat.dtype_scope(dtype):
        draw = jax.jit(lambda seed: random_normal.jax_normal(seed, n=1000, dtype=dtype))
        a = np.asarray(draw(np.array([3], dtype=np.uint32)))
        b = np.asarray(draw(np.array([3], dtype=np.uint32)))
        c = np.asarray(draw(np.array([4], dtype=np.uint32)))
    assert a.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
