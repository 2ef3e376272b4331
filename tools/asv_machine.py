"""asv helpers for tools/run-suite.sh and the workflows (run with asv's own Python).

    python tools/asv_machine.py MACHINE          register MACHINE with a constant description
    python tools/asv_machine.py --env-name JAX   the asv environment name of a JAX release
    python tools/asv_machine.py --release-config JAX OUT   a one-environment config for a
                                                 release outside the matrix (jaxlib paired)

The machine description is constant (not probed), so results from every run of the same
machine name land in one history.  ``JAXNP_MACHINE_DESCRIPTION`` may override the CPU text
(for example "self-hosted A100 runner").
"""

import argparse
import os
import pathlib
import subprocess
import sys

from asv import environment
from asv.config import Config

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONFIG = str(ROOT / "asv.conf.json")
CONSTANT_DESCRIPTION = {
    "os": "Linux (CI runner image)",
    "arch": "x86_64",
    "cpu": "2-core x86_64 virtual machine, no GPU",
    "num_cpu": "2",
    "ram": "24GB",
}


def env_names(release: str, config: str = CONFIG) -> list[str]:
    conf = Config.load(config)
    names = [env.name for env in environment.get_environments(conf, None)
             if env.requirements.get("jax") == release]
    if not names:
        known = sorted({env.requirements.get("jax") for env in environment.get_environments(conf, None)})
        raise SystemExit(f"error: JAX {release} is not in asv.conf.json's matrix; known: {', '.join(known)}")
    return names


def register(machine: str) -> None:
    description = dict(CONSTANT_DESCRIPTION)
    if os.environ.get("JAXNP_MACHINE_DESCRIPTION"):
        description["cpu"] = os.environ["JAXNP_MACHINE_DESCRIPTION"]
    command = [sys.executable, "-m", "asv", "machine", "--yes", "--machine", machine]
    for key, value in description.items():
        command += [f"--{key}", value]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    print(f"asv machine {machine!r}: {description['cpu']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("machine", nargs="?")
    parser.add_argument("--env-name", metavar="JAX")
    parser.add_argument("--config", default=CONFIG)
    parser.add_argument("--release-config", nargs=2, metavar=("JAX", "OUT"))
    args = parser.parse_args()
    if args.release_config:
        sys.path.insert(0, str(ROOT))  # the report's config writer; needs only NumPy here
        from jaxnp_kernels.report.bisect import paired_jaxlib, pypi_versions, write_config

        release, out = args.release_config
        write_config(pathlib.Path(CONFIG), release, paired_jaxlib(release, pypi_versions("jaxlib")),
                     pathlib.Path(out))
    elif args.env_name:
        print("\n".join(env_names(args.env_name, args.config)))
    elif args.machine:
        register(args.machine)
    else:
        parser.error("give a machine name or --env-name")


if __name__ == "__main__":
    main()
