"""Side-by-side session files: written line by line, read back whole or up to a kill, reported."""

import json
import random

import pytest

from jaxnp_kernels.report import cli
from jaxnp_results import compare, sessions
from jaxnp_results.results import BadResults
from jaxnp_results.sessions import read_session, read_sessions, session_path

TIME = "bench_elementwise.FusedChain.time_run"
ENVS = {"env-old": {"label": "0.4.31", "jax": "0.4.31", "jaxlib": "0.4.31"},
        "env-new": {"label": "0.10.2", "jax": "0.10.2", "jaxlib": "0.10.2"}}
COMMIT = "abcdef1234567890abcdef1234567890abcdef12"


def header(session="s1"):
    return {"session": session, "machine": "m1", "commit": COMMIT, "started_at": 1000, "environments": ENVS,
            "benchmarks": {TIME: {"unit": "seconds", "param_names": ["implementation", "size", "dtype"],
                                  "version": "1"}},
            "settings": {"processes": 5, "seed": 1, "selection": {"patterns": ["x"]}}}


def write_block(out, block, impl, levels, rng, processes=6, status="ok"):
    """One block of a session measured one process at a time (format 1's design): ``processes``
    per environment in ABBA order, levels per environment label."""
    names = list(ENVS)
    order = [names[(i + 1) // 2 % 2] for i in range(2 * processes)]      # A B B A A B ...
    params = [f"'{impl}'", "'M'", "'float32'"]
    for position, env in enumerate(order):
        level = levels[ENVS[env]["label"]] * (1 + rng.uniform(-0.02, 0.02))
        out.write({"record": "process", "block": block, "benchmark": TIME, "params": params, "environment": env,
                   "slot": position, "status": status, "samples": [level] * 3 if status == "ok" else [],
                   "summary": level if status == "ok" else None, "started_at": 2000 + position, "seconds": 0.3})
    out.write({"record": "block", "block": block, "benchmark": TIME, "params": params})


def test_a_session_reads_back_its_complete_blocks_per_process(tmp_path):
    rng = random.Random(1)
    path = session_path(tmp_path, "m1", COMMIT, "s1")
    with sessions.create(path, header()) as out:
        write_block(out, 0, "numpy", {"0.4.31": 1.0, "0.10.2": 1.0}, rng)
        write_block(out, 1, "jax_jit", {"0.4.31": 1.0, "0.10.2": 1.5}, rng)
        out.write({"record": "end", "ended_at": 3000, "status": "complete"})
    session = read_session(path)
    assert session.labels == ["0.4.31", "0.10.2"] and session.end["status"] == "complete"
    by_key = {(m.param("implementation"), m.release): m for m in session.measurements()}
    jit_new = by_key["jax_jit", "0.10.2"]
    assert len(jit_new.samples) == 6 and jit_new.session == "s1"        # one value per process
    assert jit_new.value == pytest.approx(1.5, rel=0.03)
    verdicts = {c.measurement.param("implementation"): c.verdict
                for c in compare.compare_releases(session.measurements(), "0.4.31", "0.10.2")}
    assert verdicts == {"numpy": compare.NO_CHANGE, "jax_jit": compare.REGRESSION}


def test_a_killed_session_keeps_what_finished_and_resumes_after_a_cut_line(tmp_path):
    rng = random.Random(2)
    path = session_path(tmp_path, "m1", COMMIT, "s1")
    with sessions.create(path, header()) as out:
        write_block(out, 0, "numpy", {"0.4.31": 1.0, "0.10.2": 1.0}, rng)
        out.write({"record": "process", "block": 1, "benchmark": TIME, "params": ["'jax_jit'", "'M'", "'float32'"],
                   "environment": "env-old", "slot": 0, "status": "ok", "samples": [1.0], "summary": 1.0,
                   "started_at": 5, "seconds": 0.1})
    with open(path, "a", encoding="utf-8") as f:
        f.write('{"record": "process", "block": 1, "benchm')      # the kill
    session = read_session(path)
    assert {m.param("implementation") for m in session.measurements()} == {"numpy"}
    assert session.interrupted_blocks == 1 and session.last_block == 1 and session.end is None
    with sessions.open_for_append(path) as out:                      # resume: the cut line goes
        write_block(out, 2, "jax_jit", {"0.4.31": 1.0, "0.10.2": 1.0}, rng)
    resumed = read_session(path)
    assert {m.param("implementation") for m in resumed.measurements()} == {"numpy", "jax_jit"}
    assert all(json.loads(line) for line in path.read_text().splitlines())


def test_a_damaged_line_inside_a_session_is_an_error_naming_it(tmp_path):
    path = session_path(tmp_path, "m1", COMMIT, "s1")
    with sessions.create(path, header()) as out:
        write_block(out, 0, "numpy", {"0.4.31": 1.0, "0.10.2": 1.0}, random.Random(3))
    lines = path.read_text().splitlines()
    lines[2] = lines[2][:40]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(BadResults, match=r":3: not a JSON record"):
        read_session(path)
    path.write_text(json.dumps({"record": "process"}) + "\n")
    with pytest.raises(BadResults, match="does not start with a session record"):
        read_session(path)


def test_a_session_file_is_never_overwritten(tmp_path):
    path = session_path(tmp_path, "m1", COMMIT, "s1")
    sessions.create(path, header()).close()
    with pytest.raises(FileExistsError):
        sessions.create(path, header())


def write_asv_results(root, releases, value):
    """Minimal asv result files of ``releases`` (values measured apart, no session)."""
    index = {TIME: {"params": [["'numpy'", "'jax_jit'"], ["'M'"], ["'float32'"]],
                    "param_names": ["implementation", "size", "dtype"], "unit": "seconds", "type": "time",
                    "version": "1"}}
    (root / "m1").mkdir(parents=True, exist_ok=True)
    (root / "benchmarks.json").write_text(json.dumps(index))
    (root / "m1" / "machine.json").write_text(json.dumps({"machine": "m1"}))
    for i, release in enumerate(releases):
        data = {"commit_hash": COMMIT, "env_name": f"env-{release}", "date": 1000 + i,
                "params": {"jax": release}, "python": "3.11", "requirements": {}, "env_vars": {},
                "result_columns": ["result", "params", "version", "started_at", "samples"],
                "results": {TIME: [[value[release], value[release]], index[TIME]["params"], "1", 1000 + i,
                                   [[value[release]] * 5, [value[release]] * 5]]},
                "durations": {}, "version": 2}
        (root / "m1" / f"{COMMIT[:8]}-env-{release}.json").write_text(json.dumps(data))


def test_the_report_judges_only_what_was_measured_side_by_side(tmp_path, capsys):
    root = tmp_path / "results"
    write_asv_results(root, ["0.4.31", "0.10.2"], {"0.4.31": 1.0, "0.10.2": 3.0})
    text = cli.main([str(root), "--machine", "m1"])
    out = capsys.readouterr().out
    assert text == 0 and "0 regressions" in out and "2 measured apart (not judged)" in out
    rng = random.Random(4)
    with sessions.create(session_path(root, "m1", COMMIT, "s1"), header()) as f:
        write_block(f, 0, "numpy", {"0.4.31": 1.0, "0.10.2": 1.0}, rng)
        write_block(f, 1, "jax_jit", {"0.4.31": 1.0, "0.10.2": 3.0}, rng)
        f.write({"record": "end", "ended_at": 3000, "status": "complete"})
    assert cli.main([str(root), "--machine", "m1"]) == 1
    out = capsys.readouterr().out
    assert "1 regressions" in out and "session s1: JAX 0.4.31, 0.10.2 side by side" in out
    assert "6+6 processes" in out and "0 of 1 NumPy timings got a verdict" in out
    assert "5 processes per release and combination" in out
    assert cli.main([str(root), "--machine", "m1", "--format", "markdown"]) == 1
    assert "| regression | `bench_elementwise.FusedChain.time_run(jax_jit, M, float32)` |" in capsys.readouterr().out


def test_sessions_are_found_under_every_machine_oldest_first(tmp_path):
    for session, started in (("late", 9000), ("early", 1000)):
        head = header(session)
        head["started_at"] = started
        sessions.create(session_path(tmp_path, "m1", COMMIT, session), head).close()
    assert [s.id for s in read_sessions(tmp_path)] == ["early", "late"]


def rounds_header(session="r1", rounds=10, more=5, most=20):
    head = header(session)
    head["settings"] = {"design": "rounds", "plan": {"rounds": rounds, "more": more, "most": most, "samples": 5},
                        "seed": 1, "selection": {"patterns": ["x"]}}
    return head


def write_rounds_block(out, block, impl, levels, rng, rounds=10, speed=(1.0, 1.7)):
    """One block measured in rounds: each round at a random machine speed shared by its two processes."""
    params = [f"'{impl}'", "'M'", "'float32'"]
    for r in range(rounds):
        mood = rng.choice(speed)
        for slot, env in enumerate(rng.sample(list(ENVS), 2)):
            samples = [mood * levels[ENVS[env]["label"]] * (1 + rng.uniform(-0.01, 0.01)) for _ in range(5)]
            out.write({"record": "process", "block": block, "benchmark": TIME, "params": params, "environment": env,
                       "round": r, "slot": slot, "status": "ok", "samples": samples,
                       "summary": sorted(samples)[2], "started_at": 2000 + r, "seconds": 0.3})
    out.write({"record": "block", "block": block, "benchmark": TIME, "params": params, "rounds": rounds})


def test_a_session_in_rounds_is_judged_round_by_round(tmp_path):
    rng = random.Random(5)
    path = session_path(tmp_path, "m1", COMMIT, "r1")
    with sessions.create(path, rounds_header()) as out:
        write_rounds_block(out, 0, "numpy", {"0.4.31": 1.0, "0.10.2": 1.0}, rng)
        write_rounds_block(out, 1, "jax_jit", {"0.4.31": 1.0, "0.10.2": 1.25}, rng, rounds=15)
        out.write({"record": "end", "ended_at": 3000, "status": "complete"})
    session = read_session(path)
    assert session.in_rounds and session.look(10) == 0 and session.look(15) == 1 and session.look(20) == 2
    by_key = {(m.param("implementation"), m.release): m for m in session.measurements()}
    jit_new = by_key["jax_jit", "0.10.2"]
    assert jit_new.rounds == tuple(range(15)) and jit_new.look == 1 and len(jit_new.turns[0]) == 5
    verdicts = {c.measurement.param("implementation"): c
                for c in compare.compare_releases(session.measurements(), "0.4.31", "0.10.2")}
    # the machine's speed (1.7x apart from round to round) cancels within each round
    assert verdicts["jax_jit"].verdict == compare.REGRESSION and verdicts["jax_jit"].rounds == 15
    assert verdicts["jax_jit"].ratio == pytest.approx(1.25, rel=0.02)
    assert verdicts["numpy"].verdict == compare.NO_CHANGE
    assert verdicts["numpy"].interval[1] / verdicts["numpy"].interval[0] < 1.05
