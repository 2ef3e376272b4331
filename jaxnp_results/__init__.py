"""jaxnp_results: what a measurement is, for everything that makes or reads one.

The layer between the kernels and the tools built on measurements::

    jaxnp_kernels (registry, workloads)
        <- jaxnp_results (what a measurement is)
            <- jaxnp_releases (makes measurements: the side-by-side runner, bisect, sweep)
            <- jaxnp_kernels.report, tools/site (read them: the release report, the site)

Modules: :mod:`.versions` orders JAX releases; :mod:`.results` reads asv's result files into
:class:`~.results.Measurement` objects; :mod:`.sessions` is the side-by-side session file
(its format, reader and writer); :mod:`.validate` decides which files may join the results
history; :mod:`.stats` has the rank statistics and :mod:`.compare` the verdict between two
releases; :mod:`.roles` tells a NumPy timing (the verdicts' control) by the kernel registry's
declarations.  Nothing here imports the report or the release tooling (tests/test_layers.py
checks it), and this file imports nothing, so scripts that run before any environment
exists can use the standard-library modules (:mod:`.versions`) by path.
"""
