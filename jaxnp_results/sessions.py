"""The side-by-side session file: its format, its reader and its writer, in one place.

A *session* (written by ``jaxnp-releases run``, see :mod:`jaxnp_releases.runner`) measures
the same benchmarks in several environments (JAX releases) on one machine in the same
minutes: every benchmark and parameter combination (a *block*) is measured in *rounds*, a
round being one measuring process per environment, alive together and sampled in turn
(:mod:`jaxnp_releases.rounds`; settings ``"design": "rounds"``).  The process is the unit of
replication: a verdict compares two environments of the *same session* round by round (each
round's ratio of the two processes' samples, turn by turn), never values measured at
different times.  Sessions of format 1 (and format-2 files without the rounds design)
measured processes one after another: they are judged process against process.

A session is one JSON-lines file, ``<results>/<machine>/sidebyside/<commit8>-<id>.jsonl``
(asv reads only ``*.json``, so asv ignores it; the results history stores it beside the
asv result files).  Every line is one record:

- ``{"record": "session", ...}`` first: id, machine, commit, environments (name, label,
  jax, jaxlib), the benchmarks' units and parameter names, the settings;
- ``{"record": "process", ...}``: one measuring process: block, benchmark, params,
  environment, round, slot (its position in the round's start order), the CPU its samples
  ran on, status (ok, skipped, failed), samples (in the order of its turns), summary (their
  median), calls per sample, start time and duration;
- ``{"record": "block", ...}``: the block's processes are all written, and how many rounds
  it took (a block without it was interrupted, and is never used);
- ``{"record": "plain", ...}``: (``--plain``, a parity check) a fresh ``python -m jaxnp_kernels
  time`` process run right after the block's rounds: environment, status, summary; never judged;
- ``{"record": "stored", "block": N}``: the block's values are in the asv result files too
  (a resumed session stores the complete blocks that lack it first);
- ``{"record": "end", ...}``: the session ended (status complete, budget or interrupted).

Lines are appended and flushed one by one, so a killed run leaves a valid prefix: a last
line cut short is ignored, and a resumed session appends after it.  The writer
(:func:`create`, :func:`open_for_append`) flushes and fsyncs every record on its own line,
and cuts a line a kill left unfinished before a resumed session writes after it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import time

from .versions import release_key

from .results import BadResults, Measurement, _check, _fail, number

#: Format 1: processes one after another, each side's processes judged against the other's.
#: Format 2: processes in rounds (one per environment alive together, samples in turn), judged
#: by the per-round ratios; each process record names its ``round``.
FORMATS = (1, 2)
FORMAT = 2
DIRECTORY = "sidebyside"
SUFFIX = ".jsonl"
OK, SKIPPED, FAILED = "ok", "skipped", "failed"


@dataclasses.dataclass(frozen=True)
class ProcessRecord:
    """What one measuring process reported for one benchmark combination."""

    block: int
    benchmark: str
    params: tuple
    environment: str
    slot: int
    status: str                # OK, SKIPPED or FAILED
    summary: float | None      # the median of the process's samples (or its single value)
    samples: tuple
    started_at: int            # ms since the epoch
    seconds: float
    message: str = ""
    number: int | None = None  # calls per sample (timings)
    round: int | None = None   # format 2: the round the process belongs to


@dataclasses.dataclass
class Session:
    path: pathlib.Path
    id: str
    machine: str
    commit: str
    started_at: int
    environments: dict[str, dict]        # env name -> {"label", "jax", "jaxlib", ...}
    benchmarks: dict[str, dict]          # name -> {"unit", "param_names", "version"}
    settings: dict
    processes: list[ProcessRecord]       # complete blocks only
    interrupted_blocks: int = 0
    last_block: int = -1                 # the highest block number written, complete or not
    stored_blocks: set = dataclasses.field(default_factory=set)   # also in the asv result files
    end: dict | None = None
    plain: list[dict] = dataclasses.field(default_factory=list)   # parity: plain-script processes

    def label(self, environment: str) -> str:
        return self.environments[environment]["label"]

    @property
    def in_rounds(self) -> bool:
        return self.settings.get("design") == "rounds"

    def look(self, rounds_measured: int) -> int:
        """How many times a block of ``rounds_measured`` rounds was extended beyond the plan's first
        look (compare.look_alpha charges each extension)."""
        plan = self.settings.get("plan") or {}
        first, more = int(plan.get("rounds", rounds_measured)), max(1, int(plan.get("more", 1)))
        return max(0, -(-(rounds_measured - first) // more))

    @property
    def labels(self) -> list[str]:
        return sorted((e["label"] for e in self.environments.values()), key=release_key)

    def measurements(self) -> list[Measurement]:
        """One :class:`Measurement` per combination and environment: the value is the median
        of the process summaries, ``samples`` the summaries themselves (one per process),
        ``session`` this session's id (what makes two of them comparable)."""
        grouped: dict[tuple, list[ProcessRecord]] = {}
        for p in self.processes:
            grouped.setdefault((p.benchmark, p.params, p.environment), []).append(p)
        out = []
        block_rounds: dict[int, int] = {}
        for p in self.processes:
            if p.round is not None:
                block_rounds[p.block] = max(block_rounds.get(p.block, 0), p.round + 1)
        for (benchmark, params, environment), records in grouped.items():
            meta = self.benchmarks.get(benchmark, {})
            ok = [p for p in records if p.status == OK and p.summary is not None]
            summaries = tuple(p.summary for p in ok)
            failed = [p for p in records if p.status == FAILED]
            paired = self.in_rounds and all(p.round is not None for p in ok)
            out.append(Measurement(
                machine=self.machine, commit=self.commit, release=self.label(environment),
                benchmark=benchmark, params=params, param_names=tuple(meta.get("param_names", ())),
                unit=meta.get("unit", "seconds"),
                value=_median(summaries) if summaries and not failed else None,
                samples=summaries if not failed else None, ci_99=None,
                date=min(p.started_at for p in records), session=self.id,
                rounds=tuple(p.round for p in ok) if paired else None,
                turns=tuple(p.samples for p in ok) if paired else None,
                look=self.look(block_rounds.get(records[0].block, 0)) if paired else 0,
            ))
        return out


def _median(values) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def session_path(results_dir, machine: str, commit: str, session_id: str) -> pathlib.Path:
    return pathlib.Path(results_dir) / machine / DIRECTORY / f"{commit[:8]}-{session_id}{SUFFIX}"


def _records(path: pathlib.Path):
    """(line number, record) of every complete line; a cut-off last line is skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BadResults(f"cannot read {path}: {error}") from error
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            if number == len(lines):  # no newline after it: a write cut short by a kill
                return
            raise BadResults(f"{path}:{number}: not a JSON record ({error.msg})") from error
        if not isinstance(record, dict) or "record" not in record:
            raise BadResults(f"{path}:{number}: not a side-by-side record")
        yield number, record


def read_session(path) -> Session:
    """One session file; only its complete blocks are kept."""
    path = pathlib.Path(path)
    records = list(_records(path))
    if not records or records[0][1]["record"] != "session":
        raise BadResults(f"{path}: does not start with a session record")
    header = records[0][1]
    _check(header.get("format") in FORMATS, path,
           f"session format {header.get('format')!r}, this report reads {', '.join(map(str, FORMATS))}")
    for key, kind in (("session", str), ("machine", str), ("commit", str), ("started_at", int),
                      ("environments", dict), ("benchmarks", dict)):
        _check(isinstance(header.get(key), kind) and not isinstance(header.get(key), bool), path,
               f"the session record's {key} is {type(header.get(key)).__name__}, not {kind.__name__}")
    for name, env in header["environments"].items():
        _check(isinstance(env, dict) and isinstance(env.get("label"), str) and env["label"], path,
               f"environment {name!r} has no label")
    for name, meta in header["benchmarks"].items():
        _check(isinstance(meta, dict) and isinstance(meta.get("unit", "seconds"), str), path,
               f"benchmark {name!r} is not described with a unit")
    session = Session(path=path, id=header["session"], machine=header["machine"], commit=header["commit"],
                      started_at=header["started_at"], environments=header["environments"],
                      benchmarks=header["benchmarks"], settings=dict(header.get("settings") or {}), processes=[])
    pending: dict[int, list[ProcessRecord]] = {}
    for line, record in records[1:]:
        where = f"{path}:{line}"
        kind = record["record"]
        if "block" in record:
            _check(isinstance(record["block"], int) and not isinstance(record["block"], bool), where,
                   f"block is {record['block']!r}, not a number")
            session.last_block = max(session.last_block, record["block"])
        if kind == "process":
            pending.setdefault(record["block"], []).append(_process(record, session, where))
        elif kind == "block":
            session.processes.extend(pending.pop(record["block"], []))
        elif kind == "stored":
            session.stored_blocks.add(record.get("block"))
        elif kind == "plain":
            session.plain.append(record)
        elif kind == "end":
            session.end = record
        else:
            _fail(where, f"unknown record {kind!r}")
    session.interrupted_blocks = len(pending)
    return session


def _process(record: dict, session: Session, where: str) -> ProcessRecord:
    """One process record, checked: a value per process that is a positive number, or none."""
    _check(record.get("environment") in session.environments, where,
           f"unknown environment {record.get('environment')!r}")
    _check(record.get("status") in (OK, SKIPPED, FAILED), where, f"status {record.get('status')!r} is not "
           f"{OK}, {SKIPPED} or {FAILED}")
    _check(isinstance(record.get("benchmark"), str), where, "benchmark is not a name")
    params = record.get("params")
    _check(isinstance(params, list) and all(isinstance(p, str) for p in params), where,
           "params is not a list of parameter values")
    summary = number(record.get("summary"), where, "summary", allow_nan=False)
    _check((summary is not None and summary > 0) == (record["status"] == OK), where,
           f"a process with status {record['status']} has summary {summary!r}")
    samples = record.get("samples") or []
    _check(isinstance(samples, list), where, "samples is not a list")
    for key in ("slot", "started_at") + (("round",) if session.in_rounds else ()):
        _check(isinstance(record.get(key), int) and not isinstance(record.get(key), bool), where,
               f"{key} is not a whole number")
    return ProcessRecord(
        block=record["block"], benchmark=record["benchmark"], params=tuple(params),
        environment=record["environment"], slot=record["slot"], status=record["status"], summary=summary,
        samples=tuple(number(v, where, "a sample", allow_nan=False) for v in samples),
        started_at=record["started_at"], seconds=number(record.get("seconds", 0), where, "seconds") or 0.0,
        message=str(record.get("message", "")),
        number=record.get("number") if isinstance(record.get("number"), int) else None,
        round=record["round"] if session.in_rounds else None)


def read_sessions(results_dir) -> list[Session]:
    """Every session under ``results_dir`` (any machine), oldest first."""
    root = pathlib.Path(results_dir)
    paths = sorted(root.glob(f"*/{DIRECTORY}/*{SUFFIX}"))
    return sorted((read_session(p) for p in paths), key=lambda s: (s.started_at, s.id))


# -- the writer: one flushed line per record ----------------------------------------------------

def now_ms() -> int:
    """Milliseconds since the epoch, as asv stores times."""
    return int(time.time() * 1000)


class SessionFile:
    """An open session file: ``write(record)`` appends one line and makes it durable."""

    def __init__(self, path: pathlib.Path):
        self.path = pathlib.Path(path)
        self._file = open(self.path, "a", encoding="utf-8")

    def write(self, record: dict) -> None:
        self._file.write(json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def create(path: pathlib.Path, header: dict) -> SessionFile:
    """A new session file starting with its session record."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        raise FileExistsError(f"{path} exists: a session file is never overwritten")
    out = SessionFile(path)
    out.write({"record": "session", "format": FORMAT, **header})
    return out


def open_for_append(path: pathlib.Path) -> SessionFile:
    """An existing session file, its last line cut off if a kill left it unfinished."""
    path = pathlib.Path(path)
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with open(path, "r+b") as f:
            f.truncate(data.rfind(b"\n") + 1)
    return SessionFile(path)
