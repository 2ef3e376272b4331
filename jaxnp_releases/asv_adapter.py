"""Every call the release tooling makes into asv's Python API, in one place, checked first.

The side-by-side runner uses asv for what ``asv run`` does before it measures (create the
environments, build and install the project at a commit, discover the benchmarks) and after
(store values in ordinary result files), and the machine registry.  None of these functions is
a documented API of asv: they are what ``asv run`` itself calls.  This module is the only one
that imports asv (``tests/test_layers.py`` checks it), and :func:`check` compares the
installed asv with what the module relies on, so a new asv that changes any of it stops a
session before it starts, with a message naming what changed (``tests/test_asv_adapter.py``).
"""

from __future__ import annotations

import datetime
import importlib
import inspect
import itertools
import math
import statistics

import asv
from asv import environment, util
from asv.benchmarks import Benchmarks
from asv.commands.setup import Setup
from asv.config import Config
from asv.console import log as _asv_log
from asv.machine import Machine, MachineCollection
from asv.repo import get_repo
from asv.results import Results, get_filename
from asv.runner import BenchmarkResult

#: The asv releases this module was written against (asv.conf.json's tools pin 0.6.x).
SUPPORTED_SERIES = "0.6."

#: What is relied on: each function by its dotted name, and the parameters passed to it by name.
RELIED_ON = (
    ("asv.environment.get_environments", ("conf", "env_specifiers", "verbose")),
    ("asv.commands.setup.Setup.perform_setup", ("environments", "parallel")),
    ("asv.environment.Environment.install_project", ("conf", "repo", "commit_hash")),
    ("asv.benchmarks.Benchmarks.discover", ("conf", "repo", "environments", "commit_hash", "regex")),
    ("asv.results.Results.__init__", ("params", "requirements", "commit_hash", "date", "python", "env_name",
                                      "env_vars")),
    ("asv.results.Results.add_result", ("benchmark", "result", "started_at", "duration", "record_samples",
                                        "append_samples", "selected_idx")),
    ("asv.results.Results.load_data", ("result_dir",)),
    ("asv.results.Results.save", ("result_dir",)),
    ("asv.results.get_filename", ("machine", "commit_hash", "env_name")),
    ("asv.machine.Machine.load", ("interactive", "machine_name")),
    ("asv.machine.MachineCollection.save", ("machine_name", "machine_info")),
    ("asv.machine.MachineCollection.load", ("machine_name",)),
)
#: The fields of asv's per-benchmark result record that :func:`add_samples` fills.
RESULT_FIELDS = ("result", "samples", "number", "errcode", "stderr", "profile")

ProcessError = util.ProcessError


class AsvApiError(RuntimeError):
    """The installed asv does not offer what this module relies on."""


def check() -> None:
    """Raise :class:`AsvApiError` naming each difference between the installed asv and what
    this module relies on (its version series, each function's parameters, the result record)."""
    problems = []
    version = getattr(asv, "__version__", "unknown")
    if not version.startswith(SUPPORTED_SERIES):
        problems.append(f"asv {version} is installed; jaxnp-releases was written against asv "
                        f"{SUPPORTED_SERIES}x")
    for name, parameters in RELIED_ON:
        function = _lookup(name)
        if function is None:
            problems.append(f"{name} no longer exists")
            continue
        try:
            present = set(inspect.signature(function).parameters)
        except (TypeError, ValueError):
            problems.append(f"{name} is no longer a function")
            continue
        missing = [p for p in parameters if p not in present]
        if missing:
            problems.append(f"{name} no longer takes {', '.join(missing)}")
    record = _lookup("asv.runner.BenchmarkResult")
    if tuple(getattr(record, "_fields", ())) != RESULT_FIELDS:
        problems.append(f"asv.runner.BenchmarkResult has the fields {getattr(record, '_fields', None)}, "
                        f"not {RESULT_FIELDS}")
    if problems:
        raise AsvApiError("the installed asv differs from what jaxnp_releases/asv_adapter.py relies on: "
                          + "; ".join(problems) + ". Install asv 0.6.x (tools/run-suite.sh pins it) or "
                          "update the adapter.")


def _lookup(dotted: str):
    """The object a dotted name names in the installed asv (the longest importable module
    prefix, then attributes), or None."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for part in parts[split:]:
            found = getattr(found, part, None)
            if found is None:
                return None
        return found
    return None


# -- configuration, environments, benchmarks ----------------------------------------------
def load_config(path) -> Config:
    return Config.load(str(path))


def enable_log() -> None:
    """asv's console log on (what ``asv run`` prints while it sets environments up)."""
    _asv_log.enable()


def environments(conf, verbose: bool = True) -> list:
    """The environments of ``conf`` (all of them, as ``asv run`` without ``-E``)."""
    return list(environment.get_environments(conf, None, verbose=verbose))


def repository(conf):
    return get_repo(conf)


def commit_hash(repo, name: str) -> str:
    """The full hash of ``name``; ``LookupError`` when the repository has no such commit."""
    try:
        return repo.get_hash_from_name(name)
    except Exception as error:  # asv raises its own NoSuchNameError
        raise LookupError(str(error)) from error


def set_up(environments_: list) -> None:
    """Create the environments that do not exist yet (one at a time)."""
    Setup.perform_setup(environments_, parallel=1)


def install_project(env, conf, repo, commit: str) -> None:
    """Build the project at ``commit`` and install it into ``env`` (unless it is there already)."""
    if env.installed_commit_hash != commit:
        env.install_project(conf, repo, commit)


def discover(conf, repo, environments_: list, commit: str, patterns) -> Benchmarks:
    """The benchmarks matching ``patterns`` (asv's ``--bench``), discovered and saved as asv does."""
    found = Benchmarks.discover(conf, repo, environments_, [commit], regex=list(patterns))
    found.save()
    return found


def selected_indices(benchmarks: Benchmarks, name: str) -> list[int]:
    """The parameter indices of ``name`` that the patterns selected."""
    return benchmarks.benchmark_selection.get(name) or [0]


# -- machines and result files --------------------------------------------------------------
def load_machine(name: str, results_dir) -> Machine:
    """The registered machine ``name``, its description also saved into ``results_dir``."""
    machine = Machine.load(machine_name=name, interactive=False)
    machine.save(results_dir)
    return machine


def save_machine(name: str, info: dict) -> None:
    MachineCollection.save(name, info)


def machine_known(name: str) -> bool:
    try:
        MachineCollection.load(name)
    except util.UserError:
        return False
    return True


def new_results(machine: Machine, env, commit: str, date, results_dir) -> Results:
    """``env``'s asv result file at ``commit``, with whatever an earlier run stored in it."""
    params = dict(machine.__dict__)
    params["python"] = env.python
    params.update(env.requirements)
    results = Results(params, env.requirements, commit, date, env.python, env.name, env.env_vars)
    results.load_data(str(results_dir))
    return results


def result_filename(machine: str, commit: str, env_name: str) -> str:
    """The result file's path relative to the results directory."""
    return get_filename(machine, commit, env_name)


def add_samples(results: Results, benchmark: dict, idx: int, values: list[float], failed: bool,
                number: int | None, duration: float | None) -> None:
    """A combination's per-process values into an environment's ``Results``, appended.

    asv's own ``add_result`` does the bookkeeping (as ``asv run --append-samples`` would):
    the combination's samples become what the file held plus these values, its value and
    99% interval are recomputed over all of them, and every other combination keeps what
    it had.  A failure is stored as asv stores one (``None``); a combination skipped in
    this environment as asv's NaN.
    """
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
