"""The benchmark endpoints for BlackSheep (see ``apps_asgi.py`` for the cases).

BlackSheep binds handler parameters by their annotations, resolved through
the handler's module globals: so this module imports BlackSheep's names at
the top, and ``apps_asgi.blacksheep_asgi`` imports it only when wanted.
"""

from __future__ import annotations

import typing as t

from blacksheep import Application, Request, Response, json, text
from blacksheep.contents import Content

from apps_wsgi import FORM_FIELDS, HELLO, ITEMS, N_FILLER, SECRET_KEY, jinja_env


def build() -> t.Any:
    """The BlackSheep app, sessions on (``use_sessions``), every route."""
    app = Application()
    get = app.router.add_get
    env = jinja_env()

    async def plaintext() -> str:
        return HELLO  # BlackSheep turns a str into a text/plain response

    async def response() -> Response:
        return Response(200, None, Content(b"text/plain", HELLO.encode()))

    async def json_view() -> Response:
        return json({"message": HELLO})

    async def filler(id: int) -> Response:
        return text(str(id))

    async def user_post(user_id: int, slug: str) -> Response:
        return text(f"{user_id}:{slug}")

    async def query(request: Request) -> Response:
        q = request.query
        a, b = q.get("a", [None])[0], q.get("b", [None])[0]
        token = request.get_first_header(b"x-token")
        return text(f"{a},{b},{token.decode() if token else None}")

    async def page(request: Request) -> Response:
        user = request.query.get("name", [None])[0]
        html = env.get_template("page.html").render(user=user, items=ITEMS)
        return Response(200, None, Content(b"text/html; charset=utf-8", html.encode()))

    async def form(request: Request) -> Response:
        data = await request.form()
        return text("|".join(data[name] for name in FORM_FIELDS))

    async def count(request: Request) -> Response:
        n = request.session.get("n", 0) + 1
        request.session["n"] = n
        return text(str(n))

    get("/", plaintext)
    get("/response", response)
    get("/json", json_view)
    for i in range(N_FILLER):
        get(f"/r{i}/{{int:id}}", filler)
    get("/users/{int:user_id}/posts/{slug}", user_post)
    get("/query", query)
    get("/page", page)
    app.router.add_post("/form", form)
    get("/count", count)
    app.use_sessions(SECRET_KEY)
    return app
