"""Serve static files in front of an application (layer 3).

::

    app.wsgi_app = SharedDataMiddleware(app.wsgi_app, {
        "/media": "/srv/media",                  # a folder
        "/favicon.ico": "/srv/site/favicon.ico", # one file
        "/assets": ("mypackage", "assets"),      # a folder inside a package
    })

Files are served for GET and HEAD with ``ETag``, ``Last-Modified``,
``max-age``, 304 answers and Range requests (206/416); everything else goes
to the wrapped app. Paths that would leave a folder (``..``, absolute or
Windows paths, encoded separators, symlinks pointing outside) are never
served. A production server or CDN is faster at this; the middleware is for
development and small deployments.
"""

from __future__ import annotations

import asyncio
import importlib.resources
import io
import mimetypes
import os
import posixpath
import typing as t
import zlib
from collections.abc import Callable, Iterable, Mapping
from fnmatch import fnmatch

from ..asgi import NO_BODY, build_environ
from ..security import safe_join
from ..utils import _FileWrapper, send_file
from ._asgi import (
    ASGIApp,
    Receive,
    Scope,
    Send,
    asgi_class,
    is_asgi,
    route_path,
    send_response,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from importlib.abc import Traversable

    from ..typing import StartResponse, WSGIEnvironment
    from ..wrappers import Response

__all__ = ["SharedDataMiddleware"]

#: What an export resolves a sub-path to: a file path, a packaged resource, or None.
_Found = t.Union[str, "Traversable", None]
_Loader = Callable[["str | None"], _Found]

# PERF: under ASGI each block of a file is one hop to a worker thread;
# bigger blocks mean fewer hops.
_ASGI_BLOCK_SIZE = 256 * 1024


def _big_blocks(file: t.IO[bytes], buffer_size: int = 8192) -> _FileWrapper:
    return _FileWrapper(file, max(buffer_size, _ASGI_BLOCK_SIZE))


def _decode_path_info(path: str) -> str:
    """PEP 3333 keeps the path's bytes as latin-1 text; file names are UTF-8."""
    try:
        return path.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return path


def _directory_loader(directory: str) -> _Loader:
    root = os.path.realpath(directory)

    def load(sub_path: str | None) -> _Found:
        if not sub_path:
            return None
        joined = safe_join(root, sub_path)
        if joined is None:
            return None
        real = os.path.realpath(joined)
        # A symlink inside the folder must not lead out of it.
        if not real.startswith(root.rstrip(os.sep) + os.sep) or not os.path.isfile(real):
            return None
        return real

    return load


def _file_loader(filename: str) -> _Loader:
    path = os.path.realpath(filename)

    def load(sub_path: str | None) -> _Found:
        # A file is served at its own URL only, never at URLs below it.
        if sub_path is None and os.path.isfile(path):
            return path
        return None

    return load


def _package_loader(package: str, package_path: str) -> _Loader:
    base = importlib.resources.files(package)
    for part in package_path.strip("/").split("/"):
        if part:
            base = base.joinpath(part)
    if isinstance(base, os.PathLike):
        # An ordinary package on disk: the same checks as any folder.
        location = os.fspath(base)
        if os.path.isfile(location):
            return _file_loader(location)
        return _directory_loader(location)

    def load(sub_path: str | None) -> _Found:
        # A zipped package: there are no symlinks, but the path is still
        # checked part by part.
        if not sub_path or safe_join("/", sub_path) is None:
            return None
        item = base
        for part in posixpath.normpath(sub_path).split("/"):
            item = item.joinpath(part)
        return item if item.is_file() else None

    return load


class SharedDataMiddleware:
    """Serve files from folders, single files or package folders under URL prefixes.

    ``exports`` maps URL prefixes to a folder, a file or a
    ``(package, folder)`` pair; it may also be a list of pairs. Exports
    are tried in order. ``disallow`` is an :func:`fnmatch.fnmatch` pattern
    of file names never to serve (those requests go to the app).
    ``cache`` sends validators (``ETag``) and ``Cache-Control: public,
    max-age=cache_timeout``; without it responses say ``no-cache``.
    ``fallback_mimetype`` is the type of files whose type cannot be
    guessed from their name.

    ``app`` may be a WSGI or an ASGI 3 application; the middleware is then
    the same kind of callable. Under ASGI, file reads run in worker threads.
    """

    def __new__(cls, app: t.Any, *args: t.Any, **kwargs: t.Any) -> SharedDataMiddleware:
        if is_asgi(app):
            cls = asgi_class(cls, _ASGISharedDataMiddleware)
        return super().__new__(cls)

    def __init__(
        self,
        app: t.Any,
        exports: Mapping[str, str | tuple[str, str]] | Iterable[tuple[str, str | tuple[str, str]]],
        disallow: str | None = None,
        cache: bool = True,
        cache_timeout: int = 60 * 60 * 12,
        fallback_mimetype: str = "application/octet-stream",
    ) -> None:
        self.app = app
        self.exports: list[tuple[str, _Loader]] = []
        self.cache = cache
        self.cache_timeout = cache_timeout
        self.disallow = disallow
        self.fallback_mimetype = fallback_mimetype
        items = exports.items() if isinstance(exports, Mapping) else exports
        for prefix, target in items:
            self.exports.append((prefix, self._make_loader(target)))

    def _make_loader(self, target: str | tuple[str, str] | os.PathLike[str]) -> _Loader:
        if isinstance(target, tuple):
            package, package_path = target
            return _package_loader(package, package_path)
        location = os.fspath(target)
        if os.path.isfile(location):
            return _file_loader(location)
        return _directory_loader(location)

    def is_allowed(self, filename: str) -> bool:
        """Whether ``filename`` (a file's base name) may be served; see ``disallow``."""
        return self.disallow is None or not fnmatch(filename, self.disallow)

    def _find(self, path: str) -> _Found:
        for prefix, loader in self.exports:
            if path == prefix:
                found = loader(None)
            elif path.startswith(prefix.rstrip("/") + "/"):
                found = loader(path[len(prefix.rstrip("/")) + 1 :])
            else:
                continue
            if found is not None:
                name = found if isinstance(found, str) else found.name
                if self.is_allowed(os.path.basename(name)):
                    return found
                return None
        return None

    def _respond(self, path: str, environ: dict[str, t.Any]) -> Response | None:
        """The response for ``path``, or None when it is not a served file."""
        found = self._find(path)
        if found is None:
            return None
        name = found if isinstance(found, str) else found.name
        mimetype = mimetypes.guess_type(name)[0] or self.fallback_mimetype
        max_age = self.cache_timeout if self.cache else None
        if isinstance(found, str):
            return send_file(found, environ, mimetype=mimetype, max_age=max_age, etag=self.cache)
        data = found.read_bytes()
        etag: bool | str = False
        if self.cache:
            etag = f"{len(data)}-{zlib.adler32(data) & 0xFFFFFFFF}"
        return send_file(
            io.BytesIO(data),
            environ,
            mimetype=mimetype,
            download_name=os.path.basename(name),
            max_age=max_age,
            etag=etag,
        )

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> t.Any:
        """Serve a file for a GET or HEAD request, or call the wrapped WSGI app."""
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            response = self._respond(_decode_path_info(environ.get("PATH_INFO") or "/"), environ)
            if response is not None:
                return response(environ, start_response)
        return self.app(environ, start_response)


class _ASGISharedDataMiddleware(SharedDataMiddleware):
    """:class:`SharedDataMiddleware` around an ASGI 3 app."""

    async def __call__(  # type: ignore[override]
        self, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Serve a file for a GET or HEAD request, or call the wrapped ASGI app."""
        app = t.cast(ASGIApp, self.app)
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD"):
            environ = build_environ(scope, NO_BODY)
            environ["wsgi.file_wrapper"] = _big_blocks
            # Looking files up touches the disk: off the event loop.
            response = await asyncio.to_thread(self._respond, route_path(scope), environ)
            if response is not None:
                await send_response(response, environ, send)
                return
        await app(scope, receive, send)
