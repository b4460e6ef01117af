"""``DispatcherMiddleware``: several apps under path prefixes, WSGI and ASGI (API.md 21)."""

from __future__ import annotations

import asyncio
import typing as t
from collections.abc import Callable

import pytest

from asgi_tools import Recorder, call, http_scope, lifespan
from kolben import Kolben, request, url_for
from kolben.middleware.dispatcher import DispatcherMiddleware
from kolben.testing import Client, KolbenClient, create_environ

MakeClient = Callable[..., KolbenClient]


def _wsgi(label: str) -> Callable[..., list[bytes]]:
    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{label} {environ['SCRIPT_NAME']!r} {environ['PATH_INFO']!r}".encode()]

    return app


def _dispatcher() -> DispatcherMiddleware:
    return DispatcherMiddleware(
        _wsgi("default"),
        {"/api": _wsgi("api"), "/api/v2/": _wsgi("v2"), "/static/files": _wsgi("files")},
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", "default '' '/'"),
        ("/other/x", "default '' '/other/x'"),
        ("/api", "api '/api' ''"),
        ("/api/", "api '/api' '/'"),
        ("/api/users/1", "api '/api' '/users/1'"),
        ("/apix", "default '' '/apix'"),
        ("/api/v2", "v2 '/api/v2' ''"),
        ("/api/v2/items", "v2 '/api/v2' '/items'"),
        ("/api/v23", "api '/api' '/v23'"),
        ("/static/files/a.css", "files '/static/files' '/a.css'"),
        ("/static/a.css", "default '' '/static/a.css'"),
    ],
)
def test_longest_prefix_wins(path: str, expected: str) -> None:
    assert Client(_dispatcher()).get(path).text == expected


def test_script_name_is_extended() -> None:
    environ = create_environ("/api/x", "http://localhost/mounted/")
    body = b"".join(_dispatcher()(environ, lambda *a: None))
    assert body == b"api '/mounted/api' '/x'"


def test_mounts_are_normalised_and_checked() -> None:
    dispatcher = DispatcherMiddleware(_wsgi("default"), {"/a/": _wsgi("a")})
    assert list(dispatcher.mounts) == ["/a"]
    with pytest.raises(ValueError, match="absolute paths"):
        DispatcherMiddleware(_wsgi("default"), {"api": _wsgi("api")})
    with pytest.raises(TypeError, match="ASGI application"):
        DispatcherMiddleware(_wsgi("default"), {"/a": Recorder()})
    with pytest.raises(TypeError, match="WSGI callables"):
        DispatcherMiddleware(_wsgi("default"), {"/a": None})
    # The mounts may change later, as in Werkzeug, with the same checks.
    dispatcher.mounts["/b/c/d/"] = _wsgi("bcd")
    assert list(dispatcher.mounts) == ["/a", "/b/c/d"]
    assert Client(dispatcher).get("/b/c/d/x").text == "bcd '/b/c/d' '/x'"
    del dispatcher.mounts["/b/c/d"]
    dispatcher.mounts.update({"/b": _wsgi("b")})
    assert Client(dispatcher).get("/b/c/d/x").text == "b '/b' '/c/d/x'"
    assert dispatcher.mounts["/b/"] is dispatcher.mounts["/b"]
    assert len(dispatcher.mounts) == 2
    assert "/b" in repr(dispatcher.mounts)
    with pytest.raises(ValueError, match="absolute paths"):
        dispatcher.mounts["x"] = _wsgi("x")
    root = DispatcherMiddleware(_wsgi("default"), {"/": _wsgi("everything")})
    assert Client(root).get("/x/y").text == "everything '' '/x/y'"
    assert Client(DispatcherMiddleware(_wsgi("only"))).get("/x").text == "only '' '/x'"


def test_many_slashes_cost_nothing() -> None:
    # Matching looks at no more of the path than the longest mount is long.
    path = "/api" + "/" * 200_000 + "x"
    assert Client(_dispatcher()).get(path).status_code == 200
    assert Client(_dispatcher()).get("/" * 200_000).status_code == 200


# -- Kolben apps mounted ----------------------------------------------------------------


def _site() -> tuple[Kolben, Kolben]:
    frontend = Kolben("frontend", static_folder=None)
    api = Kolben("api", static_folder=None)
    for app in (frontend, api):
        app.testing = True

        @app.route("/")
        def index(app: Kolben = app) -> str:
            return f"{app.name} {request.root_path!r} {request.path} {url_for('index')}"

    frontend.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
        frontend.wsgi_app, {"/api": api}
    )
    frontend.asgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
        frontend.asgi_app, {"/api": api}
    )
    return frontend, api


def test_kolben_apps_under_prefixes(make_client: MakeClient) -> None:
    frontend, _ = _site()
    client = make_client(frontend)
    assert client.get("/").text == "frontend '' / /"
    assert client.get("/api/").text == "api '/api' / /api/"
    assert client.get("/api/nothing").status_code == 404
    # /api without the slash: the mounted app redirects within its mount.
    response = client.get("/api")
    assert response.status_code == 308
    assert response.location.endswith("/api/")


def test_asgi_dispatcher_needs_asgi_mounts() -> None:
    recorder = Recorder()
    dispatcher = DispatcherMiddleware(recorder, {"/k": Kolben("k", static_folder=None)})
    assert asyncio.iscoroutinefunction(dispatcher.__call__)
    assert isinstance(dispatcher, DispatcherMiddleware)
    with pytest.raises(TypeError, match="WSGI application"):
        DispatcherMiddleware(recorder, {"/w": _wsgi("w")})
    with pytest.raises(TypeError, match="WSGI application"):
        dispatcher.mounts["/w"] = _wsgi("w")
    later = Kolben("later", static_folder=None)
    dispatcher.mounts["/later"] = later
    assert dispatcher.mounts["/later"] is later.asgi


# -- raw ASGI ---------------------------------------------------------------------------


def test_asgi_paths_and_root_paths() -> None:
    default, api, v2 = Recorder("default"), Recorder("api"), Recorder("v2")
    dispatcher = DispatcherMiddleware(default, {"/api": api, "/api/v2": v2})

    assert call(dispatcher, http_scope("/api/users")).body == b"api"
    assert (api.scope["root_path"], api.scope["path"]) == ("/api", "/api/users")

    # path includes root_path (ASGI): the mount extends root_path, path stays whole.
    scope = http_scope("/site/api/v2/x", root_path="/site")
    assert call(dispatcher, scope).body == b"v2"
    assert (v2.scope["root_path"], v2.scope["path"]) == ("/site/api/v2", "/site/api/v2/x")
    assert scope["root_path"] == "/site"  # the caller's scope is untouched

    # A server that sends path without root_path is understood too.
    assert call(dispatcher, http_scope("/api/y", root_path="/site")).body == b"api"
    assert (api.scope["root_path"], api.scope["path"]) == ("/site/api", "/site/api/y")

    assert call(dispatcher, http_scope("/apiary")).body == b"default"
    assert default.scope["path"] == "/apiary"
    assert call(dispatcher, http_scope("/api")).body == b"api"
    assert (api.scope["root_path"], api.scope["path"]) == ("/api", "/api")


def test_asgi_websockets_are_dispatched() -> None:
    default, chat = Recorder("default"), Recorder("chat")
    dispatcher = DispatcherMiddleware(default, {"/chat": chat})

    async def run() -> None:
        async def receive() -> dict[str, t.Any]:
            return {"type": "websocket.connect"}

        async def send(message: t.Any) -> None:
            pass

        await dispatcher(http_scope("/chat/room", type="websocket"), receive, send)

    asyncio.run(run())
    assert chat.scope["type"] == "websocket"
    assert chat.scope["root_path"] == "/chat"
    assert not default.scopes


class LifespanApp:
    """An ASGI app with a lifespan that records the events it saw."""

    def __init__(self, name: str, log: list[str], fail: str | None = None) -> None:
        self.name = name
        self.log = log
        self.fail = fail

    async def __call__(self, scope: t.Any, receive: t.Any, send: t.Any) -> None:
        assert scope["type"] == "lifespan"
        while True:
            message = await receive()
            phase = message["type"].rpartition(".")[2]
            self.log.append(f"{self.name} {phase}")
            if self.fail == phase:
                await send({"type": f"lifespan.{phase}.failed", "message": f"{self.name} broke"})
                return
            await send({"type": f"lifespan.{phase}.complete"})
            if phase == "shutdown":
                return


class NoLifespan:
    """An app that does not speak lifespan: it raises, as ASGI allows."""

    async def __call__(self, scope: t.Any, receive: t.Any, send: t.Any) -> None:
        raise RuntimeError("no lifespan here")


def test_asgi_lifespan_reaches_every_app() -> None:
    log: list[str] = []
    a, b, c = LifespanApp("a", log), LifespanApp("b", log), LifespanApp("c", log)
    dispatcher = DispatcherMiddleware(a, {"/b": b, "/c": c, "/b-again": b, "/n": NoLifespan()})
    sent = lifespan(dispatcher)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert log == ["a startup", "b startup", "c startup", "c shutdown", "b shutdown", "a shutdown"]


def test_asgi_lifespan_startup_failure() -> None:
    log: list[str] = []
    dispatcher = DispatcherMiddleware(
        LifespanApp("a", log),
        {"/b": LifespanApp("b", log, fail="startup"), "/c": LifespanApp("c", log)},
    )
    sent = lifespan(dispatcher)
    assert sent == [{"type": "lifespan.startup.failed", "message": "b broke"}]
    assert log == ["a startup", "b startup"]


def test_asgi_lifespan_shutdown_failure() -> None:
    log: list[str] = []
    dispatcher = DispatcherMiddleware(
        LifespanApp("a", log, fail="shutdown"), {"/b": LifespanApp("b", log)}
    )
    sent = lifespan(dispatcher)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.failed"]
    assert sent[1]["message"] == "a broke"
    assert log == ["a startup", "b startup", "b shutdown", "a shutdown"]


def test_asgi_lifespan_of_kolben_apps(make_client: MakeClient) -> None:
    events: list[str] = []
    frontend = Kolben("front", static_folder=None)
    api = Kolben("back", static_folder=None)
    for app in (frontend, api):
        app.before_serving(lambda app=app: events.append(f"start {app.name}"))
        app.after_serving(lambda app=app: events.append(f"stop {app.name}"))
    sent = lifespan(DispatcherMiddleware(frontend.asgi, {"/api": api}))
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert events == ["start front", "start back", "stop back", "stop front"]
