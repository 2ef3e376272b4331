"""The workload registry: the one place every consumer (tests, asv, reports) reads.

A *workload* is one computation written once per backend: a NumPy reference, one or
more JAX implementations, a deterministic input generator shared by all of them, a
tolerance per dtype and a cost model.  Workload modules live in
``jaxnp_kernels/workloads/``; each defines a module-level tuple ``WORKLOADS``.  The
registry discovers those modules, so adding a workload means adding one module.

Nothing here imports asv, and nothing here touches a JAX device: discovery only
reads metadata.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import pkgutil
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

#: The claims the suite measures, by id (``python -m jaxnp_kernels list`` shows which workloads test
#: which).  A workload names one or more of them.
CLAIMS: Mapping[str, str] = {
    "jit": "jax.jit compiles a whole function into one optimised program, cutting Python overhead",
    "fusion": "XLA fuses chains of elementwise ops into one kernel; NumPy materialises every intermediate",
    "reduction": "a reduction of a product (sum(x*y)) fuses, no temporary array",
    "blas": "large matrix work goes to BLAS-class kernels on both sides",
    "accel": "the same JAX code runs on a GPU/TPU when one is present",
    "grad": "jax.grad gives gradients of compiled code at compiled speed",
    "modes": "JAX has two modes of differentiation, forward and reverse",
    "vmap": "jax.vmap vectorises a per-example function without Python loops",
    "loop": "compiled loops (lax.fori_loop, scan, while_loop) remove interpreter overhead",
    "inplace": "JAX has no in-place mutation; functional updates cost copies unless buffers are donated",
    "parallel": "pmap/sharding spread work over several devices",
    "memory": "fusion and no intermediates mean less memory",
    "compile": "the first call pays tracing and compilation; later calls do not",
    "threads": "NumPy runs most operations on one core; XLA uses all of them",
    "folding": "XLA folds constants and unrolls loops at compile time",
}

#: What an implementation is for, beyond its name.  The report, the scorecard and the suite's
#: figures find the implementations they compare by these declared roles, never by naming
#: conventions, and a workload is checked at import for the roles its claims need.
ROLES: Mapping[str, str] = {
    "compiled": "the workload's main compiled JAX implementation (speedup tables, roofline, the claims); "
                "exactly one per workload",
    "op_by_op": "JAX without jax.jit, the jit claim's counterpart of the compiled implementation",
    "numpy_alternative": "another idiomatic NumPy formulation the compiled one is also compared with",
    "python_loop": "a per-example Python loop (NumPy or JAX): what vmap replaces",
    "vmapped": "jax.vmap of the per-example function, under jit",
    "functional_update": "a functional .at[] update that copies its array",
    "donated_update": "the same update with the array's buffer donated",
    "sharded": "the compiled computation spread over several devices",
    "expected_faster": "of two differentiation modes, the one the Jacobian's shape favours",
    "expected_slower": "of two differentiation modes, the one the Jacobian's shape does not favour",
}
#: The roles each claim's scorecard rule reads: a workload claiming it must declare them.
CLAIM_ROLES: Mapping[str, tuple[str, ...]] = {
    "modes": ("expected_faster", "expected_slower"),
    "vmap": ("vmapped", "python_loop"),
    "inplace": ("functional_update",),
    "parallel": ("sharded",),
    "folding": ("numpy_alternative",),
}
#: Roles one workload may declare more than once.
REPEATABLE_ROLES = {"python_loop", "numpy_alternative", "sharded"}
#: The roles a NumPy implementation may have (the rest are JAX's).
NUMPY_ROLES = {"numpy_alternative", "python_loop"}
#: Areas of the asv suite: ``benchmarks/bench_<area>.py`` times the workloads of each.
AREAS = ("autodiff", "compile", "control_flow", "dispatch", "elementwise", "indexing", "inplace", "linalg",
         "loops", "npbench", "parallel", "random", "reductions", "spectral", "stencils", "transforms")

#: An upstream report in :attr:`Workload.upstream`: the thread and the release pair it names.
UPSTREAM_REPORT = re.compile(r"(jax|xla)#\d+ \d+\.\d+\.\d+->\d+\.\d+\.\d+")

SIZE_NAMES = ("S", "M", "L")
DTYPE_NAMES = ("float32", "float64")
BACKENDS = ("numpy", "jax")

#: Default (rtol, atol) per dtype; a workload overrides what its arithmetic needs.
DEFAULT_TOLERANCE: Mapping[str, tuple[float, float]] = {
    "float32": (1e-4, 1e-6),
    "float64": (1e-10, 1e-12),
}


class Unsupported(Exception):
    """This implementation cannot run here (JAX release, device count, size).

    Consumers turn it into a skip (asv: ``NotImplementedError`` in ``setup``;
    pytest: ``pytest.skip``); it never yields a number.
    """


class VerificationError(AssertionError):
    """A result differs from the NumPy reference by more than the tolerance."""


@dataclasses.dataclass(frozen=True)
class Cost:
    """Work done by one call: floating-point operations and bytes moved to/from memory.

    ``bytes`` counts the compulsory traffic (inputs read once, outputs written once),
    which is what a roofline compares with the machine's bandwidth.
    """

    flops: float
    bytes: float

    @property
    def intensity(self) -> float:
        """Arithmetic intensity, flops per byte."""
        return self.flops / self.bytes if self.bytes else float("inf")


@dataclasses.dataclass(frozen=True)
class Inputs:
    """What ``make_inputs`` returns: NumPy arrays plus static (Python) parameters.

    ``arrays`` are passed positionally to every implementation (JAX ones receive them
    on the device); ``static`` are keyword arguments, bound before ``jax.jit`` so they
    are compile-time constants.
    """

    arrays: tuple[np.ndarray, ...]
    static: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def nbytes(self) -> int:
        return int(sum(a.nbytes for a in self.arrays))


@dataclasses.dataclass(frozen=True)
class Implementation:
    """One way of computing a workload.

    Build these with :func:`numpy_impl`, :func:`jax_jit` and :func:`jax_eager`.

    Attributes:
      name: identifier, e.g. ``"numpy"``, ``"jax_jit"``, ``"numpy_loop"``.
      backend: ``"numpy"`` or ``"jax"``.
      function: ``function(*arrays, **static)``, returning an array or a tuple of arrays.
      jit: whether :mod:`jaxnp_kernels.timing` wraps the function in ``jax.jit``.
      donate_argnums: arguments whose buffers the jitted function may reuse.
      carries_state: the result replaces the first argument for the next call (needed
        when that argument is donated, or mutated in place by NumPy).
      sizes: the sizes this implementation runs at (a Python loop over a huge array
        is left out rather than timed for an hour).
      description: one line for listings and reports.
      placement: for JAX, ``placement(arrays) -> device arrays``: how the inputs are put
        on devices before anything is timed (default: ``jax.device_put`` on the default
        device); a sharded implementation places its inputs across a mesh here.  It may
        raise :class:`Unsupported` (too few devices).
      roles: what it is for, from :data:`ROLES` (``("compiled",)`` for the main jitted one).
    """

    name: str
    backend: str
    function: Callable[..., Any]
    jit: bool = False
    donate_argnums: tuple[int, ...] = ()
    carries_state: bool = False
    sizes: tuple[str, ...] = SIZE_NAMES
    description: str = ""
    placement: Callable[[tuple[np.ndarray, ...]], tuple[Any, ...]] | None = None
    roles: tuple[str, ...] = ()

    def __post_init__(self):
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {self.backend!r}")
        if self.backend == "numpy" and (self.jit or self.donate_argnums or self.placement):
            raise ValueError(f"NumPy implementation {self.name!r} cannot be jitted, donate buffers "
                             "or be placed on devices")
        if self.donate_argnums and not self.carries_state:
            raise ValueError(f"{self.name!r} donates buffers, so its result must carry the state")
        unknown = set(self.sizes) - set(SIZE_NAMES)
        if unknown:
            raise ValueError(f"{self.name!r}: unknown sizes {sorted(unknown)}; valid: {SIZE_NAMES}")
        for role in self.roles:
            if role not in ROLES:
                raise ValueError(f"{self.name!r}: unknown role {role!r}; valid: {', '.join(ROLES)}")
            if (self.backend == "numpy") != (role in NUMPY_ROLES) and role != "python_loop":
                raise ValueError(f"{self.name!r}: a {self.backend} implementation cannot have the role {role!r}")
        if "op_by_op" in self.roles and self.jit or "compiled" in self.roles and not self.jit:
            raise ValueError(f"{self.name!r}: 'compiled' is for a jitted implementation, 'op_by_op' for one "
                             "without jit")

    @property
    def is_jax(self) -> bool:
        return self.backend == "jax"


def numpy_impl(function, name="numpy", *, carries_state=False, sizes=SIZE_NAMES, description="", roles=()):
    """A NumPy implementation; the one named ``"numpy"`` is the workload's reference."""
    return Implementation(name, "numpy", function, carries_state=carries_state, sizes=sizes,
                          description=description or "NumPy, vectorised", roles=tuple(roles))


def jax_jit(function, name="jax_jit", *, donate_argnums=(), carries_state=False, sizes=SIZE_NAMES,
            description="", placement=None, roles=()):
    """A JAX implementation compiled whole with ``jax.jit``; ``roles=("compiled",)`` marks the
    workload's main one."""
    return Implementation(name, "jax", function, jit=True, donate_argnums=tuple(donate_argnums),
                          carries_state=carries_state or bool(donate_argnums), sizes=sizes,
                          description=description or "JAX, whole function under jax.jit",
                          placement=placement, roles=tuple(roles))


def jax_eager(function, name="jax_eager", *, sizes=SIZE_NAMES, description="", roles=("op_by_op",)):
    """A JAX implementation run op by op, without ``jax.jit`` (measures the jit claim; its role
    is ``op_by_op`` unless given otherwise)."""
    return Implementation(name, "jax", function, jit=False, sizes=sizes,
                          description=description or "JAX, op by op (no jit)", roles=tuple(roles))


def _max_deviation(result: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """Largest absolute and relative deviation, computed in float64 (complex128 for complex outputs)."""
    wide = np.complex128 if np.iscomplexobj(result) or np.iscomplexobj(reference) else np.float64
    r = np.asarray(result, dtype=wide)
    ref = np.asarray(reference, dtype=wide)
    diff = np.abs(r - ref)
    if diff.size == 0:
        return 0.0, 0.0
    abs_dev = float(np.nanmax(diff)) if not np.isnan(diff).all() else float("nan")
    if np.isnan(r).any() != np.isnan(ref).any() or np.isnan(diff).any():
        abs_dev = float("nan")
    rel = diff / np.maximum(np.abs(ref), np.finfo(np.float64).tiny)
    rel_dev = float(np.nanmax(rel)) if not np.isnan(rel).all() else float("nan")
    return abs_dev, rel_dev


def _leaves(tree) -> list:
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _leaves(item)]
    return [tree]


@dataclasses.dataclass(frozen=True)
class Workload:
    """One computation, its implementations, inputs, tolerance and cost model.

    Attributes:
      name: identifier (``"fused_chain"``).
      claims: ids from :data:`CLAIMS` that this workload tests.
      area: asv groups benchmarks by area (``"elementwise"``, ``"linalg"``, ...).
      description: what the workload measures and why (one paragraph).
      sizes: ``{"S": params, "M": params, "L": params}``; params are keyword arguments
        of ``make_inputs`` and ``cost``.  S runs in milliseconds (tests), M is typical,
        L moves well beyond the last-level cache (>= 64 MB).
      make_inputs: ``make_inputs(rng, dtype, **params)`` -> tuple of arrays or
        :class:`Inputs`.  ``rng`` is a seeded ``numpy.random.Generator``.
      implementations: the NumPy reference (named ``"numpy"``) and the rest.
      cost: ``cost(dtype, **params)`` -> :class:`Cost`.
      dtypes: the dtypes supported.
      tolerance: ``{dtype: (rtol, atol)}`` overriding :data:`DEFAULT_TOLERANCE`.
      check: optional ``check(result, reference, rtol, atol)`` returning ``(ok,
        deviation_text)`` for results that are not elementwise comparable (random
        numbers); by default results are compared elementwise.
      large_arrays: whether size L holds or moves >= 64 MB; ``False`` only where L
        grows the work rather than the stored arrays (a scalar carried through more
        loop steps, a bigger compile-time graph, more pairwise interactions).
      threads: whether its NumPy and compiled implementations are timed with one thread
        and with all cores (the threads claim's cases).
      atol_scales_with_output: whether ``atol`` is a fraction of each output's largest
        magnitude rather than an absolute figure: for outputs of very different sizes whose
        entries are sums that cancel (their rounding error follows the size of the terms,
        not of the sum), so one tolerance fits every output and every size.
      upstream: the upstream reports of a CPU performance regression whose program shape the
        workload runs (``"jax#40150"``, ``"xla#23110"``), each with the release pair it names
        (``"jax#40150 0.4.31->0.4.33"``): the regression corpus (docs/coverage.md), measured at
        those pairs by the ``corpus`` selection.
      upstream_dtypes: the dtypes the ``corpus`` and ``sweep`` selections measure it in at size M:
        float32 (the suite's default), and float64 as well where its report is about float64
        (jax#36799 reports a float64-only slowdown; its float32 row is the report's control).
    """

    name: str
    claims: tuple[str, ...]
    area: str
    description: str
    sizes: Mapping[str, Mapping[str, Any]]
    make_inputs_fn: Callable[..., Any]
    implementations: tuple[Implementation, ...]
    cost_fn: Callable[..., Cost]
    dtypes: tuple[str, ...] = DTYPE_NAMES
    tolerance: Mapping[str, tuple[float, float]] = dataclasses.field(default_factory=dict)
    check: Callable[..., tuple[bool, str]] | None = None
    large_arrays: bool = True
    threads: bool = False
    atol_scales_with_output: bool = False
    upstream: tuple[str, ...] = ()
    upstream_dtypes: tuple[str, ...] = ("float32",)

    def __post_init__(self):
        problems = []
        malformed = [u for u in self.upstream if not UPSTREAM_REPORT.fullmatch(u)]
        if malformed:
            problems.append(f"upstream reports must read 'owner#number OLD->NEW' (jax#40150 0.4.31->0.4.33); "
                            f"got {malformed}")
        if self.area not in AREAS:
            problems.append(f"unknown area {self.area!r}: add it to jaxnp_kernels.registry.AREAS and add "
                            f"benchmarks/bench_{self.area}.py, the asv module that times its workloads")
        unknown_claims = [c for c in self.claims if c not in CLAIMS]
        if not self.claims or unknown_claims:
            problems.append(f"claims must be non-empty ids from CLAIMS; unknown: {unknown_claims}")
        if tuple(self.sizes) != SIZE_NAMES:
            problems.append(f"sizes must be exactly {SIZE_NAMES} in order, got {tuple(self.sizes)}")
        if not set(self.dtypes) <= set(DTYPE_NAMES) or not self.dtypes:
            problems.append(f"dtypes must be a non-empty subset of {DTYPE_NAMES}")
        if not set(self.upstream_dtypes) <= set(self.dtypes) or not self.upstream_dtypes:
            problems.append(f"upstream_dtypes must be a non-empty subset of its dtypes {self.dtypes}, "
                            f"got {self.upstream_dtypes}")
        names = [impl.name for impl in self.implementations]
        if len(set(names)) != len(names):
            problems.append(f"implementation names repeat: {names}")
        reference = [impl for impl in self.implementations if impl.name == "numpy"]
        if not reference or reference[0].backend != "numpy" or reference[0].sizes != SIZE_NAMES:
            problems.append("needs a NumPy reference named 'numpy' that runs at every size")
        if not any(impl.is_jax for impl in self.implementations):
            problems.append("needs at least one JAX implementation")
        declared = [role for impl in self.implementations for role in impl.roles]
        if declared.count("compiled") != 1:
            problems.append(f"needs exactly one implementation with the role 'compiled' (its main jitted one), "
                            f"has {declared.count('compiled')}")
        repeated = sorted({r for r in declared if declared.count(r) > 1} - REPEATABLE_ROLES)
        if repeated:
            problems.append(f"roles declared twice: {repeated}")
        for claim in self.claims:
            missing = [r for r in CLAIM_ROLES.get(claim, ()) if r not in declared]
            if missing:
                problems.append(f"claims {claim!r}, whose scorecard rule needs implementations with the roles "
                                f"{missing}")
        if "threads" in self.claims and not self.threads:
            problems.append("claims 'threads': set threads=True so its one-thread/all-cores times are measured")
        if problems:
            raise ValueError(f"workload {self.name!r} is malformed: " + "; ".join(problems))

    # -- lookups -------------------------------------------------------------------------
    @property
    def implementation_names(self) -> tuple[str, ...]:
        return tuple(impl.name for impl in self.implementations)

    def implementation(self, name: str) -> Implementation:
        for impl in self.implementations:
            if impl.name == name:
                return impl
        raise ValueError(f"workload {self.name!r} has no implementation {name!r}; "
                         f"valid: {', '.join(self.implementation_names)}")

    @property
    def reference(self) -> Implementation:
        return self.implementation("numpy")

    def with_role(self, role: str) -> tuple[Implementation, ...]:
        """The implementations declaring ``role`` (see :data:`ROLES`)."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; valid: {', '.join(ROLES)}")
        return tuple(impl for impl in self.implementations if role in impl.roles)

    def role(self, role: str) -> Implementation | None:
        """The implementation declaring ``role`` (the first, for a repeatable one), or None."""
        found = self.with_role(role)
        return found[0] if found else None

    @property
    def compiled(self) -> Implementation:
        """The workload's main compiled implementation (the one the speedup tables, the
        roofline and the release report's headline figures follow)."""
        return self.role("compiled")

    def size_params(self, size: str) -> Mapping[str, Any]:
        if size not in self.sizes:
            raise ValueError(f"workload {self.name!r} has no size {size!r}; valid: {', '.join(self.sizes)}")
        return self.sizes[size]

    def check_dtype(self, dtype) -> np.dtype:
        name = np.dtype(dtype).name if _is_dtype_like(dtype) else str(dtype)
        if name not in self.dtypes:
            raise ValueError(f"workload {self.name!r} does not support dtype {dtype!r}; "
                             f"valid: {', '.join(self.dtypes)}")
        return np.dtype(name)

    # -- what consumers call -------------------------------------------------------------
    def make_inputs(self, size: str, dtype, seed: int = 0) -> Inputs:
        """The inputs for ``size`` and ``dtype``: identical NumPy arrays for every
        implementation, from a generator seeded with ``seed``."""
        params = self.size_params(size)
        np_dtype = self.check_dtype(dtype)
        made = self.make_inputs_fn(np.random.default_rng(seed), np_dtype, **params)
        inputs = made if isinstance(made, Inputs) else Inputs(tuple(made))
        for i, a in enumerate(inputs.arrays):
            if not isinstance(a, np.ndarray):
                raise TypeError(f"{self.name}: input {i} is {type(a).__name__}, not a NumPy array")
            if a.dtype.kind == "f" and a.dtype != np_dtype:
                raise TypeError(f"{self.name}: float input {i} has dtype {a.dtype}, expected {np_dtype}")
        return inputs

    def cost(self, size: str, dtype) -> Cost:
        """Flops and compulsory bytes of one call at ``size`` and ``dtype``."""
        return self.cost_fn(self.check_dtype(dtype), **self.size_params(size))

    def tolerance_for(self, dtype) -> tuple[float, float]:
        name = self.check_dtype(dtype).name
        return self.tolerance.get(name, DEFAULT_TOLERANCE[name])

    def verify(self, result, reference, dtype, implementation: str = "?") -> None:
        """Raise :class:`VerificationError` unless ``result`` matches ``reference``.

        Every leaf must have the reference's shape and (for floats) dtype, so a silent
        float64 -> float32 cast fails here, and lie within the workload's tolerance.
        """
        rtol, atol = self.tolerance_for(dtype)
        where = f"workload {self.name!r}, implementation {implementation!r}, dtype {np.dtype(dtype).name}"
        got, want = _leaves(result), _leaves(reference)
        if len(got) != len(want):
            raise VerificationError(f"{where}: {len(got)} outputs, reference has {len(want)}")
        for i, (g, w) in enumerate(zip(got, want)):
            g, w = np.asarray(g), np.asarray(w)
            if g.shape != w.shape:
                raise VerificationError(f"{where}: output {i} has shape {g.shape}, reference {w.shape}")
            if w.dtype.kind == "f" and g.dtype != w.dtype:
                raise VerificationError(f"{where}: output {i} has dtype {g.dtype}, reference {w.dtype}")
            if self.check is not None:
                ok, detail = self.check(g, w, rtol, atol)
            else:
                output_atol = atol * float(np.abs(w).max(initial=0.0)) if self.atol_scales_with_output else atol
                ok = bool(np.allclose(g, w, rtol=rtol, atol=output_atol, equal_nan=False))
                if ok and not np.isfinite(w).all():
                    ok, detail = False, "reference is not finite: the workload's inputs are out of domain"
                elif not ok:  # the deviations cost more than the check: only for the message
                    abs_dev, rel_dev = _max_deviation(g, w)
                    detail = f"largest deviation {abs_dev:.3g} absolute, {rel_dev:.3g} relative"
            if not ok:
                scaled = " x the output's largest magnitude" if self.atol_scales_with_output else ""
                raise VerificationError(f"{where}: output {i} differs from the NumPy reference "
                                        f"beyond rtol={rtol:g}, atol={atol:g}{scaled}: {detail}")


def _is_dtype_like(dtype) -> bool:
    try:
        np.dtype(dtype)
    except TypeError:
        return False
    return True


# -- discovery -----------------------------------------------------------------------------

@functools.cache
def _registry() -> Mapping[str, Workload]:
    from . import workloads as package

    found: dict[str, Workload] = {}
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        declared = getattr(module, "WORKLOADS", None)
        if not isinstance(declared, Sequence) or not declared:
            raise ValueError(f"workload module {module.__name__} must define a non-empty tuple WORKLOADS")
        for workload in declared:
            if workload.name in found:
                raise ValueError(f"workload name {workload.name!r} is defined twice "
                                 f"(second time in {module.__name__})")
            found[workload.name] = workload
    return dict(sorted(found.items()))


def camel_name(workload_name: str) -> str:
    """``fused_chain`` -> ``FusedChain``: the name consumers give a workload's class."""
    return "".join(part.capitalize() for part in workload_name.split("_"))


def names() -> tuple[str, ...]:
    """Names of all workloads, sorted."""
    return tuple(_registry())


def all_workloads() -> tuple[Workload, ...]:
    """Every registered workload, sorted by name."""
    return tuple(_registry().values())


def get(name: str) -> Workload:
    """The workload called ``name``; ``ValueError`` listing the valid names otherwise."""
    try:
        return _registry()[name]
    except KeyError:
        raise ValueError(f"unknown workload {name!r}; valid: {', '.join(names())}") from None


def by_claim(claim: str) -> tuple[Workload, ...]:
    """Workloads testing ``claim``."""
    if claim not in CLAIMS:
        raise ValueError(f"unknown claim {claim!r}; valid: {', '.join(CLAIMS)}")
    return tuple(w for w in all_workloads() if claim in w.claims)


def areas() -> tuple[str, ...]:
    """The areas workloads are grouped into (one asv module each)."""
    return tuple(sorted({w.area for w in all_workloads()}))
