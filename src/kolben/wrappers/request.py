"""The request object (layer 2).

A :class:`Request` wraps a PEP 3333-shaped ``environ`` dict, which the WSGI
server passes in and the ASGI adapter builds from its scope. Nothing is parsed
up front: each attribute parses its part of the environ on first access and
keeps the result (``args``, ``headers``, ``cookies``, ``json`` ...).
"""

from __future__ import annotations

import io
import json as _stdlib_json
import typing as t
from collections.abc import Mapping
from urllib.parse import quote

from .._internal import MISSING, wsgi_decoding_dance
from .._streams import LimitedStream
from ..datastructures import (
    CombinedMultiDict,
    EnvironHeaders,
    FileStorage,
    ImmutableMultiDict,
    MultiDict,
)
from ..exceptions import (
    BadRequest,
    HTTPException,
    RequestEntityTooLarge,
    SecurityError,
    UnsupportedMediaType,
)
from ..http import parse_cookie
from ..http.hosts import host_from_environ, host_is_trusted
from ..urls import _fast_parse_qsl
from .builder import EnvironBuilder
from .request_headers import RequestHeadersMixin, UserAgent

if t.TYPE_CHECKING:  # pragma: no cover
    from ..routing import Rule

__all__ = ["Request", "UserAgent"]

_URL_SAFE = "!$&'()*+,/:;=@%"
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_NO_SETTINGS: Mapping[str, t.Any] = {}


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


class _StdlibJSON:
    """The JSON loader a request uses when no app gave it one."""

    @staticmethod
    def loads(s: str | bytes, **kw: t.Any) -> t.Any:
        return _stdlib_json.loads(s, **kw)


class Request(RequestHeadersMixin):
    """An incoming HTTP request, parsed lazily from its ``environ``.

    The app creates one per request; views reach it through
    :data:`kolben.request`. Attributes whose names end in ``_`` below are
    private caches.
    """

    # PERF: slots make creation and attribute access cheaper; every cache
    # slot is left unset until first use, so an unused attribute costs
    # nothing. ``__dict__`` keeps Werkzeug's freedom to set ad-hoc attributes.
    # PERF: the fields every request sets live in slots; the parse caches
    # are class-level ``None`` defaults shadowed in the instance ``__dict__``
    # on first use, so creating a request stores only what it must. The
    # ``__dict__`` also keeps Werkzeug's freedom to set ad-hoc attributes.
    __slots__ = (
        "__dict__",
        "__weakref__",
        "environ",
        "json_module",
        "routing_exception",
        "settings",
        "shallow",
        "trusted_hosts",
        "url_rule",
        "view_args",
    )

    _args: MultiDict[str, str] | None = None
    _headers: EnvironHeaders | None = None
    _cookies: MultiDict[str, str] | None = None
    _host: str | None = None
    _host_trusted: list[str] | None = None
    _stream: LimitedStream | None = None
    _form: MultiDict[str, str] | None = None
    _files: MultiDict[str, FileStorage] | None = None
    _cached_data: bytes | None = None
    _cached_json: tuple[t.Any, t.Any] | None = None
    _max_content_length: t.Any = MISSING
    _max_form_memory_size: t.Any = MISSING
    _max_form_parts: t.Any = MISSING

    #: Storage classes, as in Werkzeug.
    parameter_storage_class: type[MultiDict[str, t.Any]] = ImmutableMultiDict
    dict_storage_class: type[MultiDict[str, t.Any]] = ImmutableMultiDict
    list_storage_class: type[list[t.Any]] = list
    user_agent_class: type[UserAgent] = UserAgent
    #: The form parser hook: ``f(request) -> (form, files)``. Set by the
    #: uploads layer; the default handles urlencoded bodies only.
    form_data_parser: t.ClassVar[
        t.Callable[[Request], tuple[MultiDict[str, t.Any], MultiDict[str, FileStorage]]] | None
    ] = None

    environ: dict[str, t.Any]
    url_rule: Rule | None
    view_args: dict[str, t.Any] | None
    routing_exception: HTTPException | None
    json_module: t.Any
    #: Config-style settings (``MAX_CONTENT_LENGTH``, ``DEBUG`` ...); the app
    #: passes its config here. Layer 2 only reads it as a mapping.
    settings: Mapping[str, t.Any]
    trusted_hosts: list[str] | None

    def __init__(
        self, environ: dict[str, t.Any], populate_request: bool = True, shallow: bool = False
    ) -> None:
        self.environ = environ
        self.shallow = shallow
        self.url_rule = None
        self.view_args = None
        self.routing_exception = None
        self.json_module = _StdlibJSON
        self.settings = _NO_SETTINGS
        self.trusted_hosts = None

    def __repr__(self) -> str:
        try:
            url = self.url
        except Exception:
            url = "(invalid URL)"
        return f"<{type(self).__name__} {url!r} [{self.method}]>"

    # -- construction helpers -------------------------------------------------

    @classmethod
    def from_values(cls, *args: t.Any, **kwargs: t.Any) -> Request:
        """Build a request from :class:`kolben.testing.EnvironBuilder` arguments."""
        builder = EnvironBuilder(*args, **kwargs)
        try:
            return cls(builder.get_environ())
        finally:
            builder.close()

    @classmethod
    def application(cls, f: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """Turn ``f(request) -> response`` into a WSGI application."""

        def application(*args: t.Any) -> t.Any:
            environ, start_response = args[-2:]
            request = cls(environ)
            # Close the request (its uploads) whatever f raises.
            try:
                try:
                    response = f(*args[:-2], request)
                except HTTPException as exc:
                    response = exc.get_response(environ)
                return response(environ, start_response)
            finally:
                request.close()

        return application

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

    # -- routing --------------------------------------------------------------

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule, or None."""
        rule = self.url_rule
        return rule.endpoint if rule is not None else None

    @property
    def blueprint(self) -> str | None:
        """The dotted name of the innermost blueprint of the matched endpoint."""
        endpoint = self.endpoint
        if endpoint is not None and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """Dotted names of the matched blueprint and its parents, innermost first."""
        name = self.blueprint
        if name is None:
            return []
        parts = name.split(".")
        return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]

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

    # -- limits ---------------------------------------------------------------

    @property
    def max_content_length(self) -> int | None:
        """Largest body accepted (``MAX_CONTENT_LENGTH``); settable per request."""
        if self._max_content_length is not MISSING:
            return t.cast("int | None", self._max_content_length)
        return t.cast("int | None", self.settings.get("MAX_CONTENT_LENGTH"))

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @property
    def max_form_memory_size(self) -> int | None:
        """Largest non-file form field or urlencoded body (``MAX_FORM_MEMORY_SIZE``)."""
        if self._max_form_memory_size is not MISSING:
            return t.cast("int | None", self._max_form_memory_size)
        return t.cast("int | None", self.settings.get("MAX_FORM_MEMORY_SIZE", 500_000))

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value

    @property
    def max_form_parts(self) -> int | None:
        """Most form fields or multipart parts (``MAX_FORM_PARTS``)."""
        if self._max_form_parts is not MISSING:
            return t.cast("int | None", self._max_form_parts)
        return t.cast("int | None", self.settings.get("MAX_FORM_PARTS", 1000))

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._max_form_parts = value

    # -- the body ---------------------------------------------------------------

    @property
    def input_stream(self) -> t.Any:
        """The raw body stream from the server. Prefer :attr:`stream`."""
        return self.environ.get("wsgi.input")

    def _has_unbounded_body(self) -> bool:
        return bool(self.environ.get("wsgi.input_terminated"))

    @property
    def stream(self) -> LimitedStream:
        """The body as a stream capped at the declared length and the limit."""
        if self._stream is not None:
            return self._stream
        if self.shallow:
            raise RuntimeError(
                "This request was created with shallow=True and may not read the body."
            )
        length = self.content_length
        source = self.environ.get("wsgi.input")
        if source is None or (length is None and not self._has_unbounded_body()):
            # No length and no end-of-stream marker: nothing can be read safely.
            self._stream = LimitedStream(io.BytesIO(), 0)
        else:
            self._stream = LimitedStream(source, length, self.max_content_length)
        return self._stream

    def get_data(
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> t.Any:
        """Read the whole body (bounded by :attr:`max_content_length`).

        After the body was parsed as a form, this returns ``b""``.
        """
        if parse_form_data:
            self._load_form_data()
        data = self._cached_data
        if data is None:
            if self._form is not None and self.mimetype in _FORM_TYPES:
                data = b""
            else:
                data = self.stream.readall()
            if cache:
                self._cached_data = data
        if as_text:
            return data.decode("utf-8", "replace")
        return data

    @property
    def data(self) -> bytes:
        """The raw body as bytes (``get_data()``)."""
        return t.cast(bytes, self.get_data())

    # -- forms ------------------------------------------------------------------

    def _load_form_data(self) -> None:
        if self._form is not None:
            return
        mimetype = self.mimetype
        parser = type(self).form_data_parser
        if parser is not None and mimetype in _FORM_TYPES:
            form, files = parser(self)
        elif mimetype == "application/x-www-form-urlencoded":
            form, files = self._parse_urlencoded(), self.parameter_storage_class()
        else:
            form, files = self.parameter_storage_class(), self.parameter_storage_class()
        self._form = form
        self._files = files

    def _parse_urlencoded(self) -> MultiDict[str, str]:
        limit = self.max_form_memory_size
        length = self.content_length
        if limit is not None and length is not None and length > limit:
            raise RequestEntityTooLarge("The form data is larger than the configured limit.")
        ceiling = self.max_content_length
        if limit is not None and (ceiling is None or limit < ceiling):
            ceiling = limit
        body = self._cached_data
        if body is None:
            source = self.environ.get("wsgi.input")
            if source is None or (length is None and not self._has_unbounded_body()):
                return self.parameter_storage_class()
            stream = LimitedStream(source, length, ceiling)
            if self._stream is None:
                # Later reads of ``stream`` see the consumed body, not a
                # disconnect.
                self._stream = stream
            body = stream.readall()
        else:
            if limit is not None and len(body) > limit:
                raise RequestEntityTooLarge("The form data is larger than the configured limit.")
        parts_limit = self.max_form_parts
        if parts_limit is not None and body.count(b"&") >= parts_limit:
            raise RequestEntityTooLarge("The form has more fields than the configured limit.")
        text = body.decode("latin-1")
        cls = t.cast(t.Any, self.parameter_storage_class)
        return t.cast("MultiDict[str, str]", cls._from_pairs(_fast_parse_qsl(text)))

    @property
    def form(self) -> MultiDict[str, str]:
        """Form fields of a urlencoded or multipart body."""
        self._load_form_data()
        return t.cast("MultiDict[str, str]", self._form)

    @property
    def files(self) -> MultiDict[str, FileStorage]:
        """Uploaded files of a multipart body."""
        self._load_form_data()
        return t.cast("MultiDict[str, FileStorage]", self._files)

    @property
    def values(self) -> CombinedMultiDict[str, str]:
        """:attr:`args` and :attr:`form` combined (only ``args`` for GET)."""
        if self.method == "GET":
            return CombinedMultiDict([self.args])
        return CombinedMultiDict([self.args, self.form])

    @property
    def want_form_data_parsed(self) -> bool:
        return bool(self.environ.get("CONTENT_TYPE"))

    # -- JSON -------------------------------------------------------------------

    @property
    def is_json(self) -> bool:
        """Whether the content type is ``application/json`` or ``application/*+json``."""
        mt = self.mimetype
        return mt == "application/json" or (mt.startswith("application/") and mt.endswith("+json"))

    @property
    def json(self) -> t.Any:
        """The parsed JSON body; see :meth:`get_json`."""
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> t.Any:
        """Parse the body as JSON.

        A content type other than ``application/json`` (or ``+json``) raises
        415 unless ``force``; malformed or too deeply nested JSON raises 400.
        ``silent=True`` returns None instead of raising.
        """
        slot = 1 if silent else 0
        if cache and self._cached_json is not None:
            cached = self._cached_json[slot]
            if cached is not Ellipsis:
                return cached
        if not (force or self.is_json):
            if not silent:
                return self.on_json_loading_failed(None)
            return None
        data = self.get_data(cache=cache)
        try:
            rv = self.json_module.loads(data)
        except (ValueError, TypeError, RecursionError) as exc:
            if silent:
                rv = None
                if cache:
                    self._store_json(slot, rv)
                return rv
            rv = self.on_json_loading_failed(exc)
        if cache:
            self._store_json(0, rv)
            self._store_json(1, rv)
        return rv

    def _store_json(self, slot: int, value: t.Any) -> None:
        current = list(self._cached_json) if self._cached_json is not None else [Ellipsis, Ellipsis]
        current[slot] = value
        self._cached_json = (current[0], current[1])

    def on_json_loading_failed(self, e: Exception | None) -> t.Any:
        """Called when JSON cannot be loaded: raise 415 or 400 (override to change)."""
        if e is None:
            raise UnsupportedMediaType(
                "Did not attempt to load JSON data because the request"
                " Content-Type was not 'application/json'."
            )
        if self.settings.get("DEBUG"):
            raise BadRequest(f"Failed to decode JSON object: {e}")
        raise BadRequest("The browser (or proxy) sent a request body that is not valid JSON.")

    # -- lifetime ---------------------------------------------------------------

    def close(self) -> None:
        """Close uploaded files. The app calls this at teardown."""
        files = self._files
        if files is None:
            return
        for _key, value in files.items(multi=True):
            value.close()

    def __enter__(self) -> Request:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
