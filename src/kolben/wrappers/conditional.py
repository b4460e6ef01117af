"""ETags and conditional responses (layer 2).

:class:`ConditionalResponseMixin` gives :class:`~kolben.wrappers.Response`
its validators (``get_etag``, ``set_etag``, ``add_etag``) and
:meth:`~ConditionalResponseMixin.make_conditional`, which answers 304, 412,
206 or 416 following RFC 9110 sections 13 and 14.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable, Iterator

from ..datastructures import Headers
from ..exceptions import RequestedRangeNotSatisfiable
from ..http import (
    generate_etag,
    http_date,
    is_resource_modified,
    parse_date,
    parse_etags,
    parse_range_header,
    quote_etag,
    unquote_etag,
)
from .byteranges import MultipartByteranges, satisfiable_ranges
from .request import Request

__all__ = ["ConditionalResponseMixin"]

_R = t.TypeVar("_R", bound="ConditionalResponseMixin")


class ConditionalResponseMixin:
    """ETag helpers and conditional (304/412) and range (206/416) answers.

    A mixin for :class:`~kolben.wrappers.Response`, which provides the
    headers, status and body it works on. It adds no slots (an empty
    ``__slots__``), so it never changes the layout of the class using it.
    """

    __slots__ = ()

    headers: Headers
    direct_passthrough: bool
    automatically_set_content_length: t.ClassVar[bool]

    if t.TYPE_CHECKING:  # pragma: no cover - provided by Response
        # A property here: mypy would refuse assignments to an attribute
        # that the mixin's empty __slots__ does not list.
        @property
        def response(self) -> Iterable[bytes] | Iterable[str]: ...
        @response.setter
        def response(self, value: Iterable[bytes] | Iterable[str]) -> None: ...

        @property
        def status_code(self) -> int: ...
        @status_code.setter
        def status_code(self, code: int) -> None: ...
        @property
        def is_sequence(self) -> bool: ...
        def get_data(self, as_text: bool = False) -> t.Any: ...
        def calculate_content_length(self) -> int | None: ...
        def _ensure_sequence(self, mutable: bool = False) -> None: ...
        def iter_encoded(self) -> Iterator[bytes]: ...
        def close(self) -> None: ...

    def get_etag(self) -> tuple[str, bool] | tuple[None, None]:
        """``(etag, is_weak)`` of the ETag header, or ``(None, None)``."""
        return unquote_etag(self.headers.get("ETag"))

    def set_etag(self, etag: str, weak: bool = False) -> None:
        """Set the ETag header (quoted)."""
        self.headers["ETag"] = quote_etag(etag, weak)

    def add_etag(self, overwrite: bool = False, weak: bool = False) -> None:
        """Set an ETag from the SHA-1 of the body, unless one is set."""
        if overwrite or "etag" not in self.headers:
            self.set_etag(generate_etag(self.get_data()), weak)

    def make_conditional(
        self: _R,
        request_or_environ: Request | dict[str, t.Any],
        accept_ranges: bool | str = False,
        complete_length: int | None = None,
    ) -> _R:
        """Answer 304/412 when the validators match, 206/416 for Range requests.

        Only GET and HEAD requests are affected (RFC 9110 section 13).
        """
        environ = (
            request_or_environ.environ
            if isinstance(request_or_environ, Request)
            else request_or_environ
        )
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self
        if "date" not in self.headers:
            self.headers["Date"] = http_date()
        if accept_ranges:
            self.headers["Accept-Ranges"] = "bytes" if accept_ranges is True else str(accept_ranges)
        etag = self.headers.get("etag")
        last_modified = self.headers.get("last-modified")
        # RFC 9110 section 13.2.2: If-Match / If-Unmodified-Since first, then
        # If-None-Match / If-Modified-Since, and Range only when both pass.
        if _precondition_failed(environ, etag, last_modified):
            self.status_code = 412
        elif not is_resource_modified(environ, etag, None, last_modified, if_match=None):
            self.status_code = 304
        else:
            self._process_range_request(environ, complete_length, accept_ranges)
        if (
            self.automatically_set_content_length
            and "content-length" not in self.headers
            and self.is_sequence
        ):
            length = self.calculate_content_length()
            if length is not None:
                self.headers["Content-Length"] = str(length)
        return self

    def _process_range_request(
        self,
        environ: dict[str, t.Any],
        complete_length: int | None,
        accept_ranges: bool | str,
    ) -> bool:
        if not accept_ranges:
            return False
        self.headers["Accept-Ranges"] = "bytes" if accept_ranges is True else str(accept_ranges)
        if complete_length is None and self.is_sequence:
            complete_length = self.calculate_content_length()
        if complete_length is None or "HTTP_RANGE" not in environ:
            return False
        if_range = environ.get("HTTP_IF_RANGE")
        if if_range and is_resource_modified(
            environ,
            self.headers.get("etag"),
            None,
            self.headers.get("last-modified"),
            ignore_if_range=False,
        ):
            return False
        parsed = parse_range_header(environ.get("HTTP_RANGE"))
        if parsed is None or parsed.units != "bytes":
            # Malformed, more ranges than MAX_RANGES, or an unknown unit:
            # RFC 9110 section 14.2 lets a server ignore Range and send the
            # whole representation.
            return False
        spans = satisfiable_ranges(parsed.ranges, complete_length)
        if not spans:
            # This body will never be sent: release it (an open file) now.
            self.close()
            raise RequestedRangeNotSatisfiable(complete_length)
        if len(spans) > 1:
            self._send_byteranges(spans, complete_length)
            return True
        start, stop = spans[0]
        if start == 0 and stop == complete_length:
            return False
        header = f"bytes {start}-{stop - 1}/{complete_length}"
        if self.direct_passthrough and not self.is_sequence:
            # A file (send_file): seek to the range instead of loading it.
            self.response = _RangeIterator(self.response, start, stop - start)
        else:
            self._ensure_sequence()
            body = b"".join(self.iter_encoded())
            self.response = [body[start:stop]]
        self.headers["Content-Length"] = str(stop - start)
        self.headers["Content-Range"] = header
        self.status_code = 206
        return True

    def _send_byteranges(self, spans: list[tuple[int, int]], complete_length: int) -> None:
        """Answer several ranges with a ``multipart/byteranges`` 206 (RFC 9110 section 14.6)."""
        source: t.Any
        if self.direct_passthrough and not self.is_sequence:
            source = self.response
        else:
            self._ensure_sequence()
            source = b"".join(self.iter_encoded())
        body = MultipartByteranges(source, spans, complete_length, self.headers.get("Content-Type"))
        self.response = body
        self.headers["Content-Type"] = body.content_type
        self.headers["Content-Length"] = str(body.content_length)
        self.headers.pop("Content-Range", None)
        self.status_code = 206


class _RangeIterator:
    """Yield ``length`` bytes from ``start`` of a bytes iterable.

    Seeks when the iterable can (a file wrapper), else skips what comes
    before ``start``; closing it closes the iterable.
    """

    __slots__ = ("_iter", "_remaining", "_skip", "_source")

    def __init__(self, source: t.Any, start: int, length: int) -> None:
        self._source = source
        self._remaining = length
        self._skip = start
        seekable = getattr(source, "seekable", None)
        if start and seekable is not None and seekable():
            source.seek(start)
            self._skip = 0
        self._iter = iter(source)

    def __iter__(self) -> _RangeIterator:
        return self

    def __next__(self) -> bytes:
        while self._remaining > 0:
            chunk = next(self._iter)
            if self._skip:
                if len(chunk) <= self._skip:
                    self._skip -= len(chunk)
                    continue
                chunk = chunk[self._skip :]
                self._skip = 0
            chunk = chunk[: self._remaining]
            self._remaining -= len(chunk)
            return bytes(chunk)
        raise StopIteration

    def close(self) -> None:
        close = getattr(self._source, "close", None)
        if close is not None:
            close()


def _precondition_failed(
    environ: dict[str, t.Any], etag: str | None, last_modified: str | None
) -> bool:
    """Whether If-Match, or without it If-Unmodified-Since, fails (412)."""
    if parse_etags(environ.get("HTTP_IF_MATCH")):
        # With no If-None-Match or If-Modified-Since to consult, a False
        # from is_resource_modified can only mean that If-Match failed.
        return not is_resource_modified(
            environ, etag, None, last_modified, if_none_match=None, if_modified_since=None
        )
    # RFC 9110 section 13.1.4.
    since = parse_date(environ.get("HTTP_IF_UNMODIFIED_SINCE"))
    modified = parse_date(last_modified)
    return since is not None and modified is not None and modified > since
