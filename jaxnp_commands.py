"""The ``jaxnp-report`` command: the release report, with ``bisect`` and ``sweep`` handed to jaxnp-releases.

The report (:mod:`jaxnp_kernels.report`) reads measurements and the release tooling
(:mod:`jaxnp_releases`) makes them; they are peers and neither imports the other.  The
installed ``jaxnp-report`` has always also accepted ``jaxnp-report bisect ...`` and
``jaxnp-report sweep ...`` as the same commands as ``jaxnp-releases bisect`` / ``sweep``;
that alias spans both packages, so it lives here, above them, and nowhere else.
"""

from __future__ import annotations

import sys

#: The words of ``jaxnp-report`` that jaxnp-releases owns (they measure).
RELEASE_COMMANDS = ("bisect", "sweep")


def report(argv=None) -> int:
    """``jaxnp-report``: ``bisect``/``sweep`` are ``jaxnp-releases``'s, anything else the report's."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in RELEASE_COMMANDS:
        from jaxnp_releases.cli import main
    else:
        from jaxnp_kernels.report.cli import main
    return main(argv)
