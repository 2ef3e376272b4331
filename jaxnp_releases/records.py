"""Writing a side-by-side session file, one flushed line per record (format: report/sessions.py).

The reader, :mod:`jaxnp_results.sessions`, defines the format; this module only
appends to it.  Every record is written and flushed (and fsynced) on its own line, so a
run killed at any moment leaves a readable file; :func:`open_for_append` cuts a line the
kill left unfinished before a resumed session writes after it.
"""

from __future__ import annotations

import json
import os
import pathlib
import time

from jaxnp_results import sessions as format_

def now_ms() -> int:
    """Milliseconds since the epoch, as asv stores times."""
    return int(time.time() * 1000)


class SessionFile:
    """An open session file: ``write(record)`` appends one line and makes it durable."""

    def __init__(self, path: pathlib.Path):
        self.path = pathlib.Path(path)
        self._file = open(self.path, "a", encoding="utf-8")

    def write(self, record: dict) -> None:
        self._file.write(json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def create(path: pathlib.Path, header: dict) -> SessionFile:
    """A new session file starting with its session record."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        raise FileExistsError(f"{path} exists: a session file is never overwritten")
    out = SessionFile(path)
    out.write({"record": "session", "format": format_.FORMAT, **header})
    return out


def open_for_append(path: pathlib.Path) -> SessionFile:
    """An existing session file, its last line cut off if a kill left it unfinished."""
    path = pathlib.Path(path)
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with open(path, "r+b") as f:
            f.truncate(data.rfind(b"\n") + 1)
    return SessionFile(path)
