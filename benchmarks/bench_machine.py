"""This machine, recorded with every run: its limits, a speed calibration and its devices.

``track_copy_gbytes_per_s`` and ``track_matmul_f32_gflops`` are the roofline's two
limits; ``track_python_loop_seconds`` times a fixed pure-Python loop, a calibration
figure that shows how fast this run's processes were (on small shared machines the
speed of a whole process varies by up to 1.6x between processes); ``track_device_count``
is the number of JAX devices the suite saw (the platform is part of the machine name).
"""

from jaxnp_kernels import compat, machine


class Machine:
    version = "1"
    timeout = 120
    rounds = 1

    def track_copy_gbytes_per_s(self):
        return machine.copy_bandwidth()

    track_copy_gbytes_per_s.unit = "GB/s"

    def track_matmul_f32_gflops(self):
        return machine.matmul_peak()

    track_matmul_f32_gflops.unit = "GFLOP/s"

    def track_python_loop_seconds(self):
        return min(machine.python_loop_seconds() for _ in range(5))

    track_python_loop_seconds.unit = "seconds"

    def track_device_count(self):
        return compat.device_description()["device_count"]

    track_device_count.unit = "devices"
