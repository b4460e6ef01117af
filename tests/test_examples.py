"""The examples a newcomer meets first: the README snippet and the demo app."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import typing as t
import urllib.request
from collections.abc import Callable
from pathlib import Path

from kolben import Kolben
from kolben.testing import KolbenClient

ROOT = Path(__file__).resolve().parent.parent
MakeClient = Callable[..., KolbenClient]


def _readme_app() -> Kolben:
    text = (ROOT / "README.md").read_text("utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert code is not None, "README.md lost its example"
    namespace: dict[str, t.Any] = {"__name__": "readme_example"}
    exec(compile(code.group(1), "README.md", "exec"), namespace)
    return t.cast(Kolben, namespace["app"])


def test_readme_example_works(make_client: MakeClient) -> None:
    client = make_client(_readme_app())
    hello = client.get("/hello/<b>Ada")
    assert hello.status_code == 200
    assert hello.text == "Hello, &lt;b&gt;Ada!"
    update = client.post("/items/7", json={"name": "flask"})
    assert update.json == {"id": 7, "data": {"name": "flask"}}
    assert client.get("/items/7").status_code == 405
    assert client.post("/items/x", json={}).status_code == 404


def _demo_app() -> Kolben:
    sys.path.insert(0, str(ROOT))
    try:
        from examples.hello import app
    finally:
        sys.path.remove(str(ROOT))
    return app


def test_demo_routes(make_client: MakeClient) -> None:
    client = make_client(_demo_app())
    index = client.get("/")
    assert index.status_code == 200
    link = re.search(r'href="(/hello/[^"]+)"', index.text)
    assert link is not None
    escaped = client.get(link.group(1))
    assert escaped.text == "Hello, &lt;img src=x onerror=alert(1)&gt;!"
    assert client.get("/post/1").status_code == 200
    assert client.get("/post/99").status_code == 404
    assert client.get("/post/abc").status_code == 404
    assert client.get("/path/a/b/c").text == "Subpath a/b/c"
    assert client.get("/api/posts").json["posts"][0] == {"id": 1, "title": "Hello, Kolben"}
    login = client.post("/login", data={"user": "bob"})
    assert login.status_code == 302
    assert login.headers["Location"] == "/hello/bob"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_demo_serves_over_a_real_socket() -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kolben", "--app", "examples.hello", "run", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/posts", timeout=2) as r:
                    body = r.read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        assert b'"Hello, Kolben"' in body
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        assert proc.stdout is not None
        proc.stdout.close()
