"""Turning a view's return value into a response (layer 4)."""

from __future__ import annotations

import sys
import typing as t
from collections.abc import Iterator

from .._aio import iterate_async
from ..datastructures import Headers
from ..exceptions import HTTPException
from ..globals import _cv_request
from ..scaffold import _foreign_http_code
from ..wrappers import Response
from .matching import Matching

if t.TYPE_CHECKING:  # pragma: no cover
    from ..typing import ResponseReturnValue

__all__ = ["Responses", "to_wsgi"]

_TEXT_TYPES = (str, bytes, bytearray)


def to_wsgi(response: Response) -> Response:
    """Give a WSGI server a body it can iterate (async bodies are driven here)."""
    if hasattr(response.response, "__aiter__"):
        response.response = iterate_async(t.cast(t.Any, response.response))
    return response


class Responses(Matching):
    """``make_response`` and the automatic OPTIONS answer."""

    def make_default_options_response(self) -> Response:
        """A 200 answer to OPTIONS with ``Allow`` listing the path's methods."""
        ctx = _cv_request.get()
        adapter = ctx.url_adapter
        methods = adapter.allowed_methods() if adapter is not None else []
        rv = self.response_class()
        rv.allow.update(methods)
        return rv

    def make_response(self, rv: ResponseReturnValue | HTTPException) -> Response:
        """Convert a view's return value into a :attr:`response_class` instance.

        Accepted: ``str``/``bytes`` (HTML), ``dict``/``list`` (JSON), an
        iterator (streamed), a response, any WSGI callable, or a tuple
        ``(body, status)``, ``(body, headers)``, ``(body, status, headers)``.
        """
        cls = self.response_class
        # PERF: the plain-string return is the most common; skip the checks.
        if type(rv) is str:
            return cls(rv)
        status: t.Any = None
        headers: t.Any = None
        if isinstance(rv, tuple):
            if len(rv) == 3:
                rv, status, headers = rv
            elif len(rv) == 2:
                if isinstance(rv[1], (Headers, dict, tuple, list)):
                    rv, headers = rv
                else:
                    rv, status = rv
            else:
                raise TypeError(
                    "A view returned a tuple of the wrong size. Return (body, status),"
                    " (body, headers) or (body, status, headers)."
                )
        if rv is None:
            endpoint = _cv_request.get().request.endpoint
            raise TypeError(
                f"The view function for {endpoint!r} did not return a valid response: it"
                " returned None (or ended without a return statement). Return a string,"
                " dict, list, tuple, Response or WSGI callable."
            )
        if not isinstance(rv, cls):
            if isinstance(rv, (*_TEXT_TYPES, Iterator)) or hasattr(rv, "__aiter__"):
                rv = cls(rv, status=status, headers=headers)
                status = headers = None
            elif isinstance(rv, (dict, list)):
                rv = self.json.response(rv)
            elif (
                isinstance(rv, (Response, HTTPException))
                or callable(rv)
                or _foreign_http_code(rv) is not None
            ):
                if (
                    isinstance(rv, HTTPException)
                    and rv.response is None
                    and type(rv).get_response is HTTPException.get_response
                ):
                    # PERF: what the stock get_response() builds, built as
                    # the app's class at once: force_type would turn its
                    # kolben.wrappers.Response into one by assigning
                    # __class__, which materialises the instance dict (about
                    # 4k instructions more per 404, callgrind, CPython 3.11).
                    # The stock page needs no environ: under ASGI none is
                    # built for it (an error class with its own page gets one).
                    kind = type(rv)
                    environ = (
                        None
                        if kind.get_body is HTTPException.get_body
                        and kind.get_description is HTTPException.get_description
                        else _cv_request.get().request.environ
                    )
                    rv = cls(rv.get_body(environ), rv.code or 500, rv.get_headers(environ))
                    return self._apply_status_and_headers(rv, status, headers)
                environ = _cv_request.get().request.environ
                if isinstance(rv, HTTPException) or _foreign_http_code(rv) is not None:
                    # Its own response keeps the body in memory with a
                    # Content-Length, instead of running it as a WSGI app
                    # (another library's response is converted below).
                    rv = t.cast(t.Any, rv).get_response(environ)
                try:
                    rv = cls.force_type(t.cast(t.Any, rv), environ)
                except TypeError as e:
                    raise TypeError(
                        f"{e}\nThe view returned a {type(rv).__name__} that could not be"
                        " turned into a response."
                    ).with_traceback(sys.exc_info()[2]) from None
            else:
                raise TypeError(
                    "The view function did not return a valid response. Return a string,"
                    " dict, list, tuple with headers or status, Response instance or WSGI"
                    f" callable; it returned a {type(rv).__name__}."
                )
        return self._apply_status_and_headers(rv, status, headers)

    def _apply_status_and_headers(self, rv: t.Any, status: t.Any, headers: t.Any) -> Response:
        """The status and headers of a ``(body, status, headers)`` tuple, applied."""
        if status is not None:
            if isinstance(status, (str, bytes, bytearray)):
                rv.status = status
            else:
                rv.status_code = status
        if headers:
            rv.headers.update(headers)
        return rv  # type: ignore[no-any-return]
