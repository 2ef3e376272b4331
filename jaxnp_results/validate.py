"""Check a directory of new results before it joins the history: which files may be stored.

    python -m jaxnp_results.validate NEW_RESULTS_DIR

Prints the path (relative to the directory) of every file that may be stored, one per line,
and one line per refused file on standard error (``refused PATH: reason``).  The checks are
the readers' own (:mod:`.results`, :mod:`.sessions`): a file the report could not read is
never stored, so the history cannot be damaged by a run that was killed while writing, a
truncated upload or a hand edit.  On top of them: a result file must belong to the machine
of its directory and hold at least one benchmark; ``machine.json`` must name its directory.

Exit codes: 0 every file may be stored; 1 some were refused (the rest are listed); 2 the
directory is unusable (missing, or its ``benchmarks.json`` unreadable).
"""

from __future__ import annotations

import json
import pathlib
import sys

from .results import BadResults, _read_file, read_index
from .sessions import DIRECTORY, SUFFIX, read_session


def check_file(root: pathlib.Path, path: pathlib.Path, index: dict) -> None:
    """Raise :class:`BadResults` unless ``path`` (under ``root``) may join the history."""
    relative = path.relative_to(root)
    if relative == pathlib.Path("benchmarks.json"):
        return  # checked by the caller before anything else
    parts = relative.parts
    machine = parts[0]
    if len(parts) == 2 and parts[1] == "machine.json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BadResults(f"{path}: not JSON ({error})") from error
        if not isinstance(data, dict) or data.get("machine") != machine:
            raise BadResults(f"{path}: does not describe machine {machine!r}")
        return
    if len(parts) == 2 and path.suffix == ".json":
        if not _read_file(path, machine, index):
            raise BadResults(f"{path}: holds no benchmark result")
        return
    if len(parts) == 3 and parts[1] == DIRECTORY and path.suffix == SUFFIX:
        session = read_session(path)
        if session.machine != machine:
            raise BadResults(f"{path}: a session of machine {session.machine!r}, stored under {machine!r}")
        return
    raise BadResults(f"{path}: not a result, session or machine file of an asv results directory")


def storable(root) -> tuple[list[str], list[str]]:
    """(relative paths that may be stored, "path: reason" of those refused)."""
    root = pathlib.Path(root)
    if not root.is_dir():
        raise BadResults(f"{root} is not a directory")
    index = read_index(root / "benchmarks.json") if (root / "benchmarks.json").is_file() else {}
    good, refused = [], []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix not in (".json", SUFFIX):
            continue
        try:
            check_file(root, path, index)
        except (BadResults, OSError, ValueError) as error:
            refused.append(str(error))
        else:
            good.append(str(path.relative_to(root)))
    return good, refused


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m jaxnp_results.validate NEW_RESULTS_DIR", file=sys.stderr)
        return 2
    try:
        good, refused = storable(argv[0])
    except BadResults as error:
        print(f"validate: {error}", file=sys.stderr)
        return 2
    for line in refused:
        print(f"refused {line}", file=sys.stderr)
    for path in good:
        print(path)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
