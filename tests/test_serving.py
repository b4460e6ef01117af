"""The embedded server: interface choice, refusals, the banner, and real
``kolben run`` processes serving WSGI and ASGI over a socket."""

from __future__ import annotations

import pickle
import socket
import sys
import textwrap
import time
import typing as t
from pathlib import Path

import pytest

from kolben import Kolben
from kolben import serving as serving_module
from kolben.debug import DebuggedApplication, DebuggedASGIApplication
from kolben.serving import ServerError, is_loopback, run_simple, select_interface
from kolben.serving._target import Target, error_app
from servers import ROOT, Server, free_port


def sync_app() -> Kolben:
    app = Kolben("sync_app", static_folder=None)
    app.add_url_rule("/", "index", lambda: "sync")
    return app


def async_app() -> Kolben:
    app = Kolben("async_app", static_folder=None)

    @app.route("/")
    async def index() -> str:
        return "async"

    return app


# -- choosing and refusing ---------------------------------------------------------------


def test_select_interface() -> None:
    assert select_interface(sync_app()) == "wsgi"
    assert select_interface(async_app()) == "asgi"
    assert select_interface(async_app(), "wsgi") == "wsgi"
    assert select_interface(sync_app(), "asgi") == "asgi"
    assert select_interface(lambda environ, start_response: [], "auto") == "wsgi"
    with pytest.raises(ServerError, match="Unknown interface"):
        select_interface(sync_app(), "rsgi")


def test_websocket_routes_pick_asgi() -> None:
    app = sync_app()
    if not hasattr(app, "websocket"):
        pytest.skip("websockets are not in this build")

    @app.websocket("/ws")
    async def ws() -> None:
        pass

    assert select_interface(app) == "asgi"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.1.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("dev.localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, t.Any]]:
    """Replace granian: record what run_simple would serve."""
    calls: list[dict[str, t.Any]] = []

    def serve(target: Target, host: str, port: int, **kwargs: t.Any) -> None:
        calls.append({"target": target, "host": host, "port": port, **kwargs})

    monkeypatch.setattr(serving_module._granian, "serve", serve)
    monkeypatch.delenv("KOLBEN_RUN_MAIN", raising=False)
    return calls


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"use_debugger": True, "workers": 2}, "single worker"),
        ({"use_debugger": True, "processes": 3}, "single worker"),
        ({"use_debugger": True, "hostname": "0.0.0.0"}, "only listens on this machine"),
        ({"use_debugger": True, "hostname": "192.168.1.5"}, "--allow-remote-debugger"),
        ({"workers": 0}, "at least 1"),
        ({"request_handler": object()}, "granian"),
        ({"static_files": {"/s": "."}}, "granian"),
        ({"ssl_context": object()}, "from files"),
        ({"interface": "rsgi"}, "Unknown interface"),
    ],
)
def test_run_simple_refusals(
    captured: list[dict[str, t.Any]], kwargs: dict[str, t.Any], message: str
) -> None:
    options = {"hostname": "127.0.0.1", "port": free_port(), "application": sync_app()}
    options.update(kwargs)
    with pytest.raises(ServerError, match=message):
        run_simple(**options)
    assert captured == []


def test_adhoc_needs_cryptography(
    captured: list[dict[str, t.Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cryptography.x509", None)
    with pytest.raises(ServerError, match="cryptography"):
        run_simple("127.0.0.1", free_port(), sync_app(), ssl_context="adhoc")


def test_port_in_use(captured: list[dict[str, t.Any]]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ServerError, match=f"Port {port} is in use"):
            run_simple("127.0.0.1", port, sync_app())


def test_forced_remote_debugger(
    captured: list[dict[str, t.Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    app = sync_app()
    app.config["TRUSTED_HOSTS"] = ["dev.example"]
    run_simple("0.0.0.0", free_port(), app, use_debugger=True, allow_remote_debugger=True)
    (call,) = captured
    assert call["target"].debugger["trusted_hosts"] == ["dev.example"]
    assert "Debugger token:" in capsys.readouterr().out


def test_banner_and_target(
    captured: list[dict[str, t.Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    app = sync_app()
    app.debug = True
    port = free_port()
    run_simple("localhost", port, app, use_debugger=True, threaded=True)
    out = capsys.readouterr().out
    assert "Serving Kolben app 'sync_app'" in out
    assert "Debug mode: on" in out
    assert f"Running on http://127.0.0.1:{port} (WSGI, granian " in out
    assert "1 worker)" in out
    token = out.split("Debugger token: ")[1].split()[0]
    (call,) = captured
    assert call["host"] == "127.0.0.1"
    assert call["workers"] == 1
    target = call["target"]
    assert target.interface == "wsgi"
    assert target.debugger["token"] == token
    served = target()
    assert isinstance(served, DebuggedApplication)
    assert served.app is app


def test_banner_for_workers_and_asgi(
    captured: list[dict[str, t.Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    app = async_app()
    run_simple("127.0.0.1", free_port(), app, workers=4)
    out = capsys.readouterr().out
    assert "(ASGI, granian" in out
    assert "4 workers)" in out
    assert "Debug mode: off" in out
    assert "Debugger" not in out
    target = captured[0]["target"]
    assert target() is app.asgi
    target.debugger = {"token": "x", "evalex": True, "trusted_hosts": []}
    assert isinstance(target(), DebuggedASGIApplication)


def test_port_zero_picks_a_port(
    captured: list[dict[str, t.Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    run_simple("127.0.0.1", 0, sync_app())
    port = captured[0]["port"]
    assert port > 0
    assert f"http://127.0.0.1:{port} " in capsys.readouterr().out


def test_no_reloader_in_an_interactive_session(
    captured: list[dict[str, t.Any]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "ps1", ">>> ", raising=False)
    run_simple("127.0.0.1", free_port(), sync_app(), use_reloader=True)
    assert "The reloader is off" in capsys.readouterr().err
    assert len(captured) == 1  # served directly, no supervisor


def test_target_travels_without_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "travel_app.py").write_text(
        "from kolben import Kolben\napp = Kolben('travel')\n", "utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    target = Target(sync_app(), ("import", "travel_app"), "wsgi", debug=True)
    copy = pickle.loads(pickle.dumps(target))
    assert copy.app is None
    loaded = copy.load_app()
    assert loaded.name == "travel"
    assert loaded.debug is True
    sys.modules.pop("travel_app", None)


def test_target_finds_the_app_in_the_main_script(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    main = types.ModuleType("__mp_main__")
    app = Kolben("script_app")
    main.app = app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "__mp_main__", main)
    target = pickle.loads(pickle.dumps(Target(app, ("main", "script_app"), "wsgi")))
    assert target.load_app() is app


def test_target_load_failure_serves_the_error(capsys: pytest.CaptureFixture[str]) -> None:
    target = pickle.loads(pickle.dumps(Target(None, ("import", "no_such_module_x"), "wsgi")))
    served = target()
    with pytest.raises(Exception, match="no_such_module_x"):
        served({}, lambda *a: None)
    assert "no_such_module_x" in capsys.readouterr().err
    lost = Target(None, ("object", None), "wsgi")
    with pytest.raises(RuntimeError, match="kolben --app"):
        lost()({}, lambda *a: None)


def test_error_app() -> None:
    app = error_app(SyntaxError("bad"))
    with pytest.raises(SyntaxError):
        app({}, lambda *a: None)


# -- real servers ------------------------------------------------------------------------------

MIXED_APP = """
from kolben import Kolben, request

app = Kolben(__name__)

@app.route("/")
def index():
    return "sync view"

@app.route("/async")
async def hello():
    return {"async": True, "scheme": request.scheme}

@app.post("/echo")
def echo():
    return request.get_data()
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "mixed.py").write_text(MIXED_APP, "utf-8")
    return tmp_path


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_kolben_run_serves_both_interfaces(project: Path, interface: str) -> None:
    with Server(["--app", "mixed", "run", "--interface", interface], cwd=project) as server:
        server.wait_until_serving()
        assert server.get("/") == (200, server.get("/")[1], b"sync view")
        status, headers, body = server.get("/async")
        assert status == 200
        assert body == b'{"async":true,"scheme":"http"}\n' or b'"async": true' in body
        assert headers["server"] == "granian"
        status, _, body = server.request("POST", "/echo", body=b"x" * 100_000)
        assert (status, len(body)) == (200, 100_000)
        assert server.get("/missing")[0] == 404
        assert f"({interface.upper()}, granian" in server.output
        assert '"GET / HTTP/1.1" 200' in server.output  # the access log


def test_auto_interface_picks_asgi_for_async_views(project: Path) -> None:
    with Server(["--app", "mixed", "run"], cwd=project) as server:
        server.wait_until_serving()
        assert "(ASGI, granian" in server.output


def test_several_workers(project: Path) -> None:
    with Server(["--app", "mixed", "run", "--workers", "2"], cwd=project) as server:
        server.wait_until_serving()
        assert "2 workers)" in server.output
        assert all(server.get("/")[2] == b"sync view" for _ in range(10))


def test_demo_app_over_a_socket() -> None:
    with Server(["--app", "examples.hello", "run"], cwd=ROOT) as server:
        server.wait_until_serving("/api/posts")
        status, _, body = server.get("/hello/%3Cb%3E")
        assert (status, body) == (200, b"Hello, &lt;b&gt;!")
        assert "(WSGI, granian" in server.output


def test_app_run_from_a_script(tmp_path: Path) -> None:
    port = free_port()
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            f"""
            from kolben import Kolben
            app = Kolben(__name__)

            @app.route("/")
            def index():
                return "from a script"

            if __name__ == "__main__":
                app.run(port={port}, load_dotenv=False)
            """
        ),
        "utf-8",
    )
    command = [sys.executable, str(script)]
    with Server([], cwd=tmp_path, port=port, command=command) as server:
        server.wait_for_body("/", b"from a script")
        assert "Serving Kolben app 'script'" in server.output


def test_spawned_workers_load_the_app_again(project: Path) -> None:
    port = free_port()
    code = (
        "import multiprocessing, sys\n"
        "multiprocessing.set_start_method('spawn')\n"
        "from kolben.cli import main\n"
        f"sys.argv = ['kolben', '--app', 'mixed:app', 'run', '--interface', 'wsgi',"
        f" '--workers', '2', '--port', '{port}']\n"
        "main()\n"
    )
    command = [sys.executable, "-c", code]
    with Server([], cwd=project, port=port, command=command) as server:
        server.wait_for_body("/", b"sync view", timeout=30)


def test_fallback_server_without_granian(project: Path) -> None:
    port = free_port()
    code = (
        "import sys\n"
        "sys.modules['granian'] = None  # as if it could not be imported\n"
        "from kolben.cli import main\n"
        "sys.argv = ['kolben', '--app', 'mixed', 'run', '--interface', 'wsgi',"
        f" '--port', '{port}']\n"
        "main()\n"
    )
    with Server([], cwd=project, port=port, command=[sys.executable, "-c", code]) as server:
        server.wait_for_body("/", b"sync view")
        assert "wsgiref fallback" in server.output
    code_asgi = code.replace("'wsgi'", "'asgi'")
    with Server([], cwd=project, port=port, command=[sys.executable, "-c", code_asgi]) as server:
        server.wait_for_output("only\\s+serves WSGI")
        assert server.proc.wait(10) == 1


# -- SECURITY.md "Through a real server" ---------------------------------------------------------


@pytest.fixture(scope="module")
def demo_server() -> t.Iterator[Server]:
    with Server(["--app", "examples.hello", "run"], cwd=ROOT) as server:
        server.wait_until_serving("/api/posts")
        yield server


def _raw(server: Server, data: bytes, timeout: float = 5) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
        return b"".join(chunks)


def _still_serving(server: Server) -> None:
    status, _, body = server.get("/api/posts")
    assert status == 200
    assert b"Hello, Kolben" in body


def test_oversize_headers(demo_server: Server) -> None:
    huge = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 2_000_000 + b"\r\n\r\n"
    try:
        answer = _raw(demo_server, huge)
    except (BrokenPipeError, ConnectionResetError):
        answer = b""
    assert answer == b"" or answer.split(b" ")[1].startswith(b"4")
    _still_serving(demo_server)


def test_slow_client_does_not_block_others(demo_server: Server) -> None:
    with socket.create_connection(("127.0.0.1", demo_server.port), timeout=5) as slow:
        slow.sendall(b"GET /api/posts HTTP/1.1\r\nHost: local")
        _still_serving(demo_server)
        time.sleep(0.2)
        slow.sendall(b"host\r\n\r\n")
        assert slow.recv(100).startswith(b"HTTP/1.1 200")


def test_client_that_disconnects(demo_server: Server) -> None:
    with socket.create_connection(("127.0.0.1", demo_server.port), timeout=5) as sock:
        sock.sendall(
            b"POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\nuser=a"
        )
    _still_serving(demo_server)


def test_content_length_with_transfer_encoding(demo_server: Server) -> None:
    smuggle = (
        b"POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    answer = _raw(demo_server, smuggle)
    # Either refused, or the chunked body wins (RFC 9112 6.3) and the rest is a second request.
    assert answer == b"" or answer.startswith((b"HTTP/1.1 4", b"HTTP/1.1 3", b"HTTP/1.1 2"))
    _still_serving(demo_server)


# -- the debugger through a real server --------------------------------------------------------

FAILING_APP = """
from kolben import Kolben

app = Kolben(__name__)

@app.route("/sync")
def sync_boom():
    number = 41
    raise ValueError(number)

@app.route("/async")
async def async_boom():
    number = 41
    raise ValueError(number)
"""


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_debugger_over_a_socket(tmp_path: Path, interface: str) -> None:
    import json
    import re

    (tmp_path / "failing.py").write_text(FAILING_APP, "utf-8")
    args = ["--app", "failing", "run", "--debug", "--no-reload", "--interface", interface]
    with Server(args, cwd=tmp_path) as server:
        token = server.wait_for_output(r"Debugger token: (\S+)").group(1)
        server.wait_until_serving()
        origin = f"http://127.0.0.1:{server.port}"
        for path in ("/sync", "/async"):
            status, headers, body = server.get(path, headers={"Accept": "text/html"})
            assert status == 500
            assert "frame-ancestors 'none'" in headers["content-security-policy"]
            page = body.decode()
            csrf = re.search(r'data-kd-csrf="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            tb = re.search(r'data-kd-traceback="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            frame = re.findall(r'kd-user" data-kd-frame="(\d+)"', page)[-1]
            sent = {
                "Content-Type": "application/json",
                "X-Kolben-Debugger-CSRF": csrf,
                "Origin": origin,
                "Sec-Fetch-Site": "same-origin",
            }
            status, headers, _ = server.request(
                "POST",
                "/__debugger__/auth",
                body=json.dumps({"token": token}).encode(),
                headers=sent,
            )
            assert status == 200
            cookie = headers["set-cookie"].split(";")[0]
            code = {"traceback": tb, "frame": int(frame), "code": "number + 1"}
            status, _, answer = server.request(
                "POST",
                "/__debugger__/eval",
                body=json.dumps(code).encode(),
                headers={**sent, "Cookie": cookie},
            )
            assert status == 200
            assert json.loads(answer) == {"output": "42\n", "error": False, "more": False}
            refused = server.request(
                "POST",
                "/__debugger__/eval",
                body=json.dumps(code).encode(),
                headers={**sent, "Cookie": cookie, "Origin": "http://evil.example"},
            )
            assert refused[0] == 400


def test_https_with_cert_and_key(project: Path) -> None:
    import shutil
    import ssl
    import subprocess
    import urllib.request

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", "key.pem", "-out", "cert.pem"],
        cwd=project, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    args = [
        "--app",
        "mixed",
        "run",
        "--interface",
        "wsgi",
        "--cert",
        "cert.pem",
        "--key",
        "key.pem",
    ]
    with Server(args, cwd=project) as server:
        server.wait_for_output(r"Running on https://127\.0\.0\.1")
        context = ssl.create_default_context(cafile=str(project / "cert.pem"))
        context.check_hostname = False
        deadline = time.monotonic() + 20
        while True:
            try:
                url = f"https://127.0.0.1:{server.port}/"
                with urllib.request.urlopen(url, context=context, timeout=5) as response:
                    assert response.read() == b"sync view"
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
