"""Read an asv results directory into flat, typed measurements.

An asv 0.6 results directory holds ``benchmarks.json`` (every benchmark's params and
unit) and, per machine, ``machine.json`` plus one JSON file per commit and environment.
Each result file stores its environment's requirement versions in ``params`` (our JAX
release is ``params["jax"]``) and, per benchmark, a row of columns named by
``result_columns``; parameterised benchmarks hold flat lists over the cartesian product
of their parameters.  This module reads them as plain JSON (no asv import) and yields
one :class:`Measurement` per benchmark, parameter combination, commit, release and
machine.  Anything malformed raises :class:`BadResults` with a message naming the file.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import pathlib

from . import names
from .versions import PLAIN_RELEASE


class BadResults(ValueError):
    """The directory is not a readable asv results directory (exit code 2)."""


@dataclasses.dataclass(frozen=True)
class Measurement:
    machine: str
    commit: str
    release: str          # the JAX version of the environment
    benchmark: str        # e.g. "bench_elementwise.FusedChain.time_run"
    params: tuple         # e.g. ("'jax_jit'", "'M'", "'float32'") as asv stores them
    param_names: tuple
    unit: str
    value: float | None   # None: skipped or failed in this environment
    samples: tuple | None
    ci_99: tuple | None   # asv's 99% confidence interval of the value, when it stored one
    date: int             # the result's start time, ms since the epoch
    session: str | None = None  # the side-by-side session it comes from (None: an asv result
                                # file); samples are then one summary per process
    rounds: tuple | None = None  # a session measured in rounds: the round of each summary
    turns: tuple | None = None   # ... and each process's samples, in the order of its turns
    look: int = 0               # ... and how many times its block was extended (compare.LOOKS)

    @property
    def key(self) -> tuple:
        """What identifies "the same measurement" across releases."""
        return (self.benchmark, self.params)

    @property
    def label(self) -> str:
        """The combination as the report shows it, ``name(jax_jit, M, float32)``."""
        return names.display(self.benchmark, self.params)

    @property
    def combination(self) -> str:
        """asv's name of the combination, ``name('jax_jit', 'M', 'float32')``."""
        return names.combination(self.benchmark, self.params)

    def param(self, name: str) -> str | None:
        if name in self.param_names:
            return names.unquote(self.params[self.param_names.index(name)])
        return None


def _load_json(path: pathlib.Path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise BadResults(f"cannot read {path}: {error}") from error


# -- the schema: every check of what a results directory holds, in one place -------------------
#
# asv 0.6 writes these files; a file damaged by a kill, a bad merge or a hand edit must end in
# one line naming the file and what is wrong (exit code 2), never in a traceback, a confident
# wrong answer or rows silently dropped.

def _fail(path, what: str):
    raise BadResults(f"{path}: {what}")


def _check(condition: bool, path, what: str) -> None:
    if not condition:
        _fail(path, what)


def number(value, path, where: str, allow_nan: bool = True, bound: bool = False) -> float | None:
    """A stored value as a float: ``None`` stays ``None`` (asv: failed), NaN becomes ``None``
    (asv: skipped) where ``allow_nan``; anything else must be a finite number >= 0.  An
    interval ``bound`` (asv's 99% interval) may be negative (the interval of a spread-out
    timing can reach below zero) or infinite (asv's interval of a single sample), which
    becomes ``None``: no interval."""
    if value is None:
        return None
    _check(isinstance(value, (int, float)) and not isinstance(value, bool), path,
           f"{where} is {type(value).__name__} {str(value)[:40]!r}, not a number")
    try:
        x = float(value)
    except OverflowError:
        _fail(path, f"{where} is an integer too large for a float ({len(str(value))} digits)")
    if math.isnan(x):
        _check(allow_nan, path, f"{where} is NaN")
        return None
    if bound:
        return x if math.isfinite(x) else None
    _check(math.isfinite(x), path, f"{where} is infinite")
    _check(x >= 0, path, f"{where} is negative ({x:g}): times, bytes, rates and ratios are not")
    return x


def _per_combination(value, n: int, path, where: str) -> list:
    """asv's scalar-or-list storage as a list of ``n`` (one per parameter combination)."""
    if value is None:
        return [None] * n
    if not isinstance(value, list):
        _check(n == 1, path, f"{where} is a single {type(value).__name__} for {n} parameter combinations")
        return [value]
    _check(len(value) == n, path, f"{where} holds {len(value)} values for {n} parameter combinations")
    return value


def _param_grid(params, path, where: str) -> list[list[str]]:
    _check(isinstance(params, list) and all(isinstance(p, list) and all(isinstance(v, str) for v in p)
                                            for p in params),
           path, f"{where} is not a list of lists of parameter values")
    return params


def read_index(path: pathlib.Path) -> dict:
    """``benchmarks.json``: name -> {"params", "param_names", "unit", ...}, every entry checked."""
    index = _load_json(path)
    _check(isinstance(index, dict), path, "is not an asv benchmark index (a JSON object)")
    out = {}
    for name, meta in index.items():
        if name == "version":      # asv's file-format version
            continue
        _check(isinstance(meta, dict), path, f"benchmark {name!r} is {type(meta).__name__}, not an object")
        params = _param_grid(meta.get("params", []), path, f"benchmark {name!r}: params")
        names = meta.get("param_names", [])
        _check(isinstance(names, list) and all(isinstance(n, str) for n in names) and len(names) == len(params),
               path, f"benchmark {name!r}: param_names does not name its {len(params)} parameters")
        _check(isinstance(meta.get("unit", "seconds"), str), path, f"benchmark {name!r}: unit is not a string")
        out[name] = meta
    return out


def read_results(results_dir) -> list[Measurement]:
    """Every measurement in ``results_dir``; :class:`BadResults` if it is not asv's."""
    root = pathlib.Path(results_dir)
    if not root.is_dir():
        raise BadResults(f"{root} is not a directory")
    index_path = root / "benchmarks.json"
    if not index_path.is_file():
        raise BadResults(f"{root} has no benchmarks.json: not an asv results directory "
                         "(asv writes it on the first run)")
    index = read_index(index_path)
    measurements = []
    machines = [d for d in sorted(root.iterdir()) if d.is_dir() and (d / "machine.json").is_file()]
    for machine_dir in machines:
        machine = _load_json(machine_dir / "machine.json")
        _check(isinstance(machine, dict) and machine.get("machine") == machine_dir.name,
               machine_dir / "machine.json", f"does not describe machine {machine_dir.name!r}")
        for path in sorted(machine_dir.glob("*.json")):
            if path.name == "machine.json":
                continue
            measurements.extend(_read_file(path, machine_dir.name, index))
    if not measurements:
        raise BadResults(f"{root} holds no benchmark results")
    return measurements


def _read_file(path: pathlib.Path, machine: str, index: dict) -> list[Measurement]:
    data = _load_json(path)
    _check(isinstance(data, dict), path, "is not an asv result file (a JSON object)")
    for key, kind in (("result_columns", list), ("results", dict), ("commit_hash", str), ("params", dict)):
        _check(key in data, path, f"is not an asv result file (no {key})")
        _check(isinstance(data[key], kind), path, f"{key} is {type(data[key]).__name__}, not {kind.__name__}")
    columns, commit = data["result_columns"], data["commit_hash"]
    _check(all(isinstance(c, str) for c in columns), path, "result_columns holds a non-string")
    _check(len(commit) >= 7 and all(c in "0123456789abcdef" for c in commit), path,
           f"commit_hash {commit[:50]!r} is not a commit hash")
    _check(data["params"].get("machine") in (None, machine), path,
           f"measured on machine {data['params'].get('machine')!r} but filed under {machine!r}")
    release = data["params"].get("jax")
    _check(isinstance(release, str) and PLAIN_RELEASE.fullmatch(release) is not None, path,
           f"params.jax is {release!r}: a result must name the JAX release it measured (e.g. '0.10.2')")
    file_date = number(data.get("date"), path, "date", allow_nan=False)
    out = []
    for name, row in data["results"].items():
        where = f"benchmark {name!r}"
        _check(name in index, path, f"{where} is not in benchmarks.json (an index older than the results?)")
        _check(isinstance(row, list) and len(row) <= len(columns), path,
               f"{where}: its row is not a list of at most {len(columns)} columns")
        meta = index[name]
        record = dict(zip(columns, row))
        params = _param_grid(record.get("params") or meta.get("params") or [], path, f"{where}: params")
        combos = list(itertools.product(*params)) if params else [()]
        n = len(combos)
        values = _per_combination(record.get("result"), n, path, f"{where}: result")
        samples = _per_combination(record.get("samples"), n, path, f"{where}: samples")
        ci_a = _per_combination(record.get("stats_ci_99_a"), n, path, f"{where}: stats_ci_99_a")
        ci_b = _per_combination(record.get("stats_ci_99_b"), n, path, f"{where}: stats_ci_99_b")
        started = number(record.get("started_at"), path, f"{where}: started_at", allow_nan=False)
        for i, (combo, value, sample, a, b) in enumerate(zip(combos, values, samples, ci_a, ci_b)):
            at = f"{where}[{i}]"
            if sample is not None:
                _check(isinstance(sample, list), path, f"{at}: samples is {type(sample).__name__}, not a list")
                sample = tuple(number(s, path, f"{at}: a sample", allow_nan=False) for s in sample)
            a = number(a, path, f"{at}: stats_ci_99_a", bound=True)
            b = number(b, path, f"{at}: stats_ci_99_b", bound=True)
            out.append(Measurement(
                machine=machine, commit=commit, release=release, benchmark=name,
                params=tuple(combo), param_names=tuple(meta.get("param_names", [])),
                unit=meta.get("unit", "seconds"), value=number(value, path, f"{at}: result"),
                samples=tuple(s for s in sample if s is not None) if sample else None,
                ci_99=(a, b) if a is not None and b is not None else None,
                date=int(started if started is not None else file_date or 0),
            ))
    return out
