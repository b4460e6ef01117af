"""Smoke test of an installed Kolben wheel (run by ``python3 dev.py test``).

``dev.py`` builds the sdist and the wheel, installs the wheel into a clean
virtualenv and runs this file with that virtualenv's Python, outside the
checkout: what a user installs is what is tested. It exits non-zero, saying
what failed, when the installed package is incomplete or does not serve.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

APP = '''
from kolben import Kolben, request

app = Kolben(__name__)


@app.get("/")
def index():
    return "smoke ok"


@app.post("/echo")
async def echo():
    return {"got": await request.get_json_async()}
'''


def fail(message: str) -> None:
    print(f"smoke: {message}", file=sys.stderr)
    sys.exit(1)


def check_installed_files() -> None:
    import kolben

    package = Path(kolben.__file__).parent
    if Path(sys.prefix) not in package.parents:
        fail(f"kolben was imported from {package}, not from the wheel installed in {sys.prefix}")
    for name in ("py.typed", "debug/static"):
        if not (package / name).exists():
            fail(f"the wheel lacks kolben/{name}")


def check_in_process(folder: Path) -> None:
    sys.path.insert(0, str(folder))
    from smokeapp import app  # type: ignore[import-not-found]

    for interface in ("wsgi", "asgi"):
        client = app.test_client(interface=interface)
        got = client.get("/")
        if (got.status_code, got.text) != (200, "smoke ok"):
            fail(f"GET / over {interface}: {got.status_code} {got.text!r}")
        got = client.post("/echo", json={"a": 1})
        if got.get_json() != {"got": {"a": 1}}:
            fail(f"POST /echo over {interface}: {got.status_code} {got.text!r}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def check_server(folder: Path) -> None:
    """``kolben run`` from the installed console script answers over HTTP."""
    port = free_port()
    kolben = Path(sys.executable).parent / ("kolben.exe" if os.name == "nt" else "kolben")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KOLBEN_", "FLASK_"))}
    proc = subprocess.Popen(
        [str(kolben), "--app", "smokeapp", "run", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    body = answer.read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                    fail(f"kolben run did not answer on port {port}:\n{output[-2000:]}")
                time.sleep(0.2)
        if body != b"smoke ok":
            fail(f"kolben run answered {body!r}")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def check_flask_compat_pth() -> None:
    """The wheel's .pth file turns Flask compatibility mode on in any new
    process when ``KOLBEN_FLASK_COMPAT=1``, and imports nothing otherwise."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KOLBEN_", "FLASK_"))}
    probe = "import sys; print('kolben' in sys.modules)"
    off = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    if off.stdout.strip() != "False":
        fail(f"without KOLBEN_FLASK_COMPAT a new process imported kolben: {off!r}")
    probe = "import flask, kolben; print(flask.Flask is kolben.Kolben)"
    on = subprocess.run(
        [sys.executable, "-c", probe],
        env={**env, "KOLBEN_FLASK_COMPAT": "1"},
        capture_output=True,
        text=True,
    )
    if on.stdout.strip() != "True":
        fail(f"KOLBEN_FLASK_COMPAT=1 did not turn Flask compatibility mode on: {on!r}")


def main() -> None:
    check_installed_files()
    check_flask_compat_pth()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "smokeapp.py").write_text(APP)
        check_in_process(folder)
        check_server(folder)
    import importlib.metadata

    version = importlib.metadata.version("kolben")
    print(
        f"smoke: kolben {version} from the wheel serves over WSGI, ASGI and `kolben run`;"
        " KOLBEN_FLASK_COMPAT=1 turns Flask compatibility mode on"
    )


if __name__ == "__main__":
    main()
