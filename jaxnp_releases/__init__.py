"""jaxnp_releases: JAX releases measured side by side, and the tools built on that.

Modules: :mod:`.matrix` reads the JAX matrix of ``asv.conf.json`` and writes the asv
configurations of chosen releases (standard library only); :mod:`.selections` declares
which benchmarks a session measures and :mod:`.cases` what each combination's measuring
processes prepare; :mod:`.pool` starts and ends those processes; :mod:`.rounds` measures one
combination in rounds; :mod:`.runner` runs a side-by-side session (asv creates the
environments, discovers the benchmarks and keeps the results); :mod:`.records` writes its
session file; :mod:`.merge` joins the results of several shards; :mod:`.search` bisects and sweeps; :mod:`.machine` registers the asv machine;
:mod:`.cli` is the ``jaxnp-releases`` command.  The kernel package (``jaxnp_kernels``)
knows nothing of asv; this package drives asv and only the report reads what it writes.
"""
