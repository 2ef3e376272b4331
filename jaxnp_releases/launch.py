"""A side-by-side session as the commands start it: its configuration, its settings, its outcome.

``jaxnp-releases run`` and the searches (bisect, sweep: :mod:`.search`) measure the same way:
:func:`generated_config` writes an asv configuration holding just the chosen releases,
:func:`new_session` makes the runner's session from the command's arguments, and
:func:`report_outcome` prints what it measured and gives the command's exit code.
"""

from __future__ import annotations

import pathlib
import sys

from jaxnp_results.config import read_config

from . import matrix


def generated_config(args, releases: list[str], twin: bool) -> pathlib.Path:
    """A configuration holding exactly the environments of ``releases`` (and a twin)."""
    base = pathlib.Path(args.config)
    conf = read_config(base)
    jaxlibs = None
    entries = []
    for release in releases:
        try:
            entries.append(matrix.entry_for(conf, release))
        except matrix.MatrixError:
            if jaxlibs is None:
                jaxlibs = args.jaxlib_releases or matrix.pypi_versions("jaxlib")
            entries.append(matrix.entry_for(conf, release, matrix.paired_jaxlib(release, jaxlibs)))
    if twin:
        if len(entries) != 1:
            raise matrix.MatrixError("--twin measures one release against itself: give exactly one release")
        entries.append(matrix.twin_entry(entries[0]))
    name = "+".join(releases) + ("-twin" if twin else "")
    return matrix.write_config(entries, base.resolve().parent / ".asv" / "generated" / f"jax-{name}.conf.json",
                               base, env_dir=args.env_dir, results_dir=args.results_dir)


def new_session(args, config: pathlib.Path, selection):
    """The runner's session of ``config``'s environments with the command's settings (not started)."""
    from .runner import RunError, SessionRunner, Settings, Shard

    from .rounds import PINNINGS, Plan

    try:
        plan = Plan(rounds=args.rounds, more=args.more_rounds, most=max(args.rounds, args.most_rounds),
                    threshold=getattr(args, "threshold", Plan.threshold))
    except ValueError as error:
        raise RunError(str(error)) from error
    shard = Shard.parse(args.shard) if getattr(args, "shard", None) else None
    settings = Settings(plan=plan, seed=args.seed, budget_seconds=args.budget * 60 if args.budget else None,
                        compile_cache=not args.no_compile_cache, pin=args.pin == PINNINGS[0],
                        plain=getattr(args, "plain", 0), shard=shard)
    return SessionRunner(config, args.machine, args.commit, selection, settings,
                   log=lambda text: print(text, flush=True))


def report_outcome(outcome, selection) -> int:
    """Print what a session measured; 1 if a benchmark failed, else 0."""
    minutes, seconds = divmod(int(outcome.seconds), 60)
    print(f"\nmeasured {outcome.blocks_measured} of {outcome.blocks_planned} combinations side by side in "
          f"{minutes} min {seconds} s ({selection.name}: {selection.description})")
    print(f"session file: {outcome.path}")
    if outcome.out_of_budget:
        print(f"the time budget ran out: {len(outcome.out_of_budget)} combinations were not measured, "
              f"e.g. {outcome.out_of_budget[0]}")
    if outcome.failed:
        print(f"{len(outcome.failed)} benchmark(s) failed (never timed):", file=sys.stderr)
        for line in outcome.failed:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0
