"""Where the results are: an asv configuration as read here, and the results directory's default."""

from __future__ import annotations

import json
import pathlib

#: The results directory when neither a command's argument nor the asv configuration names one
#: (relative to the repository, asv's working directory).
RESULTS_DIR = ".asv/results"


class ConfigError(ValueError):
    """An asv configuration that cannot be read (exit code 2)."""


def read_config(path) -> dict:
    """An asv.conf.json without its ``//`` comment lines."""
    path = pathlib.Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads("\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"cannot read the asv configuration {path}: {error}") from error
