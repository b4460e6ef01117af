"""Sending a response to a PEP 3333 server (layer 2).

:class:`ResponseWSGIMixin` gives :class:`~kolben.wrappers.Response` the
WSGI side of Werkzeug's API: the outgoing headers (``Location`` as a URI,
``Content-Length`` filled in or dropped as RFC 9110 asks), the body iterable
(empty for HEAD, 1xx, 204 and 304, closing the response when the server
closes it) and ``response(environ, start_response)``. The ASGI side reads the
same headers through ``_outgoing_headers`` without an environ.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Iterable, Iterator

from ..datastructures import Headers
from ..urls import iri_to_uri
from ._response_parts import _ClosingChunks, _ClosingIterator, _new_object, _sent_as_is

__all__ = ["START_RESPONSE_CALLED", "ResponseWSGIMixin"]

#: Set in the WSGI environ when a server's ``start_response`` raised: no
#: error page may follow (see :meth:`ResponseWSGIMixin.__call__`).
START_RESPONSE_CALLED = "kolben.start_response_called"

# The headers describing a body that a 304 drops. RFC 9110 section 15.4.5:
# a 304 still sends Content-Location and Expires (as Werkzeug keeps them);
# Content-Length may stay as the 200's value (section 8.6).
_NOT_MODIFIED_DROPS = frozenset(
    {
        "allow",
        "content-encoding",
        "content-language",
        "content-md5",
        "content-range",
        "content-type",
        "last-modified",
    }
)


class ResponseWSGIMixin:
    """The WSGI methods of :class:`~kolben.wrappers.Response`."""

    __slots__ = ()

    headers: Headers
    direct_passthrough: bool
    automatically_set_content_length: t.ClassVar[bool]
    #: Whether the class keeps every step ``__call__``'s shortcut stands in
    #: for (set by ``Response.__init_subclass__``).
    _plain_send: t.ClassVar[bool]
    _status_code: int
    _status: str
    _on_close: list[Callable[[], t.Any]] | None

    if t.TYPE_CHECKING:  # pragma: no cover - provided by Response
        # A property here: mypy would refuse assignments to an attribute
        # that the mixin's empty __slots__ does not list.
        @property
        def response(self) -> Iterable[bytes] | Iterable[str]: ...
        @response.setter
        def response(self, value: Iterable[bytes] | Iterable[str]) -> None: ...

        @property
        def is_sequence(self) -> bool: ...
        def iter_encoded(self) -> Iterator[bytes]: ...
        def close(self) -> None: ...

    def _outgoing_headers(self) -> Headers:
        # What get_wsgi_headers does: nothing here reads the request, so the
        # ASGI side calls this without building an environ, as long as the
        # class keeps the stock get_wsgi_headers (the override point, as in
        # Werkzeug; kolben.asgi.send checks its identity).
        headers = self.headers
        status = self._status_code
        # PERF: see _sent_as_is; the general path below scans the list
        # twice with a lower() per name.
        if type(headers) is Headers and _sent_as_is(status, headers._list):
            return headers
        location = headers.get("location")
        if location is not None and not location.isascii():
            headers["Location"] = iri_to_uri(location)
        if status == 304:
            # Only a 304 loses its body headers: a 412 (or any other status)
            # carries the body it has, so its Content-Type stays.
            for key in [k for k, _ in headers._list if k.lower() in _NOT_MODIFIED_DROPS]:
                headers.remove(key)
        if status == 204 or 100 <= status < 200:
            # RFC 9110 section 8.6: never a Content-Length on 1xx and 204.
            headers.remove("Content-Length")
        elif (
            self.automatically_set_content_length
            and "content-length" not in headers
            and self.is_sequence
            and status != 304
        ):
            headers["Content-Length"] = str(sum(len(x) for x in self.iter_encoded()))
        return headers

    def get_wsgi_headers(self, environ: dict[str, t.Any]) -> Headers:
        """The headers as they go out: Location as a URI, Content-Length filled."""
        return self._outgoing_headers()

    def get_app_iter(self, environ: dict[str, t.Any]) -> Iterable[bytes]:
        """The body iterable as it goes out (empty for HEAD, 1xx, 204, 304)."""
        status = self._status_code
        if environ.get("REQUEST_METHOD") == "HEAD" or 100 <= status < 200 or status in (204, 304):
            # No body, but the server's close() must still reach the body
            # iterator and the call_on_close callbacks.
            return _ClosingIterator(iter(()), self.close)
        if self.direct_passthrough:
            if not self._on_close:
                # The server may recognise its own wsgi.file_wrapper here.
                return self.response  # type: ignore[return-value]
            return _ClosingIterator(iter(self.response), self.close)  # type: ignore[arg-type]
        body = self.response
        # PERF: a body of one bytes chunk is iterated by the server in C (a
        # list iterator) instead of through _ClosingIterator.__next__ and a
        # generator, a Python frame per step.
        if type(body) is list and len(body) == 1 and type(body[0]) is bytes:
            return _ClosingChunks(body, self.close)
        return _ClosingIterator(self.iter_encoded(), self.close)

    def get_wsgi_response(
        self, environ: dict[str, t.Any]
    ) -> tuple[Iterable[bytes], str, list[tuple[str, str]]]:
        """``(app_iter, status, headers)`` for a WSGI server."""
        headers = self.get_wsgi_headers(environ)
        return self.get_app_iter(environ), self._status, headers.to_wsgi_list()

    def __call__(self, environ: dict[str, t.Any], start_response: t.Any) -> Iterable[bytes]:
        body = self.response
        headers = self.headers
        # PERF: a body of one bytes chunk whose headers need no change (see
        # _sent_as_is) is what get_wsgi_response, get_wsgi_headers,
        # get_app_iter and to_wsgi_list would return, without the four calls;
        # only for a class that leaves those methods as they are. Sending
        # (with the iteration and close) went from 22.6k to 10.4k
        # instructions (callgrind, CPython 3.11).
        if (
            self._plain_send
            and type(body) is list
            and len(body) == 1
            and type(body[0]) is bytes
            and not self.direct_passthrough
            and type(headers) is Headers
            and _sent_as_is(self._status_code, headers._list)
            and environ.get("REQUEST_METHOD") != "HEAD"
        ):
            app_iter: Iterable[bytes]
            if not self._on_close:
                # PERF: nothing to close (a list has no close() and no
                # callback is registered), so the server gets the list
                # itself, as for a view returning a str: no wrapper, no
                # close() calls (about 3k instructions).
                app_iter = body
            else:
                # PERF: object.__new__ and two slot stores cost half of a
                # call to the class (its __init__ is a Python frame).
                chunks = _new_object(_ClosingChunks)
                chunks._chunks = body
                chunks._close = self.close
                app_iter = chunks
            status = self._status
            header_list = headers._list
        else:
            app_iter, status, header_list = self.get_wsgi_response(environ)
        try:
            start_response(status, header_list)
        except BaseException:
            # The server refused the response: PEP 3333 forbids calling it
            # again without exc_info, so the pipeline lets this error
            # reach the server instead of sending an error page.
            environ[START_RESPONSE_CALLED] = True
            raise
        return app_iter

