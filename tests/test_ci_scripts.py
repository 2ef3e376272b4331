"""The small scripts the workflows call: new-release detection, results storage, gate verdicts."""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / "ci" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH = "bench_elementwise.FusedChain.time_run"


def write_result(root, machine, commit, release, benchmark=BENCH, unit="seconds"):
    """A valid asv result directory with one result file (commit: hex, e.g. "aaaa")."""
    d = root / machine
    d.mkdir(parents=True, exist_ok=True)
    (d / "machine.json").write_text(json.dumps({"machine": machine, "version": 1}))
    index = json.loads((root / "benchmarks.json").read_text()) if (root / "benchmarks.json").exists() else {}
    index[benchmark] = {"params": [["'numpy'"]], "param_names": ["implementation"], "unit": unit, "version": "1"}
    (root / "benchmarks.json").write_text(json.dumps(index))
    data = {"commit_hash": commit * (40 // len(commit)), "params": {"machine": machine, "jax": release},
            "result_columns": ["result", "params", "version", "started_at", "samples"],
            "results": {benchmark: [[0.001], [["'numpy'"]], "1", 1000, [[0.001, 0.0011]]]}, "date": 1000}
    (d / f"{commit}-jax{release}.json").write_text(json.dumps(data))


def test_detect_new_jax_release(tmp_path):
    detect = load("detect_new_jax")
    pypi = {"releases": {"0.4.31": [{"yanked": False}], "0.10.2": [{"yanked": False}],
                         "0.10.3rc1": [{"yanked": False}], "0.10.3": [{"yanked": True}],
                         "0.9.2": [{"yanked": False}]}}
    assert detect.pypi_releases(pypi) == ["0.4.31", "0.9.2", "0.10.2"]  # no rc, no yanked, version order
    write_result(tmp_path, "jaxnp-ci-2core", "aaaa", "0.9.2")
    assert detect.newest_unmeasured(detect.pypi_releases(pypi),
                                    detect.measured_releases(tmp_path, "jaxnp-ci-2core")) == "0.10.2"
    write_result(tmp_path, "jaxnp-ci-2core", "aaaa", "0.10.2")
    assert detect.newest_unmeasured(detect.pypi_releases(pypi),
                                    detect.measured_releases(tmp_path, "jaxnp-ci-2core")) is None
    # another machine's results do not count as measured for this one
    assert "0.10.2" not in detect.measured_releases(tmp_path, "gpu-box")
    # a new release is measured against the release just before it, not the matrix's newest
    assert detect.previous_release(detect.pypi_releases(pypi), "0.10.2") == "0.9.2"
    assert detect.previous_release(detect.pypi_releases(pypi), "0.4.31") is None


def test_the_release_watch_measures_a_new_release_beside_its_predecessor():
    import yaml

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "new-jax-release.yml").read_text())
    detect, run = workflow["jobs"]["detect"], workflow["jobs"]["run"]
    assert detect["outputs"]["previous"] == "${{ steps.detect.outputs.previous }}"
    step = next(s for s in run["steps"] if "run-suite.sh" in s.get("run", ""))
    assert '--releases "$JAX_PREVIOUS $JAX_RELEASE"' in step["run"]
    assert step["env"] == {"JAX_RELEASE": "${{ needs.detect.outputs.release }}",
                           "JAX_PREVIOUS": "${{ needs.detect.outputs.previous }}"}


# Real ``asv continuous`` output of asv 0.6.6 (rows cut to one per table and the environment
# names shortened; the layout is asv's tabulate "github" format).
ASV_CONTINUOUS = """
· Running 2 total benchmarks (2 commits * 1 environments * 1 benchmarks)

| Change   | Before [d18d9346] <main~1>   | After [08025c9a] <main>   |   Ratio | Benchmark (Parameter)                                              |
|----------|------------------------------|---------------------------|---------|--------------------------------------------------------------------|
| -        | 24.4±0.8ms                   | 13.0±1ms                  |    0.53 | bench_elementwise.FusedChain.time_run('jax_eager', 'M', 'float32') |

| Change   | Before [d18d9346] <main~1>   | After [08025c9a] <main>   |   Ratio | Benchmark (Parameter)                                              |
|----------|------------------------------|---------------------------|---------|--------------------------------------------------------------------|
| +        | 40.7±6ms                     | 46.2±6ms                  |    1.24 | bench_elementwise.FusedChain.time_run('jax_eager', 'M', 'float64') |
| !        | 1.00±0.01ms                  | failed                    |     n/a | bench_loops.LoopTinyBody.time_run('jax_fori', 'M', 'float32')      |

SOME BENCHMARKS HAVE CHANGED SIGNIFICANTLY.
PERFORMANCE DECREASED.
"""


def test_render_gate_reads_asv_tables_and_fails_on_slowdowns_first_listed():
    gate = load("render_gate")
    rows = gate.parse(ASV_CONTINUOUS)
    assert [r["change"] for r in rows] == ["faster", "slower", "newly failing"]
    assert rows[1] == {"change": "slower", "before": "40.7±6ms", "after": "46.2±6ms", "ratio": "1.24",
                       "name": "bench_elementwise.FusedChain.time_run('jax_eager', 'M', 'float64')"}
    assert gate.outcome(ASV_CONTINUOUS) == "decreased"
    md = gate.render(rows, gate.outcome(ASV_CONTINUOUS), "1.2")
    assert "2 benchmark(s) slower than 1.2x or newly failing: the gate fails" in md
    assert md.index("LoopTinyBody") < md.index("'M', 'float64'") < md.index("'jax_eager', 'M', 'float32'")
    assert "| slower | `bench_elementwise.FusedChain.time_run('jax_eager', 'M', 'float64')` | 40.7±6ms |" in md


def test_render_gate_passes_only_when_asv_compared_and_nothing_got_worse(tmp_path, capsys):
    gate = load("render_gate")
    unchanged = "· Running 2 total benchmarks\n\nBENCHMARKS NOT SIGNIFICANTLY CHANGED.\n"
    assert not gate.gate_fails(gate.parse(unchanged), gate.outcome(unchanged))
    assert "The gate passes" in gate.render([], gate.outcome(unchanged), "1.2")
    crashed = "· Building for virtualenv-py3.11\n· Error running pip wheel\n"
    assert gate.outcome(crashed) is None and gate.gate_fails([], None)
    assert "asv stopped before comparing" in gate.render([], None, "1.2")
    out = tmp_path / "asv.txt"
    out.write_text(ASV_CONTINUOUS, encoding="utf-8")
    assert gate.main([str(out), "1.2"]) == 1
    out.write_text(unchanged, encoding="utf-8")
    assert gate.main([str(out), "1.2"]) == 0
    assert "## Benchmark gate" in capsys.readouterr().out


def git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def origin(tmp_path):
    bare = tmp_path / "origin.git"
    git("init", "--bare", "-q", str(bare), cwd=tmp_path)
    work = tmp_path / "work"
    git("clone", "-q", str(bare), str(work), cwd=tmp_path)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "init", cwd=work)
    git("push", "-q", "origin", "HEAD:main", cwd=work)
    return bare, work


PUSH_ENV = {**os.environ, "PYTHON": sys.executable}


def push(work, new_dir):
    return subprocess.run([str(ROOT / "tools" / "ci" / "push_results.sh"), str(new_dir), "asv-results"],
                          cwd=work, capture_output=True, text=True, env=PUSH_ENV)


def test_push_results_appends_and_never_overwrites(origin, tmp_path):
    bare, work = origin
    first = tmp_path / "first"
    write_result(first, "m", "aaaa", "0.4.31")
    assert push(work, first).returncode == 0
    second = tmp_path / "second"
    write_result(second, "m", "bbbb", "0.4.31")
    rerun = json.loads((first / "m" / "aaaa-jax0.4.31.json").read_text())
    rerun["results"][BENCH][0] = [0.002]                                           # a rerun
    (second / "m" / "aaaa-jax0.4.31.json").write_text(json.dumps(rerun))
    out = push(work, second)
    assert out.returncode == 0, out.stderr
    assert "kept existing m/aaaa-jax0.4.31.json" in out.stdout
    files = git("ls-tree", "-r", "--name-only", "asv-results", cwd=bare).split()
    assert {"m/aaaa-jax0.4.31.json", "m/bbbb-jax0.4.31.json"} <= set(files)
    kept = git("show", "asv-results:m/aaaa-jax0.4.31.json", cwd=bare)
    assert json.loads(kept)["results"][BENCH][0] == [0.001]


def test_eight_racing_pushers_all_land_three_rounds_running(origin, tmp_path):
    """8 pushers at once against one origin, each from its own clone (as 8 CI jobs would):
    jittered back-off spreads their retries, so every one of them stores its file."""
    bare, _ = origin
    expected = set()
    for round_ in range(3):
        procs = []
        for k in range(8):
            commit = f"{round_}{k}" * 2
            d = tmp_path / f"new-{commit}"
            write_result(d, "m", commit, "0.10.2", benchmark=f"bench_x.B{round_}{k}.time_run")
            clone = tmp_path / f"clone-{commit}"
            git("clone", "-q", str(bare), str(clone), cwd=tmp_path)
            procs.append(subprocess.Popen([str(ROOT / "tools" / "ci" / "push_results.sh"), str(d), "asv-results"],
                                          cwd=clone, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                          env=PUSH_ENV))
            expected.add(f"m/{commit}-jax0.10.2.json")
        outcomes = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
        assert [code for code, _ in outcomes] == [0] * 8, outcomes
        files = set(git("ls-tree", "-r", "--name-only", "asv-results", cwd=bare).split())
        assert expected <= files, sorted(expected - files)
    index = json.loads(git("show", "asv-results:benchmarks.json", cwd=bare))
    assert {f"bench_x.B{r}{k}.time_run" for r in range(3) for k in range(8)} <= set(index)


def test_a_damaged_file_is_refused_with_a_message_and_a_later_good_copy_is_stored(origin, tmp_path):
    bare, work = origin
    good = tmp_path / "good"
    write_result(good, "m", "abab", "0.10.2")
    damaged = tmp_path / "damaged"
    write_result(damaged, "m", "abab", "0.10.2")
    write_result(damaged, "m", "cdcd", "0.10.2")
    path = damaged / "m" / "abab-jax0.10.2.json"
    path.write_text(path.read_text()[:-40])                       # cut short by a kill
    out = push(work, damaged)
    assert out.returncode == 2
    assert "refused" in out.stderr and "abab-jax0.10.2.json" in out.stderr and "cannot read" in out.stderr
    files = set(git("ls-tree", "-r", "--name-only", "asv-results", cwd=bare).split())
    assert "m/cdcd-jax0.10.2.json" in files and "m/abab-jax0.10.2.json" not in files   # the valid one went in
    again = push(work, good)
    assert again.returncode == 0, again.stderr
    stored = json.loads(git("show", "asv-results:m/abab-jax0.10.2.json", cwd=bare))
    assert stored["results"][BENCH][0] == [0.001]


def test_benchmarks_json_keeps_every_benchmark_and_the_newest_definition(origin, tmp_path):
    bare, work = origin
    first = tmp_path / "first"
    write_result(first, "m", "1111", "0.4.31", benchmark="bench_x.Old.time_run")
    assert push(work, first).returncode == 0
    second = tmp_path / "second"
    write_result(second, "m", "2222", "0.4.31", benchmark="bench_x.New.time_run")
    index = json.loads((second / "benchmarks.json").read_text())
    index["bench_x.New.time_run"]["unit"] = "seconds"
    index["bench_x.Old.time_run"] = {"params": [["'numpy'"]], "param_names": ["implementation"], "unit": "bytes",
                                     "version": "2"}                  # redefined by the newer run
    (second / "benchmarks.json").write_text(json.dumps(index))
    assert push(work, second).returncode == 0
    merged = json.loads(git("show", "asv-results:benchmarks.json", cwd=bare))
    assert set(merged) >= {"bench_x.Old.time_run", "bench_x.New.time_run"}
    assert merged["bench_x.Old.time_run"]["version"] == "2"


def test_history_only_grows_and_the_work_tree_is_untouched(origin, tmp_path):
    bare, work = origin
    status_before = git("status", "--porcelain", cwd=work)
    tips = []
    for commit in ("eeee", "ffff"):
        d = tmp_path / commit
        write_result(d, "m", commit, "0.4.31")
        assert push(work, d).returncode == 0
        tips.append(git("rev-parse", "asv-results", cwd=bare).strip())
    subprocess.run(["git", "merge-base", "--is-ancestor", tips[0], tips[1]], cwd=bare, check=True)
    assert git("status", "--porcelain", cwd=work) == status_before
    again = push(work, tmp_path / "ffff")  # the same files once more: nothing to store
    assert again.returncode == 0 and "nothing new to store" in again.stdout
    assert git("rev-parse", "asv-results", cwd=bare).strip() == tips[1]


def test_detect_cli_writes_the_release_to_github_output(tmp_path, monkeypatch):
    detect = load("detect_new_jax")
    pypi = tmp_path / "jax.json"
    pypi.write_text(json.dumps({"releases": {"0.4.31": [{"yanked": False}], "0.11.0": [{"yanked": False}]}}))
    results = tmp_path / "history"
    write_result(results, "jaxnp-ci-2core", "aaaa", "0.4.31")
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    assert detect.main([str(results), "--pypi-json", str(pypi), "--machine", "jaxnp-ci-2core"]) == 0
    assert output.read_text() == "release=0.11.0\nprevious=0.4.31\n"
    write_result(results, "jaxnp-ci-2core", "bbbb", "0.11.0")
    output.write_text("")
    assert detect.main([str(results), "--pypi-json", str(pypi), "--machine", "jaxnp-ci-2core"]) == 0
    assert output.read_text() == ""  # measured already: no run
