"""The four benchmark endpoints written idiomatically for each ASGI framework.

The cases are those of ``apps_wsgi.py`` (and ``run.py``'s ``CASES``):

A  GET /                              plaintext
B  GET /json                          a small JSON object
C  GET /users/123/posts/hello-world   the 102nd route, after /r0/<int> .. /r99/<int>
D  GET /query?a=1&b=2                 two query arguments and one header

and for ``instructions.py`` the routes of ``apps_wsgi.py``'s A', E, F, G
(with BlackSheep and Litestar as further peers), and its case S: 1 MiB sent
from an async generator in 16 chunks (Kolben and Starlette). Peers without a form parser
installed (Starlette needs python-multipart) or sessions (Falcon; Litestar's
need cryptography) lack that route, and their row says n/a.

Every builder returns the ASGI 3 callable itself, so ``run_http.py`` can hand
it to granian as a factory (``apps_asgi:kolben_asgi``).
"""

from __future__ import annotations

import typing as t

from apps_wsgi import (
    FORM_FIELDS,
    HELLO,
    ITEMS,
    N_FILLER,
    SECRET_KEY,
    TEMPLATES,
    jinja_env,
)

Scope = t.MutableMapping[str, t.Any]
Receive = t.Callable[[], t.Awaitable[t.MutableMapping[str, t.Any]]]
Send = t.Callable[[t.MutableMapping[str, t.Any]], t.Awaitable[None]]

#: Case S of instructions.py: STREAM_CHUNKS chunks of STREAM_CHUNK (1 MiB).
STREAM_CHUNK = bytes(range(256)) * 256
STREAM_CHUNKS = 16


async def _stream_chunks() -> t.AsyncIterator[bytes]:
    for _ in range(STREAM_CHUNKS):
        yield STREAM_CHUNK


async def _filler_view(id: int) -> str:
    return str(id)


def kolben_asgi() -> t.Any:
    """Kolben with ``async def`` views, awaited on the server's loop."""
    from kolben import Kolben, Response, render_template, request, session

    app = Kolben("bench_kolben_asgi", template_folder=TEMPLATES)
    app.secret_key = SECRET_KEY

    @app.route("/")
    async def plaintext() -> str:
        return HELLO

    @app.route("/json")
    async def json_view() -> dict[str, str]:
        return {"message": HELLO}

    for i in range(N_FILLER):
        app.add_url_rule(f"/r{i}/<int:id>", f"r{i}", _filler_view)

    @app.route("/users/<int:user_id>/posts/<slug>")
    async def user_post(user_id: int, slug: str) -> str:
        return f"{user_id}:{slug}"

    @app.route("/query")
    async def query() -> str:
        args = request.args
        return f"{args.get('a')},{args.get('b')},{request.headers.get('X-Token')}"

    @app.route("/response")
    async def response() -> t.Any:
        return Response(HELLO, mimetype="text/plain")

    @app.route("/page")
    async def page() -> str:
        return render_template("page.html", user=request.args.get("name"), items=ITEMS)

    @app.post("/form")
    async def form() -> str:
        data = await request.form_async()
        return "|".join(data[name] for name in FORM_FIELDS)

    @app.route("/json-text")
    async def json_text() -> dict[str, t.Any]:
        # Case I (instructions.py): text and a None that look like the floats
        # orjson writes differently; the provider must not encode twice.
        return {"message": HELLO, "email": "e-mail: ada@example.com", "note": None}

    @app.route("/count")
    async def count() -> str:
        n = session.get("n", 0) + 1
        session["n"] = n
        return str(n)

    @app.route("/stream")
    async def stream() -> t.Any:
        return Response(_stream_chunks(), mimetype="application/octet-stream")

    return app.asgi


def kolben_sync_asgi() -> t.Any:
    """The WSGI benchmark's app (plain ``def`` views) served over ASGI.

    Each request runs its sync pipeline in one worker thread: this row shows
    what that hop costs next to ``kolben_asgi``.
    """
    from apps_wsgi import kolben_app

    return kolben_app().asgi


def _starlette(endpoints: dict[str, t.Any]) -> t.Any:
    from starlette.applications import Starlette
    from starlette.routing import Route

    routes = [Route("/", endpoints["plaintext"]), Route("/json", endpoints["json"])]
    routes += [Route(f"/r{i}/{{id:int}}", endpoints["filler"]) for i in range(N_FILLER)]
    routes += [
        Route("/users/{user_id:int}/posts/{slug}", endpoints["user_post"]),
        Route("/query", endpoints["query"]),
    ]
    return Starlette(routes=routes)


def starlette_asgi() -> t.Any:
    from starlette.requests import Request
    from starlette.responses import (
        HTMLResponse,
        JSONResponse,
        PlainTextResponse,
        Response,
        StreamingResponse,
    )
    from starlette.routing import Route

    async def plaintext(request: Request) -> Response:
        return PlainTextResponse(HELLO)

    async def json_view(request: Request) -> Response:
        return JSONResponse({"message": HELLO})

    async def filler(request: Request) -> Response:
        return PlainTextResponse(str(request.path_params["id"]))

    async def user_post(request: Request) -> Response:
        params = request.path_params
        return PlainTextResponse(f"{params['user_id']}:{params['slug']}")

    async def query(request: Request) -> Response:
        q = request.query_params
        return PlainTextResponse(f"{q.get('a')},{q.get('b')},{request.headers.get('x-token')}")

    env = jinja_env()

    async def page(request: Request) -> Response:
        user = request.query_params.get("name")
        return HTMLResponse(env.get_template("page.html").render(user=user, items=ITEMS))

    async def stream(request: Request) -> Response:
        return StreamingResponse(_stream_chunks(), media_type="application/octet-stream")

    app = _starlette(
        {
            "plaintext": plaintext,
            "json": json_view,
            "filler": filler,
            "user_post": user_post,
            "query": query,
        }
    )
    # First, as a user would place them: Starlette tries its routes in order,
    # and these cases measure the response and the template, not routing (C).
    app.router.routes[:0] = [
        Route("/response", plaintext),
        Route("/page", page),
        Route("/stream", stream),
    ]
    return app


def starlette_session_asgi() -> t.Any:
    """Case G for Starlette: its SessionMiddleware (itsdangerous-signed JSON)."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.sessions import SessionMiddleware
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    async def count(request: Request) -> Response:
        n = request.session.get("n", 0) + 1
        request.session["n"] = n
        return PlainTextResponse(str(n))

    middleware = [Middleware(SessionMiddleware, secret_key=SECRET_KEY)]
    return Starlette(routes=[Route("/count", count)], middleware=middleware)


def starlette_sync_asgi() -> t.Any:
    """Starlette with plain ``def`` endpoints, which it runs in worker threads:
    the peer of ``kolben_sync_asgi``."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse, Response

    def plaintext(request: Request) -> Response:
        return PlainTextResponse(HELLO)

    def json_view(request: Request) -> Response:
        return JSONResponse({"message": HELLO})

    def filler(request: Request) -> Response:
        return PlainTextResponse(str(request.path_params["id"]))

    def user_post(request: Request) -> Response:
        params = request.path_params
        return PlainTextResponse(f"{params['user_id']}:{params['slug']}")

    def query(request: Request) -> Response:
        q = request.query_params
        return PlainTextResponse(f"{q.get('a')},{q.get('b')},{request.headers.get('x-token')}")

    return _starlette(
        {
            "plaintext": plaintext,
            "json": json_view,
            "filler": filler,
            "user_post": user_post,
            "query": query,
        }
    )


def falcon_asgi() -> t.Any:
    import falcon
    import falcon.asgi

    class Plain:
        async def on_get(self, req: t.Any, resp: t.Any) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = HELLO

    class Json:
        async def on_get(self, req: t.Any, resp: t.Any) -> None:
            resp.media = {"message": HELLO}

    class Filler:
        async def on_get(self, req: t.Any, resp: t.Any, id: int) -> None:
            resp.text = str(id)

    class UserPost:
        async def on_get(self, req: t.Any, resp: t.Any, user_id: int, slug: str) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = f"{user_id}:{slug}"

    class Query:
        async def on_get(self, req: t.Any, resp: t.Any) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = f"{req.get_param('a')},{req.get_param('b')},{req.get_header('X-Token')}"

    class Form:
        async def on_post(self, req: t.Any, resp: t.Any) -> None:
            data = await req.get_media()
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = "|".join(data[name] for name in FORM_FIELDS)

    env = jinja_env()

    class Page:
        async def on_get(self, req: t.Any, resp: t.Any) -> None:
            resp.content_type = falcon.MEDIA_HTML
            resp.text = env.get_template("page.html").render(
                user=req.get_param("name"), items=ITEMS
            )

    app = falcon.asgi.App()
    app.add_route("/", Plain())
    app.add_route("/json", Json())
    filler = Filler()
    for i in range(N_FILLER):
        app.add_route(f"/r{i}/{{id:int}}", filler)
    app.add_route("/users/{user_id:int}/posts/{slug}", UserPost())
    app.add_route("/query", Query())
    app.add_route("/response", Plain())  # Falcon always builds its response: A' is A
    app.add_route("/page", Page())
    app.add_route("/form", Form())
    return app


def blacksheep_asgi() -> t.Any:
    """BlackSheep (Cython-compiled core); in apps_blacksheep.py for its annotations."""
    from apps_blacksheep import build

    return build()


def litestar_asgi() -> t.Any:
    """Litestar; in apps_litestar.py for its annotations."""
    from apps_litestar import build

    return build()


def bare_asgi() -> t.Any:
    """The floor: an ASGI callable that does nothing but answer case A.

    It also completes the lifespan protocol, so granian's ``asgi`` interface
    serves it exactly as it serves Kolben.
    """
    body = HELLO.encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return

    return app


#: The peers of ``instructions.py`` (ASGI), Kolben first.
INSTRUCTION_FRAMEWORKS: dict[str, t.Callable[[], t.Any]] = {
    "kolben": kolben_asgi,
    "falcon": falcon_asgi,
    "blacksheep": blacksheep_asgi,
    "starlette": starlette_asgi,
    "litestar": litestar_asgi,
}
#: Case G apps for peers whose sessions wrap the whole app.
SESSION_APPS: dict[str, t.Callable[[], t.Any]] = {"starlette": starlette_session_asgi}

#: The frameworks compared in the ratio table (Kolben first).
FRAMEWORKS: dict[str, t.Callable[[], t.Any]] = {
    "kolben": kolben_asgi,
    "falcon": falcon_asgi,
    "starlette": starlette_asgi,
}
