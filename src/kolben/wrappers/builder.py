"""Build PEP 3333 ``environ`` dicts for tests (layer 2).

:class:`EnvironBuilder` turns the arguments a test would think in (a path, a
query, a form, some files, a JSON body, headers) into the ``environ`` dict a
WSGI server would have produced for that request. Uploads are encoded by
:mod:`kolben.wrappers.multipart_encode`, whose :func:`encode_multipart` and
:func:`stream_encode_multipart` are re-exported here.

:mod:`kolben.testing` re-exports everything here with ``request_class`` set;
this module cannot name the request class itself because
:mod:`kolben.wrappers.request` imports it (``Request.from_values``).
"""

from __future__ import annotations

import io
import json as _json
import sys
import typing as t
from base64 import b64encode
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from urllib.parse import quote, unquote_to_bytes, urlsplit, urlunsplit

from .._imports import LazyModule
from ..datastructures import FileStorage, Headers, MultiDict
from ..http import parse_options_header
from ..urls import _url_encode, iri_to_uri
from .multipart_encode import (
    _file_from_value,
    _is_file_value,
    _iter_pairs,
    _make_file,
    encode_multipart,
    stream_encode_multipart,
)

if t.TYPE_CHECKING:  # pragma: no cover
    import importlib.metadata as _metadata
else:
    # PERF: importlib.metadata (about 28M instructions of ``import kolben``,
    # bench/instructions.py --imports) only serves the default User-Agent
    # of test requests: it loads when the first one is built.
    _metadata = LazyModule("importlib.metadata")

__all__ = ["EnvironBuilder", "create_environ", "encode_multipart", "stream_encode_multipart"]

# Characters a path keeps as they are in its URI form: RFC 3986 §3.3 ``pchar``
# plus "/". ``_PATH_SAFE`` also keeps "%" so escapes already in a path survive.
_RAW_PATH_SAFE = "/:@!$&'()*+,;=~"
_PATH_SAFE = _RAW_PATH_SAFE + "%"
# Media types that get ``; charset=utf-8`` when set through ``mimetype``.
_CHARSET_TYPES = frozenset(
    {"application/ecmascript", "application/javascript", "application/xml", "application/xml-dtd"}
)
_FORM_URLENCODED = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"


@lru_cache(maxsize=1)
def _user_agent() -> str:
    """The default ``User-Agent``: ``Kolben/<installed version>``."""
    try:
        return f"Kolben/{_metadata.version('kolben')}"
    except _metadata.PackageNotFoundError:
        return "Kolben/dev"


def _with_charset(mimetype: str) -> str:
    """Add ``; charset=utf-8`` to text-like media types, as ``Response`` does."""
    if (
        mimetype.startswith("text/")
        or mimetype in _CHARSET_TYPES
        or (mimetype.startswith("application/") and mimetype.endswith("+xml"))
    ) and "charset" not in mimetype:
        return f"{mimetype}; charset=utf-8"
    return mimetype


def _path_to_uri(path: str) -> str:
    """Percent-encode a path (UTF-8), keeping the escapes already in it."""
    return quote(path, safe=_PATH_SAFE)


def _uri_to_wsgi(value: str) -> str:
    """A percent-encoded URI part as PEP 3333 wants it: raw bytes as latin-1 text.

    Escapes become the bytes they stand for (``%FF`` stays byte 0xFF, as a
    real server would pass it), then the bytes are mapped one-to-one to str.
    """
    return unquote_to_bytes(value).decode("latin-1")


def _wsgi_to_uri(value: str) -> str:
    """The inverse of :func:`_uri_to_wsgi`: escape every byte a URI path cannot hold."""
    return quote(value.encode("latin-1"), safe=_RAW_PATH_SAFE)


def _wsgi_query_to_text(value: str) -> str:
    """A PEP 3333 ``QUERY_STRING`` as text that encodes back to the same bytes."""
    raw = value.encode("latin-1")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Not UTF-8: escape the non-ASCII bytes so nothing is lost.
        return quote(raw, safe="".join(chr(i) for i in range(33, 127)))


class _FileMultiDict(MultiDict[str, FileStorage]):
    """A MultiDict of uploads with Werkzeug's ``add_file`` helper."""

    def add_file(
        self,
        name: str,
        file: t.Any,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> None:
        """Add an upload: a file object or a path, with optional name and type."""
        self.add(name, _make_file(name, file, filename, content_type))


# -- the builder ------------------------------------------------------------------


class EnvironBuilder:
    """Describe a request in test-friendly terms and build its WSGI environ.

    ``path`` may carry a query string, or be a full URL whose scheme and host
    are then used. ``base_url`` gives the scheme, host and script root
    (default ``http://localhost/``). ``query_string`` is a string or a
    mapping/MultiDict (list values repeat the key). ``data`` is either a raw
    body (str, bytes or a file to read) or a mapping of form fields, where any
    upload (a file object, ``(file, filename[, content_type])`` or a
    FileStorage) switches the encoding to ``multipart/form-data``. ``json``
    is dumped with :attr:`json_dumps` and cannot be combined with ``data``.
    ``auth`` is a ``(username, password)`` pair for Basic auth, or an object
    with ``to_header()``. ``environ_base`` fills the environ before the
    builder's own keys; ``environ_overrides`` is applied last.

    Call :meth:`close` when done; it closes the uploads.
    """

    #: The ``SERVER_PROTOCOL`` of built requests.
    server_protocol: str = "HTTP/1.1"
    #: The ``wsgi.version`` of built requests.
    wsgi_version: tuple[int, int] = (1, 0)
    #: The class :meth:`get_request` builds; set by :mod:`kolben.testing`.
    request_class: t.ClassVar[type[t.Any] | None] = None
    #: How ``json=`` bodies are serialised; override per class or instance.
    json_dumps: Callable[..., str] = staticmethod(_json.dumps)

    # Set through the ``base_url`` property.
    url_scheme: str
    host: str
    script_root: str

    def __init__(
        self,
        path: str = "/",
        base_url: str | None = None,
        query_string: Mapping[str, t.Any] | str | None = None,
        method: str = "GET",
        input_stream: t.IO[bytes] | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        errors_stream: t.IO[str] | None = None,
        multithread: bool = False,
        multiprocess: bool = False,
        run_once: bool = False,
        headers: Headers | Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        data: Mapping[str, t.Any] | str | bytes | t.IO[bytes] | None = None,
        environ_base: Mapping[str, t.Any] | None = None,
        environ_overrides: Mapping[str, t.Any] | None = None,
        mimetype: str | None = None,
        json: t.Any = None,
        auth: tuple[str, str] | t.Any = None,
    ) -> None:
        if "://" in path and urlsplit(path).netloc:
            url = urlsplit(path)
            raw_path, path_query = url.path, url.query
            if base_url is None:
                base_url = urlunsplit((url.scheme, url.netloc, "", "", ""))
            else:
                root = urlsplit(base_url).path
                base_url = urlunsplit((url.scheme, url.netloc, root, "", ""))
            has_query = "?" in path.partition("#")[0]
        else:
            raw_path = path.partition("#")[0]
            raw_path, sep, path_query = raw_path.partition("?")
            has_query = bool(sep)
        if has_query and query_string is not None:
            raise ValueError(
                "The query string was given twice: in 'path' and as 'query_string'."
                " Pass only one of them."
            )
        self.path = _path_to_uri(raw_path)
        self.base_url = base_url

        self._query_string: str | None = None
        self._args: MultiDict[str, t.Any] | None = None
        if has_query:
            self._query_string = path_query
        elif isinstance(query_string, str):
            self._query_string = query_string
        elif query_string is not None:
            self._args = MultiDict(list(_iter_pairs(query_string)))

        self.method = method.upper()
        self.headers = Headers(headers) if headers is not None else Headers()
        if content_type is not None:
            self.content_type = content_type
        self.errors_stream: t.Any = sys.stderr if errors_stream is None else errors_stream
        self.multithread = multithread
        self.multiprocess = multiprocess
        self.run_once = run_once
        self.environ_base = environ_base
        self.environ_overrides = environ_overrides
        self._form: MultiDict[str, t.Any] | None = None
        self._files: _FileMultiDict | None = None
        self._input_stream: t.IO[bytes] | None = None
        self.input_stream = input_stream
        if content_length is not None:
            self.content_length = content_length
        self.closed = False

        if auth is not None:
            self.headers.set("Authorization", self._auth_header(auth))
        if json is not None:
            if data is not None:
                raise TypeError("Pass either 'json' or 'data', not both.")
            data = self.json_dumps(json)
            if self.content_type is None:
                self.content_type = "application/json"
        if data:
            self._set_data(data)
        if mimetype is not None:
            self.mimetype = mimetype

    @staticmethod
    def _auth_header(auth: t.Any) -> str:
        """The Authorization header for ``(user, password)`` or an auth object."""
        if isinstance(auth, (tuple, list)):
            if len(auth) != 2:
                raise TypeError("'auth' must be a (username, password) pair.")
            user, password = auth
            token = b64encode(f"{user}:{password}".encode()).decode("ascii")
            return f"Basic {token}"
        if hasattr(auth, "to_header"):
            return str(auth.to_header())
        raise TypeError(
            "'auth' must be a (username, password) pair or an Authorization object,"
            f" not {type(auth).__name__}."
        )

    def _set_data(self, data: t.Any) -> None:
        """Store ``data`` as a raw body or as form fields and uploads."""
        if self._input_stream is not None:
            raise TypeError("Pass either 'input_stream' or 'data', not both.")
        if hasattr(data, "read"):
            data = data.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        if isinstance(data, (bytes, bytearray)):
            self.input_stream = io.BytesIO(data)
            if self.content_length is None:
                self.content_length = len(data)
            return
        for key, value in _iter_pairs(data):
            if _is_file_value(value):
                self.files.add(key, _file_from_value(key, value))
            else:
                self.form.add(key, value)

    @classmethod
    def from_environ(cls, environ: Mapping[str, t.Any], **kwargs: t.Any) -> EnvironBuilder:
        """A builder that reproduces ``environ``; ``kwargs`` replace any argument.

        Only the request itself is carried over (method, URL, headers, body
        stream, WSGI flags), not other keys servers or apps put in the dict.
        """
        headers = Headers()
        for key, value in environ.items():
            if key.startswith("HTTP_") and key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                headers.add(key[5:].replace("_", "-").title(), value)
        scheme = environ.get("wsgi.url_scheme", "http")
        host = headers.get("Host")
        headers.remove("Host")
        if not host:
            host = environ.get("SERVER_NAME", "localhost")
            port = str(environ.get("SERVER_PORT", ""))
            if port and port != {"http": "80", "https": "443"}.get(scheme):
                host = f"{host}:{port}"
        script_name = _wsgi_to_uri(environ.get("SCRIPT_NAME", ""))
        content_length = str(environ.get("CONTENT_LENGTH") or "")
        out: dict[str, t.Any] = {
            "path": _wsgi_to_uri(environ.get("PATH_INFO", "")),
            "base_url": urlunsplit((scheme, host, script_name, "", "")),
            "query_string": _wsgi_query_to_text(environ.get("QUERY_STRING", "")),
            "method": environ.get("REQUEST_METHOD", "GET"),
            "input_stream": environ.get("wsgi.input"),
            "content_type": environ.get("CONTENT_TYPE") or None,
            "content_length": int(content_length) if content_length.isdigit() else None,
            "errors_stream": environ.get("wsgi.errors"),
            "multithread": environ.get("wsgi.multithread", False),
            "multiprocess": environ.get("wsgi.multiprocess", False),
            "run_once": environ.get("wsgi.run_once", False),
            "headers": headers,
        }
        out.update(kwargs)
        return cls(**out)

    # -- URL parts -----------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Scheme, host and script root as one URL, always ending in ``/``."""
        return urlunsplit((self.url_scheme, self.host, self.script_root, "", "")).rstrip("/") + "/"

    @base_url.setter
    def base_url(self, value: str | None) -> None:
        if value is None:
            self.url_scheme, self.host, self.script_root = "http", "localhost", ""
            return
        url = urlsplit(iri_to_uri(value))
        if url.query or url.fragment:
            raise ValueError("'base_url' must not contain a query string or a fragment.")
        if not url.scheme or not url.netloc:
            raise ValueError(
                f"'base_url' must be an absolute URL such as 'http://localhost/', not {value!r}."
            )
        self.url_scheme = url.scheme
        self.host = url.netloc
        self.script_root = url.path.rstrip("/")

    @property
    def server_name(self) -> str:
        """The host without its port (IPv6 literals keep their brackets)."""
        if self.host.startswith("["):
            return self.host.partition("]")[0] + "]"
        return self.host.partition(":")[0]

    @property
    def server_port(self) -> int:
        """The port from the host, else the scheme's default (443 or 80)."""
        rest = self.host.rpartition("]")[2] if self.host.startswith("[") else self.host
        _, sep, port = rest.partition(":")
        if sep and port.isdigit():
            return int(port)
        return 443 if self.url_scheme in ("https", "wss") else 80

    @property
    def query_string(self) -> str:
        """The query string: the one given, or :attr:`args` encoded."""
        if self._query_string is not None:
            return self._query_string
        if self._args is None:
            return ""
        return _url_encode(list(self._args.items(multi=True)))

    @query_string.setter
    def query_string(self, value: str | None) -> None:
        self._query_string = value
        self._args = None

    @property
    def args(self) -> MultiDict[str, t.Any]:
        """The query arguments as a MultiDict (unavailable once a raw string is set)."""
        if self._query_string is not None:
            raise AttributeError("A raw query string is set; 'args' is not available.")
        if self._args is None:
            self._args = MultiDict()
        return self._args

    @args.setter
    def args(self, value: MultiDict[str, t.Any] | None) -> None:
        self._query_string = None
        self._args = value

    # -- body ------------------------------------------------------------------------

    @property
    def input_stream(self) -> t.IO[bytes] | None:
        """A raw body stream; setting one discards :attr:`form` and :attr:`files`."""
        return self._input_stream

    @input_stream.setter
    def input_stream(self, value: t.IO[bytes] | None) -> None:
        self._input_stream = value
        self._form = None
        self._files = None

    @property
    def form(self) -> MultiDict[str, t.Any]:
        """Form fields to encode as the body."""
        if self._input_stream is not None:
            raise AttributeError("An input stream is set; 'form' is not available.")
        if self._form is None:
            self._form = MultiDict()
        return self._form

    @form.setter
    def form(self, value: MultiDict[str, t.Any]) -> None:
        self._input_stream = None
        self._form = value

    @property
    def files(self) -> _FileMultiDict:
        """Uploads to encode as ``multipart/form-data``; has ``add_file()``."""
        if self._input_stream is not None:
            raise AttributeError("An input stream is set; 'files' is not available.")
        if self._files is None:
            self._files = _FileMultiDict()
        return self._files

    @files.setter
    def files(self, value: MultiDict[str, FileStorage]) -> None:
        self._input_stream = None
        files = _FileMultiDict()
        for key, upload in value.items(multi=True):
            files.add(key, upload)
        self._files = files

    @property
    def content_type(self) -> str | None:
        """The Content-Type header, or the type implied by form data and uploads."""
        value = self.headers.get("Content-Type")
        if value is None and self._input_stream is None:
            if self._files:
                return _MULTIPART
            if self._form:
                return _FORM_URLENCODED
        return value

    @content_type.setter
    def content_type(self, value: str | None) -> None:
        if value is None:
            self.headers.remove("Content-Type")
        else:
            self.headers.set("Content-Type", value)

    @property
    def mimetype(self) -> str | None:
        """The media type of :attr:`content_type`, lower-cased, without parameters."""
        value = self.content_type
        return value.partition(";")[0].strip().lower() if value else None

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self.content_type = _with_charset(value)

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The parameters of :attr:`content_type` (a copy; set ``content_type`` to change)."""
        value = self.content_type
        return dict(parse_options_header(value)[1]) if value else {}

    @property
    def content_length(self) -> int | None:
        """The Content-Length header as an int, or None."""
        return self.headers.get("Content-Length", type=int)

    @content_length.setter
    def content_length(self, value: int | None) -> None:
        if value is None:
            self.headers.remove("Content-Length")
        else:
            self.headers.set("Content-Length", str(value))

    # -- output ----------------------------------------------------------------------

    def _body(self) -> tuple[t.IO[bytes], int | None, str | None]:
        """The body stream, its length and the Content-Type to send with it."""
        content_type = self.content_type
        stream = self._input_stream
        if stream is not None:
            try:
                start = stream.tell()
                stream.seek(0, io.SEEK_END)
                end = stream.tell()
                stream.seek(start)
            except (AttributeError, OSError, ValueError):
                return stream, self.content_length, content_type
            return stream, end - start, content_type
        mimetype = self.mimetype
        if mimetype == _MULTIPART:
            values: list[tuple[str, t.Any]] = list(self.form.items(multi=True))
            values.extend(self.files.items(multi=True))
            # In memory: nothing would close a temporary file, and test
            # bodies are small.
            body, length, boundary = stream_encode_multipart(values, use_tempfile=False)
            return body, length, f"{_MULTIPART}; boundary={boundary}"
        if mimetype == _FORM_URLENCODED:
            encoded = _url_encode(list(self.form.items(multi=True))).encode("ascii")
            return io.BytesIO(encoded), len(encoded), content_type
        return io.BytesIO(), self.content_length, content_type

    def get_environ(self) -> dict[str, t.Any]:
        """Build the WSGI environ for this request (a new dict each call)."""
        stream, content_length, content_type = self._body()
        result: dict[str, t.Any] = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": _user_agent(),
        }
        if self.environ_base:
            result.update(self.environ_base)
        query = self.query_string
        request_uri = self.script_root + self.path + (f"?{query}" if query else "")
        result.update(
            {
                "REQUEST_METHOD": self.method,
                "SCRIPT_NAME": _uri_to_wsgi(self.script_root),
                "PATH_INFO": _uri_to_wsgi(self.path),
                "QUERY_STRING": query.encode("utf-8").decode("latin-1"),
                "REQUEST_URI": request_uri.encode("utf-8").decode("latin-1"),
                "RAW_URI": request_uri.encode("utf-8").decode("latin-1"),
                "SERVER_NAME": self.server_name,
                "SERVER_PORT": str(self.server_port),
                "HTTP_HOST": self.host,
                "SERVER_PROTOCOL": self.server_protocol,
                "wsgi.version": self.wsgi_version,
                "wsgi.url_scheme": self.url_scheme,
                "wsgi.input": stream,
                "wsgi.errors": self.errors_stream,
                "wsgi.multithread": self.multithread,
                "wsgi.multiprocess": self.multiprocess,
                "wsgi.run_once": self.run_once,
            }
        )
        if content_type is not None:
            result["CONTENT_TYPE"] = content_type
        if content_length is not None:
            result["CONTENT_LENGTH"] = str(content_length)
        joined: dict[str, list[str]] = {}
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                joined.setdefault(key, []).append(value)
        for key, values in joined.items():
            # RFC 9110 §5.3 joins repeated fields with commas; the Cookie
            # field uses "; " instead (RFC 6265 §5.4).
            result[key] = ("; " if key == "HTTP_COOKIE" else ", ").join(values)
        if self.environ_overrides:
            result.update(self.environ_overrides)
        return result

    def get_request(self, cls: type[t.Any] | None = None) -> t.Any:
        """Build a request object (``cls``, else :attr:`request_class`) for this environ."""
        if cls is None:
            cls = self.request_class
        if cls is None:
            raise TypeError(
                "No request class: pass one to get_request(cls), or use"
                " kolben.testing.EnvironBuilder, which builds kolben.wrappers.Request."
            )
        return cls(self.get_environ())

    def close(self) -> None:
        """Close the uploads (files opened from paths and file objects alike)."""
        if self.closed:
            return
        for upload in (self._files or _FileMultiDict()).values():
            try:
                upload.close()
            except Exception:
                pass  # closing is best effort
        self.closed = True


def create_environ(*args: t.Any, **kwargs: t.Any) -> dict[str, t.Any]:
    """Build a WSGI environ from :class:`EnvironBuilder` arguments."""
    builder = EnvironBuilder(*args, **kwargs)
    try:
        return builder.get_environ()
    finally:
        builder.close()
