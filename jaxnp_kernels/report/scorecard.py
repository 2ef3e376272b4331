"""The claims scorecard: which claims of CLAIMS hold, on this machine and JAX release.

Each claim has a rule (below, one function each) that turns the suite's figures for one
machine, commit and release into pieces of :class:`Evidence`: a workload, a figure, and
whether it supports the claim, goes against it, or cannot say: a timing-derived figure within
``NOISE_MARGIN`` (1.1x) of the rule's limit counts as neither (a 1.01x "speedup" is noise, not
support).  A claim is **confirmed** when at least 75% of its deciding evidence supports it,
**refuted** when at most 25% does, **mixed** otherwise, **inconclusive** when every figure is
within the margin, and
**untested** without evidence (for example the accelerator claim on a CPU-only machine).

The figures come from the asv suite: ``bench_speedup.Speedup.track_vs_numpy`` (NumPy
time over JAX time at size M, measured in one process), ``time_run`` of each workload
class, ``bench_memory``, ``bench_compile`` and ``bench_threads``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from jaxnp_results import names
from jaxnp_results.results import Measurement

from .. import registry

CONFIRMED, REFUTED, MIXED, UNTESTED = "confirmed", "refuted", "mixed", "untested"
INCONCLUSIVE = "inconclusive"
#: A timing-derived figure this close to a rule's limit (either way) decides nothing.
NOISE_MARGIN = 1.1


def beyond(value: float, limit: float, margin: float = NOISE_MARGIN) -> bool | None:
    """True when ``value`` clearly exceeds ``limit``, False when clearly below it, None within
    ``margin`` of it (a ratio of timings cannot tell 1.05x from noise on a shared machine)."""
    if value >= limit * margin:
        return True
    if value <= limit / margin:
        return False
    return None


def within(value: float, band: float, margin: float = NOISE_MARGIN) -> bool | None:
    """True when ``value`` is clearly within [1/band, band], False clearly outside, None near its edge."""
    outside = beyond(max(value, 1 / value), band, margin)
    return None if outside is None else not outside


def mark(evidence) -> str:
    """``+`` supports, ``-`` against, ``~`` within the noise margin (for the renderers)."""
    return {True: "+", False: "-", None: "~"}[evidence.supports]


@dataclasses.dataclass(frozen=True)
class Evidence:
    workload: str
    figure: str        # what was compared, in words, with the number
    value: float
    supports: bool | None     # None: within the noise margin, neither for nor against


@dataclasses.dataclass(frozen=True)
class ClaimVerdict:
    claim: str
    text: str
    verdict: str
    evidence: tuple[Evidence, ...]
    rule: str

    @property
    def support_fraction(self) -> float | None:
        if not self.evidence:
            return None
        decided = [e.supports for e in self.evidence if e.supports is not None]
        return sum(decided) / len(decided) if decided else None


class Facts:
    """Lookups into one machine, commit and release's measurements."""

    def __init__(self, measurements: Iterable[Measurement]):
        self.by_name: dict[str, list[Measurement]] = {}
        for m in measurements:
            if m.value is not None:
                self.by_name.setdefault(m.benchmark, []).append(m)

    def _find(self, suffix: str, **params) -> float | None:
        for name, items in self.by_name.items():
            if not name.endswith(suffix):
                continue
            for m in items:
                if all(m.param(k) == v for k, v in params.items()):
                    return m.value
        return None

    def time(self, workload, impl, size="M", dtype="float32"):
        return self._find(f".{registry.camel_name(workload)}.{names.TIME_RUN}",
                          implementation=impl, size=size, dtype=dtype)

    def speedup(self, workload, impl, dtype="float32"):
        """NumPy time / impl time, measured in one process; from time_run if absent."""
        value = self._find("Speedup.track_vs_numpy", case=names.case_id(workload, impl), dtype=dtype)
        if value is None:
            numpy_time = self.time(workload, registry.get(workload).reference.name, dtype=dtype)
            impl_time = self.time(workload, impl, dtype=dtype)
            if numpy_time and impl_time:
                value = numpy_time / impl_time
        return value

    def memory(self, workload, impl):
        return self._find("Memory.track_intermediate_bytes", case=f"{workload}/{impl}")

    def first_call(self, workload, impl):
        return self._find("CompileCost.track_first_call_seconds", case=f"{workload}/{impl}")

    def threads(self, case, threads):
        return self._find("Threads.track_seconds", case=case, threads=threads)

    def cold_start(self, cache):
        return self._find("ColdStart.track_first_call_seconds", cache=cache)

    def device_count(self):
        return self._find("Machine.track_device_count")


def _workloads(claim):
    return [w for w in registry.all_workloads() if claim in w.claims]


def _compiled(w):
    return w.compiled.name


def _faster(facts, claim, impl_of=_compiled, dtypes=("float32", "float64")):
    """JAX's main compiled implementation faster than NumPy, per workload and dtype."""
    out = []
    for w in _workloads(claim):
        impl = impl_of(w)
        for dtype in dtypes:
            s = facts.speedup(w.name, impl, dtype) if impl else None
            if s is not None:
                out.append(Evidence(w.name, f"{impl} vs numpy ({dtype}, M): {s:.2f}x", s, beyond(s, 1.0)))
    return out


def rule_jit(facts):
    out = _faster(facts, "jit")
    for w in _workloads("jit"):
        jit, eager = _compiled(w), w.role("op_by_op").name if w.role("op_by_op") else None
        if eager:
            a, b = facts.speedup(w.name, jit), facts.speedup(w.name, eager)
            if a and b:
                out.append(Evidence(w.name, f"{jit} vs {eager} (float32, M): {a / b:.2f}x", a / b, beyond(a / b, 1.0)))
    return out


def rule_fusion(facts):
    return _faster(facts, "fusion")


def rule_reduction(facts):
    out = _faster(facts, "reduction")
    for w in _workloads("reduction"):
        for other in w.with_role("numpy_alternative"):
            dot, jit = facts.time(w.name, other.name), facts.time(w.name, _compiled(w))
            if dot and jit:
                out.append(Evidence(w.name, f"{_compiled(w)} vs {other.name} (float32, M): {dot / jit:.2f}x",
                                    dot / jit, beyond(dot / jit, 1.0)))
    return out


def rule_blas(facts):
    out = []
    for w in _workloads("blas"):
        for dtype in w.dtypes:
            s = facts.speedup(w.name, _compiled(w), dtype)
            if s is not None:
                out.append(Evidence(w.name, f"{_compiled(w)} vs {w.reference.name} ({dtype}, M): {s:.2f}x (within 1.5x: both BLAS-class)",
                                    s, within(s, 1.5)))
    return out


def rule_grad(facts):
    out = []
    for w in _workloads("grad"):
        impl = _compiled(w)
        for dtype in w.dtypes:
            s = facts.speedup(w.name, impl, dtype)
            if s is not None:
                out.append(Evidence(w.name, f"{impl} vs hand-written numpy ({dtype}, M): {s:.2f}x "
                                    "(compiled speed: at least 0.8x)", s, beyond(s, 0.8)))
    return out


def rule_modes(facts):
    out = []
    for w in _workloads("modes"):
        fast, slow = w.role("expected_faster").name, w.role("expected_slower").name
        a, b = facts.time(w.name, fast), facts.time(w.name, slow)
        if a and b:
            out.append(Evidence(w.name, f"{slow} / {fast} time (float32, M): {b / a:.1f}x", b / a,
                                beyond(b / a, 1.0)))
    return out


def rule_vmap(facts):
    out = []
    for w in _workloads("vmap"):
        vmapped = w.role("vmapped").name
        vmapped_time = facts.time(w.name, vmapped)
        for other in [w.reference.name] + [i.name for i in w.with_role("python_loop")]:
            t = facts.time(w.name, other)
            if vmapped_time and t:
                out.append(Evidence(w.name, f"{vmapped} vs {other} (float32, M): {t / vmapped_time:.2f}x",
                                    t / vmapped_time, beyond(t / vmapped_time, 1.0)))
    return out


def rule_loop(facts):
    out = []
    for w in _workloads("loop"):
        for impl in w.implementations:
            if impl.jit:
                s = facts.speedup(w.name, impl.name)
                if s is not None:
                    out.append(Evidence(w.name, f"{impl.name} vs numpy loop (float32, M): {s:.2f}x", s,
                                                        beyond(s, 1.0)))
    return out


def rule_inplace(facts):
    out = []
    for w in _workloads("inplace"):
        functional, donated = w.role("functional_update"), w.role("donated_update")
        in_place = next((i for i in w.implementations if i.backend == "numpy" and i.carries_state), None)
        copy = facts.time(w.name, functional.name)
        numpy_time = facts.time(w.name, in_place.name) if in_place else None
        donated_time = facts.time(w.name, donated.name) if donated else None
        if copy and numpy_time:
            out.append(Evidence(w.name, f"{functional.name} (copies) vs {in_place.name} in place: "
                                f"{copy / numpy_time:.1f}x slower", copy / numpy_time, beyond(copy / numpy_time, 1.2)))
        if copy and donated_time:
            out.append(Evidence(w.name, f"donation saves: {functional.name} / {donated.name} = "
                                f"{copy / donated_time:.1f}x", copy / donated_time, beyond(copy / donated_time, 1.2)))
    return out


def rule_parallel(facts):
    out = []
    for w in _workloads("parallel"):
        single = facts.time(w.name, _compiled(w))
        for impl in (i.name for i in w.with_role("sharded")):
            t = facts.time(w.name, impl)
            if single and t:
                out.append(Evidence(w.name, f"{impl} over 2 devices vs {_compiled(w)} on one (M): {single / t:.2f}x",
                                    single / t, beyond(single / t, 1.0)))
    return out


def rule_memory(facts):
    out = []
    for w in _workloads("memory") + [w for w in _workloads("fusion") if "memory" not in w.claims]:
        numpy_bytes, xla_bytes = facts.memory(w.name, w.reference.name), facts.memory(w.name, _compiled(w))
        if numpy_bytes is not None and xla_bytes is not None:
            out.append(Evidence(w.name, f"intermediate bytes numpy {numpy_bytes / 1e6:.1f} MB vs XLA "
                                f"{xla_bytes / 1e6:.1f} MB", numpy_bytes - xla_bytes, xla_bytes < numpy_bytes))
    return out


def rule_compile(facts):
    out = []
    for w in registry.all_workloads():
        impl = _compiled(w)
        first, steady = facts.first_call(w.name, impl) if impl else None, facts.time(w.name, impl) if impl else None
        if first and steady:
            out.append(Evidence(w.name, f"first call {first * 1e3:.0f} ms vs steady {steady * 1e3:.2f} ms "
                                f"({first / steady:.0f}x)", first / steady, beyond(first / steady, 10)))
    none, warm = facts.cold_start("none"), facts.cold_start("warm")
    if none and warm:
        out.append(Evidence("compile_chain", f"new process: no cache {none:.2f} s vs warm persistent cache "
                            f"{warm:.2f} s", none / warm, beyond(none / warm, 1.0)))
    return out


def rule_threads(facts):
    out = []
    for w in registry.all_workloads():
        if not w.threads:
            continue
        workload = w.name
        for side in (w.reference.name, _compiled(w)):
            case = names.case_id(workload, side)
            one, many = facts.threads(case, "one"), facts.threads(case, "all")
            if one and many:
                gain = one / many
                # The claim: NumPy's ufuncs gain nothing from more cores, XLA does; BLAS does too.
                expect_gain = side != w.reference.name or "blas" in w.claims
                gains = beyond(gain, 1.2)
                out.append(Evidence(workload, f"{side}: one thread / all cores = {gain:.2f}x", gain,
                                    None if gains is None else gains == expect_gain))
    return out


def rule_folding(facts):
    out = _faster(facts, "folding")
    for w in _workloads("folding"):
        jit = facts.time(w.name, _compiled(w))
        for other in w.with_role("numpy_alternative"):
            hoisted = facts.time(w.name, other.name)
            if hoisted and jit:
                out.append(Evidence(w.name, f"{_compiled(w)} vs {other.name} (float32, M): {hoisted / jit:.2f}x",
                                    hoisted / jit, beyond(hoisted / jit, 1.0)))
    return out


def rule_accel(facts):
    return []  # measured by running the same suite on an accelerator machine: see its results


RULES = {
    "jit": (rule_jit, "jitted JAX faster than NumPy and than op-by-op JAX"),
    "fusion": (rule_fusion, "jitted JAX faster than NumPy on the fusion workloads"),
    "reduction": (rule_reduction, "fused sum(x*y) faster than np.sum(x*y) and than np.dot"),
    "blas": (rule_blas, "jitted JAX and NumPy within 1.5x of each other on matrix work"),
    "accel": (rule_accel, "needs results from an accelerator machine"),
    "grad": (rule_grad, "jax.grad at least 0.8x the speed of the hand-written NumPy gradient"),
    "modes": (rule_modes, "jacfwd faster on tall Jacobians, jacrev on wide ones"),
    "vmap": (rule_vmap, "jit(vmap) faster than Python loops and than hand-vectorised NumPy"),
    "loop": (rule_loop, "compiled loops faster than NumPy's Python loop"),
    "inplace": (rule_inplace, "functional updates slower than NumPy in place; donation recovers it"),
    "parallel": (rule_parallel, "sharding over 2 devices faster than one device"),
    "memory": (rule_memory, "XLA's temporary bytes below NumPy's intermediates"),
    "compile": (rule_compile, "first call over 10x a steady call; a warm persistent cache beats none"),
    "threads": (rule_threads, "XLA and BLAS gain from all cores, NumPy's ufuncs do not"),
    "folding": (rule_folding, "jitted JAX faster than NumPy, even with constants precomputed"),
}


def score(measurements: Iterable[Measurement]) -> list[ClaimVerdict]:
    """The scorecard of one machine, commit and release."""
    facts = Facts(measurements)
    verdicts = []
    for claim, text in registry.CLAIMS.items():
        rule, description = RULES[claim]
        evidence = tuple(rule(facts))
        verdict = ClaimVerdict(claim, text, UNTESTED, evidence, description)
        share = verdict.support_fraction
        if evidence:
            verdict = dataclasses.replace(verdict, verdict=INCONCLUSIVE if share is None else CONFIRMED
                                          if share >= 0.75 else REFUTED if share <= 0.25 else MIXED)
        verdicts.append(verdict)
    return verdicts
