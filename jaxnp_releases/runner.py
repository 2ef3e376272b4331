"""The side-by-side runner: several JAX releases measured together, round by round.

``jaxnp-releases run --releases oldest newest --selection main`` measures the selected asv
benchmarks in the environments of several JAX releases *at the same time*.  asv does what
it does for ``asv run``: it creates the environments (from a generated configuration holding
just these releases, :func:`jaxnp_releases.matrix.write_config`), builds and installs the
project at the commit, and discovers the benchmarks; and the values end in ordinary asv
result files.  The measuring is the runner's own, so that a measuring process times what a
user's plain script would and every release sees the same seconds of the machine:

- each environment gets servers (:mod:`.pool`): its Python running ``python -m
  jaxnp_kernels.worker``, which imports JAX once and forks one measuring process per request;
- each benchmark combination (a *block*) is measured in rounds (:mod:`.rounds`): one process
  per environment alive together, prepared as ``python -m jaxnp_kernels time`` prepares (its
  own inputs, its own NumPy reference, compile, verify, warm up), then sampled in turn on
  the same CPU; a block whose releases the rounds cannot yet tell apart gets more rounds.

JAX's persistent compilation cache (one directory per environment and session) lets the
first process of a combination compile and the others load the same executable; every
process still verifies the result it then times.

What it writes (nothing is ever replaced):

- the session file, ``<results>/<machine>/sidebyside/<commit8>-<id>.jsonl``: one line per
  process (:mod:`jaxnp_results.sessions`, format 2), the record the verdicts use;
- ordinary asv result files, one per environment, whose samples for each combination are
  the per-process summaries (appended to what the file already holds), so ``asv publish``,
  ``asv compare`` and the site see one value per process (:mod:`.result_store`).

The jobs are split: the measuring processes (:mod:`.pool`), one block's rounds
(:mod:`.rounds`), the session record (:mod:`jaxnp_results.sessions`), the asv result files
(:mod:`.result_store`), every call into asv (:mod:`.asv_adapter`); this module runs a session
through them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import itertools
import json
import os
import pathlib
import random
import secrets
import shutil
import statistics
import subprocess
import tempfile
import time

from jaxnp_results import compare, names, sessions
from jaxnp_results.results import Measurement

from . import asv_adapter, cases, matrix, result_store, rounds
from .pool import Pool, PoolError
from .selections import Selection

#: Environment variables of the servers when the persistent compilation cache is on.
CACHE_VARIABLES = ("JAX_COMPILATION_CACHE_DIR", "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS",
                   "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES")


class RunError(RuntimeError):
    """The session cannot run: bad arguments, an environment or the suite broken (exit 2)."""


@dataclasses.dataclass(frozen=True)
class Shard:
    """The ``index``-th (1-based) of ``count`` parts of a selection's combinations."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> "Shard":
        """``"2/4"`` -> ``Shard(2, 4)``; a clear :class:`RunError` for anything else."""
        try:
            index, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise RunError(f"a shard is K/N, e.g. 2/4, got {text!r}") from None
        if not 1 <= index <= count:
            raise RunError(f"shard {text}: K must lie between 1 and N")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def takes(self, position: int) -> bool:
        """Whether the combination at ``position`` of the selection's suite order is this shard's:
        every n-th one, so each shard gets a like mix of areas, sizes and kinds."""
        return position % self.count == self.index - 1


@dataclasses.dataclass
class Settings:
    plan: rounds.Plan = dataclasses.field(default_factory=rounds.Plan)
    #: Servers per environment; rounds take their processes from each in turn, so what one
    #: server's memory layout does to its children is spread over the rounds.
    servers: int = 2
    seed: int | None = None
    budget_seconds: float | None = None
    compile_cache: bool = True
    #: Each measuring process's main thread pinned to its round's CPU while it samples (so a
    #: round's processes share the CPU's speed), or every thread left to the scheduler.
    pin: bool = True
    #: Parity check: after each block, this many fresh ``python -m jaxnp_kernels time`` processes
    #: per environment (a user's own script), recorded beside the block's (never judged).
    plain: int = 0
    #: ``Shard(k, n)``: measure only the k-th of n deterministic parts of the selection's
    #: combinations (every environment still side by side), for several runners at once.
    shard: Shard | None = None

    def __post_init__(self):
        if self.servers < 1:
            raise RunError(f"servers must be at least 1, got {self.servers}")
        if self.budget_seconds is not None and not self.budget_seconds > 0:
            raise RunError(f"the budget must be a positive number of minutes, got {self.budget_seconds / 60:g}")


@dataclasses.dataclass
class Environment:
    """One side of the session: an asv environment, its label and its asv results."""

    env: object                      # asv.environment.Environment
    label: str
    results: object = None           # asv.results.Results
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


def server_variables(env, extra: dict[str, str]) -> dict[str, str]:
    """What a server's environment holds: what asv gives a benchmark process of ``env`` (this
    process's variables, the environment's from the matrix, its ``bin`` first on PATH, no
    PYTHONPATH) and ``extra``."""
    variables = dict(os.environ)
    variables.pop("PYTHONPATH", None)
    if "ASV_PYTHONPATH" in variables:
        variables["PYTHONPATH"] = variables.pop("ASV_PYTHONPATH")
    variables.update(env.env_vars)
    variables["PATH"] = os.pathsep.join([str(pathlib.Path(env_python(env)).parent), variables.get("PATH", "")])
    variables.update(extra)
    return variables


def env_python(env) -> str:
    """The Python executable of an asv environment."""
    return env.find_executable("python")


class SessionRunner:
    """Runs one side-by-side session (see the module docstring); what it writes is read back as a
    :class:`jaxnp_results.sessions.Session`."""

    def __init__(self, config_path, machine: str, commit: str, selection: Selection, settings: Settings,
                 log=print):
        asv_adapter.check()
        asv_adapter.enable_log()
        self.conf = asv_adapter.load_config(config_path)
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
        self.store: result_store.ResultStore | None = None
        self.benchmarks = None
        self.commit = None
        self.cpus = sorted(os.sched_getaffinity(0))

    # -- preparation ---------------------------------------------------------------------
    def prepare(self) -> None:
        """Environments created, the project installed at the commit, benchmarks discovered."""
        from .asv_machine import ensure_registered

        ensure_registered(self.machine_name)
        machine = asv_adapter.load_machine(self.machine_name, self.conf.results_dir)
        repo = asv_adapter.repository(self.conf)
        try:
            self.commit = asv_adapter.commit_hash(repo, self.commit_name)
        except LookupError as error:
            raise RunError(f"unknown commit {self.commit_name!r}: {error}") from error
        environments = asv_adapter.environments(self.conf)
        if len(environments) < 1:
            raise RunError(f"{self.config_path} defines no environment")
        asv_adapter.set_up(environments)
        for env in environments:
            try:
                asv_adapter.install_project(env, self.conf, repo, self.commit)
            except asv_adapter.ProcessError as error:
                raise RunError(f"could not build and install {self.commit[:8]} into {env.name}: "
                               f"{error}") from error
        self.benchmarks = asv_adapter.discover(self.conf, repo, environments, self.commit, self.selection.patterns)
        if not len(self.benchmarks):
            raise RunError(f"no benchmark matches the selection {self.selection.name!r}: "
                           f"{', '.join(self.selection.patterns)}")
        unmeasurable = sorted({name for name, idx in self.blocks()
                               if cases.case_for(name, _params(self.benchmarks[name], idx)) is None})
        if unmeasurable:
            raise RunError(f"{', '.join(unmeasurable)}: only time_run and Speedup.track_vs_numpy are measured "
                           "side by side (the other figures are measured once per environment by asv run)")
        labels = labels_for([env.requirements for env in environments])
        date = repo.get_date(self.commit)
        for env, label in zip(environments, labels):
            results = asv_adapter.new_results(machine, env, self.commit, date, self.conf.results_dir)
            self.sides.append(Environment(env, label, results))
        self.store = result_store.ResultStore(self.conf.results_dir, self.machine_name, self.commit, self.sides)

    def resumable(self) -> pathlib.Path | None:
        """The newest session of these environments, commit and selection that did not end
        complete (killed, interrupted or out of budget), to be continued."""
        names = {s.env.name for s in self.sides}
        candidates = [s for s in sessions.read_sessions(self.conf.results_dir)
                      if s.machine == self.machine_name and s.commit == self.commit
                      and set(s.environments) == names and s.in_rounds
                      and tuple(s.settings.get("selection", {}).get("patterns", ())) == self.selection.patterns
                      and s.settings.get("shard") == self._shard_text()
                      and (s.end or {}).get("status") != "complete"]
        return candidates[-1].path if candidates else None

    def blocks(self) -> list[tuple[str, int]]:
        """(benchmark, parameter index) of every selected combination (of this shard), in suite order."""
        every = [(name, idx) for name in sorted(self.benchmarks)
                 for idx in asv_adapter.selected_indices(self.benchmarks, name)]
        shard = self.settings.shard
        return [block for position, block in enumerate(every) if shard is None or shard.takes(position)]

    def header(self) -> dict:
        used = {name: {"unit": b.get("unit", "seconds"), "param_names": list(b.get("param_names", [])),
                       "version": b.get("version"), "type": b.get("type")}
                for name, b in self.benchmarks.items()}
        return {
            "session": self.id, "machine": self.machine_name, "commit": self.commit,
            "started_at": sessions.now_ms(),
            "environments": {s.env.name: {"label": s.label, "jax": s.env.requirements.get("jax"),
                                          "jaxlib": s.env.requirements.get("jaxlib"),
                                          "requirements": dict(s.env.requirements)} for s in self.sides},
            "benchmarks": used,
            "settings": {"design": "rounds", "plan": dataclasses.asdict(self.settings.plan),
                         "servers": self.settings.servers, "cpus": self.cpus, "seed": self.seed,
                         "order": "per round: one process per environment, prepared together, then samples "
                                  "in turn on the round's CPU, a random order reversed every turn",
                         "selection": dataclasses.asdict(self.selection),
                         "compile_cache": self.settings.compile_cache,
                         "pin": "main thread" if self.settings.pin else "none",
                         "budget_seconds": self.settings.budget_seconds,
                         "shard": self._shard_text(),
                         "blocks_planned": len(self.blocks())},
        }

    def _shard_text(self) -> str | None:
        return str(self.settings.shard) if self.settings.shard else None

    # -- the measuring processes ---------------------------------------------------------
    @contextlib.contextmanager
    def pool(self):
        """Servers for every environment (``Settings.servers`` each), all ended on exit."""
        cache_root = pathlib.Path(tempfile.mkdtemp(prefix=f"jaxnp-session-{self.id}-"))
        pool = Pool()
        sides = []
        try:
            for i, side in enumerate(self.sides):
                extra = {}
                if self.settings.compile_cache:
                    extra = dict(zip(CACHE_VARIABLES, (str(cache_root / f"env{i}"), "0", "0")))
                variables = server_variables(side.env, extra)
                indices = []
                for _ in range(self.settings.servers):
                    try:
                        indices.append(pool.add_server(env_python(side.env), variables, side.label))
                    except PoolError as error:
                        raise RunError(f"the measuring server of JAX {side.label} ({side.env.name}) does not start "
                                       f"(a commit before jaxnp_kernels.worker cannot be measured side by side): "
                                       f"{error}") from error
                sides.append(rounds.Side(side.label, side.env.name, indices))
            yield pool, sides
        finally:
            pool.close()
            shutil.rmtree(cache_root, ignore_errors=True)

    # -- measuring -----------------------------------------------------------------------
    def run(self, resume_path: pathlib.Path | None = None) -> Outcome:
        """Measure every block not yet complete; the session file is written as it goes."""
        start = time.monotonic()
        blocks = self.blocks()
        done: set[tuple[str, tuple]] = set()
        if resume_path is not None:
            previous = sessions.read_session(resume_path)
            if set(previous.environments) != {s.env.name for s in self.sides}:
                raise RunError(f"{resume_path} measured other environments ({', '.join(previous.environments)})")
            self.id, self.seed = previous.id, int(previous.settings.get("seed", self.seed))
            done = {(p.benchmark, p.params) for p in previous.processes}
            out = sessions.open_for_append(resume_path)
            next_block = previous.last_block + 1
            self.log(f"resuming session {self.id}: {len({(b, p) for b, p in done})} of {len(blocks)} "
                     "combinations already measured")
            self._store_unstored(previous, out)
        else:
            path = sessions.session_path(self.conf.results_dir, self.machine_name, self.commit, self.id)
            out = sessions.create(path, self.header())
            next_block = 0
        rng = random.Random(self.seed)
        failed, out_of_budget, measured = [], [], 0
        block_seconds: list[float] = []
        plan = self.settings.plan
        try:
            with out, self.pool() as (pool, sides):
                self.log(f"session {self.id}: {len(blocks)} combinations x {len(self.sides)} environments "
                         f"({', '.join(s.label for s in self.sides)}), {plan.rounds} to {plan.most} rounds each")
                for position, (name, idx) in enumerate(blocks, 1):
                    benchmark = self.benchmarks[name]
                    params = _params(benchmark, idx)
                    block_rng = random.Random(rng.getrandbits(64))  # drawn for every block: resumes agree
                    if (name, tuple(params)) in done:
                        continue
                    if self._over_budget(start, block_seconds):
                        out_of_budget.append(names.combination(name, params))
                        continue
                    t0 = time.monotonic()
                    block = rounds.Block(next_block, name, params, cases.case_for(name, params))
                    outcome = rounds.measure(pool, sides, block, plan, block_rng, self.cpus, out.write,
                                             self._unresolved_check(benchmark, block), pin=self.settings.pin)
                    if self.settings.plain and block.case["kind"] == "time" and not outcome.failed:
                        self._plain_processes(out, block, block_rng)
                    out.write({"record": "block", "block": next_block, "benchmark": name, "params": params,
                               "rounds": outcome.rounds, "ended_at": sessions.now_ms()})
                    self._store_block(out, next_block, benchmark, idx, outcome)
                    block_seconds.append(time.monotonic() - t0)
                    next_block += 1
                    measured += 1
                    failed += [f"{names.combination(name, params)} in JAX {label}: {message}" for label, message in outcome.failed]
                    self.log(f"[{position}/{len(blocks)}] {names.combination(name, params)}  "
                             f"{_block_text(self.sides, outcome.records, benchmark.get('unit', ''))}  "
                             f"{outcome.rounds} rounds ({block_seconds[-1]:.1f} s)")
                status = "budget" if out_of_budget else "complete"
                out.write({"record": "end", "ended_at": sessions.now_ms(), "status": status})
        except KeyboardInterrupt:
            with sessions.open_for_append(out.path) as again:
                again.write({"record": "end", "ended_at": sessions.now_ms(), "status": "interrupted"})
            raise
        return Outcome(out.path, len(blocks), measured, failed, out_of_budget, time.monotonic() - start)

    def _plain_processes(self, out, block: rounds.Block, rng: random.Random) -> None:
        """``Settings.plain`` fresh ``python -m jaxnp_kernels time`` processes per environment, right
        after the block's rounds, alternating between the environments; one record each."""
        case = block.case
        command = ["-m", "jaxnp_kernels", "time", case["workload"], "--impl", case["implementation"],
                   "--size", case["size"], "--dtype", case["dtype"], "--json"]
        order = rng.sample(self.sides, len(self.sides))
        for k in range(self.settings.plain):
            for side in (order if k % 2 == 0 else order[::-1]):
                started, t0 = sessions.now_ms(), time.monotonic()
                done = subprocess.run([env_python(side.env), *command], env=server_variables(side.env, {}),
                                      capture_output=True, text=True, timeout=900)
                record = {"record": "plain", "block": block.index, "benchmark": block.benchmark,
                          "params": block.params, "environment": side.env.name, "started_at": started,
                          "seconds": round(time.monotonic() - t0, 4)}
                if done.returncode == 0:
                    result = json.loads(done.stdout.strip().splitlines()[-1])
                    record.update(status=sessions.OK, summary=result["median_seconds"],
                                  samples=result["results"][0]["samples"])
                else:
                    record.update(status=sessions.FAILED, message=done.stderr.strip()[-2000:])
                out.write(record)

    def _unresolved_check(self, benchmark: dict, block: rounds.Block):
        """``unresolved(records)``: whether a pair of releases the report judges is still undecided."""
        labels = {s.env.name: s.label for s in self.sides}
        plan = self.settings.plan

        def unresolved(process_records: list[dict]) -> bool:
            measured = max(r["round"] for r in process_records) + 1
            look = max(0, -(-(measured - plan.rounds) // plan.more))
            by_label = {}
            for name, label in labels.items():
                ok = [r for r in process_records if r["environment"] == name and r["status"] == sessions.OK]
                if ok:
                    by_label[label] = _measurement(self, benchmark, block, label, ok, look)
            return any(not compare.resolved(by_label[old], by_label[new], plan.threshold)
                       for old, new in compare.release_pairs(by_label))

        return unresolved

    def _over_budget(self, start, block_seconds) -> bool:
        if self.settings.budget_seconds is None or not block_seconds:
            return False
        typical = statistics.median(block_seconds)
        return time.monotonic() - start + typical > self.settings.budget_seconds

    def _store_block(self, out, block: int, benchmark: dict, idx: int, outcome: rounds.Outcome) -> None:
        """A complete block into the asv result files, then recorded as stored in the session file."""
        self.store.store_block(benchmark, idx, outcome)
        out.write({"record": "stored", "block": block})

    def _store_unstored(self, previous, out) -> None:
        """Store the complete blocks of a resumed session that a kill kept out of the asv files."""
        for block, benchmark, idx, outcome in result_store.unstored_blocks(previous, self.benchmarks, self.sides):
            self._store_block(out, block, benchmark, idx, outcome)


def _measurement(session: SessionRunner, benchmark: dict, block: rounds.Block, label: str, ok: list[dict],
                 look: int) -> Measurement:
    """A side of a block being measured, as the report will read it (for the extension rule)."""
    summaries = tuple(r["summary"] for r in ok)
    return Measurement(machine=session.machine_name, commit=session.commit or "", release=label,
                       benchmark=block.benchmark, params=tuple(block.params),
                       param_names=tuple(benchmark.get("param_names", ())), unit=benchmark.get("unit", "seconds"),
                       value=statistics.median(summaries), samples=summaries, ci_99=None, date=0,
                       session=session.id, rounds=tuple(r["round"] for r in ok),
                       turns=tuple(tuple(r["samples"]) for r in ok), look=look)


def _params(benchmark, idx) -> list[str]:
    if not benchmark["params"]:
        return []
    return list(next(itertools.islice(itertools.product(*benchmark["params"]), idx, None)))


def _block_text(sides, process_records, unit) -> str:
    """``0.4.31: 4.81 ms (10)  0.10.2: 4.79 ms (7, 1 failed)`` for the progress line."""
    parts = []
    for side in sides:
        mine = [r for r in process_records if r["environment"] == side.env.name]
        values = [r["summary"] for r in mine if r["status"] == sessions.OK]
        failed = sum(r["status"] == sessions.FAILED for r in mine)
        counts = ([str(len(values))] if values else []) + ([f"{failed} failed"] if failed else [])
        shown = "-"
        if values:
            value = statistics.median(values)
            shown = f"{value * 1e3:.3g} ms" if unit == "seconds" else f"{value:.3g}"
        parts.append(f"{side.label}: {shown}" + (f" ({', '.join(counts)})" if counts else ""))
    return "  ".join(parts)
