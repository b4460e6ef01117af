"""Tests for the request over an ASGI scope (``Request._from_scope``) and the
scope <-> environ converter of kolben.wrappers.scope.

The reference is the environ request: for each HTTP request (an ASGI scope
and a body), a request made with ``_from_scope`` must tell the same facts as
``Request(scope_to_environ(scope, body))``, without building an environ for
what a view usually reads.
"""

from __future__ import annotations

import asyncio
import io
import json
import typing as t

import pytest

from kolben.asgi import NO_BODY, ASGIBody
from kolben.exceptions import SecurityError
from kolben.wrappers import Request
from kolben.wrappers.scope import (
    BASE_ENVIRON,
    environ_to_scope,
    header_environ,
    scope_to_environ,
)

Headers = list[tuple[bytes, bytes]]


def make_scope(
    path: str = "/",
    *,
    method: str = "GET",
    query: bytes = b"",
    headers: Headers | None = None,
    root_path: str = "",
    **extra: t.Any,
) -> dict[str, t.Any]:
    scope: dict[str, t.Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8"),
        "root_path": root_path,
        "query_string": query,
        "headers": [(b"host", b"example.com")] if headers is None else headers,
        "client": ("10.0.0.7", 50123),
        "server": ("example.com", 80),
    }
    scope.update(extra)
    return scope


def form_headers(body: bytes, content_type: bytes) -> Headers:
    return [
        (b"host", b"example.com"),
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
    ]


MULTIPART = (
    b"--XyZ\r\n"
    b'Content-Disposition: form-data; name="title"\r\n\r\n'
    b"hello\r\n"
    b"--XyZ\r\n"
    b'Content-Disposition: form-data; name="doc"; filename="a.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\n"
    b"file body\r\n"
    b"--XyZ--\r\n"
)

# (id, scope, body): one HTTP request each.
CASES: list[tuple[str, dict[str, t.Any], bytes]] = [
    ("plain", make_scope("/"), b""),
    ("mounted", make_scope("/app/users/7", root_path="/app"), b""),
    ("mount-root-itself", make_scope("/app", root_path="/app"), b""),
    ("mount-root-slash", make_scope("/app/", root_path="/app"), b""),
    ("mount-not-a-segment", make_scope("/application/x", root_path="/app"), b""),
    ("mount-trailing-slash", make_scope("/app/x", root_path="/app/"), b""),
    ("path-without-root", make_scope("/x", root_path="/app"), b""),
    ("mount-non-ascii", make_scope("/m\u00fcnchen/caf\u00e9", root_path="/m\u00fcnchen"), b""),
    ("empty-path", make_scope(""), b""),
    ("percent-decoded", make_scope("/a b/100%/x"), b""),
    ("non-ascii", make_scope("/caf\u00e9/\u4e2d\u6587"), b""),
    ("double-slash", make_scope("//evil.example/x"), b""),
    ("inner-double-slash", make_scope("/a//b/"), b""),
    (
        "repeated-headers",
        make_scope(
            headers=[
                (b"host", b"example.com"),
                (b"x-forwarded-for", b"1.1.1.1"),
                (b"x-forwarded-for", b"2.2.2.2, 3.3.3.3"),
                (b"cookie", b"a=1; b=2"),
                (b"cookie", b"c=3"),
                (b"accept", b"text/html"),
                (b"accept", b"application/json;q=0.5"),
                (b"x-custom", b"one"),
                (b"x_custom", b"two"),
            ]
        ),
        b"",
    ),
    (
        "two-host-lines",
        make_scope(headers=[(b"host", b"a.example"), (b"host", b"b.example")]),
        b"",
    ),
    (
        "proxy-headers-untouched",
        make_scope(
            headers=[
                (b"host", b"internal:8000"),
                (b"x-forwarded-host", b"public.example"),
                (b"x-forwarded-proto", b"https"),
                (b"x-forwarded-for", b"203.0.113.9"),
                (b"x-forwarded-prefix", b"/pre"),
            ]
        ),
        b"",
    ),
    (
        "ipv6",
        make_scope(
            headers=[(b"host", b"[::1]:8080")],
            client=("::1", 40000),
            server=("::1", 8080),
        ),
        b"",
    ),
    ("ipv6-default-port", make_scope(headers=[(b"host", b"[2001:db8::1]:80")]), b""),
    (
        "https-default-port",
        make_scope(scheme="https", headers=[(b"host", b"example.com:443")], server=("x", 443)),
        b"",
    ),
    ("malformed-host", make_scope(headers=[(b"host", b"exa mple.com/x")]), b""),
    ("no-host-http10", make_scope(headers=[], http_version="1.0", server=("srv", 8080)), b""),
    ("no-host-no-server", make_scope(headers=[], server=None, client=None), b""),
    ("server-port-none", make_scope(headers=[], server=("sock", None)), b""),
    ("query-simple", make_scope("/q", query=b"a=1&b=2&a=3"), b""),
    ("query-encoded", make_scope("/q", query=b"name=caf%C3%A9&x=a+b&y=%ZZ"), b""),
    ("query-raw-utf8", make_scope("/q", query="q=caf\u00e9".encode()), b""),
    ("query-odd-bytes", make_scope("/q", query=b"a=%FF&b=\xff\xfe&=x&&c;d=e&f"), b""),
    ("query-question-mark", make_scope("/q", query=b"next=/a?b=c#frag"), b""),
    ("head", make_scope(method="HEAD"), b""),
    ("lower-case-method", make_scope(method="get"), b""),
    (
        "urlencoded-post",
        make_scope(
            "/form",
            method="POST",
            headers=form_headers(b"a=1&b=caf%C3%A9&a=2", b"application/x-www-form-urlencoded"),
        ),
        b"a=1&b=caf%C3%A9&a=2",
    ),
    (
        "json-post",
        make_scope(
            "/json",
            method="POST",
            headers=form_headers(b'{"k": [1, "\\u00e9"]}', b"application/json"),
        ),
        b'{"k": [1, "\\u00e9"]}',
    ),
    (
        "json-bad",
        make_scope("/json", method="PUT", headers=form_headers(b"{nope", b"application/json")),
        b"{nope",
    ),
    (
        "multipart-post",
        make_scope(
            "/upload",
            method="POST",
            headers=form_headers(MULTIPART, b"multipart/form-data; boundary=XyZ"),
        ),
        MULTIPART,
    ),
    (
        "no-length-body",
        make_scope(
            "/raw",
            method="POST",
            headers=[(b"host", b"example.com"), (b"content-type", b"text/plain")],
        ),
        b"streamed without a length",
    ),
    (
        "chunked-and-length",
        make_scope(
            "/raw",
            method="POST",
            headers=[
                (b"host", b"example.com"),
                (b"content-length", b"5"),
                (b"transfer-encoding", b"chunked"),
            ],
        ),
        b"hello",
    ),
    (
        "length-zero-get",
        make_scope(headers=[(b"host", b"example.com"), (b"content-length", b"0")]),
        b"",
    ),
    (
        "length-bad",
        make_scope(method="POST", headers=[(b"host", b"h"), (b"content-length", b"+5")]),
        b"hello",
    ),
    (
        "urlencoded-signed-length",
        make_scope(
            "/form",
            method="POST",
            headers=[
                (b"host", b"h"),
                (b"content-type", b"application/x-www-form-urlencoded"),
                (b"content-length", b"+3"),
            ],
        ),
        b"a=1",
    ),
    (
        "urlencoded-repeated-length",
        make_scope(
            "/form",
            method="POST",
            headers=[
                (b"host", b"h"),
                (b"content-type", b"application/x-www-form-urlencoded"),
                (b"content-length", b"3"),
                (b"content-length", b"3"),
            ],
        ),
        b"a=1",
    ),
    (
        "urlencoded-with-charset",
        make_scope(
            "/form",
            method="POST",
            headers=[
                (b"host", b"h"),
                (b"content-type", b"application/x-www-form-urlencoded; charset=utf-8"),
                (b"content-length", b"12"),
            ],
        ),
        b"a=1&b=%C3%A9",
    ),
    (
        "length-huge",
        make_scope(method="POST", headers=[(b"host", b"h"), (b"content-length", b"9" * 40)]),
        b"",
    ),
    (
        "empty-content-type",
        make_scope(method="POST", headers=[(b"host", b"h"), (b"content-type", b"")]),
        b"",
    ),
    (
        "many-request-headers",
        make_scope(
            headers=[
                (b"host", b"example.com"),
                (b"user-agent", b"curl/8.0"),
                (b"authorization", b"Basic dXNlcjpwYXNz"),
                (b"accept-language", b"de-CH, en;q=0.5"),
                (b"accept-encoding", b"gzip, br"),
                (b"cache-control", b"no-cache"),
                (b"if-none-match", b'"abc", W/"def"'),
                (b"if-modified-since", b"Sun, 06 Nov 1994 08:49:37 GMT"),
                (b"range", b"bytes=0-99"),
                (b"referer", b"https://ref.example/p"),
                (b"origin", b"https://ref.example"),
                (b"x-token", b"s3cr\xe9t"),
            ]
        ),
        b"",
    ),
    (
        "non-lower-case-names",
        make_scope(headers=[(b"Host", b"example.com"), (b"X-Token", b"a"), (b"x-token", b"b")]),
        b"",
    ),
    (
        "non-ascii-name",
        make_scope(headers=[(b"host", b"example.com"), (b"x-caf\xe9", b"\xe9t\xe9")]),
        b"",
    ),
    (
        "underscore-transfer-encoding",
        make_scope(
            method="POST",
            headers=[(b"host", b"h"), (b"content-length", b"3"), (b"transfer_encoding", b"x")],
        ),
        b"abc",
    ),
    ("websocket", make_scope("/ws", type="websocket", scheme="wss"), b""),
    ("websocket-no-scheme", make_scope("/ws", type="websocket", scheme=None), b""),
]


def outcome(read: t.Callable[[], t.Any]) -> t.Any:
    """The value ``read()`` gives, or the exception class it raises."""
    try:
        return read()
    except Exception as exc:  # compared: both kinds must raise the same
        return type(exc)


def facts(request: Request) -> dict[str, t.Any]:
    """What a view or the pipeline reads, each as value or exception class."""
    headers = request.headers
    names = {name for name, _ in headers} | {
        "Host",
        "X-Missing",
        "content-type",
        "COOKIE",
        "x_token",
        "Content_Length",
        "HTTP_HOST",
        "\u0108",
        "x-caf\u00e9",
    }
    readers: dict[str, t.Callable[[], t.Any]] = {
        "method": lambda: request.method,
        "scheme": lambda: request.scheme,
        "is_secure": lambda: request.is_secure,
        "server": lambda: request.server,
        "host": lambda: request.host,
        "root_path": lambda: request.root_path,
        "script_root": lambda: request.script_root,
        "path": lambda: request.path,
        "full_path": lambda: request.full_path,
        "query_string": lambda: request.query_string,
        "args": lambda: list(request.args.items(multi=True)),
        "url": lambda: request.url,
        "base_url": lambda: request.base_url,
        "url_root": lambda: request.url_root,
        "root_url": lambda: request.root_url,
        "host_url": lambda: request.host_url,
        "header_list": lambda: sorted(headers),
        "header_len": lambda: len(headers),
        "header_get": lambda: {n: headers.get(n) for n in names},
        "header_getlist": lambda: {n: headers.getlist(n) for n in names},
        "header_in": lambda: {n: n in headers for n in names},
        "header_int": lambda: headers.get("Content-Length", type=int),
        "cookies": lambda: list(request.cookies.items(multi=True)),
        "content_type": lambda: request.content_type,
        "mimetype": lambda: request.mimetype,
        "mimetype_params": lambda: request.mimetype_params,
        "content_length": lambda: request.content_length,
        "remote_addr": lambda: request.remote_addr,
        "remote_user": lambda: request.remote_user,
        "access_route": lambda: request.access_route,
        "user_agent": lambda: request.user_agent.string,
        "authorization": lambda: request.authorization,
        "accept": lambda: request.accept_mimetypes.to_header(),
        "accept_languages": lambda: list(request.accept_languages.values()),
        "cache_control": lambda: request.cache_control.no_cache,
        "if_none_match": lambda: request.if_none_match.to_header(),
        "if_modified_since": lambda: request.if_modified_since,
        "range": lambda: request.range.to_header() if request.range else None,
        "referrer": lambda: request.referrer,
        "origin": lambda: request.origin,
        "is_multithread": lambda: request.is_multithread,
        "is_multiprocess": lambda: request.is_multiprocess,
        "is_run_once": lambda: request.is_run_once,
        "want_form_data_parsed": lambda: request.want_form_data_parsed,
        "is_json": lambda: request.is_json,
        "routing_path": request._routing_path,
        "framing_conflict": request._framing_conflict,
        "raw_host": request._raw_host,
        "body_expected": request._body_expected,
        "declares_body": request._declares_body,
        "close_connection": lambda: request._close_connection,
        "repr": lambda: repr(request),
    }
    return {name: outcome(read) for name, read in readers.items()}


def body_facts(request: Request, kind: str) -> t.Any:
    if kind == "form":
        return outcome(
            lambda: (
                list(request.form.items(multi=True)),
                [(k, f.filename, f.read()) for k, f in request.files.items(multi=True)],
                request.get_data(),
            )
        )
    if kind == "json":
        return outcome(lambda: (request.get_json(silent=True), request.get_data()))
    return outcome(lambda: (request.get_data(), request.stream.read()))


def pair(scope: dict[str, t.Any], body: bytes) -> tuple[Request, Request]:
    """(over the scope, over the converter's environ) for one HTTP request."""
    return (
        Request._from_scope(scope, io.BytesIO(body)),
        Request(scope_to_environ(scope, io.BytesIO(body))),
    )


@pytest.mark.parametrize(("scope", "body"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_scope_request_tells_the_same_facts(scope: dict[str, t.Any], body: bytes) -> None:
    over_scope, over_environ = pair(scope, body)
    assert facts(over_scope) == facts(over_environ)
    # The facts above never needed the environ.
    assert "environ" not in vars(over_scope)


@pytest.mark.parametrize("kind", ["form", "json", "raw"])
@pytest.mark.parametrize(("scope", "body"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_scope_request_reads_the_same_body(
    scope: dict[str, t.Any], body: bytes, kind: str
) -> None:
    over_scope, over_environ = pair(scope, body)
    assert body_facts(over_scope, kind) == body_facts(over_environ, kind)
    assert "environ" not in vars(over_scope)


def getattr_host(request: Request) -> t.Callable[[], str]:
    return lambda: request.host


@pytest.mark.parametrize(("scope", "body"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_trusted_hosts_are_enforced_alike(scope: dict[str, t.Any], body: bytes) -> None:
    for trusted in (["example.com"], [".example"], ["other.example"]):
        over_scope, over_environ = pair(scope, body)
        over_scope.trusted_hosts = over_environ.trusted_hosts = trusted
        assert outcome(getattr_host(over_scope)) == outcome(getattr_host(over_environ))


def test_untrusted_host_is_refused_after_a_first_read() -> None:
    request = Request._from_scope(make_scope(headers=[(b"host", b"evil.example")]), NO_BODY)
    assert request.host == "evil.example"
    request.trusted_hosts = ["example.com"]
    with pytest.raises(SecurityError):
        request.host  # noqa: B018


def asgi_body(chunks: list[bytes]) -> ASGIBody:
    """An ASGI body reader fed ``chunks`` (call inside a running loop)."""
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]

    async def receive() -> dict[str, t.Any]:
        if messages:
            return messages.pop(0)
        return {"type": "http.disconnect"}

    return ASGIBody(receive, asyncio.get_running_loop())


async def _in_thread(func: t.Callable[[], t.Any]) -> t.Any:
    return await asyncio.get_running_loop().run_in_executor(None, func)


def test_async_body_over_an_asgi_body() -> None:
    form = b"a=1&b=caf%C3%A9&a=2"
    scope = make_scope(
        "/form", method="POST", headers=form_headers(form, b"application/x-www-form-urlencoded")
    )
    payload = json.dumps({"x": [1, 2]}).encode()
    json_scope = make_scope("/j", method="POST", headers=form_headers(payload, b"application/json"))

    async def main() -> None:
        # A form that arrives in pieces: parsed in the lent worker thread.
        request = Request._from_scope(scope, asgi_body([form[:5], form[5:]]), _in_thread)
        parsed = await request.form_async()
        assert parsed.to_dict(flat=False) == {"a": ["1", "2"], "b": ["caf\u00e9"]}
        assert await request.files_async() == {}
        assert "environ" not in vars(request)
        # A small form already in memory: parsed on the loop.
        body = asgi_body([form])
        await body.receive_all(None, 1 << 20)
        request = Request._from_scope(scope, body)
        assert (await request.values_async()).getlist("a") == ["1", "2"]
        assert "environ" not in vars(request)
        request = Request._from_scope(json_scope, asgi_body([payload[:3], payload[3:]]))
        assert await request.get_json_async() == {"x": [1, 2]}
        assert "environ" not in vars(request)
        request = Request._from_scope(json_scope, asgi_body([payload[:3], payload[3:]]))
        assert b"".join([chunk async for chunk in request.stream_async()]) == payload

    asyncio.run(main())


def test_form_async_offloads_to_the_given_runner() -> None:
    form = b"a=1"
    scope = make_scope(
        "/f", method="POST", headers=form_headers(form, b"application/x-www-form-urlencoded")
    )
    ran: list[str] = []

    async def runner(func: t.Callable[[], t.Any]) -> t.Any:
        ran.append("thread")
        return await _in_thread(func)

    async def main() -> None:
        request = Request._from_scope(scope, asgi_body([form[:1], form[1:]]), runner)
        assert (await request.form_async())["a"] == "1"

    asyncio.run(main())
    assert ran == ["thread"]


def test_bench_style_reads_build_no_environ() -> None:
    form = b"name=ada&lang=py"
    scope = make_scope(
        "/app/query",
        root_path="/app",
        method="POST",
        query=b"a=1&b=2",
        headers=[
            *form_headers(form, b"application/x-www-form-urlencoded"),
            (b"x-token", b"t0k"),
            (b"cookie", b"session=abc"),
        ],
    )

    async def main() -> Request:
        body = asgi_body([form])
        await body.receive_all(None, 1 << 20)
        request = Request._from_scope(scope, body, _in_thread)
        assert request.method == "POST"
        assert request.path == "/query"
        assert request._routing_path() == "/query"
        assert not request._framing_conflict()
        assert request._raw_host() == "example.com"
        assert request._body_expected()
        assert request.args.get("a") == "1"
        assert request.headers.get("X-Token") == "t0k"
        assert request.cookies["session"] == "abc"
        assert (await request.form_async())["lang"] == "py"
        assert request.url == "http://example.com/app/query?a=1&b=2"
        assert request.remote_addr == "10.0.0.7"
        return request

    request = asyncio.run(main())
    assert "environ" not in vars(request)


def test_environ_is_the_converters_on_first_access() -> None:
    scope = make_scope(
        "/root/caf\u00e9",
        root_path="/root",
        query=b"x=1",
        headers=[(b"host", b"example.com"), (b"cookie", b"a=1"), (b"cookie", b"b=2")],
        extensions={"kolben.preserve_context": True},
    )

    async def runner(func: t.Callable[[], t.Any]) -> t.Any:
        return func()

    base = {**BASE_ENVIRON, "wsgi.file_wrapper": object()}
    request = Request._from_scope(scope, NO_BODY, runner, environ_base=base)
    assert request.cookies["b"] == "2"
    assert "environ" not in vars(request)
    expected = scope_to_environ(scope, NO_BODY, base)
    expected["kolben.run_in_thread"] = runner
    environ = request.environ
    assert environ == expected
    assert environ["kolben.preserve_context"] is True
    # Built once, then an ordinary writable attribute, as under WSGI.
    assert request.environ is environ
    environ["werkzeug.request"] = request
    assert request.environ["werkzeug.request"] is request
    request.environ = {"REQUEST_METHOD": "PUT"}
    assert request.environ == {"REQUEST_METHOD": "PUT"}
    # Without a base, the converter's own.
    plain = Request._from_scope(scope, NO_BODY)
    assert plain.environ == scope_to_environ(scope, NO_BODY)
    assert "kolben.run_in_thread" not in plain.environ


def test_a_subclass_keeps_its_overrides() -> None:
    class MyRequest(Request):
        @property
        def path(self) -> str:
            return "/mine" + str(self.environ["PATH_INFO"])

        @property
        def shouting(self) -> str:
            return self.method + "!"

    scope = make_scope("/x", method="POST")
    request = MyRequest._from_scope(scope, NO_BODY)
    assert isinstance(request, MyRequest)
    assert type(request).__name__ == "MyRequest"
    assert request.path == "/mine/x"
    assert request.shouting == "POST!"
    # Its own path reads the environ, which is then built.
    assert "environ" in vars(request)
    # The readers it did not override still read the scope.
    other = MyRequest._from_scope(scope, NO_BODY)
    assert other.method == "POST"
    assert other.args == {}
    assert "environ" not in vars(other)


def test_a_subclass_with_its_own_init_gets_an_environ() -> None:
    class Tagged(Request):
        def __init__(self, environ: dict[str, t.Any], *args: t.Any, **kwargs: t.Any) -> None:
            super().__init__(environ, *args, **kwargs)
            self.tag = environ["PATH_INFO"]

    request = Tagged._from_scope(make_scope("/tagged", query=b"a=1"), NO_BODY)
    assert type(request) is Tagged
    assert request.tag == "/tagged"
    assert request.args["a"] == "1"


def test_type_of_a_scope_request_builds_ordinary_requests() -> None:
    request = Request._from_scope(make_scope("/s"), NO_BODY)
    environ = scope_to_environ(make_scope("/w", method="DELETE"), NO_BODY)
    other = type(request)(environ)
    assert type(other) is Request
    assert other.environ is environ
    assert other.method == "DELETE"
    assert other.path == "/w"


def test_close_connection_defaults_to_false_and_is_settable() -> None:
    request = Request._from_scope(make_scope(), NO_BODY)
    wsgi = Request(scope_to_environ(make_scope(), NO_BODY))
    assert request._close_connection is False
    assert wsgi._close_connection is False
    request._close_connection = True
    assert request._close_connection is True
    assert Request._from_scope(make_scope(), NO_BODY)._close_connection is False


def test_header_environ_is_the_header_part_of_the_environ() -> None:
    headers = CASES[13][1]["headers"]
    environ = scope_to_environ(make_scope(headers=headers), None)
    only_headers = {
        key: value
        for key, value in environ.items()
        if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH")
    }
    assert header_environ(headers) == only_headers
    assert only_headers["HTTP_COOKIE"] == "a=1; b=2; c=3"
    assert only_headers["HTTP_X_FORWARDED_FOR"] == "1.1.1.1,2.2.2.2, 3.3.3.3"
    assert only_headers["HTTP_X_CUSTOM"] == "one,two"


# What the test client sends: a server with a port and a client, no empty
# Content-Type (the bridge leaves empty CONTENT_* out, as a server would).
ROUND_TRIP = [
    case
    for case in CASES
    if case[1].get("client")
    and case[1].get("server")
    and case[1]["server"][1] is not None
    and (b"content-type", b"") not in case[1]["headers"]
]


@pytest.mark.parametrize(
    ("scope", "body"), [c[1:] for c in ROUND_TRIP], ids=[c[0] for c in ROUND_TRIP]
)
def test_environ_to_scope_round_trips(scope: dict[str, t.Any], body: bytes) -> None:
    kind = scope["type"]
    environ = scope_to_environ(scope, None)
    back = environ_to_scope(environ, kind)
    again = scope_to_environ(back, None)
    drop = ("asgi.scope", "wsgi.errors")
    assert {k: v for k, v in again.items() if k not in drop} == {
        k: v for k, v in environ.items() if k not in drop
    }
    assert back["type"] == kind
    assert back["path"].startswith("/")


def test_environ_to_scope_shapes() -> None:
    errors = io.StringIO()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "register",
        "SCRIPT_NAME": "/app",
        "QUERY_STRING": "a=1",
        "SERVER_NAME": "localhost",
        "SERVER_PROTOCOL": "HTTP/1.0",
        "wsgi.url_scheme": "https",
        "CONTENT_TYPE": "text/plain",
        "CONTENT_LENGTH": "",
        "HTTP_X_A": "1",
        "kolben.preserve_context": True,
        "wsgi.errors": errors,
    }
    scope = environ_to_scope(environ, "http")
    assert scope["path"] == "/app/register"
    assert scope["root_path"] == "/app"
    assert scope["raw_path"] == b"/app/register"
    assert scope["server"] == ("localhost", 443)
    assert scope["client"] == ("127.0.0.1", 50000)
    assert scope["http_version"] == "1.0"
    assert scope["headers"] == [(b"content-type", b"text/plain"), (b"x-a", b"1")]
    assert scope["extensions"] == {"kolben.preserve_context": True, "kolben.errors": errors}
    assert environ_to_scope(environ, "websocket")["scheme"] == "wss"


def test_set_body_gives_the_request_its_reader() -> None:
    form = b"a=1&b=2"
    scope = make_scope(
        "/f", method="POST", headers=form_headers(form, b"application/x-www-form-urlencoded")
    )
    request = Request._from_scope(scope, NO_BODY)
    assert request._body_expected()
    request._set_body(io.BytesIO(form))
    assert request.form.to_dict() == {"a": "1", "b": "2"}
    # Once built, the environ follows too; so does an environ request's.
    request = Request._from_scope(scope, NO_BODY)
    environ = request.environ
    body = io.BytesIO(form)
    request._set_body(body)
    assert environ["wsgi.input"] is body
    assert request.form["b"] == "2"
    wsgi = Request(scope_to_environ(scope, NO_BODY))
    wsgi._set_body(io.BytesIO(form))
    assert wsgi.form["a"] == "1"
