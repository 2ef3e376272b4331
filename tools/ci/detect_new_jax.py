"""Find the newest JAX release that the results history has not measured yet, and the one before it.

    python tools/ci/detect_new_jax.py RESULTS_DIR [--pypi-json FILE] [--machine NAME]

Reads PyPI's JSON for jax (https://pypi.org/pypi/jax/json, or FILE for tests and offline
use), keeps final releases whose files are not all yanked, and prints the newest one that no
result file of the machine records (as its environment's ``jax`` parameter) and, after it, the
release just before it on PyPI: the watch measures the two side by side, so a patch release
that a matrix of last patches would never see (0.7.1, between 0.7.0 and 0.7.2) is judged
against its own predecessor.  Prints nothing when every release is measured.  With
GITHUB_OUTPUT set, also writes ``release=...`` and ``previous=...`` there.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # any Python 3.11 in a bare checkout: jaxnp_results.versions needs nothing installed

from jaxnp_results.versions import PLAIN_RELEASE, release_key  # noqa: E402


def pypi_releases(data: dict) -> list[str]:
    out = []
    for version, files in data.get("releases", {}).items():
        if PLAIN_RELEASE.fullmatch(version) and files and not all(f.get("yanked") for f in files):
            out.append(version)
    return sorted(out, key=release_key)


def measured_releases(results_dir: pathlib.Path, machine: str | None) -> set[str]:
    found = set()
    for path in results_dir.glob("*/*.json"):
        if path.name == "machine.json" or (machine and path.parent.name != machine):
            continue
        try:
            release = json.loads(path.read_text(encoding="utf-8")).get("params", {}).get("jax")
        except (OSError, json.JSONDecodeError):
            continue
        if release:
            found.add(release)
    return found


def newest_unmeasured(releases: list[str], measured: set[str]) -> str | None:
    """The newest release not measured, if it is newer than everything measured."""
    if not releases:
        return None
    newest = releases[-1]
    if newest in measured:
        return None
    return newest


def previous_release(releases: list[str], release: str) -> str | None:
    """The release just before ``release`` in PyPI's final, unyanked releases."""
    index = releases.index(release)
    return releases[index - 1] if index > 0 else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results_dir", type=pathlib.Path)
    parser.add_argument("--pypi-json", type=pathlib.Path)
    parser.add_argument("--machine")
    args = parser.parse_args(argv)
    if args.pypi_json:
        data = json.loads(args.pypi_json.read_text(encoding="utf-8"))
    else:
        with urllib.request.urlopen("https://pypi.org/pypi/jax/json", timeout=60) as response:
            data = json.load(response)
    releases = pypi_releases(data)
    release = newest_unmeasured(releases, measured_releases(args.results_dir, args.machine))
    if release:
        previous = previous_release(releases, release)
        if previous is None:
            print(f"{release} is the only JAX release on PyPI: nothing to measure it against", file=sys.stderr)
            return 0
        print(release, previous)
        if os.environ.get("GITHUB_OUTPUT"):
            with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as f:
                f.write(f"release={release}\nprevious={previous}\n")
    else:
        print("every JAX release on PyPI is already measured", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
