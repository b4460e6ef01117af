"""Issue 14 cases that only show over a real server: gunicorn (a subprocess).

gunicorn's input stream raises its own parse errors (``InvalidChunkSize``,
``ChunkMissingTerminator``...) while the app reads a malformed chunked body;
Kolben answers them 400, never 500 (case 4). gunicorn refuses a response
header name that is not a token after the view ran; Kolben never calls
``start_response`` a second time then (case 5), so gunicorn answers with
its own 500 and one set of headers.

The server runs once for the module: 127.0.0.1, a free port, one worker,
stopped by its pid; every read is bounded. The gthread worker is used
because it keeps connections alive (the sync worker closes each one).
"""

from __future__ import annotations

import importlib.util
import re
import socket
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from servers import Server, free_port

pytestmark = pytest.mark.servers

HOST = "127.0.0.1"
#: Generous ceiling for one exchange (seconds).
BOUND = 10.0

APP = '''
from kolben import Kolben, Response, request

app = Kolben(__name__)


@app.get("/")
def index():
    return "ok"


@app.post("/echo")
def echo():
    return {"size": len(request.get_data())}


@app.post("/echo-async")
async def echo_async():
    return {"size": len(await request.get_data_async())}


@app.post("/form")
def form():
    return {"form": request.form.to_dict()}


@app.get("/refused-header")
def refused_header():
    response = Response("never sent")
    response.headers["X(Refused)"] = "1"  # Kolben accepts it; gunicorn refuses it
    return response
'''

#: id -> a malformed chunked body (then a pipelined request that must not be
#: read as part of it).
MALFORMED_CHUNKS = {
    "negative-size": b"-1\r\nab\r\n0\r\n\r\n",
    "size-not-hex": b"g\r\nab\r\n0\r\n\r\n",
    "size-empty": b"\r\nab\r\n0\r\n\r\n",
    "chunk-longer-than-size": b"2\r\nabcdef\r\n0\r\n\r\n",
}


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if importlib.util.find_spec("gunicorn") is None:
        pytest.skip("gunicorn is not installed (pip install -e '.[dev]')")
    folder = tmp_path_factory.mktemp("reliability_app")
    (folder / "reliability_app.py").write_text(textwrap.dedent(APP), "utf-8")
    port = free_port()
    command = [
        *(sys.executable, "-m", "gunicorn", "--no-control-socket", "--chdir", str(folder)),
        *("--bind", f"{HOST}:{port}", "--workers", "1", "--worker-class", "gthread"),
        *("--threads", "2", "reliability_app:app"),
    ]
    server = Server([], cwd=Path(folder), port=port, command=command)
    try:
        server.wait_until_serving("/", timeout=30)
        yield server
    finally:
        server.stop()


def exchange(port: int, raw: bytes) -> tuple[bytes, bool]:
    """Send ``raw`` on a new connection; (everything read, closed by the server)."""
    with socket.create_connection((HOST, port), timeout=BOUND) as sock:
        sock.sendall(raw)
        data = b""
        deadline = time.monotonic() + BOUND
        while time.monotonic() < deadline:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                return data, False
            except OSError:  # reset: closed with our bytes unread
                return data, True
            if not chunk:
                return data, True
            data += chunk
        return data, False


def statuses(data: bytes) -> list[int]:
    return [int(code) for code in re.findall(rb"HTTP/1\.[01] (\d{3})", data)]


def head_of(data: bytes) -> list[bytes]:
    return data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]


@pytest.mark.parametrize("path", ["/echo", "/echo-async", "/form"])
@pytest.mark.parametrize("case", sorted(MALFORMED_CHUNKS))
def test_malformed_chunked_body_is_400_under_gunicorn(
    gunicorn: Server, case: str, path: str
) -> None:
    content_type = "application/x-www-form-urlencoded" if path == "/form" else "text/plain"
    raw = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: chunked\r\n"
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode() + MALFORMED_CHUNKS[case]
    pipelined = f"GET / HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
    logged = len(gunicorn.output)
    data, closed = exchange(gunicorn.port, raw + pipelined)
    # One answer, a 400 (the server's read error is the client's fault): the
    # pipelined request is never read out of a broken body.
    assert statuses(data) == [400], data
    assert b"malformed" in data
    # gunicorn drops a Connection header set by a WSGI app (hop-by-hop, PEP
    # 3333) and says keep-alive, but then closes the connection itself when
    # it cannot skip the rest of the body: nothing more is read from it.
    assert closed, data
    assert gunicorn.get("/")[0] == 200
    assert "Traceback" not in gunicorn.output[logged:]


def test_refused_header_gets_one_clean_500_from_gunicorn(gunicorn: Server) -> None:
    raw = f"GET /refused-header HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode()
    logged = len(gunicorn.output)
    data, closed = exchange(gunicorn.port, raw)
    assert closed
    assert statuses(data) == [500], data
    lines = [line.lower() for line in head_of(data)]
    # One set of headers: before issue 14, Kolben's fast pipeline called
    # start_response again, and gunicorn raised "Response headers already
    # set"; with exc_info it would have sent two different Content-Lengths.
    assert sum(line.startswith(b"content-length:") for line in lines) == 1, data
    assert b"never sent" not in data
    assert gunicorn.get("/")[0] == 200
    # gunicorn logs its own refusal, and nothing else.
    gunicorn.wait_for_output("InvalidResponseHeaderName", timeout=BOUND)
    time.sleep(0.2)  # the rest of that log entry, if any
    assert "Response headers already set" not in gunicorn.output[logged:]
