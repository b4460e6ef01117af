"""Class-based views: ``View`` and ``MethodView`` (API.md 15)."""

from __future__ import annotations

import asyncio
import typing as t
from collections.abc import Callable

import pytest

from kolben import Blueprint, Kolben, request
from kolben.testing import KolbenClient
from kolben.views import MethodView, View, http_method_funcs

MakeClient = Callable[..., KolbenClient]


# -- View ------------------------------------------------------------------------------


def test_view_dispatches_with_url_values(app: Kolben, make_client: MakeClient) -> None:
    class Greet(View):
        def __init__(self, greeting: str, punctuation: str = ".") -> None:
            self.greeting = greeting
            self.punctuation = punctuation

        def dispatch_request(self, name: str) -> str:  # type: ignore[override]
            return f"{self.greeting}, {name}{self.punctuation}"

    app.add_url_rule("/hi/<name>", view_func=Greet.as_view("greet", "Hello", punctuation="!"))
    assert make_client(app).get("/hi/Ada").text == "Hello, Ada!"


def test_as_view_attributes() -> None:
    class Page(View):
        """Shows a page."""

        methods = ["GET", "POST"]
        provide_automatic_options = False

        def dispatch_request(self) -> str:  # type: ignore[override]
            return ""

    view = Page.as_view("page")
    assert view.__name__ == "page"
    assert view.__doc__ == "Shows a page."
    assert view.__module__ == __name__
    assert view.view_class is Page  # type: ignore[union-attr]
    assert view.methods == ["GET", "POST"]  # type: ignore[union-attr]
    assert view.provide_automatic_options is False  # type: ignore[union-attr]
    plain = View.as_view("plain")
    assert plain.methods is None  # type: ignore[union-attr]
    assert plain.provide_automatic_options is None  # type: ignore[union-attr]


def test_view_methods_and_automatic_options(app: Kolben, make_client: MakeClient) -> None:
    class Submit(View):
        methods = ["POST"]

        def dispatch_request(self) -> str:  # type: ignore[override]
            return request.method

    class NoOptions(View):
        provide_automatic_options = False

        def dispatch_request(self) -> str:  # type: ignore[override]
            return "x"

    app.add_url_rule("/submit", view_func=Submit.as_view("submit"))
    app.add_url_rule("/no-options", view_func=NoOptions.as_view("no_options"))
    client = make_client(app)
    assert client.post("/submit").text == "POST"
    assert client.get("/submit").status_code == 405
    assert set(client.options("/submit").allow) == {"POST", "OPTIONS"}
    assert client.get("/no-options").text == "x"
    assert client.options("/no-options").status_code == 405


def test_unimplemented_dispatch_request(app: Kolben, make_client: MakeClient) -> None:
    app.add_url_rule("/", view_func=View.as_view("bare"))
    with pytest.raises(NotImplementedError, match="dispatch_request"):
        make_client(app).get("/")


def test_init_every_request(app: Kolben, make_client: MakeClient) -> None:
    created: list[object] = []

    class Counter(View):
        def __init__(self) -> None:
            created.append(self)
            self.count = 0

        def dispatch_request(self) -> str:  # type: ignore[override]
            self.count += 1
            return str(self.count)

    class Shared(Counter):
        init_every_request = False

    app.add_url_rule("/fresh", view_func=Counter.as_view("fresh"))
    app.add_url_rule("/shared", view_func=Shared.as_view("shared"))
    assert len(created) == 1  # the shared instance, made by as_view
    client = make_client(app)
    assert [client.get("/fresh").text for _ in range(3)] == ["1", "1", "1"]
    assert [client.get("/shared").text for _ in range(3)] == ["1", "2", "3"]
    assert len(created) == 4


def test_decorators_apply_in_order_first_innermost(app: Kolben, make_client: MakeClient) -> None:
    seen_names: list[str] = []

    def tag(label: str) -> Callable[[Callable[..., t.Any]], Callable[..., t.Any]]:
        def decorator(f: Callable[..., t.Any]) -> Callable[..., t.Any]:
            seen_names.append(f.__name__)

            def wrapper(**kwargs: t.Any) -> str:
                return f"{label}({f(**kwargs)})"

            return wrapper

        return decorator

    class Tagged(View):
        decorators = [tag("inner"), tag("outer")]

        def dispatch_request(self) -> str:  # type: ignore[override]
            return "view"

    view = Tagged.as_view("tagged")
    assert seen_names == ["tagged", "wrapper"]
    assert view.__name__ == "tagged"
    assert view.view_class is Tagged  # type: ignore[union-attr]
    app.add_url_rule("/", view_func=view)
    assert make_client(app).get("/").text == "outer(inner(view))"


def test_async_view(app: Kolben, make_client: MakeClient) -> None:
    class Slow(View):
        async def dispatch_request(self, n: int) -> str:  # type: ignore[override]
            await asyncio.sleep(0)
            return f"slow {n}"

    view = Slow.as_view("slow")
    assert asyncio.iscoroutinefunction(view)
    app.add_url_rule("/slow/<int:n>", view_func=view)
    assert make_client(app).get("/slow/3").text == "slow 3"


def test_view_on_a_blueprint(app: Kolben, make_client: MakeClient) -> None:
    class Index(View):
        def dispatch_request(self) -> str:  # type: ignore[override]
            return request.endpoint or ""

    bp = Blueprint("bp", __name__, url_prefix="/bp")
    bp.add_url_rule("/", view_func=Index.as_view("index"))
    with pytest.raises(ValueError, match="may not contain a dot"):
        bp.add_url_rule("/x", view_func=Index.as_view("a.b"))
    app.register_blueprint(bp)
    assert make_client(app).get("/bp/").text == "bp.index"


# -- MethodView --------------------------------------------------------------------------


class ItemAPI(MethodView):
    def get(self, item_id: int | None = None) -> str:
        return f"get {item_id}"

    def post(self) -> tuple[str, int]:
        return f"post {request.get_data(as_text=True)}", 201

    def delete(self, item_id: int) -> tuple[str, int]:
        return "", 204


def test_methods_are_derived_from_handlers() -> None:
    assert ItemAPI.methods == {"GET", "POST", "DELETE"}
    assert MethodView.methods is None

    class Child(ItemAPI):
        def put(self, item_id: int) -> str:
            return "put"

    assert Child.methods == {"GET", "POST", "DELETE", "PUT"}

    class Explicit(ItemAPI):
        methods = ["GET"]

    assert Explicit.methods == ["GET"]

    class Mixin:
        def patch(self) -> str:
            return "patch"

    class WithMixin(Mixin, MethodView):
        pass

    assert WithMixin.methods == {"PATCH"}
    assert http_method_funcs == {
        "get",
        "post",
        "head",
        "options",
        "delete",
        "put",
        "trace",
        "patch",
    }


def test_method_view_dispatch(app: Kolben, make_client: MakeClient) -> None:
    view = ItemAPI.as_view("items")
    app.add_url_rule("/items/", view_func=view, methods=["GET", "POST"])
    app.add_url_rule("/items/<int:item_id>", view_func=view, methods=["GET", "DELETE"])
    client = make_client(app)
    assert client.get("/items/").text == "get None"
    created = client.post("/items/", data="new")
    assert (created.status_code, created.text) == (201, "post new")
    assert client.get("/items/5").text == "get 5"
    assert client.delete("/items/5").status_code == 204
    head = client.head("/items/5")
    assert (head.status_code, head.data) == (200, b"")
    assert client.put("/items/5").status_code == 405


def test_head_handler_wins_over_get(app: Kolben, make_client: MakeClient) -> None:
    class WithHead(MethodView):
        def get(self) -> str:
            return "body"

        def head(self) -> tuple[str, int, dict[str, str]]:
            return "", 200, {"X-Head": "own"}

    app.add_url_rule("/", view_func=WithHead.as_view("with_head"))
    assert make_client(app).head("/").headers["X-Head"] == "own"


def test_inherited_handlers(app: Kolben, make_client: MakeClient) -> None:
    class Base(MethodView):
        def get(self) -> str:
            return f"base get from {type(self).__name__}"

    class Child(Base):
        def post(self) -> str:
            return "child post"

    app.add_url_rule("/", view_func=Child.as_view("child"))
    client = make_client(app)
    assert client.get("/").text == "base get from Child"
    assert client.post("/").text == "child post"


def test_own_options_handler(app: Kolben, make_client: MakeClient) -> None:
    class Cors(MethodView):
        def get(self) -> str:
            return "get"

        def options(self) -> tuple[str, int, dict[str, str]]:
            return "", 204, {"Access-Control-Allow-Methods": "GET"}

    app.add_url_rule("/", view_func=Cors.as_view("cors"))
    response = make_client(app).options("/")
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Methods"] == "GET"


def test_unhandled_method_is_405_never_an_attribute(app: Kolben, make_client: MakeClient) -> None:
    class Sneaky(MethodView):
        secret = "not callable"

        def get(self) -> str:
            return "get"

        def dispatch_later(self) -> str:
            return "should never run"

        def _private(self) -> str:
            return "should never run"

        def propfind(self) -> str:
            return "not listed in methods, so never a handler"

    # The route allows methods the class has no (legitimate) handler for.
    app.add_url_rule(
        "/",
        view_func=Sneaky.as_view("sneaky"),
        methods=[
            "GET",
            "POST",
            "PROPFIND",
            "DISPATCH_REQUEST",
            "AS_VIEW",
            "_PRIVATE",
            "DISPATCH_LATER",
            "SECRET",
            "__INIT__",
        ],
    )
    client = make_client(app)
    assert client.get("/").text == "get"
    for method in ("POST", "PROPFIND", "DISPATCH_REQUEST", "AS_VIEW", "_PRIVATE", "SECRET"):
        response = client.open("/", method=method)
        assert response.status_code == 405, method
        assert "should never run" not in response.text
        assert set(response.allow) == {"GET", "HEAD", "OPTIONS"}, method
    assert client.open("/", method="DISPATCH_LATER").status_code == 405
    assert client.open("/", method="__INIT__").status_code == 405
    # A method the route does not allow never reaches the view at all.
    assert client.open("/", method="TRACE").status_code == 405


def test_extension_methods_listed_in_methods(app: Kolben, make_client: MakeClient) -> None:
    class Dav(MethodView):
        methods = ["GET", "PROPFIND"]

        def get(self) -> str:
            return "get"

        def propfind(self) -> tuple[str, int]:
            return "<multistatus/>", 207

    app.add_url_rule("/dav", view_func=Dav.as_view("dav"))
    client = make_client(app)
    response = client.open("/dav", method="PROPFIND")
    assert (response.status_code, response.text) == (207, "<multistatus/>")
    assert client.post("/dav").status_code == 405


def test_async_handlers(app: Kolben, make_client: MakeClient) -> None:
    class AllAsync(MethodView):
        async def get(self) -> str:
            await asyncio.sleep(0)
            return "async get"

        async def post(self) -> str:
            return "async post"

    class Mixed(MethodView):
        def get(self) -> str:
            return "sync get"

        async def post(self) -> str:
            await asyncio.sleep(0)
            return "async post"

    all_async = AllAsync.as_view("all_async")
    mixed = Mixed.as_view("mixed")
    assert asyncio.iscoroutinefunction(all_async)
    assert not asyncio.iscoroutinefunction(mixed)
    app.add_url_rule("/a", view_func=all_async)
    app.add_url_rule("/m", view_func=mixed)
    client = make_client(app)
    assert client.get("/a").text == "async get"
    assert client.post("/a").text == "async post"
    assert client.head("/a").status_code == 200
    assert client.put("/a").status_code == 405
    assert client.get("/m").text == "sync get"
    assert client.post("/m").text == "async post"


def test_overridden_dispatch_request_still_works(app: Kolben, make_client: MakeClient) -> None:
    class Logged(MethodView):
        calls: t.ClassVar[list[str]] = []

        def dispatch_request(self, **kwargs: t.Any) -> t.Any:
            self.calls.append(request.method)
            return super().dispatch_request(**kwargs)

        async def get(self) -> str:
            return "get"

    app.add_url_rule("/", view_func=Logged.as_view("logged"))
    assert make_client(app).get("/").text == "get"
    assert Logged.calls == ["GET"]


def test_method_view_with_decorators_and_blueprint(app: Kolben, make_client: MakeClient) -> None:
    def require_token(f: Callable[..., t.Any]) -> Callable[..., t.Any]:
        def wrapper(**kwargs: t.Any) -> t.Any:
            if request.headers.get("X-Token") != "secret":
                return "no", 401
            return f(**kwargs)

        return wrapper

    class Admin(MethodView):
        decorators = [require_token]

        def get(self, user: str) -> str:
            return f"admin {user}"

    bp = Blueprint("admin", __name__, url_prefix="/admin")
    bp.add_url_rule("/<user>", view_func=Admin.as_view("user"))
    app.register_blueprint(bp)
    client = make_client(app)
    assert client.get("/admin/ann").status_code == 401
    assert client.get("/admin/ann", headers={"X-Token": "secret"}).text == "admin ann"
