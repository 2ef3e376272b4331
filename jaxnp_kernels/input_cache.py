"""Inputs and NumPy references shared by the measuring processes of one benchmark combination.

Every measuring process of a side-by-side session makes a workload's inputs and computes its
NumPy reference before it verifies and times its implementation.  Both are deterministic (a
seeded generator, the same NumPy), so 48 processes of one combination (6 per release, 8
releases) compute the same arrays 48 times: at size L that is a quarter of each process's
second.  When the variable ``JAXNP_INPUT_CACHE`` names a directory, :func:`cached` keeps the
first process's result there and later processes load it; the runner that sets it empties the
directory after every combination.  Without the variable nothing is cached.

Each process still compiles, verifies and times on its own: only the redundant work of making
identical arrays is shared.  Keys carry NumPy's version, so environments with another NumPy
never share a reference.
"""

from __future__ import annotations

import os
import pathlib
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np

#: The environment variable naming the cache directory.
VARIABLE = "JAXNP_INPUT_CACHE"


def cache_key(workload: str, size: str, dtype: str, seed: int) -> str:
    """The file stem for one workload's inputs at a size, dtype and seed, under this NumPy."""
    return f"{workload}-{size}-{dtype}-seed{seed}-numpy{np.__version__}"


def cached(key: str, kind: str, make: Callable[[], Any]) -> Any:
    """``make()``, or what an earlier process of this combination stored under ``key``."""
    root = os.environ.get(VARIABLE)
    if not root:
        return make()
    path = pathlib.Path(root) / f"{key}.{kind}.pickle"
    try:
        with open(path, "rb") as stored:
            return pickle.load(stored)
    except (FileNotFoundError, EOFError, pickle.UnpicklingError):
        pass  # not there yet (or cut short by a killed process): make it again
    value = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with open(scratch, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(scratch, path)  # whole or not at all
    except OSError:
        pass  # a full or read-only disk costs time, never a result
    return value
