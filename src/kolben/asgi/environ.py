"""Scope to environ (layer 3): the PEP 3333 environ an ASGI request is read
through by the request object and the router."""

from __future__ import annotations

import sys
import typing as t

from .._aio import run_in_thread
from ..utils import _FileWrapper
from .types import Scope

__all__ = ["FILE_BLOCK_SIZE", "build_environ"]

#: Block size for files sent under ASGI (bigger blocks, fewer thread hops).
FILE_BLOCK_SIZE = 256 * 1024

# PERF: the server's port is the same on every request.
_PORTS: dict[t.Any, str] = {port: str(port) for port in (80, 443, 5000, 8000, 8080, 8443)}

# PERF: header names repeat on every request; each is converted to its
# environ key once (bounded, like the request side's reverse cache).
_HEADER_KEYS: dict[bytes, str] = {
    b"content-type": "CONTENT_TYPE",
    b"content-length": "CONTENT_LENGTH",
}


def _header_key(name: bytes) -> str:
    key = _HEADER_KEYS.get(name)
    if key is None:
        key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        if len(_HEADER_KEYS) < 4096:
            _HEADER_KEYS[name] = key
    return key


def build_environ(scope: Scope, body: t.Any) -> dict[str, t.Any]:
    """A PEP 3333-shaped environ for an HTTP or websocket scope.

    The request object and the router read this one shape under both
    interfaces. Header values keep their bytes as latin-1 text, as PEP 3333
    says; repeated headers are joined with ``,`` (``;`` for Cookie). Two
    Host lines thus give a Host with a comma, which the app answers with
    400 (RFC 9112 section 3.2), as it does when a WSGI server joins them.
    """
    # PERF: the constant keys come from one prepared dict (a C-level copy),
    # and every optional scope key costs one lookup only when present.
    environ = _BASE_ENVIRON.copy()
    get = scope.get
    path: str = get("path") or "/"
    root_path: str | None = get("root_path")
    if root_path:
        # Only a whole leading segment is the mount ("/app" is not a prefix
        # of "/application").
        if path == root_path or path.startswith(root_path + "/"):
            path = path[len(root_path) :]
        if not root_path.isascii():
            root_path = root_path.encode("utf-8").decode("latin-1")
        environ["SCRIPT_NAME"] = root_path
    # ASCII paths (nearly all) need no PEP 3333 re-encoding.
    environ["PATH_INFO"] = path if path.isascii() else path.encode("utf-8").decode("latin-1")
    if scope["type"] == "http":
        environ["REQUEST_METHOD"] = scope["method"]
        scheme = get("scheme")
        if scheme and scheme != "http":
            environ["wsgi.url_scheme"] = scheme
    else:
        environ["wsgi.url_scheme"] = get("scheme") or "ws"
    query = get("query_string")
    if query:
        environ["QUERY_STRING"] = query.decode("latin-1")
    version = get("http_version")
    if version and version != "1.1":
        environ["SERVER_PROTOCOL"] = f"HTTP/{version}"
    environ["wsgi.input"] = body
    environ["asgi.scope"] = scope
    extensions = get("extensions")
    if extensions and "kolben.errors" in extensions:
        environ["wsgi.errors"] = extensions["kolben.errors"]
    server = get("server")
    if server:
        environ["SERVER_NAME"] = server[0]
        port = server[1]
        environ["SERVER_PORT"] = _PORTS.get(port) or ("" if port is None else str(port))
    client = get("client")
    if client:
        environ["REMOTE_ADDR"] = client[0]
        environ["REMOTE_PORT"] = str(client[1])
    keys = _HEADER_KEYS
    for name, value in scope["headers"]:
        key = keys.get(name) or _header_key(name)
        if key in environ:
            text = value.decode("latin-1")
            existing = environ[key]
            environ[key] = f"{existing}; {text}" if key == "HTTP_COOKIE" else f"{existing},{text}"
        else:
            environ[key] = value.decode("latin-1")
    return environ


def _file_wrapper(file: t.IO[bytes], buffer_size: int = 8192) -> _FileWrapper:
    return _FileWrapper(file, max(buffer_size, FILE_BLOCK_SIZE))


_BASE_ENVIRON: dict[str, t.Any] = {
    "REQUEST_METHOD": "GET",
    "wsgi.url_scheme": "http",
    "SCRIPT_NAME": "",
    "QUERY_STRING": "",
    "SERVER_NAME": "localhost",
    "SERVER_PORT": "80",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "wsgi.version": (1, 0),
    "wsgi.input_terminated": True,
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": True,
    "wsgi.multiprocess": True,
    "wsgi.run_once": False,
    "wsgi.file_wrapper": _file_wrapper,
    # Lent to the request so blocking body work (parsing a form that is still
    # arriving, spilling uploads to disk) runs off the event loop.
    "kolben.run_in_thread": run_in_thread,
}
