"""The measuring process of a side-by-side session: what a plain script runs, taking its samples on cue.

``python -m jaxnp_kernels.worker`` is started by the side-by-side runner
(:mod:`jaxnp_releases.pool`) once per environment.  It imports JAX and the workloads (no
device is touched, so forking stays safe) and then *serves*: for every request read from
its standard input it forks one measuring process, which

1. connects to the runner's Unix socket and says which request it is;
2. prepares its case as ``python -m jaxnp_kernels time`` does (:class:`Case`: inputs made in
   this process, the NumPy reference computed here, device transfer, compilation,
   verification), then warms up for 50 ms, so its allocator, caches and threads start from
   the state of a user's own script;
3. answers ``sample`` requests: one untimed call when a call is short (what ran in between
   may have evicted its data from the caches), then ``number`` calls timed together (about
   10 ms), the seconds per call sent back;
4. exits on ``exit`` or when the runner goes away.

The runner keeps one process per environment alive at a time (a *round*) and asks them for
samples in turn, so every environment's samples come from the same seconds of the machine
(on this project's shared 2-core machines each CPU's speed flips between two levels 1.6x
apart, for seconds at a time); one process samples while the runner keeps the others stopped
(:mod:`jaxnp_releases.rounds`).

Requests and answers are JSON lines.  A request::

    {"op": "spawn", "id": 7, "socket": "/tmp/.../pool.sock",
     "case": {"kind": "time", "workload": "fused_chain", "implementation": "jax_jit",
              "size": "M", "dtype": "float32"}, "number": 12}

``kind`` "speedup" prepares the workload's NumPy reference and the implementation in one
process and answers each ``sample`` with NumPy's seconds over the implementation's, from
samples taken back to back (their order alternating).  ``number`` is the calls per sample
(per side, as ``[numpy, implementation]``, for a speedup); ``null`` lets the process
calibrate it (samples of about 10 ms; at least 20 ms per side for a speedup) and report it.

The measuring process's answers: ``{"hello": id, "pid": n}``, then ``{"ready": true,
"number": ..., "seconds": {phase: s}}`` or ``{"status": "skipped"|"failed", "message": ...}``,
then ``{"sample": seconds}`` per request.  A measuring process dies with its server, and the
server with the runner (Linux parent-death signals), so nothing outlives a session.
"""

from __future__ import annotations

import faulthandler
import json
import math
import os
import signal
import socket
import statistics
import sys
import time
import traceback

from .budget import check_timed
from .registry import Unsupported, VerificationError

#: Calls per sample are chosen so that a sample lasts about this long (asv's default sample_time).
SAMPLE_SECONDS = 0.01
#: For a speedup, each side's sample lasts at least this long (bench_speedup's setting).
SPEEDUP_SAMPLE_SECONDS = 0.02
#: Warm-up after verification (the first call compiled and was verified): calls for at least
#: this long, at least one.  A process's first samples are slower otherwise (JAX's by up to 3x
#: in the first of seven turns), as ``python -m jaxnp_kernels time`` warms up by calibrating.
WARMUP_SECONDS = 0.05
#: A sample of calls shorter than this starts with an untimed call, to refill the caches
#: (what the other processes of the round ran in between may have evicted its data; a call of
#: a millisecond or more refills them within the first few percent of its own time).
REWARM_BELOW_SECONDS = 0.001


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent ends (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)


def warm_up(case, seconds: float = WARMUP_SECONDS) -> float:
    """Call ``case`` for at least ``seconds`` (at least once); the median seconds of the calls
    in the second half of that time (the first ones are the slow ones)."""
    t0 = time.perf_counter()
    calls = []
    while not calls or time.perf_counter() - t0 < seconds:
        start = time.perf_counter()
        case()
        calls.append((start, time.perf_counter() - start))
    settled = [took for start, took in calls if start - t0 >= seconds / 2] or [calls[-1][1]]
    return statistics.median(settled)


def calls_per_sample(seconds_per_call: float, sample_seconds: float = SAMPLE_SECONDS) -> int:
    """The calls that make a sample last ``sample_seconds``: samples of about the same length for
    every case (``Case.calibrate``'s doubling overshoots up to twice)."""
    return max(1, math.ceil(sample_seconds / max(seconds_per_call, 1e-9)))


class TimeMeasurer:
    """Seconds per call of one prepared case."""

    def __init__(self, spec: dict, number):
        from .timing import Case

        check_timed(spec["workload"], spec["implementation"], spec["size"], spec["dtype"])
        self.case = Case(spec["workload"], spec["implementation"], spec["size"], spec["dtype"])
        self.case.prepare(warmup_calls=0)
        per_call = warm_up(self.case)
        self.number = int(number) if number else calls_per_sample(per_call)
        self.rewarm = per_call < REWARM_BELOW_SECONDS

    def sample(self) -> float:
        if self.rewarm:
            self.case()  # untimed: the caches may hold another process's data
        return self.case.sample(self.number)


class SpeedupMeasurer:
    """NumPy's seconds over the implementation's, from two samples taken back to back."""

    def __init__(self, spec: dict, number):
        from .registry import get
        from .timing import Case

        workload = get(spec["workload"])
        check_timed(workload.name, spec["implementation"], spec["size"], spec["dtype"])
        self.reference = Case(workload, workload.reference, spec["size"], spec["dtype"])
        self.reference.prepare(warmup_calls=0)
        self.candidate = Case(workload, spec["implementation"], spec["size"], spec["dtype"])
        self.candidate.prepare(warmup_calls=0, reference=self.reference.reference)
        per_call = [warm_up(case) for case in (self.reference, self.candidate)]
        if number:
            self.number = [int(n) for n in number]
        else:
            self.number = [calls_per_sample(seconds, SPEEDUP_SAMPLE_SECONDS) for seconds in per_call]
        self.turns = 0

    def sample(self) -> float:
        self.turns += 1
        self.reference()  # untimed: refill the caches (the figure is taken at size M)
        self.candidate()
        if self.turns % 2:
            numpy_seconds = self.reference.sample(self.number[0])
            candidate_seconds = self.candidate.sample(self.number[1])
        else:
            candidate_seconds = self.candidate.sample(self.number[1])
            numpy_seconds = self.reference.sample(self.number[0])
        return numpy_seconds / candidate_seconds


MEASURERS = {"time": TimeMeasurer, "speedup": SpeedupMeasurer}


class Channel:
    """JSON lines over a connected socket."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.reader = sock.makefile("r", encoding="utf-8")

    def send(self, message: dict) -> None:
        self.sock.sendall((json.dumps(message) + "\n").encode())

    def receive(self) -> dict | None:
        line = self.reader.readline()
        return json.loads(line) if line else None


def measure(request: dict) -> int:
    """The measuring process: connect, prepare, answer samples until told to exit."""
    die_with_parent()
    # A crash (a segmentation fault in a library, an abort) writes the Python stack to the
    # server's standard error, which the runner quotes in the failure; no cost while running.
    faulthandler.enable()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(request["socket"])
    channel = Channel(sock)
    channel.send({"hello": request["id"], "pid": os.getpid()})
    spec = request["case"]
    t0 = time.perf_counter()
    try:
        measurer = MEASURERS[spec["kind"]](spec, request.get("number"))
    except Unsupported as why:
        channel.send({"status": "skipped", "message": str(why)})
        return 0
    except VerificationError as error:
        channel.send({"status": "failed", "message": f"VerificationError: {error}"})
        return 1
    except Exception as error:  # noqa: BLE001 - reported to the runner, which records a failure
        tail = "".join(traceback.format_exception(error)[-6:])
        channel.send({"status": "failed", "message": f"{type(error).__name__}: {error}\n{tail}"})
        return 1
    channel.send({"ready": True, "number": measurer.number, "seconds": {"prepare": time.perf_counter() - t0}})
    while (message := channel.receive()) is not None:
        if message.get("op") == "sample":
            channel.send({"sample": measurer.sample()})
        elif message.get("op") == "exit":
            break
    return 0


def serve(requests=sys.stdin, replies=sys.stdout) -> int:
    """Import once, then fork one measuring process per request, until standard input closes."""
    die_with_parent()
    import jax  # noqa: F401 - imported before the forks, so no measuring process pays for it

    from . import registry

    registry.all_workloads()  # imports every workload module (and jax.numpy)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the measuring processes
    replies.write(json.dumps({"serving": True, "pid": os.getpid(), "jax": jax.__version__}) + "\n")
    replies.flush()
    for line in requests:
        request = json.loads(line)
        if request.get("op") != "spawn":
            continue
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.dup2(2, 1)  # a stray print must not reach the server's replies
            code = 1
            try:
                code = measure(request)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        replies.write(json.dumps({"spawned": request["id"], "pid": pid}) + "\n")
        replies.flush()
    return 0


if __name__ == "__main__":
    sys.exit(serve())
