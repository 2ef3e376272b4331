"""asv helpers for tools/run-suite.sh and the workflows (run with asv's own Python).

    python tools/asv_machine.py MACHINE [--device D]   register MACHINE with a constant
                                                 description and its JAX device kind D
    python tools/asv_machine.py --env-name JAX   the asv environment name of a JAX release
    python tools/asv_machine.py --release-config JAX OUT   a one-environment config for a
                                                 release outside the matrix (jaxlib paired)
    python tools/asv_machine.py --gpu-config OUT  the matrix with CUDA builds of JAX

The machine description is constant (not probed), so results from every run of the same
machine name land in one history.  ``JAXNP_MACHINE_DESCRIPTION`` may override the CPU text
(for example "self-hosted A100 runner").

The description carries one field of ours, ``device``: the kind of device JAX runs on
("cpu", or the GPU's name).  asv copies the machine description into the parameters of
every result file, so the device kind is part of every result, and ``asv publish`` offers
it as a selector on every graph.  (Benchmark modules cannot ask JAX for its devices at
import, and the platform must not hide in a benchmark parameter of its own.)
"""

import argparse
import json
import os
import pathlib
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


def _read_config(path) -> dict:
    text = pathlib.Path(path).read_text(encoding="utf-8")
    return json.loads("\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//")))


def write_gpu_config(out: str) -> None:
    """asv.conf.json with every environment on the CUDA 12 build of its JAX release.

    Each environment adds ``jax-cuda12-plugin`` and ``jax-cuda12-pjrt`` of its release (the
    packages behind ``jax[cuda12-local]``, using the runner's installed CUDA 12; asv cannot
    pass the bracketed extra ``jax[cuda12]`` to pip).  Benchmarks start with ``spawn`` (CUDA
    does not survive a fork) and without forced host devices (the GPUs are the devices).
    The environment names contain the plugin, so every result says it ran on CUDA; the
    machine name (JAXNP_MACHINE) names the GPU.
    """
    conf = _read_config(CONFIG)
    for entry in conf["include"]:
        release = entry["req"]["jax"]
        entry["req"]["jax-cuda12-plugin"] = release
        entry["req"]["jax-cuda12-pjrt"] = release
        entry["env_nobuild"].pop("XLA_FLAGS", None)
    conf["matrix"]["env_nobuild"].pop("XLA_FLAGS", None)
    conf["launch_method"] = "spawn"
    for key in ("repo", "benchmark_dir", "env_dir", "results_dir", "html_dir"):
        conf[key] = str(ROOT / conf[key])
    pathlib.Path(out).write_text(json.dumps(conf, indent=2), encoding="utf-8")


def register(machine: str, device: str) -> None:
    """Store MACHINE with every field of the constant description in ~/.asv-machine.json.

    Written through asv's own machine file API rather than ``asv machine --yes``: that
    command stores only the fields that differ from what it probes, so on a 2-core x86_64
    machine ``arch`` and ``num_cpu`` would be missing from the results, and the same
    machine name would carry different parameters on different runners.
    """
    from asv.machine import MachineCollection

    description = dict(CONSTANT_DESCRIPTION)
    if os.environ.get("JAXNP_MACHINE_DESCRIPTION"):
        description["cpu"] = os.environ["JAXNP_MACHINE_DESCRIPTION"]
    MachineCollection.save(machine, {"machine": machine, **description, "device": device})
    print(f"asv machine {machine!r}: {description['cpu']}; JAX device: {device}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("machine", nargs="?")
    parser.add_argument("--device", default="cpu", help="the JAX device kind (default: cpu)")
    parser.add_argument("--env-name", metavar="JAX")
    parser.add_argument("--config", default=CONFIG)
    parser.add_argument("--release-config", nargs=2, metavar=("JAX", "OUT"))
    parser.add_argument("--gpu-config", metavar="OUT")
    args = parser.parse_args()
    if args.gpu_config:
        write_gpu_config(args.gpu_config)
    elif args.release_config:
        sys.path.insert(0, str(ROOT))  # the report's config writer; needs only NumPy here
        from jaxnp_kernels.report.bisect import paired_jaxlib, pypi_versions, write_config

        release, out = args.release_config
        write_config(pathlib.Path(CONFIG), release, paired_jaxlib(release, pypi_versions("jaxlib")),
                     pathlib.Path(out))
    elif args.env_name:
        print("\n".join(env_names(args.env_name, args.config)))
    elif args.machine:
        register(args.machine, args.device)
    else:
        parser.error("give a machine name or --env-name")


if __name__ == "__main__":
    main()
