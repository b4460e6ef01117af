"""Helpers for views: URLs, redirects, aborting, responses, files, streaming (layer 4)."""

from __future__ import annotations

import os
import sys
import typing as t
from collections.abc import Callable, Iterator
from functools import update_wrapper

from . import exceptions as _exceptions
from . import signals
from . import utils as _utils
from .globals import _cv_app, _cv_request, current_app, request, session
from .wrappers import Response
from .wrappers import Response as _Response

if t.TYPE_CHECKING:  # pragma: no cover
    from .ctx import RequestContext

__all__ = [
    "abort",
    "flash",
    "get_debug_flag",
    "get_flashed_messages",
    "get_load_dotenv",
    "get_template_attribute",
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


class _SyncContextStream(t.Generic[G]):
    """A sync body iterator that runs each step inside its request context."""

    __slots__ = ("_ctx", "_done", "_iterator")

    def __init__(self, ctx: RequestContext, iterator: Iterator[G]) -> None:
        self._ctx = ctx
        self._iterator = iterator
        self._done = False
        ctx._hold()

    def __iter__(self) -> _SyncContextStream[G]:
        return self

    def __next__(self) -> G:
        if self._done:
            raise StopIteration
        try:
            with self._ctx._activated():
                return next(self._iterator)
        except StopIteration:
            self.close()
            raise
        except BaseException as exc:
            self.close(exc)
            raise

    def close(self, error: BaseException | None = None) -> None:
        """Close the wrapped iterator and let the request tear down."""
        if self._done:
            return
        self._done = True
        try:
            close = getattr(self._iterator, "close", None)
            if close is not None:
                with self._ctx._activated():
                    close()
        finally:
            self._ctx._release(error)


class _AsyncContextStream(t.Generic[G]):
    """The async twin of :class:`_SyncContextStream` (async generators)."""

    __slots__ = ("_ctx", "_done", "_iterator")

    def __init__(self, ctx: RequestContext, iterator: t.AsyncIterator[G]) -> None:
        self._ctx = ctx
        self._iterator = iterator
        self._done = False
        ctx._hold()

    def __aiter__(self) -> _AsyncContextStream[G]:
        return self

    async def __anext__(self) -> G:
        if self._done:
            raise StopAsyncIteration
        try:
            with self._ctx._activated():
                return await self._iterator.__anext__()
        except StopAsyncIteration:
            await self.aclose()
            raise
        except BaseException as exc:
            # The server stopped waiting (the client left) is not an error of
            # the request either. PERF: asyncio is not imported for the check
            # (it is the largest part of ``import kolben`` a WSGI app need not
            # pay for): only a program that has loaded it can be cancelled by it.
            asyncio = sys.modules.get("asyncio")
            if asyncio is not None and isinstance(exc, asyncio.CancelledError):
                await self.aclose()
            else:
                await self.aclose(exc)
            raise

    async def aclose(self, error: BaseException | None = None) -> None:
        """Close the wrapped iterator and let the request tear down."""
        if self._done:
            return
        self._done = True
        try:
            aclose = getattr(self._iterator, "aclose", None)
            if aclose is not None:
                with self._ctx._activated():
                    await aclose()
        finally:
            await self._ctx._release_async(error)


def stream_with_context(generator_or_function: t.Any) -> t.Any:
    """Keep the request context for a streamed body, sync or async.

    Wrap a generator (or decorate a generator function) that reads
    ``request``, ``session`` or ``g`` while the response streams. The
    request's teardown then waits until the stream ends or is closed. Works
    for async generators and under ASGI too (Flask's version does not).
    """
    if callable(generator_or_function) and not (
        isinstance(generator_or_function, Iterator) or hasattr(generator_or_function, "__aiter__")
    ):
        func = generator_or_function

        def decorator(*args: t.Any, **kwargs: t.Any) -> t.Any:
            return stream_with_context(func(*args, **kwargs))

        return update_wrapper(decorator, func)

    ctx: RequestContext | None = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'stream_with_context' can only be used while a request is being handled;"
            " call it from inside a view."
        )
    if hasattr(generator_or_function, "__aiter__"):
        return _AsyncContextStream(ctx, generator_or_function.__aiter__())
    return _SyncContextStream(ctx, iter(generator_or_function))


# -- flashing and templates ------------------------------------------------------------


def flash(message: str, category: str = "message") -> None:
    """Store a one-time message for the next page (usually after a redirect).

    The message is appended to the session (key ``"_flashes"``), so it needs
    a working session (a ``SECRET_KEY``); :func:`get_flashed_messages`
    returns and removes it. ``category`` is free text, by convention
    ``"message"``, ``"error"``, ``"info"`` or ``"warning"``. Sends the
    ``message_flashed`` signal.
    """
    # Re-assigning the list (not appending in place) marks the session
    # modified, so the cookie is written.
    flashes = session.get("_flashes", [])
    flashes.append((category, message))
    session["_flashes"] = flashes
    if signals.in_use and signals.message_flashed.receivers:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        signals.message_flashed.send(
            app, _async_wrapper=app.ensure_sync, message=message, category=category
        )


def get_flashed_messages(
    with_categories: bool = False, category_filter: t.Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]:
    """Return the flashed messages, removing them from the session.

    The first call in a request takes them out of the session; later calls
    in the same request return the same messages. With ``with_categories``
    the items are ``(category, message)`` pairs. ``category_filter`` keeps
    only the messages of those categories.
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'get_flashed_messages' needs an active request: flashed messages live"
            " in the session of the request being handled."
        )
    flashes = ctx.flashes
    if flashes is None:
        # PERF: "in" first, so a request without flashes never writes the session.
        flashes = session.pop("_flashes") if "_flashes" in session else []
        ctx.flashes = flashes
    if category_filter:
        wanted = set(category_filter)
        flashes = [item for item in flashes if item[0] in wanted]
    if with_categories:
        return list(flashes)
    return [item[1] for item in flashes]


def get_template_attribute(template_name: str, attribute: str) -> t.Any:
    """Return a macro or variable a template defines, to call from Python.

    ``get_template_attribute("_macros.html", "hello")("World")`` calls the
    ``hello`` macro of ``_macros.html``. Needs an app context.
    """
    template = current_app.jinja_env.get_template(template_name)
    return getattr(template.module, attribute)
