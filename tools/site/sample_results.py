"""Real asv results of a small benchmark subset in two JAX environments, for site tests.

    python tools/site/sample_results.py OUT_DIR [--asv ASV] [--bench REGEX] [--commits N]

Runs ``asv run`` for a few benchmarks (default: ``FusedChain.time_run`` at size M and one
figure, fused_chain's ``Speedup``, recorded with its samples) in the
oldest and the newest JAX environments of asv.conf.json (0.4.31 and 0.10.2, both with the
suite's NumPy/SciPy pins), on the last two commits, with short settings (one round, at most
three samples).  Results go to OUT_DIR/results under the machine name ``jaxnp-ci-2core``,
environments to OUT_DIR/env (reused on the next call; commits already measured are skipped).
It measures nothing new about JAX: its only job is to give tests/test_site.py a real,
multi-release history to publish, so the site test can never pass on an empty site.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
MACHINE = "jaxnp-ci-2core"
RELEASES = ("0.4.31", "0.10.2")
#: A timing and a figure (asv names a parameterised benchmark with its parameters' reprs).
DEFAULT_BENCH = r"FusedChain\.time_run|Speedup\.track_vs_numpy\('fused_chain/jax_jit'"
ASV_VERSION = "0.6.6"  # as tools/run-suite.sh


def read_config(path: pathlib.Path) -> dict:
    """asv.conf.json without its // comment lines (asv's own reader allows them)."""
    text = path.read_text(encoding="utf-8")
    return json.loads("\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//")))


def sample_config(base: dict, out_dir: pathlib.Path, releases=RELEASES) -> dict:
    """The suite's config restricted to ``releases``, writing into ``out_dir``."""
    conf = dict(base)
    conf["include"] = [entry for entry in base["include"] if entry["req"]["jax"] in releases]
    missing = set(releases) - {entry["req"]["jax"] for entry in conf["include"]}
    if missing:
        raise SystemExit(f"error: JAX {', '.join(sorted(missing))} not in asv.conf.json's include list")
    conf["repo"] = str(ROOT)
    conf["benchmark_dir"] = str(ROOT / base["benchmark_dir"])
    conf["env_dir"] = str(out_dir / "env")
    conf["results_dir"] = str(out_dir / "results")
    conf["html_dir"] = str(out_dir / "html")
    return conf


def ensure_asv(venv: pathlib.Path = ROOT / ".venv" / "asv") -> pathlib.Path:
    """The suite's asv (.venv/asv, as tools/run-suite.sh makes it), created when missing."""
    asv = venv / "bin" / "asv"
    if not asv.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        f"asv=={ASV_VERSION}", "virtualenv", "numpy"], check=True)
    return asv


def last_commits(count: int) -> list[str]:
    """The last ``count`` commits of HEAD (fewer in a shallow clone)."""
    out = subprocess.run(["git", "rev-list", f"--max-count={count}", "HEAD"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return out.split()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=pathlib.Path)
    parser.add_argument("--asv", help="asv executable (default: .venv/asv's, installed when missing)")
    parser.add_argument("--bench", default=DEFAULT_BENCH)
    parser.add_argument("--commits", type=int, default=2, help="how many of the last commits (default: 2)")
    args = parser.parse_args(argv)
    asv = args.asv or str(ensure_asv())

    out_dir = args.out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    config = out_dir / "asv.conf.json"
    config.write_text(json.dumps(sample_config(read_config(ROOT / "asv.conf.json"), out_dir), indent=2),
                      encoding="utf-8")
    hashfile = out_dir / "commits.txt"
    hashfile.write_text("\n".join(last_commits(args.commits)) + "\n", encoding="utf-8")
    asv_python = pathlib.Path(asv).parent / "python"
    subprocess.run([str(asv_python), str(ROOT / "tools" / "asv_machine.py"), MACHINE], check=True)
    command = [asv, "--config", str(config), "run", "--machine", MACHINE, "--skip-existing",
               "--record-samples", "--show-stderr", "--bench", args.bench,
               "-a", "rounds=1", "-a", "repeat=(2, 3, 2.0)", "-a", "warmup_time=0.1", f"HASHFILE:{hashfile}"]
    env = dict(os.environ, JAXNP_ASV_SIZES="M")
    status = subprocess.run(command, cwd=ROOT, env=env).returncode
    results = sorted((out_dir / "results" / MACHINE).glob("*-*.json"))
    print(f"{len(results)} result file(s) in {out_dir / 'results' / MACHINE}")
    return status


if __name__ == "__main__":
    sys.exit(main())
