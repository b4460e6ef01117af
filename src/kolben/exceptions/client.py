"""The 4xx errors: the client sent something the server will not handle (layer 0)."""

from __future__ import annotations

import typing as t
from collections.abc import Iterable

from .base import HTTPException, _Environ, _HeaderList, _RetryAfter

__all__ = [
    "BadHost",
    "BadRequest",
    "BadRequestKeyError",
    "ClientDisconnected",
    "Conflict",
    "ExpectationFailed",
    "FailedDependency",
    "Forbidden",
    "Gone",
    "ImATeapot",
    "LengthRequired",
    "Locked",
    "MethodNotAllowed",
    "MisdirectedRequest",
    "NotAcceptable",
    "NotFound",
    "PreconditionFailed",
    "PreconditionRequired",
    "RequestEntityTooLarge",
    "RequestHeaderFieldsTooLarge",
    "RequestTimeout",
    "RequestURITooLarge",
    "RequestedRangeNotSatisfiable",
    "SecurityError",
    "TooManyRequests",
    "Unauthorized",
    "UnavailableForLegalReasons",
    "UnprocessableEntity",
    "UnsupportedMediaType",
    "WebsocketMismatch",
]


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
