"""Helpers for views: URLs, redirects, aborting, responses, files, streaming (layer 4)."""

from __future__ import annotations

import os
import typing as t
from collections.abc import Callable, Iterator
from functools import update_wrapper

from . import exceptions as _exceptions
from . import utils as _utils
from .globals import _cv_app, _cv_request, current_app, request
from .wrappers import Response
from .wrappers import Response as _Response

if t.TYPE_CHECKING:  # pragma: no cover
    from .ctx import RequestContext

__all__ = [
    "abort",
    "get_debug_flag",
    "get_load_dotenv",
    "make_response",
    "redirect",
    "send_file",
    "send_from_directory",
    "stream_with_context",
    "url_for",
]

# Exactly Flask's words (API.md section 18): "off" is not among them.
_FALSE_WORDS = {"0", "false", "no", ""}


def get_debug_flag() -> bool:
    """Whether ``KOLBEN_DEBUG`` (or, for porting, ``FLASK_DEBUG``) turns debug on."""
    value = os.environ.get("KOLBEN_DEBUG")
    if value is None:
        value = os.environ.get("FLASK_DEBUG")
    return value is not None and value.lower() not in _FALSE_WORDS


def get_load_dotenv(default: bool = True) -> bool:
    """Whether to load ``.env`` files (``KOLBEN_SKIP_DOTENV``/``FLASK_SKIP_DOTENV`` say no)."""
    value = os.environ.get("KOLBEN_SKIP_DOTENV", os.environ.get("FLASK_SKIP_DOTENV"))
    if not value:
        return default
    return value.lower() in _FALSE_WORDS


def url_for(
    endpoint: str,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: t.Any,
) -> str:
    """Build the URL of ``endpoint`` with ``values`` for its variables.

    Unknown values become the query string. Inside a request the URL is
    relative unless ``_external=True``; outside one it needs ``SERVER_NAME``.
    """
    return current_app.url_for(
        endpoint,
        _anchor=_anchor,
        _method=_method,
        _scheme=_scheme,
        _external=_external,
        **values,
    )


def redirect(
    location: str,
    code: int = 302,
    Response: type[_Response] | None = None,
) -> _Response:
    """A redirect to ``location``, using the app's response class when one is active."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        return app_ctx.app.redirect(location, code=code)
    return _utils.redirect(location, code, Response=Response)


def abort(code: int | Response, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
    """Raise the HTTP exception for ``code`` (``abort(404)``), or end with a response."""
    app_ctx = _cv_app.get(None)
    if app_ctx is not None:
        app_ctx.app.aborter(code, *args, **kwargs)
    _exceptions.abort(code, *args, **kwargs)


def make_response(*args: t.Any) -> Response:
    """Turn view-style return values into a response you can change before returning."""
    if not args:
        return current_app.response_class()
    if len(args) == 1:
        args = args[0]
    return current_app.make_response(args)


def send_file(
    path_or_file: os.PathLike[str] | str | t.IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: t.Any = None,
    max_age: int | Callable[[str | None], int | None] | None = None,
) -> Response:
    """Send a file to the client (see :func:`kolben.utils.send_file`).

    Relative paths are relative to the app's root path; ``max_age=None``
    uses :meth:`~kolben.Kolben.get_send_file_max_age`.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if max_age is None:
        max_age = app.get_send_file_max_age
    return _utils.send_file(
        path_or_file,
        request.environ,
        mimetype=mimetype,
        as_attachment=as_attachment,
        download_name=download_name,
        conditional=conditional,
        etag=etag,
        last_modified=last_modified,
        max_age=max_age,
        use_x_sendfile=app.config["USE_X_SENDFILE"],
        response_class=app.response_class,
        _root_path=app.root_path,
    )


def send_from_directory(
    directory: os.PathLike[str] | str, path: os.PathLike[str] | str, **kwargs: t.Any
) -> Response:
    """Send ``path`` from ``directory``; traversal, absolute paths and missing files are 404."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if kwargs.get("max_age") is None:
        kwargs["max_age"] = app.get_send_file_max_age
    kwargs.setdefault("use_x_sendfile", app.config["USE_X_SENDFILE"])
    kwargs.setdefault("response_class", app.response_class)
    return _utils.send_from_directory(
        directory, path, request.environ, _root_path=app.root_path, **kwargs
    )


G = t.TypeVar("G")


def stream_with_context(
    generator_or_function: Iterator[G] | Callable[..., Iterator[G]],
) -> Iterator[G]:
    """Keep the request context pushed while a streamed body is generated.

    Use it on a generator (or as a decorator of a generator function) that
    reads ``request``, ``session`` or ``g`` while the response streams.
    """
    if callable(generator_or_function) and not isinstance(generator_or_function, Iterator):
        func = generator_or_function

        def decorator(*args: t.Any, **kwargs: t.Any) -> Iterator[G]:
            return stream_with_context(func(*args, **kwargs))

        return t.cast(Iterator[G], update_wrapper(decorator, func))

    ctx: RequestContext | None = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'stream_with_context' can only be used while a request is being handled;"
            " call it from inside a view."
        )
    gen = iter(generator_or_function)

    def generator() -> Iterator[G]:
        # Pushing the same context again defers its teardown: the view's
        # pop is then not the outermost one, the end of the stream is.
        with ctx:
            yield t.cast(G, None)
            try:
                yield from gen
            finally:
                close = getattr(gen, "close", None)
                if close is not None:
                    close()

    wrapped = generator()
    next(wrapped)  # enter the context now, while the request is still active
    return wrapped
