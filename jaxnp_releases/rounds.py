"""One benchmark combination measured in rounds: every environment's process in the same seconds.

A *block* measures one combination in every environment of a session.  It is made of
*rounds*; a round is one measuring process per environment (:mod:`jaxnp_kernels.worker`),
forked from that environment's server, all alive together:

1. the processes prepare at the same time (inputs, reference, compilation, verification:
   nothing of it is timed), each alone in its own process as a plain script would;
2. they are stopped (SIGSTOP: no thread of theirs runs, not even a thread pool's spinning)
   and each one's main thread is pinned to the same CPU, the round's: on this project's
   2-core virtual machines each CPU's speed flips between two levels 1.6x apart, for seconds
   at a time, independently of the other's (``pin=False``, ``jaxnp-releases run --pin none``:
   nothing pinned, as in a plain script);
3. they take their samples in turn, one running while the others are stopped, the order
   reversed every turn (ABBA for two), so a change of the machine's speed falls on all of
   them alike; meanwhile the runner's own thread keeps to the other CPUs, off the one being
   timed (``_runner_off``);
4. they exit.

Each process reports the median of its samples (its *summary*, as any process of the suite
does), and a round gives each pair of environments one ratio in which the machine's mood of
those seconds cancels: the release verdicts judge those per-round ratios
(:func:`jaxnp_results.stats.paired_ratio_interval`), the process remaining the unit.

The rounds rotate through the CPUs and through each environment's servers, and the order of
the environments is random per round.  A block starts with ``Plan.rounds`` rounds; while a
pair of its environments is *unresolved* (its interval neither gives a verdict nor shows the
change smaller than the threshold with an interval at most as wide as the threshold:
:func:`jaxnp_results.compare.resolved`), ``Plan.more`` rounds are added, up to ``Plan.most``: a
sequential design, each look judged at the alpha :func:`jaxnp_results.compare.look_alpha` gives it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import random
import statistics
import time
from collections.abc import Callable

from jaxnp_results import compare, sessions

from .pool import Pool, PoolError, Worker, WorkerError

#: A process's samples in a round: at least this many, at most ``Plan.samples``, and no more
#: than fit in ``TURN_SECONDS`` of its sampling (asv's repeat = (3, 7, 0.5) in the suite).
MIN_SAMPLES = 3
TURN_SECONDS = 0.5
#: ``jaxnp-releases run --pin``: each process's main thread pinned to the round's CPU (the
#: default, step 2), or nothing pinned.
PINNINGS = ("main", "none")


@dataclasses.dataclass(frozen=True)
class Plan:
    """How many rounds a block takes, and samples per process; ``threshold``: the change a block
    must decide before it stops early (a verdict at that threshold, or the change shown smaller:
    :func:`jaxnp_results.compare.resolved`), the report's threshold by default."""

    rounds: int = 10
    more: int = 5
    most: int = 20
    samples: int = 7
    threshold: float = compare.DEFAULT_THRESHOLD

    def __post_init__(self):
        if not 1 <= self.rounds <= self.most:
            raise ValueError(f"rounds must lie between 1 and most ({self.most}), got {self.rounds}")
        if self.more < 1 or not MIN_SAMPLES <= self.samples:
            raise ValueError("more must be at least 1 and samples at least 3")
        if not self.threshold > 1:
            raise ValueError(f"the threshold must be a factor above 1, got {self.threshold:g}")


@dataclasses.dataclass
class Side:
    """One environment of the session: its label, asv name and servers (indices into the pool)."""

    label: str
    name: str
    servers: list[int]


@dataclasses.dataclass
class Block:
    """What to measure: one combination, the case its processes prepare."""

    index: int
    benchmark: str
    params: list[str]
    case: dict


@dataclasses.dataclass
class Outcome:
    """A block's process records (also written as they came) and its failures per side."""

    records: list[dict]
    failed: list[tuple[str, str]]
    rounds: int
    number: object


def measure(pool: Pool, sides: list[Side], block: Block, plan: Plan, rng: random.Random, cpus: list[int],
            write: Callable[[dict], None], unresolved: Callable[[list[dict]], bool], pin: bool = True) -> Outcome:
    """Measure ``block`` in rounds; every process record goes to ``write`` as its round ends.

    ``pin``: each process's main thread pinned to the round's CPU (step 2), or every thread left
    to the scheduler as in a plain script (the record's ``cpu`` is then None)."""
    active = [True] * len(sides)
    number = None
    samples_per_process = None
    out: list[dict] = []
    failed: list[tuple[str, str]] = []
    target, done = plan.rounds, 0
    while done < target and any(active):
        cpu = cpus[done % len(cpus)] if pin else None
        order = [i for i in rng.sample(range(len(sides)), len(sides)) if active[i]]
        running: list[tuple[int, Worker, dict]] = []
        for slot, i in enumerate(order):
            server = sides[i].servers[done % len(sides[i].servers)]
            record = _record(block, sides[i], done, slot, server, cpu)
            try:
                worker = pool.start(server, block.case, number)
                if number is None:  # the block's first process calibrates the calls per sample alone
                    number = _ready(worker, record, number)
                running.append((i, worker, record))
            except (PoolError, WorkerError) as error:
                _fail(record, str(error))
                running.append((i, None, record))
        for i, worker, record in running:
            if worker is not None and record["status"] == sessions.OK and not record.get("ready"):
                try:
                    _ready(worker, record, number)
                except WorkerError as error:
                    _fail(record, str(error))
        ready = [(i, w, r) for i, w, r in running if r.get("ready")]
        for _, worker, _ in ready:
            worker.pause()
            if cpu is not None:
                os.sched_setaffinity(worker.pid, {cpu})
        pool.settle()  # the last round's processes are gone before anything is timed
        try:
            with _runner_off(cpu, cpus):
                samples_per_process = _take_samples(ready, plan, samples_per_process)
        finally:
            for _, worker, _ in running:
                if worker is not None:
                    pool.release(worker)
        for i, worker, record in running:
            record.pop("ready", None)
            record["seconds"] = round(time.monotonic() - record.pop("_t0"), 4)
            if record["status"] == sessions.OK:
                record["summary"] = statistics.median(record["samples"])
            else:
                active[i] = False
                if record["status"] == sessions.FAILED:
                    failed.append((sides[i].label, record.get("message", "failed").splitlines()[-1]))
            write(record)
            out.append(record)
        done += 1
        if done == target and target < plan.most and any(active) and unresolved(out):
            target = min(plan.most, target + plan.more)
    return Outcome(out, failed, done, number)


@contextlib.contextmanager
def _runner_off(cpu: int | None, cpus: list[int]):
    """The runner's own thread on the other CPUs while a round's processes on ``cpu`` sample.

    Between samples the runner writes a cue, reads a reply and runs its own Python; on the
    round's CPU that work would share the timed process's CPU and caches, and a woken process
    tends to run where its waker ran.  Off it, a NumPy reference of the suite comes as close
    to a plain script as a plain script to itself (docs/measurement.md, section 4).  Nothing
    moves when nothing is pinned or no other CPU is allowed."""
    others = set(cpus) - {cpu} if cpu is not None else set()
    if not others:
        yield
        return
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, others)
    try:
        yield
    finally:
        os.sched_setaffinity(0, allowed)


def _record(block: Block, side: Side, round_: int, slot: int, server: int, cpu: int | None) -> dict:
    return {"record": "process", "block": block.index, "benchmark": block.benchmark, "params": block.params,
            "environment": side.name, "round": round_, "slot": slot, "parent": server, "cpu": cpu,
            "status": sessions.OK, "samples": [], "summary": None, "number": None,
            "started_at": sessions.now_ms(), "_t0": time.monotonic()}


def _ready(worker: Worker, record: dict, number):
    """Wait for ``worker`` to be prepared; fill ``record``; the block's calls per sample."""
    reply = worker.ready()
    if reply.get("ready"):
        record["ready"] = True
        record["number"] = reply["number"]
        record["prepare_seconds"] = round(reply.get("seconds", {}).get("prepare", 0.0), 4)
        return reply["number"] if number is None else number
    record["status"] = reply.get("status", sessions.FAILED)
    record["message"] = reply.get("message", f"unexpected answer {reply!r}")
    return number


def _fail(record: dict, message: str) -> None:
    record["status"] = sessions.FAILED
    record["message"] = message
    record.pop("ready", None)


def _take_samples(ready, plan: Plan, per_process: int | None) -> int | None:
    """Samples in turn, the order reversed every turn; returns the samples per process used."""
    if not ready:
        return per_process
    turn = 0
    while per_process is None or turn < per_process:
        longest = 0.0
        for i, worker, record in (ready if turn % 2 == 0 else ready[::-1]):
            if record["status"] != sessions.OK:
                continue
            t0 = time.monotonic()
            try:
                record["samples"].append(worker.sample())
            except WorkerError as error:
                _fail(record, str(error))
            longest = max(longest, time.monotonic() - t0)
        turn += 1
        if per_process is None:  # fixed after the block's first turn, for all its rounds
            fit = math.ceil(TURN_SECONDS / longest) if longest > 0 else plan.samples
            per_process = max(MIN_SAMPLES, min(plan.samples, fit))
    return per_process
