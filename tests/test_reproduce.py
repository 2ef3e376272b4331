"""``python -m jaxnp_kernels reproduce``: a standalone script per case, which runs with only jax and numpy.

The scripts carry copies of the workloads' code; these tests check that every case's copy is
complete (its inputs are the registry's, bit for bit), that a script runs in a virtual
environment holding jax and its dependencies and nothing of this project (in several fresh
processes of itself, or one), that a wrong
result fails loudly instead of being timed, and the command's bad-input exits.
"""

import importlib
import importlib.metadata
import os
import pathlib
import re
import subprocess
import sys
import venv

import numpy as np
import pytest

from jaxnp_kernels import __main__ as cli
from jaxnp_kernels import registry, reproduce

CASES = [(w, impl) for w in registry.all_workloads() for impl in w.implementations if "S" in impl.sizes]
OUTPUT_LINE = re.compile(r"^(jax \S+ jaxlib \S+ )?numpy \S+: (\w+)/(\w+) S (float\d+): [\d.e+-]+ ms per call ")


def _definitions(text: str) -> dict:
    """The script's namespace without running its ``main``."""
    namespace = {"__name__": "reproducer"}
    exec(compile(text, "<reproducer>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize(("workload", "impl"), CASES, ids=[f"{w.name}/{i.name}" for w, i in CASES])
def test_every_case_has_a_script_that_makes_the_registrys_inputs(workload, impl):
    text = reproduce.script(workload, impl, "S", "float32")
    namespace = _definitions(text)
    make_inputs = re.search(r"^    made = (\w+)\(np\.random", text, re.MULTILINE).group(1)
    made = namespace[make_inputs](np.random.default_rng(0), np.dtype("float32"), **workload.sizes["S"])
    arrays = made.arrays if hasattr(made, "static") else tuple(made)
    expected = workload.make_inputs("S", "float32")
    assert len(arrays) == len(expected.arrays)
    for got, want in zip(arrays, expected.arrays):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype
    assert (dict(made.static) if hasattr(made, "static") else {}) == dict(expected.static)
    for role in ("reference", "function"):
        name = re.search(rf"^    {'reference = ' if role == 'reference' else 'call = functools.partial[(]'}(\w+)",
                         text, re.MULTILINE).group(1)
        assert callable(namespace[name])
    assert "jaxnp_kernels" not in text.split('"""', 2)[2]  # nothing of the package beyond the docstring


def test_float64_scripts_turn_on_64_bit_jax_before_anything_runs():
    text = reproduce.script("fused_chain", "jax_jit", "S", "float64")
    assert 'jax.config.update("jax_enable_x64", True)' in text
    assert text.index("jax_enable_x64") < text.index("def main")
    assert "jax_enable_x64" not in reproduce.script("fused_chain", "jax_jit", "S", "float32")
    assert "jax_enable_x64" not in reproduce.script("fused_chain", "numpy", "S", "float64")


def _bare_environment(path: pathlib.Path) -> pathlib.Path:
    """A virtual environment with jax and its dependencies (linked from this one), nothing else."""
    venv.EnvBuilder(with_pip=False).create(path)
    site = next(path.glob("lib/python*/site-packages"))
    wanted, todo = set(), ["jax"]
    while todo:
        name = todo.pop()
        dist = importlib.metadata.distribution(name)
        if dist.metadata["Name"].lower() in wanted:
            continue
        wanted.add(dist.metadata["Name"].lower())
        for requirement in dist.requires or []:
            if "extra ==" not in requirement:
                todo.append(re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0])
        for file in dist.files or []:
            top = file.parts[0]
            source = pathlib.Path(dist.locate_file(top))
            if top not in ("..", "__pycache__") and not (site / top).exists() and source.exists():
                (site / top).symlink_to(source)
    assert "jaxnp-bench" not in wanted and not list(site.glob("*jaxnp*"))
    return path / "bin" / "python"


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    return _bare_environment(tmp_path_factory.mktemp("bare") / "env")


def _run(python, script: pathlib.Path, *args: str):
    env = {"PATH": os.environ["PATH"], "HOME": str(script.parent)}
    return subprocess.run([str(python), "-I", str(script), *args], capture_output=True, text=True,
                          cwd=script.parent, env=env, timeout=600)


@pytest.mark.parametrize(("workload", "impl", "dtype"), [
    ("stencil2d", "jax_fori", "float32"),       # the common shape: static parameters, jit
    ("stencil2d", "numpy", "float32"),          # a NumPy row
    ("custom_jvp", "jax_jit", "float32"),       # a definition attached by a decorator (@softplus.defjvp)
    ("parallel", "jax_shard_map", "float32"),   # compat's helpers copied in, two host devices
    ("random_normal", "jax_jit", "float64"),    # the workload's own statistical check, x64
    ("inplace_set", "jax_at_set_donated", "float32"),  # donated buffers: the result carries the state
])
def test_a_script_verifies_and_times_with_only_jax_and_numpy(bare_python, tmp_path, workload, impl, dtype):
    script = tmp_path / "reproduce_case.py"
    assert cli.main(["reproduce", f"{workload}/{impl}", "--size", "S", "--dtype", dtype, "-o", str(script)]) == 0
    done = _run(bare_python, script, "--processes", "2")  # the script runs itself in two fresh processes
    assert done.returncode == 0, done.stderr[-3000:]
    line = done.stdout.strip().splitlines()[-1]
    names_jax, *case = OUTPUT_LINE.match(line).groups()
    assert case == [workload, impl, dtype]
    assert (names_jax is not None) == impl.startswith("jax")
    assert "(median of 2 fresh processes" in line and done.stdout.count("ms per call") == 1


def test_one_process_prints_its_samples_and_bad_counts_are_refused(bare_python, tmp_path):
    script = tmp_path / "reproduce_case.py"
    script.write_text(reproduce.script("stencil2d", "numpy", "S", "float32"))
    done = _run(bare_python, script, "--processes", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(r"ms per call \(median of 7 samples of \d+ calls", done.stdout)
    done = _run(bare_python, script, "--processes", "0")
    assert done.returncode == 2 and "--processes must be at least 1" in done.stderr


def test_a_wrong_result_fails_loudly_and_is_not_timed(bare_python, tmp_path):
    text = reproduce.script("stencil2d", "jax_fori", "S", "float32")
    wrong = text.replace("    reference = numpy_jacobi(", "    reference = 1e-3 + numpy_jacobi(")
    assert wrong != text
    script = tmp_path / "wrong.py"
    script.write_text(wrong)
    done = _run(bare_python, script)  # the first of its fresh processes fails: the script stops there
    assert done.returncode == 1
    assert done.stderr.count("FAILED: output 0 differs from the NumPy reference") == 1
    assert "ms per call" not in done.stdout


def test_bad_input_exits_2_or_3_with_one_line(capsys):
    assert cli.main(["reproduce", "no_such_workload", "jax_jit"]) == 2
    assert "unknown workload 'no_such_workload'" in capsys.readouterr().err
    assert cli.main(["reproduce", "stencil2d"]) == 2
    assert "valid: numpy, jax_fori" in capsys.readouterr().err
    assert cli.main(["reproduce", "stencil2d", "jax_nothing"]) == 2
    assert "has no implementation 'jax_nothing'" in capsys.readouterr().err
    assert cli.main(["reproduce", "stencil2d/jax_eager", "--size", "L"]) == 3
    assert "does not run at size L" in capsys.readouterr().err


def test_code_from_elsewhere_in_the_package_is_refused_not_guessed(tmp_path, monkeypatch):
    (tmp_path / "workload_using_the_registry.py").write_text(
        "from jaxnp_kernels.registry import get\n\n\n"
        "def make_inputs(rng, dtype):\n"
        "    return get('stencil2d').make_inputs('S', dtype)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("workload_using_the_registry")
    with pytest.raises(reproduce.NotReproducible, match="uses 'get' from this package"):
        reproduce._Collector().add_object(module.make_inputs)
