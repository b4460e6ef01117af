"""The app the soak serves (tests/soak/soak.py): one module for WSGI and ASGI.

    PYTHONPATH=tests/soak gunicorn soakapp:app
    PYTHONPATH=tests/soak uvicorn soakapp:app.asgi

Every endpoint has a ``def`` and an ``async def`` twin (``/a/...``) so both
kinds of view carry load under each interface. Bodies are limited by
``MAX_CONTENT_LENGTH`` so that the soak's oversize bodies meet a 413. With
``SOAKAPP_FAIL`` set, ``GET /json`` raises (a 500), to prove the soak sees it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
import typing as t
from collections.abc import AsyncIterator, Iterator

from kolben import Kolben, Response, request, session, stream_with_context, websocket
from kolben.asgi import WebSocketDisconnect

#: The largest request body the app reads (the soak sends more to get a 413).
MAX_BODY = 256 * 1024

app = Kolben(__name__)
app.config["SECRET_KEY"] = "soak-not-secret"
app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
app.config["MAX_FORM_MEMORY_SIZE"] = 64 * 1024


def _files_summary() -> dict[str, t.Any]:
    summary = {}
    for name, storage in request.files.items(multi=True):
        digest = hashlib.sha256(storage.read()).hexdigest()
        summary[name] = {"filename": storage.filename, "sha256": digest}
    return summary


@app.get("/")
def index() -> str:
    return "soak"


@app.get("/a/")
async def index_async() -> str:
    await asyncio.sleep(0)
    return "soak"


@app.get("/json")
def json_get() -> dict[str, t.Any]:
    if os.environ.get("SOAKAPP_FAIL"):
        # tests/test_soak.py checks that the soak notices a failing view.
        raise RuntimeError("soakapp: failure requested")
    return {"args": request.args.to_dict(), "items": list(range(20))}


@app.post("/json")
def json_post() -> dict[str, t.Any]:
    return {"echo": request.get_json()}


@app.post("/a/json")
async def json_post_async() -> dict[str, t.Any]:
    return {"echo": await request.get_json_async()}


@app.post("/form")
def form_post() -> dict[str, t.Any]:
    return {"form": request.form.to_dict(), "files": _files_summary()}


@app.post("/a/form")
async def form_post_async() -> dict[str, t.Any]:
    form = await request.form_async()
    files = await request.files_async()
    summary = {
        name: {"filename": storage.filename, "sha256": hashlib.sha256(storage.read()).hexdigest()}
        for name, storage in files.items(multi=True)
    }
    return {"form": form.to_dict(), "files": summary}


@app.get("/session")
def session_count() -> dict[str, int]:
    session["count"] = int(session.get("count", 0)) + 1
    return {"count": session["count"]}


@app.get("/a/session")
async def session_count_async() -> dict[str, int]:
    session["count"] = int(session.get("count", 0)) + 1
    return {"count": session["count"]}


# Big enough that writing to a closed socket fails soon.
_CHUNK = b"s" * 4095 + b"\n"


@app.get("/stream")
def stream() -> Response:
    """``n`` chunks of 4 kB, a short pause between them."""
    count = min(request.args.get("n", 50, type=int), 500)

    @stream_with_context
    def generate() -> Iterator[bytes]:
        for i in range(count):
            if i % 10 == 9:
                time.sleep(0.002)
            yield _CHUNK

    return Response(generate(), mimetype="text/plain")


@app.get("/a/stream")
async def stream_async() -> Response:
    count = min(request.args.get("n", 50, type=int), 500)

    async def generate() -> AsyncIterator[bytes]:
        for i in range(count):
            if i % 10 == 9:
                await asyncio.sleep(0.002)
            yield _CHUNK

    return Response(stream_with_context(generate()), mimetype="text/plain")


@app.websocket("/ws")
async def ws_echo() -> None:
    """Echo text and bytes until the client closes or says ``bye``."""
    await websocket.accept()
    try:
        while True:
            message = await websocket.receive()
            if message == "bye":
                await websocket.close(1000)
                return
            await websocket.send(message)
    except WebSocketDisconnect:
        return
