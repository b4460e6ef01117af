"""The debug-mode ``request.files`` that explains a missing ``enctype`` (layer 2).

A form without ``enctype="multipart/form-data"`` sends only the *names* of
the chosen files, as text fields. When the request's settings say
``DEBUG``, :class:`~kolben.wrappers.Request` hands out an empty ``files``
whose missing keys raise :class:`DebugFilesKeyError`, which says so,
instead of a bare 400. The request already receives ``DEBUG`` through
``request.settings``, so the whole check lives here, beside the body
parsing; :mod:`kolben.debughelpers` re-exports both public names (Flask's
``flask.debughelpers``).
"""

from __future__ import annotations

import typing as t
import weakref

from ..datastructures import FileStorage, MultiDict

if t.TYPE_CHECKING:
    from .request_body import RequestBody

__all__ = ["DebugFilesKeyError", "attach_enctype_error_multidict"]


class DebugFilesKeyError(KeyError, AssertionError):
    """``request.files[key]`` is missing because the form was not multipart.

    The browser sent the file's name as a text field (it is in
    ``request.form``) and not its content. Raised in debug mode instead of
    the usual :class:`~kolben.exceptions.BadRequestKeyError`.
    """

    def __init__(self, request: RequestBody, key: str) -> None:
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

        # The hint is an implementation detail: reprs and isinstance checks
        # see the storage class the request was configured with.
        EnctypeHintFiles.__name__ = base.__name__
        EnctypeHintFiles.__qualname__ = base.__qualname__
        EnctypeHintFiles.__module__ = base.__module__
        cls = _HINTING_CLASSES[base] = EnctypeHintFiles
    return cls


def attach_enctype_error_multidict(request: RequestBody) -> MultiDict[str, FileStorage]:
    """An empty ``files`` for ``request`` whose missing keys raise :class:`DebugFilesKeyError`.

    ``Request`` uses it in debug mode for a request that is not multipart;
    it holds the request weakly, so the request is not kept alive by it.
    """
    files = _hinting_class(request.parameter_storage_class)()
    files._request = weakref.ref(request)
    return t.cast(MultiDict[str, FileStorage], files)
