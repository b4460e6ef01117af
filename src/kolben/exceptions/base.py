"""The base of every HTTP error, and the error page it renders (layer 0).

:class:`HTTPException` carries the status ``code`` and a plain-text
``description``; :meth:`HTTPException.get_body` renders them as a small HTML
page (escaped, so a description can never inject markup), and
:meth:`HTTPException.get_response` wraps the page in a
:class:`kolben.wrappers.Response`.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from email.utils import format_datetime

from .._internal import escape_html as escape
from .._status import HTTP_STATUS_CODES

if t.TYPE_CHECKING:
    from ..wrappers.response import Response

__all__ = ["HTTPException"]

_Environ = dict[str, t.Any]
_HeaderList = list[tuple[str, str]]

#: The response class, once :func:`_load_response_class` has looked it up.
_response_class: type[Response] | None = None


def _load_response_class() -> type[Response]:
    """Import the response class on the first error page and keep it.

    ``kolben.wrappers`` (layer 2) imports this module, so its Response
    cannot be imported at the top; the import runs when the first response
    is built, by which time the wrappers are loaded. Werkzeug imports it
    inside ``get_response`` the same way; tests/test_layers.py allows this
    one import in a function (ALLOWED_LAZY).
    """
    # PERF: an import statement costs about 1.4 us per run (the module
    # lookup and its initialising check); after the first call
    # get_response reads the kept class instead.
    global _response_class
    from ..wrappers.response import Response

    _response_class = Response
    return Response


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
        cls = _response_class or _load_response_class()
        return cls(
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
