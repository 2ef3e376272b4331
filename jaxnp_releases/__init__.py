"""jaxnp_releases: JAX releases measured side by side, and the tools built on that.

Modules: :mod:`.matrix` reads the JAX matrix of ``asv.conf.json`` and writes the asv
configurations of chosen releases (no third-party import); :mod:`.selections` declares
which benchmarks a session measures and :mod:`.cases` what each combination's measuring
processes prepare; :mod:`.pool` starts and ends those processes; :mod:`.rounds` measures one
combination in rounds; :mod:`.runner` runs a side-by-side session (asv creates the
environments, discovers the benchmarks and keeps the results) and writes its session file
(:mod:`jaxnp_results.sessions`); :mod:`.merge` joins the results of several shards;
:mod:`.launch` starts a session from a command's arguments, for ``run`` and for
:mod:`.search`, which bisects and sweeps; :mod:`.machine` registers the asv machine;
:mod:`.cli` is the ``jaxnp-releases`` command.

The kernel package (``jaxnp_kernels``) knows nothing of asv; this package drives asv and
makes measurements.  What a measurement is (asv's result files, the session file, the
verdict) is :mod:`jaxnp_results`, which the report (``jaxnp_kernels.report``) reads them
with: the report and this package are peers, and neither imports the other.
"""
