"""The request line, the URL and the query, headers and cookies (layer 2).

:class:`RequestURL` is the part of :class:`~kolben.wrappers.Request` that
reads the PEP 3333 ``environ``: method, scheme, host, paths and URLs,
``args``, ``headers`` and ``cookies``, and the cheap accessors the request
pipeline calls before routing. A request over an ASGI scope replaces these
with readers of the scope (:mod:`kolben.wrappers.request_scope`).
"""

from __future__ import annotations

import typing as t
from urllib.parse import quote

from .._internal import wsgi_decoding_dance
from ..datastructures import EnvironHeaders, MultiDict
from ..exceptions import SecurityError
from ..http import parse_cookie
from ..http.hosts import host_from_environ, host_is_trusted
from ..urls import _fast_parse_qsl
from .request_headers import RequestHeadersMixin

__all__ = ["RequestURL"]

_URL_SAFE = "!$&'()*+,/:;=@%"
# What the pipeline's _body_expected() treats as "no body declared".
_BODILESS = frozenset({"GET", "HEAD"})
_NO_LENGTH = frozenset({None, "", "0"})


def _simple_query(
    cls: type[MultiDict[str, str]],
    query: str,
    _new: t.Any = dict.__new__,
    _setdefault: t.Any = dict.setdefault,
) -> MultiDict[str, str]:
    """Build the args of an ASCII query with nothing to decode.

    PERF: one pass from the query string straight into the dict storage,
    skipping the pair list and the generic constructor; the common
    ``?a=1&b=2`` costs about half as much. Only ``&`` separates pairs.
    """
    rv = _new(cls)
    for piece in query.split("&"):
        if piece:
            key, _, value = piece.partition("=")
            _setdefault(rv, key, []).append(value)
    return t.cast("MultiDict[str, str]", rv)


def parse_args(cls: type[MultiDict[str, t.Any]], qs: str) -> MultiDict[str, str]:
    """The ``args`` of the PEP 3333 query string ``qs`` (latin-1 text), as ``cls``."""
    if not qs:
        return t.cast("MultiDict[str, str]", cls())
    if qs.isascii() and "%" not in qs and "+" not in qs:
        return _simple_query(cls, qs)
    return t.cast("MultiDict[str, str]", t.cast(t.Any, cls)._from_pairs(_fast_parse_qsl(qs)))


class RequestURL(RequestHeadersMixin):
    """What a request says about where it goes: the part of
    :class:`~kolben.wrappers.Request` read from the request line, the URL,
    the query string and the headers.
    """

    _args: MultiDict[str, str] | None = None
    _headers: EnvironHeaders | None = None
    _cookies: MultiDict[str, str] | None = None
    _host: str | None = None
    _host_trusted: list[str] | None = None
    #: Set by the pipeline after it refused an ambiguously framed request;
    #: the ASGI sender then closes the connection (pipeline-facing).
    _close_connection: bool = False
    #: Whether this request reads an ASGI scope (see request_scope); the
    #: pipeline reads an environ request's environ directly (PERF).
    _reads_scope: bool = False
    _set_method: bool = False

    environ: dict[str, t.Any]
    trusted_hosts: list[str] | None
    parameter_storage_class: type[MultiDict[str, t.Any]]
    dict_storage_class: type[MultiDict[str, t.Any]]

    # -- the request line -----------------------------------------------------

    @property
    def method(self) -> str:
        """The request method, upper-case: ``"GET"``, ``"POST"`` ..."""
        return str(self.environ.get("REQUEST_METHOD", "GET")).upper()

    @property
    def scheme(self) -> str:
        """``"http"`` or ``"https"`` (``wsgi.url_scheme``)."""
        return str(self.environ.get("wsgi.url_scheme", "http"))

    @property
    def is_secure(self) -> bool:
        """Whether the request came over TLS (``https`` or ``wss``)."""
        return self.scheme in {"https", "wss"}

    @property
    def server(self) -> tuple[str, int | None] | None:
        """``(host, port)`` of the server socket, when known."""
        name = self.environ.get("SERVER_NAME")
        if name is None:
            return None
        try:
            port: int | None = int(self.environ.get("SERVER_PORT", ""))
        except ValueError:
            port = None
        return str(name), port

    @property
    def host(self) -> str:
        """The host the client asked for, with a non-default port.

        Checked against :attr:`trusted_hosts` when set: an untrusted or
        malformed Host raises :class:`~kolben.exceptions.SecurityError` (400).
        """
        trusted = self.trusted_hosts
        # The cache is only good for the trusted list it was checked against:
        # a list assigned after a first read must still be enforced.
        if self._host is not None and self._host_trusted is trusted:
            return self._host
        host = host_from_environ(self.environ)
        if host is None:
            raise SecurityError("The Host header is malformed.")
        if trusted is not None and not host_is_trusted(host, trusted):
            raise SecurityError(f"Host {host!r} is not in the trusted hosts.")
        self._host = host
        self._host_trusted = trusted
        return host

    @property
    def root_path(self) -> str:
        """Where the app is mounted (``SCRIPT_NAME``), without a trailing slash."""
        return wsgi_decoding_dance(self.environ.get("SCRIPT_NAME") or "").rstrip("/")

    script_root = root_path

    @property
    def path(self) -> str:
        """The path below :attr:`root_path`, percent-decoded, starting with ``/``."""
        raw = self.environ.get("PATH_INFO") or ""
        return "/" + wsgi_decoding_dance(raw).lstrip("/")

    @property
    def query_string(self) -> bytes:
        """The raw query string."""
        return str(self.environ.get("QUERY_STRING", "")).encode("latin-1", "replace")

    @property
    def full_path(self) -> str:
        """:attr:`path` plus ``?`` and the query string."""
        return f"{self.path}?{self.query_string.decode('utf-8', 'replace')}"

    @property
    def host_url(self) -> str:
        """``scheme://host/``."""
        return f"{self.scheme}://{self.host}/"

    @property
    def root_url(self) -> str:
        """``scheme://host/root/``: where the app lives."""
        return f"{self.scheme}://{self.host}{quote(self.root_path, safe=_URL_SAFE)}/"

    url_root = root_url

    @property
    def base_url(self) -> str:
        """The URL without its query string."""
        return (
            f"{self.scheme}://{self.host}{quote(self.root_path, safe=_URL_SAFE)}"
            f"{quote(self.path, safe=_URL_SAFE)}"
        )

    @property
    def url(self) -> str:
        """The full URL, safely percent-encoded."""
        qs = self.environ.get("QUERY_STRING")
        if qs:
            return f"{self.base_url}?{quote(wsgi_decoding_dance(qs), safe=_URL_SAFE + '?')}"
        return self.base_url

    # -- query, headers, cookies ----------------------------------------------

    @property
    def args(self) -> MultiDict[str, str]:
        """The parsed query string. ``;`` is never a separator."""
        if self._args is not None:
            return self._args
        qs = self.environ.get("QUERY_STRING")
        cls = self.parameter_storage_class
        if not qs:
            self._args = cls()
        elif qs.isascii() and "%" not in qs and "+" not in qs:
            self._args = _simple_query(cls, qs)
        else:
            self._args = t.cast(t.Any, cls)._from_pairs(_fast_parse_qsl(qs))
        return self._args

    @property
    def headers(self) -> EnvironHeaders:
        """The request headers: read-only, case-insensitive."""
        if self._headers is None:
            self._headers = EnvironHeaders(self.environ)
        return self._headers

    @property
    def cookies(self) -> MultiDict[str, str]:
        """The cookies the client sent (RFC 6265 parsing, never raises)."""
        if self._cookies is None:
            self._cookies = parse_cookie(self.environ, cls=self.dict_storage_class)
        return self._cookies

    @property
    def is_multithread(self) -> bool:
        return bool(self.environ.get("wsgi.multithread"))

    @property
    def is_multiprocess(self) -> bool:
        return bool(self.environ.get("wsgi.multiprocess"))

    @property
    def is_run_once(self) -> bool:
        return bool(self.environ.get("wsgi.run_once"))

    # -- pipeline-facing ----------------------------------------------------------
    # The request pipeline calls these on every request, over an environ or a
    # scope alike; each is cheap and reads no more than it needs.

    def _routing_path(self) -> str:
        """The path the router matches.

        PATH_INFO as is for the common ``/ascii/path``; ``""`` for an app
        mounted under a root path and asked for the root itself (so strict
        slashes redirect ``/api`` to ``/api/``); anything non-ASCII or
        starting with ``//`` goes through :attr:`path`'s normalising.
        """
        environ = self.environ
        path: str = environ.get("PATH_INFO") or ("" if environ.get("SCRIPT_NAME") else "/")
        if path and not (path.isascii() and path[:1] == "/" and path[1:2] != "/"):
            return self.path
        return path

    def _routing_facts(self) -> tuple[bool, str | None, str]:
        """``(framing conflict, raw Host, routing path)``: what matching needs."""
        return self._framing_conflict(), self._raw_host(), self._routing_path()

    def _framing_conflict(self) -> bool:
        """Whether both Content-Length (non-empty) and Transfer-Encoding came.

        RFC 9112 section 6.3: a request framed both ways is how request
        smuggling starts; the pipeline refuses it.
        """
        environ = self.environ
        return "HTTP_TRANSFER_ENCODING" in environ and bool(environ.get("CONTENT_LENGTH"))

    def _raw_host(self) -> str | None:
        """The Host header as received (repeated lines joined with ``,``)."""
        value = self.environ.get("HTTP_HOST")
        return None if value is None else str(value)

    def _declares_body(self) -> bool:
        """Whether the request announces a body: a Content-Length above 0,
        or a Transfer-Encoding (the method does not count)."""
        environ = self.environ
        declared = environ.get("CONTENT_LENGTH")
        return bool(declared and declared != "0") or "HTTP_TRANSFER_ENCODING" in environ

    def _set_body(self, body: t.Any) -> None:
        """Give the request its body reader (the ASGI adapter's), once the
        pipeline knows it needs one."""
        self.environ["wsgi.input"] = body

    def _body_expected(self) -> bool:
        """Whether the request may carry a body: a method other than GET or
        HEAD, a Content-Length other than 0, or a Transfer-Encoding."""
        environ = self.environ
        return (
            self.method not in _BODILESS
            or environ.get("CONTENT_LENGTH") not in _NO_LENGTH
            or "HTTP_TRANSFER_ENCODING" in environ
        )
