"""ASGI scope <-> PEP 3333 environ, the package's one converter (layer 2).

:func:`scope_to_environ` builds the environ an ASGI request shows through
``request.environ`` and to WSGI middleware; :func:`environ_to_scope` goes
the other way for the test client, which speaks PEP 3333 and drives
``app.asgi``. Both only read and build dicts: no I/O.

The environ keeps header bytes as latin-1 text (PEP 3333); repeated header
lines are joined with ``,``, Cookie lines with ``; ``. A request over a scope
(:mod:`kolben.wrappers.request_scope`) reads its headers through
:func:`header_environ`, the same mapping, so both kinds of request see the
same values.
"""

from __future__ import annotations

import sys
import typing as t
from collections.abc import Iterable, Mapping, MutableMapping

__all__ = [
    "BASE_ENVIRON",
    "add_headers",
    "environ_to_scope",
    "header_environ",
    "header_key",
    "mount_split",
    "scope_to_environ",
]

Scope = MutableMapping[str, t.Any]

# PERF: the server's port is the same on every request.
_PORTS: dict[t.Any, str] = {port: str(port) for port in (80, 443, 5000, 8000, 8080, 8443)}

# PERF: header names repeat on every request; each is converted to its
# environ key once (bounded, so a client sending random names cannot grow it
# without limit).
_HEADER_KEYS: dict[bytes, str] = {
    b"content-type": "CONTENT_TYPE",
    b"content-length": "CONTENT_LENGTH",
}
_HEADER_KEYS_MAX = 4096

#: The keys every converted environ starts from. The ASGI adapter (layer 3)
#: passes its own copy with ``wsgi.file_wrapper`` and ``kolben.run_in_thread``
#: added, which this layer cannot import.
BASE_ENVIRON: Mapping[str, t.Any] = {
    "REQUEST_METHOD": "GET",
    "wsgi.url_scheme": "http",
    "SCRIPT_NAME": "",
    "QUERY_STRING": "",
    "SERVER_NAME": "localhost",
    "SERVER_PORT": "80",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "wsgi.version": (1, 0),
    # An ASGI body always ends (the last message, or a disconnect).
    "wsgi.input_terminated": True,
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": True,
    "wsgi.multiprocess": True,
    "wsgi.run_once": False,
}


def header_key(name: bytes) -> str:
    """The environ key of the lower-case header name ``name``:
    ``b"x-forwarded-for"`` -> ``"HTTP_X_FORWARDED_FOR"``; Content-Type and
    Content-Length have no ``HTTP_`` prefix (PEP 3333)."""
    key = _HEADER_KEYS.get(name)
    if key is None:
        key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        if len(_HEADER_KEYS) < _HEADER_KEYS_MAX:
            _HEADER_KEYS[name] = key
    return key


def add_headers(environ: dict[str, t.Any], headers: Iterable[tuple[bytes, bytes]]) -> None:
    """Store an ASGI header list in ``environ`` under PEP 3333 keys.

    RFC 9110 section 5.3: repeated lines of one field are one list, joined
    with ``,`` in order; Cookie lines are joined with ``; `` (RFC 6265
    section 5.4). Two Host lines thus give a Host with a comma, which the app
    answers with 400 (RFC 9112 section 3.2), as when a WSGI server joins them.
    """
    keys = _HEADER_KEYS
    for name, value in headers:
        key = keys.get(name) or header_key(name)
        if key in environ:
            text = value.decode("latin-1")
            existing = environ[key]
            environ[key] = f"{existing}; {text}" if key == "HTTP_COOKIE" else f"{existing},{text}"
        else:
            environ[key] = value.decode("latin-1")


def header_environ(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Only the header keys of the environ :func:`scope_to_environ` builds."""
    rv: dict[str, str] = {}
    add_headers(rv, headers)
    return rv


def mount_split(scope: Mapping[str, t.Any]) -> tuple[str, str]:
    """``(root_path, path below it)`` of a scope, as text.

    ASGI's ``path`` includes ``root_path``; only a whole leading segment is
    the mount ("/app" is not a prefix of "/application"). A server that sends
    the path without its root gets it unchanged.
    """
    path: str = scope.get("path") or "/"
    root_path: str = scope.get("root_path") or ""
    if root_path and (path == root_path or path.startswith(root_path + "/")):
        path = path[len(root_path) :]
    return root_path, path


def scope_to_environ(
    scope: Scope, body: t.Any, base: Mapping[str, t.Any] = BASE_ENVIRON
) -> dict[str, t.Any]:
    """A PEP 3333-shaped environ for an HTTP or websocket scope.

    ``body`` becomes ``wsgi.input``; ``base`` holds the constant keys (see
    :data:`BASE_ENVIRON`) and is copied, never changed. The scope itself is
    kept as ``asgi.scope``.
    """
    # PERF: the constant keys come from one prepared dict (a C-level copy),
    # and every optional scope key costs one lookup only when present.
    environ = dict(base)
    get = scope.get
    path: str = get("path") or "/"
    root_path: str | None = get("root_path")
    if root_path:
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
    if extensions:
        errors = extensions.get("kolben.errors")
        if errors is not None:
            environ["wsgi.errors"] = errors
        # The test client's preserve_context travels in the scope.
        preserve = extensions.get("kolben.preserve_context")
        if preserve is not None:
            environ["kolben.preserve_context"] = preserve
    server = get("server")
    if server:
        environ["SERVER_NAME"] = server[0]
        port = server[1]
        environ["SERVER_PORT"] = _PORTS.get(port) or ("" if port is None else str(port))
    client = get("client")
    if client:
        environ["REMOTE_ADDR"] = client[0]
        environ["REMOTE_PORT"] = str(client[1])
    add_headers(environ, scope["headers"])
    return environ


_WS_SCHEMES = {"http": "ws", "https": "wss"}


def environ_to_scope(environ: Mapping[str, t.Any], kind: str) -> Scope:
    """An ASGI scope of type ``kind`` (``"http"`` or ``"websocket"``) for an environ.

    The test client's bridge: it builds PEP 3333 environs and drives the app
    over ASGI. ``kolben.preserve_context`` and ``wsgi.errors`` travel in the
    scope's ``extensions``.
    """
    path = environ.get("PATH_INFO", "/").encode("latin-1")
    if path and path[:1] != b"/":
        # An ASGI path always starts with "/"; client.get("register") gives
        # a PATH_INFO without it.
        path = b"/" + path
    root = environ.get("SCRIPT_NAME", "").encode("latin-1")
    headers: list[tuple[bytes, bytes]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key.replace("_", "-").lower()
        else:
            continue
        headers.append((name.encode("latin-1"), str(value).encode("latin-1")))
    scheme = environ.get("wsgi.url_scheme", "http")
    if kind == "websocket":
        scheme = _WS_SCHEMES.get(scheme, scheme)
    port = environ.get("SERVER_PORT") or ("443" if scheme in ("https", "wss") else "80")
    extensions: dict[str, t.Any] = {}
    scope: Scope = {
        "type": kind,
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": environ.get("SERVER_PROTOCOL", "HTTP/1.1").partition("/")[2] or "1.1",
        "method": environ.get("REQUEST_METHOD", "GET"),
        "scheme": scheme,
        "path": (root + path).decode("utf-8", "replace"),
        "raw_path": root + path,
        "root_path": root.decode("utf-8", "replace"),
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
        "headers": headers,
        "client": (
            environ.get("REMOTE_ADDR", "127.0.0.1"),
            int(environ.get("REMOTE_PORT") or 50000),
        ),
        "server": (environ.get("SERVER_NAME", "localhost"), int(port)),
        "extensions": extensions,
    }
    preserve = environ.get("kolben.preserve_context")
    if preserve is not None:
        extensions["kolben.preserve_context"] = preserve
    errors = environ.get("wsgi.errors")
    if errors is not None:
        extensions["kolben.errors"] = errors
    return scope
