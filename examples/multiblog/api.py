"""The JSON API: ``api`` (``/api``) holds the nested ``v1`` blueprint (``/api/v1``).

``PostAPI`` is a class-based view: one method per HTTP verb, registered twice
(the collection and one item). Errors raised by the views of ``api`` and
of the blueprints nested in it reach the parent blueprint's handler, which
answers JSON instead of HTML. (A URL that matches no route, or a method a
route does not allow, belongs to no blueprint: the app answers those.)
"""

from __future__ import annotations

import typing as t

from kolben import Blueprint, abort, g, request, url_for
from kolben.exceptions import HTTPException
from kolben.views import MethodView

from .store import store

__all__ = ["bp", "v1"]

bp = Blueprint("api", __name__, url_prefix="/api")
v1 = Blueprint("v1", __name__, url_prefix="/v1")


@bp.errorhandler(HTTPException)
def json_error(error: HTTPException) -> tuple[dict[str, t.Any], int]:
    """Every HTTP error raised in the API's views, nested blueprints included, as JSON."""
    return {"error": error.name, "status": error.code}, error.code or 500


def _require_user() -> str:
    if g.user is None:
        abort(401)
    return t.cast(str, g.user)


class PostAPI(MethodView):
    """``/api/v1/posts`` (list, create) and ``/api/v1/posts/<id>`` (read, change, delete)."""

    init_every_request = False  # the view keeps no state: one instance serves all

    def get(self, post_id: int | None = None) -> t.Any:
        if post_id is None:
            return {"posts": [p.to_json() for p in store.posts.all()]}
        post = store.posts.get(post_id)
        if post is None:
            abort(404)
        return post.to_json()

    def post(self) -> t.Any:
        author = _require_user()
        data = request.get_json()
        if not isinstance(data, dict) or not str(data.get("title", "")).strip():
            abort(400)
        post = store.posts.add(author, str(data["title"]), str(data.get("body", "")))
        return post.to_json(), 201, {"Location": url_for(".post", post_id=post.id)}

    def patch(self, post_id: int) -> t.Any:
        author = _require_user()
        post = store.posts.get(post_id)
        if post is None:
            abort(404)
        if post.author != author:
            abort(403)
        data = request.get_json()
        if not isinstance(data, dict):
            abort(400)
        changes = {k: str(v) for k, v in data.items() if k in ("title", "body")}
        return t.cast(t.Any, store.posts.update(post_id, **changes)).to_json()

    def delete(self, post_id: int) -> t.Any:
        author = _require_user()
        post = store.posts.get(post_id)
        if post is None:
            abort(404)
        if post.author != author:
            abort(403)
        store.posts.delete(post_id)
        return "", 204


_posts = PostAPI.as_view("posts")
v1.add_url_rule("/posts", view_func=_posts, methods=["GET", "POST"])
v1.add_url_rule(
    "/posts/<int:post_id>", endpoint="post", view_func=_posts, methods=["GET", "PATCH", "DELETE"]
)
bp.register_blueprint(v1)
