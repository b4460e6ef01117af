"""The deployment guide's nginx snippet, run for real in front of ``kolben run``.

``docs/snippets/nginx.conf`` is the file the guide shows (docs/deployment.md
includes it). This test changes only what a reader would change (the app's
port, the port nginx listens on, the static folder), wraps it in a minimal
``nginx.conf`` with every path in a temporary prefix (``daemon off``, the
process stopped by its own pid), and checks through nginx:

- proxying, and nginx serving ``/static/`` itself;
- ``X-Forwarded-*`` as the app sees them through ``ProxyFix``: the client
  address is the one nginx saw (a forged ``X-Forwarded-For`` is ignored),
  and external URLs carry the host and port the client used;
- Server-Sent Events pass through unbuffered (the first event arrives while
  the stream is still open), under WSGI and ASGI;
- websockets pass through (ASGI).

It installs nothing: without an ``nginx`` binary it skips (``python3 dev.py
test`` installs Debian's nginx when it is missing). Deselect with
``-m "not servers"``.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from servers import ROOT, Server, free_port

pytestmark = pytest.mark.servers

SNIPPET = ROOT / "docs" / "snippets" / "nginx.conf"
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)), None
)
HOST = "example.com"  # the snippet's server_name, sent as the Host header

APP = """
import time
from pathlib import Path

from kolben import Kolben, request, url_for, websocket
from kolben.middleware.proxy_fix import ProxyFix
from kolben.sse import EventStream

app = Kolben(__name__, static_folder=None)
# One proxy (nginx) in front, setting these four headers: the guide's lines.
trust = {"x_for": 1, "x_proto": 1, "x_host": 1, "x_port": 1}
app.wsgi_app = ProxyFix(app.wsgi_app, **trust)
app.asgi_app = ProxyFix(app.asgi_app, **trust)

RELEASE = Path(__file__).with_name("release")
RELEASE.mkdir(exist_ok=True)


@app.route("/whoami")
def whoami():
    return {
        "remote_addr": request.remote_addr,
        "scheme": request.scheme,
        "host": request.host,
        "url": url_for("whoami", _external=True),
    }


@app.route("/events")
def events():
    def held(name):
        # Hold the stream open until the test has seen the event before:
        # through a buffering proxy it would not see it before the end.
        deadline = time.monotonic() + 10
        while not (RELEASE / name).exists() and time.monotonic() < deadline:
            time.sleep(0.02)

    def source():
        yield {"event": "first", "data": "one"}
        held("first")
        yield {"event": "second", "data": "two"}
        held("second")
        yield {"event": "third", "data": "three"}

    return EventStream(source(), ping_interval=None)


@app.websocket("/ws")
async def echo():
    async for message in websocket:
        await websocket.send(f"echo: {message}")
"""


def _nginx_conf(prefix: Path) -> str:
    user = ""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # nginx started as root runs its workers as "nobody", who cannot
        # enter the test's private temporary folder.
        user = "user root;"
    return textwrap.dedent(
        f"""\
        daemon off;
        worker_processes 1;
        pid {prefix}/nginx.pid;
        error_log {prefix}/error.log warn;
        {user}
        events {{ worker_connections 64; }}
        http {{
            access_log {prefix}/access.log;
            client_body_temp_path {prefix}/client_body;
            proxy_temp_path {prefix}/proxy;
            fastcgi_temp_path {prefix}/fastcgi;
            uwsgi_temp_path {prefix}/uwsgi;
            scgi_temp_path {prefix}/scgi;
            include {prefix}/site.conf;
        }}
        """
    )


def _configure(snippet: str, *, app_port: int, nginx_port: int, static: Path) -> str:
    """The reader's three edits: the app's address, the listen port, the static folder."""
    replacements = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "listen 80;": f"listen 127.0.0.1:{nginx_port};",
        "alias /srv/myapp/static/;": f"alias {static}/;",
    }
    for old, new in replacements.items():
        assert snippet.count(old) == 1, f"the snippet no longer contains {old!r}"
        snippet = snippet.replace(old, new)
    return snippet


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"nginx exited:\n{log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nginx is not listening on {port}")


@dataclass
class Proxied:
    """nginx (the guide's snippet) on :attr:`port` in front of ``kolben run``."""

    port: int
    interface: str
    release: Path  # the app holds its event stream open until files appear here

    def request(
        self, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path, headers={"Host": HOST, **(headers or {})})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()


@pytest.fixture(params=["wsgi", "asgi"])
def proxied(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Proxied]:
    if NGINX is None:
        pytest.skip("nginx is not installed (python3 dev.py test installs Debian's nginx)")
    interface = request.param
    appdir = tmp_path / "app"
    appdir.mkdir()
    (appdir / "proxied.py").write_text(APP)
    static = tmp_path / "static"
    static.mkdir()
    (static / "hello.txt").write_text("served by nginx\n")

    prefix = tmp_path / "nginx"
    prefix.mkdir()
    app_port, nginx_port = free_port(), free_port()
    site = _configure(SNIPPET.read_text(), app_port=app_port, nginx_port=nginx_port, static=static)
    (prefix / "site.conf").write_text(site)
    (prefix / "nginx.conf").write_text(_nginx_conf(prefix))

    env = {"PYTHONPATH": os.pathsep.join([str(appdir), str(ROOT / "src")])}
    with Server(
        ["--app", "proxied", "run", "--interface", interface, "--no-reload"],
        cwd=appdir,
        env=env,
        port=app_port,
    ) as app:
        app.wait_until_serving("/whoami")
        log = prefix / "error.log"
        nginx = subprocess.Popen(
            [NGINX, "-p", f"{prefix}/", "-c", str(prefix / "nginx.conf"), "-e", str(log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for_port(nginx_port, nginx, log)
            yield Proxied(nginx_port, interface, appdir / "release")
        finally:
            nginx.terminate()  # SIGTERM to our own master process: fast shutdown
            try:
                nginx.wait(10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait(10)


def test_snippet_proxies_and_serves_static_files(proxied: Proxied) -> None:
    status, headers, body = proxied.request("/static/hello.txt")
    assert (status, body) == (200, b"served by nginx\n")
    assert headers["Server"].startswith("nginx")
    assert "Cache-Control" in headers  # `expires 1h`

    status, headers, body = proxied.request("/whoami")
    assert status == 200
    assert headers["Content-Type"] == "application/json"


def test_forwarded_headers_reach_the_app_through_proxyfix(proxied: Proxied) -> None:
    # The client forges an address; nginx appends the one it saw, and
    # ProxyFix(x_for=1) takes the rightmost value: the forged one is ignored.
    status, _, body = proxied.request("/whoami", {"X-Forwarded-For": "203.0.113.66"})
    assert status == 200
    seen = json.loads(body)
    assert seen["remote_addr"] == "127.0.0.1"
    assert seen["scheme"] == "http"
    # Host and port are the ones the client used to reach nginx, not the
    # app's own 127.0.0.1:<app port>.
    assert seen["host"] == f"{HOST}:{proxied.port}"
    assert seen["url"] == f"http://{HOST}:{proxied.port}/whoami"


def test_event_stream_is_not_buffered(proxied: Proxied) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", proxied.port, timeout=5)
    try:
        conn.request("GET", "/events", headers={"Host": HOST})
        response = conn.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type", "").startswith("text/event-stream")
        # Each event must arrive while the app still holds the stream open.
        # (The first one travels with the response head; the second shows
        # that nginx does not buffer the body.)
        for name in ("first", "second"):
            event = b""
            while not event.endswith(b"\n\n"):
                chunk = response.read1(1024)
                assert chunk, f"the stream ended before the {name} event"
                event += chunk
            assert f"event: {name}".encode() in event
            (proxied.release / name).touch()
        assert b"event: third" in response.read()
    finally:
        conn.close()


def test_websockets_pass_through(proxied: Proxied) -> None:
    if proxied.interface == "wsgi":
        pytest.skip("WSGI has no websockets")
    ws_client = pytest.importorskip("websockets.sync.client")
    # Connect to nginx, but ask for the snippet's server name in the handshake.
    sock = socket.create_connection(("127.0.0.1", proxied.port), timeout=10)
    with ws_client.connect(f"ws://{HOST}:{proxied.port}/ws", sock=sock, open_timeout=10) as ws:
        ws.send("hello")
        assert ws.recv(timeout=10) == "echo: hello"
