"""Real results of a small benchmark subset, two JAX releases side by side, for the site tests.

    python tools/site/sample_results.py OUT_DIR [--bench PATTERN] [--commits N]

Measures a few benchmarks (default: ``FusedChain.time_run`` at size M in float32 and one
figure, fused_chain's ``Speedup``) with the side-by-side runner (``jaxnp-releases run``,
3 rounds: one process per release each) in the oldest and the newest JAX environments of
asv.conf.json, on each of the last two commits, so the site has a history of two commits and two
releases.
Results go to OUT_DIR/results under the machine name ``jaxnp-ci-2core``, environments to
OUT_DIR/env (reused on the next call; a commit already measured is skipped).  It measures
nothing new about JAX: its job is to give tests/test_site.py a real, multi-release history
made by the real runner, so the site test can never pass on an empty site.

Run it with a Python that has the package with its ``releases`` extra (asv) installed.
"""

from __future__ import annotations

import argparse
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
MACHINE = "jaxnp-ci-2core"
#: A timing and a figure (asv names a parameterised benchmark with its parameters' reprs).
DEFAULT_BENCH = r"FusedChain\.time_run\('[^']+', 'M', 'float32'\)|Speedup\.track_vs_numpy\('fused_chain/jax_jit'"


def last_commits(count: int) -> list[str]:
    """The last ``count`` commits of HEAD (fewer in a shallow clone), oldest first."""
    out = subprocess.run(["git", "rev-list", f"--max-count={count}", "HEAD"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return out.split()[::-1]


def measured(out_dir: pathlib.Path, commit: str) -> bool:
    return any((out_dir / "results" / MACHINE / "sidebyside").glob(f"{commit[:8]}-*.jsonl"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=pathlib.Path)
    parser.add_argument("--bench", default=DEFAULT_BENCH)
    parser.add_argument("--commits", type=int, default=2, help="how many of the last commits (default: 2)")
    args = parser.parse_args(argv)
    out_dir = args.out_dir.resolve()
    status = 0
    for commit in last_commits(args.commits):
        if measured(out_dir, commit):
            continue
        command = [sys.executable, "-m", "jaxnp_releases", "run", "--releases", "oldest", "newest",
                   "--selection", args.bench, "--rounds", "3", "--most-rounds", "3", "--commit", commit,
                   "--machine", MACHINE,
                   "--results-dir", str(out_dir / "results"), "--env-dir", str(out_dir / "env")]
        status = max(status, subprocess.run(command, cwd=ROOT).returncode)
    sessions = sorted((out_dir / "results" / MACHINE / "sidebyside").glob("*.jsonl"))
    print(f"{len(sessions)} session(s) in {out_dir / 'results' / MACHINE / 'sidebyside'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
