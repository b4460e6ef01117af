"""Errors that explain common mistakes, raised in debug mode only (layer 4).

Two mistakes look like mysterious 400s or lost data without help:

- A form without ``enctype="multipart/form-data"`` sends only the *names*
  of the chosen files, as text fields. In debug mode, reading such a name
  from ``request.files`` raises :class:`DebugFilesKeyError`, which says so,
  instead of a bare 400.
- A routing redirect that is not a 307 or 308 makes browsers repeat a POST
  as a GET and drop its body. In debug mode, such a redirect of a request
  with a body raises :class:`FormDataRoutingRedirect` instead.

The ``request.files`` hint lives with the body parsing in layer 2
(:mod:`kolben.wrappers`), which reads ``DEBUG`` from the settings the app
passes to each request; this module re-exports its names under Flask's
module path.
"""

from __future__ import annotations

from .templating_base import explain_template_loading_attempts
from .wrappers import Request
from .wrappers._debug_files import DebugFilesKeyError, attach_enctype_error_multidict

__all__ = [
    "DebugFilesKeyError",
    "FormDataRoutingRedirect",
    "UnexpectedUnicodeError",
    "attach_enctype_error_multidict",
    "explain_template_loading_attempts",
]


class UnexpectedUnicodeError(AssertionError, UnicodeError):
    """Raised where Kolben needs text but was given undecodable bytes."""


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
