"""The release report: which JAX release made what slower or faster, and which claims hold.

``jaxnp-report`` (see :mod:`.cli`) reads an asv results directory and writes a terminal
table, Markdown or a self-contained HTML page.  Modules: :mod:`.results` reads asv's
files, :mod:`.stats` has the Mann-Whitney U test, :mod:`.compare` gives verdicts,
:mod:`.scorecard` scores the claims, :mod:`.build` assembles a report, ``render_*``
format it, :mod:`.bisect` finds the first release of a slowdown.
"""
