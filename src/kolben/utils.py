"""Response helpers that need no app: redirects and files (layer 2); and
Werkzeug's small helpers of the same module (``environ_property``,
``header_property``, ``find_modules``, ``get_content_type``)."""

from __future__ import annotations

import io
import mimetypes
import os
import re
import typing as t
import unicodedata
import zlib
from collections.abc import Callable, Iterator
from functools import cached_property
from time import time
from urllib.parse import quote

from markupsafe import escape

from ._imports import ImportStringError, LazyModule, import_string
from .datastructures import Headers
from .exceptions import NotFound
from .security import safe_join
from .wrappers import Response
from .wrappers.response import get_content_type

if t.TYPE_CHECKING:
    import pkgutil
else:
    # PERF: pkgutil (about 3M instructions of ``import kolben``) only serves
    # find_modules(): it loads on the first call.
    pkgutil = LazyModule("pkgutil")

__all__ = [
    "ImportStringError",
    "append_slash_redirect",
    "cached_property",
    "environ_property",
    "escape",
    "find_modules",
    "get_content_type",
    "header_property",
    "import_string",
    "redirect",
    "secure_filename",
    "send_file",
    "send_from_directory",
    "wrap_file",
]

_filename_ascii_strip_re = re.compile(r"[^A-Za-z0-9_.-]")
_windows_device_files = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}


def redirect(location: str, code: int = 302, Response: type[Response] | None = None) -> Response:
    """A redirect response to ``location`` (sent exactly as given).

    ``location`` may not contain CR, LF or NUL: a header value with them
    raises ``ValueError`` (no response splitting). Note that
    ``redirect("//evil.example")`` is a redirect to another host, as a
    browser reads it: never redirect to a user-supplied location unchecked.
    """
    if Response is None:
        Response = _response_class()
    html_location = escape(location)
    body = (
        "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n"
        "<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target"
        f' URL: <a href="{html_location}">{html_location}</a>. If not, click the link.\n'
    )
    response = Response(body, code, mimetype="text/html")
    response.headers["Location"] = location
    return response


def _response_class() -> type[Response]:
    return Response


def append_slash_redirect(environ: dict[str, t.Any], code: int = 308) -> Response:
    """Redirect to the same path with a trailing slash, keeping the query."""
    tail = str(environ.get("PATH_INFO") or "").rpartition("/")[2]
    try:
        raw = tail.encode("latin-1")
    except UnicodeEncodeError:
        raw = tail.encode("utf-8")
    # RFC 3986 section 4.2: a relative reference's first segment must not
    # read as a scheme ("https:evil.example") and a browser takes "\\" for
    # "/" ("\\evil.example" is "//evil.example"): percent-encode ":", "\\",
    # "?", "#" and "%" so the tail stays one path segment of this site.
    tail = quote(raw, safe="!$&'()*+,;=@")
    new_path = f"{tail}/" if tail else "./"
    query = environ.get("QUERY_STRING")
    if query:
        # The raw query, bytes as latin-1: quote any non-ASCII as its bytes.
        query = quote(str(query), safe="!$&'()*+,;=:@/?%", encoding="latin-1", errors="replace")
        new_path = f"{new_path}?{query}"
    return redirect(new_path, code)


def secure_filename(filename: str) -> str:
    """Make an untrusted file name safe to use as a file name on any OS.

    Folds to ASCII, turns separators and whitespace into ``_``, keeps only
    ``[A-Za-z0-9_.-]``, strips leading and trailing ``._``, and prefixes
    Windows device names with ``_``. May return ``""``: have a fallback.
    """
    filename = unicodedata.normalize("NFKD", filename)
    filename = filename.encode("ascii", "ignore").decode("ascii")
    for sep in (os.sep, os.path.altsep, "/", "\\"):
        if sep:
            filename = filename.replace(sep, " ")
    filename = str(_filename_ascii_strip_re.sub("", "_".join(filename.split()))).strip("._")
    if filename and filename.split(".")[0].upper() in _windows_device_files:
        filename = f"_{filename}"
    return filename


class _FileWrapper:
    """Iterate a file in blocks (used when the server offers no file_wrapper)."""

    def __init__(self, file: t.IO[bytes], buffer_size: int = 8192) -> None:
        self.file = file
        self.buffer_size = buffer_size

    def close(self) -> None:
        self.file.close()

    def seekable(self) -> bool:
        return bool(getattr(self.file, "seekable", lambda: False)())

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.file.seek(offset, whence)

    def tell(self) -> int:
        return self.file.tell()

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        data = self.file.read(self.buffer_size)
        if data:
            return data
        raise StopIteration()


def wrap_file(environ: dict[str, t.Any], file: t.IO[bytes], buffer_size: int = 8192) -> t.Any:
    """The server's ``wsgi.file_wrapper`` for ``file``, or a block iterator."""
    wrapper = environ.get("wsgi.file_wrapper", _FileWrapper)
    return wrapper(file, buffer_size)


def _content_disposition(download_name: str, as_attachment: bool) -> tuple[str, dict[str, str]]:
    value = "attachment" if as_attachment else "inline"
    try:
        download_name.encode("ascii")
    except UnicodeEncodeError:
        # RFC 6266 section 4.3 / RFC 5987: an ASCII fallback plus filename*.
        simple = unicodedata.normalize("NFKD", download_name)
        simple = simple.encode("ascii", "ignore").decode("ascii")
        quoted = quote(download_name, safe="!#$&+-.^_`|~")
        return value, {"filename": simple, "filename*": f"UTF-8''{quoted}"}
    return value, {"filename": download_name}


def send_file(
    path_or_file: os.PathLike[str] | str | t.IO[bytes],
    environ: dict[str, t.Any],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: t.Any = None,
    max_age: int | Callable[[str | None], int | None] | None = None,
    use_x_sendfile: bool = False,
    response_class: type[Response] | None = None,
    _root_path: os.PathLike[str] | str | None = None,
) -> Response:
    """Send a file (a path or a binary file object) with caching headers.

    Paths get an ETag and Last-Modified; ``conditional`` answers 304 and
    Range requests (206/416).
    """
    if response_class is None:
        response_class = Response
    path: str | None = None
    file: t.IO[bytes] | None = None
    size: int | None = None
    mtime: float | None = None
    headers = Headers()

    if isinstance(path_or_file, (os.PathLike, str)) or hasattr(path_or_file, "__fspath__"):
        path = os.fspath(t.cast("os.PathLike[str] | str", path_or_file))
        if _root_path is not None:
            path = os.path.join(os.fspath(_root_path), path)
        stat = os.stat(path)
        size = stat.st_size
        mtime = stat.st_mtime
    else:
        file = path_or_file
        if isinstance(file, io.TextIOBase):
            raise ValueError("Files must be opened in binary mode or use BytesIO.")

    if download_name is None and path is not None:
        download_name = os.path.basename(path)
    if mimetype is None:
        if download_name is None:
            raise TypeError(
                "Unable to detect the MIME type because a file name is not available."
                " Set 'download_name', pass a path instead of a file, or set 'mimetype'."
            )
        mimetype = mimetypes.guess_type(download_name)[0] or "application/octet-stream"
    if download_name is not None:
        value, params = _content_disposition(download_name, as_attachment)
        headers.set("Content-Disposition", value, **params)

    if use_x_sendfile and path is not None:
        # The front server opens the header's bytes as a path: a non-ASCII
        # path goes as its file-system bytes carried as Latin-1 characters
        # (PEP 3333), which servers write back unchanged; as text it would
        # not be Latin-1 at all.
        headers["X-Sendfile"] = os.fsencode(path).decode("latin-1")
        data: t.Any = None
    else:
        if file is None:
            file = open(path, "rb")  # type: ignore[arg-type]  # noqa: SIM115
        elif isinstance(file, io.BytesIO):
            size = file.getbuffer().nbytes
        data = wrap_file(environ, file)

    rv = response_class(data, mimetype=mimetype, headers=headers, direct_passthrough=True)
    if size is not None:
        rv.content_length = size
    if last_modified is not None:
        rv.last_modified = last_modified
    elif mtime is not None:
        rv.last_modified = int(mtime)
    if isinstance(etag, str):
        rv.set_etag(etag)
    elif etag and path is not None:
        check = zlib.adler32(path.encode("utf-8", "replace")) & 0xFFFFFFFF
        rv.set_etag(f"{mtime}-{size}-{check}")

    if callable(max_age):
        max_age = max_age(path)
    if max_age is not None and max_age > 0:
        cc = rv.cache_control
        cc.public = True
        cc.max_age = max_age
        rv.expires = int(time() + max_age)
    else:
        rv.cache_control.no_cache = True

    if conditional:
        rv = rv.make_conditional(environ, accept_ranges=True, complete_length=size)
    return rv


def send_from_directory(
    directory: os.PathLike[str] | str,
    path: os.PathLike[str] | str,
    environ: dict[str, t.Any],
    **kwargs: t.Any,
) -> Response:
    """Send ``path`` from inside ``directory``; anything that escapes it is a 404.

    Refused with 404: traversal, absolute and Windows-style paths, missing
    files, folders, and symlinks that lead outside ``directory``.
    """
    root = os.fspath(directory)
    joined = safe_join(root, os.fspath(path))
    if joined is None:
        raise NotFound()
    if "_root_path" in kwargs:
        root = os.path.join(os.fspath(kwargs["_root_path"]), root)
        joined = os.path.join(os.fspath(kwargs["_root_path"]), joined)
    real_root = os.path.realpath(root)
    real = os.path.realpath(joined)
    if not (real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)):
        raise NotFound()
    if not os.path.isfile(real):
        raise NotFound()
    # Name the file as requested, not after a symlink's target.
    kwargs.setdefault("download_name", os.path.basename(joined))
    kwargs["_root_path"] = None
    return send_file(real, environ, **kwargs)


# -- Werkzeug's descriptor and module helpers ----------------------------------

_V = t.TypeVar("_V")


class _MappingProperty(t.Generic[_V]):
    """A class attribute that reads and writes one key of a mapping on the instance.

    Subclasses say which mapping (:meth:`lookup`). A missing key reads as
    ``default``; ``load_func`` converts what is read (a :class:`ValueError`
    or :class:`TypeError` from it also gives ``default``) and ``dump_func``
    what is written. A read-only property raises :class:`AttributeError` on
    assignment and deletion.
    """

    read_only = False

    def __init__(
        self,
        name: str,
        default: _V | None = None,
        load_func: Callable[[t.Any], _V] | None = None,
        dump_func: Callable[[_V], t.Any] | None = None,
        read_only: bool | None = None,
        doc: str | None = None,
    ) -> None:
        self.name = name
        self.default = default
        self.load_func = load_func
        self.dump_func = dump_func
        if read_only is not None:
            self.read_only = read_only
        self.__doc__ = doc

    def lookup(self, instance: t.Any) -> t.MutableMapping[str, t.Any]:
        """The mapping this property reads on ``instance``."""
        raise NotImplementedError(f"{type(self).__name__} must say which mapping it reads.")

    @t.overload
    def __get__(self, instance: None, owner: type) -> _MappingProperty[_V]: ...
    @t.overload
    def __get__(self, instance: t.Any, owner: type) -> _V: ...

    def __get__(self, instance: t.Any | None, owner: type) -> _V | _MappingProperty[_V]:
        if instance is None:
            return self
        storage = self.lookup(instance)
        if self.name not in storage:
            return self.default  # type: ignore[return-value]
        value = storage[self.name]
        if self.load_func is None:
            return value  # type: ignore[no-any-return]
        try:
            return self.load_func(value)
        except (ValueError, TypeError):
            return self.default  # type: ignore[return-value]

    def _writable(self) -> None:
        if self.read_only:
            raise AttributeError(
                f"{self.name!r} is read-only here; pass read_only=False to make it writable."
            )

    def __set__(self, instance: t.Any, value: _V) -> None:
        self._writable()
        stored = value if self.dump_func is None else self.dump_func(value)
        self.lookup(instance)[self.name] = stored

    def __delete__(self, instance: t.Any) -> None:
        self._writable()
        self.lookup(instance).pop(self.name, None)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class environ_property(_MappingProperty[_V]):
    """An attribute backed by a key of the instance's WSGI ``environ``.

    ``environ_property("HTTP_X_TENANT", "public")`` on a request subclass
    reads ``environ["HTTP_X_TENANT"]``. Read-only unless ``read_only=False``.
    """

    read_only = True

    def lookup(self, instance: t.Any) -> t.MutableMapping[str, t.Any]:
        """The instance's ``environ``."""
        return instance.environ  # type: ignore[no-any-return]


class header_property(_MappingProperty[_V]):
    """An attribute backed by one header of the instance's ``headers``.

    ``header_property("X-Request-Id")`` on a response subclass reads and
    sets that header; deleting the attribute removes the header.
    """

    def lookup(self, instance: t.Any) -> t.MutableMapping[str, t.Any]:
        """The instance's ``headers``."""
        return instance.headers  # type: ignore[no-any-return]


def find_modules(
    import_path: str, include_packages: bool = False, recursive: bool = False
) -> Iterator[str]:
    """Yield the dotted names of the modules in the package ``import_path``.

    The package is imported (not its modules). Subpackages are yielded only
    with ``include_packages`` and searched only with ``recursive``. A name
    that is not a package raises :class:`ValueError`.
    """
    package = import_string(import_path)
    path = getattr(package, "__path__", None)
    if path is None:
        raise ValueError(f"{import_path!r} is a module, not a package: pass a package name.")
    for info in pkgutil.iter_modules(path):
        name = f"{package.__name__}.{info.name}"
        if not info.ispkg:
            yield name
            continue
        if include_packages:
            yield name
        if recursive:
            yield from find_modules(name, include_packages, True)
