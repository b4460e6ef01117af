"""The 5xx errors: the server failed or cannot answer (layer 0)."""

from __future__ import annotations

import typing as t

from .base import HTTPException, _RetryAfter

__all__ = [
    "BadGateway",
    "GatewayTimeout",
    "HTTPVersionNotSupported",
    "InternalServerError",
    "NotImplemented",
    "ServiceUnavailable",
]


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
