"""The last-resort server, for when granian cannot be imported (layer 5).

Granian ships compiled wheels for the common platforms; on one without a
wheel (and without a Rust toolchain to build it) ``kolben run`` still
works through the standard library's ``wsgiref``, one thread per request.
It speaks WSGI only, HTTP/1.0 style, without TLS and with one process: it
is a way to try the app, not to serve it in production. Everything else
(the reloader, the debugger) works the same on top of it.
"""

from __future__ import annotations

import sys
import typing as t
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

__all__ = ["serve"]


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _Handler(WSGIRequestHandler):
    def log_message(self, format: str, *args: t.Any) -> None:
        sys.stderr.write(f"{self.address_string()} - {format % args}\n")


def serve(application: t.Any, host: str, port: int, *, threaded: bool = True) -> None:
    """Serve the WSGI ``application`` on ``host:port`` until interrupted."""
    server_class = _ThreadingWSGIServer if threaded else WSGIServer
    with make_server(
        host, port, application, server_class=server_class, handler_class=_Handler
    ) as server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
