#!/usr/bin/env python3
"""Multipart uploads through Kolben and Flask: throughput and peak memory.

    .venv/bin/python bench/upload.py            # 1, 10 and 50 MB
    .venv/bin/python bench/upload.py --quick    # 1 and 10 MB, fewer repeats

One POST of ``multipart/form-data`` with a text field and one file, the
way a browser sends it, to a view that reads the field and streams the file
through (it never holds the file in memory itself). Each app gets the body
as a server would hand it over (WSGI: a ``wsgi.input`` stream; ASGI: 64 KiB
``http.request`` messages).

- Throughput: best of several runs, MB of request body per second.
- Peak memory: the largest amount of Python memory allocated *during* the
  request (tracemalloc, measured in a separate run: tracing slows code
  down), not counting the request body the server already holds. A parser
  that streams keeps it flat as the upload grows; one that buffers grows
  with it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import os
import sys
import time
import tracemalloc
import typing as t

MB = 1024 * 1024
BOUNDARY = "----WebKitFormBoundaryKolbenBench42"
CHUNK = 64 * 1024


def make_body(size: int) -> bytes:
    block = os.urandom(MB)
    data = (block * (size // MB + 1))[:size]
    return (
        (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="title"\r\n\r\nholiday\r\n'
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="video.mp4"\r\n'
            "Content-Type: video/mp4\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def _view(request: t.Any) -> str:
    title = request.form["title"]
    upload = request.files["file"]
    size = 0
    while True:
        chunk = upload.stream.read(CHUNK)
        if not chunk:
            break
        size += len(chunk)
    return f"{title}:{upload.filename}:{size}"


def kolben_app() -> t.Any:
    from kolben import Kolben, request

    app = Kolben("upload_kolben")

    @app.post("/upload")
    def upload() -> str:
        return _view(request)

    return app


def flask_app() -> t.Any:
    from flask import Flask, request

    app = Flask("upload_flask")

    @app.post("/upload")
    def upload() -> str:
        return _view(request)

    return app


def wsgi_call(app: t.Any, body: bytes) -> bytes:
    environ = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/upload",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    status: list[str] = []
    result = app(environ, lambda s, h, e=None: status.append(s))
    try:
        data = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    if not status[0].startswith("200"):
        raise SystemExit(f"{app!r} answered {status[0]}: {data[:200]!r}")
    return data


class AsgiRunner:
    """Drive ``app.asgi`` on one event loop, the body in 64 KiB messages."""

    def __init__(self, app: t.Any) -> None:
        self.app = app.asgi
        self.loop = asyncio.new_event_loop()

    def __call__(self, _app: t.Any, body: bytes) -> bytes:
        return self.loop.run_until_complete(self._call(body))

    async def _call(self, body: bytes) -> bytes:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/upload",
            "raw_path": b"/upload",
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"localhost"),
                (b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()),
                (b"content-length", str(len(body)).encode()),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("localhost", 80),
        }
        view = memoryview(body)
        position = 0
        sent: list[dict[str, t.Any]] = []

        async def receive() -> dict[str, t.Any]:
            nonlocal position
            if position < len(body):
                chunk = bytes(view[position : position + CHUNK])
                position += len(chunk)
                return {"type": "http.request", "body": chunk, "more_body": position < len(body)}
            await asyncio.Event().wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, t.Any]) -> None:
            sent.append(message)

        await self.app(scope, receive, send)
        status = sent[0]["status"]
        data = b"".join(m.get("body", b"") for m in sent[1:])
        if status != 200:
            raise SystemExit(f"ASGI answered {status}: {data[:200]!r}")
        return data

    def close(self) -> None:
        self.loop.close()


def throughput(
    call: t.Callable[[t.Any, bytes], bytes], app: t.Any, body: bytes, runs: int
) -> float:
    expected = f"holiday:video.mp4:{len(body) - (len(make_body(0)))}".encode()
    if call(app, body) != expected:
        raise SystemExit(f"wrong answer from {app!r}")
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        call(app, body)
        best = min(best, time.perf_counter() - start)
    return len(body) / MB / best


def peak_memory(call: t.Callable[[t.Any, bytes], bytes], app: t.Any, body: bytes) -> float:
    call(app, body)  # warm up: imports, first-request setup
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    call(app, body)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak / MB


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = [1, 10] if args.quick else [1, 10, 50]
    runs = 3 if args.quick else 7

    targets: list[tuple[str, t.Callable[[t.Any, bytes], bytes], t.Any]] = [
        ("kolben WSGI", wsgi_call, kolben_app()),
        ("flask WSGI", wsgi_call, flask_app()),
    ]
    asgi_app = kolben_app()
    asgi = AsgiRunner(asgi_app)
    targets.append(("kolben ASGI", asgi, asgi_app))

    print(
        "\nMultipart upload, one file: throughput (MB/s, best of"
        f" {runs}) and peak memory during the request (MB)\n"
    )
    header = "| app | " + " | ".join(f"{s} MB: MB/s | {s} MB: peak MB" for s in sizes) + " |"
    print(header)
    print("|---|" + "---|---|" * len(sizes))
    for name, call, app in targets:
        cells = []
        for size in sizes:
            body = make_body(size * MB)
            speed = throughput(call, app, body, runs)
            peak = peak_memory(call, app, body)
            cells.append(f"{speed:.0f} | {peak:.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    asgi.close()


if __name__ == "__main__":
    main()
