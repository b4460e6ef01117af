"""HTTP errors as exceptions (layer 0).

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

The package is split by job: :mod:`.base` (the base class and its page),
:mod:`.client` (4xx), :mod:`.server` (5xx), :mod:`.codes` (the code table and
:func:`abort`); every name is importable from here, as from Werkzeug's
``werkzeug.exceptions``.
"""

from __future__ import annotations

from .base import HTTPException
from .client import (
    BadHost,
    BadRequest,
    BadRequestKeyError,
    ClientDisconnected,
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
    SecurityError,
    TooManyRequests,
    Unauthorized,
    UnavailableForLegalReasons,
    UnprocessableEntity,
    UnsupportedMediaType,
    WebsocketMismatch,
)
from .codes import Aborter, abort, default_exceptions
from .server import (
    BadGateway,
    GatewayTimeout,
    HTTPVersionNotSupported,
    InternalServerError,
    NotImplemented,
    ServiceUnavailable,
)

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
