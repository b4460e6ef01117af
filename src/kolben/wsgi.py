"""WSGI helpers (layer 3): hosts, URLs, streams and iterators of PEP 3333."""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Iterable, Iterator

from ._streams import LimitedStream
from .exceptions import SecurityError
from .http.hosts import host_from_environ, host_is_trusted
from .utils import _FileWrapper, wrap_file
from .wrappers import Request

__all__ = [
    "ClosingIterator",
    "FileWrapper",
    "LimitedStream",
    "get_content_length",
    "get_current_url",
    "get_host",
    "get_input_stream",
    "get_path_info",
    "host_is_trusted",
    "responder",
    "wrap_file",
]

FileWrapper = _FileWrapper
"""``FileWrapper(file, buffer_size=8192)`` iterates a file in blocks: what
:func:`wrap_file` falls back to when the server offers no
``wsgi.file_wrapper``. It passes ``close``, ``seekable``, ``seek`` and
``tell`` through to the file."""


def get_path_info(environ: dict[str, t.Any]) -> str:
    """``PATH_INFO`` as text: PEP 3333 carries it as latin-1 code points of
    the raw bytes, which are read back as UTF-8 (invalid bytes become U+FFFD)."""
    raw = str(environ.get("PATH_INFO") or "").encode("latin-1", "replace")
    return raw.decode("utf-8", "replace")


def get_host(environ: dict[str, t.Any], trusted_hosts: Iterable[str] | None = None) -> str:
    """The requested host; raises :class:`SecurityError` if it is malformed or untrusted."""
    host = host_from_environ(environ)
    if host is None:
        raise SecurityError("The Host header is malformed.")
    if trusted_hosts is not None and not host_is_trusted(host, trusted_hosts):
        raise SecurityError(f"Host {host!r} is not in the trusted hosts.")
    return host


def get_current_url(
    environ: dict[str, t.Any],
    root_only: bool = False,
    strip_querystring: bool = False,
    host_only: bool = False,
    trusted_hosts: Iterable[str] | None = None,
) -> str:
    """The URL of the current request, or parts of it."""
    request = Request(environ)
    request.trusted_hosts = list(trusted_hosts) if trusted_hosts is not None else None
    if host_only:
        return request.host_url
    if root_only:
        return request.root_url
    if strip_querystring:
        return request.base_url
    return request.url


def get_content_length(environ: dict[str, t.Any]) -> int | None:
    """The declared body length, None when absent, invalid or chunked."""
    if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
        return None
    return Request(environ).content_length


def get_input_stream(
    environ: dict[str, t.Any], safe_fallback: bool = True, max_content_length: int | None = None
) -> t.IO[bytes]:
    """The body stream, capped at its declared length (and ``max_content_length``)."""
    request = Request(environ)
    if max_content_length is not None:
        request.max_content_length = max_content_length
    return t.cast(t.IO[bytes], request.stream)


class ClosingIterator:
    """Iterate ``iterable`` and, when closed, call its ``close`` and ``callbacks``."""

    def __init__(
        self,
        iterable: Iterable[bytes],
        callbacks: Callable[[], None] | Iterable[Callable[[], None]] | None = None,
    ) -> None:
        self._iterator: Iterator[bytes] = iter(iterable)
        if callbacks is None:
            callback_list: list[Callable[[], None]] = []
        elif callable(callbacks):
            callback_list = [callbacks]
        else:
            callback_list = list(callbacks)
        close = getattr(iterable, "close", None)
        if close is not None:
            callback_list.insert(0, close)
        self._callbacks = callback_list

    def __iter__(self) -> ClosingIterator:
        return self

    def __next__(self) -> bytes:
        return next(self._iterator)

    def close(self) -> None:
        for callback in self._callbacks:
            callback()


def responder(f: Callable[..., t.Any]) -> Callable[..., t.Any]:
    """Turn ``f(environ, start_response) -> wsgi_app`` into a WSGI application."""

    def application(*args: t.Any) -> t.Any:
        return f(*args)(*args[-2:])

    return application
