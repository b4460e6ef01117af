"""A request that reads its ASGI scope directly (layer 2).

Under ASGI the pipeline makes its request with ``Request._from_scope(scope,
body, run_in_thread)``: method, path, query and headers come from the
scope's values when asked for, and the PEP 3333 ``environ`` is built (with
:func:`~kolben.wrappers.scope.scope_to_environ`, then kept) only when
something reads ``request.environ``.

How: the request is an instance of a subclass of the app's request class,
made once per class, that carries the scope readers of :class:`ScopeReaders`
in place of the environ readers. A reader the request class overrides is
left out, so a user's ``path`` or ``host`` still applies (it reads
``self.environ``, which then gets built). Anything without a scope reader
reads ``self.environ``: correct, only slower.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Mapping
from urllib.parse import quote

from .._streams import parse_content_length
from ..datastructures import EnvironHeaders, MultiDict
from ..datastructures.headers import _ENVIRON_KEYS, _UNPREFIXED, _environ_key
from ..exceptions import SecurityError
from ..http import parse_cookie
from ..http.hosts import host_from_environ, host_is_trusted
from .request_body import _URLENCODED, RequestBody
from .request_url import _BODILESS, _URL_SAFE, _simple_query, parse_args
from .scope import (
    _HEADER_KEYS,
    BASE_ENVIRON,
    Scope,
    header_key,
    mount_split,
    scope_to_environ,
)

__all__ = ["SCOPE_CLASSES", "ScopeHeaders", "ScopeReaders", "environ_of", "scope_class"]

_MISSING = object()
# A Content-Length that announces no body, as received or once decoded.
_ZERO = frozenset({b"0", "0"})
# The urlencoded Content-Type as the scope holds it (bytes) or joined (str).
_URLENCODED_VALUES = frozenset({_URLENCODED, _URLENCODED.encode()})

def _join(key: str, existing: bytes | str, value: bytes) -> str:
    # As the converter joins repeated lines (RFC 9110 section 5.3).
    first = existing.decode("latin-1") if isinstance(existing, bytes) else existing
    text = value.decode("latin-1")
    return f"{first}; {text}" if key == "HTTP_COOKIE" else f"{first},{text}"


class ScopeHeaders(EnvironHeaders):
    """The request headers of a request over a scope: read-only,
    case-insensitive, with the values and names :class:`EnvironHeaders`
    gives over the converter's environ.

    A lookup reads the scope's header list (see ``ScopeReaders._header_value``);
    iterating reads the joined header part of the environ, built once.
    """

    # PERF: the headers hold the request's header dict, never the request:
    # a request holding its headers holding the request is a reference
    # cycle, which only the garbage collector frees (about 4k instructions
    # per request of collector work on bench case D, callgrind).
    __slots__ = ("_hk",)

    def __init__(self, hk: dict[str, bytes | str]) -> None:
        self._hk = hk

    @property
    def environ(self) -> Mapping[str, t.Any]:  # type: ignore[override]
        """The header keys of the environ (``HTTP_*``, ``CONTENT_TYPE``, ``CONTENT_LENGTH``)."""
        return _decoded(self._hk)

    def _first(self, key: str) -> str | None:
        environ_key = _ENVIRON_KEYS.get(key) or _environ_key(key)
        raw = self._hk.get(environ_key)
        value = raw.decode("latin-1") if isinstance(raw, bytes) else raw
        if value is None or (not value and environ_key in _UNPREFIXED):
            return None
        return value

    def get(
        self, key: str, default: t.Any = None, type: t.Callable[[str], t.Any] | None = None
    ) -> t.Any:
        """Return the header ``key``, or ``default`` when it is missing."""
        # PERF: the hottest call on request headers: _first inlined, and
        # only opcodes (no method call) until a value is found.
        keys = _ENVIRON_KEYS
        environ_key = keys[key] if key in keys else _environ_key(key)
        hk = self._hk
        if environ_key not in hk:
            return default
        value: t.Any = hk[environ_key]
        if value.__class__ is bytes:
            value = value.decode("latin-1")
        if not value and environ_key in _UNPREFIXED:
            return default
        if type is None:
            return value
        try:
            return type(value)
        except (ValueError, TypeError):
            return default


def _decoded(hk: dict[str, bytes | str]) -> dict[str, str]:
    """The header part of the environ, decoded (for iterating the headers)."""
    return {
        key: value.decode("latin-1") if isinstance(value, bytes) else value
        for key, value in hk.items()
    }


class _LazyEnviron:
    """``request.environ`` of a request over a scope: built on first access.

    PERF: a non-data descriptor, like :func:`functools.cached_property`: the
    first access stores the environ in the instance ``__dict__``, which then
    shadows the descriptor (later reads and ``request.environ = x`` are plain
    attribute accesses). Only scope requests have it; a WSGI request stores
    its environ in ``__init__`` and never meets it. Building an environ costs
    about 17,000 CPU instructions, a sixth of a plaintext ASGI request.
    """

    def __get__(self, obj: t.Any, owner: type | None = None) -> t.Any:
        if obj is None:
            return self
        environ = obj._build_environ()
        obj.__dict__["environ"] = environ
        obj._has_environ = True
        return environ


def environ_of(
    scope: Scope,
    body: t.Any,
    run_in_thread: Callable[..., t.Awaitable[t.Any]] | None,
    environ_base: Mapping[str, t.Any] | None,
) -> dict[str, t.Any]:
    """The environ of a scope request: the converter's, with ``environ_base``
    (default :data:`~kolben.wrappers.scope.BASE_ENVIRON`) and the lent
    ``run_in_thread``."""
    environ = scope_to_environ(scope, body, BASE_ENVIRON if environ_base is None else environ_base)
    if run_in_thread is not None:
        environ["kolben.run_in_thread"] = run_in_thread
    return environ


class _ScopeMethod:
    """``request.method`` of a scope request.

    PERF: a non-data descriptor. ``Request._from_scope`` stores the method
    in the instance (``_set_method``), which then shadows this: the pipeline
    reads the method four times per request, as a plain attribute.
    """

    def __get__(self, obj: t.Any, owner: type | None = None) -> t.Any:
        if obj is None:
            return self
        method: str = obj._scope.get("method") or "GET"
        return method.upper()


class ScopeReaders(RequestBody):
    """The accessors of a request over an ASGI scope.

    Never instantiated: its members are copied into the per-class subclass
    that :func:`scope_class` makes (so no ``super()`` in here). Each
    gives the same value as the environ reader it replaces gives for the
    environ :func:`~kolben.wrappers.scope.scope_to_environ` builds.
    """

    _scope: Scope
    _reads_scope = True
    #: Whether request.environ was built (then it gets the body too).
    _has_environ = False
    _body: t.Any
    _run_in_thread: Callable[..., t.Awaitable[t.Any]] | None = None
    _environ_base: Mapping[str, t.Any] | None = None
    #: The scope's headers under their environ keys, values still as bytes
    #: (a ``str`` where lines were joined); built on first use.
    _hk: dict[str, bytes | str] | None = None

    environ = _LazyEnviron()

    def _build_environ(self) -> dict[str, t.Any]:
        return environ_of(self._scope, self._body, self._run_in_thread, self._environ_base)

    def _header_keys(self) -> dict[str, bytes | str]:
        """The scope's headers under their environ keys (``"HTTP_HOST"``).

        PERF: one pass of plain dict operations, no call for a known name;
        values are decoded when read (see _header_value), so headers nobody
        reads cost no decode. Repeated lines are joined as the converter
        joins them. About half of ``header_environ``'s cost (callgrind, five
        headers).
        """
        rv: dict[str, bytes | str] = {}
        keys = _HEADER_KEYS
        for name, value in self._scope["headers"]:
            key = keys[name] if name in keys else header_key(name)
            if key in rv:
                rv[key] = _join(key, rv[key], value)
            else:
                rv[key] = value
        self._hk = rv
        return rv

    def _header_value(self, key: str) -> str | None:
        """The environ's value for header key ``key`` (``"HTTP_HOST"``), or None."""
        hk = self._hk
        if hk is None:
            hk = self._header_keys()
        if key in hk:
            value = hk[key]
            if value.__class__ is bytes:
                return value.decode("latin-1")
            return value  # type: ignore[return-value]
        return None

    def _header_map(self) -> dict[str, str]:
        """The header part of the environ, decoded (for iterating the headers)."""
        hk = self._hk
        if hk is None:
            hk = self._header_keys()
        return _decoded(hk)

    # -- the request line and the URL ---------------------------------------------

    method = _ScopeMethod()

    @property
    def scheme(self) -> str:
        """``"http"`` or ``"https"`` (``"ws"``/``"wss"`` for a websocket)."""
        scope = self._scope
        scheme = scope.get("scheme")
        if scheme:
            return str(scheme)
        return "http" if scope["type"] == "http" else "ws"

    @property
    def server(self) -> tuple[str, int | None] | None:
        """``(host, port)`` of the server socket, when known."""
        server = self._scope.get("server")
        if not server:
            return "localhost", 80
        port = server[1]
        try:
            number: int | None = None if port is None else int(str(port))
        except ValueError:
            number = None
        return str(server[0]), number

    @property
    def host(self) -> str:
        """The host the client asked for, with a non-default port.

        Checked against :attr:`trusted_hosts` when set: an untrusted or
        malformed Host raises :class:`~kolben.exceptions.SecurityError` (400).
        """
        trusted = self.trusted_hosts
        if self._host is not None and self._host_trusted is trusted:
            return self._host
        raw = self._header_value("HTTP_HOST")
        if raw is None:
            # No Host line (HTTP/1.0): the server's name and port, as the
            # environ's SERVER_NAME and SERVER_PORT give them.
            server = self._scope.get("server")
            if server:
                name, port = server[0], ("" if server[1] is None else str(server[1]))
            else:
                name, port = "localhost", "80"
            raw = f"{name}:{port}" if port else str(name)
        host = host_from_environ({"wsgi.url_scheme": self.scheme, "HTTP_HOST": raw})
        if host is None:
            raise SecurityError("The Host header is malformed.")
        if trusted is not None and not host_is_trusted(host, trusted):
            raise SecurityError(f"Host {host!r} is not in the trusted hosts.")
        self._host = host
        self._host_trusted = trusted
        return host

    @property
    def root_path(self) -> str:
        """Where the app is mounted (``root_path``), without a trailing slash."""
        root: str = self._scope.get("root_path") or ""
        return root.rstrip("/")

    script_root = root_path

    @property
    def path(self) -> str:
        """The path below :attr:`root_path`, percent-decoded, starting with ``/``."""
        scope = self._scope
        if scope.get("root_path"):
            return "/" + mount_split(scope)[1].lstrip("/")
        path: str = scope.get("path") or "/"
        # PERF: the common "/x" needs no stripping.
        if path[:1] == "/" and path[1:2] != "/":
            return path
        return "/" + path.lstrip("/")

    @property
    def query_string(self) -> bytes:
        """The raw query string."""
        return t.cast(bytes, self._scope.get("query_string") or b"")

    @property
    def url(self) -> str:
        """The full URL, safely percent-encoded."""
        qs = self._scope.get("query_string")
        if qs:
            return f"{self.base_url}?{quote(qs.decode('utf-8', 'replace'), safe=_URL_SAFE + '?')}"
        return self.base_url

    @property
    def args(self) -> MultiDict[str, str]:
        """The parsed query string. ``;`` is never a separator."""
        if self._args is not None:
            return self._args
        qs = self._scope.get("query_string")
        cls = self.parameter_storage_class
        if not qs:
            self._args = cls()
            return self._args
        # PERF: checked as text: ``b"%" in bytes`` first tries the needle as
        # an int and swallows a TypeError (~2,000 instructions each).
        text = qs.decode("latin-1")
        if text.isascii() and "%" not in text and "+" not in text:
            # parse_args' common case without its call.
            self._args = _simple_query(cls, text)
        else:
            self._args = parse_args(cls, text)
        return self._args

    @property
    def headers(self) -> EnvironHeaders:
        """The request headers: read-only, case-insensitive."""
        if self._headers is None:
            hk = self._hk
            self._headers = ScopeHeaders(self._header_keys() if hk is None else hk)
        return self._headers

    @property
    def cookies(self) -> MultiDict[str, str]:
        """The cookies the client sent (RFC 6265 parsing, never raises)."""
        if self._cookies is None:
            hk = self._hk
            if hk is None:
                hk = self._header_keys()
            value = hk["HTTP_COOKIE"] if "HTTP_COOKIE" in hk else None  # noqa: SIM401
            # Raw bytes decode as UTF-8 just as the environ's latin-1 text
            # does; lines joined into text go the environ's way.
            self._cookies = parse_cookie(
                {"HTTP_COOKIE": value} if value.__class__ is str else value,
                cls=self.dict_storage_class,
            )
        return self._cookies

    # An ASGI server runs the app on one loop with worker threads, in as
    # many processes as it likes (the converter says the same).
    @property
    def is_multithread(self) -> bool:
        return True

    @property
    def is_multiprocess(self) -> bool:
        return True

    @property
    def is_run_once(self) -> bool:
        return False

    # -- pipeline-facing (see RequestURL) -------------------------------------------

    def _routing_path(self) -> str:
        return self._routing_facts()[2]

    def _routing_facts(self) -> tuple[bool, str | None, str]:
        # PERF: the three facts matching needs, in one call (the path read
        # here, not through _routing_path: a call per request less).
        hk = self._hk
        if hk is None:
            hk = self._header_keys()
        conflict = "HTTP_TRANSFER_ENCODING" in hk and bool(hk.get("CONTENT_LENGTH"))
        raw = hk["HTTP_HOST"] if "HTTP_HOST" in hk else None  # noqa: SIM401
        # PERF: a class test, not isinstance (the values are bytes or str).
        host: str | None = raw.decode("latin-1") if raw.__class__ is bytes else raw  # type: ignore[assignment]
        scope = self._scope
        path: str = scope.get("path") or "/"
        if scope.get("root_path"):
            path = mount_split(scope)[1]
            if not path:
                return conflict, host, ""
        # PERF: the common "/ascii/path" is matched as it came.
        if path.isascii() and path[:1] == "/" and path[1:2] != "/":
            return conflict, host, path
        return conflict, host, self.path

    def _framing_conflict(self) -> bool:
        hk = self._hk
        if hk is None:
            hk = self._header_keys()
        return "HTTP_TRANSFER_ENCODING" in hk and bool(hk.get("CONTENT_LENGTH"))

    def _raw_host(self) -> str | None:
        return self._header_value("HTTP_HOST")

    def _declares_body(self) -> bool:
        hk = self._hk
        if hk is None:
            hk = self._header_keys()
        if "HTTP_TRANSFER_ENCODING" in hk:
            return True
        # PERF: opcodes only, no method call (as in _header_keys).
        declared = hk["CONTENT_LENGTH"] if "CONTENT_LENGTH" in hk else None  # noqa: SIM401
        return bool(declared) and declared not in _ZERO

    def _set_body(self, body: t.Any) -> None:
        self._body = body
        # PERF: never self.__dict__ here: on CPython 3.11 touching it turns
        # the request's inline attribute values into a dict, and every later
        # attribute read of the request misses the fast path (about 15k
        # instructions on a form POST, callgrind).
        if self._has_environ:
            self.environ["wsgi.input"] = body

    def _body_expected(self) -> bool:
        if self.method not in _BODILESS:
            return True
        # PERF: _declares_body inlined (one call per request less).
        hk = self._hk
        if hk is None:
            hk = self._header_keys()
        if "HTTP_TRANSFER_ENCODING" in hk:
            return True
        declared = hk["CONTENT_LENGTH"] if "CONTENT_LENGTH" in hk else None  # noqa: SIM401
        return bool(declared) and declared not in _ZERO

    # -- headers (RequestHeadersMixin reads them through _header) --------------------

    def _header(self, name: str) -> str | None:
        if name[:5] == "HTTP_" or name in _UNPREFIXED:
            # PERF: _header_value inlined (the pipeline reads Cookie here).
            hk = self._hk
            if hk is None:
                hk = self._header_keys()
            if name not in hk:
                return None
            found = hk[name]
            return found.decode("latin-1") if isinstance(found, bytes) else found
        value = self.environ.get(name)
        return None if value is None else str(value)

    @property
    def content_length(self) -> int | None:
        """The declared body length, or None when absent, invalid or chunked.

        A length larger than any body can be raises
        :class:`~kolben.exceptions.BadRequest` (400).
        """
        # PERF: the header dict read inline (two _header_value calls less,
        # about 800 instructions on a form POST).
        hk = self._hk
        if hk is None:
            hk = self._header_keys()
        value = hk["CONTENT_LENGTH"] if "CONTENT_LENGTH" in hk else None  # noqa: SIM401
        if not value or "HTTP_TRANSFER_ENCODING" in hk:
            # No length, or RFC 9112 section 6.3: Transfer-Encoding
            # overrides Content-Length.
            return None
        if value.__class__ is bytes:
            value = value.decode("latin-1")
        return parse_content_length(value)

    @property
    def remote_addr(self) -> str | None:
        """The peer address. Proxy headers never change it (see ProxyFix)."""
        client = self._scope.get("client")
        return str(client[0]) if client else None

    @property
    def remote_user(self) -> str | None:
        # The CGI variable: no ASGI server authenticates.
        return None

    # -- the body ---------------------------------------------------------------------

    @property
    def input_stream(self) -> t.Any:
        """The raw body stream from the server. Prefer :attr:`stream`."""
        return self._body

    def _has_unbounded_body(self) -> bool:
        # An ASGI body always ends: the last message, or a disconnect.
        return True

    def _async_source(self) -> t.Any:
        source = self._body
        if self._stream is None and hasattr(source, "aread"):
            return source
        return None

    async def _offload(self, func: t.Callable[[], t.Any]) -> t.Any:
        runner = self._run_in_thread
        if runner is None:
            return func()
        return await runner(func)

    def _load_form_data(self) -> None:
        if self._form is not None:
            return
        # PERF: the header dict read inline, values compared as the scope's
        # bytes (three _header_value calls less, about 1.2k instructions).
        hk = self._hk
        if hk is None:
            hk = self._header_keys()
        if (
            "CONTENT_TYPE" in hk
            and hk["CONTENT_TYPE"] in _URLENCODED_VALUES
            and self._cached_data is None
            and self._stream is None
            and not self.shallow
        ):
            # PERF: the plain browser form (bench case F), as RequestBody's.
            raw = hk["CONTENT_LENGTH"] if "CONTENT_LENGTH" in hk else None  # noqa: SIM401
            if (
                raw is not None
                and raw.isdigit()
                and raw.isascii()
                and len(raw) < 19
                and "HTTP_TRANSFER_ENCODING" not in hk
            ):
                self._load_urlencoded(int(raw), self._body)
                return
        self._load_form_general()

    @property
    def want_form_data_parsed(self) -> bool:
        return bool(self._header_value("CONTENT_TYPE"))


def _scope_new(klass: type, *args: t.Any, **kwargs: t.Any) -> t.Any:
    # type(request)(environ) on a scope request gives an ordinary request of
    # the app's class: the scope readers need a scope.
    if args or kwargs:
        return klass.__mro__[1](*args, **kwargs)
    return object.__new__(klass)


#: Request class -> the subclass its scope requests are made of (only for
#: classes with the stock ``__init__``).
SCOPE_CLASSES: dict[type, type] = {}
_OWN = frozenset({"__module__", "__qualname__", "__doc__", "__dict__", "__weakref__"})


def scope_class(cls: type, base: type) -> type:
    """The subclass of ``cls`` (``base`` or a subclass of it) whose instances
    read a scope, made once."""
    made = SCOPE_CLASSES.get(cls)
    if made is not None:
        return made
    namespace: dict[str, t.Any] = {
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
        "__new__": _scope_new,
        # PERF: what Request.__init__ stores and a scope request rarely
        # changes, as class defaults: fewer stores per request.
        "shallow": False,
        "trusted_hosts": None,
    }
    for name, value in vars(ScopeReaders).items():
        if name in _OWN or name == "__annotations__":
            continue
        # A reader the class overrides (anywhere below ``base``) stays the
        # class's own; it falls back to the environ.
        if getattr(cls, name, _MISSING) is getattr(base, name, _MISSING):
            namespace[name] = value
    # The method is stored in each request when the class reads it from
    # the scope (see _ScopeMethod); a class with its own method keeps it.
    namespace["_set_method"] = namespace.get("method") is ScopeReaders.__dict__["method"]
    made = type(cls.__name__, (cls,), namespace)
    SCOPE_CLASSES[cls] = made
    return made
