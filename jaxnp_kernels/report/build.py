"""Assemble the release report of one machine and commit from asv measurements.

The report answers "at this commit, what got slower or faster from JAX release A to B,
and how sure are we?" for every pair of consecutive releases (plus oldest vs newest),
and adds, per release, the JAX/NumPy speedups, compile and memory figures and the claims
scorecard.  Renderers (text, Markdown, HTML) only format a :class:`Report`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from jaxnp_results import compare, names, roles
from jaxnp_results.results import Measurement
from jaxnp_results.roles import is_numpy_timing
from jaxnp_results.sessions import Session
from jaxnp_results.versions import release_key

from .. import registry
from . import scorecard


class ReportError(ValueError):
    """A requested machine, commit or release is not in the results (exit code 2)."""


@dataclasses.dataclass
class PairReport:
    old: str
    new: str
    comparisons: list[compare.Comparison]

    def with_verdict(self, verdict: str) -> list[compare.Comparison]:
        return [c for c in self.comparisons if c.verdict == verdict]

    @property
    def side_by_side(self) -> list[compare.Comparison]:
        return [c for c in self.comparisons if c.evidence == compare.SIDE_BY_SIDE]

    def numpy_control(self) -> list[compare.Comparison]:
        """The NumPy timings measured side by side: NumPy (and SciPy) are pinned to the same
        versions in every environment, so these rows should never change; a verdict among
        them is the machine (or the method), not JAX."""
        return [c for c in self.side_by_side if is_numpy_timing(c.measurement)]

    def control_note(self) -> str:
        """One sentence on the NumPy control: how quiet the identical NumPy code stayed."""
        control = self.numpy_control()
        if not control:
            return ""
        judged = [c for c in control if c.verdict in (compare.REGRESSION, compare.IMPROVEMENT)]
        ratios = sorted(c.ratio for c in control)
        median = ratios[len(ratios) // 2]
        note = (f"NumPy control (identical NumPy in both environments, measured side by side): "
                f"{len(judged)} of {len(control)} NumPy timings got a verdict, median ratio {median:.2f}x.")
        if judged:
            note += (" NumPy did not change, so those verdicts are false positives: treat JAX verdicts of"
                     " similar size as unconfirmed, and measure the pair again.")
        return note

    def apart_note(self) -> str:
        """How many rows were measured apart (not side by side) and so are not judged."""
        apart = [c for c in self.comparisons if c.verdict == compare.APART]
        if not apart:
            return ""
        return (f"{len(apart)} benchmarks were measured apart (not in one side-by-side session of "
                f"JAX {self.old} and {self.new}): their ratios are shown but never judged.")


@dataclasses.dataclass(frozen=True)
class FigureTable:
    """One figure of the suite per case and release, e.g. compile seconds of each jitted case."""

    title: str
    unit: str
    values: dict[str, dict[str, float]]                     # case -> release -> value

    def note(self) -> str:
        """Why a fraction of a machine limit exceeds 100%, where one does (it never should quietly)."""
        over = sorted(case for case, values in self.values.items() if self.unit == "fraction"
                      and any(v > 1 for v in values.values()))
        if not over:
            return ""
        return (f"Above 100% ({', '.join(over)}): the kernel moved or computed more per second than the limit "
                "allows, so its cost model undercounts its work or part of its data stayed in cache; read it "
                "as 'not bound by this limit', not as a fraction.")


#: The per-release figures the report shows: (benchmark name suffix, title, unit).
FIGURES = (
    ("CompileCost.track_compile_seconds", "XLA compile seconds (size M)", "seconds"),
    ("CompileCost.track_first_call_seconds", "First call seconds: trace + compile + run (size M)", "seconds"),
    ("Memory.track_intermediate_bytes", "Intermediate bytes: NumPy tracemalloc peak / XLA temp (size M)", "bytes"),
    ("MemoryRoofline.track_fraction_of_copy_bandwidth", "Fraction of the machine's copy bandwidth", "fraction"),
    ("ComputeRoofline.track_fraction_of_matmul_peak", "Fraction of the machine's matmul peak", "fraction"),
    ("Machine.track_copy_gbytes_per_s", "Machine copy bandwidth", "GB/s"),
    ("Machine.track_matmul_f32_gflops", "Machine float32 matmul peak", "GFLOP/s"),
)


@dataclasses.dataclass(frozen=True)
class SessionSummary:
    """A side-by-side session behind the report's verdicts."""

    id: str
    releases: list[str]
    processes: int          # processes per environment and combination (asked; sessions one by one)
    blocks: int             # combinations measured
    started_at: int
    status: str             # "complete", "budget", "interrupted", or "running or killed"
    rounds: tuple[int, int] | None = None   # rounds per combination: (first look, most), in rounds


@dataclasses.dataclass(frozen=True)
class ReleaseTimes:
    """One timing across JAX releases, as measured: per release, one value per measuring process
    from the newest side-by-side session that measured it there (so a release's spread is the
    spread of processes, the suite's unit of replication)."""

    workload: str
    implementation: str
    measurement: Measurement                  # one of them, for its name and parameters
    values: dict[str, tuple[float, ...]]      # release -> seconds, one per process


@dataclasses.dataclass
class Report:
    machine: str
    commit: str
    releases: list[str]                     # version order
    pairs: list[PairReport]
    speedups: dict[tuple[str, str, str], dict[str, float]]   # (workload, impl, dtype) -> release -> x
    jit_seconds: dict[str, dict[str, float]]                # "workload/impl" -> release -> s (M, float32)
    figures: list[FigureTable]                              # compile, memory, roofline per release
    scorecards: dict[str, list[scorecard.ClaimVerdict]]     # release -> verdicts
    threshold: float
    alpha: float
    sessions: list[SessionSummary] = dataclasses.field(default_factory=list)
    timing_speedups: dict[tuple[str, str, str], dict[str, float]] = dataclasses.field(default_factory=dict)
    release_times: list[ReleaseTimes] = dataclasses.field(default_factory=list)  # reference and compiled, M

    @property
    def interval_name(self) -> str:
        """The verdict interval at the report's alpha, e.g. "95% interval" (later looks are narrower)."""
        return f"{(1 - self.alpha) * 100:g}% interval"

    @property
    def regressions(self) -> list[compare.Comparison]:
        return [c for p in self.pairs for c in p.with_verdict(compare.REGRESSION)]


def machines(measurements: Iterable[Measurement]) -> list[str]:
    return sorted({m.machine for m in measurements})


def newest_commit(measurements: list[Measurement], machine: str) -> str:
    dated = [(m.date, m.commit) for m in measurements if m.machine == machine]
    if not dated:
        raise ReportError(f"no results for machine {machine!r}")
    return max(dated)[1]


def _figure(ms: list[Measurement], suffix: str) -> dict[str, dict[str, float]]:
    """case -> release -> value of the benchmarks ending in ``suffix`` (case: their params)."""
    out: dict = {}
    for m in ms:
        if m.benchmark.endswith(suffix) and m.value is not None:
            case = ", ".join(names.unquote(p) for p in m.params) or names.class_name(m.benchmark)
            out.setdefault(case, {})[m.release] = m.value
    return out


def _time_run_seconds(ms: list[Measurement], size="M") -> dict[tuple[str, str, str, str], float]:
    """(workload, implementation, dtype, release) -> ``time_run`` seconds at ``size``."""
    out = {}
    for m in ms:
        workload = roles.timed_workload(m.benchmark)
        if workload is not None and m.value and m.param("size") == size:
            out[(workload.name, m.param("implementation"), m.param("dtype"), m.release)] = m.value
    return out


def _jit_seconds(times: dict, dtype="float32") -> dict[str, dict[str, float]]:
    """Steady-state time of each workload's compiled implementation, per release."""
    out: dict = {}
    for (workload, impl, dtype_, release), seconds in times.items():
        if impl == registry.get(workload).compiled.name and dtype_ == dtype:
            out.setdefault(f"{workload}/{impl}", {})[release] = seconds
    return out


def _timing_speedups(times: dict) -> dict[tuple[str, str, str], dict[str, float]]:
    """(workload, impl, dtype) -> release -> the NumPy reference's time over the implementation's."""
    out: dict = {}
    for (workload, impl, dtype, release), seconds in times.items():
        reference = registry.get(workload).reference.name
        numpy_seconds = times.get((workload, reference, dtype, release))
        if impl != reference and numpy_seconds:
            out.setdefault((workload, impl, dtype), {})[release] = numpy_seconds / seconds
    return out


def _release_times(ms: list[Measurement], size="M", dtype="float32") -> list[ReleaseTimes]:
    """Each workload's NumPy reference and compiled implementation at ``size`` and ``dtype``, per
    release, from the newest side-by-side session that measured it in that release."""
    newest: dict[tuple[str, str, str], Measurement] = {}
    for m in ms:
        workload = roles.timed_workload(m.benchmark)
        if (workload is None or m.session is None or not m.samples
                or m.param("size") != size or m.param("dtype") != dtype):
            continue
        implementation = m.param("implementation")
        if implementation not in (workload.reference.name, workload.compiled.name):
            continue
        key = (workload.name, implementation, m.release)
        if key not in newest or m.date > newest[key].date:
            newest[key] = m
    series: dict[tuple[str, str], ReleaseTimes] = {}
    for (workload, implementation, release), m in sorted(newest.items()):
        times = series.setdefault((workload, implementation), ReleaseTimes(workload, implementation, m, {}))
        times.values[release] = tuple(m.samples)
    return list(series.values())


def summarise_session(session: Session) -> SessionSummary:
    plan = session.settings.get("plan") or {}
    return SessionSummary(
        id=session.id, releases=session.labels, processes=int(session.settings.get("processes", 0)),
        blocks=len({p.block for p in session.processes}), started_at=session.started_at,
        status=(session.end or {}).get("status", "running or killed"),
        rounds=(int(plan.get("rounds", 0)), int(plan.get("most", 0))) if session.in_rounds else None)


def build_report(measurements: list[Measurement], machine: str, commit: str | None = None,
                 releases: list[str] | None = None, threshold=compare.DEFAULT_THRESHOLD,
                 alpha=compare.DEFAULT_ALPHA, sessions: list[Session] = ()) -> Report:
    """The report of ``machine`` at ``commit`` (default: its newest) over ``releases``.

    ``measurements`` holds both asv result files' measurements and the side-by-side
    sessions' (:meth:`Session.measurements`); ``sessions`` the sessions themselves, for
    the report's list of what was measured together.
    """
    on_machine = [m for m in measurements if m.machine == machine]
    if not on_machine:
        raise ReportError(f"no results for machine {machine!r}; machines: {', '.join(machines(measurements))}")
    commit = commit or newest_commit(on_machine, machine)
    at_commit = [m for m in on_machine if m.commit.startswith(commit)]
    if not at_commit:
        known = sorted({m.commit[:8] for m in on_machine})
        raise ReportError(f"no results for commit {commit!r} on {machine}; commits: {', '.join(known)}")
    matching = sorted({m.commit for m in at_commit})
    if len(matching) > 1:
        raise ReportError(f"commit {commit!r} matches {len(matching)} measured commits on {machine}: "
                          f"{', '.join(c[:12] for c in matching)}; give more of the hash")
    commit = matching[0]
    available = sorted({m.release for m in at_commit}, key=release_key)
    if releases:
        missing = [r for r in releases if r not in available]
        if missing:
            raise ReportError(f"JAX release(s) {', '.join(missing)} not measured at {commit[:8]} on "
                              f"{machine}; measured: {', '.join(available)}")
        available = sorted(releases, key=release_key)
        at_commit = [m for m in at_commit if m.release in available]
    pairs = [PairReport(a, b, compare.compare_releases(at_commit, a, b, threshold, alpha))
             for a, b in compare.release_pairs(available)]

    # per-release figures: the asv result files (the runner writes side-by-side values there too)
    files = compare.latest_per_key(m for m in at_commit if m.session is None)
    speedups: dict = {}
    for m in files:
        if m.benchmark.endswith("Speedup.track_vs_numpy") and m.value is not None:
            try:
                workload, impl = names.split_case_id(m.param("case") or "")
            except ValueError as error:
                raise ReportError(f"{m.label}: {error}") from error
            speedups.setdefault((workload, impl, m.param("dtype")), {})[m.release] = m.value
    by_release = {r: [m for m in files if m.release == r] for r in available}
    times = _time_run_seconds(files)
    return Report(
        machine=machine, commit=commit, releases=available, pairs=pairs, speedups=speedups,
        jit_seconds=_jit_seconds(times),
        figures=[FigureTable(title, unit, values) for suffix, title, unit in FIGURES
                 if (values := _figure(files, suffix))],
        scorecards={r: scorecard.score(ms) for r, ms in by_release.items()},
        threshold=threshold, alpha=alpha,
        sessions=[summarise_session(s) for s in sessions
                  if s.machine == machine and s.commit == commit and set(s.labels) & set(available)],
        timing_speedups=_timing_speedups(times),
        release_times=_release_times(at_commit),
    )


def main_speedups(report: Report, dtype="float32") -> dict[str, dict[str, float]]:
    """Per workload, the speedup of its compiled implementation, per release: the in-process
    figure (``Speedup``) where measured, else NumPy's time over its time at size M (both
    measured in the same session when the release was measured side by side)."""
    out = {}
    for w in registry.all_workloads():
        impl = w.compiled.name
        values = dict(report.timing_speedups.get((w.name, impl, dtype), {}))
        values.update(report.speedups.get((w.name, impl, dtype), {}))
        if values:
            out[f"{w.name}/{impl}"] = values
    return out
