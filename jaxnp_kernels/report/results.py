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

    @property
    def key(self) -> tuple:
        """What identifies "the same measurement" across releases."""
        return (self.benchmark, self.params)

    @property
    def label(self) -> str:
        params = ", ".join(p.strip("'") for p in self.params)
        return f"{self.benchmark}({params})" if params else self.benchmark

    def param(self, name: str) -> str | None:
        if name in self.param_names:
            return self.params[self.param_names.index(name)].strip("'")
        return None


def _load_json(path: pathlib.Path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as error:
        raise BadResults(f"cannot read {path}: {error}") from error


def _flat(value, n):
    """A per-parameter-combination list of length n from asv's scalar-or-list storage."""
    if isinstance(value, list) and len(value) == n:
        return value
    if n == 1:
        return [value]
    return [None] * n


def _number(x):
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def read_results(results_dir) -> list[Measurement]:
    """Every measurement in ``results_dir``; :class:`BadResults` if it is not asv's."""
    root = pathlib.Path(results_dir)
    if not root.is_dir():
        raise BadResults(f"{root} is not a directory")
    index_path = root / "benchmarks.json"
    if not index_path.is_file():
        raise BadResults(f"{root} has no benchmarks.json: not an asv results directory "
                         "(asv writes it on the first run)")
    index = _load_json(index_path)
    if not isinstance(index, dict):
        raise BadResults(f"{index_path} is not an asv benchmark index")
    measurements = []
    machines = [d for d in sorted(root.iterdir()) if d.is_dir() and (d / "machine.json").is_file()]
    for machine_dir in machines:
        for path in sorted(machine_dir.glob("*.json")):
            if path.name == "machine.json":
                continue
            measurements.extend(_read_file(path, machine_dir.name, index))
    if not measurements:
        raise BadResults(f"{root} holds no benchmark results")
    return measurements


def _read_file(path: pathlib.Path, machine: str, index: dict) -> list[Measurement]:
    data = _load_json(path)
    try:
        columns = data["result_columns"]
        results = data["results"]
        commit = data["commit_hash"]
        env_params = data.get("params", {})
    except (KeyError, TypeError) as error:
        raise BadResults(f"{path} is not an asv result file (missing {error})") from error
    release = env_params.get("jax") or "unknown"
    out = []
    for name, row in results.items():
        meta = index.get(name)
        if meta is None:
            continue  # a benchmark that no longer exists in the suite
        record = dict(zip(columns, row))
        params = record.get("params") or meta.get("params") or []
        combos = list(itertools.product(*params)) if params else [()]
        n = len(combos)
        values = _flat(record.get("result"), n)
        samples = _flat(record.get("samples"), n) if record.get("samples") is not None else [None] * n
        ci_a = _flat(record.get("stats_ci_99_a"), n) if record.get("stats_ci_99_a") is not None else [None] * n
        ci_b = _flat(record.get("stats_ci_99_b"), n) if record.get("stats_ci_99_b") is not None else [None] * n
        for combo, value, sample, a, b in zip(combos, values, samples, ci_a, ci_b):
            a, b = _number(a), _number(b)
            out.append(Measurement(
                machine=machine, commit=commit, release=release, benchmark=name,
                params=tuple(combo), param_names=tuple(meta.get("param_names", [])),
                unit=meta.get("unit", "seconds"), value=_number(value),
                samples=tuple(s for s in sample if s is not None) if sample else None,
                ci_99=(a, b) if a is not None and b is not None else None,
                date=int(record.get("started_at") or data.get("date") or 0),
            ))
    return out
