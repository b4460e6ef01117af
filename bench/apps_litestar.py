"""The benchmark endpoints for Litestar (see ``apps_asgi.py`` for the cases).

Litestar resolves each handler's annotations when the app is built, through
the handler's module globals: so this module imports Litestar's names at the
top, and ``apps_asgi.litestar_asgi`` imports it only when Litestar is wanted.
Case G is missing: Litestar's cookie sessions need the cryptography package.
"""

from __future__ import annotations

import typing as t

from litestar import Litestar, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body

from apps_wsgi import FORM_FIELDS, HELLO, ITEMS, N_FILLER, jinja_env

_env = jinja_env()


@get("/")
async def plaintext() -> str:
    return HELLO


@get("/response")
async def response() -> Response[str]:
    return Response(HELLO, media_type="text/plain")


@get("/json")
async def json_view() -> dict[str, str]:
    return {"message": HELLO}


@get([f"/r{i}/{{id:int}}" for i in range(N_FILLER)])
async def filler(id: int) -> str:
    return str(id)


@get("/users/{user_id:int}/posts/{slug:str}")
async def user_post(user_id: int, slug: str) -> str:
    return f"{user_id}:{slug}"


@get("/query")
async def query(request: Request[t.Any, t.Any, t.Any]) -> str:
    q = request.query_params
    return f"{q.get('a')},{q.get('b')},{request.headers.get('x-token')}"


@get("/page")
async def page(name: str) -> Response[str]:
    html = _env.get_template("page.html").render(user=name, items=ITEMS)
    return Response(html, media_type="text/html")


@post("/form", status_code=200)
async def form(
    data: t.Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> str:
    return "|".join(data[name] for name in FORM_FIELDS)


def build() -> t.Any:
    """The Litestar app with every route but G's."""
    handlers = [plaintext, response, json_view, filler, user_post, query, page, form]
    return Litestar(route_handlers=handlers)
