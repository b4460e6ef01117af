"""``ProxyFix``: only the configured number of proxies is trusted, per header (API.md 21)."""

from __future__ import annotations

import asyncio
import typing as t
from collections.abc import Callable

import pytest

from asgi_tools import Recorder, call, http_scope, lifespan
from kolben import Kolben, request, url_for
from kolben.middleware.proxy_fix import ProxyFix
from kolben.testing import KolbenClient, create_environ

MakeClient = Callable[..., KolbenClient]

_KEYS = ("REMOTE_ADDR", "wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME")


def _fix(headers: dict[str, str], **trust: int) -> dict[str, t.Any]:
    """Run ``ProxyFix`` over a request from 10.0.0.1 to internal:8000; the environ seen."""
    seen: dict[str, t.Any] = {}

    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        seen.update(environ)
        start_response("200 OK", [])
        return [b""]

    environ = create_environ(
        "/path",
        "http://internal:8000/root/",
        headers=headers,
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    ProxyFix(app, **trust)(environ, lambda *a: None)
    return seen


def _view(seen: dict[str, t.Any]) -> dict[str, t.Any]:
    return {key: seen.get(key) for key in _KEYS}


# -- X-Forwarded-For with 0, 1 and 2 proxies ------------------------------------------------


@pytest.mark.parametrize(
    ("x_for", "header", "expected"),
    [
        (0, "1.1.1.1", "10.0.0.1"),
        (1, "1.1.1.1", "1.1.1.1"),
        # a client-sent (spoofed) value sits left of what the proxy appended
        (1, "6.6.6.6, 1.1.1.1", "1.1.1.1"),
        (2, "6.6.6.6, 1.1.1.1, 2.2.2.2", "1.1.1.1"),
        (2, "1.1.1.1, 2.2.2.2", "1.1.1.1"),
        # fewer values than trusted proxies: the header is not trusted at all
        (2, "1.1.1.1", "10.0.0.1"),
        (3, "1.1.1.1, 2.2.2.2", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, " , ", "10.0.0.1"),
        (2, '"1.1.1.1", 2.2.2.2,', "1.1.1.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_x_forwarded_for(x_for: int, header: str, expected: str) -> None:
    seen = _fix({"X-Forwarded-For": header}, x_for=x_for)
    assert seen["REMOTE_ADDR"] == expected


def test_several_header_lines_are_one_list() -> None:
    # A server joins repeated fields with ", "; the last proxy's line comes last.
    seen = _fix({"X-Forwarded-For": "6.6.6.6, 1.1.1.1"}, x_for=1)
    assert seen["REMOTE_ADDR"] == "1.1.1.1"


def test_defaults_trust_for_and_proto_only() -> None:
    seen = _fix(
        {
            "X-Forwarded-For": "1.1.1.1",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Port": "4433",
            "X-Forwarded-Prefix": "/evil",
        }
    )
    assert _view(seen) == {
        "REMOTE_ADDR": "1.1.1.1",
        "wsgi.url_scheme": "https",
        "HTTP_HOST": "internal:8000",
        "SERVER_NAME": "internal",
        "SERVER_PORT": "8000",
        "SCRIPT_NAME": "/root",
    }


def test_every_header_with_two_proxies() -> None:
    seen = _fix(
        {
            "X-Forwarded-For": "6.6.6.6, 1.1.1.1, 2.2.2.2",
            "X-Forwarded-Proto": "http, https, http",
            "X-Forwarded-Host": "spoof.example, example.com, proxy2.internal",
            "X-Forwarded-Port": "1, 443, 8080",
            "X-Forwarded-Prefix": "/spoof, /app, /p2",
        },
        x_for=2,
        x_proto=2,
        x_host=2,
        x_port=2,
        x_prefix=2,
    )
    assert _view(seen) == {
        "REMOTE_ADDR": "1.1.1.1",
        "wsgi.url_scheme": "https",
        "HTTP_HOST": "example.com:443",
        "SERVER_NAME": "example.com",
        "SERVER_PORT": "443",
        "SCRIPT_NAME": "/app",
    }


@pytest.mark.parametrize(
    ("headers", "trust", "expected"),
    [
        (
            {"X-Forwarded-Host": "example.com"},
            {"x_host": 1},
            ("example.com", "example.com", "8000"),
        ),
        (
            {"X-Forwarded-Host": "example.com:81"},
            {"x_host": 1},
            ("example.com:81", "example.com", "81"),
        ),
        (
            {"X-Forwarded-Host": "[2001:db8::1]"},
            {"x_host": 1},
            ("[2001:db8::1]", "[2001:db8::1]", "8000"),
        ),
        (
            {"X-Forwarded-Host": "[2001:db8::1]:81"},
            {"x_host": 1},
            ("[2001:db8::1]:81", "[2001:db8::1]", "81"),
        ),
        ({"X-Forwarded-Port": "8443"}, {"x_port": 1}, ("internal:8443", "internal", "8443")),
        (
            {"X-Forwarded-Host": "example.com:81", "X-Forwarded-Port": "82"},
            {"x_host": 1, "x_port": 1},
            ("example.com:82", "example.com", "82"),
        ),
        (
            {"X-Forwarded-Host": "[::1]", "X-Forwarded-Port": "82"},
            {"x_host": 1, "x_port": 1},
            ("[::1]:82", "[::1]", "82"),
        ),
    ],
)
def test_host_and_port(
    headers: dict[str, str], trust: dict[str, int], expected: tuple[str, str, str]
) -> None:
    seen = _fix(headers, x_for=0, x_proto=0, **trust)
    assert (seen["HTTP_HOST"], seen["SERVER_NAME"], seen["SERVER_PORT"]) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [("/app", "/app"), ("/app/", "/app"), ("/", ""), ("//evil.example", "/root"), ("app", "/root")],
)
def test_prefix(header: str, expected: str) -> None:
    seen = _fix({"X-Forwarded-Prefix": header}, x_prefix=1)
    assert seen["SCRIPT_NAME"] == expected
    assert seen["PATH_INFO"] == "/path"


@pytest.mark.parametrize(
    ("headers", "trust"),
    [
        ({"X-Forwarded-Proto": "ht tp"}, {"x_proto": 1}),
        ({"X-Forwarded-Proto": "javascript:"}, {"x_proto": 1}),
        ({"X-Forwarded-Host": "evil.example/path"}, {"x_host": 1}),
        ({"X-Forwarded-Host": "user@evil.example"}, {"x_host": 1}),
        ({"X-Forwarded-Host": "a b"}, {"x_host": 1}),
        ({"X-Forwarded-Port": "99999"}, {"x_port": 1}),
        ({"X-Forwarded-Port": "0"}, {"x_port": 1}),
        ({"X-Forwarded-Port": "80abc"}, {"x_port": 1}),
        ({"X-Forwarded-Prefix": "//evil.example"}, {"x_prefix": 1}),
    ],
)
def test_malformed_values_are_ignored(headers: dict[str, str], trust: dict[str, int]) -> None:
    seen = _fix(headers, **{"x_for": 0, "x_proto": 0, **trust})
    assert _view(seen) == _view(_fix({}, x_for=0, x_proto=0))


def test_proto_is_lowercased() -> None:
    assert _fix({"X-Forwarded-Proto": "HTTPS"})["wsgi.url_scheme"] == "https"


def test_original_values_are_kept() -> None:
    seen = _fix(
        {"X-Forwarded-For": "1.1.1.1", "X-Forwarded-Host": "example.com"}, x_for=1, x_host=1
    )
    orig = seen["werkzeug.proxy_fix.orig"]
    assert seen["kolben.proxy_fix.orig"] is orig
    assert orig == {
        "REMOTE_ADDR": "10.0.0.1",
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "internal:8000",
        "SERVER_NAME": "internal",
        "SERVER_PORT": "8000",
        "SCRIPT_NAME": "/root",
    }


@pytest.mark.parametrize("bad", [-1, 1.5, "1", True, None])
def test_trust_counts_are_validated(bad: t.Any) -> None:
    with pytest.raises(ValueError, match="number of proxies"):
        ProxyFix(lambda e, s: [], x_host=bad)


# -- through an app, under WSGI and ASGI ---------------------------------------------------


def _proxied_app(**trust: int) -> Kolben:
    app = Kolben("proxied", static_folder=None)
    app.testing = True

    @app.route("/where")
    def where() -> dict[str, t.Any]:
        return {
            "remote_addr": request.remote_addr,
            "scheme": request.scheme,
            "host": request.host,
            "root": request.root_path,
            "url": url_for("where", _external=True),
            "is_secure": request.is_secure,
        }

    app.wsgi_app = ProxyFix(app.wsgi_app, **trust)  # type: ignore[method-assign]
    app.asgi_app = ProxyFix(app.asgi_app, **trust)  # type: ignore[method-assign]
    return app


def test_app_behind_one_proxy(make_client: MakeClient) -> None:
    client = make_client(_proxied_app(x_for=1, x_proto=1, x_host=1, x_prefix=1))
    response = client.get(
        "/where",
        headers={
            "X-Forwarded-For": "6.6.6.6, 203.0.113.7",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "www.example.com",
            "X-Forwarded-Prefix": "/shop",
        },
    )
    assert response.json == {
        "remote_addr": "203.0.113.7",
        "scheme": "https",
        "host": "www.example.com",
        "root": "/shop",
        "url": "https://www.example.com/shop/where",
        "is_secure": True,
    }


def test_app_without_proxy_headers(make_client: MakeClient) -> None:
    client = make_client(_proxied_app(x_for=2, x_proto=2, x_host=2))
    # A direct client cannot pose as a proxy chain shorter than configured.
    response = client.get(
        "/where",
        headers={"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Host": "evil.example"},
    )
    data = response.json
    assert data["remote_addr"] == "127.0.0.1"
    assert data["host"] == "localhost"
    assert data["url"] == "http://localhost/where"


def test_trusted_hosts_still_apply_to_the_forwarded_host(make_client: MakeClient) -> None:
    app = _proxied_app(x_host=1)
    app.config["TRUSTED_HOSTS"] = ["www.example.com"]
    client = make_client(app)
    assert client.get("/where", headers={"X-Forwarded-Host": "www.example.com"}).status_code == 200
    assert client.get("/where", headers={"X-Forwarded-Host": "evil.example"}).status_code == 400


# -- raw ASGI ---------------------------------------------------------------------------------


def test_asgi_proxy_fix_is_an_asgi_app() -> None:
    inner = Recorder()
    fixed = ProxyFix(inner)
    assert isinstance(fixed, ProxyFix)
    assert asyncio.iscoroutinefunction(fixed.__call__)
    plain = ProxyFix(lambda e, s: [])
    assert not asyncio.iscoroutinefunction(plain.__call__)


def test_asgi_scope_is_fixed_in_a_copy() -> None:
    inner = Recorder()
    fixed = ProxyFix(inner, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)
    scope = http_scope(
        "/root/x",
        root_path="/root",
        headers=[
            ("Host", "internal:8000"),
            ("X-Forwarded-For", "6.6.6.6, 203.0.113.7"),
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", "www.example.com"),
            ("X-Forwarded-Port", "443"),
            ("X-Forwarded-Prefix", "/shop/"),
        ],
    )
    original = dict(scope)
    original_headers = list(scope["headers"])
    assert call(fixed, scope).status == 200
    assert scope == original
    assert scope["headers"] == original_headers
    seen = inner.scope
    assert seen is not scope
    assert seen["client"] == ("203.0.113.7", 0)
    assert seen["scheme"] == "https"
    assert seen["server"] == ("www.example.com", 443)
    assert (b"host", b"www.example.com:443") in seen["headers"]
    assert [k for k, _ in seen["headers"]].count(b"host") == 1
    assert (seen["root_path"], seen["path"]) == ("/shop", "/shop/x")
    assert seen["kolben.proxy_fix.orig"] == {
        "client": ("10.0.0.1", 40000),
        "scheme": "http",
        "server": ("internal", 8000),
        "host": "internal:8000",
        "root_path": "/root",
    }
    assert seen["werkzeug.proxy_fix.orig"] is seen["kolben.proxy_fix.orig"]


def test_asgi_spoofed_and_short_chains() -> None:
    inner = Recorder()
    fixed = ProxyFix(inner, x_for=2, x_proto=0)
    call(fixed, http_scope(headers=[("X-Forwarded-For", "6.6.6.6, 1.1.1.1, 2.2.2.2")]))
    assert inner.scope["client"] == ("1.1.1.1", 0)
    call(fixed, http_scope(headers=[("X-Forwarded-For", "1.1.1.1")]))
    assert inner.scope["client"] == ("10.0.0.1", 40000)
    call(fixed, http_scope(headers=[("X-Forwarded-Proto", "https")]))
    assert inner.scope["scheme"] == "http"


def test_asgi_repeated_header_fields_join_in_order() -> None:
    inner = Recorder()
    fixed = ProxyFix(inner, x_for=1)
    call(
        fixed, http_scope(headers=[("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", "1.1.1.1")])
    )
    assert inner.scope["client"] == ("1.1.1.1", 0)


def test_asgi_websocket_scheme_and_port_only() -> None:
    inner = Recorder()
    fixed = ProxyFix(inner, x_for=0, x_proto=1, x_port=1)
    scope = http_scope(
        type="websocket",
        scheme="ws",
        headers=[
            ("Host", "example.com"),
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Port", "8443"),
        ],
    )

    async def run() -> None:
        async def receive() -> dict[str, t.Any]:
            return {"type": "websocket.disconnect"}

        async def send(message: t.Any) -> None:
            pass

        await fixed(scope, receive, send)

    asyncio.run(run())
    seen = inner.scope
    assert seen["scheme"] == "wss"
    assert seen["server"] == ("internal", 8443)
    assert (b"host", b"example.com:8443") in seen["headers"]


def test_asgi_lifespan_passes_through() -> None:
    inner = Recorder()
    assert lifespan(ProxyFix(inner)) == []
    assert inner.scope["type"] == "lifespan"


def test_original_values_reach_the_app(make_client: MakeClient, interface: str) -> None:
    app = _proxied_app(x_for=1)

    @app.route("/orig")
    def orig() -> dict[str, t.Any]:
        environ = request.environ
        if interface == "asgi":
            return {"remote": environ["asgi.scope"]["kolben.proxy_fix.orig"]["client"][0]}
        return {"remote": environ["werkzeug.proxy_fix.orig"]["REMOTE_ADDR"]}

    response = make_client(app).get("/orig", headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.json == {"remote": "127.0.0.1"}


def test_subclasses_work_for_both_interfaces() -> None:
    class OnlyTrustAddresses(ProxyFix):
        """A user's subclass: it drops every forwarded value but the address."""

        def _values(self, headers: t.Mapping[str, t.Any]) -> dict[str, str]:
            return {k: v for k, v in super()._values(headers).items() if k == "for"}

    headers = {"X-Forwarded-For": "1.1.1.1", "X-Forwarded-Proto": "https"}
    seen: dict[str, t.Any] = {}

    def wsgi_app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        seen.update(environ)
        start_response("200 OK", [])
        return []

    OnlyTrustAddresses(wsgi_app)(create_environ(headers=headers), lambda *a: None)
    assert (seen["REMOTE_ADDR"], seen["wsgi.url_scheme"]) == ("1.1.1.1", "http")

    inner = Recorder()
    fixed = OnlyTrustAddresses(inner)
    assert isinstance(fixed, OnlyTrustAddresses)
    assert type(fixed) is type(OnlyTrustAddresses(Recorder()))
    assert asyncio.iscoroutinefunction(fixed.__call__)
    call(fixed, http_scope(headers=list(headers.items())))
    assert (inner.scope["client"], inner.scope["scheme"]) == (("1.1.1.1", 0), "http")
