"""The packages' layers, read from their source: every import, at module level or in a function.

    jaxnp_kernels (registry, workloads)
        <- jaxnp_results (what a measurement is)
            <- jaxnp_releases (makes measurements)
            <- jaxnp_kernels.report, tools/site (read them)
                <- jaxnp_commands (jaxnp-report's bisect/sweep alias, above both)

jaxnp_releases and the report are peers: neither imports the other.  No module imports
itself back through others.  jaxnp_results needs nothing installed but for :mod:`.roles`
(the registry): the scripts any Python 3.11 runs (``python3 jaxnp_releases/matrix.py``,
``tools/ci/detect_new_jax.py``) and the results check (``python -m jaxnp_results.validate``)
read it with the repository on ``sys.path``.  (See docs/suite.md, "The packages".)
"""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = ("jaxnp_results", "jaxnp_kernels", "jaxnp_releases")
REPORT = "jaxnp_kernels.report"


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, pathlib.Path]:
    """Every module of the three packages: dotted name -> file."""
    return {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def imported(name: str, path: pathlib.Path, known) -> set[str]:
    """The modules ``name`` imports anywhere in its file (``from X import y`` is ``X.y`` when that
    is a module, else ``X``), relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module
            for alias in node.names:
                found.add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imported(name, path, known) for name, path in known.items()}


def within(target: str, package: str) -> bool:
    return target == package or target.startswith(package + ".")


def offending(graph, importers, forbidden) -> str:
    """One line per import of a ``forbidden`` package by a module ``importers`` accepts."""
    return "\n".join(sorted(f"{name} imports {target}" for name, targets in graph.items() if importers(name)
                            for target in targets if any(within(target, f) for f in forbidden)))


def test_the_packages_are_where_the_layers_say():
    assert all((ROOT / package / "__init__.py").is_file() for package in PACKAGES)
    assert (ROOT / "jaxnp_kernels" / "report" / "__init__.py").is_file()


def test_results_import_neither_the_report_nor_the_release_tooling(graph):
    assert offending(graph, lambda m: within(m, "jaxnp_results"), (REPORT, "jaxnp_releases")) == ""


def test_the_report_never_imports_the_release_tooling(graph):
    assert offending(graph, lambda m: within(m, REPORT), ("jaxnp_releases",)) == ""


def test_the_release_tooling_never_imports_the_report(graph):
    assert offending(graph, lambda m: within(m, "jaxnp_releases"), (REPORT,)) == ""


def test_the_kernels_import_nothing_above_them(graph):
    assert offending(graph, lambda m: within(m, "jaxnp_kernels") and not within(m, REPORT),
                     ("jaxnp_results", "jaxnp_releases", REPORT)) == ""


def test_the_command_alias_is_above_every_package(graph):
    assert offending(graph, lambda m: True, ("jaxnp_commands",)) == ""


def test_only_the_asv_adapter_imports_asv(graph):
    """asv's Python API (none of it documented for use from outside) is called from
    jaxnp_releases/asv_adapter.py only, which checks the installed asv first."""
    assert offending(graph, lambda m: m != "jaxnp_releases.asv_adapter", ("asv", "asv_runner")) == ""
    assert any(within(t, "asv") for t in graph["jaxnp_releases.asv_adapter"])


def test_the_site_tools_read_results_without_the_release_tooling():
    found = []
    for path in sorted((ROOT / "tools" / "site").glob("*.py")):
        for target in imported(path.stem, path, ()):
            if within(target, "jaxnp_releases"):
                found.append(f"{path.name} imports {target}")
    assert found == []


def test_the_benchmarks_need_only_the_kernels():
    """asv imports benchmarks/ from the working tree against the package installed at the commit
    it measures: what the benchmarks import must exist at every commit, so only jaxnp_kernels."""
    found = []
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        for target in imported(path.stem, path, ()):
            if any(within(target, p) for p in ("jaxnp_results", "jaxnp_releases", REPORT)):
                found.append(f"{path.name} imports {target}")
    assert found == []


def test_no_import_cycle(graph):
    """Tarjan's strongly connected components over the modules: none holds two modules."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in graph or w == v:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(" <-> ".join(sorted(component)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == [], "\n".join(cycles)


def test_results_need_nothing_installed_but_to_ask_the_registry(graph, tmp_path):
    """``python3 jaxnp_releases/matrix.py`` and tools/ci/detect_new_jax.py run before any
    environment exists, the results check in a job without JAX: jaxnp_results imports only the
    standard library, itself and (in :mod:`jaxnp_results.roles` only) the kernel registry."""
    found = []
    for name, targets in graph.items():
        if within(name, "jaxnp_results"):
            allowed = {"jaxnp_kernels", "jaxnp_kernels.registry"} if name == "jaxnp_results.roles" else set()
            found += [f"{name} imports {t}" for t in sorted(targets) if t.split(".")[0] not in sys.stdlib_module_names
                      and not within(t, "jaxnp_results") and t not in allowed]
    assert found == []
    (tmp_path / "results").mkdir()
    for command in (["jaxnp_releases/matrix.py", "--oldest"], ["tools/ci/detect_new_jax.py", "--help"],
                    ["-m", "jaxnp_results.validate", str(tmp_path / "results")]):
        done = subprocess.run([sys.executable, "-S", *command], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr       # -S: no site-packages, nothing installed
