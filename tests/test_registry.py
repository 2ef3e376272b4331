"""Registry invariants and the error messages users see for bad input."""

import numpy as np
import pytest

import jaxnp_kernels as jk
from jaxnp_kernels import registry


def test_registry_holds_at_least_twenty_workloads():
    assert len(jk.names()) >= 20, jk.names()


@pytest.mark.parametrize("workload", jk.names())
def test_workload_invariants(workload):
    w = jk.get(workload)
    assert w.reference.backend == "numpy"
    assert any(impl.is_jax for impl in w.implementations)
    assert w.claims and set(w.claims) <= set(jk.CLAIMS)
    assert w.description and len(w.description.split()) >= 20, "describe what it measures and why"
    assert tuple(w.sizes) == jk.SIZE_NAMES
    for dtype in w.dtypes:
        for size in jk.SIZE_NAMES:
            assert isinstance(w.cost(size, dtype), jk.Cost)


def test_every_claim_except_accel_is_tested_by_some_workload():
    # accel is tested by running the same suite on an accelerator (results carry the device).
    covered = {c for w in jk.all_workloads() for c in w.claims}
    assert set(jk.CLAIMS) - {"accel"} <= covered, set(jk.CLAIMS) - covered


def test_unknown_workload_lists_valid_names():
    with pytest.raises(ValueError, match="unknown workload 'nope'; valid: .*fused_chain"):
        jk.get("nope")


def test_unknown_size_dtype_and_implementation_list_valid_choices():
    w = jk.get("fused_chain")
    with pytest.raises(ValueError, match="no size 'XL'; valid: S, M, L"):
        w.make_inputs("XL", "float32")
    with pytest.raises(ValueError, match="does not support dtype 'int8'; valid: float32, float64"):
        w.make_inputs("S", "int8")
    with pytest.raises(ValueError, match="does not support dtype 'float16'"):
        jk.Case("fused_chain", "numpy", "S", "float16")
    with pytest.raises(ValueError, match="no implementation 'torch'; valid: numpy, jax_jit, jax_eager"):
        jk.Case("fused_chain", "torch", "S", "float32")
    with pytest.raises(ValueError, match="unknown claim"):
        jk.by_claim("magic")


def test_verification_failure_names_workload_implementation_dtype_and_deviation():
    w = jk.get("fused_chain")
    ref = np.linspace(1.0, 2.0, 100, dtype=np.float32)
    wrong = ref.copy()
    wrong[17] += 0.5
    with pytest.raises(jk.VerificationError,
                       match=r"'fused_chain', implementation 'jax_jit', dtype float32.*largest deviation 0\.5"):
        w.verify(wrong, ref, "float32", "jax_jit")


def test_verification_rejects_a_silent_downcast():
    w = jk.get("fused_chain")
    ref = np.linspace(1.0, 2.0, 10)
    with pytest.raises(jk.VerificationError, match="dtype float32, reference float64"):
        w.verify(ref.astype(np.float32), ref, "float64", "jax_jit")


def test_a_scaled_atol_follows_each_outputs_largest_magnitude():
    """Rounding of a cancelling sum scales with the output: 1e3 off near zero passes in an output of 1e8."""
    reference = (np.array([1e8, 1.0]), np.array([1.0, 0.0]))
    drift = (np.array([1e8, 1.0 + 1e3]), np.array([1.0, 1e-5]))
    scaled = _workload(tolerance={"float64": (1e-6, 2e-5)}, atol_scales_with_output=True)
    absolute = _workload(tolerance={"float64": (1e-6, 2e-5)})
    scaled.verify(drift, reference, "float64")  # 1e3 <= 2e-5 * 1e8; 1e-5 <= 2e-5 * 1
    with pytest.raises(jk.VerificationError, match="output 0 .*atol=2e-05: largest deviation 1e"):
        absolute.verify(drift, reference, "float64")
    with pytest.raises(jk.VerificationError, match="output 1 .*largest magnitude"):
        scaled.verify((drift[0], np.array([1.0, 3e-5])), reference, "float64")


def test_a_wrong_jax_implementation_fails_loudly_and_is_not_timed():
    good = jk.get("fused_chain")
    broken = registry.Workload(
        name="broken", claims=("fusion",), area="elementwise", description=good.description,
        sizes=good.sizes, make_inputs_fn=good.make_inputs_fn, cost_fn=good.cost_fn,
        implementations=(good.reference, jk.jax_jit(lambda x: x * 1.001, roles=("compiled",))),
    )
    case = jk.Case(broken, "jax_jit", "S", "float32")
    with pytest.raises(jk.VerificationError, match="'broken', implementation 'jax_jit'"):
        case.prepare()
    with pytest.raises(RuntimeError, match="not prepared"):
        case()


def test_malformed_workloads_are_rejected():
    good = jk.get("fused_chain")
    with pytest.raises(ValueError, match="needs at least one JAX implementation"):
        registry.Workload(name="x", claims=("jit",), area="a", description="d", sizes=good.sizes,
                          make_inputs_fn=good.make_inputs_fn, cost_fn=good.cost_fn,
                          implementations=(good.reference,))
    with pytest.raises(ValueError, match="unknown: \\['speed'\\]"):
        registry.Workload(name="x", claims=("speed",), area="a", description="d", sizes=good.sizes,
                          make_inputs_fn=good.make_inputs_fn, cost_fn=good.cost_fn,
                          implementations=good.implementations)


def test_implementation_outside_its_sizes_is_unsupported_not_an_error():
    impl = jk.jax_jit(lambda x: x, name="small_only", sizes=("S",))
    w = jk.get("fused_chain")
    with pytest.raises(jk.Unsupported, match="does not run at size L"):
        jk.Case(w, impl, "L", "float32")


def _workload(**changes):
    """A minimal valid workload, with ``changes`` applied to its fields."""
    fields = dict(name="tiny", claims=("jit",), area="elementwise", description="a tiny test workload " * 5,
                  sizes={"S": {"n": 4}, "M": {"n": 8}, "L": {"n": 16}},
                  make_inputs_fn=lambda rng, dtype, n: (rng.standard_normal(n).astype(dtype),),
                  implementations=(registry.numpy_impl(np.negative),
                                   registry.jax_jit(np.negative, roles=("compiled",))),
                  cost_fn=lambda dtype, n: jk.Cost(n, 2 * n * dtype.itemsize))
    fields.update(changes)
    return registry.Workload(**fields)


def test_every_workload_declares_the_roles_its_claims_need():
    for w in jk.all_workloads():
        assert len(w.with_role("compiled")) == 1 and w.compiled.jit
        for claim in w.claims:
            for role in registry.CLAIM_ROLES.get(claim, ()):
                assert w.role(role) is not None, (w.name, claim, role)
    threads = [w.name for w in jk.all_workloads() if w.threads]
    assert {"elementwise", "fused_chain", "matmul"} <= set(threads)


@pytest.mark.parametrize("changes, message", [
    ({"area": "quantum"}, "unknown area 'quantum': add it to jaxnp_kernels.registry.AREAS and add "
                          "benchmarks/bench_quantum.py"),
    ({"implementations": (registry.numpy_impl(np.negative), registry.jax_jit(np.negative))},
     "exactly one implementation with the role 'compiled'"),
    ({"claims": ("vmap",)}, r"claims 'vmap', whose scorecard rule needs implementations with the roles "
                            r"\['vmapped', 'python_loop'\]"),
    ({"claims": ("threads",)}, "set threads=True"),
    ({"upstream": ("jax#40150",)}, r"upstream reports must read 'owner#number OLD->NEW'.*\['jax#40150'\]"),
    ({"upstream_dtypes": ("float64", "float16")}, r"upstream_dtypes must be a non-empty subset of its dtypes"),
    ({"upstream_dtypes": ()}, r"upstream_dtypes must be a non-empty subset of its dtypes"),
    ({"implementations": (registry.numpy_impl(np.negative), registry.jax_jit(np.negative, roles=("compiled",)),
                          registry.jax_jit(np.negative, "second", roles=("compiled",)))}, "has 2"),
])
def test_a_workload_missing_a_declaration_fails_at_import_saying_what_to_add(changes, message):
    with pytest.raises(ValueError, match=message):
        _workload(**changes)


@pytest.mark.parametrize("make, message", [
    (lambda: registry.jax_jit(np.negative, roles=("fastest",)), "unknown role 'fastest'"),
    (lambda: registry.numpy_impl(np.negative, "x", roles=("vmapped",)), "numpy implementation cannot have the role"),
    (lambda: registry.jax_jit(np.negative, roles=("numpy_alternative",)), "jax implementation cannot have the role"),
    (lambda: registry.jax_eager(np.negative, roles=("compiled",)), "'compiled' is for a jitted implementation"),
])
def test_roles_are_checked_where_they_are_declared(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_valid_minimal_workload_and_its_role_lookups():
    w = _workload()
    assert w.compiled.name == "jax_jit" and w.role("op_by_op") is None and w.with_role("python_loop") == ()
    with pytest.raises(ValueError, match="unknown role 'nope'"):
        w.with_role("nope")
