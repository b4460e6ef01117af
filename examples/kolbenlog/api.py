"""The ``api`` blueprint (``/api``): posts as JSON, and the live feed.

===========================  ==================================================
``GET /api/posts?page=N``    a page of posts, newest first, with paging links
``GET /api/posts/<id>``      one post
``POST /api/posts``          create a post from ``{"title": ..., "body": ...}``
                             (logged-in session; ``application/json`` only)
``GET /api/posts/events``    Server-Sent Events: ``post`` for each new post
===========================  ==================================================

The views are ``async def``: they read the body with
``await request.get_json_async()`` and the live feed sleeps with
``asyncio.sleep`` between polls, so under ASGI an open feed holds no thread.
Their queries call ``sqlite3`` directly: a local SQLite query takes
microseconds, less than a hop to a thread. With a database across the
network, use an async driver or ``await asyncio.to_thread(...)`` instead, so
a slow query never blocks the event loop.
Every error is JSON (``{"status": 404, "error": "Not Found", "message": ...}``):
the blueprint's handler answers errors raised in its views, and
:func:`is_api_request` lets the app's handlers answer a URL under ``/api`` that
matched no route (404) or no method (405) in the same shape.
"""

from __future__ import annotations

import asyncio
import typing as t
from collections.abc import AsyncIterator
from contextlib import closing

from kolben import Blueprint, abort, current_app, g, request, stream_with_context, url_for
from kolben.exceptions import HTTPException
from kolben.sse import EventStream

from . import db, posts

__all__ = ["bp", "error_json", "is_api_request"]

PREFIX = "/api"
bp = Blueprint("api", __name__, url_prefix=PREFIX)


def is_api_request() -> bool:
    """Whether the current request's path is under ``/api``."""
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def error_json(error: HTTPException) -> tuple[dict[str, t.Any], int, dict[str, str]]:
    """``error`` as a JSON response, keeping the headers it needs (``Allow`` on a 405)."""
    code = error.code or 500
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    body = {"status": code, "error": error.name, "message": error.description}
    return body, code, headers


@bp.errorhandler(HTTPException)
def api_error(error: HTTPException) -> t.Any:
    """Every HTTP error raised by a view of this blueprint, as JSON."""
    return error_json(error)


def _page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        abort(400, description="'page' must be a positive whole number.")
    return int(raw)


@bp.get("/posts")
async def list_posts() -> t.Any:
    """A page of posts with ``next``/``prev`` links (null at either end)."""
    number = _page_number()
    page = posts.page_of_posts(number, current_app.config["POSTS_PER_PAGE"])
    if page is None:
        abort(404, description=f"There is no page {number}.")
    return {
        "posts": [p.to_json() for p in page.posts],
        "page": page.number,
        "pages": page.pages,
        "total": page.total,
        "next": url_for(".list_posts", page=number + 1) if page.has_next else None,
        "prev": url_for(".list_posts", page=number - 1) if page.has_prev else None,
    }


@bp.get("/posts/<int:id>")
async def get_post(id: int) -> t.Any:
    """One post."""
    return posts.get_post(id).to_json()


@bp.post("/posts")
async def create_post() -> t.Any:
    """Create a post as the logged-in user: 201 with its URL in ``Location``."""
    if g.user is None:
        abort(401, description="Log in first (the API uses the site's session cookie).")
    # 415 unless the body is declared as JSON, 400 if it does not parse.
    data = await request.get_json_async()
    if not isinstance(data, dict):
        abort(400, description="Send a JSON object.")
    title, body = data.get("title", ""), data.get("body", "")
    if not isinstance(title, str) or not isinstance(body, str):
        abort(400, description="'title' and 'body' must be strings.")
    title, body = title.strip(), body.strip()
    error = posts.check(title, body)
    if error is not None:
        abort(400, description=error)
    id = posts.create_post(g.user["id"], title, body)
    created = posts.get_post(id).to_json()
    return created, 201, {"Location": url_for(".get_post", id=id)}


@bp.get("/posts/events")
async def events() -> t.Any:
    """Server-Sent Events: a ``post`` event for every post newer than the start.

    The feed starts after ``Last-Event-ID`` (sent by a reconnecting
    browser), else after ``?after=<id>`` (the newest post the page already
    shows), else after the newest post now. It polls the database, which is
    the state every worker process shares, so it works with any number of
    workers; it ends after ``LIVE_STREAM_SECONDS`` and the browser
    reconnects, resuming from the last event's id.
    """
    start = request.headers.get("Last-Event-ID") or request.args.get("after")
    if start is not None and not start.isdigit():
        abort(400, description="'after' and Last-Event-ID must be post ids.")
    config = current_app.config
    poll, lifetime = float(config["LIVE_POLL_SECONDS"]), float(config["LIVE_STREAM_SECONDS"])
    database = config["DATABASE"]
    after = int(start) if start is not None else await asyncio.to_thread(_latest, database)

    @stream_with_context
    async def feed() -> AsyncIterator[dict[str, t.Any]]:
        last = after
        yield {"event": "ready", "data": {"after": last}, "retry": 1000}
        deadline = asyncio.get_running_loop().time() + lifetime
        while True:
            for post in await asyncio.to_thread(_new_posts, database, last):
                last = post["id"]
                yield {"event": "post", "id": str(last), "data": post}
            if asyncio.get_running_loop().time() >= deadline:
                return
            await asyncio.sleep(poll)

    return EventStream(feed())


# The feed reads the database in a worker thread, to keep the event loop
# free, through a connection of its own rather than the request's: when the
# client goes away, the stream is cancelled and the request's connection is
# closed, while a query already started may still be running in its thread.
# (asyncio.to_thread copies the context, so url_for works in to_json.)


def _latest(database: str) -> int:
    with closing(db.connect(database)) as conn:
        return posts.latest_id(conn)


def _new_posts(database: str, last: int) -> list[dict[str, t.Any]]:
    with closing(db.connect(database)) as conn:
        return [p.to_json() for p in posts.posts_after(conn, last)]
