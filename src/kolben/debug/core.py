"""The debugger's logic, shared by its WSGI and ASGI middleware (layer 5).

:class:`Debugger` turns an exception into the traceback page and answers
the page's requests under ``/__debugger__/``:

- ``POST /__debugger__/auth`` with ``{"token": ...}``: a correct token
  sets the unlock cookie;
- ``POST /__debugger__/eval`` with ``{"traceback": id, "frame": n,
  "code": ...}``: ``code`` is the console's buffer (the lines typed since
  the last complete statement); the answer is ``{"output", "error",
  "more"}``, where ``more`` means the buffer is unfinished and nothing ran
  (see :mod:`kolben.debug.console`).

Both need the page's CSRF token in the ``X-Kolben-Debugger-CSRF`` header
and a JSON body, and are refused for foreign Host, Origin or
``Sec-Fetch-Site`` values (see :mod:`kolben.debug.guard`).
"""

from __future__ import annotations

import json
import sys
import threading
import typing as t
from collections import OrderedDict
from collections.abc import Iterable

from ..wrappers import Request, Response
from .console import run_in_frame
from .guard import (
    COOKIE_NAME,
    CSRF_HEADER,
    Guard,
    TokenResult,
    generate_token,
    parse_host,
)
from .render import content_security_policy, make_nonce, render_page
from .tbtools import Traceback

__all__ = ["PREFIX", "Debugger"]

#: The URL prefix of the debugger's own requests.
PREFIX = "/__debugger__"
#: Largest request body the debugger reads, in bytes.
MAX_BODY = 64 * 1024
#: Tracebacks kept for their consoles (the oldest is forgotten first).
MAX_TRACEBACKS = 20

_COMMON_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _json(status: int, data: dict[str, t.Any], **headers: str) -> Response:
    response = Response(json.dumps(data), status, mimetype="application/json")
    response.headers.update(_COMMON_HEADERS)
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("Accept", "")
    if not accept:
        return True
    lowered = accept.lower()
    return "text/html" in lowered or "*/*" in lowered or "application/xhtml" in lowered


class Debugger:
    """The interactive debugger for one server process.

    ``token`` unlocks the consoles (a fresh one is made, and printed to
    stderr, when it is None); with ``evalex=False`` the page shows
    tracebacks without consoles and needs no token. ``trusted_hosts`` are
    host names accepted besides the loopback ones.
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        evalex: bool = True,
        trusted_hosts: Iterable[str] = (),
        cookie_lifetime: int = 3600,
    ) -> None:
        self.evalex = evalex
        if evalex and token is None:
            token = generate_token()
            print(f" * Debugger token: {token}", file=sys.stderr, flush=True)
        self.guard = Guard(token if evalex else None, trusted_hosts, cookie_lifetime)
        self._tracebacks: OrderedDict[str, Traceback] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def is_debugger_path(path: str) -> bool:
        """Whether ``path`` is one of the debugger's own URLs."""
        return path == PREFIX or path.startswith(PREFIX + "/")

    # -- the traceback page ---------------------------------------------------------------

    def remember(self, tb: Traceback) -> None:
        """Keep ``tb`` for its consoles, forgetting the oldest beyond the limit."""
        with self._lock:
            self._tracebacks[tb.id] = tb
            while len(self._tracebacks) > MAX_TRACEBACKS:
                self._tracebacks.popitem(last=False)

    def traceback(self, tb_id: str) -> Traceback | None:
        """A remembered traceback, or None."""
        with self._lock:
            return self._tracebacks.get(tb_id)

    def error_response(self, exc: BaseException, request: Request) -> Response:
        """The response for an unhandled ``exc``: the traceback page (or text).

        The traceback is also printed to stderr. A request whose Host is
        not this machine gets a bare 500: the page shows source code and
        variables, which a DNS-rebinding page must not read. A malformed
        Host (one the app refuses too) gets a bare 400.
        """
        tb = Traceback(exc)
        sys.stderr.write(tb.plain_text)
        sys.stderr.flush()
        host = request.headers.get("Host")
        if host and parse_host(host) is None:
            # The app refuses such a Host too (request.host raises); the page
            # would build URLs from it, so the answer is a plain 400.
            response = Response(
                "Bad Request: the Host header is malformed.", 400, mimetype="text/plain"
            )
            response.headers.update(_COMMON_HEADERS)
            return response
        if not self.guard.host_allowed(host):
            response = Response("Internal Server Error", 500, mimetype="text/plain")
            response.headers.update(_COMMON_HEADERS)
            return response
        self.remember(tb)
        if not _wants_html(request):
            response = Response(tb.plain_text, 500, mimetype="text/plain")
            response.headers.update(_COMMON_HEADERS)
            return response
        nonce = make_nonce()
        unlocked = self.evalex and self.guard.cookie_valid(request.cookies.get(COOKIE_NAME))
        html = render_page(
            tb,
            nonce=nonce,
            base=request.script_root + PREFIX,
            csrf=self.guard.csrf_token,
            evalex=self.evalex,
            unlocked=unlocked,
            method=request.method,
            url=request.url,
        )
        response = Response(html, 500, mimetype="text/html")
        response.headers.update(_COMMON_HEADERS)
        response.headers["Content-Security-Policy"] = content_security_policy(nonce)
        return response

    # -- the page's requests --------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer a request under :data:`PREFIX` (see the module docstring)."""
        headers = {name.lower(): value for name, value in request.headers.items()}
        unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
        reason = self.guard.foreign_reason(headers, unsafe=unsafe)
        if reason is not None:
            return _json(400, {"error": f"Refused: {reason}."})
        route = request.path[len(PREFIX) :]
        if route not in ("/auth", "/eval"):
            return _json(404, {"error": "Unknown debugger URL."})
        if request.method != "POST":
            return _json(405, {"error": "Use POST."}, Allow="POST")
        if not self.evalex:
            return _json(403, {"error": "The consoles are turned off."})
        if request.mimetype != "application/json":
            return _json(415, {"error": "Send JSON."})
        length = request.content_length
        if length is None or length > MAX_BODY:
            return _json(413, {"error": "The request body is missing or too large."})
        if not self.guard.csrf_valid(request.headers.get(CSRF_HEADER)):
            return _json(403, {"error": "The page is out of date (CSRF token); reload it."})
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return _json(400, {"error": "The body must be a JSON object."})
        if route == "/auth":
            return self._auth(request, data)
        return self._eval(request, data)

    def _auth(self, request: Request, data: dict[str, t.Any]) -> Response:
        token = data.get("token")
        if not isinstance(token, str) or not token.strip():
            return _json(400, {"error": "Enter the token printed in the terminal."})
        result = self.guard.check_token(token)
        if result == TokenResult.OK:
            response = _json(200, {"ok": True})
            response.headers.add("Set-Cookie", self.guard.make_cookie(request.script_root or "/"))
            return response
        if result == TokenResult.LIMITED:
            wait = self.guard.retry_after()
            return _json(
                429,
                {"error": f"Too many wrong tokens. Try again in {wait} seconds."},
                Retry_After=str(wait),
            )
        if result == TokenResult.LOCKED:
            print(
                " * Debugger: too many wrong tokens; the consoles stay locked until a restart.",
                file=sys.stderr,
                flush=True,
            )
            return _json(
                403, {"error": "Too many wrong tokens: restart the server to unlock again."}
            )
        return _json(403, {"error": "Wrong token."})

    def _eval(self, request: Request, data: dict[str, t.Any]) -> Response:
        if not self.guard.cookie_valid(request.cookies.get(COOKIE_NAME)):
            return _json(
                403, {"error": "The consoles are locked: enter the token.", "locked": True}
            )
        tb_id, frame_id, code = data.get("traceback"), data.get("frame"), data.get("code")
        if not isinstance(tb_id, str) or not isinstance(frame_id, int) or not isinstance(code, str):
            return _json(400, {"error": "Send 'traceback', 'frame' and 'code'."})
        tb = self.traceback(tb_id)
        frame = tb.frames.get(frame_id) if tb is not None else None
        if frame is None:
            return _json(
                404,
                {"error": "This traceback is gone (the server restarted); reload the page."},
            )
        if not frame.has_console:
            return _json(404, {"error": "This frame never ran: it has no console."})
        result = run_in_frame(frame, code)
        return _json(200, {"output": result.output, "error": result.error, "more": result.more})
