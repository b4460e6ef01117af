"""Sessions (layer 4).

This module holds the session interface. The signed-cookie implementation
arrives with the sessions issue; until then every app has a null session.
"""

from __future__ import annotations

import typing as t
from collections.abc import MutableMapping

from .datastructures import CallbackDict

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import Kolben
    from .wrappers import Request, Response

__all__ = ["NullSession", "SessionInterface", "SessionMixin"]


class SessionMixin(MutableMapping[str, t.Any]):
    """What every session offers on top of a dict."""

    @property
    def permanent(self) -> bool:
        """Whether the cookie outlives the browser session (``_permanent`` key)."""
        return bool(self.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    #: True for a session that did not come from the client.
    new = False
    #: True when a top-level key changed (set it yourself for nested changes).
    modified = True
    #: True when the session was read or written during the request.
    accessed = False


class NullSession(CallbackDict[str, t.Any], SessionMixin):
    """The session of an app without ``SECRET_KEY``: readable, never writable."""

    def _fail(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(
            "The session is unavailable because no secret key was set. Set the"
            " secret_key on the application (app.secret_key = ... or the SECRET_KEY"
            " config value) to a long random string."
        )

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail


class SessionInterface:
    """How the app opens and saves sessions. Subclass it to store them elsewhere."""

    null_session_class: type[NullSession] = NullSession
    pickle_based = False

    def make_null_session(self, app: Kolben) -> NullSession:
        """The session used when :meth:`open_session` returns None."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether ``obj`` is a null session (never saved)."""
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: Kolben) -> str:
        return t.cast(str, app.config["SESSION_COOKIE_NAME"])

    def open_session(self, app: Kolben, request: Request) -> SessionMixin | None:
        """Load the session for ``request``; None means a null session."""
        return None

    def save_session(self, app: Kolben, session: SessionMixin, response: Response) -> None:
        """Persist ``session`` onto ``response``."""
