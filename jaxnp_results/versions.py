"""JAX release versions: which labels are plain releases, and their order (standard library only)."""

from __future__ import annotations

import re

#: A plain release (``0.4.31``), as the matrix pins it and a result file must name it.
PLAIN_RELEASE = re.compile(r"\d+(\.\d+)*")


def release_key(release: str) -> tuple:
    """Sort JAX versions as versions, not text: 0.4.31 < 0.4.38 < 0.10.2."""
    parts = re.findall(r"\d+|[a-z]+", release.lower())
    return tuple((0, int(p)) if p.isdigit() else (-1, p) for p in parts)
