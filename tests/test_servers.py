"""End to end: ``examples/serverdemo.py`` under five real servers, over sockets.

Each server runs in a subprocess on 127.0.0.1 (one worker) and is started
once for all the checks of this module; SECURITY.md ("Faults", "Through a
real server") lists what the checks prove. The app reports what it saw
(stream closed, teardown ran, lifespan hooks) as lines in a log file named
by ``SERVERDEMO_LOG``.

Deselect with ``-m "not servers"``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import typing as t
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
ws_client = pytest.importorskip("websockets.sync.client")
ws_exceptions = pytest.importorskip("websockets.exceptions")

pytestmark = pytest.mark.servers

ROOT = Path(__file__).resolve().parent.parent
TARGET = "examples.serverdemo"
STARTUP_FAILURE = "serverdemo: startup failure requested"
HOST = "127.0.0.1"


def _has_gunicorn_control_socket_flag() -> bool:
    try:
        major = int(importlib.metadata.version("gunicorn").split(".")[0])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return False
    return major >= 27


def _installed(distribution: str) -> bool:
    try:
        importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _version(distribution: str) -> tuple[int, ...]:
    """The installed version of ``distribution`` as a tuple of ints (release part only)."""
    release = re.match(r"[0-9.]+", importlib.metadata.version(distribution))
    return tuple(int(n) for n in release.group(0).strip(".").split(".")) if release else ()


#: The request-head timeout given to the servers that have one (seconds).
HEAD_TIMEOUT = 2


def _granian(interface: str, target: str) -> Callable[[int], list[str]]:
    def argv(port: int) -> list[str]:
        extra = ["--blocking-threads", "8"] if interface == "wsgi" else []
        return [
            *("-m", "granian", "--interface", interface, "--host", HOST, "--port", str(port)),
            *("--workers", "1", "--http1-header-read-timeout", str(HEAD_TIMEOUT * 1000)),
            *(*extra, target),
        ]

    return argv


def _uvicorn(lifespan: str) -> Callable[[int], list[str]]:
    def argv(port: int) -> list[str]:
        return [
            *("-m", "uvicorn", "--host", HOST, "--port", str(port), "--workers", "1"),
            # h11 always: with httptools installed (the bench extra brings it
            # in) uvicorn's "auto" picks it, and it bounds no request head.
            *("--http", "h11", "--lifespan", lifespan, f"{TARGET}:app.asgi"),
        ]

    return argv


def _hypercorn(workers: int) -> Callable[[int], list[str]]:
    def argv(port: int) -> list[str]:
        return [
            *("-m", "hypercorn", "--bind", f"{HOST}:{port}", "--workers", str(workers)),
            # Its keep-alive timeout also bounds the wait for a request head.
            *("--keep-alive", str(HEAD_TIMEOUT), f"{TARGET}:app.asgi"),
        ]

    return argv


def _gunicorn(port: int) -> list[str]:
    flags = ["--no-control-socket"] if _has_gunicorn_control_socket_flag() else []
    return [
        *("-m", "gunicorn", "--bind", f"{HOST}:{port}", "--workers", "1"),
        *("--worker-class", "sync", *flags, f"{TARGET}:app"),
    ]


@dataclass(frozen=True)
class Server:
    """How to start one server, and what it is expected to do."""

    name: str
    module: str
    interface: str  # "wsgi" or "asgi"
    argv: Callable[[int], list[str]]
    #: Serves other connections while one client is still sending headers.
    concurrent: bool = True
    #: Rejects, or closes after answering, a request with both
    #: Content-Length and Transfer-Encoding (RFC 9112 section 6.3).
    closes_on_cl_te: bool = True
    #: Refuses ~100 kB of request head even when it arrives in one read.
    bounds_header_bursts: bool = True
    #: Why a client that stops sending its request head is never dropped
    #: (empty: the server drops it after ``HEAD_TIMEOUT``).
    keeps_stalled_clients: str = ""


SERVERS = [
    Server("granian-wsgi", "granian", "wsgi", _granian("wsgi", f"{TARGET}:app")),
    Server("granian-asgi", "granian", "asgi", _granian("asgi", f"{TARGET}:app.asgi")),
    Server(
        "uvicorn",
        "uvicorn",
        "asgi",
        _uvicorn("on"),
        closes_on_cl_te=False,
        bounds_header_bursts=False,
        keeps_stalled_clients="uvicorn has no timeout for reading a request head"
        " (a stalled client keeps its connection; other clients are still served)",
    ),
    Server("hypercorn", "hypercorn", "asgi", _hypercorn(1), closes_on_cl_te=False),
    # A sync worker serves one connection at a time (it belongs behind a
    # buffering proxy): a slow client holds it.
    Server(
        "gunicorn",
        "gunicorn",
        "wsgi",
        _gunicorn,
        concurrent=False,
        keeps_stalled_clients="a gunicorn sync worker waits for a stalled client until the"
        " arbiter kills it (--timeout, 30 s); it belongs behind a buffering proxy",
    ),
]
ASGI_SERVERS = [s for s in SERVERS if s.interface == "asgi"]


def _require(server: Server) -> None:
    if importlib.util.find_spec(server.module) is None:
        pytest.skip(f"{server.module} is not installed (pip install -e '.[dev]')")


# -- running a server -----------------------------------------------------------------


@dataclass
class Running:
    """A started server process and the files it writes."""

    server: Server
    port: int
    proc: subprocess.Popen[bytes]
    log: Path
    output: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def events(self) -> list[str]:
        try:
            return self.log.read_text("utf-8").splitlines()
        except FileNotFoundError:
            return []

    def wait_for_events(self, *wanted: str, timeout: float = 10.0) -> list[str]:
        """Poll the log until each of ``wanted`` starts a line (bounded).

        Returns those lines, in the order of ``wanted``; a teardown line
        ends with the name of the exception teardown received, if any.
        """
        deadline = time.monotonic() + timeout
        while True:
            events = self.events()
            found = [_find(events, prefix) for prefix in wanted]
            if None not in found:
                return t.cast("list[str]", found)
            if time.monotonic() > deadline:
                pytest.fail(f"{self.server.name}: {wanted} not logged within {timeout}s: {events}")
            time.sleep(0.05)

    def text_output(self) -> str:
        return self.output.read_text("utf-8", errors="replace")


def _find(events: list[str], prefix: str) -> str | None:
    for line in events:
        if line == prefix or line.startswith(prefix + " "):
            return line
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _spawn(server: Server, workdir: Path, env_extra: dict[str, str]) -> Running:
    port = _free_port()
    log = workdir / f"{server.name}-{port}.log"
    output = workdir / f"{server.name}-{port}.out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVERDEMO_")}
    env.update(
        SERVERDEMO_LOG=str(log),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
        **env_extra,
    )
    with output.open("wb") as out:
        # A file (not a pipe) for the output: a chatty server never blocks.
        proc = subprocess.Popen(
            [sys.executable, *server.argv(port)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Running(server, port, proc, log, output)


def _stop(running: Running, timeout: float = 10.0) -> int:
    """Stop the server by its own pid: terminate, then kill after ``timeout``."""
    proc = running.proc
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
    if proc.returncode == -signal.SIGKILL:
        # Killed before it could stop its workers: they are in the session
        # this test started for it (its pgid is its pid), so end them too.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return proc.returncode


def _wait_until_ready(running: Running, timeout: float = 20.0) -> bool:
    """True once the server answers; False when it exited first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running.proc.poll() is not None:
            return False
        try:
            if httpx.get(f"{running.url}/sync", timeout=1.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{running.server.name} did not answer within {timeout}s:\n{running.text_output()}")


def _start(server: Server, workdir: Path) -> Running:
    for _ in range(3):
        running = _spawn(server, workdir, {})
        try:
            if _wait_until_ready(running):
                return running
        except BaseException:
            _stop(running)
            raise
        output = running.text_output()
        if "address already in use" not in output.lower():
            pytest.fail(f"{server.name} exited with {running.proc.returncode}:\n{output}")
        # Another process took the free port in between: try a new one.
    pytest.fail(f"{server.name}: no free port after 3 attempts")


@pytest.fixture(scope="module", params=SERVERS, ids=[s.name for s in SERVERS])
def running(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    """One server, started once for every check of this module."""
    server: Server = request.param
    _require(server)
    running = _start(server, tmp_path_factory.mktemp(server.name))
    try:
        yield running
    finally:
        _stop(running)


@pytest.fixture
def client(running: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running.url, timeout=10.0) as client:
        yield client


def _tag() -> str:
    return uuid.uuid4().hex[:12]


def _serves_next_request(running: Running) -> None:
    # A new connection: the server (not just one connection) still works.
    response = httpx.get(f"{running.url}/sync?next=1", timeout=10.0)
    assert response.status_code == 200
    assert response.json() == {"view": "sync", "args": {"next": "1"}}


# -- raw sockets --------------------------------------------------------------------------

_STATUS = re.compile(rb"HTTP/1\.[01] (\d{3})")


def _connect(running: Running) -> socket.socket:
    sock = socket.create_connection((HOST, running.port), timeout=5.0)
    sock.settimeout(5.0)
    return sock


def _read(
    sock: socket.socket, timeout: float, enough: Callable[[bytes], bool]
) -> tuple[bytes, bool]:
    """Read until ``enough(data)``, EOF or ``timeout``; returns (data, closed)."""
    data = b""
    deadline = time.monotonic() + timeout
    while not enough(data):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return data, False
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            return data, False
        except OSError:  # reset: the server closed with our data unread
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def _statuses(data: bytes) -> list[int]:
    return [int(m.group(1)) for m in _STATUS.finditer(data)]


# -- basic requests ---------------------------------------------------------------------------


def test_lifespan_ran_before_serving(running: Running) -> None:
    startups = [e for e in running.events() if e.startswith("before_serving")]
    if running.server.interface == "asgi":
        assert len(startups) == 1, running.events()
    else:
        assert startups == [], "WSGI has no lifespan: before_serving must not run"


@pytest.mark.parametrize("path", ["/sync", "/async"])
def test_get(client: httpx.Client, path: str) -> None:
    response = client.get(path, params={"q": "kolben ä"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"view": path[1:], "args": {"q": "kolben ä"}}


@pytest.mark.parametrize(("path", "view"), [("/echo", "sync"), ("/echo-async", "async")])
def test_json_post(client: httpx.Client, path: str, view: str) -> None:
    payload = {"text": "grüß dich", "items": list(range(50)), "nested": {"ok": True}}
    response = client.post(path, json=payload)
    assert response.status_code == 200
    assert response.json() == {"view": view, "json": payload}


@pytest.mark.parametrize("path", ["/echo", "/echo-async"])
def test_json_post_chunked_body(client: httpx.Client, path: str) -> None:
    # No Content-Length: the body arrives with Transfer-Encoding: chunked.
    def body() -> Iterator[bytes]:
        yield b'{"parts": '
        yield b"[1, 2, 3]}"

    response = client.post(path, content=body(), headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.json()["json"] == {"parts": [1, 2, 3]}


@pytest.mark.parametrize("path", ["/echo", "/echo-async"])
def test_malformed_json_is_400(client: httpx.Client, path: str) -> None:
    response = client.post(path, content=b'{"a": ', headers={"Content-Type": "application/json"})
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/echo", "/echo-async"])
def test_large_json_post(client: httpx.Client, path: str) -> None:
    # Above the 1 MiB an async view gets preloaded: this one streams in.
    payload = {"blob": "x" * 1_500_000, "numbers": list(range(1000))}
    response = client.post(path, json=payload)
    assert response.status_code == 200
    assert response.json()["json"] == payload


def test_concurrent_requests_keep_their_own_context(client: httpx.Client) -> None:
    paths = ["/sync", "/async", "/stream", "/stream-async"]

    def call(i: int) -> bool:
        path = paths[i % len(paths)]
        tag = f"c{i}"
        response = client.get(path, params={"tag": tag, "n": 3, "delay": 0.01})
        if path.startswith("/stream"):
            return response.text == "".join(f"line {n} {tag}\n" for n in range(3))
        return bool(response.json()["args"]["tag"] == tag)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(call, range(48)))
    assert all(results), results.count(False)


@pytest.mark.parametrize("path", ["/stream", "/stream-async"])
def test_stream_arrives_in_chunks(client: httpx.Client, path: str) -> None:
    arrivals: list[tuple[float, bytes]] = []
    with client.stream("GET", path, params={"n": 4, "delay": 0.15, "tag": "t1"}) as response:
        assert response.status_code == 200
        for chunk in response.iter_raw():
            arrivals.append((time.monotonic(), chunk))
    body = b"".join(chunk for _, chunk in arrivals)
    assert body == b"".join(b"line %d t1\n" % i for i in range(4))
    assert len(arrivals) >= 2, "the body arrived in one piece: it was not streamed"
    assert arrivals[0][1].startswith(b"line 0 t1\n")
    # The first line left while the generator was still sleeping (3 x 0.15 s).
    assert arrivals[-1][0] - arrivals[0][0] > 0.2


@pytest.mark.parametrize("path", ["/endless", "/endless-async"])
def test_head_of_endless_stream_tears_down(running: Running, path: str) -> None:
    # HEAD sends no body: the endless generator is never run, and the
    # request it held must still be torn down (right after the response).
    tag = _tag()
    response = httpx.head(f"{running.url}{path}", params={"id": tag}, timeout=10.0)
    assert response.status_code == 200
    assert response.content == b""
    _serves_next_request(running)
    [teardown] = running.wait_for_events(f"teardown {path} {tag}", timeout=2.0)
    assert teardown == f"teardown {path} {tag}"


def _collect(url: str, into: list[bytes]) -> None:
    """GET ``url``, appending the status then each body chunk to ``into``."""
    with httpx.stream("GET", url, timeout=10.0) as response:
        into.append(str(response.status_code).encode())
        into.extend(response.iter_raw())


@pytest.mark.parametrize("path", ["/broken-stream", "/broken-stream-async"])
def test_broken_stream_ends_connection(
    running: Running, path: str, request: pytest.FixtureRequest
) -> None:
    if running.server.name == "granian-wsgi" and _version("granian") < (2, 8, 9):
        request.applymarker(
            # A WSGI app can only raise; granian up to 2.8.7 then wrote the
            # last chunk anyway, so the client could not tell the body was
            # cut short. 2.8.9 (the locked version) aborts the connection.
            pytest.mark.xfail(
                strict=True, reason="granian < 2.8.9 ends a WSGI body normally when it raises"
            )
        )
    tag = _tag()
    received: list[bytes] = []
    with pytest.raises(httpx.RemoteProtocolError):
        _collect(f"{running.url}{path}?id={tag}", received)
    # granian (2.8.9) aborts the connection when a WSGI iterator raises, at
    # times before it has flushed the head and the first chunk: the client
    # then sees nothing, still a broken response and never a complete one.
    if received or running.server.name != "granian-wsgi":
        # The status and first line left before the generator raised.
        assert received[0] == b"200"
        assert b"".join(received[1:]) == b"line 0\n"
    [teardown] = running.wait_for_events(f"teardown {path} {tag}")
    assert teardown == f"teardown {path} {tag} RuntimeError"  # teardown saw the error
    _serves_next_request(running)


# -- faults: client disconnect mid-stream ------------------------------------------------------


def _disconnect_mid_stream(running: Running, path: str) -> str:
    """Read some of the endless ``path``, hang up; returns the teardown line."""
    tag = _tag()
    with _connect(running) as sock:
        sock.sendall(f"GET {path}?id={tag} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        data, closed = _read(sock, 10.0, lambda d: len(d) > 8192)
        assert not closed
        assert _statuses(data)[:1] == [200]
    # The client is gone: the generator must be closed, then teardown run.
    closed_line, teardown_line = running.wait_for_events(
        f"closed {path} {tag}", f"teardown {path} {tag}"
    )
    events = running.events()
    assert events.index(closed_line) < events.index(teardown_line)
    _serves_next_request(running)
    return teardown_line.replace(f" {tag}", "")


@pytest.mark.parametrize("path", ["/endless", "/endless-async"])
def test_disconnect_mid_stream_closes_generator_and_tears_down(running: Running, path: str) -> None:
    _disconnect_mid_stream(running, path)


@pytest.mark.parametrize("path", ["/endless", "/endless-async"])
def test_disconnect_mid_stream_is_no_error_for_teardown(
    running: Running, path: str, request: pytest.FixtureRequest
) -> None:
    # A client leaving is not an error of the app: teardown gets None, as
    # it does for a sync stream and under WSGI.
    assert _disconnect_mid_stream(running, path) == f"teardown {path}"


# -- through a real server: bad clients --------------------------------------------------------


_MANY_HEADERS = b"".join(b"X-Many-%d: value\r\n" % i for i in range(5000))  # ~100 kB


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(b"X-Big: " + b"a" * (1 << 20) + b"\r\n", id="one-1MiB-header"),
        pytest.param(_MANY_HEADERS, id="5000-headers"),
    ],
)
def test_oversize_headers_are_refused(
    running: Running, headers: bytes, request: pytest.FixtureRequest
) -> None:
    if headers is _MANY_HEADERS and not running.server.bounds_header_bursts:
        # h11 only bounds an incomplete head (16 KiB): a ~100 kB head that
        # arrives in one read is accepted whole. Not strict: whether it
        # arrives in one read depends on timing.
        request.applymarker(
            pytest.mark.xfail(
                strict=False, reason="uvicorn (h11) accepts a 100 kB head in one read"
            )
        )
    raw = b"GET /sync HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\n" + headers + b"\r\n"
    with _connect(running) as sock:
        try:
            sock.sendall(raw)
        except OSError:
            closed, data = True, b""  # closed on us while we were still sending
        else:
            data, closed = _read(sock, 10.0, lambda d: b"\r\n\r\n" in d)
    statuses = _statuses(data)
    assert statuses[:1] != [200], "the server accepted a request with oversize headers"
    assert closed or (statuses and 400 <= statuses[0] < 500), data[:200]
    _serves_next_request(running)


_CL_TE = (
    b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
    b'7\r\n{"a":1}\r\n0\r\n\r\n'
    # If the connection stays open, this reaches the app as a second request.
    b"GET /sync?smuggled=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
)


def _send_cl_te(running: Running) -> tuple[list[int], bytes, bool]:
    with _connect(running) as sock:
        sock.sendall(_CL_TE)
        data, closed = _read(sock, 3.0, lambda d: len(_statuses(d)) >= 2)
    statuses = _statuses(data)
    assert statuses or closed, f"no answer at all: {data[:200]!r}"
    return statuses, data, closed


def test_content_length_with_transfer_encoding_never_frames_by_length(running: Running) -> None:
    statuses, data, _ = _send_cl_te(running)
    if statuses and 200 <= statuses[0] < 300:
        # Framed by Transfer-Encoding; Content-Length would have cut the body
        # to '7\r\n{' and made the JSON invalid (400).
        assert b'{"json":{"a":1},"view":"sync"}' in data
    else:
        assert not statuses or 400 <= statuses[0] < 500, data[:400]
    _serves_next_request(running)


def test_content_length_with_transfer_encoding_is_refused_or_closed(
    running: Running, request: pytest.FixtureRequest
) -> None:
    # h11-based servers (uvicorn, hypercorn) would keep the connection; Kolben
    # refuses such a request with 400 and, under ASGI, `Connection: close`.
    statuses, data, closed = _send_cl_te(running)
    # Rejected, or answered once and then closed: nothing rides along.
    assert (statuses and 400 <= statuses[0] < 500) or (closed and len(statuses) <= 1), data[:400]
    assert b"smuggled" not in data
    _serves_next_request(running)


def test_slow_client(running: Running) -> None:
    raw = f"GET /sync?slow=1 HTTP/1.1\r\nHost: {HOST}\r\nX-Drip: {'d' * 40}\r\n\r\n".encode()
    half = len(raw) // 2
    with _connect(running) as sock:
        # Headers byte by byte (bounded: ~1 s in all).
        for i in range(half):
            sock.sendall(raw[i : i + 1])
            time.sleep(0.01)
        if running.server.concurrent:
            # A half-sent request does not hold up other clients.
            _serves_next_request(running)
        try:
            for i in range(half, len(raw)):
                sock.sendall(raw[i : i + 1])
                time.sleep(0.01)
        except OSError:
            data, closed = b"", True  # the server gave up on us: fine
        else:
            data, closed = _read(sock, 10.0, lambda d: d.endswith(b"}\n"))
    statuses = _statuses(data)
    if statuses and statuses[0] == 200:
        assert data.endswith(b'{"args":{"slow":"1"},"view":"sync"}\n')
    else:
        assert closed or (statuses and 400 <= statuses[0] < 500), data[:200]
    _serves_next_request(running)


def test_stalled_client_is_dropped(running: Running) -> None:
    if running.server.keeps_stalled_clients:
        pytest.skip(running.server.keeps_stalled_clients)
    with _connect(running) as sock:
        sock.sendall(f"GET /sync?stalled=1 HTTP/1.1\r\nHost: {HOST}\r\nX-Stall: ".encode())
        start = time.monotonic()
        _serves_next_request(running)  # meanwhile, others are served
        data, closed = _read(sock, HEAD_TIMEOUT + 5, lambda d: False)
        elapsed = time.monotonic() - start
    assert closed, f"still open after {elapsed:.1f}s"
    assert elapsed < HEAD_TIMEOUT + 5
    statuses = _statuses(data)
    assert not statuses or 400 <= statuses[0] < 500, data[:200]
    _serves_next_request(running)


def test_two_host_headers_are_refused(running: Running) -> None:
    """RFC 9112 section 3.2: two Host lines are a 400, from the server
    (gunicorn) or from Kolben (the others join them with a comma)."""
    raw = b"GET /sync HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n"
    with _connect(running) as sock:
        sock.sendall(raw)
        data, _ = _read(sock, 5.0, lambda d: b"\r\n\r\n" in d)
    statuses = _statuses(data)
    assert statuses, data[:300]
    assert statuses[0] == 400, data[:300]
    assert b"b.example" not in data
    _serves_next_request(running)


#: Slow uploads held open at once, and how long (one byte a second each).
SLOW_CLIENTS = 60
SLOW_SECONDS = 4


def _slow_uploads_leave_sync_views_served(port: int, clients: int, seconds: int) -> None:
    """Keep ``clients`` uploads to a sync view trickling in (one byte a
    second each) while a plain GET to a sync view answers within 2 s."""
    head = (
        f"POST /echo HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
        "Content-Length: 1000\r\n\r\n"
    ).encode()
    socks: list[socket.socket] = []
    try:
        for _ in range(clients):
            sock = socket.create_connection((HOST, port), timeout=5.0)
            socks.append(sock)
            sock.sendall(head)
        for second in range(seconds):
            started = time.monotonic()
            for sock in socks:
                sock.sendall(b" ")
            # The uploads now hold whatever they can; a GET must still pass.
            time.sleep(0.2)
            begin = time.monotonic()
            response = httpx.get(f"http://{HOST}:{port}/sync?n={second}", timeout=2.0)
            assert response.status_code == 200
            assert time.monotonic() - begin < 2.0
            time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    finally:
        for sock in socks:
            sock.close()  # mid-body: each request must end cleanly
    response = httpx.get(f"http://{HOST}:{port}/sync?after=1", timeout=5.0)
    assert response.status_code == 200


def test_slow_uploads_do_not_starve_sync_views(running: Running) -> None:
    """Issue 14, case 7: a slow upload to a sync view holds no worker thread
    (under ASGI Kolben receives the body on the loop first)."""
    if running.server.interface == "wsgi":
        pytest.skip(
            "under WSGI the server's thread waits for the body: test_slow_uploads_under_kolben_run"
            " checks the thread count kolben run chooses"
        )
    # The server process is shared by the module's tests (the broken-stream
    # ones log tracebacks on purpose): only what this test caused counts.
    logged_before = len(running.text_output())
    _slow_uploads_leave_sync_views_served(running.port, SLOW_CLIENTS, SLOW_SECONDS)
    assert "Traceback" not in running.text_output()[logged_before:]


@pytest.mark.parametrize(("interface", "clients"), [("asgi", SLOW_CLIENTS), ("wsgi", 10)])
def test_slow_uploads_under_kolben_run(interface: str, clients: int) -> None:
    """``kolben run``: 60 slow uploads under ASGI; under WSGI (granian's
    blocking threads), the 10 the documented thread count is sized for."""
    command = [
        *(sys.executable, "-m", "kolben", "--app", TARGET, "run", "--interface", interface),
        *("--host", HOST, "--port"),
    ]
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KOLBEN_", "SERVERDEMO_"))}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
    )
    with subprocess.Popen(
        [*command, str(port)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    ) as proc:
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    if httpx.get(f"http://{HOST}:{port}/sync", timeout=1.0).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert proc.poll() is None, "kolben run exited"
                assert time.monotonic() < deadline, "kolben run did not answer within 20 s"
                time.sleep(0.1)
            _slow_uploads_leave_sync_views_served(port, clients, SLOW_SECONDS)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


# -- websockets ------------------------------------------------------------------


def _ws_url(running: Running, room: str, tag: str) -> str:
    return f"ws://{HOST}:{running.port}/ws/{room}?id={tag}"


def test_websocket_round_trip(running: Running) -> None:
    tag = _tag()
    url = _ws_url(running, "lobby", tag)
    if running.server.interface == "wsgi":
        # No websockets over WSGI: the handshake reaches the app as a plain
        # GET and is refused with 400 (not 500), and the server goes on.
        with pytest.raises(ws_exceptions.InvalidStatus) as refused:
            ws_client.connect(url, open_timeout=10).close()
        assert refused.value.response.status_code == 400
        _serves_next_request(running)
        return
    with ws_client.connect(url, open_timeout=10) as ws:
        ws.send("hello")
        assert ws.recv(timeout=5) == "lobby: hello"
        ws.send(b"\x00\x01bytes")
        assert ws.recv(timeout=5) == b"setyb\x01\x00"
        ws.send("json")
        ws.send('{"list": [1, 2], "text": "ä"}')
        answer = ws.recv(timeout=5)
        assert isinstance(answer, str)  # a text frame
        assert json.loads(answer) == {"room": "lobby", "echo": {"list": [1, 2], "text": "ä"}}
        ws.send("bye")
        with pytest.raises(ws_exceptions.ConnectionClosedOK):
            ws.recv(timeout=5)
        assert ws.close_code == 1000
        assert ws.close_reason == "bye"
    _, teardown = running.wait_for_events(f"ws bye {tag}", f"teardown /ws/lobby {tag}")
    assert teardown == f"teardown /ws/lobby {tag}"


def test_websocket_route_over_plain_http_is_400(client: httpx.Client) -> None:
    assert client.get("/ws/lobby").status_code == 400


def test_websocket_abrupt_disconnect_tears_down(running: Running) -> None:
    if running.server.interface == "wsgi":
        pytest.skip("WSGI has no websockets")
    tag = _tag()
    with ws_client.connect(_ws_url(running, "gone", tag), open_timeout=10, close_timeout=1) as ws:
        ws.send("ping")
        assert ws.recv(timeout=5) == "gone: ping"
        # No close frame: the TCP connection just goes away.
        ws.socket.shutdown(socket.SHUT_RDWR)
    # The view saw a clean WebSocketDisconnect (and re-raised it).
    _, teardown = running.wait_for_events(f"ws disconnect {tag}", f"teardown /ws/gone {tag}")
    assert teardown == f"teardown /ws/gone {tag} WebSocketDisconnect"
    _serves_next_request(running)


def test_websocket_oversize_message_closes_1009(running: Running) -> None:
    if running.server.interface == "wsgi":
        pytest.skip("WSGI has no websockets")
    tag = _tag()
    # The app's WEBSOCKET_MAX_MESSAGE_SIZE is 1 MiB (the servers allow 16 MiB).
    with ws_client.connect(_ws_url(running, "big", tag), open_timeout=10) as ws:
        ws.send("x" * (1024 * 1024 + 1))
        with pytest.raises(ws_exceptions.ConnectionClosed):
            ws.recv(timeout=10)
        assert ws.close_code == 1009
    [closed] = running.wait_for_events(f"ws disconnect {tag}")
    assert closed == f"ws disconnect {tag} 1009"
    _serves_next_request(running)


def test_websocket_unknown_route_is_refused(running: Running) -> None:
    if running.server.interface == "wsgi":
        pytest.skip("WSGI has no websockets")
    for path in ("/nope", "/sync"):  # no route; an HTTP-only route
        with pytest.raises(ws_exceptions.InvalidStatus) as refused:
            ws_client.connect(f"ws://{HOST}:{running.port}{path}", open_timeout=10).close()
        assert refused.value.response.status_code == 403  # the servers' denial
    _serves_next_request(running)


# -- lifespan (ASGI only) ------------------------------------------------------------------------

FAILURE_CASES = [
    pytest.param(SERVERS[1], id="granian-asgi"),
    pytest.param(Server("uvicorn", "uvicorn", "asgi", _uvicorn("auto")), id="uvicorn-auto"),
    pytest.param(Server("uvicorn", "uvicorn", "asgi", _uvicorn("on")), id="uvicorn-on"),
    pytest.param(Server("hypercorn", "hypercorn", "asgi", _hypercorn(0)), id="hypercorn-0"),
    pytest.param(
        Server("hypercorn", "hypercorn", "asgi", _hypercorn(1)),
        id="hypercorn-1",
        # hypercorn.run.run() calls _join_exited() again on the emptied
        # process list, replacing the worker's exit code 1 with 0: seen on
        # 0.17 and 0.18.0 (the locked version); a later release is checked
        # when the lock moves to it.
        marks=pytest.mark.xfail(
            _installed("hypercorn") and _version("hypercorn") <= (0, 18, 0),
            strict=True,
            reason="hypercorn <= 0.18.0 --workers 1 exits 0 (error shown)",
        ),
    ),
]


@pytest.mark.parametrize("server", FAILURE_CASES)
def test_lifespan_startup_failure_exits_non_zero(server: Server, tmp_path: Path) -> None:
    _require(server)
    running = _spawn(server, tmp_path, {"SERVERDEMO_FAIL_STARTUP": "1"})
    try:
        try:
            running.proc.wait(20)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{server.name} kept running after startup failed")
    finally:
        _stop(running)
    output = running.text_output()
    assert STARTUP_FAILURE in output
    assert "RuntimeError" in output
    assert running.proc.returncode != 0, output[-2000:]


@pytest.mark.parametrize("server", ASGI_SERVERS, ids=[s.name for s in ASGI_SERVERS])
def test_lifespan_shutdown_runs_after_serving(server: Server, tmp_path: Path) -> None:
    _require(server)
    running = _start(server, tmp_path)
    try:
        startup = running.events()
        assert [e.split()[0] for e in startup] == ["before_serving"]
    finally:
        code = _stop(running)
    assert code in (0, -signal.SIGTERM), running.text_output()[-2000:]
    assert [e.split()[0] for e in running.events()] == ["before_serving", "after_serving"]
