"""The JAX release matrix and the asv configurations made from it (no third-party import).

The matrix is written in one place, ``asv.conf.json``: one ``include`` entry per JAX
release, jax and jaxlib paired.  Everything else reads it from there: the scripts
(``python3 jaxnp_releases/matrix.py --oldest``), the workflows (through the scripts) and
the side-by-side runner, which measures several releases together from a generated
configuration holding just those releases (:func:`write_config`): matrix releases, releases
outside the matrix (bisect, sweep, a new release; jaxlib paired by :func:`paired_jaxlib`),
or the same release twice for an A/A calibration (:func:`twin_entry`).

Run as a script (it imports only the standard library and jaxnp_results' modules of versions
and configuration, found beside it in the repository, so any Python 3.11 works)::

    python3 jaxnp_releases/matrix.py             the matrix's releases, oldest first
    python3 jaxnp_releases/matrix.py --oldest    the oldest (also --newest)
    python3 jaxnp_releases/matrix.py --pins 0.4.31   its pinned requirements, for pip
"""

from __future__ import annotations

import copy
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
if not __package__:  # run as a script, before any environment exists: the repository's own packages
    sys.path.insert(0, str(ROOT))

from jaxnp_results.config import RESULTS_DIR, ConfigError, read_config  # noqa: E402
from jaxnp_results.versions import PLAIN_RELEASE, release_key  # noqa: E402

CONFIG = ROOT / "asv.conf.json"
#: An extra requirement that makes a second environment of the same release distinct to asv
#: (its own name, directory and result files) without changing anything it measures.
TWIN_REQUIREMENT = ("six", "1.17.0")
#: Set to "false" on GPUs: the processes of a side-by-side round share the device.
GPU_PREALLOCATE = "XLA_PYTHON_CLIENT_PREALLOCATE"


class MatrixError(ValueError):
    """A release, pairing or configuration that cannot be used (exit code 2)."""


def entries(config: dict) -> list[dict]:
    """The configuration's ``include`` entries, one per environment."""
    found = config.get("include")
    if not isinstance(found, list) or not all(isinstance(e, dict) and isinstance(e.get("req"), dict)
                                              for e in found):
        raise MatrixError("the asv configuration has no list of include entries with a req each")
    return found


def releases(config_path=CONFIG) -> list[str]:
    """The matrix's JAX releases, oldest first."""
    found = [e["req"].get("jax") for e in entries(read_config(config_path))]
    if not found or not all(isinstance(r, str) and PLAIN_RELEASE.fullmatch(r) for r in found):
        raise MatrixError(f"every include entry of {config_path} needs a pinned jax release, got {found}")
    return sorted(found, key=release_key)


def releases_named(names, config_path=CONFIG) -> list[str]:
    """Release names as a user gives them (``oldest``, ``newest``, ``all``, ``0.7.2``), resolved
    against the matrix; releases outside it are kept (they get generated environments)."""
    matrix = releases(config_path)
    out: list[str] = []
    for name in names:
        if name == "all":
            chosen = matrix
        elif name == "oldest":
            chosen = matrix[:1]
        elif name == "newest":
            chosen = matrix[-1:]
        elif PLAIN_RELEASE.fullmatch(name):
            chosen = [name]
        else:
            raise MatrixError(f"{name!r} is not a JAX release (e.g. 0.7.2) nor oldest, newest or all")
        out += [r for r in chosen if r not in out]
    return out


def pypi_versions(package: str) -> list[str]:
    """Versions PyPI serves, from ``pip index versions`` (newest first)."""
    try:
        out = subprocess.run([sys.executable, "-m", "pip", "index", "versions", package],
                             capture_output=True, text=True, check=True, timeout=120).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise MatrixError(f"pip could not list the versions of {package} on PyPI: {error}") from error
    match = re.search(r"Available versions: (.*)", out)
    if not match:
        raise MatrixError(f"pip could not list the versions of {package}")
    return [v.strip() for v in match.group(1).split(",")]


def releases_between(old: str, new: str, versions: list[str]) -> list[str]:
    """Plain releases strictly between ``old`` and ``new``, in version order."""
    lo, hi = release_key(old), release_key(new)
    plain = [v for v in versions if PLAIN_RELEASE.fullmatch(v)]
    return sorted((v for v in plain if lo < release_key(v) < hi), key=release_key)


def paired_jaxlib(jax_version: str, jaxlib_versions: list[str]) -> str:
    """jaxlib for ``jax_version``: the same version, else the newest older one of its minor series."""
    if jax_version in jaxlib_versions:
        return jax_version
    minor = jax_version.rsplit(".", 1)[0]
    older = [v for v in jaxlib_versions if v.startswith(minor + ".") and release_key(v) < release_key(jax_version)]
    if not older:
        raise MatrixError(f"no jaxlib release pairs with jax {jax_version}")
    return max(older, key=release_key)


def entry_for(config: dict, release: str, jaxlib: str | None = None) -> dict:
    """The include entry of ``release``: the matrix's own, or a copy of the newest entry with
    jax and jaxlib replaced (``jaxlib`` required then)."""
    for entry in entries(config):
        if entry["req"].get("jax") == release:
            return copy.deepcopy(entry)
    if jaxlib is None:
        raise MatrixError(f"JAX {release} is not in the matrix and no jaxlib was paired with it")
    newest = max(entries(config), key=lambda e: release_key(str(e["req"].get("jax", "0"))))
    entry = copy.deepcopy(newest)
    entry["req"]["jax"], entry["req"]["jaxlib"] = release, jaxlib
    return entry


def twin_entry(entry: dict) -> dict:
    """A second environment of the same release, distinct to asv by a harmless extra pin."""
    twin = copy.deepcopy(entry)
    name, version = TWIN_REQUIREMENT
    twin["req"][name] = version
    return twin


def write_config(entries_: list[dict], out, base_config=CONFIG, env_dir=None, results_dir=None,
                 html_dir=None) -> pathlib.Path:
    """A copy of ``base_config`` whose environments are ``entries_``, paths made absolute.

    ``env_dir``/``results_dir``/``html_dir`` default to the base configuration's.
    """
    base_config = pathlib.Path(base_config)
    conf = read_config(base_config)
    root = base_config.resolve().parent
    conf["include"] = entries_
    conf["repo"] = str(root / conf.get("repo", "."))
    conf["benchmark_dir"] = str(root / conf.get("benchmark_dir", "benchmarks"))
    for key, given, default in (("results_dir", results_dir, RESULTS_DIR), ("env_dir", env_dir, ".asv/env"),
                                ("html_dir", html_dir, ".asv/html")):
        conf[key] = str(pathlib.Path(given).resolve() if given else root / conf.get(key, default))
    out = pathlib.Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(conf, indent=2), encoding="utf-8")
    return out


def write_gpu_config(out, base_config=CONFIG) -> pathlib.Path:
    """The matrix with every environment on the CUDA 12 build of its JAX release.

    Each environment adds ``jax-cuda12-plugin`` and ``jax-cuda12-pjrt`` of its release (the
    packages behind ``jax[cuda12-local]``, using the runner's installed CUDA 12; asv cannot
    pass the bracketed extra ``jax[cuda12]`` to pip).  Benchmarks start with ``spawn`` (CUDA
    does not survive a fork) and without forced host devices (the GPUs are the devices).  JAX
    does not preallocate GPU memory there (``XLA_PYTHON_CLIENT_PREALLOCATE=false``): a
    side-by-side round keeps one measuring process per release alive at once, and each would
    otherwise claim 75% of the GPU's memory (the side-by-side runner's servers import JAX
    without touching a device, and each measuring process starts CUDA after its fork).
    The environment names contain the plugin, so every result says it ran on CUDA; the
    machine name (JAXNP_MACHINE) names the GPU.
    """
    conf = read_config(base_config)
    gpu = []
    for entry in entries(conf):
        entry = copy.deepcopy(entry)
        release = entry["req"]["jax"]
        entry["req"]["jax-cuda12-plugin"] = release
        entry["req"]["jax-cuda12-pjrt"] = release
        entry.get("env_nobuild", {}).pop("XLA_FLAGS", None)
        entry.setdefault("env_nobuild", {})[GPU_PREALLOCATE] = "false"
        gpu.append(entry)
    out = write_config(gpu, out, base_config)
    written = json.loads(out.read_text(encoding="utf-8"))
    written.get("matrix", {}).get("env_nobuild", {}).pop("XLA_FLAGS", None)
    written.setdefault("matrix", {}).setdefault("env_nobuild", {})[GPU_PREALLOCATE] = ["false"]
    written["launch_method"] = "spawn"
    out.write_text(json.dumps(written, indent=2), encoding="utf-8")
    return out


def pins(release: str, config_path=CONFIG) -> list[str]:
    """``name==version`` of the libraries pinned in ``release``'s matrix entry: jax, jaxlib and the
    NumPy/SciPy it needs. The benchmark runner the environments pin (``pip+asv_runner``) is left out:
    it belongs to the asv environments, and the tests' environments install asv, which needs a newer one."""
    entry = entry_for(read_config(config_path), releases_named([release], config_path)[0])
    return [f"{name}=={version}" for name, version in entry["req"].items()
            if version and not name.startswith("pip+")]


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(CONFIG))
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--oldest", action="store_true")
    which.add_argument("--newest", action="store_true")
    which.add_argument("--pins", metavar="RELEASE", help="a matrix release (or oldest/newest)")
    args = parser.parse_args(argv)
    try:
        if args.pins:
            print(" ".join(pins(args.pins, args.config)))
            return 0
        found = releases(args.config)
    except (MatrixError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(found[0] if args.oldest else found[-1] if args.newest else "\n".join(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
