"""jaxnp_results: what a measurement is, for everything that makes or reads one.

The layer between the kernels and the tools built on measurements::

    jaxnp_kernels (registry, workloads)
        <- jaxnp_results (what a measurement is)
            <- jaxnp_releases (makes measurements: the side-by-side runner, bisect, sweep)
            <- jaxnp_kernels.report, tools/site (read them: the release report, the site)

Modules: :mod:`.versions` orders JAX releases; :mod:`.config` reads an asv configuration and
holds the results directory's default; :mod:`.results` reads asv's result files into
:class:`~.results.Measurement` objects; :mod:`.sessions` is the side-by-side session file
(its format, reader and writer); :mod:`.validate` decides which files may join the results
history; :mod:`.stats` has the rank statistics and :mod:`.compare` the verdict between two
releases; :mod:`.roles` tells a NumPy timing (the verdicts' control) by the kernel registry's
declarations.  Nothing here imports the report or the release tooling (tests/test_layers.py
checks it).  Only :mod:`.roles` needs anything installed (it asks the kernel registry); this
file imports nothing, so the scripts that run before any environment exists
(``jaxnp_releases/matrix.py``, ``tools/ci/detect_new_jax.py``) and the results check of the
store job (:mod:`.validate`) use it with the repository on ``sys.path``.
"""
