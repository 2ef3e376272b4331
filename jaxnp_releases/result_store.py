"""A session's asv result files: each complete block's per-process values stored, nothing lost.

Each environment of a session has one ordinary asv result file (``<machine>/<commit8>-<env>.json``).
A complete block's values go into every environment's file through asv's own bookkeeping
(:func:`.asv_adapter.add_samples`: appended to what the file held, as ``asv run
--append-samples`` would), and the files are then written whole or not at all (a scratch copy
beside the results directory, renamed over the file).  The session file records the block as
stored afterwards, so a session killed in between stores the block when it is resumed
(:func:`unstored_blocks`), never twice.
"""

from __future__ import annotations

import itertools
import os
import pathlib
import tempfile

from jaxnp_results import sessions

from . import asv_adapter, rounds


class ResultStore:
    """The asv result files of ``sides`` (the runner's environments, each with its asv ``Results``)."""

    def __init__(self, results_dir, machine: str, commit: str, sides):
        self.root = pathlib.Path(results_dir)
        self.machine, self.commit, self.sides = machine, commit, sides

    def store_block(self, benchmark: dict, idx: int, outcome: rounds.Outcome) -> None:
        """A complete block's per-process values into every environment's file, written at once;
        each side's ``seconds`` records how long its processes took."""
        failed_labels = {label for label, _ in outcome.failed}
        for side in self.sides:
            mine = [r for r in outcome.records if r["environment"] == side.env.name]
            values = [r["summary"] for r in mine if r["status"] == sessions.OK]
            side.seconds[benchmark["name"]] = sum(r["seconds"] for r in mine)
            asv_adapter.add_samples(side.results, benchmark, idx, values, failed=side.label in failed_labels,
                                    number=asv_number(outcome.number), duration=side.seconds[benchmark["name"]])
        self.save()

    def save(self) -> None:
        """Each environment's result file, written whole or not at all."""
        for side in self.sides:
            if side.results is None:
                continue
            relative = pathlib.Path(asv_adapter.result_filename(self.machine, self.commit, side.env.name))
            with tempfile.TemporaryDirectory(dir=self.root.parent, prefix=".jaxnp-results-") as scratch:
                side.results.save(scratch)
                (self.root / relative.parent).mkdir(parents=True, exist_ok=True)
                os.replace(pathlib.Path(scratch) / relative, self.root / relative)


def unstored_blocks(previous: sessions.Session, benchmarks, sides):
    """The complete blocks of a resumed session that a kill kept out of the asv files, as
    ``(block, benchmark, parameter index, outcome)``; blocks of benchmarks no longer
    discovered are left as they are."""
    by_block: dict[int, list] = {}
    for p in previous.processes:
        if p.block not in previous.stored_blocks:
            by_block.setdefault(p.block, []).append(p)
    for block, processes in sorted(by_block.items()):
        name, params = processes[0].benchmark, list(processes[0].params)
        benchmark = benchmarks.get(name) if name in benchmarks else None
        if benchmark is None:
            continue
        grid = [list(c) for c in itertools.product(*benchmark["params"])] if benchmark["params"] else [[]]
        records = [{"environment": p.environment, "status": p.status, "summary": p.summary,
                    "seconds": p.seconds} for p in processes]
        failed = [(s.label, "failed") for s in sides
                  if any(p.environment == s.env.name and p.status == sessions.FAILED for p in processes)]
        number = next((p.number for p in processes if p.number), None)
        yield block, benchmark, grid.index(params), rounds.Outcome(records, failed, 0, number)


def asv_number(number) -> int | None:
    """asv's ``number`` (calls per sample); a speedup's sample pairs two, asv gets 1."""
    return number if isinstance(number, int) else (1 if number else None)
