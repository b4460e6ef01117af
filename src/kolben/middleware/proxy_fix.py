"""Trust ``X-Forwarded-*`` headers set by a known number of proxies (layer 3).

Behind a reverse proxy the app sees the proxy as its client, and the
proxy's own scheme, host and port. Proxies say what the client sent in
``X-Forwarded-For``, ``-Proto``, ``-Host``, ``-Port`` and ``-Prefix``; but
a client can send those headers too. Each proxy *appends* to the list it
receives, so with ``n`` trusted proxies the ``n``-th value from the right
was written by the outermost trusted proxy and everything left of it may
be forged. :class:`ProxyFix` uses exactly that value, per header, and only
for the headers it is told to trust.

::

    # one nginx in front, which sets X-Forwarded-For and X-Forwarded-Proto
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)

Never enable a header your proxies do not set (or strip): a client could
then choose its value.
"""

from __future__ import annotations

import re
import typing as t

from ..http import parse_list_header
from ..http.hosts import host_from_environ
from ._asgi import ASGIApp, Receive, Scope, Send, asgi_class, is_asgi, join_header, route_path

if t.TYPE_CHECKING:  # pragma: no cover
    from ..typing import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["ProxyFix"]

# RFC 3986 section 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
# RFC 3986 section 3.2.3: port = *DIGIT (a TCP port fits in 16 bits).
_PORT_RE = re.compile(r"[0-9]{1,5}")
_WS_SCHEMES = {"http": "ws", "https": "wss"}


def _split_host(host: str) -> tuple[str, str | None]:
    """``(name, port)`` of a Host value; a bracketed IPv6 literal keeps its colons."""
    if ":" in host and not host.endswith("]"):
        name, _, port = host.rpartition(":")
        return name, port
    return host, None


def _forwarded_headers(scope: Scope) -> dict[str, str]:
    """The scope's ``X-Forwarded-*`` headers under their environ keys, lines joined."""
    found: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        name = name.lower()
        if name.startswith(b"x-forwarded-"):
            key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
            text = value.decode("latin-1")
            # RFC 9110 section 5.3: repeated field lines form one list, in order.
            found[key] = f"{found[key]},{text}" if key in found else text
    return found


class ProxyFix:
    """Take the client's address, scheme, host, port and prefix from proxy headers.

    Each argument is the number of proxies trusted to set that header (0
    ignores it); the value that many places from the right is used, and a
    header with fewer values than that is ignored as forged:

    - ``x_for``: ``X-Forwarded-For`` sets ``REMOTE_ADDR`` (ASGI: ``client``).
    - ``x_proto``: ``X-Forwarded-Proto`` sets ``wsgi.url_scheme``
      (ASGI: ``scheme``, ``ws``/``wss`` for websockets).
    - ``x_host``: ``X-Forwarded-Host`` sets ``HTTP_HOST``, ``SERVER_NAME``
      and ``SERVER_PORT`` (ASGI: the ``host`` header and ``server``).
    - ``x_port``: ``X-Forwarded-Port`` sets the port of the host and
      ``SERVER_PORT``.
    - ``x_prefix``: ``X-Forwarded-Prefix`` sets ``SCRIPT_NAME``
      (ASGI: ``root_path``), the path the proxy mounts the app at.

    The values before the change are kept in
    ``environ["werkzeug.proxy_fix.orig"]`` (also ``"kolben.proxy_fix.orig"``);
    under ASGI the scope copy carries the original ``client``, ``scheme``,
    ``server``, ``host`` header and ``root_path`` under the same keys (in a
    Kolben app: ``request.environ["asgi.scope"]``).

    Kolben: a value that is not well-formed (a scheme that is not a
    scheme, a Host with spaces or a path, a port that is not a number, a
    prefix that is not an absolute path) is ignored instead of being
    passed on to URL building.

    ``app`` may be a WSGI or an ASGI 3 application; the middleware is then
    the same kind of callable.
    """

    def __new__(cls, app: t.Any, *args: t.Any, **kwargs: t.Any) -> ProxyFix:
        if is_asgi(app):
            cls = asgi_class(cls, _ASGIProxyFix)
        return super().__new__(cls)

    def __init__(
        self,
        app: t.Any,
        x_for: int = 1,
        x_proto: int = 1,
        x_host: int = 0,
        x_port: int = 0,
        x_prefix: int = 0,
    ) -> None:
        for name, value in (
            ("x_for", x_for),
            ("x_proto", x_proto),
            ("x_host", x_host),
            ("x_port", x_port),
            ("x_prefix", x_prefix),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(
                    f"'{name}' is the number of proxies to trust for that header: a whole"
                    f" number, 0 or more (got {value!r})."
                )
        self.app = app
        self.x_for = x_for
        self.x_proto = x_proto
        self.x_host = x_host
        self.x_port = x_port
        self.x_prefix = x_prefix

    def _get_real_value(self, trusted: int, value: str | None) -> str | None:
        """The value ``trusted`` places from the right of the list ``value``, or None."""
        if not (trusted and value):
            return None
        if '"' in value:
            values = parse_list_header(value)
        else:
            # PERF: proxies send plain comma lists; the quoted-string
            # grammar of RFC 9110 section 5.6.1 is only needed with quotes.
            values = [item for item in (part.strip() for part in value.split(",")) if item]
        if len(values) >= trusted:
            return values[-trusted].strip() or None
        return None

    def _values(self, headers: t.Mapping[str, t.Any]) -> dict[str, str]:
        """The trusted, well-formed forwarded values of ``headers`` (environ keys)."""
        found: dict[str, str] = {}
        if self.x_for:
            remote = self._get_real_value(self.x_for, headers.get("HTTP_X_FORWARDED_FOR"))
            if remote:
                found["for"] = remote
        if self.x_proto:
            proto = self._get_real_value(self.x_proto, headers.get("HTTP_X_FORWARDED_PROTO"))
            if proto and _SCHEME_RE.fullmatch(proto):
                found["proto"] = proto.lower()
        if self.x_host:
            host = self._get_real_value(self.x_host, headers.get("HTTP_X_FORWARDED_HOST"))
            if host and host_from_environ({"HTTP_HOST": host}) is not None:
                found["host"] = host
        if self.x_port:
            port = self._get_real_value(self.x_port, headers.get("HTTP_X_FORWARDED_PORT"))
            if port and _PORT_RE.fullmatch(port) and 0 < int(port) < 65536:
                found["port"] = str(int(port))
        if self.x_prefix:
            prefix = self._get_real_value(self.x_prefix, headers.get("HTTP_X_FORWARDED_PREFIX"))
            if prefix and prefix[:1] == "/" and prefix[:2] != "//" and prefix.isprintable():
                found["prefix"] = prefix.rstrip("/")
        return found

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> t.Any:
        """Fix ``environ`` from the trusted headers and call the wrapped WSGI app."""
        get = environ.get
        orig = {
            "REMOTE_ADDR": get("REMOTE_ADDR"),
            "wsgi.url_scheme": get("wsgi.url_scheme"),
            "HTTP_HOST": get("HTTP_HOST"),
            "SERVER_NAME": get("SERVER_NAME"),
            "SERVER_PORT": get("SERVER_PORT"),
            "SCRIPT_NAME": get("SCRIPT_NAME"),
        }
        environ["werkzeug.proxy_fix.orig"] = environ["kolben.proxy_fix.orig"] = orig
        values = self._values(environ)
        if "for" in values:
            environ["REMOTE_ADDR"] = values["for"]
        if "proto" in values:
            environ["wsgi.url_scheme"] = values["proto"]
        if "host" in values:
            host = values["host"]
            environ["HTTP_HOST"] = environ["SERVER_NAME"] = host
            host_name, host_port = _split_host(host)
            if host_port is not None:
                environ["SERVER_NAME"], environ["SERVER_PORT"] = host_name, host_port
        if "port" in values:
            forwarded_port = values["port"]
            current = get("HTTP_HOST")
            if current:
                environ["HTTP_HOST"] = f"{_split_host(current)[0]}:{forwarded_port}"
            environ["SERVER_PORT"] = forwarded_port
        if "prefix" in values:
            environ["SCRIPT_NAME"] = values["prefix"]
        return t.cast("WSGIApplication", self.app)(environ, start_response)


class _ASGIProxyFix(ProxyFix):
    """:class:`ProxyFix` around an ASGI 3 app (made by ``ProxyFix(asgi_app)``)."""

    async def __call__(  # type: ignore[override]
        self, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Pass a copy of ``scope`` fixed from the trusted headers to the app."""
        app = t.cast(ASGIApp, self.app)
        if scope["type"] not in ("http", "websocket"):
            await app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers", ()))
        host_header = join_header(scope, b"host")
        orig = {
            "client": scope.get("client"),
            "scheme": scope.get("scheme"),
            "server": scope.get("server"),
            "host": host_header,
            "root_path": scope.get("root_path", ""),
        }
        values = self._values(_forwarded_headers(scope))
        scope = dict(scope)
        scope["werkzeug.proxy_fix.orig"] = scope["kolben.proxy_fix.orig"] = orig
        if "for" in values:
            # The proxy's port says nothing about the client's: ASGI allows 0.
            scope["client"] = (values["for"], 0)
        if "proto" in values:
            proto = values["proto"]
            if scope["type"] == "websocket":
                proto = _WS_SCHEMES.get(proto, proto)
            scope["scheme"] = proto
        server = scope.get("server")
        server_port = server[1] if server else None
        new_host = host_header
        if "host" in values:
            new_host = values["host"]
            host_name, host_port = _split_host(new_host)
            scope["server"] = (host_name, int(host_port) if host_port else server_port)
        if "port" in values:
            forwarded_port = int(values["port"])
            if new_host:
                new_host = f"{_split_host(new_host)[0]}:{forwarded_port}"
            current_server = scope.get("server")
            server_name = str(current_server[0]) if current_server else ""
            scope["server"] = (server_name, forwarded_port)
        if new_host != host_header and new_host is not None:
            headers = [(k, v) for k, v in headers if k.lower() != b"host"]
            headers.append((b"host", new_host.encode("latin-1")))
            scope["headers"] = headers
        if "prefix" in values:
            prefix = values["prefix"]
            # ASGI's path is the full path: the new root followed by the
            # path below the old one.
            scope["path"] = prefix + route_path(scope)
            scope["root_path"] = prefix
        await app(scope, receive, send)
