"""jaxnp_releases: JAX releases measured side by side, and the tools built on that.

Modules: :mod:`.matrix` reads the JAX matrix of ``asv.conf.json`` and writes the asv
configurations of chosen releases (standard library only); :mod:`.selections` declares
which benchmarks a session measures; :mod:`.schedule` orders a block's processes;
:mod:`.runner` runs a side-by-side session through asv; :mod:`.records` writes its session
file; :mod:`.search` bisects and sweeps; :mod:`.machine` registers the asv machine;
:mod:`.cli` is the ``jaxnp-releases`` command.  The kernel package (``jaxnp_kernels``)
knows nothing of asv; this package drives asv and only the report reads what it writes.
"""
