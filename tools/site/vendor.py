"""Refresh tools/site/vendor/ from the npm registry, at the versions package-lock.json pins.

    python tools/site/vendor.py

Runs ``npm ci --ignore-scripts`` in a temporary copy of package.json and package-lock.json
(npm checks every tarball against the lock file's sha512), then copies the files listed in
tools/site/assets.py and each package's licence into tools/site/vendor/.  The copies are
committed, so building the site needs neither npm nor the network; run this only to change
a version (edit package.json, ``npm install --package-lock-only``, then this).
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import tempfile

from assets import ASSETS, EXTRA_FILES, LICENCES

HERE = pathlib.Path(__file__).resolve().parent


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(HERE / name, work / name)
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=work, check=True)
        modules = work / "node_modules"
        vendor = HERE / "vendor"
        shutil.rmtree(vendor, ignore_errors=True)
        files = [(a.package, a.source, a.path) for a in ASSETS] + list(EXTRA_FILES)
        files += [(package, licence, f"vendor/{package}/{licence}") for package, licence in LICENCES.items()]
        for package, source, path in files:
            target = HERE / path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(modules / package / source, target)
            print(f"{package}/{source} -> tools/site/{path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
