"""The release report: which JAX release made what slower or faster, and which claims hold.

``jaxnp-report`` (see :mod:`.cli`) reads an asv results directory and writes a terminal
table, Markdown or a self-contained HTML page.  What it reads and how releases are judged
is :mod:`jaxnp_results` (asv's files, the side-by-side sessions, the statistics, the
verdicts); here :mod:`.scorecard` scores the claims, :mod:`.build` assembles a report and
``render_*`` format it.  The report reads measurements and never makes them: the release
tooling (:mod:`jaxnp_releases`) is a peer it does not import.
"""
