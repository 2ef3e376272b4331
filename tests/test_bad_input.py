"""Damaged or unusual input to jaxnp-report: exit 2 and one line naming the file or argument.

Every case starts from a valid results directory (two JAX releases, asv result files and a
side-by-side session) that reports cleanly, damages one thing, and checks that the report
ends with exit code 2 and a one-line message naming what is wrong: never a traceback, never
exit 0 or 1 with a confident wrong answer.
"""

import json
import pathlib

import pytest

from jaxnp_kernels.report import cli
from jaxnp_results import sessions
from jaxnp_results.sessions import session_path

TIME = "bench_elementwise.FusedChain.time_run"
SPEEDUP = "bench_speedup.Speedup.track_vs_numpy"
COLUMNS = ["result", "params", "version", "started_at", "duration", "stats_ci_99_a", "stats_ci_99_b",
           "stats_q_25", "stats_q_75", "stats_number", "stats_repeat", "samples", "profile"]
COMMIT = "abcdef1234567890abcdef1234567890abcdef12"
TIME_PARAMS = [["'numpy'", "'jax_jit'"], ["'M'"], ["'float32'"]]


def valid_tree(root: pathlib.Path) -> pathlib.Path:
    index = {
        TIME: {"params": TIME_PARAMS, "param_names": ["implementation", "size", "dtype"], "unit": "seconds",
               "type": "time", "version": "1"},
        SPEEDUP: {"params": [["'fused_chain/jax_jit'"], ["'float32'"]], "param_names": ["case", "dtype"],
                  "unit": "ratio", "type": "track", "version": "1"},
        "version": 2,
    }
    root.mkdir(parents=True)
    (root / "benchmarks.json").write_text(json.dumps(index))
    (root / "m1").mkdir()
    (root / "m1" / "machine.json").write_text(json.dumps({"machine": "m1", "version": 1}))
    for i, release in enumerate(("0.4.31", "0.10.2")):
        results = {
            TIME: [[1.0e-3, 5.0e-4], TIME_PARAMS, "1", 1000 + i, 1.0, [9e-4, 4e-4], [1.1e-3, 6e-4], None, None,
                   [1, 1], [6, 6], [[1.0e-3] * 6, [5.0e-4] * 6]],
            SPEEDUP: [[2.0], [["'fused_chain/jax_jit'"], ["'float32'"]], "1", 1000 + i, 1.0, None, None, None,
                      None, None, None, [[2.0] * 6]],
        }
        data = {"commit_hash": COMMIT, "env_name": f"env-{release}", "date": 1000 + i,
                "params": {"machine": "m1", "python": "3.11", "jax": release, "jaxlib": release},
                "python": "3.11", "requirements": {"jax": release}, "env_vars": {}, "result_columns": COLUMNS,
                "results": results, "durations": {}, "version": 2}
        (root / "m1" / f"{COMMIT[:8]}-env-{release}.json").write_text(json.dumps(data))
    header = {"session": "s1", "machine": "m1", "commit": COMMIT, "started_at": 900,
              "environments": {f"env-{r}": {"label": r, "jax": r} for r in ("0.4.31", "0.10.2")},
              "benchmarks": {TIME: {"unit": "seconds", "param_names": ["implementation", "size", "dtype"]}},
              "settings": {"processes": 6}}
    with sessions.create(session_path(root, "m1", COMMIT, "s1"), header) as out:
        for block, impl in enumerate(("numpy", "jax_jit")):
            for slot in range(12):
                release = ("0.4.31", "0.10.2")[slot % 2]
                value = 1e-3 * (1 + 0.01 * slot)
                out.write({"record": "process", "block": block, "benchmark": TIME,
                           "params": [f"'{impl}'", "'M'", "'float32'"], "environment": f"env-{release}",
                           "slot": slot, "status": "ok", "samples": [value], "summary": value,
                           "started_at": 1000 + slot, "seconds": 0.2})
            out.write({"record": "block", "block": block})
        out.write({"record": "end", "status": "complete"})
    return root


def result_file(root, release="0.10.2"):
    return root / "m1" / f"{COMMIT[:8]}-env-{release}.json"


def edit_json(path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def edit_result(change, release="0.10.2"):
    return lambda root: edit_json(result_file(root, release), change)


def edit_index(change):
    return lambda root: edit_json(root / "benchmarks.json", change)


def session_file(root):
    return session_path(root, "m1", COMMIT, "s1")


def edit_session_line(number, change):
    """Change the JSON record on line ``number`` (1-based) of the session file."""

    def damage(root):
        path = session_file(root)
        lines = path.read_text().splitlines()
        record = json.loads(lines[number - 1])
        change(record)
        lines[number - 1] = json.dumps(record)
        path.write_text("\n".join(lines) + "\n")

    return damage


def set_row(name, column, value):
    def change(data):
        data["results"][name][COLUMNS.index(column)] = value
    return change


def write_bytes(name, data: bytes):
    def damage(root):
        target = root / "benchmarks.json" if name == "index" else result_file(root)
        target.write_bytes(data)
    return damage


def second_commit(root):
    """Another commit sharing the first 8 characters of the hash: a prefix matches both."""
    other = COMMIT[:8] + "9" * 32
    for release in ("0.4.31", "0.10.2"):
        data = json.loads(result_file(root, release).read_text())
        data["commit_hash"] = other
        (root / "m1" / f"{other[:8]}x-env-{release}.json").write_text(json.dumps(data))


# (what, damage, extra arguments, a fragment of the one-line message)
CASES = [
    # the results directory
    ("directory missing", lambda root: __import__("shutil").rmtree(root), [], "is not a directory"),
    ("no benchmarks.json", lambda root: (root / "benchmarks.json").unlink(), [], "no benchmarks.json"),
    ("index not UTF-8", write_bytes("index", b"\xff\xfe{"), [], "benchmarks.json"),
    ("index not JSON", write_bytes("index", b"{oops"), [], "cannot read"),
    ("index a list", lambda root: (root / "benchmarks.json").write_text("[]"), [], "not an asv benchmark index"),
    ("index entry a string", edit_index(lambda d: d.__setitem__(TIME, "x")), [], "is str, not an object"),
    ("index params not a list", edit_index(lambda d: d[TIME].__setitem__("params", "abc")), [],
     "params is not a list of lists"),
    ("index param_names short", edit_index(lambda d: d[TIME].__setitem__("param_names", ["a"])), [],
     "param_names does not name its 3 parameters"),
    ("index unit a number", edit_index(lambda d: d[TIME].__setitem__("unit", 3)), [], "unit is not a string"),
    ("machine.json names another machine",
     lambda root: (root / "m1" / "machine.json").write_text(json.dumps({"machine": "m2"})), [],
     "does not describe machine 'm1'"),
    ("machine.json not JSON", lambda root: (root / "m1" / "machine.json").write_text("{"), [], "machine.json"),
    # a result file
    ("result not UTF-8", write_bytes("result", b"\xff\xfe\xfa"), [], "cannot read"),
    ("result not JSON", write_bytes("result", b'{"results": '), [], "cannot read"),
    ("result a list", write_bytes("result", b"[1, 2]"), [], "not an asv result file"),
    ("results a list", edit_result(lambda d: d.__setitem__("results", [])), [], "results is list, not dict"),
    ("results null", edit_result(lambda d: d.__setitem__("results", None)), [], "results is NoneType"),
    ("no results key", edit_result(lambda d: d.pop("results")), [], "no results"),
    ("commit_hash a number", edit_result(lambda d: d.__setitem__("commit_hash", 12345)), [],
     "commit_hash is int"),
    ("commit_hash not hex", edit_result(lambda d: d.__setitem__("commit_hash", "not-a-hash!")), [],
     "is not a commit hash"),
    ("params a list", edit_result(lambda d: d.__setitem__("params", ["jax"])), [], "params is list"),
    ("no jax release", edit_result(lambda d: d["params"].pop("jax")), [], "must name the JAX release"),
    ("jax 'latest'", edit_result(lambda d: d["params"].__setitem__("jax", "latest")), [],
     "params.jax is 'latest'"),
    ("result_columns a string", edit_result(lambda d: d.__setitem__("result_columns", "result")), [],
     "result_columns is str"),
    ("a row a string", edit_result(lambda d: d["results"].__setitem__(TIME, "fast")), [],
     "its row is not a list"),
    ("a row too long", edit_result(lambda d: d["results"][TIME].extend([None] * 20)), [],
     "its row is not a list of at most 13 columns"),
    ("benchmark missing from the index", edit_result(lambda d: d["results"].__setitem__(
        "bench_x.Gone.time_run", d["results"][TIME])), [], "'bench_x.Gone.time_run' is not in benchmarks.json"),
    ("result list short", edit_result(set_row(TIME, "result", [1e-3])), [],
     "result holds 1 values for 2 parameter combinations"),
    ("result list long", edit_result(set_row(TIME, "result", [1e-3, 1e-3, 1e-3])), [], "holds 3 values for 2"),
    ("result a scalar for two", edit_result(set_row(TIME, "result", 1e-3)), [], "a single float for 2"),
    ("a value a string", edit_result(set_row(TIME, "result", ["fast", 1e-3])), [], "is str 'fast', not a number"),
    ("a value a boolean", edit_result(set_row(TIME, "result", [True, 1e-3])), [], "is bool"),
    ("a value infinite", edit_result(set_row(TIME, "result", [float("inf"), 1e-3])), [], "is infinite"),
    ("a value with 400 digits", edit_result(set_row(TIME, "result", [10 ** 400, 1e-3])), [],
     "too large for a float (401 digits)"),
    ("a value negative", edit_result(set_row(TIME, "result", [-1e-3, 1e-3])), ["--format", "html"],
     "is negative"),
    ("samples a scalar", edit_result(set_row(TIME, "samples", 3.0)), [], "samples is a single float for 2"),
    ("samples short", edit_result(set_row(TIME, "samples", [[1e-3]])), [], "samples holds 1 values for 2"),
    ("a sample list a number", edit_result(set_row(TIME, "samples", [1e-3, [1e-3]])), [],
     "samples is float, not a list"),
    ("a sample a string", edit_result(set_row(TIME, "samples", [["x"], [1e-3]])), [], "a sample is str"),
    ("a sample NaN", edit_result(set_row(TIME, "samples", [[float("nan")], [1e-3]])), [], "a sample is NaN"),
    ("a sample negative", edit_result(set_row(TIME, "samples", [[-1.0], [1e-3]])), [], "a sample is negative"),
    ("started_at a string", edit_result(set_row(TIME, "started_at", "yesterday")), [], "started_at is str"),
    ("date a string", edit_result(lambda d: d.__setitem__("date", "today")), [], "date is str"),
    ("row params a string", edit_result(set_row(TIME, "params", "M")), [], "params is not a list of lists"),
    ("a CI bound short", edit_result(set_row(TIME, "stats_ci_99_a", [1e-3])), [], "stats_ci_99_a holds 1"),
    ("a speedup case without a slash", edit_result(set_row(SPEEDUP, "params", [["'fused_chain'"], ["'float32'"]])),
     [], "is not 'workload/implementation'"),
    # a session file
    ("session line not JSON", lambda root: session_file(root).write_text(
        session_file(root).read_text().replace('"record":"process"', '{oops', 1)), [], "not a JSON record"),
    ("session without its header", lambda root: session_file(root).write_text(
        "\n".join(session_file(root).read_text().splitlines()[1:]) + "\n"), [], "does not start with a session"),
    ("session format unknown", edit_session_line(1, lambda r: r.__setitem__("format", 99)), [],
     "session format 99"),
    ("session environment without a label", edit_session_line(1, lambda r: r["environments"]["env-0.4.31"].pop(
        "label")), [], "has no label"),
    ("process summary NaN", edit_session_line(2, lambda r: r.__setitem__("summary", float("nan"))), [],
     "summary is NaN"),
    ("process summary negative", edit_session_line(2, lambda r: r.__setitem__("summary", -1.0)), [],
     "summary is negative"),
    ("process summary a string", edit_session_line(2, lambda r: r.__setitem__("summary", "1 ms")), [],
     "summary is str"),
    ("process ok without a value", edit_session_line(2, lambda r: r.__setitem__("summary", None)), [],
     "status ok has summary None"),
    ("process status unknown", edit_session_line(2, lambda r: r.__setitem__("status", "fine")), [],
     "status 'fine' is not"),
    ("process params a string", edit_session_line(2, lambda r: r.__setitem__("params", "'numpy'")), [],
     "params is not a list"),
    ("process environment unknown", edit_session_line(2, lambda r: r.__setitem__("environment", "env-9")), [],
     "unknown environment 'env-9'"),
    ("process block a string", edit_session_line(2, lambda r: r.__setitem__("block", "0")), [],
     "block is '0', not a number"),
    ("unknown record", edit_session_line(2, lambda r: r.__setitem__("record", "surprise")), [],
     "unknown record 'surprise'"),
    # arguments
    ("threshold NaN", None, ["--threshold", "nan"], "not a finite number"),
    ("threshold below 1", None, ["--threshold", "0.9"], "--threshold must be above 1"),
    ("threshold not a number", None, ["--threshold", "big"], "is not a number"),
    ("alpha negative", None, ["--alpha", "-1"], "--alpha must lie between 0 and 1"),
    ("alpha above 1", None, ["--alpha", "1.5"], "--alpha must lie between 0 and 1"),
    ("output into a missing directory", None, ["-o", "/nonexistent/dir/report.txt"], "cannot write"),
    ("unknown machine", None, ["--machine", "m9"], "no results for machine 'm9'"),
    ("unknown commit", None, ["--commit", "ffffffff"], "no results for commit 'ffffffff'"),
    ("unknown release", None, ["--release", "9.9.9"], "9.9.9 not measured"),
    ("ambiguous commit prefix", second_commit, ["--commit", COMMIT[:8]], "matches 2 measured commits"),
]


def test_the_valid_tree_reports_cleanly(tmp_path, capsys):
    root = valid_tree(tmp_path / "results")
    assert cli.main([str(root)]) == 0
    assert "0 of 1 NumPy timings got a verdict" in capsys.readouterr().out


@pytest.mark.parametrize("what, damage, args, message", CASES, ids=[c[0] for c in CASES])
def test_bad_input_exits_2_with_one_line_naming_it(tmp_path, capsys, what, damage, args, message):
    root = valid_tree(tmp_path / "results")
    if damage is not None:
        damage(root)
    status = cli.main([str(root), *args])
    err = capsys.readouterr().err
    assert status == 2, (what, err)
    assert message in err, (what, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 or lines[0].startswith("usage:"), (what, err)   # argparse adds its usage line
    assert "Traceback" not in err


def test_an_unexpected_error_exits_2_as_an_internal_error_never_0_or_1(tmp_path, capsys, monkeypatch):
    root = valid_tree(tmp_path / "results")
    from jaxnp_kernels.report import build

    monkeypatch.setattr(build, "_timing_speedups", lambda times: 1 / 0)
    assert cli.main([str(root)]) == 2
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError" in err and "Traceback" not in err
    assert cli.main([str(root), "--debug"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_there_are_at_least_40_kinds_of_damage():
    assert len(CASES) >= 40


def test_asv_intervals_may_be_negative_or_infinite_and_are_not_damage(tmp_path, capsys):
    """asv stores (-inf, inf) as the 99% interval of a single sample, and an interval reaching below
    zero for a spread-out timing: both are asv's own output, read as "no interval" or as is."""
    root = valid_tree(tmp_path / "results")
    edit_result(set_row(TIME, "stats_ci_99_a", [float("-inf"), -1e-4]))(root)
    edit_result(set_row(TIME, "stats_ci_99_b", [float("inf"), 6e-4]))(root)
    assert cli.main([str(root)]) == 0, capsys.readouterr().err
