"""HTTP errors as exceptions (layer 0: imports nothing of Kolben above it).

Raise one of these from a view (or call :func:`abort`) and the client gets the
matching error page. Each class carries its status ``code`` and a plain-text
``description`` as class attributes; the description is HTML-escaped when the
page is rendered, so it can never inject markup.

The tree::

    Exception
     └── HTTPException                      code = None (used by abort(response))
          ├── BadRequest                    400
          │    ├── BadRequestKeyError       400, also a KeyError
          │    ├── ClientDisconnected       400
          │    ├── SecurityError            400
          │    │    └── BadHost             400
          │    └── WebsocketMismatch        400
          ├── Unauthorized                  401  (WWW-Authenticate)
          ├── Forbidden                     403
          ├── NotFound                      404
          ├── MethodNotAllowed              405  (Allow)
          ├── NotAcceptable                 406
          ├── RequestTimeout                408
          ├── Conflict                      409
          ├── Gone                          410
          ├── LengthRequired                411
          ├── PreconditionFailed            412
          ├── RequestEntityTooLarge         413
          ├── RequestURITooLarge            414
          ├── UnsupportedMediaType          415
          ├── RequestedRangeNotSatisfiable  416  (Content-Range)
          ├── ExpectationFailed             417
          ├── ImATeapot                     418
          ├── MisdirectedRequest            421
          ├── UnprocessableEntity           422
          ├── Locked                        423
          ├── FailedDependency              424
          ├── PreconditionRequired          428
          ├── TooManyRequests               429  (Retry-After)
          ├── RequestHeaderFieldsTooLarge   431
          ├── UnavailableForLegalReasons    451
          ├── InternalServerError           500  (.original_exception)
          ├── NotImplemented                501
          ├── BadGateway                    502
          ├── ServiceUnavailable            503  (Retry-After)
          ├── GatewayTimeout                504
          └── HTTPVersionNotSupported       505

``HTTPException.get_response()`` returns a :class:`kolben.wrappers.Response`,
which lives two layers up: that module hands its class to this one at import
time through :func:`_install_response_class`, so nothing here imports it.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from email.utils import format_datetime
from html import escape

from ._status import HTTP_STATUS_CODES

__all__ = [
    "Aborter",
    "BadGateway",
    "BadHost",
    "BadRequest",
    "BadRequestKeyError",
    "ClientDisconnected",
    "Conflict",
    "ExpectationFailed",
    "FailedDependency",
    "Forbidden",
    "GatewayTimeout",
    "Gone",
    "HTTPException",
    "HTTPVersionNotSupported",
    "ImATeapot",
    "InternalServerError",
    "LengthRequired",
    "Locked",
    "MethodNotAllowed",
    "MisdirectedRequest",
    "NotAcceptable",
    "NotFound",
    "NotImplemented",
    "PreconditionFailed",
    "PreconditionRequired",
    "RequestEntityTooLarge",
    "RequestHeaderFieldsTooLarge",
    "RequestTimeout",
    "RequestURITooLarge",
    "RequestedRangeNotSatisfiable",
    "SecurityError",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "UnavailableForLegalReasons",
    "UnprocessableEntity",
    "UnsupportedMediaType",
    "WebsocketMismatch",
    "abort",
    "default_exceptions",
]

_Environ = dict[str, t.Any]
_HeaderList = list[tuple[str, str]]
_ResponseFactory = Callable[[str, int, _HeaderList], t.Any]

#: The response class, handed over by ``kolben.wrappers.response`` at import time.
_response_class: _ResponseFactory | None = None


def _install_response_class(cls: _ResponseFactory) -> None:
    """Register the class :meth:`HTTPException.get_response` builds responses with.

    Called once by the response module when it is imported; it is called as
    ``cls(body, status_code, headers)``.
    """
    global _response_class
    _response_class = cls


class HTTPException(Exception):
    """Base class of every HTTP error; raise a subclass to answer with its status.

    ``description`` replaces the class's plain-text description for this
    instance. ``response``, when given, is returned as is by
    :meth:`get_response` instead of the generated error page.
    """

    #: The HTTP status code; ``None`` on the base class.
    code: int | None = None
    #: Plain text shown on the error page (escaped on output).
    description: str | None = "The server could not handle the request."

    def __init__(self, description: str | None = None, response: t.Any = None) -> None:
        super().__init__()
        if description is not None:
            self.description = description
        #: A ready response to send instead of the generated page.
        self.response: t.Any = response

    @property
    def name(self) -> str:
        """The reason phrase of :attr:`code`, or ``"Unknown Error"``."""
        if self.code is None:
            return "Unknown Error"
        return HTTP_STATUS_CODES.get(self.code, "Unknown Error")

    def get_description(
        self, environ: _Environ | None = None, scope: dict[str, t.Any] | None = None
    ) -> str:
        """Return the description as an HTML paragraph, escaped, newlines as ``<br>``."""
        text = escape(self.description or "").replace("\n", "<br>")
        return f"<p>{text}</p>"

    def get_body(
        self, environ: _Environ | None = None, scope: dict[str, t.Any] | None = None
    ) -> str:
        """Return the HTML error page."""
        name = escape(self.name, quote=False)
        return (
            "<!doctype html>\n<html lang=en>\n"
            f"<title>{self.code} {name}</title>\n"
            f"<h1>{name}</h1>\n"
            f"{self.get_description(environ, scope)}\n"
        )

    def get_headers(
        self, environ: _Environ | None = None, scope: dict[str, t.Any] | None = None
    ) -> _HeaderList:
        """Return the response headers as a list of ``(name, value)`` tuples."""
        return [("Content-Type", "text/html; charset=utf-8")]

    def get_response(
        self, environ: _Environ | None = None, scope: dict[str, t.Any] | None = None
    ) -> t.Any:
        """Return :attr:`response` if set, else a new response holding the error page.

        A code-less exception without a response is sent as a 500.
        """
        if self.response is not None:
            return self.response
        factory = _response_class
        if factory is None:
            raise RuntimeError(
                "No response class is installed: import kolben.wrappers before"
                " calling HTTPException.get_response()."
            )
        return factory(
            self.get_body(environ, scope), self.code or 500, self.get_headers(environ, scope)
        )

    def __call__(self, environ: _Environ, start_response: Callable[..., t.Any]) -> Iterable[bytes]:
        """Serve the error as a WSGI application."""
        response = self.get_response(environ)
        return t.cast("Iterable[bytes]", response(environ, start_response))

    def __str__(self) -> str:
        return f"{self.code or '???'} {self.name}: {self.description}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self.code or '???'}: {self.name}'>"


class BadRequest(HTTPException):
    """400: the request is malformed or the server cannot make sense of it."""

    code = 400
    description = "The request sent by the client could not be understood by the server."


class BadRequestKeyError(BadRequest, KeyError):
    """400 raised by a missing key in a request multidict (``request.form["x"]``).

    It is also a :class:`KeyError`, so ``except KeyError`` keeps working. The
    missing key is ``args[0]`` and :attr:`key`. The key is not shown to the
    client unless :attr:`show_exception` is set (Flask sets it in debug mode).
    """

    #: Append the missing key to the description (debug aid).
    show_exception: bool = False
    _description: str | None = (
        "The request is missing a field or parameter that the server needs to handle it."
    )

    def __init__(self, key: t.Any = None, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        if key is not None:
            self.args = (key,)

    @property
    def key(self) -> t.Any:
        """The missing key, or ``None`` when none was given."""
        return self.args[0] if self.args else None

    @property  # type: ignore[override]
    def description(self) -> str | None:
        """The description, plus the missing key when :attr:`show_exception` is set."""
        if self.show_exception and self.args:
            return f"{self._description}\nKeyError: {self.args[0]!r}"
        return self._description

    @description.setter
    def description(self, value: str | None) -> None:
        self._description = value


class ClientDisconnected(BadRequest):
    """400 raised when the client went away before sending the whole body.

    The client will usually never see the answer; the status only keeps the
    server from treating the event as its own failure.
    """

    description = "The client closed the connection before sending the complete request."


class SecurityError(BadRequest):
    """400 raised when the request fails a security check."""

    description = "The request was refused because it failed a security check."


class BadHost(SecurityError):
    """400 raised when the Host header is malformed or not a trusted host."""

    description = "The request named a host that this server does not accept."


class WebsocketMismatch(BadRequest):
    """400 raised when a WebSocket route gets a plain request, or the reverse."""

    description = "The request and the route disagree on whether the connection is a WebSocket."


class Unauthorized(HTTPException):
    """401: the request needs valid credentials.

    ``www_authenticate`` is one challenge or a list of them; each becomes a
    ``WWW-Authenticate`` header, rendered with its ``to_header()`` method when
    it has one, else with ``str()``.
    """

    code = 401
    description = (
        "The server could not confirm that you may access this resource: the"
        " credentials were missing or wrong."
    )

    def __init__(
        self,
        description: str | None = None,
        response: t.Any = None,
        www_authenticate: t.Any = None,
    ) -> None:
        super().__init__(description, response)
        if www_authenticate is None:
            challenges: list[t.Any] = []
        elif isinstance(www_authenticate, (list, tuple)):
            challenges = list(www_authenticate)
        else:
            challenges = [www_authenticate]
        #: The challenges sent as ``WWW-Authenticate`` headers.
        self.www_authenticate: list[t.Any] = challenges

    def get_headers(
        self, environ: _Environ | None = None, scope: dict[str, t.Any] | None = None
    ) -> _HeaderList:
        """The base headers plus one ``WWW-Authenticate`` per challenge."""
        headers = super().get_headers(environ, scope)
        for challenge in self.www_authenticate:
            to_header = getattr(challenge, "to_header", None)
            value = to_header() if callable(to_header) else str(challenge)
            headers.append(("WWW-Authenticate", str(value)))
        return headers


class Forbidden(HTTPException):
    """403: the client is known but may not access this resource."""

    code = 403
    description = "You are not allowed to access this resource."


class NotFound(HTTPException):
    """404: nothing lives at the requested URL."""

    code = 404
    description = (
        "The requested URL does not exist on this server. Check the spelling if"
        " you typed it by hand."
    )


class MethodNotAllowed(HTTPException):
    """405: the URL exists but does not accept this method.

    ``valid_methods`` lists the methods it does accept; they are sent in the
    ``Allow`` header.
    """

    code = 405
    description = "The requested URL does not accept this request method."

    def __init__(
        self,
        valid_methods: Iterable[str] | None = None,
        description: str | None = None,
        response: t.Any = None,
    ) -> None:
        super().__init__(description, response)
        #: The methods the resource accepts, or ``None``.
        self.valid_methods: list[str] | None = (
            None if valid_methods is None else list(valid_methods)
        )

    def get_headers(
        self, environ: _Environ | None = None, scope: dict[str, t.Any] | None = None
    ) -> _HeaderList:
        """The base headers plus ``Allow`` when valid methods are known."""
        headers = super().get_headers(environ, scope)
        if self.valid_methods:
            headers.append(("Allow", ", ".join(self.valid_methods)))
        return headers


class NotAcceptable(HTTPException):
    """406: no representation matches the request's Accept headers."""

    code = 406
    description = "The resource has no representation that matches what the client accepts."


class RequestTimeout(HTTPException):
    """408: the client took too long to send its request."""

    code = 408
    description = "The server stopped waiting for the request to arrive."


class Conflict(HTTPException):
    """409: the request conflicts with the current state of the resource."""

    code = 409
    description = "The request conflicts with the current state of the resource."


class Gone(HTTPException):
    """410: the resource existed but has been removed for good."""

    code = 410
    description = "The resource is no longer available here and will not come back."


class LengthRequired(HTTPException):
    """411: the request must declare a Content-Length."""

    code = 411
    description = "The request must declare its body length with a Content-Length header."


class PreconditionFailed(HTTPException):
    """412: a conditional header (If-Match, If-Unmodified-Since) did not hold."""

    code = 412
    description = "A precondition given in the request headers did not hold."


class RequestEntityTooLarge(HTTPException):
    """413: the request body exceeds the configured limit."""

    code = 413
    description = "The request body is larger than this server accepts."


class RequestURITooLarge(HTTPException):
    """414: the URL is longer than the server accepts."""

    code = 414
    description = "The request URL is longer than this server accepts."


class UnsupportedMediaType(HTTPException):
    """415: the body's media type is not one the resource handles."""

    code = 415
    description = "The server cannot handle a request body of this media type."


class RequestedRangeNotSatisfiable(HTTPException):
    """416: the requested byte range lies outside the resource.

    With ``length`` (the full size) a ``Content-Range: <units> */<length>``
    header tells the client the valid range.
    """

    code = 416
    description = "The requested part of the resource does not exist."

    def __init__(
        self,
        length: int | None = None,
        units: str = "bytes",
        description: str | None = None,
        response: t.Any = None,
    ) -> None:
        super().__init__(description, response)
        #: The complete length of the resource, or ``None``.
        self.length = length
        #: The range unit, ``"bytes"``.
        self.units = units

    def get_headers(
        self, environ: _Environ | None = None, scope: dict[str, t.Any] | None = None
    ) -> _HeaderList:
        """The base headers plus ``Content-Range`` when the length is known."""
        headers = super().get_headers(environ, scope)
        if self.length is not None:
            headers.append(("Content-Range", f"{self.units} */{self.length}"))
        return headers


class ExpectationFailed(HTTPException):
    """417: the server cannot meet the request's Expect header."""

    code = 417
    description = "The server cannot meet the expectation given in the Expect header."


class ImATeapot(HTTPException):
    """418: the server refuses to brew coffee because it is a teapot (RFC 2324)."""

    code = 418
    description = "This server is a teapot and will not brew coffee."


class MisdirectedRequest(HTTPException):
    """421: the request reached a server that cannot answer for this host."""

    code = 421
    description = "The request was sent to a server that cannot answer for this host."


class UnprocessableEntity(HTTPException):
    """422: the body is well formed but its content is invalid."""

    code = 422
    description = "The request was well formed but its content could not be processed."


class Locked(HTTPException):
    """423: the resource is locked (WebDAV)."""

    code = 423
    description = "The resource is locked."


class FailedDependency(HTTPException):
    """424: the request depended on another one that failed (WebDAV)."""

    code = 424
    description = "The request failed because an action it depends on failed."


class PreconditionRequired(HTTPException):
    """428: the request must be conditional (If-Match and friends)."""

    code = 428
    description = "This request must be conditional, for example with an If-Match header."


class _RetryAfter(HTTPException):
    """Shared base of the errors that can tell the client when to try again.

    ``retry_after`` is a number of seconds or a :class:`~datetime.datetime`
    (naive values count as UTC); it is sent as the ``Retry-After`` header.
    """

    def __init__(
        self,
        description: str | None = None,
        response: t.Any = None,
        retry_after: datetime | int | None = None,
    ) -> None:
        super().__init__(description, response)
        #: When the client may retry: seconds, a datetime, or ``None``.
        self.retry_after = retry_after

    def get_headers(
        self, environ: _Environ | None = None, scope: dict[str, t.Any] | None = None
    ) -> _HeaderList:
        """The base headers plus ``Retry-After`` when it is set."""
        headers = super().get_headers(environ, scope)
        value = self.retry_after
        if isinstance(value, datetime):
            # RFC 9110 section 10.2.3: Retry-After = HTTP-date / delay-seconds,
            # and an HTTP-date is always in GMT.
            if value.tzinfo is None:
                value = value.replace(tzinfo=timezone.utc)
            else:
                value = value.astimezone(timezone.utc)
            headers.append(("Retry-After", format_datetime(value, usegmt=True)))
        elif value is not None:
            headers.append(("Retry-After", str(int(value))))
        return headers


class TooManyRequests(_RetryAfter):
    """429: the client sent too many requests; ``retry_after`` says when to come back."""

    code = 429
    description = "Too many requests were sent in too short a time. Slow down and retry later."


class RequestHeaderFieldsTooLarge(HTTPException):
    """431: one header, or all of them together, are too large."""

    code = 431
    description = "The request headers are larger than this server accepts."


class UnavailableForLegalReasons(HTTPException):
    """451: the resource is withheld for legal reasons."""

    code = 451
    description = "The resource cannot be shown for legal reasons."


class InternalServerError(HTTPException):
    """500: the server failed while handling the request.

    When Kolben turns an unhandled exception into a 500, that exception is kept
    in :attr:`original_exception` for error handlers and logs.
    """

    code = 500
    description = (
        "The server ran into an error and could not complete the request. The"
        " failure has been noted; please try again later."
    )

    def __init__(
        self,
        description: str | None = None,
        response: t.Any = None,
        original_exception: BaseException | None = None,
    ) -> None:
        super().__init__(description, response)
        #: The unhandled exception this error stands for, if any.
        self.original_exception = original_exception


# Shadows the builtin constant inside this module only; the name is Werkzeug's.
class NotImplemented(HTTPException):
    """501: the server does not support what the request asks for."""

    code = 501
    description = "The server does not support the functionality this request needs."


class BadGateway(HTTPException):
    """502: an upstream server sent an invalid answer."""

    code = 502
    description = "The server, acting as a gateway, got an invalid answer from upstream."


class ServiceUnavailable(_RetryAfter):
    """503: the server cannot answer now (overload, maintenance)."""

    code = 503
    description = "The service is temporarily unable to answer. Please try again later."


class GatewayTimeout(HTTPException):
    """504: an upstream server did not answer in time."""

    code = 504
    description = "The server, acting as a gateway, got no answer from upstream in time."


class HTTPVersionNotSupported(HTTPException):
    """505: the server does not speak the request's HTTP version."""

    code = 505
    description = "The server does not support the HTTP version of the request."


#: Maps each status code to its exception class.
default_exceptions: dict[int, type[HTTPException]] = {
    cls.code: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        NotAcceptable,
        RequestTimeout,
        Conflict,
        Gone,
        LengthRequired,
        PreconditionFailed,
        RequestEntityTooLarge,
        RequestURITooLarge,
        UnsupportedMediaType,
        RequestedRangeNotSatisfiable,
        ExpectationFailed,
        ImATeapot,
        MisdirectedRequest,
        UnprocessableEntity,
        Locked,
        FailedDependency,
        PreconditionRequired,
        TooManyRequests,
        RequestHeaderFieldsTooLarge,
        UnavailableForLegalReasons,
        InternalServerError,
        NotImplemented,
        BadGateway,
        ServiceUnavailable,
        GatewayTimeout,
        HTTPVersionNotSupported,
    )
    if cls.code is not None
}


class Aborter:
    """Raise the exception registered for a status code.

    ``mapping`` (default: :data:`default_exceptions`) is copied, then
    ``extra`` is merged into it; new codes can be added later through the
    :attr:`mapping` attribute.
    """

    def __init__(
        self,
        mapping: dict[int, type[HTTPException]] | None = None,
        extra: dict[int, type[HTTPException]] | None = None,
    ) -> None:
        #: Status code -> exception class.
        self.mapping: dict[int, type[HTTPException]] = dict(
            default_exceptions if mapping is None else mapping
        )
        if extra:
            self.mapping.update(extra)

    def __call__(self, code: t.Any, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        """Raise the exception for ``code`` with the given arguments.

        A response object instead of an int raises a code-less
        :class:`HTTPException` that sends that response unchanged. An unknown
        code raises :class:`LookupError`.
        """
        if not isinstance(code, int):
            raise HTTPException(response=code)
        cls = self.mapping.get(code)
        if cls is None:
            raise LookupError(f"no exception for {code!r}")
        raise cls(*args, **kwargs)


_aborter = Aborter()


def abort(status: t.Any, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
    """Raise the HTTP exception for ``status``: ``abort(404)``, ``abort(405, valid_methods=[...])``.

    Passing a response object raises an exception that sends that response.
    """
    _aborter(status, *args, **kwargs)
