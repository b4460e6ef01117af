#!/usr/bin/env python3
"""Kolben over real HTTP: one granian worker, a load generator, requests/second.

    python3 dev.py bench --http           # this benchmark only (about 2 minutes)
    python bench/run_http.py --quick      # one round (about 35 s)
    python bench/run_http.py --seconds 5 --repeats 4 --connections 128

Four granian servers (one worker each, on free ports of 127.0.0.1) serve
Kolben's WSGI app, Kolben's ASGI app (async views), a bare WSGI callable and
a bare ASGI callable (``apps_wsgi.py``/``apps_asgi.py``). Every response is
checked over the socket first, and every server gets one warm-up run per
case. Then, in each round, each case is sent to the four servers in turn,
Kolben and the bare callable of its interface back to back (who goes first
alternates). The bare callables answer any path with case A's body, so each
Kolben run has a bare twin on the same request under nearly the same load.
The table gives the best run of each, and the median over the rounds of the
paired ratio kolben/bare and of the server time Kolben adds per request
(1/rate; the single worker is saturated). The target for A is 0.8x or
better. A last line says how far apart the bare callables' best runs were
over the four requests (the same work): the noise of the machine.

The load generator is ``wrk`` (``apt-get install -y wrk``) when it is on
PATH, otherwise a Python client with one keep-alive connection per
coroutine on its own event loop: that client tops out well below granian,
so its figures mostly measure itself (the table says which one ran).

Only the idle servers share the machine with the running one; each server is
stopped by its own pid (its process group if it ignores SIGTERM), also on
errors and Ctrl-C. Every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import CASES

BENCH = Path(__file__).resolve().parent

#: name -> (granian interface, factory target in bench/)
SERVERS: dict[str, tuple[str, str]] = {
    "kolben WSGI": ("wsgi", "apps_wsgi:kolben_app"),
    "bare WSGI": ("wsgi", "apps_wsgi:bare_app"),
    "kolben ASGI": ("asgi", "apps_asgi:kolben_asgi"),
    "bare ASGI": ("asgi", "apps_asgi:bare_asgi"),
}
FIRST_CASE = next(iter(CASES))
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


@dataclass
class Server:
    """One running granian process of ours."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """SIGTERM our pid, wait, then SIGKILL the process group we created."""
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            # start_new_session=True made the pid the group id of granian
            # and its worker: only our own processes are in it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(STOP_TIMEOUT)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(name: str, loop: str, logdir: Path) -> Server:
    interface, target = SERVERS[name]
    port = free_port()
    log = logdir / f"{name.replace(' ', '-')}.log"
    cmd = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        interface,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--loop",
        loop,
        "--no-ws",
        "--no-access-log",
        "--log-level",
        "warning",
        "--factory",
        target,
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=BENCH, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Server(name, port, proc, log)


def _url(server: Server, case: str) -> str:
    path, query, _, _ = CASES[case]
    return f"http://127.0.0.1:{server.port}{path}" + (f"?{query}" if query else "")


def _headers(case: str) -> dict[str, str]:
    extra = CASES[case][2]
    return {k.removeprefix("HTTP_").replace("_", "-").title(): v for k, v in extra.items()}


def wait_ready(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise SystemExit(f"{server.name} exited:\n{server.log.read_text()}")
        try:
            with urllib.request.urlopen(_url(server, FIRST_CASE), timeout=1) as response:
                response.read()
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{server.name} did not answer within {START_TIMEOUT:.0f} s")


def check(server: Server, case: str) -> None:
    """Exit unless ``server`` answers ``case`` right (a bare callable: with A's body)."""
    request = urllib.request.Request(_url(server, case), headers=_headers(case))
    with urllib.request.urlopen(request, timeout=5) as response:
        status, body = response.status, response.read()
    expected = CASES[FIRST_CASE if server.name.startswith("bare") else case][3]
    if status != 200 or not expected(body):
        raise SystemExit(f"{server.name} answered {status} {body[:80]!r} for {case}")


# -- load generators ---------------------------------------------------------------


def wrk(url: str, headers: dict[str, str], connections: int, seconds: float) -> float:
    """Requests/second from one wrk thread; non-2xx answers or socket errors fail."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*cmd, url], capture_output=True, text=True, timeout=seconds + 30, check=True
    ).stdout
    for bad in ("Non-2xx or 3xx responses", "Socket errors"):
        if bad in out:
            raise SystemExit(f"wrk reported {bad.lower()} for {url}:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if match is None:
        raise SystemExit(f"unexpected wrk output:\n{out}")
    return float(match.group(1))


class _Client(asyncio.Protocol):
    """One keep-alive connection sending the next request as soon as the last
    response is complete (Content-Length framing, as every server here uses)."""

    def __init__(self, request: bytes, deadline: float, done: asyncio.Future[None]) -> None:
        self.request = request
        self.deadline = deadline
        self.done = done
        self.buffer = b""
        self.count = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = t.cast(asyncio.Transport, transport)
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].lower()
            if not head.startswith((b"http/1.1 200", b"http/1.0 200")):
                self._finish(RuntimeError(f"bad response: {head[:80]!r}"))
                return
            match = re.search(rb"\r\ncontent-length:\s*(\d+)", head)
            if match is None:
                self._finish(RuntimeError("response without content-length"))
                return
            total = end + 4 + int(match.group(1))
            if len(self.buffer) < total:
                return
            self.buffer = self.buffer[total:]
            self.count += 1
            if time.monotonic() >= self.deadline:
                self._finish(None)
                return
            if self.transport is not None:
                self.transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self._finish(exc or RuntimeError("the server closed the connection"))

    def _finish(self, exc: BaseException | None) -> None:
        if not self.done.done():
            if exc is None:
                self.done.set_result(None)
            else:
                self.done.set_exception(exc)
        if self.transport is not None:
            self.transport.close()


async def _python_load(
    port: int, target: str, headers: dict[str, str], connections: int, seconds: float
) -> float:
    lines = [f"GET {target} HTTP/1.1", "Host: 127.0.0.1", "User-Agent: bench"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    loop = asyncio.get_running_loop()
    t0 = time.monotonic()
    deadline = t0 + seconds
    clients = []
    for _ in range(connections):
        done: asyncio.Future[None] = loop.create_future()
        _, client = await loop.create_connection(
            lambda done=done: _Client(request, deadline, done), "127.0.0.1", port
        )
        clients.append(client)
    await asyncio.wait_for(asyncio.gather(*(c.done for c in clients)), seconds + 30)
    return sum(c.count for c in clients) / (time.monotonic() - t0)


def python_load(url: str, headers: dict[str, str], connections: int, seconds: float) -> float:
    rest = url.split("//", 1)[1]
    hostport, _, target = rest.partition("/")
    port = int(hostport.rsplit(":", 1)[1])
    return asyncio.run(_python_load(port, "/" + target, headers, connections, seconds))


# -- main --------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one round")
    parser.add_argument("--seconds", type=float, help="length of a timed run (default 1)")
    parser.add_argument("--warmup", type=float, help="warm-up run per server and case (1)")
    parser.add_argument("--repeats", type=int, help="rounds over every case (default 6)")
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections")
    parser.add_argument("--loop", default="auto", help="granian --loop (auto, asyncio, uvloop)")
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()
    # Many short runs, the best counting: on a shared machine a short run
    # has a fair chance to miss the other jobs' bursts; a long one has none.
    seconds = args.seconds or 1.0
    warmup = args.warmup if args.warmup is not None else 1.0
    repeats = args.repeats or (1 if args.quick else 6)
    use_wrk = args.loadgen == "wrk" or (args.loadgen == "auto" and shutil.which("wrk"))
    if use_wrk and not shutil.which("wrk"):
        raise SystemExit("wrk is not on PATH (apt-get install -y wrk)")
    load = wrk if use_wrk else python_load
    if use_wrk:
        # wrk counts whole seconds.
        seconds = max(1.0, round(seconds))
        if warmup:
            warmup = max(1.0, round(warmup))

    runs: dict[tuple[str, str], list[float]] = {}
    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="kolben-http-bench-") as logdir:
        try:
            for name in SERVERS:
                servers.append(start(name, args.loop, Path(logdir)))
            for server in servers:
                wait_ready(server)
                for case in CASES:
                    check(server, case)
                    if warmup:
                        load(_url(server, case), _headers(case), args.connections, warmup)
            for round_ in range(repeats):
                # Kolben and its bare twin run back to back; who goes first
                # alternates, so neither always inherits the other's wake.
                order = servers if round_ % 2 == 0 else _swap_pairs(servers)
                for case in CASES:
                    for server in order:
                        rps = load(_url(server, case), _headers(case), args.connections, seconds)
                        runs.setdefault((server.name, case), []).append(rps)
        finally:
            for server in servers:
                server.stop()

    from granian import __version__ as granian_version

    generator = (
        f"wrk -t1 -c{args.connections}"
        if use_wrk
        else f"Python client, {args.connections} connections (client-bound)"
    )
    print(
        f"\nOver HTTP: one granian {granian_version} worker per server (--loop {args.loop}),"
        f" {generator}, {repeats} rounds of {seconds:g} s runs (each server warmed up"
        f" {warmup:g} s per case). Requests/second: best run. Ratio kolben/bare and"
        " the server time kolben adds per request: median over the rounds of"
        " back-to-back pairs on the same request (target for A: >= 0.80x).\n"
    )
    print(
        "| case | kolben WSGI | bare WSGI | ratio | us added |"
        " kolben ASGI | bare ASGI | ratio | us added |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for case in CASES:
        cells = []
        for iface in ("WSGI", "ASGI"):
            k, b = runs[(f"kolben {iface}", case)], runs[(f"bare {iface}", case)]
            ratio = statistics.median(x / y for x, y in zip(k, b, strict=True))
            added = statistics.median(1e6 / x - 1e6 / y for x, y in zip(k, b, strict=True))
            cells.append(f"{max(k):,.0f} | {max(b):,.0f} | {ratio:.2f}x | {added:+.1f}")
        print(f"| {case} | " + " | ".join(cells) + " |")
    # The bare callables do the same work on every request: how far apart
    # their best runs are says how noisy this machine was.
    for iface in ("WSGI", "ASGI"):
        bests = [max(runs[(f"bare {iface}", case)]) for case in CASES]
        spread = (max(bests) - min(bests)) / max(bests) * 100
        print(
            f"\nnoise: bare {iface} best over the four requests {min(bests):,.0f}"
            f" - {max(bests):,.0f} ({spread:.0f}% apart)",
            end="",
        )
    print()


def _swap_pairs(servers: list[Server]) -> list[Server]:
    """``[k1, b1, k2, b2]`` -> ``[b1, k1, b2, k2]``."""
    swapped = list(servers)
    for i in range(0, len(swapped) - 1, 2):
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
    return swapped


if __name__ == "__main__":
    main()
