"""The side-by-side runner for real: a sweep killed with SIGKILL mid-session resumes without
losing or re-measuring anything it finished; two shards (one killed and resumed) merge into one
report that judges every combination once.

Uses the asv environments of the oldest and the newest matrix release in ``.asv/site-sample/env``
(shared with tests/test_site.py, created on first use), a small selection (the 6 combinations of
FusedChain at size M) and 3 rounds per combination (one process per release each), so it takes
about a minute.
"""

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

from jaxnp_releases import matrix
from jaxnp_results.results import read_results
from jaxnp_results.sessions import read_session

REPO = pathlib.Path(__file__).resolve().parent.parent
ENV_DIR = REPO / ".asv" / "site-sample" / "env"
SELECTION = r"FusedChain\.time_run\('[^']+', 'M', '[^']+'\)$"
# every session of a test measures the same commit, even when one is made while the tests run
COMMIT = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True,
                        check=True).stdout.strip()


def sweep_command(results):
    oldest, newest = matrix.releases()[0], matrix.releases()[-1]
    return [sys.executable, "-m", "jaxnp_releases", "sweep", "--releases", oldest, newest, "--from", oldest,
            "--to", newest, "--bench", SELECTION, "--rounds", "3", "--most-rounds", "3", "--env-dir",
            str(ENV_DIR),
            "--results-dir", str(results), "--machine", "jaxnp-ci-2core", "--commit", COMMIT]


def complete_blocks(path):
    return sum(1 for line in path.read_text().splitlines() if line.strip() and json.loads(line)["record"] == "block") \
        if path.exists() else 0


def test_a_sweep_killed_mid_session_resumes_without_losing_or_redoing_anything(tmp_path):
    pytest.importorskip("asv")
    results = tmp_path / "results"
    run = subprocess.Popen(sweep_command(results), cwd=REPO, start_new_session=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sessions = results / "jaxnp-ci-2core" / "sidebyside"
    deadline = time.monotonic() + 1200
    path = None
    while time.monotonic() < deadline and run.poll() is None:
        found = sorted(sessions.glob("*.jsonl")) if sessions.exists() else []
        if found and complete_blocks(found[0]) >= 2:
            path = found[0]
            break
        time.sleep(0.2)
    assert path is not None, run.communicate()[0][-3000:]
    os.killpg(run.pid, signal.SIGKILL)                 # the runner and every measuring process
    run.wait()
    before = read_session(path)
    finished = {(p.benchmark, p.params, p.environment, p.slot, p.started_at) for p in before.processes}
    assert before.end is None and len({p.block for p in before.processes}) >= 2

    again = subprocess.run(sweep_command(results), cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "resuming session" in again.stdout + again.stderr
    after = read_session(path)                          # the same file, continued
    assert sorted(sessions.glob("*.jsonl")) == [path]
    assert after.end["status"] == "complete"
    kept = {(p.benchmark, p.params, p.environment, p.slot, p.started_at) for p in after.processes}
    assert finished <= kept                             # nothing measured before the kill was lost
    per_combination = {}
    for p in after.processes:
        per_combination.setdefault((p.benchmark, p.params), set()).add(p.block)
    assert len(per_combination) == 6 and all(len(blocks) == 1 for blocks in per_combination.values())  # none redone
    # the asv result files were written whole (atomically) and hold every combination
    measured = [m for m in read_results(results) if m.benchmark.endswith("FusedChain.time_run") and m.value]
    assert {(m.release, m.params) for m in measured} == {(label, params) for (_, params) in per_combination
                                                         for label in after.labels}


def shard_command(results, shard, *extra):
    return [sys.executable, "-m", "jaxnp_releases", "run", "--releases", "oldest", "newest", "--selection", SELECTION,
            "--rounds", "3", "--most-rounds", "3", "--env-dir", str(ENV_DIR), "--results-dir", str(results),
            "--machine", "jaxnp-ci-2core", "--commit", COMMIT, "--shard", shard, *extra]


def test_two_shards_one_killed_and_resumed_merge_into_one_report_that_judges_every_row_once(tmp_path):
    """The CI job's shards, one after the other here: shard 1/2 killed after its first combination
    and resumed, shard 2/2, merged; the report judges each of the 6 combinations exactly once."""
    pytest.importorskip("asv")
    from jaxnp_kernels.report.build import build_report
    from jaxnp_results.sessions import read_sessions
    from jaxnp_releases.merge import merge

    first, second, merged = tmp_path / "shard-1", tmp_path / "shard-2", tmp_path / "merged"
    run = subprocess.Popen(shard_command(first, "1/2"), cwd=REPO, start_new_session=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sessions = first / "jaxnp-ci-2core" / "sidebyside"
    deadline = time.monotonic() + 1200
    while time.monotonic() < deadline and run.poll() is None:
        found = sorted(sessions.glob("*.jsonl")) if sessions.exists() else []
        if found and complete_blocks(found[0]) >= 1:
            break
        time.sleep(0.2)
    assert run.poll() is None, run.communicate()[0][-3000:]
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    outputs = []
    for results, shard, extra in ((first, "1/2", ["--resume"]), (second, "2/2", [])):
        done = subprocess.run(shard_command(results, shard, *extra), cwd=REPO, capture_output=True, text=True,
                              timeout=1200)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        outputs.append(done.stdout)
    assert "resuming session" in outputs[0]
    assert len(list(sessions.glob("*.jsonl"))) == 1            # continued in its own file, not a new session
    shard_sessions = [read_sessions(d)[0] for d in (first, second)]
    assert [s.settings["shard"] for s in shard_sessions] == ["1/2", "2/2"]
    assert all(s.end["status"] == "complete" for s in shard_sessions)
    combos = [{p.params for p in s.processes} for s in shard_sessions]
    assert len(combos[0]) == len(combos[1]) == 3 and not combos[0] & combos[1]

    merge([first, second], merged)
    sessions_read = read_sessions(merged)
    measurements = read_results(merged) + [m for s in sessions_read for m in s.measurements()]
    report = build_report(measurements, "jaxnp-ci-2core", sessions=sessions_read)
    (pair,) = report.pairs
    judged = [c.measurement.params for c in pair.side_by_side if c.measurement.benchmark.endswith("FusedChain.time_run")]
    assert sorted(judged) == sorted(combos[0] | combos[1])     # all 6, each exactly once
    assert len(pair.numpy_control()) == 2                      # NumPy in float32 and in float64
    assert len(report.sessions) == 2
