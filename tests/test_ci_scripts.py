"""The small scripts the workflows call: new-release detection, results storage, gate verdicts."""

import importlib.util
import json
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / "ci" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_result(root, machine, commit, release):
    d = root / machine
    d.mkdir(parents=True, exist_ok=True)
    (d / "machine.json").write_text("{}")
    (d / f"{commit}-jax{release}.json").write_text(json.dumps({"params": {"jax": release}, "results": {}}))


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


def test_render_gate_lists_slowdowns_first_and_says_the_gate_fails():
    gate = load("render_gate")
    text = """
Change   Before [abc] <main>   After [def] <pr>   Ratio   Benchmark (Parameter)
-        1.00±0.01ms           0.50±0.01ms        0.50    bench_elementwise.FusedChain.time_run('jax_jit', 'M', 'float32')
+        1.00±0.01ms           1.40±0.02ms        1.40    bench_loops.LoopTinyBody.time_run('jax_fori', 'M', 'float32')
"""
    rows = gate.parse(text)
    assert [r["change"] for r in rows] == ["faster", "slower"]
    md = gate.render(rows, "1.2")
    assert "the gate fails" in md
    assert md.index("LoopTinyBody") < md.index("FusedChain")
    assert "No benchmark got slower" in gate.render(gate.parse("nothing changed"), "1.2")


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


def push(work, new_dir):
    return subprocess.run([str(ROOT / "tools" / "ci" / "push_results.sh"), str(new_dir), "asv-results"],
                          cwd=work, capture_output=True, text=True)


def test_push_results_appends_and_never_overwrites(origin, tmp_path):
    bare, work = origin
    first = tmp_path / "first"
    write_result(first, "m", "aaaa", "0.4.31")
    assert push(work, first).returncode == 0
    second = tmp_path / "second"
    write_result(second, "m", "bbbb", "0.4.31")
    (second / "m" / "aaaa-jax0.4.31.json").write_text('{"params": {"jax": "changed"}}')  # a rerun
    out = push(work, second)
    assert out.returncode == 0, out.stderr
    assert "kept existing m/aaaa-jax0.4.31.json" in out.stdout
    files = git("ls-tree", "-r", "--name-only", "asv-results", cwd=bare).split()
    assert {"m/aaaa-jax0.4.31.json", "m/bbbb-jax0.4.31.json"} <= set(files)
    kept = git("show", "asv-results:m/aaaa-jax0.4.31.json", cwd=bare)
    assert json.loads(kept)["params"]["jax"] == "0.4.31"


def test_two_racing_pushes_both_land(origin, tmp_path):
    bare, work = origin
    dirs = []
    for commit in ("cccc", "dddd"):
        d = tmp_path / commit
        write_result(d, "m", commit, "0.10.2")
        dirs.append(d)
    procs = [subprocess.Popen([str(ROOT / "tools" / "ci" / "push_results.sh"), str(d), "asv-results"],
                              cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for d in dirs]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    files = git("ls-tree", "-r", "--name-only", "asv-results", cwd=bare).split()
    assert {"m/cccc-jax0.10.2.json", "m/dddd-jax0.10.2.json"} <= set(files)
