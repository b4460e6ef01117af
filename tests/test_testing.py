"""The test client, run_wsgi_app and TestResponse, against tiny inline WSGI apps."""

from __future__ import annotations

import json
import typing as t
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta, timezone
from types import TracebackType

import pytest

import kolben.testing as testing_module
import kolben.testing.cookies as cookiejar_module
from kolben import Kolben, g, has_request_context, redirect, request
from kolben.testing import (
    Client,
    ClientRedirectError,
    Cookie,
    EnvironBuilder,
    FlaskClient,
    KolbenClient,
    TestResponse,
    create_environ,
    run_wsgi_app,
)
from kolben.wrappers import Request, Response

StartResponse = Callable[..., Callable[[bytes], object]]
Environ = dict[str, t.Any]


def echo_app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """Answer with the request as JSON (method, path, query, cookie, body)."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    body = stream.read(int(length)) if length else b""
    data = {
        "method": environ["REQUEST_METHOD"],
        "script": environ["SCRIPT_NAME"],
        "path": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"],
        "host": environ["HTTP_HOST"],
        "scheme": environ["wsgi.url_scheme"],
        "cookie": environ.get("HTTP_COOKIE"),
        "content_type": environ.get("CONTENT_TYPE"),
        "body": body.decode("latin-1"),
        "remote_addr": environ.get("REMOTE_ADDR"),
    }
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(data).encode()]


def echo(response: TestResponse) -> dict[str, t.Any]:
    return t.cast(dict[str, t.Any], json.loads(response.get_data()))


def cookie_app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """``?set=<Set-Cookie value>`` (repeatable) sets cookies; the body is the Cookie header."""
    request = Request(environ)
    headers = [("Content-Type", "text/plain")]
    headers.extend(("Set-Cookie", value) for value in request.args.getlist("set"))
    start_response("200 OK", headers)
    return [environ.get("HTTP_COOKIE", "").encode()]


# -- run_wsgi_app --------------------------------------------------------------------------


def test_run_wsgi_app_returns_body_status_headers() -> None:
    body, status, headers = run_wsgi_app(echo_app, create_environ("/x"), buffered=True)
    assert status == "200 OK"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(b"".join(body))["path"] == "/x"


def test_run_wsgi_app_with_lazy_start_response() -> None:
    def app(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        yield b""  # nothing yet: headers come with the first real chunk
        start_response("201 Created", [("X-Late", "yes")])
        yield b"late"
        yield b" body"

    body, status, headers = run_wsgi_app(app, create_environ())
    assert status == "201 Created"
    assert headers["X-Late"] == "yes"
    assert b"".join(body) == b"late body"


def test_run_wsgi_app_write_callable_keeps_order() -> None:
    def app(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        write = start_response("200 OK", [])
        write(b"a")
        write(b"b")
        yield b"c"
        write(b"d")
        yield b"e"
        write(b"f")

    for buffered in (True, False):
        body, _, _ = run_wsgi_app(app, create_environ(), buffered=buffered)
        assert b"".join(body) == b"abcdef"


def test_run_wsgi_app_closes_iterable() -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield b"x"

        def close(self) -> None:
            closed.append(True)

    def app(environ: Environ, start_response: StartResponse) -> Body:
        start_response("200 OK", [])
        return Body()

    body, _, _ = run_wsgi_app(app, create_environ(), buffered=True)
    assert body == [b"x"]
    assert closed == [True]

    closed.clear()
    lazy, _, _ = run_wsgi_app(app, create_environ())
    assert closed == []
    assert list(lazy) == [b"x"]
    t.cast(Body, lazy).close()
    t.cast(Body, lazy).close()
    assert closed == [True]


def test_run_wsgi_app_without_start_response() -> None:
    closed: list[bool] = []

    class Body(list[bytes]):
        def close(self) -> None:
            closed.append(True)

    def app(environ: Environ, start_response: StartResponse) -> Body:
        return Body([b"x"])

    with pytest.raises(RuntimeError, match="start_response"):
        run_wsgi_app(app, create_environ())
    assert closed == [True]


def test_run_wsgi_app_reraises_exc_info() -> None:
    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        try:
            raise KeyError("boom")
        except KeyError as exc:
            start_response("500 Error", [], (KeyError, exc, exc.__traceback__))
        return []

    with pytest.raises(KeyError, match="boom"):
        run_wsgi_app(app, create_environ())


def test_streamed_response_stays_lazy() -> None:
    produced: list[int] = []

    def app(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [])
        for i in range(3):
            produced.append(i)
            yield str(i).encode()

    response = Client(app).get("/")
    assert produced == [0]
    assert response.get_data() == b"012"
    assert produced == [0, 1, 2]
    buffered = Client(app).get("/", buffered=True)
    assert buffered.is_sequence


# -- responses -----------------------------------------------------------------------------


def test_response_has_request_text_and_json() -> None:
    response = Client(echo_app).post("/p?q=1", data="héllo", content_type="text/plain")
    assert isinstance(response, TestResponse)
    assert isinstance(response.request, Request)
    assert response.request.path == "/p"
    assert response.status_code == 200
    assert response.history == ()
    assert response.json is not None
    assert response.json["body"] == "héllo".encode().decode("latin-1")
    assert response.get_json()["query"] == "q=1"
    assert json.loads(response.text)["method"] == "POST"


def test_custom_response_wrapper_is_combined_with_test_response() -> None:
    class AppResponse(Response):
        def shout(self) -> str:
            return str(self.get_data(as_text=True)).upper()

    client = Client(cookie_app, AppResponse)
    response = client.get("/")
    assert isinstance(response, AppResponse)
    assert isinstance(response, TestResponse)
    assert type(response).__name__ == "WrapperTestResponse"
    assert response.shout() == ""


def test_test_response_subclass_is_used_as_is() -> None:
    class Mine(TestResponse):
        pass

    assert type(Client(cookie_app, Mine).get("/")) is Mine
    assert type(Client(cookie_app, Response).get("/")) is TestResponse


# -- open() inputs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("get", "GET"),
        ("post", "POST"),
        ("put", "PUT"),
        ("patch", "PATCH"),
        ("delete", "DELETE"),
        ("head", "HEAD"),
        ("options", "OPTIONS"),
        ("trace", "TRACE"),
    ],
)
def test_method_helpers(method: str, expected: str) -> None:
    seen: list[str] = []

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        seen.append(environ["REQUEST_METHOD"])
        start_response("204 No Content", [])
        return []

    getattr(Client(app), method)("/")
    assert seen == [expected]


def test_open_takes_builder_arguments() -> None:
    response = Client(echo_app).open(
        "/a", base_url="https://example.com/root", method="PUT", data={"k": "v"}
    )
    data = echo(response)
    assert (data["method"], data["script"], data["path"]) == ("PUT", "/root", "/a")
    assert (data["host"], data["scheme"]) == ("example.com", "https")
    assert data["body"] == "k=v"
    assert data["remote_addr"] == "127.0.0.1"


def test_open_takes_a_builder_environ_or_request() -> None:
    client = Client(echo_app)
    builder = EnvironBuilder("/from-builder", method="POST", data=b"b")
    assert echo(client.open(builder))["path"] == "/from-builder"
    assert echo(client.post(EnvironBuilder("/b2", method="PUT")))["method"] == "PUT"
    environ = create_environ("/from-environ")
    assert echo(client.open(environ))["path"] == "/from-environ"
    assert "HTTP_COOKIE" not in environ  # the caller's dict is not changed
    request = Request(create_environ("/from-request"))
    response = client.get(request)
    assert echo(response)["path"] == "/from-request"
    assert response.request.path == "/from-request"


def test_ready_request_cannot_take_more_arguments() -> None:
    with pytest.raises(TypeError, match="data"):
        Client(echo_app).open(EnvironBuilder(), data="x")


def test_environ_base_of_client_and_request() -> None:
    client = Client(echo_app)
    client.environ_base["REMOTE_ADDR"] = "192.0.2.1"
    assert echo(client.get("/"))["remote_addr"] == "192.0.2.1"
    response = client.get("/", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert echo(response)["remote_addr"] == "198.51.100.7"
    # A ready environ dict carries the request; the client supplies the rest.
    environ = create_environ(environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert echo(client.open(environ))["remote_addr"] == "192.0.2.1"


# -- cookies -------------------------------------------------------------------------------


def test_cookie_round_trip() -> None:
    client = Client(cookie_app)
    client.get("/", query_string={"set": "session=abc; Path=/; HttpOnly"})
    assert client.get("/").text == "session=abc"
    cookie = client.get_cookie("session")
    assert isinstance(cookie, Cookie)
    assert cookie.value == "abc"
    assert cookie.decoded_value == "abc"
    assert cookie.http_only is True
    assert cookie.secure is False
    assert cookie.origin_only is True
    assert cookie.domain == "localhost"
    assert cookie.path == "/"


def test_quoted_cookie_value_is_decoded() -> None:
    client = Client(cookie_app)
    client.get("/", query_string={"set": 'greeting="hello\\054 world"'})
    cookie = client.get_cookie("greeting")
    assert cookie is not None
    assert cookie.value == '"hello\\054 world"'
    assert cookie.decoded_value == "hello, world"
    assert client.get("/").text == 'greeting="hello\\054 world"'


def test_cookie_deleted_by_max_age_zero_or_past_expires() -> None:
    client = Client(cookie_app)
    client.get("/", query_string={"set": ["a=1", "b=2", "c=3"]})
    client.get(
        "/", query_string={"set": ["a=; Max-Age=0", "b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"]}
    )
    assert client.get("/").text == "c=3"
    assert client.get_cookie("a") is None
    assert client.get_cookie("b") is None


def test_max_age_wins_over_expires() -> None:
    client = Client(cookie_app)
    client.get(
        "/", query_string={"set": "keep=1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT"}
    )
    assert client.get("/").text == "keep=1"
    cookie = client.get_cookie("keep")
    assert cookie is not None
    assert cookie.max_age == 60


def test_cookie_expires_with_time(monkeypatch: pytest.MonkeyPatch) -> None:
    client = Client(cookie_app)
    client.get("/", query_string={"set": ["short=1; Max-Age=10", "forever=2"]})
    assert client.get("/").text == "short=1; forever=2"

    later = datetime.now(timezone.utc) + timedelta(seconds=30)

    class Later(datetime):
        @classmethod
        def now(cls, tz: t.Any = None) -> Later:
            return t.cast(Later, later)

    monkeypatch.setattr(cookiejar_module, "datetime", Later)
    assert client.get("/").text == "forever=2"
    assert client.get_cookie("short") is None


def test_cookie_paths() -> None:
    client = Client(cookie_app)
    client.get("/shop/cart", query_string={"set": ["default=1", "explicit=2; Path=/shop/cart/"]})
    client.get("/", query_string={"set": "root=3; Path=/"})
    assert client.get_cookie("default", path="/shop") is not None
    assert client.get("/").text == "root=3"
    assert client.get("/shop").text == "default=1; root=3"
    assert client.get("/shopping").text == "root=3"
    assert client.get("/shop/cart/items").text == "explicit=2; default=1; root=3"


def test_host_only_and_domain_cookies() -> None:
    client = Client(cookie_app, allow_subdomain_redirects=True)
    base = "http://example.com/"
    client.get(base, query_string={"set": ["host=1", "dom=2; Domain=.Example.com"]})
    assert client.get(base).text == "host=1; dom=2"
    assert client.get("http://api.example.com/").text == "dom=2"
    assert client.get("http://otherexample.com/").text == ""
    cookie = client.get_cookie("dom", domain="example.com")
    assert cookie is not None
    assert cookie.origin_only is False
    assert client.get_cookie("host", domain="example.com") is not None


def test_cookie_for_foreign_domain_is_stored_but_only_sent_there() -> None:
    # Werkzeug's client keeps it too (Flask-Login's REMEMBER_COOKIE_DOMAIN
    # tests read it back with get_cookie); it never goes to example.com.
    client = Client(cookie_app)
    client.get("http://example.com/", query_string={"set": "x=1; Domain=other.test"})
    assert client.get("http://example.com/").text == ""
    cookie = client.get_cookie("x", domain="other.test")
    assert cookie is not None
    assert (cookie.domain, cookie.origin_only) == ("other.test", False)
    assert client.get("http://www.other.test/").text == "x=1"


def test_cookie_without_name_is_ignored() -> None:
    client = Client(cookie_app)
    client.get("/", query_string={"set": ["novalue", "=empty-name", "ok=1"]})
    assert client.get("/").text == "ok=1"


def test_secure_cookie_still_sent_over_http() -> None:
    client = Client(cookie_app)
    client.get("/", query_string={"set": "s=1; Secure; SameSite=Lax; Partitioned"})
    cookie = client.get_cookie("s")
    assert cookie is not None
    assert (cookie.secure, cookie.same_site, cookie.partitioned) == (True, "Lax", True)
    assert client.get("/").text == "s=1"


def test_replacing_a_cookie_keeps_its_place() -> None:
    client = Client(cookie_app)
    client.get("/", query_string={"set": ["a=1", "b=2"]})
    client.get("/", query_string={"set": "a=3"})
    assert client.get("/").text == "a=3; b=2"


def test_set_get_delete_cookie() -> None:
    client = Client(cookie_app)
    client.set_cookie("flavour", "choc chip", max_age=3600, httponly=True)
    cookie = client.get_cookie("flavour")
    assert cookie is not None
    assert cookie.decoded_value == "choc chip"
    assert cookie.max_age == 3600
    assert cookie.expires is not None
    assert cookie.http_only is True
    assert client.get("/").text.startswith("flavour=")

    client.set_cookie("scoped", "1", domain="example.com", path="/admin", origin_only=False)
    assert client.get("http://www.example.com/admin/x").text == "scoped=1"
    assert client.get("http://www.example.com/").text == ""
    client.delete_cookie("scoped", domain="example.com", path="/admin")
    assert client.get_cookie("scoped", domain="example.com", path="/admin") is None

    client.set_cookie("gone", "x", max_age=0)
    assert client.get_cookie("gone") is None
    client.delete_cookie("flavour")
    client.delete_cookie("never-set")
    assert client.get("/").text == ""


def test_explicit_cookie_header_is_kept() -> None:
    client = Client(cookie_app)
    client.set_cookie("jar", "1")
    assert client.get("/", headers={"Cookie": "mine=2"}).text == "mine=2; jar=1"


def test_cookies_disabled() -> None:
    client = Client(cookie_app, use_cookies=False)
    client.get("/", query_string={"set": "a=1"})
    assert client.get("/").text == ""
    assert client.get("/", headers={"Cookie": "mine=2"}).text == "mine=2"
    with pytest.raises(TypeError, match="use_cookies"):
        client.set_cookie("a", "1")
    with pytest.raises(TypeError, match="use_cookies"):
        client.get_cookie("a")
    with pytest.raises(TypeError, match="use_cookies"):
        client.delete_cookie("a")


# -- redirects -------------------------------------------------------------------------------


def redirect_app(routes: dict[str, tuple[int, str]]) -> Callable[..., Iterable[bytes]]:
    """Redirect ``path -> (code, location)``; anything else is echoed."""

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ["SCRIPT_NAME"] + environ["PATH_INFO"]
        if path in routes:
            code, location = routes[path]
            stream = environ["wsgi.input"]
            stream.read()  # a real app may consume the body before redirecting
            start_response(f"{code} Redirect", [("Location", location)])
            return [b"redirecting"]
        return echo_app(environ, start_response)

    return app


@pytest.mark.parametrize("code", [301, 302, 303])
def test_redirect_switches_to_get_without_body(code: int) -> None:
    client = Client(redirect_app({"/form": (code, "/done")}))
    response = client.post("/form", data={"a": "1"}, follow_redirects=True)
    data = echo(response)
    assert (data["method"], data["path"], data["body"]) == ("GET", "/done", "")
    assert data["content_type"] is None
    assert [r.status_code for r in response.history] == [code]
    assert response.history[0].get_data() == b"redirecting"
    assert response.request.path == "/done"


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_head_stays_head(code: int) -> None:
    client = Client(redirect_app({"/a": (code, "/b")}))
    response = client.head("/a", follow_redirects=True)
    assert response.request.method == "HEAD"


@pytest.mark.parametrize("code", [307, 308])
def test_redirect_keeps_method_and_body(code: int) -> None:
    client = Client(redirect_app({"/upload": (code, "/v2/upload")}))
    response = client.put(
        "/upload", data=b"payload", content_type="text/plain", follow_redirects=True
    )
    data = echo(response)
    assert (data["method"], data["path"], data["body"]) == ("PUT", "/v2/upload", "payload")
    assert data["content_type"] == "text/plain"


def test_redirect_chain_history_and_locations() -> None:
    client = Client(
        redirect_app(
            {
                "/a/b/start": (302, "/a/next?x=1"),
                "/a/next": (301, "http://localhost/abs"),
                "/abs": (303, "//localhost/final"),
            }
        )
    )
    response = client.get("/a/b/start", follow_redirects=True)
    assert echo(response)["path"] == "/final"
    assert [r.request.path for r in response.history] == ["/a/b/start", "/a/next", "/abs"]
    assert response.history[1].request.args["x"] == "1"
    assert response.history[1].history == (response.history[0],)


def test_no_follow_returns_the_redirect() -> None:
    client = Client(redirect_app({"/a": (302, "/b")}))
    response = client.get("/a")
    assert response.status_code == 302
    assert response.headers["Location"] == "/b"
    assert echo(client.resolve_redirect(response))["path"] == "/b"


def test_redirect_inside_script_root() -> None:
    client = Client(redirect_app({"/app/a": (302, "/app/b"), "/app/c": (302, "/outside")}))
    data = echo(client.get("/a", base_url="http://localhost/app", follow_redirects=True))
    assert (data["script"], data["path"]) == ("/app", "/b")
    data = echo(client.get("/c", base_url="http://localhost/app", follow_redirects=True))
    assert (data["script"], data["path"]) == ("", "/outside")


def test_redirect_to_https_same_host() -> None:
    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ["wsgi.url_scheme"] == "http":
            start_response("301 Moved", [("Location", "https://localhost:8443/secure")])
            return []
        return echo_app(environ, start_response)

    data = echo(Client(app).get("/", follow_redirects=True))
    assert (data["scheme"], data["host"], data["path"]) == ("https", "localhost:8443", "/secure")


def test_external_redirect_is_refused() -> None:
    client = Client(redirect_app({"/": (302, "https://example.org/")}))
    with pytest.raises(ClientRedirectError, match="external"):
        client.get("/", follow_redirects=True)
    with pytest.raises(RuntimeError):
        client.get("/", follow_redirects=True)


def test_subdomain_redirect_needs_opt_in() -> None:
    app = redirect_app({"/": (302, "http://api.example.com/v1")})
    with pytest.raises(ClientRedirectError, match="allow_subdomain_redirects"):
        Client(app).get("http://example.com/", follow_redirects=True)
    response = Client(app, allow_subdomain_redirects=True).get(
        "http://example.com/", follow_redirects=True
    )
    assert echo(response)["host"] == "api.example.com"


def test_redirect_loop_raises() -> None:
    client = Client(redirect_app({"/ping": (302, "/pong"), "/pong": (302, "/ping")}))
    with pytest.raises(ClientRedirectError, match="loop"):
        client.get("/ping", follow_redirects=True)


def test_redirect_carries_cookies_set_on_the_way() -> None:
    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/login":
            start_response("302 Found", [("Location", "/home"), ("Set-Cookie", "sid=42")])
            return []
        return echo_app(environ, start_response)

    client = Client(app)
    response = client.post("/login", headers={"Cookie": "mine=1"}, follow_redirects=True)
    assert echo(response)["cookie"] == "mine=1; sid=42"


def test_redirect_keeps_client_environ_base() -> None:
    client = Client(redirect_app({"/a": (302, "/b")}))
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert echo(client.get("/a", follow_redirects=True))["remote_addr"] == "203.0.113.9"


# -- context preservation (KolbenClient) --------------------------------------------------


class FakeContext(AbstractContextManager["FakeContext"]):
    """Records pushes and pops, like an app or request context would."""

    active: t.ClassVar[list[str]] = []

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> FakeContext:
        self.active.append(self.name)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self.active[-1] == self.name
        self.active.pop()


class FakeApp:
    """A WSGI app with the bits KolbenClient reads, that hands over two contexts."""

    def __init__(self) -> None:
        self.config = {"SERVER_NAME": None, "APPLICATION_ROOT": "/", "PREFERRED_URL_SCHEME": "http"}
        self.json = json
        self.routes: dict[str, tuple[int, str]] = {}
        self.keys_seen: list[set[str]] = []

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        self.keys_seen.append(set(environ) & set(testing_module.PRESERVE_CONTEXT_KEYS))
        preserve = environ.get("kolben.preserve_context")
        if preserve is not None:
            preserve(FakeContext(f"app:{path}"))
            preserve(FakeContext(f"request:{path}"))
        if path in self.routes:
            code, location = self.routes[path]
            start_response(f"{code} Redirect", [("Location", location)])
            return []
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"ok": true}']


@pytest.fixture
def fake_client() -> Iterator[tuple[FakeApp, KolbenClient]]:
    FakeContext.active.clear()
    app = FakeApp()
    yield app, KolbenClient(app, Response)
    FakeContext.active.clear()


def test_contexts_are_kept_inside_with_block(fake_client: tuple[FakeApp, KolbenClient]) -> None:
    app, client = fake_client
    client.get("/outside")
    assert FakeContext.active == []
    assert app.keys_seen[-1] == set()
    with client:
        client.get("/one")
        assert app.keys_seen[-1] == set(testing_module.PRESERVE_CONTEXT_KEYS)
        assert FakeContext.active == ["app:/one", "request:/one"]
        client.get("/two")
        assert FakeContext.active == ["app:/two", "request:/two"]
    assert FakeContext.active == []
    client.get("/after")
    assert app.keys_seen[-1] == set()
    assert FakeContext.active == []


def test_only_final_redirect_contexts_are_kept(fake_client: tuple[FakeApp, KolbenClient]) -> None:
    app, client = fake_client
    app.routes = {"/start": (302, "/end")}
    with client:
        client.get("/start", follow_redirects=True)
        assert FakeContext.active == ["app:/end", "request:/end"]
    assert FakeContext.active == []


def test_nesting_with_client_is_an_error(fake_client: tuple[FakeApp, KolbenClient]) -> None:
    _, client = fake_client
    with client, pytest.raises(RuntimeError, match="Cannot nest client invocations"):
        client.__enter__()
    with client:  # usable again afterwards
        client.get("/")


def test_kolben_client_uses_app_json_and_app_builder(
    fake_client: tuple[FakeApp, KolbenClient],
) -> None:
    _, client = fake_client
    response = client.get("/")
    assert response.json_module is json
    assert response.json == {"ok": True}
    assert response.request.host == "localhost"
    assert FlaskClient is KolbenClient


# -- with a real Kolben app --------------------------------------------------------------------


@pytest.fixture
def kolben_app() -> Kolben:
    app = Kolben(__name__)
    app.config["TESTING"] = True

    @app.route("/hello")
    def hello() -> str:
        g.greeted = request.args.get("name", "world")  # type: ignore[attr-defined]
        return f"Hello {g.get('greeted')}"

    @app.route("/go")
    def go() -> Response:
        return redirect("/hello?name=redirected")

    @app.route("/json", methods=["POST"])
    def json_view() -> dict[str, t.Any]:
        return {"got": request.get_json()}

    return app


def test_app_test_client_preserves_context(kolben_app: Kolben) -> None:
    client = kolben_app.test_client()
    assert isinstance(client, KolbenClient)
    with client:
        assert client.get("/hello?name=kolben").text == "Hello kolben"
        assert request.path == "/hello"
        assert request.args["name"] == "kolben"
        assert g.get("greeted") == "kolben"
        client.get("/hello?name=again")
        assert request.args["name"] == "again"
    assert not has_request_context()


def test_app_context_after_redirect(kolben_app: Kolben) -> None:
    client = kolben_app.test_client()
    with client:
        response = client.get("/go", follow_redirects=True)
        assert response.text == "Hello redirected"
        assert request.path == "/hello"
        assert [r.status_code for r in response.history] == [302]


def test_app_json_body_and_nesting(kolben_app: Kolben) -> None:
    client = kolben_app.test_client()
    response = client.post("/json", json={"a": [1, 2]})
    assert response.get_json() == {"got": {"a": [1, 2]}}
    with client, pytest.raises(RuntimeError, match="Cannot nest"), client:
        pass
