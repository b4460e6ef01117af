"""The request body: limits, the stream, forms, files and JSON (layer 2).

:class:`RequestBody` is the part of :class:`~kolben.wrappers.Request` that
reads the body, sync (``stream``, ``get_data``, ``form``, ``files``,
``json``) and async (``get_data_async``, ``form_async`` ...; native under
ASGI, where the body is the adapter's reader). Nothing is read before it is
asked for.
"""

from __future__ import annotations

import io
import json as _stdlib_json
import typing as t
from collections.abc import Mapping

from .._internal import MISSING
from .._streams import CHUNK_SIZE, LimitedStream, iter_limited_async, read_limited_async
from ..datastructures import CombinedMultiDict, FileStorage, ImmutableMultiDict, MultiDict
from ..exceptions import BadRequest, HTTPException, RequestEntityTooLarge, UnsupportedMediaType
from ..formparser import FormDataParser, StreamFactory
from ..formparser._base import _SPENT_BODY, _read_declared
from ..formparser._urlencoded import _urlencoded_multidict
from ..http import parse_options_header
from ._debug_files import attach_enctype_error_multidict
from .request_url import RequestURL

__all__ = ["RequestBody"]

_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_URLENCODED = "application/x-www-form-urlencoded"
_NO_FILES: MultiDict[str, FileStorage] = ImmutableMultiDict()
_NO_SETTINGS: Mapping[str, t.Any] = {}
#: A whole form body up to this size that is already in memory is parsed on
#: the event loop by ``form_async()`` (see ``RequestBody._form_fits_loop``).
# PERF: where a thread hop (~165k instructions, ~100 us) stops paying
# off: a 4 KiB urlencoded body parses in about half a hop, and even the
# densest 4 KiB multipart (a hundred tiny fields) in about two hops.
# A parse in a worker thread holds the GIL as long as it would on the loop,
# so for such bodies the hop buys the loop nothing.
_INLINE_FORM_LIMIT = 4 * 1024


class _StdlibJSON:
    """The JSON loader a request uses when no app gave it one."""

    @staticmethod
    def loads(s: str | bytes, **kw: t.Any) -> t.Any:
        return _stdlib_json.loads(s, **kw)


class RequestBody(RequestURL):
    """The body of a request: the part of :class:`~kolben.wrappers.Request`
    that reads, limits and parses it."""

    _stream: LimitedStream | None = None
    _form: MultiDict[str, str] | None = None
    _files: MultiDict[str, FileStorage] | None = None
    _cached_data: bytes | None = None
    _cached_json: tuple[t.Any, t.Any] | None = None
    _max_content_length: t.Any = MISSING
    _max_form_memory_size: t.Any = MISSING
    _max_form_parts: t.Any = MISSING

    #: Where uploaded files are stored: ``f(total_content_length,
    #: content_type, filename, content_length) -> binary file`` (see
    #: :func:`kolben.formparser.default_stream_factory`); None for the default.
    form_stream_factory: t.ClassVar[StreamFactory | None] = None

    shallow: bool
    #: What :meth:`get_json` decodes with (a class attribute, as in Flask);
    #: the app sets its JSON provider on each request it makes.
    json_module: t.Any = _StdlibJSON
    #: Config-style settings (``MAX_CONTENT_LENGTH``, ``DEBUG`` ...); the app
    #: passes its config here. Layer 2 only reads it as a mapping.
    # PERF: both are class defaults, not stored by __init__: the app's
    # request context sets them right after (two stores per request less).
    settings: Mapping[str, t.Any] = _NO_SETTINGS

    # -- limits ---------------------------------------------------------------

    @property
    def max_content_length(self) -> int | None:
        """Largest body accepted (``MAX_CONTENT_LENGTH``); settable per request."""
        # PERF: no t.cast calls (read on every form request).
        value = self._max_content_length
        if value is MISSING:
            value = self.settings.get("MAX_CONTENT_LENGTH")
        return value  # type: ignore[no-any-return]

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @property
    def max_form_memory_size(self) -> int | None:
        """Largest non-file form field or urlencoded body (``MAX_FORM_MEMORY_SIZE``)."""
        # PERF: no t.cast calls (read on every form request).
        value = self._max_form_memory_size
        if value is MISSING:
            value = self.settings.get("MAX_FORM_MEMORY_SIZE", 500_000)
        return value  # type: ignore[no-any-return]

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value

    @property
    def max_form_parts(self) -> int | None:
        """Most form fields or multipart parts (``MAX_FORM_PARTS``)."""
        # PERF: no t.cast calls (read on every form request).
        value = self._max_form_parts
        if value is MISSING:
            value = self.settings.get("MAX_FORM_PARTS", 1000)
        return value  # type: ignore[no-any-return]

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._max_form_parts = value

    # -- the body ---------------------------------------------------------------

    @property
    def input_stream(self) -> t.Any:
        """The raw body stream from the server. Prefer :attr:`stream`."""
        return self.environ.get("wsgi.input")

    def _has_unbounded_body(self) -> bool:
        return bool(self.environ.get("wsgi.input_terminated"))

    @property
    def stream(self) -> LimitedStream:
        """The body as a stream capped at the declared length and the limit."""
        if self._stream is not None:
            return self._stream
        if self.shallow:
            raise RuntimeError(
                "This request was created with shallow=True and may not read the body."
            )
        length = self.content_length
        source = self.input_stream  # the environ's wsgi.input, or a scope request's body
        if source is None or (length is None and not self._has_unbounded_body()):
            # No length and no end-of-stream marker: nothing can be read safely.
            self._stream = LimitedStream(io.BytesIO(), 0)
        else:
            self._stream = LimitedStream(source, length, self.max_content_length)
        return self._stream

    def get_data(
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> t.Any:
        """Read the whole body (bounded by :attr:`max_content_length`).

        After the body was parsed as a form, this returns ``b""``.
        """
        if parse_form_data:
            self._load_form_data()
        data = self._cached_data
        if data is None:
            if self._form is not None and self.mimetype in _FORM_TYPES:
                data = b""
            else:
                data = self.stream.readall()
            if cache:
                self._cached_data = data
        if as_text:
            return data.decode("utf-8", "replace")
        return data

    @property
    def data(self) -> bytes:
        """The raw body as bytes (``get_data()``)."""
        return t.cast(bytes, self.get_data())

    # -- the body, asynchronously (native under ASGI) ------------------------------

    def _async_source(self) -> t.Any:
        source = self.environ.get("wsgi.input")
        if self._stream is None and hasattr(source, "aread"):
            return source
        return None

    def _body_limits(self) -> tuple[int | None, int | None]:
        length = self.content_length
        max_length = self.max_content_length
        if max_length is not None and length is not None and length > max_length:
            raise RequestEntityTooLarge()
        return length, max_length

    async def get_data_async(self, cache: bool = True, as_text: bool = False) -> t.Any:
        """Await the whole body; the async form of :meth:`get_data`.

        Under ASGI the body is received without blocking the event loop,
        bounded by :attr:`max_content_length` (413) as it streams in.
        """
        data = self._cached_data
        if data is None:
            source = self._async_source()
            if self._form is not None and self.mimetype in _FORM_TYPES:
                data = b""
            elif source is None:
                data = self.get_data(cache=False)
            else:
                length, max_length = self._body_limits()
                data = await read_limited_async(source, length, max_length)
            if cache:
                self._cached_data = data
        if as_text:
            return data.decode("utf-8", "replace")
        return data

    async def stream_async(self, chunk_size: int = CHUNK_SIZE) -> t.AsyncIterator[bytes]:
        """Yield the body in chunks as it arrives (bounded like :attr:`stream`).

        Use it for bodies too large to hold in memory:
        ``async for chunk in request.stream_async(): ...``.
        """
        if self._cached_data is not None:
            if self._cached_data:
                yield self._cached_data
            return
        source = self._async_source()
        if source is None:
            stream = self.stream
            while True:
                chunk = stream.read(chunk_size)
                if not chunk:
                    return
                yield chunk
        length, max_length = self._body_limits()
        async for chunk in iter_limited_async(source, length, max_length, chunk_size):
            yield chunk

    async def get_json_async(
        self, force: bool = False, silent: bool = False, cache: bool = True
    ) -> t.Any:
        """Await and parse the body as JSON; the async form of :meth:`get_json`."""
        if (cache and self._cached_json is not None) or not (force or self.is_json):
            # Cached, or refused by content type: no body to read.
            return self.get_json(force=force, silent=silent, cache=cache)
        return self._load_json(await self.get_data_async(cache=cache), silent, cache)

    async def _offload(self, func: t.Callable[[], t.Any]) -> t.Any:
        # Under ASGI the adapter lends a way to run blocking work (parsing a
        # body that is still arriving, spilling uploads to disk) in a worker
        # thread; under WSGI the work simply runs here.
        runner = self.environ.get("kolben.run_in_thread")
        if runner is None:
            return func()
        return await runner(func)

    def _form_fits_loop(self) -> bool:
        """Whether the form can be parsed right here, on the event loop.

        Only a whole body already in memory (``in_memory`` of the ASGI body,
        or the cached data) of at most ``_INLINE_FORM_LIMIT`` bytes, and not
        a multipart body with an app's own ``form_stream_factory`` (it may
        write to disk for the tiniest file): anything larger, partly on disk
        or still arriving goes to a worker thread, so a spill never blocks
        the loop.
        """
        data = self._cached_data
        if data is not None:
            size: int | None = len(data)
        else:
            size = getattr(self.input_stream, "in_memory", None)
        if size is None or size > _INLINE_FORM_LIMIT:
            return False
        return type(self).form_stream_factory is None or self.mimetype != "multipart/form-data"

    async def form_async(self) -> MultiDict[str, str]:
        """Await the parsed form; the async form of :attr:`form`."""
        if self._form is None:
            # PERF: a small body that has arrived is parsed on the loop: the
            # thread hop costs more than the parse (issue 15; bench case F
            # under ASGI: 323k -> 154k instructions per request, Falcon-ASGI
            # 101k). See _INLINE_FORM_LIMIT.
            if self._form_fits_loop():
                self._load_form_data()
            else:
                await self._offload(self._load_form_data)
        return self._form  # type: ignore[return-value]  # PERF: no t.cast call

    async def files_async(self) -> MultiDict[str, FileStorage]:
        """Await the uploaded files; the async form of :attr:`files`."""
        if self._form is None:
            if self._form_fits_loop():
                self._load_form_data()
            else:
                await self._offload(self._load_form_data)
        return t.cast("MultiDict[str, FileStorage]", self._files)

    async def values_async(self) -> CombinedMultiDict[str, str]:
        """Await :attr:`values` (query arguments, plus the form unless GET)."""
        if self.method == "GET":
            return CombinedMultiDict([self.args])
        return CombinedMultiDict([self.args, await self.form_async()])

    # -- forms ------------------------------------------------------------------

    def _make_form_parser(self) -> FormDataParser | None:
        """The incremental parser for this body with this request's limits.

        ``None`` when the body is not a form or cannot be read. A declared
        length over a limit raises 413 here, before any byte is read. The
        ASGI path feeds it chunk by chunk (see :mod:`kolben.formparser`).
        """
        length = self.content_length
        if length is None and not self._has_unbounded_body():
            return None  # no length and no end-of-stream marker: nothing to read
        mimetype, options = parse_options_header(self.content_type)
        return FormDataParser.for_mimetype(
            mimetype,
            options,
            content_length=length,
            max_content_length=self.max_content_length,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            storage_class=self.parameter_storage_class,
            stream_factory=type(self).form_stream_factory,
        )

    def _load_form_data(self) -> None:
        if self._form is not None:
            return
        environ = self.environ
        if (
            environ.get("CONTENT_TYPE") == _URLENCODED
            and self._cached_data is None
            and self._stream is None
            and not self.shallow
        ):
            # PERF: a plain browser form (bench case F). The canonical
            # Content-Length (ASCII digits, no Transfer-Encoding) is read
            # here; anything else goes the general way below.
            raw = environ.get("CONTENT_LENGTH")
            if (
                raw.__class__ is str
                and raw.isdigit()
                and raw.isascii()
                and len(raw) < 19  # longer ones are checked by content_length
                and "HTTP_TRANSFER_ENCODING" not in environ
            ):
                self._load_urlencoded(int(raw), environ.get("wsgi.input"))
                return
        self._load_form_general()

    def _load_form_general(self) -> None:
        """Parse any form body with the incremental parser (or none)."""
        empty = self.parameter_storage_class
        try:
            parser = self._make_form_parser()
            if parser is None:
                form, files = empty(), empty()
            elif self._cached_data is not None:
                parser.feed(self._cached_data)
                form, files = parser.close()
            else:
                form, files = parser.parse_stream(self.stream)
        except HTTPException:
            # A bad body is answered once; an error handler that looks at
            # the form again sees it empty instead of a half-read stream.
            self._form, self._files = empty(), empty()
            raise
        self._form = form
        self._files = self._debug_files(files)

    def _load_urlencoded(self, length: int, source: t.Any) -> None:
        """Read and parse a urlencoded body of declared ``length``, not read
        yet, from the server's body ``source``.

        PERF: the plain browser form (bench case F) skips the incremental
        parser: the body is read straight from the server's stream in one
        call (a LimitedStream, an io object, costs more to create than the
        whole read) and decoded in one pass, with the same limits. The
        stream is then spent: ``stream`` becomes the shared empty one.
        """
        cls = self.parameter_storage_class
        try:
            limit = self.max_form_memory_size
            if limit is not None and length > limit:
                raise RequestEntityTooLarge("The form data is larger than the configured limit.")
            ceiling = self.max_content_length
            if ceiling is not None and length > ceiling:
                raise RequestEntityTooLarge()
            parts = self.max_form_parts
            body = _read_declared(source, length)
            self._stream = _SPENT_BODY
            if parts is not None and body.count(b"&") >= parts:
                raise RequestEntityTooLarge("The form has more fields than the configured limit.")
            self._form = _urlencoded_multidict(cls, body)
        except HTTPException:
            self._form = cls()
            self._files = cls()
            raise
        if self.settings.get("DEBUG"):
            self._files = self._debug_files(cls())
        else:
            # An immutable empty dict can be shared by every request.
            self._files = _NO_FILES if cls is ImmutableMultiDict else cls()

    def _debug_files(self, files: MultiDict[str, FileStorage]) -> MultiDict[str, FileStorage]:
        """In debug mode, the empty ``files`` of a non-multipart request explains itself."""
        if files or not self.settings.get("DEBUG"):
            return files
        if self.mimetype == "multipart/form-data":
            return files
        return attach_enctype_error_multidict(self)

    @property
    def form(self) -> MultiDict[str, str]:
        """The text fields of an ``application/x-www-form-urlencoded`` or
        ``multipart/form-data`` body; empty for any other body.

        Parsed on first access, within :attr:`max_content_length`,
        :attr:`max_form_memory_size` and :attr:`max_form_parts` (413 past
        one, checked as the body streams in); a malformed or truncated
        multipart body is a 400. In an async view under ASGI, ``await
        request.form_async()`` reads the body without blocking the loop.
        """
        if self._form is None:
            self._load_form_data()
        return self._form  # type: ignore[return-value]

    @property
    def files(self) -> MultiDict[str, FileStorage]:
        """The uploaded files of a ``multipart/form-data`` body, as
        :class:`~kolben.datastructures.FileStorage` per file field (an empty
        file input gives a falsy one); empty for any other body.

        Files larger than 512 kB are kept in a temporary file, closed (and so
        removed) when the request ends. In debug mode, a missing key that is
        in :attr:`form` of a non-multipart request raises
        :class:`~kolben.debughelpers.DebugFilesKeyError`, which explains the
        missing ``enctype="multipart/form-data"``.
        """
        self._load_form_data()
        return t.cast("MultiDict[str, FileStorage]", self._files)

    @property
    def values(self) -> CombinedMultiDict[str, str]:
        """:attr:`args` and :attr:`form` combined (only ``args`` for GET)."""
        if self.method == "GET":
            return CombinedMultiDict([self.args])
        return CombinedMultiDict([self.args, self.form])

    @property
    def want_form_data_parsed(self) -> bool:
        return bool(self.environ.get("CONTENT_TYPE"))

    # -- JSON -------------------------------------------------------------------

    @property
    def is_json(self) -> bool:
        """Whether the content type is ``application/json`` or ``application/*+json``."""
        mt = self.mimetype
        return mt == "application/json" or (mt.startswith("application/") and mt.endswith("+json"))

    @property
    def json(self) -> t.Any:
        """The parsed JSON body; see :meth:`get_json`."""
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> t.Any:
        """Parse the body as JSON.

        A content type other than ``application/json`` (or ``+json``) raises
        415 unless ``force``; malformed or too deeply nested JSON raises 400.
        ``silent=True`` returns None instead of raising.
        """
        slot = 1 if silent else 0
        if cache and self._cached_json is not None:
            cached = self._cached_json[slot]
            if cached is not Ellipsis:
                return cached
        if not (force or self.is_json):
            if not silent:
                return self.on_json_loading_failed(None)
            return None
        return self._load_json(self.get_data(cache=cache), silent, cache)

    def _load_json(self, data: bytes, silent: bool, cache: bool) -> t.Any:
        slot = 1 if silent else 0
        try:
            rv = self.json_module.loads(data)
        except (ValueError, TypeError, RecursionError) as exc:
            if silent:
                rv = None
                if cache:
                    self._store_json(slot, rv)
                return rv
            rv = self.on_json_loading_failed(exc)
        if cache:
            self._store_json(0, rv)
            self._store_json(1, rv)
        return rv

    def _store_json(self, slot: int, value: t.Any) -> None:
        current = list(self._cached_json) if self._cached_json is not None else [Ellipsis, Ellipsis]
        current[slot] = value
        self._cached_json = (current[0], current[1])

    def on_json_loading_failed(self, e: Exception | None) -> t.Any:
        """Called when JSON cannot be loaded: raise 415 or 400 (override to change)."""
        if e is None:
            raise UnsupportedMediaType(
                "Did not attempt to load JSON data because the request"
                " Content-Type was not 'application/json'."
            )
        if self.settings.get("DEBUG"):
            raise BadRequest(f"Failed to decode JSON object: {e}")
        raise BadRequest("The browser (or proxy) sent a request body that is not valid JSON.")
