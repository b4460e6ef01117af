"""Routing through the app: rules, methods, OPTIONS/HEAD, redirects, url_for, hosts, static."""

from __future__ import annotations

import typing as t
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kolben import Kolben, request, signals, url_for
from kolben.routing import BaseConverter, BuildError
from kolben.testing import KolbenClient

MakeClient = Callable[..., KolbenClient]


# -- rules and converters ---------------------------------------------------------------


def test_converters_reach_the_view(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    seen: list[tuple[str, t.Any]] = []

    @app.route("/i/<int:n>")
    def ints(n: int) -> str:
        seen.append(("int", n))
        return "i"

    @app.route("/f/<float:x>")
    def floats(x: float) -> str:
        seen.append(("float", x))
        return "f"

    @app.route("/p/<path:rest>")
    def paths(rest: str) -> str:
        seen.append(("path", rest))
        return "p"

    @app.route("/u/<uuid:u>")
    def uuids(u: uuid.UUID) -> str:
        seen.append(("uuid", u))
        return "u"

    @app.route("/a/<any(red, blue):colour>")
    def anys(colour: str) -> str:
        seen.append(("any", colour))
        return "a"

    @app.route("/s/<string(length=2):code>")
    def strings(code: str) -> str:
        seen.append(("string", code))
        return "s"

    client = make_client(app)
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert client.get("/i/42").status_code == 200
    assert client.get("/f/1.5").status_code == 200
    assert client.get("/f/1").status_code == 404
    assert client.get("/p/a/b/c.txt").status_code == 200
    assert client.get(f"/u/{value}").status_code == 200
    assert client.get("/u/not-a-uuid").status_code == 404
    assert client.get("/a/blue").status_code == 200
    assert client.get("/a/green").status_code == 404
    assert client.get("/s/ab").status_code == 200
    assert client.get("/s/abc").status_code == 404
    assert client.get("/i/x").status_code == 404
    assert seen == [
        ("int", 42),
        ("float", 1.5),
        ("path", "a/b/c.txt"),
        ("uuid", value),
        ("any", "blue"),
        ("string", "ab"),
    ]


def test_custom_converter(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    class ListConverter(BaseConverter):
        def to_python(self, value: str) -> list[str]:
            return value.split(",")

        def to_url(self, value: list[str]) -> str:
            parts = [BaseConverter.to_url(self, v) for v in value]
            return ",".join(parts)

    app.url_map.converters["list"] = ListConverter

    @app.route("/l/<list:items>")
    def items(items: list[str]) -> dict[str, t.Any]:
        return {"items": items, "url": url_for("items", items=["x", "y"])}

    response = make_client(app).get("/l/a,b")
    assert response.json == {"items": ["a", "b"], "url": "/l/x,y"}


def test_static_part_beats_converter(app: Kolben, make_client: MakeClient) -> None:
    @app.route("/u/<name>")
    def dynamic(name: str) -> str:
        return "dynamic"

    @app.route("/u/me")
    def fixed() -> str:
        return "static"

    client = make_client(app)
    assert client.get("/u/me").text == "static"
    assert client.get("/u/you").text == "dynamic"


@pytest.mark.parametrize("method", ["get", "post", "put", "delete", "patch"])
def test_method_shortcuts(app: Kolben, make_client: MakeClient, method: str) -> None:
    getattr(app, method)("/x")(lambda: request.method)
    client = make_client(app)
    response = getattr(client, method)("/x")
    assert response.status_code == 200
    assert response.text == method.upper()
    other = "put" if method != "put" else "post"
    assert getattr(client, other)("/x").status_code == 405


@pytest.mark.parametrize("method", ["get", "post", "put", "delete", "patch"])
def test_method_shortcuts_refuse_methods(app: Kolben, method: str) -> None:
    with pytest.raises(TypeError, match="methods"):
        getattr(app, method)("/x", methods=["GET"])


def test_methods_as_string_is_refused(app: Kolben) -> None:
    with pytest.raises(TypeError):
        app.add_url_rule("/x", "x", lambda: "", methods="POST")
    with pytest.raises(TypeError):

        @app.route("/y", methods="GET")
        def y() -> str:
            return ""


def test_methods_are_upper_cased_and_view_methods_used(
    app: Kolben, make_client: MakeClient
) -> None:
    @app.route("/lower", methods=["post"])
    def lower() -> str:
        return "ok"

    def view() -> str:
        return request.method

    view.methods = ["PUT"]  # type: ignore[attr-defined]
    view.required_methods = ["DELETE"]  # type: ignore[attr-defined]
    app.add_url_rule("/attr", view_func=view)

    client = make_client(app)
    assert client.post("/lower").status_code == 200
    assert client.put("/attr").text == "PUT"
    assert client.delete("/attr").text == "DELETE"
    assert client.get("/attr").status_code == 405


# -- OPTIONS, HEAD, 405, 404 ----------------------------------------------------------------


def _allow(response: t.Any) -> set[str]:
    return {part.strip() for part in response.headers["Allow"].split(",")}


def test_automatic_options(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    calls: list[str] = []

    @app.route("/", methods=["GET", "POST"])
    def index() -> str:
        calls.append("view")
        return "x"

    @app.route("/", methods=["PUT"], endpoint="put_index")
    def put_index() -> str:
        return "x"

    response = make_client(app).options("/")
    assert response.status_code == 200
    assert response.data == b""
    assert _allow(response) == {"GET", "HEAD", "POST", "PUT", "OPTIONS"}
    assert calls == []


def test_automatic_options_runs_hooks(app: Kolben, make_client: MakeClient) -> None:
    calls: list[str] = []

    @app.before_request
    def before() -> None:
        calls.append("before")

    @app.after_request
    def after(response: t.Any) -> t.Any:
        calls.append("after")
        response.headers["X-After"] = "1"
        return response

    @app.route("/")
    def index() -> str:
        calls.append("view")
        return "x"

    response = make_client(app).options("/")
    assert response.status_code == 200
    assert response.headers["X-After"] == "1"
    assert calls == ["before", "after"]


def test_options_on_unknown_path_is_404(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    app.add_url_rule("/", "index", lambda: "")
    assert make_client(app).options("/nope").status_code == 404


def test_provide_automatic_options_false(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    app.add_url_rule("/", "index", lambda: "", provide_automatic_options=False)

    def attr_view() -> str:
        return ""

    attr_view.provide_automatic_options = False  # type: ignore[attr-defined]
    app.add_url_rule("/attr", view_func=attr_view)

    client = make_client(app)
    response = client.options("/")
    assert response.status_code == 405
    assert "OPTIONS" not in _allow(response)
    assert client.options("/attr").status_code == 405


def test_provide_automatic_options_config(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    app.add_url_rule("/", "index", lambda: "")
    response = make_client(app).options("/")
    assert response.status_code == 405
    assert _allow(response) == {"GET", "HEAD"}


def test_explicit_options_reaches_the_view(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    @app.route("/", methods=["GET", "OPTIONS"])
    def index() -> str:
        return f"view {request.method}"

    response = make_client(app).options("/")
    assert response.text == "view OPTIONS"


def test_head_runs_get_view(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    methods: list[str] = []

    @app.route("/")
    def index() -> str:
        methods.append(request.method)
        return "hello world"

    @app.route("/resp")
    def resp() -> t.Any:
        methods.append(request.method)
        return app.response_class("four", headers={"X-Kept": "yes"})

    client = make_client(app)
    response = client.head("/")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Length"] == "11"
    response = client.head("/resp")
    assert response.data == b""
    assert response.headers["Content-Length"] == "4"
    assert response.headers["X-Kept"] == "yes"
    assert methods == ["HEAD", "HEAD"]


def test_head_does_not_iterate_a_generator(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    iterated: list[str] = []

    @app.route("/")
    def index() -> Iterator[str]:
        def gen() -> Iterator[str]:
            iterated.append("started")
            yield "body"

        return gen()

    response = make_client(app).head("/")
    assert response.status_code == 200
    assert response.data == b""
    assert iterated == []


def test_405_sends_allow(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    app.add_url_rule("/", "index", lambda: "", methods=["GET", "POST"])
    response = make_client(app).delete("/")
    assert response.status_code == 405
    assert _allow(response) == {"GET", "HEAD", "POST", "OPTIONS"}


@pytest.mark.parametrize("method", ["FOO", "PROPFIND", "TRACE", "CONNECT", "get"])
def test_unknown_method_is_405_never_500(
    app: Kolben, make_client: MakeClient, pipeline: str, method: str
) -> None:
    app.add_url_rule("/", "index", lambda: "ok")
    app.config["TESTING"] = False
    response = make_client(app).open("/", method=method)
    if method == "get":
        # Werkzeug (and so Flask) upper-cases the method before matching.
        assert response.status_code == 200
    else:
        assert response.status_code == 405
        assert _allow(response) == {"GET", "HEAD", "OPTIONS"}


def test_404(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    app.add_url_rule("/", "index", lambda: "")
    response = make_client(app).get("/missing")
    assert response.status_code == 404
    assert b"Not Found" in response.data
    assert response.mimetype == "text/html"


# -- routing redirects ------------------------------------------------------------------------


def test_trailing_slash_redirect_keeps_query(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    app.add_url_rule("/dir/", "dir", lambda: "dir")
    app.add_url_rule("/file", "file", lambda: "file")
    client = make_client(app)
    response = client.get("/dir?a=1&b=%20")
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/dir/?a=1&b=%20"
    assert client.get("/dir/").text == "dir"
    assert client.get("/file/").status_code == 404
    assert client.get("/dir", follow_redirects=True).text == "dir"


@pytest.mark.parametrize("root", ["/", "/mo unt"])
def test_slash_redirect_quotes_like_werkzeug(
    app: Kolben, make_client: MakeClient, pipeline: str, root: str
) -> None:
    app.config["APPLICATION_ROOT"] = root
    app.add_url_rule("/a+b@c;d/", "sub", lambda: "")
    app.add_url_rule("/ü/", "uml", lambda: "")
    prefix = "http://localhost" + ("/mo%20unt" if root != "/" else "")
    client = make_client(app)
    # Raw UTF-8 in the query string is percent-encoded once, escapes are kept.
    response = client.get("/a+b@c;d?x=ü&y=%20&z=a/b?c")
    assert response.status_code == 308
    assert response.headers["Location"] == f"{prefix}/a+b@c;d/?x=%C3%BC&y=%20&z=a/b?c"
    response = client.get("/%C3%BC")
    assert response.headers["Location"] == f"{prefix}/%C3%BC/"


def test_trailing_slash_redirect_keeps_method(app: Kolben, make_client: MakeClient) -> None:
    app.add_url_rule("/dir/", "dir", lambda: request.get_data(), methods=["POST"])
    response = make_client(app).post("/dir", data=b"body", follow_redirects=True)
    assert response.data == b"body"


def test_strict_slashes_false(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    app.add_url_rule("/loose/", "loose", lambda: "ok", strict_slashes=False)
    client = make_client(app)
    assert client.get("/loose").text == "ok"
    assert client.get("/loose/").text == "ok"


def test_merge_slashes(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    app.add_url_rule("/a/b", "ab", lambda: "ab")
    app.add_url_rule("/keep//it", "keep", lambda: "kept", merge_slashes=False)
    client = make_client(app)
    response = client.get("/a//b")
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/a/b"
    assert client.get("/keep//it").text == "kept"


def test_defaults_redirect_and_build(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    @app.route("/users/", defaults={"page": 1})
    @app.route("/users/page/<int:page>")
    def users(page: int) -> str:
        return f"page {page} {url_for('users', page=page)}"

    client = make_client(app)
    assert client.get("/users/").text == "page 1 /users/"
    assert client.get("/users/page/2").text == "page 2 /users/page/2"
    response = client.get("/users/page/1")
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/users/"


def test_redirect_to(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    ran: list[str] = []

    def old(**kw: t.Any) -> str:
        ran.append("old")
        return ""

    app.add_url_rule("/old/<int:n>", "old", old, redirect_to="/new/<n>")
    app.add_url_rule(
        "/fn/<name>",
        "fn",
        old,
        redirect_to=lambda adapter, name: f"/hello/{name.upper()}",
    )
    client = make_client(app)
    response = client.get("/old/5")
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/new/5"
    response = client.get("/fn/ann")
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/hello/ANN"
    assert ran == []


def test_routing_redirect_is_not_seen_by_error_handlers(
    app: Kolben, make_client: MakeClient
) -> None:
    @app.errorhandler(Exception)
    def handle(e: Exception) -> tuple[str, int]:
        return "handled", 500

    app.add_url_rule("/dir/", "dir", lambda: "dir")
    assert make_client(app).get("/dir").status_code == 308


# -- registration -------------------------------------------------------------------------------


def test_endpoint_decorator(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    app.add_url_rule("/", "index")

    @app.endpoint("index")
    def index() -> str:
        return "from endpoint"

    assert app.view_functions["index"] is index
    assert make_client(app).get("/").text == "from endpoint"


def test_endpoint_defaults_to_function_name() -> None:
    app = Kolben(__name__, static_folder=None)

    @app.route("/")
    def my_view() -> str:
        return ""

    @app.route("/named", endpoint="other")
    def named() -> str:
        return ""

    assert app.view_functions == {"my_view": my_view, "other": named}
    assert [r.endpoint for r in app.url_map.iter_rules()] == ["my_view", "other"]


def test_overwriting_endpoint_is_an_error(app: Kolben) -> None:
    @app.route("/a")
    def view() -> str:
        return ""

    # The same function again, for another rule, is fine.
    app.add_url_rule("/b", "view", view)

    def other() -> str:
        return ""

    with pytest.raises(AssertionError, match="overwriting an existing endpoint function: view"):
        app.add_url_rule("/c", "view", other)


_SETUP_CALLS: list[tuple[str, Callable[[Kolben], t.Any]]] = [
    ("add_url_rule", lambda app: app.add_url_rule("/late", "late", lambda: "")),
    ("route", lambda app: app.route("/late")),
    ("get", lambda app: app.get("/late")),
    ("post", lambda app: app.post("/late")),
    ("endpoint", lambda app: app.endpoint("late")),
    ("before_request", lambda app: app.before_request(lambda: None)),
    ("after_request", lambda app: app.after_request(lambda r: r)),
    ("teardown_request", lambda app: app.teardown_request(lambda e: None)),
    ("teardown_appcontext", lambda app: app.teardown_appcontext(lambda e: None)),
    ("errorhandler", lambda app: app.errorhandler(404)),
    ("register_error_handler", lambda app: app.register_error_handler(404, lambda e: "")),
    ("url_defaults", lambda app: app.url_defaults(lambda e, v: None)),
    ("url_value_preprocessor", lambda app: app.url_value_preprocessor(lambda e, v: None)),
    ("context_processor", lambda app: app.context_processor(dict)),
    ("shell_context_processor", lambda app: app.shell_context_processor(dict)),
]


@pytest.mark.parametrize(("name", "call"), _SETUP_CALLS, ids=[n for n, _ in _SETUP_CALLS])
@pytest.mark.parametrize("hooked", [False, True])
def test_setup_after_first_request_is_refused(
    app: Kolben,
    make_client: MakeClient,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    call: Callable[[Kolben], t.Any],
    hooked: bool,
) -> None:
    app.add_url_rule("/", "index", lambda: "ok")
    if hooked:
        app.before_request(lambda: None)
    else:
        monkeypatch.setattr(signals, "in_use", False)
    call(app)  # allowed before the first request
    assert make_client(app).get("/").status_code == 200
    with pytest.raises(AssertionError, match=f"The setup method '{name}' can no longer be called"):
        call(app)


def test_setup_after_a_404_is_refused(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    assert make_client(app).get("/nothing").status_code == 404
    with pytest.raises(AssertionError, match="'add_url_rule'"):
        app.add_url_rule("/late", "late", lambda: "")


# -- url_for --------------------------------------------------------------------------------------


def test_url_for_inside_request(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    @app.route("/user/<name>")
    def user(name: str) -> str:
        return ""

    @app.route("/")
    def index() -> dict[str, str]:
        return {
            "relative": url_for("user", name="ann"),
            "external": url_for("user", name="ann", _external=True),
            "scheme": url_for("user", name="ann", _scheme="https"),
            "dot": url_for(".index"),
        }

    assert make_client(app).get("/").json == {
        "relative": "/user/ann",
        "external": "http://localhost/user/ann",
        "scheme": "https://localhost/user/ann",
        "dot": "/",
    }


def test_url_for_scheme_without_external_is_an_error(app: Kolben) -> None:
    app.add_url_rule("/", "index")
    with app.test_request_context(), pytest.raises(ValueError, match="_scheme"):
        url_for("index", _scheme="https", _external=False)


def test_url_for_query_anchor_method(app: Kolben) -> None:
    app.add_url_rule("/p/<int:n>", "page")
    app.add_url_rule("/get", "get_ep", methods=["GET"])
    app.add_url_rule("/post", "post_ep", methods=["POST"])
    app.add_url_rule("/multi", "multi", methods=["GET"])
    app.add_url_rule("/multi-post", "multi", methods=["POST"])
    with app.test_request_context():
        assert url_for("page", n=2, q="x y", tag=["a", "b"], skip=None) == (
            "/p/2?q=x+y&tag=a&tag=b"
        )
        assert url_for("page", n=1, name="ü") == "/p/1?name=%C3%BC"
        assert url_for("page", n=1, _anchor="a b#c") == "/p/1#a%20b#c"
        assert url_for("page", n=1, _anchor="x/y?z") == "/p/1#x/y?z"
        assert url_for("multi", _method="POST") == "/multi-post"
        assert url_for("multi", _method="GET") == "/multi"
        assert url_for("multi") == "/multi"


def test_url_for_outside_request(app: Kolben) -> None:
    app.add_url_rule("/p/<int:n>", "page")
    with app.app_context(), pytest.raises(RuntimeError, match="SERVER_NAME"):
        url_for("page", n=1)
    app.config.update(
        SERVER_NAME="example.com:8080",
        APPLICATION_ROOT="/root",
        PREFERRED_URL_SCHEME="https",
    )
    with app.app_context():
        assert url_for("page", n=1) == "https://example.com:8080/root/p/1"
        assert url_for("page", n=1, _external=False) == "/root/p/1"
        assert url_for("page", n=1, _scheme="ftp") == "ftp://example.com:8080/root/p/1"
    assert app.url_for("page", n=3) == "https://example.com:8080/root/p/3"


def test_url_for_needs_app_context(app: Kolben) -> None:
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        url_for("index")


def test_url_for_in_request_uses_script_root(app: Kolben) -> None:
    app.add_url_rule("/p", "page")
    app.config["APPLICATION_ROOT"] = "/mount"
    with app.test_request_context("/p"):
        assert request.script_root == "/mount"
        assert url_for("page") == "/mount/p"
        assert url_for("page", _external=True) == "http://localhost/mount/p"


def test_build_error_hints(app: Kolben) -> None:
    app.add_url_rule("/p/<int:n>", "page")
    app.add_url_rule("/post", "posted", methods=["POST"])
    with app.test_request_context():
        with pytest.raises(BuildError, match="Did you mean 'page' instead") as info:
            url_for("pages")
        assert isinstance(info.value, LookupError)
        with pytest.raises(BuildError, match=r"Did you forget to specify values \['n'\]"):
            url_for("page")
        with pytest.raises(BuildError, match="Did you mean to use methods"):
            url_for("posted", _method="GET")
        with pytest.raises(BuildError) as info:
            url_for("page", extra=1)
        # Only the values the caller passed are listed (no "_anchor" and co.).
        assert "with values ['extra']" in str(info.value)
        assert "_anchor" not in str(info.value)


def test_url_build_error_handlers(app: Kolben) -> None:
    seen: list[tuple[str, dict[str, t.Any]]] = []

    def none_handler(error: Exception, endpoint: str, values: dict[str, t.Any]) -> None:
        seen.append((endpoint, dict(values)))

    def fallback(error: Exception, endpoint: str, values: dict[str, t.Any]) -> str | None:
        if endpoint == "external":
            return "https://elsewhere.example/"
        return None

    app.url_build_error_handlers.extend([none_handler, fallback])
    with app.test_request_context():
        assert url_for("external", x=1) == "https://elsewhere.example/"
        with pytest.raises(BuildError):
            url_for("missing")
    assert seen[0][0] == "external"
    # As in Flask, handlers also get the url_for options.
    assert seen[0][1] == {
        "x": 1,
        "_anchor": None,
        "_method": None,
        "_scheme": None,
        "_external": False,
    }


def test_url_build_error_handler_may_raise_another_build_error(app: Kolben) -> None:
    def handler(error: BuildError, endpoint: str, values: dict[str, t.Any]) -> str:
        raise BuildError("replacement", {}, None)

    app.url_build_error_handlers.append(handler)
    with app.test_request_context(), pytest.raises(BuildError) as info:
        url_for("missing")
    assert info.value.endpoint == "replacement"


def test_url_defaults_and_value_preprocessor(app: Kolben, make_client: MakeClient) -> None:
    @app.url_defaults
    def add_lang(endpoint: str, values: dict[str, t.Any]) -> None:
        if app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values.setdefault("lang", request.lang)  # type: ignore[attr-defined]

    @app.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        request.lang = (values or {}).pop("lang", None)  # type: ignore[attr-defined]

    @app.route("/<lang>/about")
    def about() -> dict[str, t.Any]:
        return {"lang": request.lang, "self": url_for("about")}  # type: ignore[attr-defined]

    assert make_client(app).get("/de/about").json == {"lang": "de", "self": "/de/about"}


def test_url_value_preprocessor_runs_with_none_after_failed_match(
    app: Kolben, make_client: MakeClient
) -> None:
    seen: list[t.Any] = []

    @app.url_value_preprocessor
    def pre(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        seen.append((endpoint, values))

    assert make_client(app).get("/missing").status_code == 404
    assert seen == [(None, None)]


# -- subdomains, hosts, trusted hosts ------------------------------------------------------


def test_subdomain_matching(make_client: MakeClient, pipeline: str) -> None:
    app = Kolben(__name__, subdomain_matching=True, static_folder=None)
    app.config.update(TESTING=True, SERVER_NAME="example.com")
    if pipeline == "hooked":
        app.after_request(lambda r: r)

    @app.route("/")
    def index() -> str:
        return "root"

    @app.route("/", subdomain="<user>")
    def user_home(user: str) -> str:
        return f"user {user} {url_for('user_home', user='bob', _external=True)}"

    @app.route("/api", subdomain="api")
    def api() -> str:
        return "api"

    client = make_client(app)
    assert client.get("/").text == "root"
    assert client.get("/", subdomain="ann").text == "user ann http://bob.example.com/"
    assert client.get("/api", subdomain="api").text == "api"
    assert client.get("/api").status_code == 404
    assert client.get("/", subdomain="a.b").text.startswith("user a.b ")
    # A Host outside SERVER_NAME is not rejected (3.1), its subdomain is
    # "<invalid>", which only a "<user>"-style rule matches (as in Flask).
    assert client.get("/api", base_url="http://other.test/").status_code == 404


def test_without_subdomain_matching_the_subdomain_is_ignored(
    make_client: MakeClient, pipeline: str
) -> None:
    app = Kolben(__name__, static_folder=None)
    app.config.update(TESTING=True, SERVER_NAME="example.com")
    if pipeline == "hooked":
        app.after_request(lambda r: r)
    app.add_url_rule("/", "index", lambda: "root")
    client = make_client(app)
    assert client.get("/", subdomain="www").text == "root"
    assert client.get("/", base_url="http://unrelated.test/").text == "root"


def test_host_matching_with_static_host(
    tmp_path: Path, make_client: MakeClient, pipeline: str
) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "app.css").write_text("body{}")
    app = Kolben(
        __name__,
        host_matching=True,
        static_host="static.example",
        static_folder=str(static),
        root_path=str(tmp_path),
    )
    app.config["TESTING"] = True
    if pipeline == "hooked":
        app.after_request(lambda r: r)

    @app.route("/", host="www.example")
    def index() -> str:
        return "www"

    @app.route("/", host="<tenant>.tenants.example")
    def tenant(tenant: str) -> str:
        return f"tenant {tenant} {url_for('static', filename='app.css')}"

    client = make_client(app)
    assert client.get("/", base_url="http://www.example").text == "www"
    assert (
        client.get("/", base_url="http://acme.tenants.example").text
        == "tenant acme http://static.example/static/app.css"
    )
    with client.get("/static/app.css", base_url="http://static.example") as response:
        assert response.data == b"body{}"
    assert client.get("/static/app.css", base_url="http://www.example").status_code == 404
    assert client.get("/", base_url="http://other.example").status_code == 404


def test_host_matching_needs_static_host(tmp_path: Path) -> None:
    with pytest.raises(AssertionError):
        Kolben(__name__, host_matching=True, root_path=str(tmp_path))
    # No static folder: nothing to serve, nothing to check.
    Kolben(__name__, host_matching=True, static_folder=None)


def test_trusted_hosts(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    calls: list[str] = []
    app.config["TRUSTED_HOSTS"] = ["good.example", ".trusted.example"]

    @app.route("/")
    def index() -> str:
        calls.append("view")
        return request.host

    client = make_client(app)
    assert client.get("/", base_url="http://good.example").text == "good.example"
    assert client.get("/", base_url="http://a.trusted.example").text == "a.trusted.example"
    assert client.get("/", base_url="http://trusted.example").text == "trusted.example"
    assert client.get("/", base_url="http://evil.example").status_code == 400
    assert client.get("/", base_url="http://eviltrusted.example").status_code == 400
    assert calls == ["view", "view", "view"]


def test_bad_host_still_runs_hooks(app: Kolben, make_client: MakeClient) -> None:
    calls: list[str] = []
    app.config["TRUSTED_HOSTS"] = ["good.example"]

    @app.before_request
    def before() -> None:
        calls.append("before")

    @app.after_request
    def after(response: t.Any) -> t.Any:
        calls.append(f"after {response.status_code}")
        return response

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        calls.append(f"teardown {exc!r}")

    @app.route("/")
    def index() -> str:
        calls.append("view")
        return "x"

    assert make_client(app).get("/", base_url="http://bad.example").status_code == 400
    assert calls == ["before", "after 400", "teardown None"]


def test_url_for_external_with_bad_host_never_shows_it(app: Kolben) -> None:
    app.config["TRUSTED_HOSTS"] = ["good.example"]
    app.add_url_rule("/", "index")
    with app.test_request_context("/", base_url="http://evil.example"):
        with pytest.raises(Exception) as info:
            url_for("index", _external=True)
        assert "http://evil.example" not in str(info.value)


# -- static files ---------------------------------------------------------------------------------


@pytest.fixture
def static_app(tmp_path: Path) -> Kolben:
    root = tmp_path / "root"
    static = root / "static"
    (static / "sub").mkdir(parents=True)
    (static / "hello.txt").write_text("hello")
    (static / "sub" / "deep.css").write_text("deep")
    (root / "secret.py").write_text("SECRET = 1")
    (root / "static1").mkdir()
    (root / "static1" / "x.txt").write_text("sibling")
    app = Kolben(__name__, static_folder=str(static), root_path=str(root))
    app.config["TESTING"] = True
    return app


def test_static_files(static_app: Kolben, make_client: MakeClient) -> None:
    client = make_client(static_app)
    response = client.get("/static/hello.txt")
    assert response.status_code == 200
    assert response.data == b"hello"
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-cache"
    response.close()
    response = client.get("/static/sub/deep.css")
    assert response.data == b"deep"
    response.close()
    assert client.get("/static/missing.txt").status_code == 404
    assert static_app.static_url_path == "/static"
    with static_app.test_request_context():
        assert url_for("static", filename="sub/deep.css") == "/static/sub/deep.css"


def test_static_max_age(static_app: Kolben, make_client: MakeClient) -> None:
    static_app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 60
    response = make_client(static_app).get("/static/hello.txt")
    assert response.headers["Cache-Control"] == "public, max-age=60"
    response.close()


def test_static_conditional_request(static_app: Kolben, make_client: MakeClient) -> None:
    client = make_client(static_app)
    with client.get("/static/hello.txt") as first:
        etag = first.headers["ETag"]
    with client.get("/static/hello.txt", headers={"If-None-Match": etag}) as second:
        assert second.status_code == 304
        assert second.data == b""
        assert second.headers["ETag"] == etag
        # RFC 9110 15.4.5: no representation metadata on a 304 (as Flask).
        assert "Content-Type" not in second.headers


@pytest.mark.parametrize(
    "path",
    [
        "/static/../secret.py",
        "/static/%2e%2e/secret.py",
        "/static/..%2fsecret.py",
        "/static/sub/../../secret.py",
        "/static/..\\secret.py",
        "/static/%5c..%5csecret.py",
        "/static/../static1/x.txt",
        "/static/hello.txt%00.png",
        "/static/C:/Windows/win.ini",
        "/static/CON",
        "/static/sub/nul.txt",
        "/static/.",
        "/static/sub/",
    ],
)
def test_static_traversal_is_404(static_app: Kolben, make_client: MakeClient, path: str) -> None:
    client = make_client(static_app)
    assert client.get(path).status_code == 404
    # The same, when a server hands the path over undecoded and unnormalised.
    raw = path.replace("%2e", ".").replace("%2f", "/").replace("%5c", "\\")
    response = client.get("/", environ_overrides={"PATH_INFO": raw})
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/static//etc/passwd", "/static/%2Fetc%2Fpasswd"])
def test_static_double_slash_stays_inside(
    static_app: Kolben, make_client: MakeClient, path: str
) -> None:
    # Merged slashes redirect (308) within the static folder; never to /etc.
    response = make_client(static_app).get(path, follow_redirects=True)
    assert response.status_code == 404
    assert [r.headers["Location"] for r in response.history] == [
        "http://localhost/static/etc/passwd"
    ]


def test_static_url_path_and_no_static_folder(tmp_path: Path, make_client: MakeClient) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "a.js").write_text("js")
    app = Kolben(__name__, static_folder="assets", static_url_path="/s", root_path=str(tmp_path))
    response = make_client(app).get("/s/a.js")
    assert response.data == b"js"
    response.close()

    bare = Kolben(__name__, static_folder=None)
    assert not bare.has_static_folder
    assert bare.static_url_path is None
    assert list(bare.url_map.iter_rules()) == []
    with pytest.raises(RuntimeError), bare.test_request_context():
        bare.send_static_file("x")


def test_trusted_hosts_changed_after_first_request(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    app.add_url_rule("/", "index", lambda: "ok")
    client = make_client(app)
    assert client.get("/", base_url="http://late.example").status_code == 200
    app.config["TRUSTED_HOSTS"] = ["good.example"]
    assert client.get("/", base_url="http://late.example").status_code == 400
    assert client.get("/", base_url="http://good.example").status_code == 200


def test_view_functions_replaced_after_first_request(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    # view_functions is a plain dict: as in Flask, a replacement takes effect.
    app.add_url_rule("/", "index", lambda: "old")
    client = make_client(app)
    assert client.get("/").text == "old"
    app.view_functions["index"] = lambda: "new"
    assert client.get("/").text == "new"


def test_registries_changed_directly_before_first_request(
    app: Kolben, make_client: MakeClient
) -> None:
    # Extensions sometimes append to the registries instead of calling the
    # setup methods; that works as long as the app has not served yet, even
    # when something ran the pipeline by hand during setup.
    app.add_url_rule("/", "index", lambda: "view")
    with app.test_request_context():
        assert app.preprocess_request() is None
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: "from hook")
    assert make_client(app).get("/").text == "from hook"


@pytest.mark.parametrize("path", ["//evil.example/dir", "//evil.example//dir"])
def test_routing_redirect_never_leaves_the_host(
    app: Kolben, make_client: MakeClient, pipeline: str, path: str
) -> None:
    app.add_url_rule("/evil.example/dir/", "dir", lambda: "dir")
    response = make_client(app).get("/", environ_overrides={"PATH_INFO": path})
    assert response.status_code == 308
    assert response.headers["Location"].startswith("http://localhost/")


def test_url_for_external_in_request_uses_server_name(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    # Without subdomain matching the adapter is still bound to SERVER_NAME
    # (Flask 3.1): requests for any Host match, external URLs name the server.
    app.config["SERVER_NAME"] = "example.com"
    app.add_url_rule("/", "index", lambda: url_for("index", _external=True))
    client = make_client(app)
    assert client.get("/").text == "http://example.com/"
    assert client.get("/", base_url="http://other.test").text == "http://example.com/"
    assert client.get("/", base_url="https://example.com:8443").text == "https://example.com/"


def test_converter_raising_is_a_server_error(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    class Broken(BaseConverter):
        def to_python(self, value: str) -> t.Any:
            raise ZeroDivisionError("converter")

    app.url_map.converters["broken"] = Broken
    app.add_url_rule("/<broken:x>", "x", lambda x: "x")
    client = make_client(app)
    with pytest.raises(ZeroDivisionError):
        client.get("/a")
    app.config["TESTING"] = False
    assert client.get("/a").status_code == 500


@pytest.mark.parametrize("hooked", [False, True])
def test_fast_path_is_taken_only_without_hooks(
    app: Kolben,
    make_client: MakeClient,
    monkeypatch: pytest.MonkeyPatch,
    hooked: bool,
    interface: str,
) -> None:
    """The hook-less WSGI pipeline really short-cuts; any hook turns it off."""
    if interface != "wsgi":
        pytest.skip("the inlined pipeline is the WSGI entry point's")
    monkeypatch.setattr(signals, "in_use", False)
    calls: list[str] = []
    original = type(app)._fast_dispatch

    def spy(self: Kolben, *args: t.Any) -> t.Any:
        calls.append("fast")
        return original(self, *args)

    monkeypatch.setattr(type(app), "_fast_dispatch", spy)
    if hooked:
        app.before_request(lambda: None)

    @app.route("/")
    def index() -> str:
        return "hi"

    response = make_client(app).get("/")
    assert response.data == b"hi"
    assert calls == ([] if hooked else ["fast"])
