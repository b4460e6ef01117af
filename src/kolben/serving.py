"""Serving an app for development (layer 5).

TEMPORARY FALLBACK: until the embedded granian server lands (the developer
experience issue), ``run_simple`` serves through the standard library's
``wsgiref`` with one thread per request. It is for trying Kolben out on
127.0.0.1, not for production: use gunicorn or granian there.
"""

from __future__ import annotations

import argparse
import sys
import typing as t
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from ._imports import import_string

__all__ = ["run_simple"]


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: t.Any) -> None:
        sys.stderr.write(f"{self.address_string()} - {format % args}\n")


def run_simple(
    hostname: str,
    port: int,
    application: t.Any,
    use_reloader: bool = False,
    use_debugger: bool = False,
    threaded: bool = True,
    **options: t.Any,
) -> None:
    """Serve ``application`` on ``hostname:port`` until interrupted."""
    server_class = _ThreadingWSGIServer if threaded else WSGIServer
    with make_server(
        hostname, port, application, server_class=server_class, handler_class=_QuietHandler
    ) as server:
        host, bound_port = server.server_address[:2]
        print(f" * Serving Kolben app on http://{host!s}:{bound_port} (stdlib fallback server)")
        print(" * Press CTRL+C to quit")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


def main(argv: list[str] | None = None) -> None:
    """``python -m kolben.serving module:app [--host H] [--port P]``."""
    parser = argparse.ArgumentParser(prog="python -m kolben.serving")
    parser.add_argument("app", help="the app to serve, as module:attribute")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)
    app = import_string(args.app)
    run_simple(args.host, args.port, app)


if __name__ == "__main__":
    main()
