"""The measuring processes of a session: one server per environment, one process per request.

Each environment gets a :class:`Server`: its Python running ``python -m jaxnp_kernels.worker``
with the environment's variables, which imports JAX once and forks a measuring process for
every :meth:`Pool.start` (see :mod:`jaxnp_kernels.worker` for what that process does).  The
measuring processes connect back to the pool's Unix socket, and the pool hands each one out
as a :class:`Worker`: wait until it is ready (prepared, verified, warmed up), ask it for
samples, let it go.

Every process the pool starts ends with it: :meth:`Pool.close` (the end of a ``with``
block, after a normal end, an error or Ctrl-C) ends the measuring processes and the
servers and waits for them; a session killed outright takes them along, because each
server dies with the runner and each measuring process with its server (parent-death
signals, Linux).

What a server and its measuring processes write to standard error (JAX's and XLA's warnings:
JAX 0.9.2 logs a line for every executable it loads from the compilation cache) goes to a
file per server in the pool's directory, never to a pipe: a pipe nobody reads fills after
64 KiB, and then the next measuring process to write a warning blocks for good.  The file's
tail is quoted when a server fails, and when a measuring process dies (a crash leaves its
Python stack there: the measuring processes enable :mod:`faulthandler`).
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time

#: Seconds a measuring process may take to prepare (inputs, reference, compile, verify), or
#: to take one sample, before it is ended as hung (asv's timeout for the suite's benchmarks).
TIMEOUT = 300.0


class PoolError(RuntimeError):
    """A server cannot start or stopped answering: the environment cannot be measured."""


class WorkerError(RuntimeError):
    """A measuring process died, hung or broke the protocol (its case counts as failed)."""


class Server:
    """One environment's parent of measuring processes."""

    def __init__(self, python: str, variables: dict[str, str], label: str, log: pathlib.Path):
        self.label = label
        self.log = log
        with open(log, "wb") as stderr:  # the server and its children keep their own descriptor
            self.process = subprocess.Popen(
                [python, "-m", "jaxnp_kernels.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=stderr, env=variables, text=True, bufsize=1)
        hello = self._reply()
        if not hello.get("serving"):
            raise PoolError(f"the measuring server of {label} said {hello!r}")
        self.jax = hello.get("jax")

    def _reply(self) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], TIMEOUT)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            self.process.kill()
            self.process.wait()
            error = self.log_tail()
            raise PoolError(f"the measuring server of {self.label} did not start or stopped answering:\n{error}")
        return json.loads(line)

    def log_tail(self, characters: int = 3000) -> str:
        """The end of what the server and its measuring processes wrote to standard error."""
        try:
            return self.log.read_text(errors="replace")[-characters:]
        except OSError:
            return ""

    def spawn(self, request: dict) -> int:
        """Fork one measuring process for ``request``; its pid."""
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            raise PoolError(f"the measuring server of {self.label} is gone: {error}") from error
        reply = self._reply()
        if reply.get("spawned") != request["id"]:
            raise PoolError(f"the measuring server of {self.label} answered {reply!r}")
        return int(reply["pid"])

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        with contextlib.suppress(OSError):
            self.process.stdout.close()


class Worker:
    """One measuring process, connected."""

    def __init__(self, pid: int, sock: socket.socket, label: str, timeout: float = TIMEOUT,
                 log_tail=lambda: ""):
        self.pid = pid
        self.sock = sock
        self.label = label
        self.timeout = timeout  # seconds to wait for any answer
        self.log_tail = log_tail  # the end of its server's standard error, quoted if it dies
        self.reader = sock.makefile("r", encoding="utf-8")
        self.closed = False

    def _receive(self) -> dict:
        self.sock.settimeout(self.timeout)
        try:
            line = self.reader.readline()
        except (TimeoutError, socket.timeout):
            self.kill()
            raise WorkerError(f"no answer within {self.timeout:g} s: ended") from None
        except OSError as error:
            raise self._died(f"the measuring process is gone: {error}") from error
        if not line:
            raise self._died("the measuring process ended without an answer")
        return json.loads(line)

    def _send(self, message: dict) -> None:
        try:
            self.sock.sendall((json.dumps(message) + "\n").encode())
        except OSError as error:
            raise self._died(f"the measuring process is gone: {error}") from error

    def _died(self, what: str) -> WorkerError:
        """The error for a process that died: the end of its server's standard error (a crash's
        stack, if it wrote one; nothing when it was killed outright), then ``what`` on the last
        line (the line a session's summary of failures shows)."""
        tail = self.log_tail().strip()
        if not tail:
            return WorkerError(f"{what} (its server wrote nothing to standard error: killed by a signal?)")
        return WorkerError(f"the end of its server's standard error:\n{tail}\n{what} (see above)")

    def ready(self) -> dict:
        """Wait until prepared: ``{"ready": True, "number", "seconds"}`` or a status with a message."""
        return self._receive()

    def sample(self) -> float:
        """One sample; the process runs only for it (stopped before and after, see :meth:`pause`)."""
        self._signal(signal.SIGCONT)
        self._send({"op": "sample"})
        reply = self._receive()
        self.pause()
        if "sample" not in reply:
            raise WorkerError(f"answered {reply!r} to a sample request")
        return float(reply["sample"])

    def pause(self) -> None:
        """Stop every thread of the process until its next sample: a waiting process's thread
        pools (OpenBLAS's, XLA's) spin for a while after their work, which would slow the
        process sampling on a 2-core machine."""
        self._signal(signal.SIGSTOP)

    def _signal(self, which) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, which)

    def close(self, wait: bool = True) -> None:
        """Let the process go (it exits); with ``wait``, until it is gone (ended if it lingers)."""
        if not self.closed:
            self.closed = True
            self._signal(signal.SIGCONT)
            with contextlib.suppress(OSError):
                self.sock.sendall(b'{"op": "exit"}\n')
            with contextlib.suppress(OSError):
                self.reader.close()
                self.sock.close()
        if wait:
            _wait_or_kill(self.pid)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)


def _wait_or_kill(pid: int, seconds: float = 5.0) -> None:
    """Wait until ``pid`` is gone (it is the server's child: it can only be watched), killing it
    after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.002)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _first_line(sock: socket.socket) -> str:
    """The first line sent on ``sock``, read byte by byte so nothing after it is consumed."""
    data = bytearray()
    while not data.endswith(b"\n"):
        byte = sock.recv(1)
        if not byte:
            break
        data += byte
    return data.decode()


class Pool:
    """Servers for several environments and the measuring processes they fork."""

    def __init__(self):
        self.directory = pathlib.Path(tempfile.mkdtemp(prefix="jaxnp-pool-"))
        self.address = str(self.directory / "pool.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.address)
        self.listener.listen(64)
        self.servers: list[Server] = []
        self.workers: dict[int, Worker] = {}
        self.exiting: list[int] = []    # released, maybe not gone yet (see settle)
        self._next_id = 0
        self._waiting: dict[int, tuple[socket.socket, int]] = {}  # connected before asked for

    def add_server(self, python: str, variables: dict[str, str], label: str) -> int:
        """Start a server for an environment; its index, for :meth:`start`."""
        log = self.directory / f"server{len(self.servers)}.stderr"
        self.servers.append(Server(python, variables, label, log))
        return len(self.servers) - 1

    def start(self, server: int, case: dict, number=None) -> Worker:
        """Fork a measuring process for ``case`` in server ``server``'s environment (it prepares
        while the caller goes on: call :meth:`Worker.ready` to wait for it)."""
        self._next_id += 1
        request = {"op": "spawn", "id": self._next_id, "socket": self.address, "case": case, "number": number}
        pid = self.servers[server].spawn(request)
        sock = self._accept(self._next_id, pid)
        log_tail = self.servers[server].log_tail
        worker = Worker(pid, sock, self.servers[server].label, log_tail=lambda: log_tail(1500))
        self.workers[pid] = worker
        return worker

    def _accept(self, wanted: int, pid: int) -> socket.socket:
        """The connection of measuring process ``wanted`` (others that connect first are kept)."""
        if wanted in self._waiting:
            return self._waiting.pop(wanted)[0]
        self.listener.settimeout(TIMEOUT)
        while True:
            try:
                sock, _ = self.listener.accept()
            except (TimeoutError, socket.timeout):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                raise WorkerError(f"measuring process {pid} never connected") from None
            sock.settimeout(TIMEOUT)
            hello = json.loads(_first_line(sock) or "{}")
            if hello.get("hello") == wanted:
                return sock
            self._waiting[hello.get("hello")] = (sock, hello.get("pid"))

    def release(self, worker: Worker) -> None:
        """Let a measuring process go without waiting for it to be gone (a JAX process takes tens of
        milliseconds to unmap its memory): :meth:`settle` waits, before anything is timed again."""
        worker.close(wait=False)
        self.workers.pop(worker.pid, None)
        self.exiting.append(worker.pid)

    def settle(self) -> None:
        """Wait until every released measuring process is gone (ended if it lingers)."""
        for pid in self.exiting:
            _wait_or_kill(pid)
        self.exiting.clear()

    def close(self) -> None:
        """End every measuring process and server, and remove the socket."""
        for worker in list(self.workers.values()):
            worker.kill()
            worker.close()
        self.workers.clear()
        self.settle()
        for sock, _ in self._waiting.values():
            sock.close()
        for server in self.servers:
            server.close()
        self.servers.clear()
        self.listener.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
