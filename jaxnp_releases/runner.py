"""The side-by-side runner: several JAX releases measured together, process by process.

``jaxnp-releases run --releases oldest newest --selection main`` measures the selected asv
benchmarks in the environments of several JAX releases *at the same time*: for each
benchmark combination (a block) it runs ``processes`` measuring processes per environment,
interleaved (:mod:`.schedule`), before moving to the next combination, so every release
sees the same machine moods, and the two sides of every comparison are minutes, not hours
or machines, apart.

It drives asv 0.6.6's own machinery, so what runs is exactly what ``asv run`` runs: asv
creates the environments (from a generated configuration holding just these releases,
:func:`jaxnp_releases.matrix.write_config`), builds and installs the project at the commit,
discovers the benchmarks, and every measuring process is an asv benchmark process
(``asv_runner``: ``setup`` builds, compiles, warms up and verifies against NumPy, the
timed calls end in ``block_until_ready``), forked from a parent that imported the suite
once (asv's forkserver).  Each environment has ``processes`` parents, and the processes
of one block use different ones, so what a parent carries (its memory layout) is part of
the variation between processes rather than a constant offset between releases.

Three things keep a process cheap without changing what it measures: JAX's persistent
compilation cache (one directory per environment and session: the first process of a
combination compiles, the others load the same executable), the combination's inputs and
NumPy reference made by its first process and loaded by the others
(:mod:`jaxnp_kernels.input_cache`, emptied after every block; every process still verifies
its own result), and a ``number`` of calls per sample calibrated once per block and then
used by every process of both sides.

What it writes (nothing is ever replaced):

- the session file, ``<results>/<machine>/sidebyside/<commit8>-<id>.jsonl``: one line per
  process (:mod:`jaxnp_kernels.report.sessions`), the record the release verdicts use;
- ordinary asv result files, one per environment, whose samples for each combination
  are the per-process summaries (appended to what the file already holds), so ``asv
  publish``, ``asv compare`` and the site see one value per process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import itertools
import math
import os
import pathlib
import random
import secrets
import shutil
import statistics
import tempfile
import time

from jaxnp_kernels import input_cache
from jaxnp_kernels.report import sessions as format_

from . import matrix, records, schedule
from .selections import Selection

#: Settings of a time benchmark in a measuring process: 3 to 7 samples within 0.5 s after
#: a short warm-up; each process contributes one value, their median.
TIME_ATTRIBUTES = {"repeat": [3, 7, 0.5], "warmup_time": 0.05, "rounds": 1}
#: Environment variables of the parents when the persistent compilation cache is on.
CACHE_VARIABLES = ("JAX_COMPILATION_CACHE_DIR", "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS",
                   "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES")
#: In-process figures (speedup pairs) take fewer samples per process: every process is one
#: replicate, and the session has several (benchmarks/common.py reads it at import).
FIGURE_VARIABLES = {"JAXNP_ASV_FEW_SAMPLES": "1"}


class RunError(RuntimeError):
    """The session cannot run: bad arguments, an environment or the suite broken (exit 2)."""


@dataclasses.dataclass
class Settings:
    processes: int = 6
    seed: int | None = None
    budget_seconds: float | None = None
    compile_cache: bool = True

    def __post_init__(self):
        if self.processes < 1:
            raise RunError(f"processes must be at least 1, got {self.processes}")
        if self.budget_seconds is not None and not self.budget_seconds > 0:
            raise RunError(f"the budget must be a positive number of minutes, got {self.budget_seconds / 60:g}")


@dataclasses.dataclass
class Environment:
    """One side of the session: an asv environment, its label and its parents."""

    env: object                      # asv.environment.Environment
    label: str
    results: object = None           # asv.results.Results
    parents: list = dataclasses.field(default_factory=list)
    variables: dict = dataclasses.field(default_factory=dict)  # set for its processes
    seconds: dict = dataclasses.field(default_factory=dict)   # benchmark -> process seconds


@dataclasses.dataclass
class Outcome:
    """What a session did: its file, the blocks measured, and what failed."""

    path: pathlib.Path
    blocks_planned: int
    blocks_measured: int
    failed: list[str]
    out_of_budget: list[str]
    seconds: float


def labels_for(requirements: list[dict]) -> list[str]:
    """A label per environment: its JAX release, made unique (``0.10.2``, ``0.10.2-twin``)."""
    labels = []
    twin_name, _ = matrix.TWIN_REQUIREMENT
    for i, req in enumerate(requirements):
        label = str(req.get("jax"))
        if label in labels:
            label += "-twin" if twin_name in req else f"-{i + 1}"
        labels.append(label)
    return labels


def process_outcome(result) -> tuple[str, list[float], float | None, str]:
    """``(status, samples, summary, message)`` of one asv benchmark process's result."""
    samples = result.samples[0]
    value = result.result[0]
    if result.errcode != 0 or value is None:
        message = (result.stderr or "").strip().splitlines()
        return format_.FAILED, [], None, "\n".join(message[-12:]) or f"exit status {result.errcode}"
    if samples:
        samples = [float(s) for s in samples]
        return format_.OK, samples, statistics.median(samples), ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if math.isnan(value):
            return format_.SKIPPED, [], None, "skipped: the benchmark's setup raised NotImplementedError"
        return format_.OK, [float(value)], float(value), ""
    return format_.FAILED, [], None, f"unexpected result {value!r}"


class Session:
    """One side-by-side session (see the module docstring)."""

    def __init__(self, config_path, machine: str, commit: str, selection: Selection, settings: Settings,
                 log=print):
        from asv.config import Config
        from asv.console import log as asv_log

        asv_log.enable()
        self.conf = Config.load(str(config_path))
        self.config_path = pathlib.Path(config_path)
        self.machine_name = machine
        self.commit_name = commit
        self.selection = selection
        self.settings = settings
        self.log = log
        now = datetime.datetime.now(datetime.timezone.utc)
        self.id = f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"
        self.seed = settings.seed if settings.seed is not None else secrets.randbits(32)
        self.sides: list[Environment] = []
        self.benchmarks = None
        self.commit = None
        self.input_cache_dir: pathlib.Path | None = None  # set while the parents run

    # -- preparation ---------------------------------------------------------------------
    def prepare(self) -> None:
        """Environments created, the project installed at the commit, benchmarks discovered."""
        from asv import environment, util
        from asv.benchmarks import Benchmarks
        from asv.commands.setup import Setup
        from asv.machine import Machine
        from asv.repo import get_repo
        from asv.results import Results

        from .machine import ensure_registered

        ensure_registered(self.machine_name)
        machine = Machine.load(machine_name=self.machine_name, interactive=False)
        machine.save(self.conf.results_dir)
        repo = get_repo(self.conf)
        try:
            self.commit = repo.get_hash_from_name(self.commit_name)
        except Exception as error:  # asv raises its own NoSuchNameError
            raise RunError(f"unknown commit {self.commit_name!r}: {error}") from error
        environments = list(environment.get_environments(self.conf, None))
        if len(environments) < 1:
            raise RunError(f"{self.config_path} defines no environment")
        Setup.perform_setup(environments, parallel=1)
        for env in environments:
            if env.installed_commit_hash != self.commit:
                try:
                    env.install_project(self.conf, repo, self.commit)
                except util.ProcessError as error:
                    raise RunError(f"could not build and install {self.commit[:8]} into {env.name}: "
                                   f"{error}") from error
        self.benchmarks = Benchmarks.discover(self.conf, repo, environments, [self.commit],
                                              regex=list(self.selection.patterns))
        self.benchmarks.save()
        if not len(self.benchmarks):
            raise RunError(f"no benchmark matches the selection {self.selection.name!r}: "
                           f"{', '.join(self.selection.patterns)}")
        cached = [name for name in self.benchmarks if self.benchmarks[name].get("setup_cache_key")]
        if cached:
            raise RunError(f"{', '.join(cached)} measure in asv's setup_cache (once per environment), "
                           "so their processes are not replicates: run them with asv run, not side by side")
        labels = labels_for([env.requirements for env in environments])
        date = repo.get_date(self.commit)
        for env, label in zip(environments, labels):
            params = dict(machine.__dict__)
            params["python"] = env.python
            params.update(env.requirements)
            results = Results(params, env.requirements, self.commit, date, env.python, env.name, env.env_vars)
            results.load_data(self.conf.results_dir)
            self.sides.append(Environment(env, label, results))

    def resumable(self) -> pathlib.Path | None:
        """The newest session of these environments, commit and selection that did not end
        complete (killed, interrupted or out of budget), to be continued."""
        names = {s.env.name for s in self.sides}
        candidates = [s for s in format_.read_sessions(self.conf.results_dir)
                      if s.machine == self.machine_name and s.commit == self.commit
                      and set(s.environments) == names
                      and tuple(s.settings.get("selection", {}).get("patterns", ())) == self.selection.patterns
                      and (s.end or {}).get("status") != "complete"]
        return candidates[-1].path if candidates else None

    def blocks(self) -> list[tuple[str, int]]:
        """(benchmark, parameter index) of every selected combination, in suite order."""
        return [(name, idx) for name in sorted(self.benchmarks)
                for idx in (self.benchmarks.benchmark_selection.get(name) or [0])]

    def header(self) -> dict:
        used = {name: {"unit": b.get("unit", "seconds"), "param_names": list(b.get("param_names", [])),
                       "version": b.get("version"), "type": b.get("type")}
                for name, b in self.benchmarks.items()}
        return {
            "session": self.id, "machine": self.machine_name, "commit": self.commit,
            "started_at": records.now_ms(),
            "environments": {s.env.name: {"label": s.label, "jax": s.env.requirements.get("jax"),
                                          "jaxlib": s.env.requirements.get("jaxlib"),
                                          "requirements": dict(s.env.requirements)} for s in self.sides},
            "benchmarks": used,
            "settings": {"processes": self.settings.processes, "seed": self.seed,
                         "order": "per block: a random order of the environments, reversed every round",
                         "selection": dataclasses.asdict(self.selection),
                         "compile_cache": self.settings.compile_cache, "time_attributes": TIME_ATTRIBUTES,
                         "budget_seconds": self.settings.budget_seconds,
                         "blocks_planned": len(self.blocks())},
        }

    # -- parents -------------------------------------------------------------------------
    @contextlib.contextmanager
    def parents(self):
        """``processes`` forkserver parents per environment, closed on exit.

        With the configuration's ``launch_method`` "spawn" (the GPU configuration: CUDA does
        not survive a fork) every process is a fresh interpreter instead, and there is
        nothing to share.
        """
        from asv.runner import ForkServer, Spawner

        cache_root = pathlib.Path(tempfile.mkdtemp(prefix=f"jaxnp-session-{self.id}-"))
        # One combination's inputs and NumPy reference, made by its first process, loaded by the
        # others (they are deterministic); emptied after every block (_measure_block).
        self.input_cache_dir = cache_root / "inputs"
        try:
            for i, side in enumerate(self.sides):
                side.variables = dict(FIGURE_VARIABLES)
                side.variables[input_cache.VARIABLE] = str(self.input_cache_dir)
                if self.settings.compile_cache:
                    side.variables.update(zip(CACHE_VARIABLES, (str(cache_root / f"env{i}"), "0", "0")))
                if self.conf.launch_method != "forkserver":
                    side.parents = [Spawner(side.env, self.benchmarks.benchmark_dir)] * self.settings.processes
                    continue
                with _environment_variables(side.variables):
                    for _ in range(self.settings.processes):
                        parent = ForkServer(side.env, self.benchmarks.benchmark_dir)
                        side.parents.append(parent)
                        ok, out = parent.preimport()
                        if not ok:
                            raise RunError(f"the benchmark suite does not import in {side.env.name}:\n{out}")
            yield
        finally:
            for side in self.sides:
                for parent in side.parents:
                    with contextlib.suppress(Exception):
                        parent.close()
                side.parents.clear()
            shutil.rmtree(cache_root, ignore_errors=True)

    # -- measuring -----------------------------------------------------------------------
    def run(self, resume_path: pathlib.Path | None = None) -> Outcome:
        """Measure every block not yet complete; the session file is written as it goes."""
        from asv import runner as asv_runner

        start = time.monotonic()
        blocks = self.blocks()
        done: set[tuple[str, tuple]] = set()
        if resume_path is not None:
            previous = format_.read_session(resume_path)
            if set(previous.environments) != {s.env.name for s in self.sides}:
                raise RunError(f"{resume_path} measured other environments ({', '.join(previous.environments)})")
            self.id, self.seed = previous.id, int(previous.settings.get("seed", self.seed))
            done = {(p.benchmark, p.params) for p in previous.processes}
            out = records.open_for_append(resume_path)
            next_block = previous.last_block + 1
            self.log(f"resuming session {self.id}: {len(done)} of {len(blocks)} combinations already measured")
            self._store_unstored(previous, out)
        else:
            path = format_.session_path(self.conf.results_dir, self.machine_name, self.commit, self.id)
            out = records.create(path, self.header())
            next_block = 0
        rng = random.Random(self.seed)
        failed, out_of_budget, measured = [], [], 0
        block_seconds: list[float] = []
        try:
            with out, self.parents():
                self.log(f"session {self.id}: {len(blocks)} combinations x {len(self.sides)} environments "
                         f"({', '.join(s.label for s in self.sides)}) x {self.settings.processes} processes")
                for position, (name, idx) in enumerate(blocks, 1):
                    benchmark = self.benchmarks[name]
                    params = _params(benchmark, idx)
                    if (name, tuple(params)) in done:
                        continue
                    if self._over_budget(start, block_seconds):
                        out_of_budget.append(_label(name, params))
                        continue
                    t0 = time.monotonic()
                    summary = self._measure_block(asv_runner, out, next_block, name, benchmark, idx, params,
                                                  random.Random(rng.getrandbits(64)))
                    block_seconds.append(time.monotonic() - t0)
                    next_block += 1
                    measured += 1
                    failed += [f"{_label(name, params)} in JAX {label}: {message}"
                               for label, message in summary["failed"]]
                    self.log(f"[{position}/{len(blocks)}] {_label(name, params)}  {summary['text']}  "
                             f"({block_seconds[-1]:.1f} s)")
                status = "budget" if out_of_budget else "complete"
                out.write({"record": "end", "ended_at": records.now_ms(), "status": status})
        except KeyboardInterrupt:
            with records.open_for_append(out.path) as again:
                again.write({"record": "end", "ended_at": records.now_ms(), "status": "interrupted"})
            raise
        return Outcome(out.path, len(blocks), measured, failed, out_of_budget, time.monotonic() - start)

    def _over_budget(self, start, block_seconds) -> bool:
        if self.settings.budget_seconds is None or not block_seconds:
            return False
        typical = statistics.median(block_seconds)
        return time.monotonic() - start + typical > self.settings.budget_seconds

    def _measure_block(self, asv_runner, out, block, name, benchmark, idx, params, rng) -> dict:
        slots = schedule.block_order(len(self.sides), self.settings.processes, rng)
        attributes = dict(TIME_ATTRIBUTES) if benchmark.get("type") == "time" else {}
        active = [True] * len(self.sides)
        per_side: list[list[float]] = [[] for _ in self.sides]
        failures = []
        for slot in slots:
            if not active[slot.environment]:
                continue
            side = self.sides[slot.environment]
            started = records.now_ms()
            t0 = time.monotonic()
            with _environment_variables(side.variables):
                result = asv_runner._run_benchmark_single_param(
                    benchmark, side.parents[slot.parent], idx, profile=False, extra_params=attributes, cwd=None)
            seconds = time.monotonic() - t0
            status, samples, summary, message = process_outcome(result)
            if status == format_.OK and attributes and "number" not in attributes and result.number[0]:
                attributes["number"] = int(result.number[0])  # the same calls per sample for everyone
            record = {"record": "process", "block": block, "benchmark": name, "params": params,
                      "environment": side.env.name, "slot": slot.position, "round": slot.round,
                      "parent": slot.parent, "status": status, "samples": samples, "summary": summary,
                      "number": result.number[0], "started_at": started, "seconds": round(seconds, 4)}
            if message:
                record["message"] = message
            out.write(record)
            side.seconds[name] = side.seconds.get(name, 0.0) + seconds
            if status == format_.OK:
                per_side[slot.environment].append(summary)
            else:
                active[slot.environment] = False
                if status == format_.FAILED:
                    failures.append((side.label, message.splitlines()[-1] if message else "failed"))
        if self.input_cache_dir:
            shutil.rmtree(self.input_cache_dir, ignore_errors=True)  # the next block has other inputs
        out.write({"record": "block", "block": block, "benchmark": name, "params": params,
                   "ended_at": records.now_ms()})
        failed_labels = {label for label, _ in failures}
        self._store_block(out, block, benchmark, idx, per_side, [s.label in failed_labels for s in self.sides],
                          attributes.get("number"))
        return {"failed": failures, "text": _block_text(self.sides, per_side, benchmark.get("unit", ""))}

    def _store_block(self, out, block, benchmark, idx, per_side, failed, number) -> None:
        """A complete block's values into the asv result files (written at once), then recorded
        as stored: a run killed in between stores it when resumed, never twice."""
        for side, values, side_failed in zip(self.sides, per_side, failed):
            add_block_result(side.results, benchmark, idx, values, failed=side_failed, number=number,
                             duration=side.seconds.get(benchmark["name"]))
        self._save_results()
        out.write({"record": "stored", "block": block})

    def _store_unstored(self, previous, out) -> None:
        """Store the complete blocks of a resumed session that a kill kept out of the asv files."""
        by_block: dict[int, list] = {}
        for p in previous.processes:
            if p.block not in previous.stored_blocks:
                by_block.setdefault(p.block, []).append(p)
        for block, processes in sorted(by_block.items()):
            name, params = processes[0].benchmark, list(processes[0].params)
            benchmark = self.benchmarks.get(name) if name in self.benchmarks else None
            if benchmark is None:
                continue
            grid = [list(c) for c in itertools.product(*benchmark["params"])] if benchmark["params"] else [[]]
            per_side = [[p.summary for p in processes if p.environment == s.env.name and p.status == format_.OK]
                        for s in self.sides]
            failed = [any(p.environment == s.env.name and p.status == format_.FAILED for p in processes)
                      for s in self.sides]
            number = next((p.number for p in processes if p.number), None)
            self._store_block(out, block, benchmark, grid.index(params), per_side, failed, number)

    def _save_results(self) -> None:
        """Each environment's asv result file, written whole or not at all (a scratch copy beside
        the results directory, then renamed over the file)."""
        from asv.results import get_filename

        target_root = pathlib.Path(self.conf.results_dir)
        for side in self.sides:
            if side.results is None:
                continue
            relative = pathlib.Path(get_filename(self.machine_name, self.commit, side.env.name))
            with tempfile.TemporaryDirectory(dir=target_root.parent, prefix=".jaxnp-results-") as scratch:
                side.results.save(scratch)
                (target_root / relative.parent).mkdir(parents=True, exist_ok=True)
                os.replace(pathlib.Path(scratch) / relative, target_root / relative)


def add_block_result(results, benchmark: dict, idx: int, values: list[float], failed: bool,
                     number: int | None, duration: float | None) -> None:
    """A block's per-process summaries into an environment's asv ``Results``, appended.

    asv's own ``add_result`` does the bookkeeping (as ``asv run --append-samples`` would):
    the combination's samples become what the file held plus these values, its value and
    99% interval are recomputed over all of them, and every other combination keeps what
    it had.  A failure is stored as asv stores one (``None``); a combination skipped in
    this environment as asv's NaN.
    """
    from asv.runner import BenchmarkResult

    n = len(list(itertools.product(*benchmark["params"]))) if benchmark["params"] else 1
    result, samples, numbers = [math.nan] * n, [None] * n, [None] * n
    if failed:
        result[idx] = None
    elif values:
        result[idx], samples[idx], numbers[idx] = statistics.median(values), list(values), number or 1
    results.add_result(
        benchmark, BenchmarkResult(result=result, samples=samples, number=numbers, errcode=int(failed),
                                   stderr="", profile=None),
        selected_idx={idx}, started_at=datetime.datetime.now(datetime.timezone.utc), duration=duration,
        record_samples=True, append_samples=True)


@contextlib.contextmanager
def _environment_variables(variables: dict):
    """``os.environ`` with ``variables`` set, restored on exit (asv passes it to the parents)."""
    saved = {k: os.environ.get(k) for k in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _params(benchmark, idx) -> list[str]:
    if not benchmark["params"]:
        return []
    return list(next(itertools.islice(itertools.product(*benchmark["params"]), idx, None)))


def _label(name, params) -> str:
    return f"{name}({', '.join(params)})" if params else name


def _block_text(sides, per_side, unit) -> str:
    """``0.4.31: 4.81 ms (5)  0.10.2: 4.79 ms (5)`` for the progress line."""
    parts = []
    for side, values in zip(sides, per_side):
        if not values:
            parts.append(f"{side.label}: -")
            continue
        value = statistics.median(values)
        shown = f"{value * 1e3:.3g} ms" if unit == "seconds" else f"{value:.3g}"
        parts.append(f"{side.label}: {shown} ({len(values)})")
    return "  ".join(parts)

