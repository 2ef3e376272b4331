"""An adversarial neighbour for the A/A calibration: load that comes and goes while a session runs.

    python tools/calibration/neighbour.py [--seconds S] [--seed N]

Until it is stopped (or ``--seconds`` have passed) it switches a load on and off at random
intervals of 10 to 40 seconds, and prints each switch with its time.  The load is two
processes, started and stopped by pid:

- a memory-bandwidth copier: one thread copying a 256 MB array into another, again and again;
- a BLAS matmul on 2 threads: 2048 x 2048 float64 products, again and again.

On a 2-core machine that is every core taken, and the memory bus, half of the time, at
moments no measuring process can predict.  Stopping the neighbour (SIGTERM or SIGINT)
stops its load too.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time

COPIER = "import numpy as np\na = np.ones(32 << 20)\nb = np.empty_like(a)\nwhile True:\n    np.copyto(b, a)\n"
MATMUL = "import numpy as np\na = np.random.rand(2048, 2048)\nwhile True:\n    a @ a\n"


def start_load() -> list[subprocess.Popen]:
    blas = dict(os.environ, OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="2", MKL_NUM_THREADS="2")
    single = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return [subprocess.Popen([sys.executable, "-c", COPIER], env=single),
            subprocess.Popen([sys.executable, "-c", MATMUL], env=blas)]


def stop_load(load: list[subprocess.Popen]) -> None:
    for process in load:
        process.kill()
    for process in load:
        process.wait()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=float("inf"), help="stop after this long")
    parser.add_argument("--seed", type=int, help="the random intervals' seed")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    stopping = []
    for which in (signal.SIGTERM, signal.SIGINT):
        signal.signal(which, lambda *_: stopping.append(True))
    t0 = time.monotonic()
    load: list[subprocess.Popen] = []
    on = rng.random() < 0.5
    try:
        while not stopping and time.monotonic() - t0 < args.seconds:
            if on:
                load = start_load()
            print(f"[neighbour] {'on ' if on else 'off'} at {time.monotonic() - t0:7.1f} s "
                  f"(pids {' '.join(str(p.pid) for p in load) or '-'})", flush=True)
            until = time.monotonic() + rng.uniform(10, 40)
            while not stopping and time.monotonic() < min(until, t0 + args.seconds):
                time.sleep(0.2)
            stop_load(load)
            load = []
            on = not on
    finally:
        stop_load(load)
        print(f"[neighbour] stopped at {time.monotonic() - t0:7.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
