"""The form parser base class and the body-reading pieces it shares (layer 2).

See :mod:`kolben.formparser` for the driver API (``feed``, ``close``,
``abort``) and which calls may block.
"""

from __future__ import annotations

import io
import typing as t
from collections.abc import Callable, Mapping

from .._streams import MAX_READ, LimitedStream, _raise_read_error
from ..datastructures import FileStorage, ImmutableMultiDict, MultiDict
from ..exceptions import ClientDisconnected, RequestEntityTooLarge

__all__ = ["CHUNK_SIZE", "SPOOL_THRESHOLD", "FormDataParser", "StreamFactory"]

#: How much a blocking reader asks the body stream for at a time.
CHUNK_SIZE = 64 * 1024
#: A file part stays in memory up to this size, then moves to a temporary file.
SPOOL_THRESHOLD = 512 * 1024

#: ``f(total_content_length, content_type, filename, content_length)`` returns
#: the writable, seekable binary file an uploaded file part is stored in.
StreamFactory = Callable[[int | None, str | None, str | None, int | None], t.IO[bytes]]

FormResult = tuple[MultiDict[str, str], MultiDict[str, FileStorage]]


class FormDataParser:
    """Incremental parser of one form body; see :mod:`kolben.formparser`.

    Build one with :meth:`for_mimetype`. ``content_length`` is the declared
    length (``None`` when chunked); a declared length over a limit is refused
    at once, before any byte is read. ``storage_class`` is the multidict
    class of the results (the request's ``parameter_storage_class``).
    """

    #: True once the body is complete: the caller can stop reading.
    done: bool = False
    #: The parser class of each media type; a subclass registers itself with
    #: ``class MyParser(FormDataParser, mimetype="..."):``.
    _by_mimetype: t.ClassVar[dict[str, type[FormDataParser]]] = {}

    def __init_subclass__(cls, mimetype: str | None = None, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        if mimetype is not None:
            FormDataParser._by_mimetype[mimetype] = cls

    def __init__(
        self,
        *,
        content_length: int | None = None,
        max_content_length: int | None = None,
        max_form_memory_size: int | None = 500_000,
        max_form_parts: int | None = 1000,
        storage_class: type[MultiDict[str, t.Any]] = ImmutableMultiDict,
    ) -> None:
        self.content_length = content_length
        self.max_content_length = max_content_length
        self.max_form_memory_size = max_form_memory_size
        self.max_form_parts = max_form_parts
        self.storage_class = storage_class
        #: Bytes fed so far.
        self.received = 0
        self._closed = False
        limit = self.max_input
        if content_length is not None and limit is not None and content_length > limit:
            raise RequestEntityTooLarge(self._too_large_message())

    @classmethod
    def for_mimetype(
        cls,
        mimetype: str,
        options: Mapping[str, str] | None = None,
        *,
        content_length: int | None = None,
        max_content_length: int | None = None,
        max_form_memory_size: int | None = 500_000,
        max_form_parts: int | None = 1000,
        storage_class: type[MultiDict[str, t.Any]] = ImmutableMultiDict,
        stream_factory: StreamFactory | None = None,
    ) -> FormDataParser | None:
        """The parser for a body of type ``mimetype``, or ``None`` if it is not a form.

        ``options`` are the Content-Type parameters (``boundary`` is needed
        for multipart: a missing or invalid one is a 400).
        """
        parser_class = FormDataParser._by_mimetype.get(mimetype)
        if parser_class is None:
            return None
        return parser_class._from_options(
            options or {},
            stream_factory,
            content_length=content_length,
            max_content_length=max_content_length,
            max_form_memory_size=max_form_memory_size,
            max_form_parts=max_form_parts,
            storage_class=storage_class,
        )

    @classmethod
    def _from_options(
        cls, options: Mapping[str, str], stream_factory: StreamFactory | None, **limits: t.Any
    ) -> FormDataParser:
        """Build the parser from the Content-Type parameters (a subclass hook)."""
        return cls(**limits)

    # -- what subclasses provide ----------------------------------------------

    @property
    def max_input(self) -> int | None:
        """The most body bytes this parser accepts (``None``: no limit).

        A blocking reader asks the stream for at most one byte more than
        this, so a body over the limit is never read further than needed to
        know it.
        """
        return self.max_content_length

    def _too_large_message(self) -> str:
        return "The request body is larger than the configured limit."

    def _feed(self, chunk: bytes) -> None:
        raise NotImplementedError

    def _finish(self) -> FormResult:
        raise NotImplementedError

    def _cleanup(self) -> None:
        """Release what the parser holds (temporary files)."""

    def feed_may_block(self, size: int) -> bool:
        """Whether feeding ``size`` more bytes may write to disk.

        An event loop runs exactly those :meth:`feed` calls in a thread.
        """
        return False

    # -- the driver API ---------------------------------------------------------

    def feed(self, chunk: bytes) -> None:
        """Parse the next piece of the body.

        Raises :class:`~kolben.exceptions.RequestEntityTooLarge` (413) as
        soon as a limit is crossed and :class:`~kolben.exceptions.BadRequest`
        (400) as soon as the syntax is broken; the parser is then aborted.
        An empty chunk is ignored (the end of the body is :meth:`close`).
        """
        if self._closed:
            raise RuntimeError("This form parser is closed; create a new one per body.")
        if not chunk:
            return
        self.received += len(chunk)
        try:
            limit = self.max_content_length
            if limit is not None and self.received > limit:
                raise RequestEntityTooLarge(self._too_large_message())
            self._feed(chunk)
        except BaseException:
            self.abort()
            raise

    def close(self) -> FormResult:
        """End of the body: return ``(form, files)``.

        A body that ends early raises :class:`~kolben.exceptions.BadRequest`
        (the parser is then aborted). From here on the caller owns the
        uploaded files and must close them (``Request.close`` does).
        """
        if self._closed:
            raise RuntimeError("This form parser is closed; create a new one per body.")
        try:
            result = self._finish()
        except BaseException:
            self.abort()
            raise
        self._closed = True
        return result

    def abort(self) -> None:
        """Stop parsing and close (so remove) every temporary file made so far.

        Safe to call more than once; after a successful :meth:`close` it
        does nothing, since the files then belong to the caller.
        """
        if self._closed:
            return
        self._closed = True
        self._cleanup()

    def parse_stream(self, stream: t.Any, chunk_size: int = CHUNK_SIZE) -> FormResult:
        """Blocking convenience: read ``stream`` in chunks, feed them, close.

        ``stream.read(n)`` must return ``b""`` at the end of the body (a
        :class:`kolben.wsgi.LimitedStream` does). Reading stops once the
        body is complete, so an epilogue is never read, and never asks for
        more than one byte past :attr:`max_input`.
        """
        limit = self.max_input
        declared = self.content_length
        try:
            while not self.done:
                size = chunk_size
                if limit is not None:
                    size = min(size, limit - self.received + 1)
                data = stream.read(size)
                if not data:
                    break
                self.feed(data)
                # A body read to its declared length is complete: the stream
                # is not asked again.
                if declared is not None and self.received >= declared:
                    break
        except BaseException:
            self.abort()
            raise
        return self.close()


def _read_declared(source: t.Any, length: int) -> bytes:
    """Read exactly ``length`` bytes of a body; a shorter body is a disconnect."""
    if source is None:
        return b""
    try:
        data = source.read(min(length, MAX_READ))
        if len(data) >= length:
            return bytes(data[:length]) if len(data) > length else bytes(data)
        # A server may hand a body over in several reads.
        chunks = [data]
        remaining = length - len(data)
        while remaining > 0:
            chunk = source.read(min(remaining, MAX_READ))
            if not chunk:
                raise ClientDisconnected()
            chunks.append(chunk)
            remaining -= len(chunk)
    except Exception as exc:
        # A disconnect or a malformed chunked body is the client's fault.
        _raise_read_error(exc)
    return b"".join(chunks)


class _SpentBody(LimitedStream):
    """The body stream once a form has consumed it: always empty, never closed.

    One instance serves every request: it holds no state that reading could
    change, and closing it is a no-op.
    """

    def close(self) -> None:
        pass


_SPENT_BODY = _SpentBody(io.BytesIO(), 0)
