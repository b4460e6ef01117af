"""The status-code table and :func:`abort` (layer 0)."""

from __future__ import annotations

import typing as t

from .base import HTTPException
from .client import (
    BadRequest,
    Conflict,
    ExpectationFailed,
    FailedDependency,
    Forbidden,
    Gone,
    ImATeapot,
    LengthRequired,
    Locked,
    MethodNotAllowed,
    MisdirectedRequest,
    NotAcceptable,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    RequestedRangeNotSatisfiable,
    RequestEntityTooLarge,
    RequestHeaderFieldsTooLarge,
    RequestTimeout,
    RequestURITooLarge,
    TooManyRequests,
    Unauthorized,
    UnavailableForLegalReasons,
    UnprocessableEntity,
    UnsupportedMediaType,
)
from .server import (
    BadGateway,
    GatewayTimeout,
    HTTPVersionNotSupported,
    InternalServerError,
    NotImplemented,
    ServiceUnavailable,
)

__all__ = ["Aborter", "abort", "default_exceptions"]


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
