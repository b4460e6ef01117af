"""Serve several applications from one process, each under a path prefix (layer 3).

::

    application = DispatcherMiddleware(frontend, {"/api": api, "/admin": admin})

A request for ``/api/users`` goes to ``api`` with ``SCRIPT_NAME`` ``/api``
and ``PATH_INFO`` ``/users``, so ``url_for`` inside ``api`` builds URLs
under ``/api``. Anything no prefix matches goes to ``frontend``. For ASGI,
pass ASGI apps (for a Kolben app, ``app.asgi``)::

    application = DispatcherMiddleware(frontend.asgi, {"/api": api.asgi})
"""

from __future__ import annotations

import typing as t
from collections.abc import Mapping, MutableMapping

from ._asgi import (
    ASGIApp,
    Receive,
    Scope,
    Send,
    as_asgi,
    asgi_class,
    is_asgi,
    route_path,
    run_lifespans,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from ..typing import StartResponse, WSGIEnvironment

__all__ = ["DispatcherMiddleware"]


def _mount_key(prefix: str) -> str:
    if not isinstance(prefix, str) or not prefix.startswith("/"):
        raise ValueError(f"Mount prefixes are absolute paths such as '/api' (got {prefix!r}).")
    return prefix.rstrip("/")


class _Mounts(MutableMapping[str, t.Any]):
    """The mount table: prefix to app, with keys normalised and apps checked.

    Every change goes through :meth:`__setitem__` or :meth:`__delitem__`,
    so :attr:`limit` (the longest prefix) is always current.
    """

    __slots__ = ("_apps", "_check", "limit")

    def __init__(self, check: t.Callable[[t.Any], t.Any]) -> None:
        self._apps: dict[str, t.Any] = {}
        self._check = check
        #: The length of the longest prefix (-1 when there is none).
        self.limit = -1

    def __getitem__(self, prefix: str) -> t.Any:
        return self._apps[_mount_key(prefix)]

    def __setitem__(self, prefix: str, app: t.Any) -> None:
        key = _mount_key(prefix)
        self._apps[key] = self._check(app)
        self.limit = max(self.limit, len(key))

    def __delitem__(self, prefix: str) -> None:
        del self._apps[_mount_key(prefix)]
        self.limit = max(map(len, self._apps), default=-1)

    def __iter__(self) -> t.Iterator[str]:
        return iter(self._apps)

    def __len__(self) -> int:
        return len(self._apps)

    def __repr__(self) -> str:
        return repr(self._apps)

    def split(self, path: str) -> tuple[str, str, t.Any] | None:
        """``(prefix, rest, app)`` for the longest mount ``path`` is at or below, or None.

        A mount ``/api`` takes ``/api`` and ``/api/...``, never ``/apix``.
        """
        apps = self._apps
        script = path
        if len(script) > self.limit:
            # Only a prefix as long as the longest mount can match: a path
            # with thousands of segments costs no more than a short one.
            cut = path.rfind("/", 0, self.limit + 1)
            script = path[:cut] if cut > 0 else ""
        # Longest first, one dict lookup per segment (Werkzeug's order).
        while True:
            app = apps.get(script)
            if app is not None:
                return script, path[len(script) :], app
            if not script:
                return None
            cut = script.rfind("/")
            script = script[:cut] if cut > 0 else ""


class DispatcherMiddleware:
    """Send each request to the app mounted at the longest matching path prefix.

    ``mounts`` maps prefixes (``"/api"``; a trailing ``/`` is ignored) to
    apps; :attr:`mounts` may be changed later, with the same checks. The matched prefix moves
    from ``PATH_INFO`` to the end of ``SCRIPT_NAME`` (ASGI: from the path
    below ``root_path`` into ``root_path``). Requests that match no prefix go
    to ``app`` unchanged.

    ``app`` decides the interface: if it is an ASGI 3 app, the dispatcher
    is one too, every mount must be ASGI (a Kolben app given as a mount is
    used through ``app.asgi``), and the lifespan events reach every app
    (startup in mount order after ``app``, shutdown in reverse).
    """

    def __new__(cls, app: t.Any, mounts: Mapping[str, t.Any] | None = None) -> DispatcherMiddleware:
        if is_asgi(app):
            cls = asgi_class(cls, _ASGIDispatcherMiddleware)
        return super().__new__(cls)

    def __init__(self, app: t.Any, mounts: Mapping[str, t.Any] | None = None) -> None:
        self.app = app
        self._mounts = _Mounts(self._check)
        self._mounts.update(mounts or {})

    @property
    def mounts(self) -> MutableMapping[str, t.Any]:
        """Prefix to app; change it freely (keys lose a trailing ``/``, apps are checked)."""
        return self._mounts

    @mounts.setter
    def mounts(self, mounts: Mapping[str, t.Any]) -> None:
        self._mounts = _Mounts(self._check)
        self._mounts.update(mounts)

    def _check(self, mounted: t.Any) -> t.Any:
        if not callable(mounted):
            raise TypeError(f"Mounted apps are WSGI callables, not {mounted!r}.")
        if is_asgi(mounted):
            raise TypeError(
                f"{mounted!r} is an ASGI application, but the dispatcher serves WSGI (its"
                " default app is a WSGI app). Mount WSGI apps, or build the dispatcher"
                " with ASGI apps only."
            )
        return mounted

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> t.Any:
        """Dispatch a WSGI request by its ``PATH_INFO``."""
        # PERF: _Mounts.split inlined: this runs for every request of every
        # mounted app, and the method call and result tuple cost a fifth.
        path = environ.get("PATH_INFO") or ""
        mounts = self._mounts
        apps = mounts._apps
        script = path
        if len(script) > mounts.limit:
            cut = path.rfind("/", 0, mounts.limit + 1)
            script = path[:cut] if cut > 0 else ""
        while True:
            app = apps.get(script)
            if app is not None:
                environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + script
                environ["PATH_INFO"] = path[len(script) :]
                return app(environ, start_response)
            if not script:
                return self.app(environ, start_response)
            cut = script.rfind("/")
            script = script[:cut] if cut > 0 else ""


class _ASGIDispatcherMiddleware(DispatcherMiddleware):
    """:class:`DispatcherMiddleware` over ASGI 3 apps."""

    def _check(self, mounted: t.Any) -> t.Any:
        return as_asgi(mounted, "The mounted app")

    async def __call__(  # type: ignore[override]
        self, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Dispatch an HTTP or websocket scope by its path; share the lifespan."""
        kind = scope["type"]
        if kind == "lifespan":
            apps: list[ASGIApp] = []
            for candidate in (self.app, *self.mounts.values()):
                if not any(candidate is seen for seen in apps):
                    apps.append(candidate)
            await run_lifespans(apps, scope, receive, send)
            return
        found = None
        if kind in ("http", "websocket"):
            found = self._mounts.split(route_path(scope))
        if found is None:
            await self.app(scope, receive, send)
            return
        prefix, rest, app = found
        root_path = (scope.get("root_path") or "") + prefix
        await app({**scope, "root_path": root_path, "path": root_path + rest}, receive, send)
