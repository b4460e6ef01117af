"""The response object (layer 2).

A :class:`Response` holds a status, :class:`~kolben.datastructures.Headers`
and a body (bytes chunks or any iterable). It knows how to present itself to
a PEP 3333 server (``response(environ, start_response)``), which Flask code
relies on; the ASGI adapter reads the same three parts.

This module holds the state and the constructor; the class takes its other
jobs from mixins beside it: sending to a WSGI server
(:mod:`~kolben.wrappers.response_wsgi`), cookies
(:mod:`~kolben.wrappers.response_cookies`), typed header accessors
(:mod:`~kolben.wrappers.response_headers`) and conditional requests
(:mod:`~kolben.wrappers.conditional`).
"""

from __future__ import annotations

import json as _stdlib_json
import typing as t
from collections.abc import Callable, Iterable, Iterator

from .._internal import MISSING
from .._status import status_line
from ..datastructures import Headers
from ..datastructures._header_checks import _check_value
from ..http import parse_options_header
from ._response_parts import _STATUS_LINES, _chain_close, _encode_chunks, _new_object
from .conditional import ConditionalResponseMixin
from .response_cookies import ResponseCookiesMixin
from .response_headers import ResponseHeadersMixin
from .response_wsgi import START_RESPONSE_CALLED, ResponseWSGIMixin

# START_RESPONSE_CALLED stays importable from here, where it was defined.
__all__ = ["START_RESPONSE_CALLED", "Response", "get_content_type"]

_CHARSET_TYPES = frozenset(
    {
        "application/ecmascript",
        "application/javascript",
        "application/sql",
        "application/xml",
        "application/xml-dtd",
        "application/xml-external-parsed-entity",
    }
)
# PERF: the Content-Type pair of a plain constructor call, keyed by the
# ``mimetype`` or ``content_type`` argument, built and checked once
# (get_content_type, _check_value, the tuple); bounded like _CHECKED_NAMES.
_MIMETYPE_PAIRS: dict[str, tuple[str, str]] = {}
_CONTENT_TYPE_PAIRS: dict[str, tuple[str, str]] = {}
_MAX_TYPE_PAIRS = 256

#: What a subclass must leave alone for the constructor's shortcut to do
#: exactly what the general path does.
_INIT_STEPS = (
    "set_data", "status_code", "status", "headers", "response", "direct_passthrough", "__setattr__",
)

#: The same for the shortcut of ``__call__``.
_SEND_STEPS = (
    "get_wsgi_response", "get_wsgi_headers", "_outgoing_headers", "get_app_iter",
    "iter_encoded", "close", "headers", "response", "direct_passthrough", "status", "status_code",
)


def get_content_type(mimetype: str, charset: str = "utf-8") -> str:
    """Add ``; charset=...`` to text-like mimetypes."""
    if (
        mimetype.startswith("text/") or mimetype in _CHARSET_TYPES or mimetype.endswith("+xml")
    ) and "charset" not in mimetype:
        return f"{mimetype}; charset={charset}"
    return mimetype


def _content_type_pair(
    default: str | None, mimetype: t.Any, content_type: t.Any
) -> tuple[str, str] | t.Literal[False] | None:
    """The checked Content-Type pair for the constructor's shortcut.

    None: no Content-Type; False: arguments the shortcut leaves to the
    general path (anything but str). Raises what ``headers[...] = ...`` would.
    """
    if content_type is None:
        if mimetype is None:
            mimetype = default
            if mimetype is None:
                return None
        if type(mimetype) is not str:
            return False
        pair = _MIMETYPE_PAIRS.get(mimetype)
        if pair is None:
            pair = ("Content-Type", _check_value(get_content_type(mimetype), "Content-Type"))
            if len(_MIMETYPE_PAIRS) < _MAX_TYPE_PAIRS:
                _MIMETYPE_PAIRS[mimetype] = pair
        return pair
    if type(content_type) is not str:
        return False
    pair = _CONTENT_TYPE_PAIRS.get(content_type)
    if pair is None:
        pair = ("Content-Type", _check_value(content_type, "Content-Type"))
        if len(_CONTENT_TYPE_PAIRS) < _MAX_TYPE_PAIRS:
            _CONTENT_TYPE_PAIRS[content_type] = pair
    return pair


class Response(
    ResponseWSGIMixin, ResponseCookiesMixin, ResponseHeadersMixin, ConditionalResponseMixin
):
    """An outgoing HTTP response.

    ``response`` is a str (sent as UTF-8), bytes, or an iterable of either
    (streamed). ``status`` is an int or a string such as ``"404 NOT FOUND"``.
    """

    # No __slots__: the whole state lives in the instance __dict__, as in
    # Werkzeug, because extensions copy it (Flask-Caching's CachedResponse
    # does ``self.__dict__ = response.__dict__``) and add attributes freely.
    # PERF: measured against the slotted layout with callgrind (CPython
    # 3.11, a view returning a Response, request and response both unslotted):
    # about 1% more instructions per request (117.6k -> 118.8k).

    default_status: t.ClassVar[int] = 200
    default_mimetype: t.ClassVar[str | None] = "text/html"
    #: Relative ``Location`` headers stay relative (RFC 9110 allows them).
    autocorrect_location_header: t.ClassVar[bool] = False
    automatically_set_content_length: t.ClassVar[bool] = True
    json_module: t.ClassVar[t.Any] = _stdlib_json

    headers: Headers
    response: Iterable[bytes] | Iterable[str]
    direct_passthrough: bool
    _on_close: list[Callable[[], t.Any]] | None

    def __init__(
        self,
        response: Iterable[bytes]
        | Iterable[str]
        | t.AsyncIterable[t.Any]
        | str
        | bytes
        | bytearray
        | None = None,
        status: int | str | None = None,
        headers: t.Any = None,
        mimetype: str | None = None,
        content_type: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        # PERF: the common call, ``Response(text_or_bytes, [int status],
        # mimetype= or content_type=)`` without headers, builds the header
        # list directly: the Content-Type pair comes from a cache of checked
        # values, Content-Length is digits. The general path below costs two
        # Headers.__setitem__ (_check_name, _check_value, _replace) and the
        # property setters: 32.5k instructions per construction, the
        # shortcut 10.6k (callgrind, CPython 3.11).
        if headers is None and self._plain_init:
            code = self.default_status if status is None else status
            if type(code) is int and (type(response) is str or type(response) is bytes):
                pair = (
                    _MIMETYPE_PAIRS.get(mimetype)
                    if content_type is None and type(mimetype) is str
                    else None
                ) or _content_type_pair(self.default_mimetype, mimetype, content_type)
                if pair is not False:
                    # PERF: no t.cast call (about 370 instructions per construction).
                    body: bytes = (
                        response.encode("utf-8") if type(response) is str else response  # type: ignore[assignment]
                    )
                    pairs = [] if pair is None else [pair]
                    if self.automatically_set_content_length:
                        pairs.append(("Content-Length", str(len(body))))
                    # PERF: object.__new__ bound once, not looked up on the
                    # class (about 220 instructions).
                    self.headers = new_headers = _new_object(Headers)
                    new_headers._list = pairs
                    self._on_close = None
                    self.direct_passthrough = direct_passthrough
                    self._status_code = code
                    self._status = _STATUS_LINES.get(code) or status_line(code)
                    self.response = [body]
                    return
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        self._on_close = None
        self.direct_passthrough = direct_passthrough
        if content_type is None:
            if mimetype is None and "content-type" not in self.headers:
                mimetype = self.default_mimetype
            if mimetype is not None:
                content_type = get_content_type(mimetype)
        if content_type is not None:
            self.headers["Content-Type"] = content_type
        if status is None:
            self.status_code = self.default_status
        elif isinstance(status, int):
            self.status_code = status
        else:
            self.status = status
        if response is None:
            self.response = []
        elif isinstance(response, (str, bytes, bytearray)):
            self.set_data(response)
        else:
            # An async iterable body is sent as is under ASGI and driven by
            # the WSGI adapter under WSGI.
            self.response = t.cast("Iterable[bytes]", response)

    _plain_init: t.ClassVar[bool] = True
    _plain_send: t.ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        # The constructor's shortcut stands in for these steps; a subclass
        # that changes one of them takes the general path.
        cls._plain_init = all(
            getattr(cls, name, None) is getattr(Response, name, None) for name in _INIT_STEPS
        )
        cls._plain_send = all(
            getattr(cls, name, None) is getattr(Response, name, None) for name in _SEND_STEPS
        )

    def __repr__(self) -> str:
        size = f"{sum(map(len, self.iter_encoded()))} bytes" if self.is_sequence else "streamed"
        return f"<{type(self).__name__} {size} [{self.status}]>"

    # -- status -----------------------------------------------------------------

    @property
    def status_code(self) -> int:
        """The status as an int."""
        return self._status_code

    @status_code.setter
    def status_code(self, code: int) -> None:
        self._status_code = code
        self._status = status_line(code)

    @property
    def status(self) -> str:
        """The status line, e.g. ``"404 NOT FOUND"``."""
        return self._status

    @status.setter
    def status(self, value: str | int | t.Any) -> None:
        if isinstance(value, int):
            self.status_code = value
            return
        if isinstance(value, (bytes, bytearray)):
            value = value.decode("latin-1")
        if not isinstance(value, str):
            raise TypeError("Invalid status argument: use an int or a string like '404 NOT FOUND'.")
        value = value.strip()
        if not value:
            raise ValueError("Empty status argument.")
        if "\r" in value or "\n" in value or "\x00" in value:
            raise ValueError("The status line must not contain CR, LF or NUL characters.")
        code_str, _, phrase = value.partition(" ")
        try:
            code = int(code_str)
        except ValueError:
            self._status_code = 0
            self._status = f"0 {value}"
            return
        self._status_code = code
        if phrase:
            self._status = f"{code} {phrase}"
        else:
            self._status = status_line(code)

    # -- body -------------------------------------------------------------------

    def get_data(self, as_text: bool = False) -> t.Any:
        """The whole body; consumes and stores a streamed body first."""
        self._ensure_sequence()
        rv = b"".join(self.iter_encoded())
        if as_text:
            return rv.decode("utf-8")
        return rv

    def set_data(self, value: str | bytes | bytearray) -> None:
        """Replace the body and set ``Content-Length``."""
        value = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        self.response = [value]
        if self.automatically_set_content_length:
            self.headers["Content-Length"] = str(len(value))

    data = property(get_data, set_data, doc="The body as bytes (reads a stream fully).")

    def calculate_content_length(self) -> int | None:
        """The body length, or None for a streamed body."""
        try:
            self._ensure_sequence()
        except RuntimeError:
            return None
        return sum(len(x) for x in self.iter_encoded())

    @property
    def is_streamed(self) -> bool:
        """Whether the body is an iterator with no known length."""
        try:
            len(self.response)  # type: ignore[arg-type]
        except (TypeError, AttributeError):
            return True
        return False

    @property
    def is_sequence(self) -> bool:
        """Whether the body is a list or tuple (its length is known)."""
        return isinstance(self.response, (tuple, list))

    def _ensure_sequence(self, mutable: bool = False) -> None:
        if self.is_sequence:
            if mutable and not isinstance(self.response, list):
                self.response = list(self.iter_encoded())
            return
        if self.direct_passthrough:
            raise RuntimeError(
                "Attempted implicit sequence conversion but the response object is in"
                " direct passthrough mode."
            )
        self.make_sequence()

    def make_sequence(self) -> None:
        """Consume a streamed body into a list (closing the iterator)."""
        if not self.is_sequence:
            close = getattr(self.response, "close", None)
            self.response = list(self.iter_encoded())
            if close is not None:
                self.call_on_close(close)

    def iter_encoded(self) -> Iterator[bytes]:
        """Iterate the body as bytes, encoding str chunks as UTF-8."""
        body = self.response
        # PERF: a body of one bytes chunk (what the constructor makes of a
        # str or bytes) needs no encoding: a list iterator runs in C, where a
        # generator resumes a Python frame per chunk.
        if type(body) is list and len(body) == 1 and type(body[0]) is bytes:
            return iter(body)
        return _encode_chunks(body)

    def freeze(self) -> None:
        """Load the body into memory and set ``Content-Length``."""
        self.response = list(self.iter_encoded())
        self.headers["Content-Length"] = str(sum(map(len, self.response)))

    # -- header helpers -----------------------------------------------------------

    @property
    def mimetype(self) -> str | None:
        """The content type without parameters."""
        ct = self.headers.get("content-type")
        if ct:
            return parse_options_header(ct)[0]
        return None

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self.headers["Content-Type"] = get_content_type(value)

    @property
    def mimetype_params(self) -> dict[str, str]:
        return parse_options_header(self.headers.get("content-type"))[1]

    # -- JSON ----------------------------------------------------------------------------

    @property
    def is_json(self) -> bool:
        mt = self.mimetype or ""
        return mt == "application/json" or (mt.startswith("application/") and mt.endswith("+json"))

    @property
    def json(self) -> t.Any:
        """The body parsed as JSON (None when it is not JSON)."""
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False) -> t.Any:
        """Parse the body as JSON; None when the mimetype is not JSON unless ``force``."""
        if not (force or self.is_json):
            return None
        try:
            return self.json_module.loads(self.get_data())
        except ValueError:
            if not silent:
                raise
            return None

    # -- lifetime ------------------------------------------------------------------------

    def call_on_close(self, func: Callable[[], t.Any]) -> Callable[[], t.Any]:
        """Run ``func`` when the server closes the response."""
        if self._on_close is None:
            self._on_close = []
        self._on_close.append(func)
        return func

    def close(self) -> None:
        """Close the body iterator and run the ``call_on_close`` callbacks."""
        body = self.response
        # PERF: a plain list has no close(); skip the attribute lookup.
        if type(body) is not list:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        callbacks, self._on_close = self._on_close, None
        for func in callbacks or ():
            func()

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- conversions ---------------------------------------------------------------------

    @classmethod
    def force_type(cls, response: t.Any, environ: dict[str, t.Any] | None = None) -> Response:
        """Make ``response`` an instance of this class.

        Another response class is re-wrapped; any other callable is run as a
        WSGI application (which needs ``environ``).
        """
        if isinstance(response, cls):
            return response
        if isinstance(response, Response):
            response.__class__ = cls
            return response
        if environ is None:
            raise TypeError(
                "Converting a WSGI application to a response needs an environ; pass one."
            )
        return cls.from_app(response, environ)

    @classmethod
    def from_app(
        cls, app: Callable[..., t.Any], environ: dict[str, t.Any], buffered: bool = False
    ) -> Response:
        """Run a WSGI application and capture its response."""
        captured: list[t.Any] = []
        body: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
        ) -> Callable[[bytes], None]:
            captured[:] = [status, headers]
            return body.append

        app_iter = app(environ, start_response)
        if buffered or body:
            try:
                body.extend(app_iter)
            finally:
                close = getattr(app_iter, "close", None)
                if close is not None:
                    close()
            app_iter = body
        elif not captured:
            # Some apps call start_response lazily, on first iteration.
            iterator = iter(app_iter)
            first = next(iterator, MISSING)
            rest: list[t.Any] = [] if first is MISSING else [first]
            app_iter = _chain_close(rest, iterator, app_iter)
        status, headers = captured
        return cls(app_iter, status, Headers(headers))
