"""``jaxnp-releases``: measure JAX releases side by side, bisect a slowdown, sweep a range.

    jaxnp-releases run --releases oldest newest [--selection main] [--rounds 10 --most-rounds 20]
    jaxnp-releases run --releases 0.10.2 --twin --selection timings-M     (A/A calibration)
    jaxnp-releases bisect --good 0.4.31 --bad 0.4.38 --bench 'ScatterAdd.time_run'
    jaxnp-releases sweep --from 0.6.0 --to 0.7.2 --bench 'FusedChain.time_run'
    jaxnp-releases run --releases all --selection full --shard 2/4   (a quarter of it, on one of 4 runners)
    jaxnp-releases merge SHARD_DIR ... --into .asv/results   the shards' results as one directory
    jaxnp-releases matrix [--oldest | --newest]      the JAX releases of asv.conf.json
    jaxnp-releases env-names --releases oldest newest   their asv environment names
    jaxnp-releases machine NAME [--device cpu]       register the asv machine
    jaxnp-releases gpu-config OUT                    the matrix with CUDA 12 builds of JAX

Releases are versions (``0.7.2``) or ``oldest``, ``newest``, ``all`` (the matrix of
asv.conf.json); a release outside the matrix gets a generated environment, jax paired with
its jaxlib from PyPI.  Results (asv result files and the session file) go to the
configuration's results directory (``.asv/results``); ``jaxnp-report`` reads them.

Exit codes: 0 done; 1 a benchmark failed (a wrong result or a crash in a benchmark, listed
at the end; everything else was measured and stored); 2 bad arguments or an environment
that cannot be used, with a one-line message (an unexpected error too, with
"internal error"; ``--debug`` shows its traceback).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import traceback

from . import matrix, rounds
from .launch import generated_config, new_session, report_outcome


def cmd_run(args) -> int:
    from . import selections

    selection = selections.selection_named(args.selection)
    releases = matrix.releases_named(args.releases, args.config)
    if len(releases) < 2 and not args.twin:
        raise matrix.MatrixError("side by side needs two releases or more (or one with --twin)")
    config = generated_config(args, releases, args.twin)
    session = new_session(args, config, selection)
    print(f"selection {selection.name}: {selection.description}"
          + (f"; shard {args.shard} of it" if args.shard else ""), flush=True)
    session.prepare()
    resume = session.resumable() if args.resume else None
    if args.resume and resume is None:
        print("no unfinished session of these releases, commit and selection: starting a new one", flush=True)
    outcome = session.run(resume)
    return report_outcome(outcome, selection)


def cmd_merge(args) -> int:
    from .merge import merge

    counts = merge(args.sources, args.into)
    print(f"merged {len(args.sources)} results director{'y' if len(args.sources) == 1 else 'ies'} into "
          f"{args.into}: {counts['result files']} asv result files, {counts['session files']} session files")
    return 0


def cmd_matrix(args) -> int:
    found = matrix.releases(args.config)
    print(found[0] if args.oldest else found[-1] if args.newest else "\n".join(found))
    return 0


def cmd_env_names(args) -> int:
    from . import asv_adapter

    config = generated_config(args, matrix.releases_named(args.releases, args.config), False)
    for env in asv_adapter.environments(asv_adapter.load_config(config), verbose=False):
        print(env.name)
    return 0


def cmd_machine(args) -> int:
    from .asv_machine import register

    info = register(args.name, args.device)
    print(f"asv machine {args.name!r}: {info['cpu']}; JAX device: {args.device}")
    return 0


def cmd_gpu_config(args) -> int:
    matrix.write_gpu_config(args.out, args.config)
    return 0


def _common(p, run=True):
    p.add_argument("--config", default=str(matrix.CONFIG), help="the asv configuration (default: asv.conf.json)")
    p.add_argument("--results-dir", help="where results go (default: the configuration's)")
    p.add_argument("--env-dir", help="where environments go (default: the configuration's)")
    p.add_argument("--jaxlib-releases", nargs="*",
                   help="jaxlib releases to pair releases outside the matrix with (default: from PyPI)")
    if run:
        from .asv_machine import DEFAULT_MACHINE

        p.add_argument("--machine", default=DEFAULT_MACHINE)
        p.add_argument("--commit", default="HEAD", help="the commit of this project to measure")
        p.add_argument("--rounds", type=int, default=10,
                       help="rounds per combination before the first look (default 10): one measuring process "
                            "per release each")
        p.add_argument("--more-rounds", type=int, default=5,
                       help="rounds added while a pair of releases is undecided (default 5)")
        p.add_argument("--most-rounds", type=int, default=20, help="rounds per combination at most (default 20)")
        p.add_argument("--seed", type=int, help="the random order's seed (default: random, recorded)")
        p.add_argument("--budget", type=float, help="minutes; combinations that would not fit are left out")
        p.add_argument("--no-compile-cache", action="store_true",
                       help="no persistent compilation cache in the measuring processes")
        p.add_argument("--pin", choices=rounds.PINNINGS, default=rounds.PINNINGS[0],
                       help="main (default): each measuring process's main thread pinned to its round's CPU "
                            "while it samples; none: every thread left to the scheduler, as in a plain script")


def parser() -> argparse.ArgumentParser:
    from . import search

    top = argparse.ArgumentParser(prog="jaxnp-releases", description=__doc__.splitlines()[0],
                                  formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    top.add_argument("--debug", action="store_true", help="show the traceback of an internal error")
    sub = top.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="measure releases side by side")
    _common(p)
    p.add_argument("--releases", nargs="+", required=True)
    p.add_argument("--twin", action="store_true", help="one release against a twin of itself (A/A)")
    p.add_argument("--threshold", type=float, default=rounds.Plan.threshold,
                   help="the change each combination must decide: rounds are added (up to --most-rounds) until "
                        "its interval gives a verdict at this threshold or shows the change smaller and is at "
                        "most this wide (default %(default)g, the report's; 1.1 for a 10%% question)")
    p.add_argument("--selection", default="main", help="a declared selection (main, full, timings-M) or a "
                   "benchmark pattern")
    p.add_argument("--plain", type=int, default=0, metavar="N",
                   help="parity check: after each combination, N fresh 'python -m jaxnp_kernels time' processes "
                        "per release, recorded beside it (calibrate.py parity reads them)")
    p.add_argument("--resume", action="store_true",
                   help="continue the newest unfinished session of these releases, commit, selection and shard")
    p.add_argument("--shard", metavar="K/N",
                   help="measure only the K-th of N parts of the selection (every N-th combination in suite "
                        "order), every release side by side: N runners at once, merged by 'jaxnp-releases merge'")
    p.set_defaults(func=cmd_run)
    search.add_commands(sub, _common)
    p = sub.add_parser("merge", help="merge the results directories of several shards into one",
                       description="Merge results directories (one per shard or runner, one machine name) into "
                                   "one: asv result files of the same commit and environment combined, each "
                                   "combination from the one directory that measured it; session files copied. "
                                   "A combination measured twice is an error, and nothing is written.")
    p.add_argument("sources", nargs="+", type=pathlib.Path, help="results directories")
    p.add_argument("--into", type=pathlib.Path, required=True,
                   help="the merged results directory (its own results are kept)")
    p.set_defaults(func=cmd_merge)
    p = sub.add_parser("matrix", help="the JAX releases of the asv configuration")
    p.add_argument("--config", default=str(matrix.CONFIG))
    which = p.add_mutually_exclusive_group()
    which.add_argument("--oldest", action="store_true")
    which.add_argument("--newest", action="store_true")
    p.set_defaults(func=cmd_matrix)
    p = sub.add_parser("env-names", help="asv environment names of releases")
    _common(p, run=False)
    p.add_argument("--releases", nargs="+", required=True)
    p.set_defaults(func=cmd_env_names)
    p = sub.add_parser("machine", help="register the asv machine with a constant description")
    p.add_argument("name")
    p.add_argument("--device", default="cpu", help="the JAX device kind (default: cpu)")
    p.set_defaults(func=cmd_machine)
    p = sub.add_parser("gpu-config", help="the matrix with CUDA 12 builds of JAX")
    p.add_argument("out")
    p.add_argument("--config", default=str(matrix.CONFIG))
    p.set_defaults(func=cmd_gpu_config)
    return top


def main(argv=None) -> int:
    from .runner import RunError

    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (matrix.MatrixError, RunError, ValueError, FileExistsError) as error:  # MergeError is a ValueError
        print(f"jaxnp-releases: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("jaxnp-releases: interrupted (the session file keeps every finished combination; "
              "--resume continues it)", file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 - a crash is never an answer: exit 2, say so
        if args.debug:
            traceback.print_exc()
        print(f"jaxnp-releases: internal error: {type(error).__name__}: {error} (--debug shows the traceback)",
              file=sys.stderr)
        return 2
