"""The property of the ASGI entry, shared by the atheris target (fuzz_asgi.py)
and the hypothesis test (tests/test_asgi_properties.py).

Whatever scope and body messages a server hands over, ``app.asgi`` answers:
no exception escapes, exactly one ``http.response.start`` is sent with a
status of 100-599, every header is a pair of bytes, and the status is below
500 except from :data:`FAIL_PATH`, the view that fails on purpose. Anything
else raises :class:`Finding`. No atheris here: this module is imported by
the normal test suite.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
import typing as t
from collections.abc import AsyncIterator, Iterator

from kolben import Kolben, Response, redirect, request, session, stream_with_context, url_for

#: The only path whose view raises (a 500 from it is expected).
FAIL_PATH = "/fail"
#: Paths the app serves; fuzzers start from these.
PATHS = [
    "/",
    "/a/",
    "/form",
    "/a/form",
    "/json",
    "/a/json",
    "/data",
    "/a/data",
    "/u/7/x/y",
    "/f/1.5",
    "/any/b",
    "/session",
    "/redir",
    "/stream",
    "/a/stream",
    FAIL_PATH,
    "/static/x.txt",
]
#: Header names worth trying (a fuzzer may also make its own).
HEADER_NAMES = [
    b"host",
    b"content-type",
    b"content-length",
    b"transfer-encoding",
    b"cookie",
    b"accept",
    b"accept-encoding",
    b"accept-language",
    b"authorization",
    b"range",
    b"if-range",
    b"if-none-match",
    b"if-modified-since",
    b"x-forwarded-for",
    b"x-forwarded-proto",
    b"origin",
    b"content-encoding",
    b"connection",
    b"upgrade",
]
#: Header values worth trying, besides random bytes.
HEADER_VALUES = [
    b"application/json",
    b"application/x-www-form-urlencoded",
    b"multipart/form-data; boundary=xyz",
    b"multipart/form-data",
    b"text/plain; charset=iso-8859-1",
    b"localhost:5000",
    b"[::1]:80",
    b"0",
    b"10",
    b"-1",
    b"chunked",
    b"bytes=0-1,5-",
    b"gzip",
    b"session=abc.def.ghi",
    b'W/"x", "y"',
    b"Basic dXNlcjpwYXNz",
]
TIMEOUT = 10.0
#: Exceptions views raised during the current input (for the finding's message).
ERRORS: list[BaseException] = []


class Finding(AssertionError):
    """The ASGI entry broke its property for one input."""


def _describe(view: str) -> dict[str, t.Any]:
    # Touch everything a view commonly reads; a 4xx HTTPException is fine.
    return {
        "view": view,
        "args": request.args.to_dict(flat=False),
        "cookies": request.cookies.to_dict(),
        "headers": len(request.headers),
        "mimetype": request.mimetype,
        "accept": str(request.accept_mimetypes),
        "range": str(request.range),
        "etags": str(request.if_none_match),
        "auth": request.authorization is not None,
        "route": request.access_route,
        "path": request.path,
        "full_path": request.full_path,
        "length": request.content_length,
    }


def make_app() -> Kolben:
    """The app under test: def and async def twins of each kind of view."""
    app = Kolben("kolben_fuzz_asgi", root_path="/nonexistent-kolben-fuzz")
    app.config["SECRET_KEY"] = "fuzz-not-secret"
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.config["MAX_FORM_MEMORY_SIZE"] = 16 * 1024
    # The deliberate failure is logged on every call: keep the output readable.
    app.logger.setLevel(logging.CRITICAL)

    @app.route("/", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def index() -> dict[str, t.Any]:
        return _describe("index")

    @app.route("/a/", methods=["GET", "POST", "PUT"])
    async def index_async() -> dict[str, t.Any]:
        return _describe("index_async")

    @app.route("/form", methods=["GET", "POST", "PUT"])
    def form() -> dict[str, t.Any]:
        files = {name: len(f.read()) for name, f in request.files.items(multi=True)}
        return {"form": request.form.to_dict(flat=False), "files": files}

    @app.route("/a/form", methods=["GET", "POST", "PUT"])
    async def form_async() -> dict[str, t.Any]:
        values = await request.form_async()
        files = await request.files_async()
        return {"form": values.to_dict(flat=False), "files": len(files)}

    @app.route("/json", methods=["GET", "POST", "PUT"])
    def json_view() -> dict[str, t.Any]:
        return {"json": request.get_json(force=True)}

    @app.route("/a/json", methods=["GET", "POST", "PUT"])
    async def json_async() -> dict[str, t.Any]:
        return {"json": await request.get_json_async(force=True)}

    @app.route("/data", methods=["GET", "POST", "PUT"])
    def data() -> dict[str, t.Any]:
        body = request.get_data()
        return {"size": len(body), "url": request.url, "host": request.host, **_describe("data")}

    @app.route("/a/data", methods=["GET", "POST", "PUT"])
    async def data_async() -> dict[str, t.Any]:
        body = await request.get_data_async()
        return {"size": len(body), "url": request.url, "root": request.url_root}

    @app.get("/u/<int:n>/<path:rest>")
    def converters(n: int, rest: str) -> dict[str, t.Any]:
        return {"n": n, "rest": rest}

    @app.get("/f/<float:x>")
    async def floats(x: float) -> dict[str, t.Any]:
        return {"x": x}

    @app.get("/any/<any(a, b, 'c d'):which>")
    def anys(which: str) -> str:
        return which

    @app.route("/session", methods=["GET", "POST"])
    def session_view() -> dict[str, t.Any]:
        session["n"] = int(session.get("n", 0)) + 1
        return {"n": session["n"]}

    @app.get("/redir")
    def redirect_view() -> Response:
        return redirect(url_for("index", _external=True, q=request.args.get("q")))

    @app.get("/stream")
    def stream() -> Response:
        @stream_with_context
        def generate() -> Iterator[str]:
            yield from request.args

        return Response(generate())

    @app.get("/a/stream")
    async def stream_async() -> Response:
        async def generate() -> AsyncIterator[str]:
            for key in request.args:
                yield key

        return Response(stream_with_context(generate()))

    @app.teardown_request
    def remember_error(exc: BaseException | None) -> None:
        if exc is not None:
            ERRORS.append(exc)

    @app.route(FAIL_PATH, methods=["GET", "POST"])
    def fail() -> str:
        raise RuntimeError("fuzz: the deliberately failing view")

    return app


APP = make_app()


async def _call(
    scope: dict[str, t.Any], chunks: list[bytes], disconnect: bool
) -> list[dict[str, t.Any]]:
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ] or [{"type": "http.request", "body": b"", "more_body": False}]
    if disconnect:
        # The client went away before the body ended.
        messages = [*messages[:-1], {"type": "http.disconnect"}]
    sent: list[dict[str, t.Any]] = []

    async def receive() -> dict[str, t.Any]:
        if messages:
            return messages.pop(0)
        # After the body a server only reports the disconnect.
        return {"type": "http.disconnect"}

    async def send(message: dict[str, t.Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(APP.asgi(scope, receive, send), TIMEOUT)
    return sent


def exercise(
    method: str,
    path: str,
    raw_path: bytes | None,
    query_string: bytes,
    headers: list[tuple[bytes, bytes]],
    chunks: list[bytes],
    *,
    disconnect: bool = False,
    loop: asyncio.AbstractEventLoop | None = None,
) -> int:
    """Send one request to ``app.asgi``; its status, or raise :class:`Finding`."""
    scope: dict[str, t.Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "root_path": "",
        "query_string": query_string,
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    if raw_path is not None:
        scope["raw_path"] = raw_path
    ERRORS.clear()
    try:
        if loop is None:
            sent = asyncio.run(_call(scope, chunks, disconnect))
        else:
            sent = loop.run_until_complete(_call(scope, chunks, disconnect))
    except Exception as exc:
        raise Finding(
            f"{type(exc).__name__} escaped app.asgi for {scope!r}\n"
            + "".join(traceback.format_exception(exc))
        ) from exc
    starts = [m for m in sent if m["type"] == "http.response.start"]
    if len(starts) != 1:
        if disconnect and not starts:
            return 0  # nobody is left to answer
        raise Finding(f"{len(starts)} response starts for {scope!r}: {sent!r}")
    status = starts[0]["status"]
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise Finding(f"status {status!r} for {scope!r}")
    for name, value in starts[0].get("headers", []):
        if not isinstance(name, bytes) or not isinstance(value, bytes):
            raise Finding(f"header {name!r}: {value!r} is not bytes for {scope!r}")
    if status >= 500 and path != FAIL_PATH:
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        cause = ERRORS[-1] if ERRORS else None
        # atheris prints only the Finding: carry the cause's traceback in the message.
        where = "".join(traceback.format_exception(cause)) if cause is not None else ""
        raise Finding(
            f"{status} for {scope!r} with body {chunks!r}: {body[:300]!r}\n{where}"
        ) from cause
    return int(status)
