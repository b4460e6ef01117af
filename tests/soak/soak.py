#!/usr/bin/env python3
"""A bounded soak of Kolben under five servers (issue 14): ``python3 dev.py soak``.

    python3 tests/soak/soak.py                   # 1 minute in all, split between the servers
    python3 tests/soak/soak.py --minutes 10      # the long run
    python3 tests/soak/soak.py --seconds 30 --servers uvicorn,gunicorn

Each server in turn serves tests/soak/soakapp.py on 127.0.0.1 (a free port,
stopped by its pid): ``kolben run`` (granian, WSGI and ASGI), gunicorn
(gthread), uvicorn and hypercorn. Client threads send a mixed request set:
plain, JSON, forms, uploads, sessions, streams read to the end and streams
the client drops part-way, WebSockets (ASGI servers; some closed cleanly,
some dropped), and bad inputs (malformed header lines, bad JSON, oversize
bodies, bad multipart). Per server it prints the requests, the 5xx
answers, the well-formed requests that got another status than expected
(200, 101, or 413 for an oversize body), the socket errors (a connection reset or timed out where an
answer was due), the tracebacks in the server's output, and the resident
memory of the server's process tree (from /proc) at start, after the
warm-up and at the end.

Exit status 1 when any server answered a 5xx or an unexpected status, its memory grew by 10% or
more after the warm-up, it died, or it served nothing; 0 otherwise.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import sys
import threading
import time
import typing as t
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from soakservers import HOST, SERVERS, Running, ServerSpec, start, tree_rss
from websockets.sync.client import connect as ws_connect

#: RSS growth after the warm-up that fails the run (a fraction).
MAX_GROWTH = 0.10
#: Share of each server's time spent warming up before the baseline RSS.
WARMUP_SHARE = 0.3
#: Every client call gives up after this many seconds.
CLIENT_TIMEOUT = 10.0
#: Bigger than soakapp.MAX_BODY (256 kB): such a body must meet a 413.
OVERSIZE = 300 * 1024


# -- the load ------------------------------------------------------------------------------


@dataclass
class Stats:
    """What the clients saw on one server (shared by its client threads)."""

    requests: int = 0
    server_errors: int = 0
    socket_errors: int = 0
    #: Well-formed requests answered with anything but the expected status.
    unexpected: int = 0
    by_status: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answered(self, kind: str, status: int) -> None:
        with self.lock:
            self.requests += 1
            self.by_status[kind, status] += 1
            expected = EXPECTED.get(kind)
            if status >= 500:
                self.server_errors += 1
                self.errors[f"{kind}: {status}"] += 1
            elif expected is not None and status != expected:
                self.unexpected += 1
                self.errors[f"{kind}: {status}"] += 1

    def failed(self, kind: str, exc: BaseException) -> None:
        with self.lock:
            self.socket_errors += 1
            self.errors[f"{kind}: {type(exc).__name__}"] += 1


def _multipart(boundary: str, fields: dict[str, str], files: dict[str, bytes]) -> bytes:
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    head = "".join(parts).encode()
    for name, data in files.items():
        head += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}";'
            f' filename="{name}.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        head += data + b"\r\n"
    return head + f"--{boundary}--\r\n".encode()


def _raw(port: int, data: bytes, *, read_all: bool = True) -> int:
    """Send ``data`` on a fresh socket; the status code of the answer (0: none)."""
    with socket.create_connection((HOST, port), timeout=CLIENT_TIMEOUT) as sock:
        sock.sendall(data)
        received = b""
        while b"\r\n" not in received and len(received) < 65536:
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
        if read_all:
            # Drain what follows (bounded), so the server is not left writing.
            deadline = time.monotonic() + CLIENT_TIMEOUT
            sock.settimeout(2.0)
            try:
                while time.monotonic() < deadline and sock.recv(65536):
                    pass
            except OSError:
                pass
    line = received.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) > 1 and line[1].isdigit() else 0


#: Malformed request heads: the server (or the app) must answer 4xx or close.
BAD_HEADS = [
    b"GET / HTTP/1.1\r\nHost: x\r\nNo-Colon-Here\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: value\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nX-Ctl: a\x01b\r\n\r\n",
    b"POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
    b"POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    b"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nCookie: session=\xff\xfe.garbage\r\n\r\n",
]


class Client:
    """One client thread's requests against one server."""

    def __init__(self, running: Running, stats: Stats, seed: int) -> None:
        self.running = running
        self.stats = stats
        self.random = random.Random(seed)
        self.http = httpx.Client(base_url=running.url, timeout=CLIENT_TIMEOUT)
        self.prefix = ""

    def close(self) -> None:
        self.http.close()

    def _do(self, kind: str, call: Callable[[], int]) -> None:
        try:
            status = call()
        except (httpx.HTTPError, OSError) as exc:
            self.stats.failed(kind, exc)
            return
        self.stats.answered(kind, status)

    # Each kind returns the status it got (0 for an answer without one).

    def plain(self) -> int:
        return self.http.get(self.prefix + "/").status_code

    def json_get(self) -> int:
        return self.http.get("/json", params={"q": uuid.uuid4().hex}).status_code

    def json_post(self) -> int:
        payload = {"n": self.random.randrange(10**6), "text": "ä" * self.random.randrange(50)}
        return self.http.post(self.prefix + "/json", json=payload).status_code

    def form(self) -> int:
        data = {"name": "soak", "value": str(self.random.random())}
        return self.http.post(self.prefix + "/form", data=data).status_code

    def upload(self) -> int:
        size = self.random.choice([10, 4096, 70 * 1024, 200 * 1024])
        files = {"file": ("up.bin", os.urandom(size), "application/octet-stream")}
        return self.http.post(
            self.prefix + "/form", data={"note": "up"}, files=files
        ).status_code

    def session(self) -> int:
        return self.http.get(self.prefix + "/session").status_code

    def stream_full(self) -> int:
        with self.http.stream("GET", self.prefix + "/stream", params={"n": 40}) as response:
            for _ in response.iter_bytes():
                pass
            return response.status_code

    def stream_dropped(self) -> int:
        # A fresh connection read part-way and then closed under the server.
        with socket.create_connection((HOST, self.running.port), timeout=CLIENT_TIMEOUT) as sock:
            sock.sendall(
                f"GET {self.prefix}/stream?n=400 HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
            )
            received = sock.recv(4096)
            for _ in range(self.random.randrange(4)):
                received += sock.recv(4096)
        line = received.split(b"\r\n", 1)[0].split()
        return int(line[1]) if len(line) > 1 and line[1].isdigit() else 0

    def bad_json(self) -> int:
        body = self.random.choice([b"{", b"[1,", b'{"a": nan}', b"\xff\xfe", b""])
        return self.http.post(
            self.prefix + "/json", content=body, headers={"Content-Type": "application/json"}
        ).status_code

    def oversize(self) -> int:
        # A fresh connection: the server may answer 413 and close mid-body.
        body = b"x" * OVERSIZE
        head = (
            f"POST {self.prefix}/form HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        try:
            return _raw(self.running.port, head + body)
        except (ConnectionResetError, BrokenPipeError):
            # Refused before the body was read: an answer, not a failure.
            return 413

    def bad_multipart(self) -> int:
        boundary = "soak" + uuid.uuid4().hex
        body = self.random.choice(
            [
                _multipart(boundary, {"a": "1"}, {})[:-10],  # cut before the end
                b"--" + boundary.encode() + b"\r\nno headers end",
                b"garbage with no boundary at all",
                _multipart(boundary, {"a": "x" * (80 * 1024)}, {}),  # over the form memory limit
            ]
        )
        return self.http.post(
            self.prefix + "/form",
            content=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        ).status_code

    def bad_head(self) -> int:
        # Connection: close, so that an answered request ends the read.
        line, rest = self.random.choice(BAD_HEADS).split(b"\r\n", 1)
        return _raw(self.running.port, line + b"\r\nConnection: close\r\n" + rest)

    def websocket(self) -> int:
        url = f"ws://{HOST}:{self.running.port}/ws"
        with ws_connect(url, open_timeout=CLIENT_TIMEOUT, close_timeout=2) as ws:
            for i in range(self.random.randrange(1, 6)):
                ws.send(f"m{i}")
                if ws.recv(timeout=CLIENT_TIMEOUT) != f"m{i}":
                    return 599  # a wrong echo counts as a server error
            if self.random.random() < 0.3:
                # Gone without a close frame.
                ws.socket.shutdown(socket.SHUT_RDWR)
                return 101
            ws.send("bye")
            try:
                ws.recv(timeout=CLIENT_TIMEOUT)
            except Exception as exc:  # the close frame ends recv
                if type(exc).__name__ not in ("ConnectionClosedOK", "ConnectionClosed"):
                    raise
        return 101


#: The status each well-formed kind must get (bad inputs: anything but a 5xx).
EXPECTED = {
    "plain": 200,
    "json-get": 200,
    "json-post": 200,
    "form": 200,
    "upload": 200,
    "session": 200,
    "stream": 200,
    "stream-dropped": 200,
    "oversize": 413,
    "websocket": 101,
}

#: kind: (weight, method). WebSockets are added for ASGI servers only.
KINDS: dict[str, tuple[int, Callable[[Client], int]]] = {
    "plain": (20, Client.plain),
    "json-get": (10, Client.json_get),
    "json-post": (10, Client.json_post),
    "form": (8, Client.form),
    "upload": (4, Client.upload),
    "session": (8, Client.session),
    "stream": (4, Client.stream_full),
    "stream-dropped": (4, Client.stream_dropped),
    "bad-json": (4, Client.bad_json),
    "oversize": (2, Client.oversize),
    "bad-multipart": (4, Client.bad_multipart),
    "bad-head": (4, Client.bad_head),
}


def _client_loop(
    running: Running, stats: Stats, seed: int, until: float, kinds: dict[str, t.Any]
) -> None:
    client = Client(running, stats, seed)
    try:
        for _ in range(10**7):  # bounded in count as well as in time
            if time.monotonic() >= until:
                break
            kind = client.random.choices(list(kinds), weights=[w for w, _ in kinds.values()])[0]
            client.prefix = "/a" if client.random.random() < 0.5 else ""
            client._do(kind, lambda k=kind: kinds[k][1](client))
    finally:
        client.close()


@dataclass
class Result:
    """One server's figures."""

    name: str
    stats: Stats
    rss_start: int
    rss_warm: int
    rss_end: int
    tracebacks: int
    alive: bool
    log: str

    @property
    def growth(self) -> float:
        return (self.rss_end - self.rss_warm) / self.rss_warm if self.rss_warm else 0.0

    @property
    def ok(self) -> bool:
        return (
            self.alive
            and self.stats.requests > 0
            and self.stats.server_errors == 0
            and self.stats.unexpected == 0
            and self.growth < MAX_GROWTH
        )


def soak_one(spec: ServerSpec, seconds: float, threads: int, logdir: Path) -> Result:
    """Start ``spec``, load it for ``seconds``, stop it; its figures."""
    kinds = dict(KINDS)
    if spec.interface == "asgi":
        kinds["websocket"] = (6, Client.websocket)
    running = start(spec, logdir)
    try:
        rss_start = tree_rss(running.proc.pid)
        stats = Stats()
        begin = time.monotonic()
        until = begin + seconds
        workers = [
            threading.Thread(
                target=_client_loop, args=(running, stats, i, until, kinds), daemon=True
            )
            for i in range(threads)
        ]
        for worker in workers:
            worker.start()
        # Short runs warm up for at least half their time (3 s at most):
        # the first seconds grow the allocator's arenas, which is no leak.
        warmup = max(seconds * WARMUP_SHARE, min(3.0, seconds / 2))
        time.sleep(max(0.0, begin + warmup - time.monotonic()))
        rss_warm = tree_rss(running.proc.pid)
        for worker in workers:
            worker.join(max(0.0, until - time.monotonic()) + 2 * CLIENT_TIMEOUT + 5)
        # Let the server finish what the dropped connections left behind.
        time.sleep(0.5)
        rss_end = tree_rss(running.proc.pid)
        alive = running.proc.poll() is None
    finally:
        running.stop()
    log = running.output()
    return Result(
        spec.name,
        stats,
        rss_start,
        rss_warm,
        rss_end,
        log.count("Traceback (most recent call last)"),
        alive,
        log,
    )


def _mb(value: int) -> str:
    return f"{value / 2**20:.1f}"


def table(results: list[Result]) -> str:
    """The figures as a Markdown table."""
    rows = [
        "| server | requests | 5xx | unexpected | socket errors | tracebacks | RSS start MB"
        " | RSS warm MB | RSS end MB | growth after warm-up | ok |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in results:
        rows.append(
            f"| {r.name} | {r.stats.requests} | {r.stats.server_errors} | {r.stats.unexpected}"
            f" | {r.stats.socket_errors}"
            f" | {r.tracebacks} | {_mb(r.rss_start)} | {_mb(r.rss_warm)} | {_mb(r.rss_end)}"
            f" | {r.growth:+.1%} | {'yes' if r.ok else 'NO'} |"
        )
    return "\n".join(rows)


def details(results: list[Result], verbose: bool = False) -> str:
    """What went wrong where: errors by kind, the server's last traceback."""
    lines = []
    for r in results:
        if verbose:
            counts = sorted(r.stats.by_status.items())
            lines.append(f"{r.name}: " + ", ".join(f"{k} {s} x{n}" for (k, s), n in counts))
        if r.stats.errors:
            summary = ", ".join(f"{k} x{n}" for k, n in r.stats.errors.most_common())
            lines.append(f"{r.name}: {summary}")
        if r.tracebacks:
            last = r.log.rfind("Traceback (most recent call last)")
            lines.append(f"{r.name}: last traceback in its output:\n{r.log[last:][:3000]}")
        if not r.alive:
            lines.append(f"{r.name}: the server died; its output:\n{r.log[-3000:]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the soak; 0 when every server met the figures, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--minutes", type=float, help="total load time (default 1)")
    length.add_argument("--seconds", type=float, help="total load time in seconds")
    parser.add_argument(
        "--servers", default=",".join(s.name for s in SERVERS), help="comma-separated names"
    )
    parser.add_argument("--threads", type=int, default=6, help="client threads per server")
    parser.add_argument(
        "--verbose", action="store_true", help="print the statuses each kind got"
    )
    parser.add_argument("--logdir", type=Path, default=None, help="keep the servers' output here")
    args = parser.parse_args(argv)
    total = args.seconds if args.seconds is not None else (args.minutes or 1.0) * 60
    wanted = [name.strip() for name in args.servers.split(",") if name.strip()]
    unknown = set(wanted) - {s.name for s in SERVERS}
    if unknown:
        parser.error(f"unknown servers {sorted(unknown)}; choose from {[s.name for s in SERVERS]}")
    specs = [s for s in SERVERS if s.name in wanted]
    logdir = args.logdir or Path(os.environ.get("TMPDIR", "/tmp")) / f"kolben-soak-{os.getpid()}"
    logdir.mkdir(parents=True, exist_ok=True)
    per_server = total / len(specs)
    print(f"Soak: {total:.0f} s of load, {per_server:.0f} s per server, logs in {logdir}")
    results = []
    for spec in specs:
        result = soak_one(spec, per_server, args.threads, logdir)
        print(
            f"  {spec.name}: {result.stats.requests} requests,"
            f" {result.stats.server_errors} 5xx, growth {result.growth:+.1%}",
            flush=True,
        )
        results.append(result)
    print()
    print(table(results))
    extra = details(results, args.verbose)
    if extra:
        print()
        print(extra)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
