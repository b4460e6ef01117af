"""XSS payloads come out inert: ``escape()``, ``{{ }}`` in templates, ``|tojson``
and error pages (SECURITY.md "Output and templates").

``fixtures/xss_payloads.json`` holds the vectors of the OWASP XSS Filter
Evasion Cheat Sheet (external hosts replaced by ``xss.example``) plus a few
context breakers of our own. "Inert" is checked by parsing the output with
an HTML parser: the page has exactly the elements and attributes the
template wrote, and the payload comes back as plain text.
"""

from __future__ import annotations

import html
import json
import pathlib
import typing as t
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from markupsafe import Markup

from kolben import Kolben, abort, escape, render_template, render_template_string, request
from kolben.testing import KolbenClient

MakeClient = Callable[..., KolbenClient]

PAYLOADS: list[str] = json.loads(
    (pathlib.Path(__file__).parent / "fixtures" / "xss_payloads.json").read_text("utf-8")
)
IDS = [f"{i:03}" for i in range(len(PAYLOADS))]


class _Events(HTMLParser):
    """Records what a browser-like parser sees: tags, attributes, text, comments."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.other: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(("start", tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(("start", tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        self.tags.append(("end", tag, []))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.other.append(f"comment {data}")

    def handle_decl(self, decl: str) -> None:
        self.other.append(f"decl {decl}")

    def handle_pi(self, data: str) -> None:
        self.other.append(f"pi {data}")

    def unknown_decl(self, data: str) -> None:
        self.other.append(f"unknown {data}")


def _parse(markup: str) -> _Events:
    parser = _Events()
    parser.feed(markup)
    parser.close()
    return parser


@pytest.fixture
def app(app: Kolben, tmp_path: pathlib.Path) -> Kolben:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "echo.html").write_text(
        "<p>{{ v }}</p><a title=\"{{ v }}\" href='/x?q={{ v }}'>{{ v }}</a>"
        "<script>var v = {{ v|tojson }};</script><div data-v='{{ v|tojson }}'></div>",
        encoding="utf-8",
    )
    app.root_path = str(tmp_path)
    app.jinja_loader  # noqa: B018 - created after the root path is set
    return app


# -- escape() ----------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_escape_makes_every_payload_plain_text(payload: str) -> None:
    escaped = escape(payload)
    assert isinstance(escaped, Markup)
    for char in "<>\"'":
        assert char not in escaped
    assert html.unescape(str(escaped)) == payload
    events = _parse(f"<p>{escaped}</p><a title='{escaped}' href=\"{escaped}\">x</a>")
    assert [(kind, tag) for kind, tag, _ in events.tags] == [
        ("start", "p"),
        ("end", "p"),
        ("start", "a"),
        ("end", "a"),
    ]
    assert events.tags[2][2] == [("title", payload), ("href", payload)]
    assert "".join(events.text) == payload + "x"
    assert events.other == []


# -- {{ }} and |tojson in templates ------------------------------------------------------------


def _check_echo_page(page: str, payload: str) -> None:
    events = _parse(page)
    assert [(kind, tag) for kind, tag, _ in events.tags] == [
        ("start", "p"),
        ("end", "p"),
        ("start", "a"),
        ("end", "a"),
        ("start", "script"),
        ("end", "script"),
        ("start", "div"),
        ("end", "div"),
    ]
    assert events.other == []
    assert events.tags[2][2] == [("title", payload), ("href", f"/x?q={payload}")]
    text = events.text
    assert text[0] == payload  # <p>
    assert text[1] == payload  # <a>
    # Inside <script> nothing can close the element or open a comment, and
    # the literal is the payload exactly.
    script = text[2]
    assert script.startswith("var v = ")
    assert script.endswith(";")
    literal = script[len("var v = ") : -1]
    assert "<" not in literal
    assert ">" not in literal
    assert json.loads(literal) == payload
    (attr,) = events.tags[6][2]
    assert attr[0] == "data-v"
    assert json.loads(t.cast(str, attr[1])) == payload
    assert len(text) == 3


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_template_output_is_inert(app: Kolben, payload: str) -> None:
    with app.app_context():
        _check_echo_page(render_template("echo.html", v=payload), payload)
        source = (app.root_path + "/templates/echo.html").replace("\\", "/")
        with open(source, encoding="utf-8") as f:
            _check_echo_page(render_template_string(f.read(), v=payload), payload)


def test_payloads_through_a_request(app: Kolben, make_client: MakeClient) -> None:
    @app.route("/echo")
    def echo() -> str:
        return render_template("echo.html", v=request.args["v"])

    client = make_client(app)
    for payload in PAYLOADS:
        if "\x00" in payload or "\r" in payload:
            continue  # the query string normalises these; the direct test covers them
        response = client.get("/echo", query_string={"v": payload})
        assert response.status_code == 200
        _check_echo_page(response.text, payload)


# -- error pages --------------------------------------------------------------------------------

_ERROR_PAGE_TAGS = {"html", "title", "h1", "p", "br"}


def _check_error_page(body: str, payload: str | None) -> None:
    events = _parse(body)
    assert events.other == ["decl doctype html"]
    for kind, tag, attrs in events.tags:
        assert tag in _ERROR_PAGE_TAGS, tag
        if kind == "start":
            assert attrs == ([("lang", "en")] if tag == "html" else []), (tag, attrs)
    text = "".join(events.text)
    if payload is None:
        return
    assert payload.replace("\n", "") in text
    assert sum(1 for _, tag, _ in events.tags if tag == "br") == payload.count("\n")


@pytest.fixture
def error_app(app: Kolben) -> Kolben:
    # Explicit: a leaked KOLBEN_DEBUG would otherwise make errors propagate.
    app.config.update(TESTING=False, DEBUG=False, PROPAGATE_EXCEPTIONS=False)

    @app.route("/abort/<int:code>")
    def abort_with(code: int) -> str:
        abort(code, request.args["v"])

    @app.post("/form")
    def form_key() -> str:
        return str(request.form[request.args["v"]])

    @app.route("/crash")
    def crash() -> str:
        raise ValueError(request.args["v"])

    @app.route("/only-get")
    def only_get() -> str:
        return "ok"

    return app


def test_error_pages_never_echo_payloads_as_markup(
    error_app: Kolben, make_client: MakeClient
) -> None:
    client = make_client(error_app)
    for payload in PAYLOADS:
        if "\x00" in payload or "\r" in payload:
            continue
        query = {"v": payload}
        for code in (400, 403, 404, 409, 422):
            response = client.get(f"/abort/{code}", query_string=query)
            assert response.status_code == code
            assert response.mimetype == "text/html"
            _check_error_page(response.text, payload)
        response = client.get("/crash", query_string=query)
        assert response.status_code == 500
        _check_error_page(response.text, None)
        assert payload not in response.text
        response = client.get("/nothing/" + quote(payload, safe=""))
        assert response.status_code == 404
        _check_error_page(response.text, None)
        response = client.post("/only-get", query_string=query)
        assert response.status_code == 405
        _check_error_page(response.text, None)


def test_missing_form_key_in_debug_mode_is_escaped(
    error_app: Kolben, make_client: MakeClient
) -> None:
    # Debug mode names the missing key on the page; it must stay text.
    error_app.config.update(DEBUG=True, TRAP_BAD_REQUEST_ERRORS=False, PROPAGATE_EXCEPTIONS=False)
    client = make_client(error_app)
    for payload in PAYLOADS[:40]:
        if "\x00" in payload or "\r" in payload:
            continue
        response = client.post("/form", query_string={"v": payload}, data={"other": "1"})
        assert response.status_code == 400
        _check_error_page(response.text, None)
        assert repr(payload) in "".join(_parse(response.text).text)
