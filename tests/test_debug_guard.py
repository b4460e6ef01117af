"""The debugger's Host check reads the Host as the app does (issue 14, case 6).

A Host value the app refuses as malformed must never pass as loopback by
being cut at some character: the traceback page answers it with a plain
400, the debugger's own URLs with a JSON 400 that says the Host is
malformed, and nothing escapes the middleware under WSGI or ASGI.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from kolben import Kolben
from kolben.debug import PREFIX, DebuggedApplication, DebuggedASGIApplication, Debugger
from kolben.debug.guard import CSRF_HEADER, Guard, parse_host
from kolben.testing import KolbenClient

MakeClient = Callable[..., KolbenClient]
TOKEN = "1a2b-3c4d-5e6f-7a8b-9c0d"

#: Host values that are not a well-formed loopback host[:port].
HOSTILE = [
    pytest.param("[::1]evil.example", id="brackets-then-text"),
    pytest.param("[::1].evil.example:80", id="brackets-then-name-and-port"),
    pytest.param("127.0.0.1:5077@evil.example", id="userinfo-after-port"),
    pytest.param("localhost@evil.example", id="userinfo"),
    pytest.param("user:pw@localhost", id="userinfo-before-loopback"),
    pytest.param("127.0.0.1%2eevil.example", id="percent-encoded-dot"),
    pytest.param("%6cocalhost", id="percent-encoded-letter"),
    pytest.param("localhost%00", id="percent-encoded-nul"),
    pytest.param("localhost.", id="trailing-dot"),
    pytest.param("127.0.0.1.", id="trailing-dot-address"),
    pytest.param("app.localhost.:5000", id="trailing-dot-port"),
    pytest.param(" localhost", id="leading-space"),
    pytest.param("localhost ", id="trailing-space"),
    pytest.param("local host", id="inner-space"),
    pytest.param("localhost\t", id="tab"),
    pytest.param("", id="empty"),
    pytest.param(":5000", id="port-only"),
    pytest.param("localhost:5000:5001", id="two-ports"),
    pytest.param("[::1]:5000:5001", id="ipv6-two-ports"),
    pytest.param("localhost:99999", id="port-out-of-range"),
    pytest.param("localhost:5o00", id="port-not-digits"),
    pytest.param("l\u043ecalhost", id="non-ascii-homoglyph"),
    pytest.param("localhost\u2028", id="non-ascii-separator"),
    pytest.param("[::1", id="unclosed-bracket"),
    pytest.param("::1", id="ipv6-without-brackets"),
    pytest.param("[evil.example]", id="name-in-brackets"),
    pytest.param("localhost/evil", id="slash"),
    pytest.param("localhost,evil.example", id="two-hosts-joined"),
    pytest.param("evil.example", id="foreign-name"),
    pytest.param("localhost.evil.example", id="loopback-prefix"),
]

#: Well-formed loopback values that must still be accepted.
LOOPBACK = [
    "localhost",
    "localhost:5000",
    "LOCALHOST:5000",
    "127.0.0.1",
    "127.0.0.1:5077",
    "127.9.9.9:80",
    "[::1]",
    "[::1]:5000",
    "[0:0:0:0:0:0:0:1]:8080",
    "app.localhost",
    "app.localhost:65535",
    "ip6-localhost",
]


@pytest.mark.parametrize("host", HOSTILE)
def test_hostile_hosts_are_refused(host: str) -> None:
    assert Guard(TOKEN).host_allowed(host) is False


@pytest.mark.parametrize("host", LOOPBACK)
def test_loopback_hosts_are_accepted(host: str) -> None:
    assert Guard(TOKEN).host_allowed(host) is True


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("LocalHost:5000", ("localhost", 5000)),
        ("[::1]:8000", ("::1", 8000)),
        ("[::1]", ("::1", None)),
        ("127.0.0.1", ("127.0.0.1", None)),
        ("[::1]evil.example", None),
        ("127.0.0.1:5077@evil.example", None),
        ("localhost:70000", None),
        (None, None),
    ],
)
def test_parse_host(value: str | None, parsed: tuple[str, int | None] | None) -> None:
    assert parse_host(value) == parsed


def test_trusted_hosts_need_a_well_formed_value() -> None:
    guard = Guard(TOKEN, trusted_hosts=["dev.example"])
    assert guard.host_allowed("dev.example:8000")
    assert not guard.host_allowed("dev.example:8000@evil.example")
    assert not guard.host_allowed("[dev.example]")


def test_the_reason_names_the_malformed_host() -> None:
    guard = Guard(TOKEN)
    assert guard.host_problem("[::1]evil.example") == "the Host header is malformed"
    assert guard.host_problem("evil.example") == "the Host header does not name this machine"
    assert guard.host_problem(None) == "the request has no Host header"
    assert guard.host_problem("[::1]:5000") is None


# -- through an app, under WSGI and ASGI ---------------------------------------------------


def _debugged(app: Kolben, *, is_async: bool) -> Debugger:
    if is_async:

        @app.route("/boom")
        async def boom_async() -> str:
            return str([1][5])

    else:

        @app.route("/boom")
        def boom() -> str:
            return str([1][5])

    debugger = Debugger(token=TOKEN)
    app.wsgi_app = DebuggedApplication(app.wsgi_app, debugger)  # type: ignore[method-assign]
    app.asgi_app = DebuggedASGIApplication(app.asgi_app, debugger)  # type: ignore[method-assign]
    return debugger


# The two values of issue 14 plus one of each kind the app's grammar refuses.
MALFORMED = [
    "[::1]evil.example",
    "127.0.0.1:5077@evil.example",
    "localhost:5000:5001",
    "localhost/evil",
]


@pytest.mark.parametrize("is_async", [False, True], ids=["def", "async"])
@pytest.mark.parametrize("host", MALFORMED)
def test_error_page_refuses_a_malformed_host(
    app: Kolben, make_client: MakeClient, host: str, is_async: bool
) -> None:
    _debugged(app, is_async=is_async)
    response = make_client(app).get("/boom", headers={"Host": host, "Accept": "text/html"})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert "Host header is malformed" in response.text
    assert "IndexError" not in response.text


@pytest.mark.parametrize("is_async", [False, True], ids=["def", "async"])
@pytest.mark.parametrize("host", ["localhost:5000", "127.0.0.1:5077", "[::1]:5077"])
def test_error_page_still_shown_for_loopback(
    app: Kolben, make_client: MakeClient, host: str, is_async: bool
) -> None:
    _debugged(app, is_async=is_async)
    response = make_client(app).get("/boom", headers={"Host": host, "Accept": "text/html"})
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "IndexError" in response.text


@pytest.mark.parametrize("host", MALFORMED)
def test_debugger_urls_refuse_a_malformed_host(
    app: Kolben, make_client: MakeClient, host: str
) -> None:
    debugger = _debugged(app, is_async=False)
    response = make_client(app).post(
        PREFIX + "/auth",
        data=json.dumps({"token": TOKEN}),
        content_type="application/json",
        headers={
            "Host": host,
            CSRF_HEADER: debugger.guard.csrf_token,
            "Sec-Fetch-Site": "same-origin",
        },
    )
    assert response.status_code == 400
    assert response.json == {"error": "Refused: the Host header is malformed."}
    assert "Set-Cookie" not in response.headers
