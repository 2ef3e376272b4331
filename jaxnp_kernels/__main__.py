"""Command line: ``python -m jaxnp_kernels {list,verify,time,machine,cold-start}``.

``list``        workloads, their claims, sizes, dtypes and implementations
``verify``      run every implementation against the NumPy reference, print a table
``time``        median seconds per call of implementations (JAX vs NumPy side by side)
``machine``     measured copy bandwidth and matmul peak (``--steadiness S``: speed variation)
``cold-start``  first-call latency of a jitted implementation in this (new) process
``reproduce``   print a standalone script (only numpy and jax) that verifies and times one case

Exit codes: 0 success, 1 a verification failed, 2 bad arguments, 3 unsupported here.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from . import registry
from .registry import Unsupported, VerificationError


def _workloads(names):
    return [registry.get(n) for n in names] if names else list(registry.all_workloads())


def cmd_list(args) -> int:
    rows = []
    for w in _workloads(args.workloads):
        rows.append({"name": w.name, "area": w.area, "claims": list(w.claims), "dtypes": list(w.dtypes),
                     "sizes": {k: dict(v) for k, v in w.sizes.items()},
                     "implementations": list(w.implementation_names)})
    if args.json:
        print(json.dumps(rows))
        return 0
    for row in rows:
        sizes = "  ".join(f"{k}:{','.join(f'{p}={v}' for p, v in ps.items())}" for k, ps in row["sizes"].items())
        print(f"{row['name']}  [{row['area']}]  claims: {', '.join(row['claims'])}")
        print(f"    implementations: {', '.join(row['implementations'])}")
        print(f"    dtypes: {', '.join(row['dtypes'])}    sizes: {sizes}")
    print(f"{len(rows)} workloads")
    return 0


def cmd_verify(args) -> int:
    from .timing import Case

    failures = 0
    print(f"{'workload':<18} {'implementation':<22} {'dtype':<8} {'size':<4} result")
    for w in _workloads(args.workloads):
        for dtype in args.dtype or w.dtypes:
            if dtype not in w.dtypes:
                continue
            reference = None
            for impl in w.implementations:
                try:
                    case = Case(w, impl, args.size, dtype)
                    case.prepare(warmup_calls=0, reference=reference)
                    reference = case.reference
                    status = "ok"
                except Unsupported as why:
                    status = f"skipped: {why}"
                except VerificationError as error:
                    failures += 1
                    status = f"FAILED: {error}"
                print(f"{w.name:<18} {impl.name:<22} {dtype:<8} {args.size:<4} {status}", flush=True)
    return 1 if failures else 0


def cmd_time(args) -> int:
    from .timing import Case

    w = registry.get(args.workload)
    dtype = args.dtype or w.dtypes[0]
    impls = args.impl or list(w.implementation_names)
    results = []
    for name in impls:
        try:
            case = Case(w, name, args.size, dtype).prepare()
        except Unsupported as why:
            results.append({"implementation": name, "skipped": str(why)})
            continue
        samples = case.time(repeat=args.repeat)
        cost = case.cost
        median = statistics.median(samples)
        results.append({"implementation": name, "median_seconds": median, "samples": samples,
                        "gflops": cost.flops / median / 1e9, "gbytes_per_s": cost.bytes / median / 1e9})
    if args.json:
        if len(results) == 1 and "skipped" in results[0]:
            print(results[0]["skipped"], file=sys.stderr)
            return 3
        print(json.dumps({"workload": w.name, "size": args.size, "dtype": dtype, "results": results,
                          **({"median_seconds": results[0]["median_seconds"]} if len(results) == 1 else {})}))
        return 0
    base = next((r["median_seconds"] for r in results if r["implementation"] == "numpy" and "median_seconds" in r), None)
    print(f"{w.name} size={args.size} dtype={dtype}")
    for r in results:
        if "skipped" in r:
            print(f"  {r['implementation']:<22} skipped: {r['skipped']}")
            continue
        ratio = f"  {base / r['median_seconds']:6.2f}x vs numpy" if base else ""
        print(f"  {r['implementation']:<22} {r['median_seconds'] * 1e3:10.3f} ms  "
              f"{r['gflops']:8.2f} GFLOP/s  {r['gbytes_per_s']:7.2f} GB/s{ratio}")
    return 0


def cmd_machine(args) -> int:
    from . import machine

    if args.steadiness:
        return _report_steadiness(machine.steadiness(args.steadiness), args.json)
    limits = machine.probe()
    if args.json:
        print(json.dumps(limits.as_dict()))
    else:
        print(f"processor: {limits.processor} ({limits.cpu_count} CPUs)")
        print(f"copy bandwidth: {limits.copy_gbytes_per_s:.2f} GB/s")
        print(f"float32 matmul: {limits.matmul_f32_gflops:.1f} GFLOP/s")
        print(f"thread settings: {machine.thread_settings() or 'defaults'}")
    return 0


def _report_steadiness(result: dict, as_json: bool) -> int:
    if as_json:
        print(json.dumps({k: v for k, v in result.items() if k != "samples"}))
        return 0
    ms = {k: result[k] * 1e3 for k in ("fastest", "median", "slowest")}
    print(f"fixed Python loop, {len(result['samples'])} samples: fastest {ms['fastest']:.2f} ms, "
          f"median {ms['median']:.2f} ms, slowest {ms['slowest']:.2f} ms")
    print(f"spread {result['spread']:.2f}x; {result['slow_fraction']:.0%} of the samples more "
          "than 10% slower than the fastest")
    if result["spread"] > 1.1:
        print(f"this machine's speed varies by up to {result['spread']:.2f}x from one moment to the "
              "next: two separate runs cannot resolve changes much smaller than that "
              "(asv continuous, which interleaves the two commits, can)")
    return 0


def cmd_cold_start(args) -> int:
    t_start = time.perf_counter()
    import jax

    from . import compat
    from .timing import Case

    if args.cache_dir:
        compat.enable_persistent_cache(args.cache_dir)
    import_seconds = time.perf_counter() - t_start
    case = Case(args.workload, args.impl, args.size, args.dtype)
    if not case.impl.jit:
        print(f"{case.workload.name}/{case.impl.name} is not jitted", file=sys.stderr)
        return 3
    inputs = case.workload.make_inputs(args.size, case.dtype)
    fn = case.impl.function
    with compat.dtype_scope(case.dtype):
        device_args = [jax.device_put(a) for a in inputs.arrays]
        jitted = jax.jit(lambda *a: fn(*a, **inputs.static))
        t0 = time.perf_counter()
        compat.block_until_ready(jitted(*device_args))
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        compat.block_until_ready(jitted(*device_args))
        second = time.perf_counter() - t0
    out = {"first_call_seconds": first, "second_call_seconds": second,
           "import_seconds": import_seconds, "cache_dir": args.cache_dir}
    print(json.dumps(out) if args.json else out)
    return 0


def cmd_reproduce(args) -> int:
    from . import reproduce

    workload, implementation = args.workload, args.implementation
    if implementation is None:
        workload, _, implementation = workload.partition("/")
        if not implementation:
            valid = ", ".join(registry.get(workload).implementation_names)  # an unknown workload says so
            raise ValueError(f"name the implementation: {workload} IMPLEMENTATION or {workload}/IMPLEMENTATION "
                             f"(a report row's case id); valid: {valid}")
    dtype = args.dtype or registry.get(workload).dtypes[0]
    text = reproduce.script(workload, implementation, args.size, dtype, commit=_commit())
    if args.output:
        with open(args.output, "w") as out:
            out.write(text)
        print(f"wrote {args.output}: run it with `python {args.output}` in each environment to compare",
              file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _commit() -> str | None:
    """The checkout's commit, if this package runs from one (for the script's provenance line)."""
    import pathlib
    import subprocess

    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=pathlib.Path(__file__).parent, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m jaxnp_kernels", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="list workloads")
    p.add_argument("workloads", nargs="*")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("verify", help="verify implementations against NumPy")
    p.add_argument("workloads", nargs="*")
    p.add_argument("--size", default="S", choices=registry.SIZE_NAMES)
    p.add_argument("--dtype", action="append", choices=registry.DTYPE_NAMES)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("time", help="time implementations of one workload")
    p.add_argument("workload")
    p.add_argument("--impl", action="append", help="implementation (repeatable; default: all)")
    p.add_argument("--size", default="M", choices=registry.SIZE_NAMES)
    p.add_argument("--dtype", choices=registry.DTYPE_NAMES)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_time)

    p = sub.add_parser("machine", help="measure copy bandwidth and matmul peak")
    p.add_argument("--json", action="store_true")
    p.add_argument("--steadiness", type=float, metavar="SECONDS",
                   help="instead, time a fixed Python loop every 0.2 s for SECONDS: how much "
                        "this machine's speed varies")
    p.set_defaults(func=cmd_machine)

    p = sub.add_parser("cold-start", help="first-call latency in this new process")
    p.add_argument("workload")
    p.add_argument("--impl", default="jax_jit")
    p.add_argument("--size", default="S", choices=registry.SIZE_NAMES)
    p.add_argument("--dtype", default="float32", choices=registry.DTYPE_NAMES)
    p.add_argument("--cache-dir")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_cold_start)

    p = sub.add_parser("reproduce", help="print a standalone script that verifies and times one case",
                       description="Print a self-contained Python script (it imports only numpy and jax) "
                                   "that makes the workload's inputs, checks the implementation against "
                                   "the NumPy reference and times it as the suite does: a reproducer to "
                                   "run in each JAX release of a finding, or to attach to an upstream issue.")
    p.add_argument("workload", help="a workload, or WORKLOAD/IMPLEMENTATION as a report row names it")
    p.add_argument("implementation", nargs="?")
    p.add_argument("--size", default="M", choices=registry.SIZE_NAMES)
    p.add_argument("--dtype", choices=registry.DTYPE_NAMES)
    p.add_argument("--output", "-o", help="write the script to this file instead of printing it")
    p.set_defaults(func=cmd_reproduce)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Unsupported as why:
        print(f"unsupported: {why}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
