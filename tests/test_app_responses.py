"""What views may return, and the response helpers, through the app (API.md section 7, 12)."""

from __future__ import annotations

import json as stdlib_json
import typing as t
from collections.abc import Callable, Iterator

import pytest

from kolben import (
    Kolben,
    Response,
    abort,
    after_this_request,
    g,
    jsonify,
    make_response,
    redirect,
    request,
    stream_with_context,
    wrappers,
)
from kolben.datastructures import Headers
from kolben.exceptions import HTTPException, ImATeapot, NotFound
from kolben.testing import KolbenClient

MakeClient = Callable[..., KolbenClient]


def _serve(app: Kolben, make_client: MakeClient, rv: t.Any, **kw: t.Any) -> t.Any:
    """Register a view returning ``rv`` at ``/`` and request it."""
    app.add_url_rule("/", "index", lambda: rv() if callable(rv) else rv)
    return make_client(app).get("/", **kw)


# -- plain bodies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rv", "body"),
    [
        ("héllo", "héllo".encode()),
        (b"bytes", b"bytes"),
        (bytearray(b"array"), b"array"),
        ("", b""),
    ],
)
def test_text_bodies(
    app: Kolben, make_client: MakeClient, pipeline: str, rv: t.Any, body: bytes
) -> None:
    response = _serve(app, make_client, lambda: rv)
    assert response.status_code == 200
    assert response.data == body
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Length"] == str(len(body))


@pytest.mark.parametrize("rv", [{"b": 1, "a": [1, 2]}, [1, "two", None], {}, []])
def test_dict_and_list_are_json(
    app: Kolben, make_client: MakeClient, pipeline: str, rv: t.Any
) -> None:
    response = _serve(app, make_client, lambda: rv)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json == rv
    assert (
        response.data
        == (stdlib_json.dumps(rv, sort_keys=True, separators=(",", ":")) + "\n").encode()
    )
    assert response.headers["Content-Length"] == str(len(response.data))


def test_generator_is_streamed(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    def gen() -> Iterator[str]:
        yield "a"
        yield "b"

    response = _serve(app, make_client, gen)
    assert response.is_streamed
    assert "Content-Length" not in response.headers
    assert response.data == b"ab"


def test_iterator_is_streamed_but_iterable_tuple_is_not(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    app.add_url_rule("/iter", "iter", lambda: iter([b"x", b"y"]))
    client = make_client(app)
    response = client.get("/iter")
    assert "Content-Length" not in response.headers
    assert response.data == b"xy"


# -- tuples and status ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rv", "status", "headers"),
    [
        (("created", 201), 201, {}),
        (("x", {"X-A": "1"}), 200, {"X-A": "1"}),
        (("x", [("X-A", "1"), ("X-B", "2")]), 200, {"X-A": "1", "X-B": "2"}),
        (("x", Headers({"X-A": "1"})), 200, {"X-A": "1"}),
        (("x", 404, {"X-A": "1"}), 404, {"X-A": "1"}),
        (("x", 201, [("X-A", "1")]), 201, {"X-A": "1"}),
        (({"k": 1}, 202), 202, {"Content-Type": "application/json"}),
        (({"k": 1}, 202, {"X-A": "1"}), 202, {"X-A": "1"}),
        ((["x"], {"X-A": "1"}), 200, {"X-A": "1", "Content-Type": "application/json"}),
    ],
)
def test_tuple_forms(
    app: Kolben,
    make_client: MakeClient,
    pipeline: str,
    rv: tuple[t.Any, ...],
    status: int,
    headers: dict[str, str],
) -> None:
    response = _serve(app, make_client, lambda: rv)
    assert response.status_code == status
    for name, value in headers.items():
        assert response.headers[name] == value


def test_status_strings(
    app: Kolben, make_client: MakeClient, pipeline: str, interface: str
) -> None:
    app.add_url_rule("/tea", "tea", lambda: ("short and stout", "418 I'M A TEAPOT"))
    app.add_url_rule("/custom", "custom", lambda: ("x", "777 Lucky"))
    app.add_url_rule("/code", "code", lambda: ("x", "299"))
    app.add_url_rule("/unknown", "unknown", lambda: ("x", 299))
    client = make_client(app)
    response = client.get("/tea")
    assert response.status == "418 I'M A TEAPOT"
    assert response.status_code == 418
    custom = client.get("/custom")
    assert custom.status_code == 777
    if interface == "wsgi":
        # ASGI carries only the number; a custom reason phrase cannot cross it.
        assert custom.status == "777 Lucky"
    assert client.get("/code").status_code == 299
    assert client.get("/unknown").status == "299 UNKNOWN"


def test_tuple_headers_replace_same_name(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    def view() -> t.Any:
        response = Response("x", headers=[("X-A", "old"), ("X-A", "older")])
        return response, {"X-A": "new", "Content-Type": "text/plain"}

    response = _serve(app, make_client, view)
    assert response.headers.getlist("X-A") == ["new"]
    assert response.headers["Content-Type"] == "text/plain"


def test_status_and_headers_apply_to_a_response(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    response = _serve(app, make_client, lambda: (Response("body", status=200), 203, {"X-A": "1"}))
    assert response.status_code == 203
    assert response.headers["X-A"] == "1"
    assert response.data == b"body"


@pytest.mark.parametrize("status", [204, 304])
def test_bodyless_statuses(
    app: Kolben, make_client: MakeClient, pipeline: str, status: int
) -> None:
    response = _serve(app, make_client, lambda: ("ignored body", status, {"ETag": '"x"'}))
    assert response.status_code == status
    assert response.data == b""
    assert response.headers["ETag"] == '"x"'
    if status == 204:
        assert "Content-Length" not in response.headers
    else:
        # RFC 9110 15.4.5: a 304 carries no representation metadata (as Flask).
        assert "Content-Type" not in response.headers


def test_response_used_as_is(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    response = _serve(
        app, make_client, lambda: Response("plain", mimetype="text/plain", status=207)
    )
    assert response.status_code == 207
    assert response.mimetype == "text/plain"
    assert response.data == b"plain"


def test_wsgi_callable(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    def wsgi(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        start_response(
            "202 Accepted", [("Content-Type", "text/plain"), ("X-Path", environ["PATH_INFO"])]
        )
        return [b"from ", b"wsgi"]

    response = _serve(app, make_client, lambda: wsgi)
    assert response.status_code == 202
    assert response.headers["X-Path"] == "/"
    assert response.data == b"from wsgi"


def test_http_exception_instance(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    response = _serve(app, make_client, lambda: ImATeapot("short"))
    assert response.status_code == 418
    assert b"short" in response.data
    response = make_client(app).get("/")
    assert response.mimetype == "text/html"


def test_response_subclass_of_other_class_is_converted(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    class MyResponse(Response):
        pass

    app.response_class = MyResponse
    response = _serve(app, make_client, lambda: Response("base", status=201))
    assert response.status_code == 201
    assert response.data == b"base"


# -- invalid return values ------------------------------------------------------------------


def test_none_is_a_type_error_naming_the_endpoint(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    @app.route("/")
    def forgot() -> None:
        pass

    with pytest.raises(TypeError, match="The view function for 'forgot' did not return a valid"):
        make_client(app).get("/")


def test_none_is_a_500_when_not_testing(
    app: Kolben, make_client: MakeClient, pipeline: str, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False
    app.add_url_rule("/", "forgot", lambda: None)
    response = make_client(app).get("/")
    assert response.status_code == 500
    assert "Exception on / [GET]" in caplog.text
    assert "did not return a valid response" in caplog.text


@pytest.mark.parametrize("rv", [("a", 200, {}, "extra"), ("a",), ()])
def test_wrong_tuple_size(
    app: Kolben, make_client: MakeClient, pipeline: str, rv: tuple[t.Any, ...]
) -> None:
    app.add_url_rule("/", "index", lambda: rv)
    with pytest.raises(TypeError):
        make_client(app).get("/")


@pytest.mark.parametrize("rv", [42, 1.5, object(), True])
def test_unsupported_type(app: Kolben, make_client: MakeClient, pipeline: str, rv: t.Any) -> None:
    app.add_url_rule("/", "index", lambda: rv)
    with pytest.raises(TypeError, match=type(rv).__name__):
        make_client(app).get("/")


def test_none_body_in_tuple_is_a_type_error(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    app.add_url_rule("/", "index", lambda: (None, 201))
    with pytest.raises(TypeError, match="'index'"):
        make_client(app).get("/")


# -- the make_response helper ------------------------------------------------------------------


def test_make_response_helper(app: Kolben) -> None:
    with app.test_request_context():
        empty = make_response()
        assert empty.status_code == 200
        assert empty.data == b""
        assert isinstance(empty, app.response_class)

        one = make_response("body")
        assert one.data == b"body"
        assert one.mimetype == "text/html"

        several = make_response("missing", 404, {"X-A": "1"})
        assert several.status_code == 404
        assert several.headers["X-A"] == "1"

        pair = make_response(("json", {"X-B": "2"}))
        assert pair.headers["X-B"] == "2"

        data = make_response({"a": 1})
        assert data.json == {"a": 1}

        existing = Response("x")
        assert make_response(existing) is existing
        assert make_response(existing, 201).status_code == 201


def test_make_response_in_view(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    @app.route("/")
    def index() -> Response:
        response = make_response("hello", 201)
        response.headers["X-Custom"] = "yes"
        return response

    response = make_client(app).get("/")
    assert response.status_code == 201
    assert response.headers["X-Custom"] == "yes"


def test_app_make_response_is_used(app: Kolben, make_client: MakeClient) -> None:
    class App(Kolben):
        def make_response(self, rv: t.Any) -> Response:
            response = super().make_response(rv)
            response.headers["X-Made"] = "custom"
            return response

    custom = App("custom_app", static_folder=None)
    custom.add_url_rule("/", "index", lambda: "x")
    custom.add_url_rule("/d", "d", lambda: {"a": 1})
    client = make_client(custom)
    assert client.get("/").headers["X-Made"] == "custom"
    assert client.get("/d").headers["X-Made"] == "custom"


# -- jsonify ------------------------------------------------------------------------------------


def test_jsonify_forms(app: Kolben) -> None:
    with app.app_context():
        assert jsonify({"b": 1, "a": 2}).data == b'{"a":2,"b":1}\n'
        assert jsonify(1, 2, "x").data == b'[1,2,"x"]\n'
        assert jsonify(b=1, a=[1]).data == b'{"a":[1],"b":1}\n'
        assert jsonify().data == b"null\n"
        assert jsonify([1]).data == b"[1]\n"
        assert jsonify("é").data == b'"\\u00e9"\n'
        response = jsonify(a=1)
        assert response.mimetype == "application/json"
        assert response.status_code == 200
        with pytest.raises(TypeError):
            jsonify(1, a=2)


def test_jsonify_indents_in_debug(app: Kolben) -> None:
    app.debug = True
    with app.app_context():
        assert jsonify(b=1, a=[1]).data == b'{\n  "a": [\n    1\n  ],\n  "b": 1\n}\n'


def test_jsonify_and_dict_follow_debug_in_views(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    app.add_url_rule("/dict", "dict", lambda: {"a": 1})
    app.add_url_rule("/jsonify", "jsonify", lambda: jsonify(a=1))
    client = make_client(app)
    assert client.get("/dict").data == b'{"a":1}\n'
    app.debug = True
    assert client.get("/dict").data == b'{\n  "a": 1\n}\n'
    assert client.get("/jsonify").data == b'{\n  "a": 1\n}\n'


def test_json_compact_false(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    app.json.compact = False  # type: ignore[attr-defined]
    response = _serve(app, make_client, lambda: {"a": 1})
    assert response.data == b'{\n  "a": 1\n}\n'


def test_jsonify_needs_an_app() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        jsonify(a=1)


def test_custom_json_provider_is_used(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    from kolben.json.provider import DefaultJSONProvider

    class Provider(DefaultJSONProvider):
        def response(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
            rv = super().response(*args, **kwargs)
            rv.headers["X-Provider"] = "mine"
            return rv

    app.json = Provider(app)
    response = _serve(app, make_client, lambda: {"a": 1})
    assert response.headers["X-Provider"] == "mine"
    assert response.json == {"a": 1}


# -- redirects and header safety -----------------------------------------------------------


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
@pytest.mark.parametrize(
    "location", ["/relative?q=1", "https://example.com/x", "//evil.example/", "other", "/ü"]
)
def test_redirect_location_as_given(
    app: Kolben, make_client: MakeClient, pipeline: str, code: int, location: str
) -> None:
    response = _serve(app, make_client, lambda: redirect(location, code))
    assert response.status_code == code
    expected = "/%C3%BC" if location == "/ü" else location
    assert response.headers["Location"] == expected
    assert response.mimetype == "text/html"


def test_redirect_uses_app_response_class(app: Kolben) -> None:
    class MyResponse(Response):
        pass

    app.response_class = MyResponse
    with app.app_context():
        assert isinstance(redirect("/x"), MyResponse)
    # Outside an app, Werkzeug's class, as flask.redirect gives.
    assert type(redirect("/x")) is wrappers.Response
    assert isinstance(app.redirect("/y", 301), MyResponse)


@pytest.mark.parametrize("bad", ["/x\r\nSet-Cookie: a=b", "/x\nX: y", "/x\ry", "/x\x00y"])
def test_redirect_with_control_characters_is_refused(
    app: Kolben, make_client: MakeClient, pipeline: str, bad: str
) -> None:
    app.add_url_rule("/", "index", lambda: redirect(bad))
    with pytest.raises(ValueError):
        make_client(app).get("/")
    app.config["TESTING"] = False
    response = make_client(app).get("/")
    assert response.status_code == 500
    assert "Set-Cookie" not in response.headers
    assert "X" not in response.headers
    assert "Location" not in response.headers


@pytest.mark.parametrize("form", ["tuple", "dict", "attribute", "hook"])
def test_header_with_newline_from_app_is_a_500(
    app: Kolben, make_client: MakeClient, form: str
) -> None:
    bad = "v\r\nSet-Cookie: evil=1"
    if form == "tuple":
        app.add_url_rule("/", "index", lambda: ("x", [("X-A", bad)]))
    elif form == "dict":
        app.add_url_rule("/", "index", lambda: ("x", {"X-A": bad}))
    elif form == "attribute":

        @app.route("/")
        def index() -> Response:
            response = Response("x")
            response.headers["X-A"] = bad
            return response

    else:
        app.add_url_rule("/", "index", lambda: "x")

        @app.after_request
        def add(response: Response) -> Response:
            response.headers.add("X-A", bad)
            return response

    app.config["TESTING"] = False
    response = make_client(app).get("/")
    assert response.status_code == 500
    assert "Set-Cookie" not in response.headers
    assert "X-A" not in response.headers


# -- abort ----------------------------------------------------------------------------------------


def test_abort_forms(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    @app.route("/plain")
    def plain() -> str:
        abort(404)

    @app.route("/desc")
    def desc() -> str:
        abort(403, "no <b>entry</b>")

    @app.route("/response")
    def response() -> str:
        abort(Response("custom body", status=410))

    @app.route("/405")
    def not_allowed() -> str:
        abort(405, valid_methods=["POST"])

    client = make_client(app)
    rv = client.get("/plain")
    assert rv.status_code == 404
    assert b"<title>404 Not Found</title>" in rv.data
    rv = client.get("/desc")
    assert rv.status_code == 403
    assert b"no &lt;b&gt;entry&lt;/b&gt;" in rv.data
    rv = client.get("/response")
    assert rv.status_code == 410
    assert rv.data == b"custom body"
    rv = client.get("/405")
    assert rv.status_code == 405
    assert rv.headers["Allow"] == "POST"


def test_abort_response_skips_error_handlers(app: Kolben, make_client: MakeClient) -> None:
    handled: list[t.Any] = []

    @app.errorhandler(Exception)
    def catch_all(e: Exception) -> tuple[str, int]:
        handled.append(e)
        return "handled", 500

    app.add_url_rule("/", "index", lambda: abort(Response("own", status=409)))
    response = make_client(app).get("/")
    assert response.status_code == 409
    assert response.data == b"own"
    assert handled == []


def test_abort_unknown_code(app: Kolben, make_client: MakeClient) -> None:
    app.add_url_rule("/", "index", lambda: abort(999))
    with pytest.raises(LookupError, match="no exception for 999"):
        make_client(app).get("/")


def test_abort_custom_code_through_aborter_mapping(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    class PaymentRequired(HTTPException):
        code = 402
        description = "Pay first."

    app.aborter.mapping[402] = PaymentRequired
    app.add_url_rule("/", "index", lambda: abort(402))
    response = make_client(app).get("/")
    assert response.status_code == 402
    assert b"Pay first." in response.data


def test_abort_outside_app_uses_default_mapping() -> None:
    with pytest.raises(NotFound):
        abort(404)


# -- after_this_request ------------------------------------------------------------------------


def test_after_this_request(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    @app.route("/")
    def index() -> str:
        @after_this_request
        def first(response: Response) -> Response:
            response.headers["X-Order"] = "first"
            return response

        @after_this_request
        def second(response: Response) -> Response:
            response.headers["X-Order"] += ",second"
            return response

        return "body"

    client = make_client(app)
    assert client.get("/").headers["X-Order"] == "first,second"
    # Only for the request that registered them.
    app2 = client.get("/")
    assert app2.headers["X-Order"] == "first,second"


def test_after_this_request_may_replace_the_response(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    @app.route("/")
    def index() -> str:
        after_this_request(lambda response: Response("replaced", status=202))
        return "original"

    response = make_client(app).get("/")
    assert response.status_code == 202
    assert response.data == b"replaced"


def test_after_this_request_runs_once(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    calls: list[str] = []

    @app.route("/")
    def index() -> str:
        after_this_request(lambda r: calls.append(request.path) or r)
        return "x"

    app.add_url_rule("/other", "other", lambda: "y")
    client = make_client(app)
    client.get("/")
    client.get("/other")
    assert calls == ["/"]


def test_after_this_request_outside_request() -> None:
    with pytest.raises(RuntimeError, match="after_this_request"):
        after_this_request(lambda r: r)


# -- stream_with_context -------------------------------------------------------------------------


def test_stream_with_context_keeps_request(
    app: Kolben, make_client: MakeClient, pipeline: str, interface: str
) -> None:
    events: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append("teardown")

    @app.route("/")
    def index() -> Iterator[str]:
        g.token = "from g"

        @stream_with_context
        def generate() -> Iterator[str]:
            events.append("stream start")
            yield request.args["name"]
            yield " "
            yield g.token
            events.append("stream end")

        return generate()

    response = make_client(app).get("/?name=ann")
    if interface == "wsgi":
        assert events == []  # nothing ran yet: the WSGI body is still unread
    assert response.data == b"ann from g"
    assert events == ["stream start", "stream end", "teardown"]


def test_stream_with_context_wrapping_a_generator(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    @app.route("/")
    def index() -> Iterator[str]:
        def generate() -> Iterator[str]:
            yield request.method
            yield request.path

        return stream_with_context(generate())

    assert make_client(app).get("/").data == b"GET/"


def test_without_stream_with_context_request_is_gone(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    @app.route("/")
    def index() -> Iterator[str]:
        def generate() -> Iterator[str]:
            yield "a"
            yield request.path

        return generate()

    with pytest.raises(RuntimeError, match="Working outside of request context"):
        make_client(app).get("/").get_data()


def test_stream_with_context_closes_on_early_close(
    app: Kolben, make_client: MakeClient, pipeline: str, interface: str
) -> None:
    if interface != "wsgi":
        pytest.skip("reading part of the body and closing is how a WSGI server disconnects")
    events: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append("teardown")

    @app.route("/")
    def index() -> Iterator[str]:
        def generate() -> Iterator[str]:
            try:
                yield "a"
                yield "b"
            finally:
                events.append("closed")

        return stream_with_context(generate())

    response = make_client(app).get("/")
    iterator = iter(response.response)
    assert next(iterator) == b"a"
    response.close()
    assert events == ["closed", "teardown"]


def test_stream_with_context_outside_request() -> None:
    def gen() -> Iterator[str]:
        yield "x"

    with pytest.raises(RuntimeError, match="stream_with_context"):
        stream_with_context(gen())


def test_stream_raising_mid_stream_tears_down(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    events: list[t.Any] = []
    app.teardown_request(lambda exc: events.append(("teardown", exc)))

    @app.route("/stream")
    def stream() -> Iterator[str]:
        @stream_with_context
        def generate() -> Iterator[str]:
            yield request.path
            raise RuntimeError("mid-stream")

        return generate()

    app.add_url_rule("/", "index", lambda: "next")
    client = make_client(app)
    with pytest.raises(RuntimeError, match="mid-stream"):
        client.get("/stream").get_data()
    assert [e[0] for e in events] == ["teardown"]
    assert isinstance(events[0][1], RuntimeError)
    assert client.get("/").text == "next"


def test_stream_with_context_on_head_is_closed_unread(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    events: list[str] = []
    app.teardown_request(lambda exc: events.append("teardown"))

    @app.route("/")
    def index() -> Iterator[str]:
        @stream_with_context
        def generate() -> Iterator[str]:
            events.append("iterated")
            yield "body"

        return generate()

    response = make_client(app).head("/")
    assert response.status_code == 200
    assert response.data == b""
    response.close()
    assert events == ["teardown"]
