"""One module per workload (or per small family of workloads).

Each module defines ``WORKLOADS``, a tuple of :class:`jaxnp_kernels.registry.Workload`;
the registry discovers every module here, so a new workload needs no other edit.
"""
