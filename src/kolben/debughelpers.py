"""Errors that explain common mistakes, raised in debug mode only (layer 4).

Two mistakes look like mysterious 400s or lost data without help:

- A form without ``enctype="multipart/form-data"`` sends only the *names*
  of the chosen files, as text fields. In debug mode, reading such a name
  from ``request.files`` raises :class:`DebugFilesKeyError`, which says so,
  instead of a bare 400.
- A routing redirect that is not a 307 or 308 makes browsers repeat a POST
  as a GET and drop its body. In debug mode, such a redirect of a request
  with a body raises :class:`FormDataRoutingRedirect` instead.

Importing this module installs the ``request.files`` hint into
:class:`kolben.wrappers.Request` (layer 2 may not import this layer, so the
hook is handed down, as ``kolben.exceptions`` receives its response class).
"""

from __future__ import annotations

import typing as t
import weakref

from .datastructures import FileStorage, MultiDict
from .templating import explain_template_loading_attempts
from .wrappers import Request

__all__ = [
    "DebugFilesKeyError",
    "FormDataRoutingRedirect",
    "UnexpectedUnicodeError",
    "attach_enctype_error_multidict",
    "explain_template_loading_attempts",
]


class UnexpectedUnicodeError(AssertionError, UnicodeError):
    """Raised where Kolben needs text but was given undecodable bytes."""


class DebugFilesKeyError(KeyError, AssertionError):
    """``request.files[key]`` is missing because the form was not multipart.

    The browser sent the file's name as a text field (it is in
    ``request.form``) and not its content. Raised in debug mode instead of
    the usual :class:`~kolben.exceptions.BadRequestKeyError`.
    """

    def __init__(self, request: Request, key: str) -> None:
        names = ", ".join(repr(name) for name in request.form.getlist(key))
        self.msg = (
            f"The view read request.files[{key!r}], but the request carried no files:"
            f" its content type is {request.mimetype!r}, not 'multipart/form-data',"
            " so the browser sent only the names of the chosen files, as text fields."
            ' Add enctype="multipart/form-data" to the <form> tag to upload the files'
            f" themselves. The field {key!r} held: {names}."
        )
        super().__init__(self.msg)

    def __str__(self) -> str:
        return self.msg


class FormDataRoutingRedirect(AssertionError):
    """A routing redirect other than 307/308 would make the browser drop the body.

    Raised in debug mode when the router answers a POST (or another method
    with a body) with such a redirect, typically to add a trailing slash.
    """

    def __init__(self, request: Request) -> None:
        exc = request.routing_exception
        new_url = getattr(exc, "new_url", None)
        message = [
            f"A request was sent to {request.url!r}, but routing issued a redirect"
            f" to the canonical URL {new_url!r}."
        ]
        if new_url is not None and f"{request.base_url}/" == new_url.partition("?")[0]:
            message.append(
                " The URL was defined with a trailing slash; Kolben redirects to it"
                " when it is requested without one."
            )
        message.append(
            " Send the request to the canonical URL, or use a 307 or 308 redirect:"
            " browsers repeat other redirects as GET and drop the form data."
            " This check runs in debug mode only."
        )
        super().__init__("".join(message))


# One subclass per storage class, made on first use (debug mode only).
_HINTING_CLASSES: dict[type[t.Any], type[t.Any]] = {}


def _hinting_class(base: type[MultiDict[str, FileStorage]]) -> type[t.Any]:
    cls = _HINTING_CLASSES.get(base)
    if cls is None:

        class EnctypeHintFiles(base):  # type: ignore[valid-type,misc]
            """An empty ``files`` whose missing keys explain the missing ``enctype``."""

            __slots__ = ("_request",)

            def __getitem__(self, key: str) -> t.Any:
                try:
                    return super().__getitem__(key)
                except KeyError as exc:
                    request = self._request()
                    if request is None or key not in request.form:
                        raise
                    raise DebugFilesKeyError(request, key).with_traceback(
                        exc.__traceback__
                    ) from None

        EnctypeHintFiles.__name__ = base.__name__
        EnctypeHintFiles.__qualname__ = base.__qualname__
        EnctypeHintFiles.__module__ = base.__module__
        cls = _HINTING_CLASSES[base] = EnctypeHintFiles
    return cls


def attach_enctype_error_multidict(request: Request) -> MultiDict[str, FileStorage]:
    """An empty ``files`` for ``request`` whose missing keys raise :class:`DebugFilesKeyError`.

    ``Request`` calls it in debug mode for a request that is not multipart
    (this module installs it); it holds the request weakly.
    """
    files = _hinting_class(request.parameter_storage_class)()
    files._request = weakref.ref(request)
    return t.cast(MultiDict[str, FileStorage], files)


Request._debug_files_hook = attach_enctype_error_multidict
