"""Merge the results directories of several shards (runners) into one, losing and overwriting nothing.

``jaxnp-releases run --shard K/N`` on N runners writes N results directories of one machine
name and one commit: the same asv result file names (``<machine>/<commit>-<env>.json``), each
holding its shard's combinations (the others as asv's "not measured", NaN), and a session file
per shard (``<machine>/sidebyside/<commit>-<session>.jsonl``, names that never collide).
:func:`merge` lays them together:

- an asv result file present in several directories becomes one: every combination is taken
  from the one directory that measured it (a value, or asv's ``null`` for a failure); a
  combination measured differently in two directories is a conflict, and nothing is written (the
  same measurement in two copies, a shard merged again, is taken once);
- session files are copied (an identical copy is skipped; a different file of the same name is
  a conflict);
- ``benchmarks.json`` is the union of the definitions (one benchmark defined two ways is a
  conflict); ``machine.json`` must agree.

The target directory may hold results already: it is one more source, and its measurements
are kept as they were.  Every file is checked and merged in memory first, then written, each
one whole (a scratch file renamed over it).
"""

from __future__ import annotations

import json
import math
import os
import pathlib
import tempfile

#: asv result columns that hold one entry per parameter combination.
PER_COMBINATION = ("result", "stats_ci_99_a", "stats_ci_99_b", "stats_q_25", "stats_q_75", "stats_number",
                   "stats_repeat", "samples", "profile")
#: Result-file fields every source must agree on.
SAME_RUN = ("commit_hash", "env_name", "params", "requirements", "result_columns", "version")


class MergeError(ValueError):
    """The sources cannot be merged without losing or overwriting a measurement."""


def merge(sources: list[pathlib.Path], target: pathlib.Path) -> dict[str, int]:
    """Merge the results directories ``sources`` into ``target``; counts of what was written."""
    sources = [pathlib.Path(s) for s in sources]
    target = pathlib.Path(target)
    for source in sources:
        if not (source / "benchmarks.json").is_file():
            raise MergeError(f"{source}: not an asv results directory (no benchmarks.json)")
    inputs = ([target] if (target / "benchmarks.json").is_file() else []) + sources
    planned: dict[pathlib.Path, bytes | dict] = {}
    planned[pathlib.Path("benchmarks.json")] = _merge_index([_read(d / "benchmarks.json") for d in inputs], inputs)
    counts = {"result files": 0, "session files": 0}
    for relative in sorted({p.relative_to(d) for d in inputs for p in d.glob("*/*.json")}):
        found = [(d, d / relative) for d in inputs if (d / relative).is_file()]
        documents = [_read(path) for _, path in found]
        if relative.name == "machine.json":
            if any(doc != documents[0] for doc in documents):
                raise MergeError(f"{relative}: the sources describe machine {relative.parent} differently")
            planned[relative] = documents[0]
        else:
            planned[relative] = merge_result_files(documents, [str(path) for _, path in found])
            counts["result files"] += 1
    for relative in sorted({p.relative_to(d) for d in inputs for p in d.glob("*/sidebyside/*.jsonl")}):
        copies = {(d / relative).read_bytes() for d in inputs if (d / relative).is_file()}
        if len(copies) > 1:
            raise MergeError(f"{relative}: two different session files of one name")
        planned[relative] = copies.pop()
        counts["session files"] += 1
    for relative, content in planned.items():
        _write(target / relative, content)
    return counts


def merge_result_files(documents: list[dict], names: list[str]) -> dict:
    """One asv result file from several of the same commit and environment."""
    first = documents[0]
    for doc, name in zip(documents[1:], names[1:]):
        for field in SAME_RUN:
            if doc.get(field) != first.get(field):
                raise MergeError(f"{name}: its {field!r} differs from {names[0]}'s: not the same commit and "
                                 "environment")
    columns = first["result_columns"]
    merged = {key: value for key, value in first.items() if key != "results"}
    merged["date"] = min(doc.get("date") or 0 for doc in documents) or first.get("date")
    merged["durations"] = {}
    for doc in documents:
        merged["durations"].update(doc.get("durations") or {})
    merged["results"] = {}
    for benchmark in sorted({b for doc in documents for b in doc.get("results", {})}):
        rows = [(dict(zip(columns, doc["results"][benchmark])), name)
                for doc, name in zip(documents, names) if benchmark in doc.get("results", {})]
        merged_row = _merge_rows(benchmark, rows)
        merged["results"][benchmark] = [merged_row.get(column) for column in columns]
    return merged


def _merge_rows(benchmark: str, rows: list[tuple[dict, str]]) -> dict:
    if len(rows) == 1:
        return rows[0][0]
    base, base_name = rows[0]
    for row, name in rows[1:]:
        if row.get("params") != base.get("params") or row.get("version") != base.get("version"):
            raise MergeError(f"{name}: {benchmark} has other parameters or another version than in {base_name}")
    size = len(base["result"]) if isinstance(base.get("result"), list) else 1
    merged = dict(base)
    for column in PER_COMBINATION:
        merged[column] = [None] * size if any(isinstance(r.get(column), list) for r, _ in rows) else None
    merged["result"] = [math.nan] * size
    supplying = []  # the rows a combination was taken from: their time is the merged row's
    for i in range(size):
        measured = [(row, name) for row, name in rows if _measured(row.get("result"), i)]
        if len({json.dumps([_cell(row, column, i) for column in PER_COMBINATION]) for row, _ in measured}) == 1:
            measured = measured[:1]  # one measurement in several copies (a shard merged again)
        if len(measured) > 1:
            raise MergeError(f"{benchmark}, combination {i + 1} of {size}, is measured in both {measured[0][1]} "
                             f"and {measured[1][1]}: merging would overwrite one")
        if measured:
            row = measured[0][0]
            if not any(row is taken for taken in supplying):
                supplying.append(row)
            for column in PER_COMBINATION:
                if isinstance(merged[column], list) and isinstance(row.get(column), list):
                    merged[column][i] = row[column][i]
    started = [r.get("started_at") for r in supplying if r.get("started_at") is not None]
    merged["started_at"] = min(started) if started else base.get("started_at")
    durations = [r.get("duration") for r in supplying if r.get("duration") is not None]
    merged["duration"] = sum(durations) if durations else None
    return merged


def _cell(row: dict, column: str, i: int):
    value = row.get(column)
    return value[i] if isinstance(value, list) else value


def _measured(result, i: int) -> bool:
    """Whether a combination holds a measurement: a value, or ``None`` (asv's failure); NaN is
    asv's "not measured here"."""
    value = result[i] if isinstance(result, list) else result
    return not (isinstance(value, float) and math.isnan(value))


def _merge_index(indexes: list[dict], names: list[pathlib.Path]) -> dict:
    merged: dict = {}
    for index, name in zip(indexes, names):
        for key, definition in index.items():
            if key in merged and merged[key] != definition and key != "version":
                raise MergeError(f"{name}/benchmarks.json defines {key} otherwise than the other sources")
            merged.setdefault(key, definition)
    return merged


def _read(path: pathlib.Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MergeError(f"cannot read {path}: {error}") from error


def _write(path: pathlib.Path, content) -> None:
    """``content`` (bytes, or JSON as asv writes it) into ``path`` whole: a scratch file renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content if isinstance(content, bytes) else json.dumps(content, indent=4, sort_keys=True).encode()
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as scratch:
        scratch.write(data)
    os.replace(scratch.name, path)

