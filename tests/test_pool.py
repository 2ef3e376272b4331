"""The measuring processes for real: a server per environment forks them, they prepare a case as
``python -m jaxnp_kernels time`` does, take samples on cue, and none outlives the pool.

The "environment" here is this test's own Python (it has jax and the package); a session's
servers run the same module in asv's environments.
"""

import json
import os
import pathlib
import random
import signal
import statistics
import subprocess
import sys
import textwrap
import time
from types import SimpleNamespace

import pytest

from jaxnp_releases import rounds
from jaxnp_releases.pool import Pool, WorkerError
from jaxnp_releases.runner import _block_text

REPO = pathlib.Path(__file__).resolve().parent.parent
FUSED = {"kind": "time", "workload": "fused_chain", "implementation": "numpy", "size": "S", "dtype": "float32"}


def variables(**extra):
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2", **extra)
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    return env


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (ended, not yet reaped by its parent) is gone for our purposes
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_a_measuring_process_prepares_samples_and_exits():
    with Pool() as pool:
        server = pool.add_server(sys.executable, variables(), "here")
        worker = pool.start(server, dict(FUSED, implementation="jax_jit"))
        ready = worker.ready()
        assert ready["ready"] and ready["number"] >= 1 and ready["seconds"]["prepare"] > 0
        worker.pause()
        samples = [worker.sample() for _ in range(3)]
        assert all(0 < s < 1 for s in samples)
        # the calls per sample of one process are given to the next: the same work per sample
        again = pool.start(server, dict(FUSED, implementation="jax_jit"), number=ready["number"])
        assert again.ready()["number"] == ready["number"]
        pid = worker.pid
        pool.release(worker)
        pool.release(again)
        deadline = time.monotonic() + 5
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not alive(pid)


def test_a_speedup_process_reports_numpy_time_over_jax_time():
    with Pool() as pool:
        server = pool.add_server(sys.executable, variables(), "here")
        worker = pool.start(server, dict(FUSED, kind="speedup", implementation="jax_jit"))
        ready = worker.ready()
        assert ready["ready"] and len(ready["number"]) == 2
        assert 0 < worker.sample() < 1000


@pytest.mark.parametrize("case, status, message", [
    (dict(FUSED, size="L", dtype="float64"), "skipped", "float32 only"),           # the suite's budget
    (dict(FUSED, workload="jacobian_tall", implementation="jax_jacrev", size="L"), "skipped", "size L"),
    (dict(FUSED, workload="no_such_workload"), "failed", "unknown workload"),
])
def test_a_case_that_cannot_run_says_why_and_is_never_sampled(case, status, message):
    with Pool() as pool:
        server = pool.add_server(sys.executable, variables(), "here")
        reply = pool.start(server, case).ready()
        assert reply["status"] == status and message in reply["message"]


BROKEN_JIT = textwrap.dedent("""
    import dataclasses, jaxnp_kernels.registry as registry
    _original = registry._registry
    def _broken():
        found = dict(_original())
        w = found["fused_chain"]
        impls = tuple(dataclasses.replace(i, function=lambda x: x * 1.01) if i.name == "jax_jit" else i
                      for i in w.implementations)
        found["fused_chain"] = dataclasses.replace(w, implementations=impls)
        return found
    registry._registry = _broken
""")


def broken_variables(tmp_path):
    """A server environment whose fused_chain/jax_jit is 1% off (a sitecustomize on its path)."""
    (tmp_path / "sitecustomize.py").write_text(BROKEN_JIT)
    return variables(PYTHONPATH=str(tmp_path))


def test_a_wrong_result_fails_verification_in_the_measuring_process(tmp_path):
    with Pool() as pool:
        server = pool.add_server(sys.executable, broken_variables(tmp_path), "here")
        reply = pool.start(server, dict(FUSED, implementation="jax_jit")).ready()
        assert reply["status"] == "failed" and "VerificationError" in reply["message"]


NOISY_NUMPY = textwrap.dedent("""
    import dataclasses, os, sys, jaxnp_kernels.registry as registry
    _original = registry._registry
    _written = set()
    def _noisy(function):
        def noisy(*args):
            if os.getpid() not in _written:  # once per measuring process, like XLA's warnings
                _written.add(os.getpid())
                sys.stderr.write("W pjrt_executable.cc:642] Assume version compatibility.\\n" * 2000)
                sys.stderr.flush()
            return function(*args)
        return noisy
    def _with_noise():
        found = dict(_original())
        w = found["fused_chain"]
        impls = tuple(dataclasses.replace(i, function=_noisy(i.function)) if i.name == "numpy" else i
                      for i in w.implementations)
        found["fused_chain"] = dataclasses.replace(w, implementations=impls)
        return found
    registry._registry = _with_noise
""")


def test_warnings_of_many_measuring_processes_never_block_them(tmp_path):
    """Each process writes 110 KB to standard error (JAX 0.9.2 logs a line per executable loaded
    from the compilation cache): more than a pipe holds, so a server whose standard error were a
    pipe nobody reads would leave its processes blocked in a write, ended as hung."""
    (tmp_path / "sitecustomize.py").write_text(NOISY_NUMPY)
    with Pool() as pool:
        server = pool.add_server(sys.executable, variables(PYTHONPATH=str(tmp_path)), "noisy")
        for _ in range(3):
            worker = pool.start(server, FUSED)
            worker.timeout = 30.0
            assert worker.ready()["ready"]
            assert 0 < worker.sample() < 1
            pool.release(worker)
            pool.settle()
        assert pool.servers[server].log.stat().st_size >= 3 * 110_000
        assert pool.servers[server].log_tail(200).endswith("Assume version compatibility.\n")


#: fused_chain's NumPy reference at size S, as a session's block of it.
FUSED_BLOCK = rounds.Block(0, "bench_elementwise.FusedChain.time_run", ["'numpy'", "'S'", "'float32'"], FUSED)


def two_sides(pool: Pool) -> list:
    """Two environments of this test's own Python, a server each."""
    return [rounds.Side("a", "env-a", [pool.add_server(sys.executable, variables(), "a")]),
            rounds.Side("b", "env-b", [pool.add_server(sys.executable, variables(), "b")])]


def test_a_block_in_rounds_pairs_one_process_per_environment_on_one_cpu():
    plan = rounds.Plan(rounds=3, more=1, most=4, samples=4)
    written = []
    with Pool() as pool:
        sides = two_sides(pool)
        outcome = rounds.measure(pool, sides, FUSED_BLOCK, plan, random.Random(1), [0, 1], written.append,
                                 unresolved=lambda records: len(records) < 7)
    assert outcome.rounds == 4 and outcome.failed == []          # one extension: unresolved after 3 rounds
    assert written == outcome.records and len(written) == 8
    for r in range(4):
        pair = [rec for rec in written if rec["round"] == r]
        assert sorted(rec["environment"] for rec in pair) == ["env-a", "env-b"]
        assert {rec["cpu"] for rec in pair} == {[0, 1][r % 2]}
        assert all(rec["status"] == "ok" and len(rec["samples"]) >= 3 and rec["summary"] > 0 for rec in pair)
    assert len({rec["number"] for rec in written}) == 1           # the same calls per sample for all


def test_a_block_unpinned_leaves_every_thread_to_the_scheduler(monkeypatch):
    """``pin=False`` (``jaxnp-releases run --pin none``): no process is pinned to any CPU, its
    records say so, and the rounds are measured as pinned ones are."""
    pinned = []
    monkeypatch.setattr(rounds.os, "sched_setaffinity", lambda pid, cpus: pinned.append((pid, cpus)))
    plan = rounds.Plan(rounds=2, more=1, most=2, samples=3)
    with Pool() as pool:
        sides = two_sides(pool)
        outcome = rounds.measure(pool, sides, FUSED_BLOCK, plan, random.Random(1), [0, 1], lambda r: None,
                                 unresolved=lambda records: False, pin=False)
    assert pinned == []
    assert len(outcome.records) == 4 and {rec["cpu"] for rec in outcome.records} == {None}
    assert all(rec["status"] == "ok" and rec["summary"] > 0 for rec in outcome.records)


def test_a_failing_side_stops_and_the_other_goes_on(tmp_path):
    plan = rounds.Plan(rounds=3, more=1, most=3, samples=3)
    case = dict(FUSED, implementation="jax_jit")
    with Pool() as pool:
        sides = [rounds.Side("a", "env-a", [pool.add_server(sys.executable, variables(), "a")]),
                 rounds.Side("b", "env-b", [pool.add_server(sys.executable, broken_variables(tmp_path), "b")])]
        outcome = rounds.measure(pool, sides, rounds.Block(0, "x", [], case), plan, random.Random(2), [0],
                                 lambda r: None, lambda r: False)
    assert [(r["environment"], r["status"]) for r in outcome.records if r["environment"] == "env-b"] == \
        [("env-b", "failed")]                                    # failed once, never measured again
    assert [r["status"] for r in outcome.records if r["environment"] == "env-a"] == ["ok"] * 3
    assert outcome.failed and outcome.failed[0][0] == "b" and "VerificationError" in outcome.failed[0][1]
    # the session's progress line says so, beside the other side's value
    shown = _block_text([SimpleNamespace(label=s.label, env=SimpleNamespace(name=s.name)) for s in sides],
                        outcome.records, "seconds")
    assert shown.startswith("a: ") and "ms (3)" in shown and shown.endswith("b: - (1 failed)")


def test_a_measuring_process_that_crashes_leaves_its_stack_in_the_failure():
    """A process that dies mid-session (a segmentation fault in a library) is a failure whose
    message quotes the stack it wrote (the measuring processes enable faulthandler)."""
    with Pool() as pool:
        server = pool.add_server(sys.executable, variables(), "x")
        worker = pool.start(server, FUSED)
        assert worker.ready()["ready"]
        os.kill(worker.pid, signal.SIGSEGV)
        with pytest.raises(WorkerError) as failure:
            for _ in range(50):  # until the crash has closed its socket
                worker.sample()
                time.sleep(0.02)
    message = str(failure.value)
    assert "Segmentation fault" in message and "jaxnp_kernels/worker.py" in message
    assert message.splitlines()[-1].startswith("the measuring process")


# Ctrl-C's handler set explicitly: a shell starting the tests in the background leaves SIGINT ignored
KILLED_RUNNER = """
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
from jaxnp_releases.pool import Pool
pool = Pool()
server = pool.add_server(sys.executable, {env!r}, "x")
worker = pool.start(server, {case!r})
worker.ready()
print(pool.servers[0].process.pid, worker.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT", "exception"])
def test_no_measuring_process_outlives_its_session(how):
    """Killed outright, interrupted or failing: the servers and measuring processes end too."""
    if how == "exception":
        with pytest.raises(RuntimeError):
            with Pool() as pool:
                server = pool.add_server(sys.executable, variables(), "x")
                worker = pool.start(server, FUSED)
                worker.ready()
                pids = [pool.servers[0].process.pid, worker.pid]
                raise RuntimeError("the session broke")
    else:
        script = KILLED_RUNNER.format(env=variables(), case=FUSED)
        runner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=REPO)
        pids = [int(p) for p in runner.stdout.readline().split()]
        assert len(pids) == 2 and all(alive(p) for p in pids)
        runner.send_signal(getattr(signal, how))
        runner.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(p) for p in pids)


def test_a_hung_measuring_process_is_ended():
    with Pool() as pool:
        server = pool.add_server(sys.executable, variables(), "x")
        worker = pool.start(server, FUSED)
        worker.ready()
        worker.timeout = 1.0
        os.kill(worker.pid, signal.SIGSTOP)           # a sample it takes will never end
        real_signal = worker._signal
        worker._signal = lambda which: None           # ... not even when asked to go on
        with pytest.raises(WorkerError, match="no answer within 1 s"):
            worker.sample()
        worker._signal = real_signal
        pid = worker.pid
    assert not alive(pid)


def test_a_measuring_process_times_what_a_plain_script_times():
    """The suite's measuring process against ``python -m jaxnp_kernels time`` in a fresh process, for
    NumPy's stencil2d at M (large temporaries: a process that did not make its own inputs, as the
    suite's processes once did, took 4x as long).  Five pairs, each a plain process and a measuring
    process back to back (the order alternating), both the median of 7 samples; the median of the
    pairs' ratios.  (The best of three processes each once failed on a slow morning: this machine's
    CPUs flip between two speeds 1.6x apart for seconds, and one measuring process caught a fast
    spell the plain ones missed, docs/measurement.md section 1.)"""
    case = {"kind": "time", "workload": "stencil2d", "implementation": "numpy", "size": "M", "dtype": "float32"}
    command = [sys.executable, "-m", "jaxnp_kernels", "time", "stencil2d", "--impl", "numpy", "--size", "M",
               "--dtype", "float32", "--repeat", "7", "--json"]
    ratios = []
    with Pool() as pool:
        server = pool.add_server(sys.executable, variables(), "here")

        def plain():
            done = subprocess.run(command, env=variables(), capture_output=True, text=True, check=True)
            return json.loads(done.stdout.strip().splitlines()[-1])["median_seconds"]

        def measuring():
            worker = pool.start(server, case)
            worker.ready()
            worker.pause()
            value = statistics.median(worker.sample() for _ in range(7))
            pool.release(worker)
            return value

        for pair in range(5):
            if pair % 2:
                suite, script = measuring(), plain()
            else:
                script, suite = plain(), measuring()
            ratios.append(suite / script)
    assert 1 / 1.2 <= statistics.median(ratios) <= 1.2, ratios


def test_plain_processes_run_right_after_a_block_and_are_read_back(tmp_path):
    """``jaxnp-releases run --plain N``: fresh ``python -m jaxnp_kernels time`` processes per
    environment beside the block's rounds, the parity calibration's reference."""
    import types

    from jaxnp_releases import runner
    from jaxnp_results import sessions
    from jaxnp_results.sessions import read_session, session_path

    env = types.SimpleNamespace(name="env-a", env_vars={"XLA_FLAGS": "--xla_force_host_platform_device_count=2"},
                                find_executable=lambda name: sys.executable)
    session = types.SimpleNamespace(sides=[runner.Environment(env, "0.10.2")],
                                    settings=runner.Settings(plain=2))
    block = rounds.Block(0, "bench_elementwise.FusedChain.time_run", ["'numpy'", "'S'", "'float32'"], FUSED)
    path = session_path(tmp_path, "m", "c" * 40, "s1")
    header = {"session": "s1", "machine": "m", "commit": "c" * 40, "started_at": 1, "settings": {},
              "environments": {"env-a": {"label": "0.10.2"}}, "benchmarks": {block.benchmark: {"unit": "seconds"}}}
    with sessions.create(path, header) as out:
        runner.SessionRunner._plain_processes(session, out, block, random.Random(0))
    plain = read_session(path).plain
    assert [p["environment"] for p in plain] == ["env-a", "env-a"]
    assert all(p["status"] == "ok" and 0 < p["summary"] < 1 and len(p["samples"]) == 7 for p in plain)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs to move the runner off one")
def test_the_runner_keeps_off_the_cpu_its_round_samples_on(monkeypatch):
    """While a pinned round's processes take their samples, the runner's own thread (the one
    writing their cues and reading their replies) is allowed only the other CPUs; before and
    after, every CPU it had."""
    allowed = os.sched_getaffinity(0)
    cpus = sorted(allowed)[:2]
    seen = []
    take_samples = rounds._take_samples

    def watched(ready, plan, per_process):
        seen.append((ready[0][2]["cpu"], os.sched_getaffinity(0)))
        return take_samples(ready, plan, per_process)

    monkeypatch.setattr(rounds, "_take_samples", watched)
    plan = rounds.Plan(rounds=2, more=1, most=2, samples=3)
    with Pool() as pool:
        sides = two_sides(pool)
        outcome = rounds.measure(pool, sides, FUSED_BLOCK, plan, random.Random(1), cpus, lambda r: None,
                                 unresolved=lambda records: False)
    assert all(rec["status"] == "ok" for rec in outcome.records)
    assert seen == [(cpus[0], {cpus[1]}), (cpus[1], {cpus[0]})]
    assert os.sched_getaffinity(0) == allowed
