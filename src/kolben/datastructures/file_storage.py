"""Uploaded files (layer 1).

Each file of a multipart form reaches the view as a :class:`FileStorage` in
``request.files``: the part's body as a binary stream, plus the field name,
the client's file name and the part's headers.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
import typing as t
from collections.abc import Iterator
from io import BytesIO

from .._grammar import parse_options_header
from .headers import Headers, HeadersSource
from .multidict import MultiDict

__all__ = ["FileMultiDict", "FileStorage"]


class FileStorage:
    """One uploaded file.

    ``stream`` holds the bytes (an empty :class:`~io.BytesIO` when ``None``).
    ``filename`` is what the client sent, so it is untrusted: pass it through
    ``secure_filename`` before using it on disk. Without a ``filename``, the
    stream's ``name`` attribute is used when it is a real path (a string that
    does not start with ``<``). ``name`` is the form field's name.
    ``content_type`` and ``content_length``, when given, are stored in
    ``headers``.

    Attributes this class does not define (``read``, ``seek``, ``tell``...)
    come from the stream (special ``__names__`` excepted). A storage without
    a file name is falsy, which is what an empty file input in a form gives.
    """

    __slots__ = ("filename", "headers", "name", "stream")

    def __init__(
        self,
        stream: t.IO[bytes] | None = None,
        filename: str | None = None,
        name: str | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        headers: HeadersSource | None = None,
    ) -> None:
        #: The file's bytes.
        self.stream: t.IO[bytes] = stream if stream is not None else BytesIO()
        if filename is None:
            candidate = getattr(stream, "name", None)
            if isinstance(candidate, bytes):
                candidate = os.fsdecode(candidate)
            if isinstance(candidate, str) and candidate and not candidate.startswith("<"):
                filename = candidate
        #: The file name the client sent (untrusted), or ``None``.
        self.filename: str | None = filename
        #: The form field the file came from.
        self.name: str | None = name
        if headers is None:
            headers = Headers()
        elif not isinstance(headers, Headers):
            headers = Headers(headers)
        if content_type is not None:
            headers["Content-Type"] = content_type
        if content_length is not None:
            headers["Content-Length"] = str(content_length)
        #: The part's headers.
        self.headers: Headers = headers

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` header as sent, parameters included, or ``None``."""
        return self.headers.get("Content-Type")

    @property
    def content_length(self) -> int:
        """The ``Content-Length`` header as an int; 0 when absent or invalid."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return 0
        return max(length, 0)

    @property
    def mimetype(self) -> str:
        """The media type, lower-cased, without parameters: ``"text/plain"``."""
        return parse_options_header(self.content_type)[0]

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The media type's parameters: ``{"charset": "utf-8"}``."""
        return parse_options_header(self.content_type)[1]

    def save(self, dst: str | os.PathLike[str] | t.IO[bytes], buffer_size: int = 16384) -> None:
        """Copy the file to ``dst``, from the stream's current position.

        ``dst`` is a path (opened for binary writing and closed afterwards) or
        a binary file object (left open). ``buffer_size`` is the copy chunk.
        """
        if isinstance(dst, (str, os.PathLike)):
            with open(dst, "wb") as target:
                shutil.copyfileobj(self.stream, target, buffer_size)
        else:
            shutil.copyfileobj(self.stream, dst, buffer_size)

    def close(self) -> None:
        """Close the stream; a stream that fails to close is ignored."""
        try:
            self.stream.close()
        except (OSError, ValueError):
            pass

    def __bool__(self) -> bool:
        return bool(self.filename)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.stream)

    def __getattr__(self, name: str) -> t.Any:
        # Only reached for names the class does not define. An unset slot must
        # not be looked up on the stream (that would recurse into "stream"),
        # and special names stay ours so that copy, pickle and introspection
        # never act on the stream by accident.
        if name in FileStorage.__slots__ or (name.startswith("__") and name.endswith("__")):
            raise AttributeError(name)
        try:
            return getattr(self.stream, name)
        except AttributeError:
            # Before Python 3.11, SpooledTemporaryFile lacked some io methods
            # (readable, seekable...); its wrapped file has them.
            inner = getattr(self.stream, "_file", None)
            if inner is None:
                raise
            return getattr(inner, name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.filename!r} ({self.content_type!r})>"


class FileMultiDict(MultiDict[str, FileStorage]):
    """A :class:`~kolben.datastructures.MultiDict` of uploads, with :meth:`add_file`.

    Test builders use it to assemble the files of a form.
    """

    __slots__ = ()

    def add_file(
        self,
        name: str,
        file: str | os.PathLike[str] | t.IO[bytes] | FileStorage,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> None:
        """Add an upload to the field ``name``.

        ``file`` is a :class:`FileStorage` (added as is), a binary file
        object, or a path, which is opened for reading (and becomes the
        file name unless ``filename`` is given). With a file name and no
        ``content_type``, the type is guessed from the name's extension
        (``application/octet-stream`` when unknown).
        """
        if isinstance(file, FileStorage):
            self.add(name, file)
            return
        if isinstance(file, (str, os.PathLike)):
            if filename is None:
                filename = os.fspath(file)
            stream: t.IO[bytes] = open(file, "rb")  # noqa: SIM115 (the storage owns it)
        else:
            stream = t.cast("t.IO[bytes]", file)
        if filename and content_type is None:
            content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        self.add(name, FileStorage(stream, filename, name, content_type))
