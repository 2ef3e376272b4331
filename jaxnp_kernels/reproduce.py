"""A self-contained script that times one case as the suite does: a reproducer for a finding.

A user who wants to file an upstream issue from a verdict needs a program that shows it with
nothing of this project installed.  :func:`script` writes one for a workload, an
implementation, a size and a dtype: the workload's own source (its input generator, its NumPy
reference, the implementation and whatever module-level code they use, copied from the
workload's module), the inputs made with NumPy from the seed the suite uses, the result checked
against the NumPy reference with the workload's tolerance, a warm-up, then samples of calls,
each JAX call ending in ``block_until_ready``, all of it in several fresh processes (the script
runs itself again, ``--processes``), and one line of output naming the JAX release.
The script imports only the standard library, ``numpy`` and ``jax``.

The code is copied, not paraphrased: the definitions a case needs are found by following the
names its functions use through their module (and through the few helpers of
:mod:`jaxnp_kernels.compat` a workload calls), so the script runs exactly the program the suite
times.  Registry names a workload's code uses (``Inputs``, ``Unsupported``) get two-line
stand-ins; anything else of this package is refused with a clear error rather than guessed.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import re
import sys
import textwrap

import numpy as np

from . import registry
from .registry import Implementation, Workload

#: The samples each of the script's processes takes (as ``python -m jaxnp_kernels time``) and how
#: long each lasts.
REPEAT = 7
#: The fresh processes the script times by default (``--processes``), the median of their medians
#: printed: on a 2-core machine a microsecond kernel's time differs from process to process by up
#: to 3x (gather_rows on JAX 0.4.31: 11 to 38 us in eight runs of one script), so one process is
#: not a measurement; as in the suite, the process is the unit of replication.
PROCESSES = 5
SAMPLE_SECONDS = 0.01
WARMUP_SECONDS = 0.05

#: What the script defines itself in place of the registry's names a workload's code uses.
STAND_INS = {
    "Inputs": '''class Inputs:
    """What make_inputs returns: arrays passed positionally, static keyword parameters."""

    def __init__(self, arrays, static=None):
        self.arrays, self.static = tuple(arrays), dict(static or {})
''',
    "Unsupported": '''class Unsupported(Exception):
    """This program cannot run here (too few devices, a missing JAX feature)."""
''',
}
_PACKAGE = registry.__package__
#: Modules of this package whose functions a workload may call as ``module.function``: their
#: definitions are copied into the script and the calls lose the prefix.
INLINED_MODULES = ("compat",)


class NotReproducible(ValueError):
    """The case's code uses something of this package that a standalone script cannot carry."""


class _Module:
    """A module's top-level statements: which names each defines, and its imports."""

    def __init__(self, module):
        self.module = module
        self.source = inspect.getsource(module)
        self.lines = self.source.splitlines()
        self.tree = ast.parse(self.source)
        self.definitions: dict[str, ast.stmt] = {}
        self.imports: dict[str, ast.stmt] = {}
        #: definitions that attach themselves to a name (``@softplus.defjvp``, ``f.defvjp(...)``):
        #: copied along with it, though nothing calls them by name
        self.attached: dict[str, list[str]] = {}
        for index, node in enumerate(self.tree.body):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    self.imports[(alias.asname or alias.name).split(".")[0]] = node
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                self.definitions[node.name] = node
                for decorator in node.decorator_list:
                    self._attach(decorator, node.name)
            elif isinstance(node, ast.Expr):  # a call at module level, e.g. f.defjvp(rule)
                key = f"<statement {index}>"
                self.definitions[key] = node
                self._attach(node.value, key)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            self.definitions[name.id] = node

    def _attach(self, expression: ast.expr, name: str) -> None:
        for sub in ast.walk(expression):
            if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name):
                self.attached.setdefault(sub.value.id, []).append(name)

    def segment(self, node: ast.stmt) -> str:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        return "\n".join(self.lines[first - 1:node.end_lineno])

    def is_own(self, node: ast.stmt) -> bool:
        """Whether an import takes something of this package (relatively or by its name)."""
        if isinstance(node, ast.ImportFrom):
            return node.level > 0 or (node.module or "").split(".")[0] == _PACKAGE
        return any(alias.name.split(".")[0] == _PACKAGE for alias in node.names)


def _used_names(node: ast.stmt) -> tuple[set[str], set[tuple[str, str]]]:
    """The names a statement reads that it does not bind itself (arguments, assignments,
    loop and comprehension variables), and the ``module.attribute`` pairs it reads.

    Any binding in the statement counts throughout it: this package's workload functions do
    not bind a name they also read from their module."""
    bound, names, attributes = set(), set(), set()
    for sub in ast.walk(node):
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub is not node:
            bound.add(sub.name)
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            bound.add(sub.name)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in sub.names)
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = sub.args
            bound.update(a.arg for a in args.posonlyargs + args.args + args.kwonlyargs)
            bound.update(a.arg for a in (args.vararg, args.kwarg) if a is not None)
        elif isinstance(sub, ast.Name):
            (names if isinstance(sub.ctx, ast.Load) else bound).add(sub.id)
        elif isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name):
            attributes.add((sub.value.id, sub.attr))
    return names - bound, attributes


class _Collector:
    """Follows names from the case's functions to every definition and import they need."""

    def __init__(self):
        self.modules: dict[str, _Module] = {}
        self.needed: dict[str, list[str]] = {}  # module name -> definition names, in source order
        self.imports: list[str] = []
        self.stand_ins: list[str] = []
        self.inlined: list[str] = []

    def module(self, module) -> _Module:
        if module.__name__ not in self.modules:
            self.modules[module.__name__] = _Module(module)
        return self.modules[module.__name__]

    def add_object(self, obj) -> str:
        """Add the top-level function ``obj`` and what it uses; its name in the script."""
        module = sys.modules[obj.__module__]
        name = obj.__name__
        if getattr(module, name, None) is not obj:
            raise NotReproducible(f"{obj!r} is not a top-level function of {module.__name__}")
        self.add(self.module(module), name)
        return name

    def add(self, mod: _Module, name: str) -> None:
        needed = self.needed.setdefault(mod.module.__name__, [])
        if name in needed:
            return
        node = mod.definitions[name]
        needed.append(name)
        names, attributes = _used_names(node)
        for used in sorted(names):
            self._resolve(mod, used, attributes)
        for attached in mod.attached.get(name, []):
            self.add(mod, attached)

    def _resolve(self, mod: _Module, name: str, attributes) -> None:
        if name in mod.definitions:
            self.add(mod, name)
        elif name in mod.imports:
            node = mod.imports[name]
            if not mod.is_own(node):
                text = ast.unparse(_only_alias(node, name))
                if text not in self.imports:
                    self.imports.append(text)
            elif name in STAND_INS:
                if name not in self.stand_ins:
                    self.stand_ins.append(name)
            elif name in INLINED_MODULES:
                inner = self.module(sys.modules[f"{_PACKAGE}.{name}"])
                if name not in self.inlined:
                    self.inlined.append(name)
                for module_name, attribute in sorted(attributes):
                    if module_name == name:
                        self.add(inner, attribute)
            else:
                raise NotReproducible(f"{mod.module.__name__} uses {name!r} from this package, which a "
                                      "standalone script cannot carry")
        elif not hasattr(builtins, name):
            raise NotReproducible(f"{mod.module.__name__}: cannot tell where {name!r} comes from")

    def source(self) -> str:
        """The imports, stand-ins and definitions, dependencies' modules first."""
        parts = []
        order = sorted(self.needed, key=lambda m: m.rsplit(".", 1)[-1] not in INLINED_MODULES)
        for module_name in order:
            mod = self.modules[module_name]
            wanted = set(self.needed[module_name])
            for node in mod.tree.body:
                names = [n for n, d in mod.definitions.items() if d is node and n in wanted]
                if names:
                    parts.append(_strip_prefixes(mod.segment(node), self.inlined))
        return "\n\n\n".join(parts)


def _only_alias(node, name):
    """An import statement reduced to the one name the script needs from it."""
    kept = [a for a in node.names if (a.asname or a.name).split(".")[0] == name]
    if isinstance(node, ast.Import):
        return ast.Import(names=kept)
    return ast.ImportFrom(module=node.module, names=kept, level=0)


def _strip_prefixes(text: str, modules: list[str]) -> str:
    for module in modules:
        text = re.sub(rf"\b{module}\.", "", text)
    return text


def _implementation(workload: Workload, implementation: str | Implementation) -> Implementation:
    return workload.implementation(implementation) if isinstance(implementation, str) else implementation


def script(workload: str | Workload, implementation: str | Implementation, size: str = "M",
           dtype: str = "float32", seed: int = 0, commit: str | None = None) -> str:
    """The text of a standalone Python script that verifies and times one case.

    Raises ``ValueError`` for unknown names (listing the valid ones), :class:`registry.Unsupported`
    when the implementation does not run at ``size``, and :class:`NotReproducible` when its code
    needs more of this package than a script can carry.
    """
    w = registry.get(workload) if isinstance(workload, str) else workload
    impl = _implementation(w, implementation)
    params = dict(w.size_params(size))
    dtype_name = w.check_dtype(dtype).name
    if size not in impl.sizes:
        raise registry.Unsupported(f"{w.name}/{impl.name} does not run at size {size} "
                                   f"(runs at {', '.join(impl.sizes)})")
    collector = _Collector()
    make_inputs = collector.add_object(w.make_inputs_fn)
    reference = collector.add_object(w.reference.function)
    function = collector.add_object(impl.function)
    placement = collector.add_object(impl.placement) if impl.placement is not None else None
    check = collector.add_object(w.check) if w.check is not None else None
    rtol, atol = w.tolerance_for(dtype_name)
    collector.imports.append("import numpy as np")  # the script's own code uses it
    if impl.is_jax:
        collector.imports.append("import jax")
    paragraphs = [" ".join(p.split()) for p in w.description.split("\n\n")[:2]]
    values = {
        "title": f"{w.name}/{impl.name} at size {size} in {dtype_name}",
        "made_by": (f"python -m jaxnp_kernels reproduce {w.name} {impl.name} --size {size} --dtype {dtype_name}"
                    + (f" (jaxnp-bench {commit})" if commit else "")),
        "summary": "\n\n".join(textwrap.fill(p, 96) for p in paragraphs),
        "timed": textwrap.fill(
            f"The implementation timed: {impl.description}.  The inputs are made with NumPy (seed {seed}), "
            f"the result is checked against the NumPy reference (rtol={rtol!r}, atol={atol!r}), "
            f"compilation and a warm-up are left out, then {REPEAT} samples of calls are timed (each JAX "
            f"call waits for its result with block_until_ready). This is done in {PROCESSES} fresh "
            "processes (--processes N; a short kernel's time differs from process to process) and the "
            "median of their medians printed, with the versions, on one line.", 96),
        "devices": "\n" + _DEVICES if impl.placement is not None else "",
        "imports": _import_block(collector.imports + [f"import {m}" for m in _SCRIPT_MODULES]),
        "x64": f"\njax.config.update(\"jax_enable_x64\", True)  # float64 arrays stay float64 in JAX\n"
               if impl.is_jax and dtype_name == "float64" else "",
        "stand_ins": "".join(f"\n\n{STAND_INS[n]}" for n in collector.stand_ins),
        "definitions": collector.source(),
        "workload": w.name, "implementation": impl.name, "size": size, "dtype": dtype_name,
        "params": repr(params), "seed": seed, "rtol": repr(rtol), "atol": repr(atol),
        "atol_scaled": repr(w.atol_scales_with_output),
        "make_inputs": make_inputs, "reference": reference, "function": function,
        "is_jax": repr(impl.is_jax), "jit": repr(impl.jit), "donate": repr(tuple(impl.donate_argnums)),
        "carries_state": repr(impl.carries_state),
        "placement": placement or "None", "check": check or "None",
        "repeat": REPEAT, "processes": PROCESSES, "sample_seconds": SAMPLE_SECONDS, "warmup_seconds": WARMUP_SECONDS,
    }
    return _TEMPLATE.format(**values)


#: The standard library modules the script's own code uses.
_SCRIPT_MODULES = ("argparse", "functools", "gc", "os", "statistics", "subprocess", "sys", "time")


def _import_block(lines: list[str]) -> str:
    """The imports, the standard library's first, then the rest; ``import x`` before ``from x``."""
    groups: tuple[set, set] = (set(), set())
    for line in lines:
        groups[line.split()[1].split(".")[0] not in sys.stdlib_module_names].add(line)

    def order(line):
        return line.split()[1], line.startswith("from"), line

    return "\n\n".join("\n".join(sorted(g, key=order)) for g in groups if g)


_DEVICES = '''import os

# This implementation spreads its work over two devices: on a CPU, two host devices (as the
# suite's environments set it), made before JAX starts.
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=2")
'''

_TEMPLATE = '''"""Reproducer: {title}.

Written by `{made_by}`.
It needs only numpy, jax and jaxlib: run it with `python THIS_FILE` in each environment to compare.

The workload (its docstring in jaxnp-bench):

{summary}

{timed}
"""
{devices}
{imports}
{x64}{stand_ins}

# ---- the workload's code, copied from jaxnp-bench ------------------------------------------

{definitions}


# ---- the case ------------------------------------------------------------------------------

WORKLOAD, IMPLEMENTATION, SIZE, DTYPE = {workload!r}, {implementation!r}, {size!r}, {dtype!r}
PARAMS = {params}
SEED = {seed}
RTOL, ATOL, ATOL_SCALES_WITH_OUTPUT = {rtol}, {atol}, {atol_scaled}
IS_JAX, JIT, DONATE_ARGNUMS, CARRIES_STATE = {is_jax}, {jit}, {donate}, {carries_state}
PLACEMENT, CHECK = {placement}, {check}
REPEAT = {repeat}
PROCESSES = {processes}


def leaves(tree):
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in leaves(item)]
    return [tree]


def verify(result, reference):
    """Every output as the NumPy reference's: same shape and dtype, within the tolerance."""
    got, want = leaves(result), leaves(reference)
    if len(got) != len(want):
        sys.exit(f"FAILED: {{len(got)}} outputs, the NumPy reference has {{len(want)}}")
    for i, (g, w) in enumerate(zip(got, want)):
        g, w = np.asarray(g), np.asarray(w)
        if g.shape != w.shape or (w.dtype.kind == "f" and g.dtype != w.dtype):
            sys.exit(f"FAILED: output {{i}} is {{g.dtype}}{{g.shape}}, the NumPy reference {{w.dtype}}{{w.shape}}")
        if CHECK is not None:
            ok, detail = CHECK(g, w, RTOL, ATOL)
        else:
            atol = ATOL * float(np.abs(w).max(initial=0.0)) if ATOL_SCALES_WITH_OUTPUT else ATOL
            ok = bool(np.allclose(g, w, rtol=RTOL, atol=atol)) and bool(np.isfinite(w).all())
            detail = f"largest deviation {{float(np.max(np.abs(g.astype(float) - w.astype(float)))):.3g}}"
        if not ok:
            sys.exit(f"FAILED: output {{i}} differs from the NumPy reference beyond rtol={{RTOL}}, "
                     f"atol={{ATOL}}: {{detail}}")


def measure():
    """One process's median time per call (seconds), its calls per sample, and its samples."""
    made = {make_inputs}(np.random.default_rng(SEED), np.dtype(DTYPE), **PARAMS)
    arrays, static = (made.arrays, made.static) if hasattr(made, "static") else (tuple(made), {{}})
    reference = {reference}(*[a.copy() for a in arrays], **static)
    call = functools.partial({function}, **static) if static else {function}
    args = tuple(a.copy() for a in arrays)
    if IS_JAX:
        if JIT:
            call = jax.jit(call, donate_argnums=DONATE_ARGNUMS)
        args = tuple(PLACEMENT(args)) if PLACEMENT else tuple(jax.device_put(a) for a in args)

    def run():
        nonlocal args
        out = call(*args)
        if IS_JAX:
            out = jax.block_until_ready(out)  # JAX dispatch is asynchronous
        if CARRIES_STATE:  # the result is the next call's first argument (donated or updated in place)
            args = ((out[0] if isinstance(out, tuple) else out),) + args[1:]
        return out

    verify(run(), reference)  # the first call compiles; a wrong result is never timed
    started = time.perf_counter()
    while time.perf_counter() - started < {warmup_seconds}:
        run()
    number = 1
    while True:  # calls per sample: a sample lasts at least {sample_seconds} s
        t0 = time.perf_counter()
        for _ in range(number):
            run()
        if time.perf_counter() - t0 >= {sample_seconds} or number >= 1 << 20:
            break
        number *= 2
    samples = []
    gc.disable()  # as timeit does: a collection would land on whichever sample crossed its threshold
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        for _ in range(number):
            run()
        samples.append((time.perf_counter() - t0) / number)
    gc.enable()
    return statistics.median(samples), number, samples


def versions():
    text = f"numpy {{np.__version__}}"
    if "jax" in sys.modules:
        import jaxlib

        text = f"jax {{jax.__version__}} jaxlib {{getattr(jaxlib, '__version__', '?')}} {{text}}"
    return text


def one_process_of_many():
    """Run this script again in a fresh process (same interpreter and flags): its median."""
    command = [sys.executable, *(["-I"] if sys.flags.isolated else []), os.path.abspath(__file__), "--one-process"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:  # a wrong result or a crash: its message, its exit status
        sys.stderr.write(done.stderr)
        sys.exit(done.returncode)
    return float(done.stdout.split()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=PROCESSES,
                        help=f"fresh processes to time, each verifying its result (default {{PROCESSES}}): "
                             "a short kernel's time differs from process to process")
    parser.add_argument("--one-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.processes < 1:
        parser.error("--processes must be at least 1")
    if args.one_process:
        print(f"median seconds per call {{measure()[0]!r}}")
        return
    if args.processes == 1:
        median, number, samples = measure()
        print(f"{{versions()}}: {{WORKLOAD}}/{{IMPLEMENTATION}} {{SIZE}} {{DTYPE}}: {{median * 1e3:.4g}} ms per call "
              f"(median of {{len(samples)}} samples of {{number}} calls, {{min(samples) * 1e3:.4g}} to "
              f"{{max(samples) * 1e3:.4g}} ms), result checked against NumPy")
        return
    medians = [one_process_of_many() for _ in range(args.processes)]
    print(f"{{versions()}}: {{WORKLOAD}}/{{IMPLEMENTATION}} {{SIZE}} {{DTYPE}}: "
          f"{{statistics.median(medians) * 1e3:.4g}} ms per call (median of {{len(medians)}} fresh processes, "
          f"each the median of {{REPEAT}} samples; processes {{min(medians) * 1e3:.4g}} to "
          f"{{max(medians) * 1e3:.4g}} ms), result checked against NumPy in each")


if __name__ == "__main__":
    main()
'''
