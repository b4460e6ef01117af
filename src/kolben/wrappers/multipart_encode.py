"""Encode form fields and uploads as ``multipart/form-data`` (RFC 7578; layer 2).

:func:`stream_encode_multipart` and :func:`encode_multipart` write the body a
browser would send for a form with file inputs. The helpers before them
turn the spellings of an upload that :class:`~kolben.wrappers.builder.EnvironBuilder`
accepts (a file object, bytes, a path, a tuple, a dict, a FileStorage) into
:class:`~kolben.datastructures.FileStorage` objects; the builder uses them
too. Parsing multipart bodies is the form parser's job, not this module's.
"""

from __future__ import annotations

import io
import mimetypes
import os
import secrets
import typing as t
from collections.abc import Iterator, Mapping
from tempfile import SpooledTemporaryFile

from ..datastructures import FileStorage, MultiDict

__all__ = ["encode_multipart", "stream_encode_multipart"]


# -- upload values --------------------------------------------------------------


def _iter_pairs(data: t.Any) -> Iterator[tuple[str, t.Any]]:
    """Yield ``(key, value)`` from a MultiDict, a mapping or an iterable of pairs.

    A list value in a plain mapping means several values under one key.
    """
    if isinstance(data, MultiDict):
        yield from data.items(multi=True)
        return
    items = data.items() if isinstance(data, Mapping) else data
    for key, value in items:
        if isinstance(value, list):
            for item in value:
                yield key, item
        else:
            yield key, value


def _is_file_value(value: object) -> bool:
    """Whether a ``data`` value is an upload rather than a text field."""
    return isinstance(value, (FileStorage, tuple, dict)) or hasattr(value, "read")


def _make_file(
    key: str,
    file: t.Any,
    filename: str | None = None,
    content_type: str | None = None,
) -> FileStorage:
    """Wrap one upload as a :class:`FileStorage`.

    ``file`` may be a file object, bytes, or a path to open. Without an explicit
    filename, the base name of the file object's ``name`` is used (nothing
    for in-memory streams). The type is guessed from the filename.
    """
    if isinstance(file, FileStorage):
        return file
    if isinstance(file, (bytes, bytearray)):
        file = io.BytesIO(file)
    elif isinstance(file, (str, os.PathLike)):
        if filename is None:
            filename = os.path.basename(os.fspath(file))
        file = open(file, "rb")  # noqa: SIM115 - closed by EnvironBuilder.close()
    if filename is None:
        name = getattr(file, "name", None)
        if isinstance(name, str) and name and not (name.startswith("<") and name.endswith(">")):
            filename = os.path.basename(name)
    if content_type is None and filename:
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return FileStorage(file, filename=filename, name=key, content_type=content_type)


def _file_from_value(key: str, value: t.Any) -> FileStorage:
    """Turn the accepted spellings of an upload into a :class:`FileStorage`.

    Accepted: a file object, ``(file, filename)``, ``(file, filename,
    content_type)``, a dict of those keyword arguments, or a FileStorage.
    """
    if isinstance(value, tuple):
        if not 1 <= len(value) <= 3:
            raise TypeError(
                f"The upload for {key!r} must be (file,), (file, filename) or"
                f" (file, filename, content_type), not a {len(value)}-tuple."
            )
        return _make_file(key, *value)
    if isinstance(value, dict):
        return _make_file(key, **value)
    return _make_file(key, value)


# -- multipart/form-data encoding (RFC 7578) -----------------------------------


def _quote_param(value: str) -> str:
    """Quote a Content-Disposition parameter value safely.

    RFC 7578 §4.2 leaves escaping to the sender. A quoted-string (RFC 9110
    §5.6.4) may carry ``\\`` and ``"`` as quoted pairs, which is what we use;
    CR and LF can never appear in a header, so they are percent-encoded the
    way browsers do (WHATWG HTML "multipart/form-data encoding algorithm").
    """
    value = value.replace("\\", "\\\\").replace('"', '\\"')
    return value.replace("\r", "%0D").replace("\n", "%0A")


def _copy_stream(source: t.Any, target: t.IO[bytes]) -> None:
    """Copy a readable (bytes or text) into ``target``, rewinding it after if it can."""
    try:
        start = source.tell()
    except (AttributeError, OSError, ValueError):
        start = None
    while True:
        chunk = source.read(64 * 1024)
        if not chunk:
            break
        target.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
    if start is not None:
        # Building the same environ twice must send the same bytes twice.
        try:
            source.seek(start)
        except (OSError, ValueError):
            pass


def stream_encode_multipart(
    data: t.Any,
    use_tempfile: bool = True,
    threshold: int = 1024 * 500,
    boundary: str | None = None,
) -> tuple[t.IO[bytes], int, str]:
    """Encode form values and uploads as a ``multipart/form-data`` body.

    ``data`` is a MultiDict, a mapping (list values repeat the key) or an
    iterable of pairs. Text values are sent as UTF-8; uploads may take any of
    the forms :class:`EnvironBuilder` accepts. The body goes to memory, or to
    a temporary file once it grows past ``threshold`` bytes when
    ``use_tempfile`` is true. Returns ``(stream at offset 0, length,
    boundary)``.
    """
    if boundary is None:
        boundary = f"KolbenFormBoundary{secrets.token_hex(16)}"
    out: t.IO[bytes]
    if use_tempfile:
        # The caller owns (and closes) the returned stream.
        out = t.cast("t.IO[bytes]", SpooledTemporaryFile(max_size=threshold))  # noqa: SIM115
    else:
        out = io.BytesIO()
    delimiter = f"--{boundary}\r\n".encode("ascii")
    for key, value in _iter_pairs(data):
        out.write(delimiter)
        disposition = f'form-data; name="{_quote_param(str(key))}"'
        if _is_file_value(value):
            upload = _file_from_value(str(key), value)
            if upload.filename is not None:
                disposition += f'; filename="{_quote_param(upload.filename)}"'
            content_type = upload.content_type or "application/octet-stream"
            out.write(f"Content-Disposition: {disposition}\r\n".encode())
            content_type = content_type.replace("\r", "").replace("\n", "")
            out.write(f"Content-Type: {content_type}\r\n\r\n".encode())
            _copy_stream(upload.stream, out)
        else:
            out.write(f"Content-Disposition: {disposition}\r\n\r\n".encode())
            out.write(value if isinstance(value, bytes) else str(value).encode("utf-8"))
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode("ascii"))
    length = out.tell()
    out.seek(0)
    return out, length, boundary


def encode_multipart(values: t.Any, boundary: str | None = None) -> tuple[str, bytes]:
    """Encode ``values`` as a ``multipart/form-data`` body held in memory.

    Returns ``(boundary, body)``; the request's Content-Type is then
    ``multipart/form-data; boundary=<boundary>``.
    """
    stream, _, boundary = stream_encode_multipart(values, use_tempfile=False, boundary=boundary)
    return boundary, stream.read()
