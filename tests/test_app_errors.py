"""Error handling through the app: handler lookup, trapping, propagation, 500s (API.md 8)."""

from __future__ import annotations

import logging
import typing as t
from collections.abc import Callable

import pytest

from kolben import Kolben, Response, abort, got_request_exception, request
from kolben.exceptions import (
    BadRequest,
    BadRequestKeyError,
    Forbidden,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
)
from kolben.testing import KolbenClient

MakeClient = Callable[..., KolbenClient]


class AppError(Exception):
    pass


class SpecificError(AppError):
    pass


class MoreSpecificError(SpecificError):
    pass


def _raiser(exc: BaseException) -> Callable[[], t.NoReturn]:
    def view() -> t.NoReturn:
        raise exc

    return view


# -- lookup -------------------------------------------------------------------------------


def test_code_handler_beats_class_handler(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    @app.errorhandler(Exception)
    def any_error(e: Exception) -> tuple[str, int]:
        return "exception", 500

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> tuple[str, int]:
        return f"http {e.code}", e.code or 500

    @app.errorhandler(404)
    def not_found(e: NotFound) -> tuple[str, int]:
        return "code 404", 404

    app.add_url_rule("/403", "forbidden", _raiser(Forbidden()))
    app.add_url_rule("/404", "missing", _raiser(NotFound()))
    app.add_url_rule("/boom", "boom", _raiser(ValueError("x")))
    client = make_client(app)
    assert client.get("/404").text == "code 404"
    assert client.get("/routing-404").text == "code 404"
    assert client.get("/403").text == "http 403"
    assert client.get("/boom").text == "exception"


def test_code_and_class_register_the_same_slot(app: Kolben) -> None:
    def a(e: Exception) -> str:
        return "a"

    def b(e: Exception) -> str:
        return "b"

    app.register_error_handler(404, a)
    app.register_error_handler(NotFound, b)
    assert app.error_handler_spec[None][404] == {NotFound: b}
    app.register_error_handler(HTTPException, a)
    app.register_error_handler(AppError, a)
    assert app.error_handler_spec[None][None] == {HTTPException: a, AppError: a}


def test_mro_walk_picks_the_most_specific(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    @app.errorhandler(AppError)
    def base(e: AppError) -> str:
        return f"base {type(e).__name__}"

    @app.errorhandler(SpecificError)
    def specific(e: SpecificError) -> str:
        return f"specific {type(e).__name__}"

    app.add_url_rule("/base", "base", _raiser(AppError()))
    app.add_url_rule("/specific", "specific", _raiser(SpecificError()))
    app.add_url_rule("/more", "more", _raiser(MoreSpecificError()))
    client = make_client(app)
    assert client.get("/base").text == "base AppError"
    assert client.get("/specific").text == "specific SpecificError"
    assert client.get("/more").text == "specific MoreSpecificError"


def test_http_exception_subclass_with_known_code(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    class Gone(NotFound):
        pass

    @app.errorhandler(Gone)
    def gone(e: Gone) -> tuple[str, int]:
        return "gone", 404

    @app.errorhandler(NotFound)
    def not_found(e: NotFound) -> tuple[str, int]:
        return "not found", 404

    app.add_url_rule("/gone", "gone", _raiser(Gone()))
    client = make_client(app)
    assert client.get("/gone").text == "gone"
    assert client.get("/nope").text == "not found"


def test_exception_handler_catches_routing_404(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    seen: list[t.Any] = []

    @app.errorhandler(Exception)
    def handler(e: Exception) -> tuple[str, int]:
        seen.append(e)
        return "caught", 418

    response = make_client(app).get("/nowhere")
    assert response.status_code == 418
    assert isinstance(seen[0], NotFound)


def test_405_handler_and_valid_methods(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    app.add_url_rule("/", "index", lambda: "x", methods=["GET", "POST"])

    @app.errorhandler(405)
    def not_allowed(e: MethodNotAllowed) -> tuple[str, int, dict[str, str]]:
        return (
            f"valid {sorted(e.valid_methods or [])}",
            405,
            {"X-Copied": ", ".join(e.valid_methods or [])},
        )

    response = make_client(app).delete("/")
    assert response.status_code == 405
    assert response.text == "valid ['GET', 'HEAD', 'OPTIONS', 'POST']"
    assert "Allow" not in response.headers
    assert response.headers["X-Copied"]


@pytest.mark.parametrize(
    ("result", "status", "body"),
    [
        ("text", 200, b"text"),
        (("text", 404), 404, b"text"),
        ({"error": "x"}, 200, b'{"error":"x"}\n'),
        (Response("resp", status=410), 410, b"resp"),
        (NotFound("as exception"), 404, None),
    ],
)
def test_handler_return_forms(
    app: Kolben,
    make_client: MakeClient,
    pipeline: str,
    result: t.Any,
    status: int,
    body: bytes | None,
) -> None:
    app.register_error_handler(AppError, lambda e: result)
    app.add_url_rule("/", "index", _raiser(AppError()))
    response = make_client(app).get("/")
    assert response.status_code == status
    if body is None:
        assert b"as exception" in response.data
    else:
        assert response.data == body


def test_handler_returning_none_is_a_type_error(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    app.register_error_handler(AppError, lambda e: None)
    app.add_url_rule("/", "index", _raiser(AppError()))
    with pytest.raises(TypeError, match="did not return a valid response"):
        make_client(app).get("/")


def test_handler_receives_the_exception(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    error = SpecificError("payload")
    received: list[BaseException] = []

    @app.errorhandler(AppError)
    def handler(e: AppError) -> str:
        received.append(e)
        return "ok"

    app.add_url_rule("/", "index", _raiser(error))
    make_client(app).get("/")
    assert received == [error]


def test_handler_raising_gives_500(
    app: Kolben, make_client: MakeClient, pipeline: str, caplog: pytest.LogCaptureFixture
) -> None:
    @app.errorhandler(AppError)
    def broken(e: AppError) -> str:
        raise RuntimeError("handler broke")

    app.add_url_rule("/", "index", _raiser(AppError()))
    with pytest.raises(RuntimeError, match="handler broke"):
        make_client(app).get("/")
    app.config["TESTING"] = False
    response = make_client(app).get("/")
    assert response.status_code == 500
    assert "handler broke" in caplog.text


def test_handler_raising_an_http_error_is_not_handled_again(
    app: Kolben, make_client: MakeClient
) -> None:
    calls: list[str] = []

    @app.errorhandler(AppError)
    def app_error(e: AppError) -> str:
        calls.append("app_error")
        abort(403)

    @app.errorhandler(403)
    def forbidden(e: Forbidden) -> tuple[str, int]:
        calls.append("forbidden")
        return "forbidden handler", 403

    app.add_url_rule("/", "index", _raiser(AppError()))
    app.config["TESTING"] = False
    response = make_client(app).get("/")
    # An exception raised by a handler goes to handle_exception, like Flask.
    assert response.status_code == 500
    assert calls == ["app_error"]


def test_unhandled_http_error_is_its_own_page(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    app.add_url_rule("/", "index", _raiser(Forbidden()))
    response = make_client(app).get("/")
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert b"<h1>Forbidden</h1>" in response.data


# -- registration errors -----------------------------------------------------------------------


def test_register_error_handler_errors(app: Kolben) -> None:
    with pytest.raises(ValueError, match="999"):
        app.register_error_handler(999, lambda e: "")
    with pytest.raises(TypeError, match="instance"):
        app.register_error_handler(NotFound(), lambda e: "")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Exception"):
        app.register_error_handler(str, lambda e: "")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Exception"):
        app.register_error_handler(BaseException, lambda e: "")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="12345"):
        app.errorhandler(12345)(lambda e: "")


# -- propagation and trapping ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("testing", "debug", "propagate", "raises"),
    [
        (True, False, None, True),
        (False, True, None, True),
        (False, False, None, False),
        (False, False, True, True),
        (True, False, False, False),
        (False, True, False, False),
    ],
)
def test_propagate_exceptions(
    app: Kolben,
    make_client: MakeClient,
    pipeline: str,
    testing: bool,
    debug: bool,
    propagate: bool | None,
    raises: bool,
) -> None:
    app.config.update(TESTING=testing, DEBUG=debug, PROPAGATE_EXCEPTIONS=propagate)
    app.add_url_rule("/", "index", _raiser(ZeroDivisionError("zero")))
    client = make_client(app)
    if raises:
        with pytest.raises(ZeroDivisionError):
            client.get("/")
    else:
        response = client.get("/")
        assert response.status_code == 500
        assert b"zero" not in response.data


def test_trap_http_exceptions(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    app.add_url_rule("/", "index", _raiser(Forbidden()))
    client = make_client(app)
    with pytest.raises(Forbidden):
        client.get("/")
    with pytest.raises(NotFound):
        client.get("/missing")


def test_trapped_http_exception_still_finds_its_handler(
    app: Kolben, make_client: MakeClient
) -> None:
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    app.register_error_handler(403, lambda e: ("handled 403", 403))
    app.add_url_rule("/", "index", _raiser(Forbidden()))
    assert make_client(app).get("/").text == "handled 403"


def test_trapped_http_exception_is_a_500_without_propagation(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    app.config.update(TRAP_HTTP_EXCEPTIONS=True, TESTING=False)
    app.add_url_rule("/", "index", _raiser(Forbidden()))
    assert make_client(app).get("/").status_code == 500


def test_trap_bad_request_errors_true(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    app.config["TRAP_BAD_REQUEST_ERRORS"] = True
    app.add_url_rule("/abort", "abort400", lambda: abort(400))
    app.add_url_rule("/key", "key", lambda: request.args["missing"])
    app.add_url_rule("/403", "f", _raiser(Forbidden()))
    client = make_client(app)
    with pytest.raises(BadRequest):
        client.get("/abort")
    with pytest.raises(BadRequestKeyError):
        client.get("/key")
    assert client.get("/403").status_code == 403


def test_trap_bad_request_errors_none_traps_key_errors_in_debug(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    app.add_url_rule("/abort", "abort400", lambda: abort(400))
    app.add_url_rule("/key", "key", lambda: request.args["missing"])
    client = make_client(app)
    assert client.get("/key").status_code == 400
    app.debug = True
    assert client.get("/abort").status_code == 400
    with pytest.raises(KeyError):
        client.get("/key")


def test_trap_bad_request_errors_false_never_traps(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    app.config.update(TRAP_BAD_REQUEST_ERRORS=False, DEBUG=True)
    app.add_url_rule("/key", "key", lambda: request.args["missing"])
    response = make_client(app).get("/key")
    assert response.status_code == 400
    # Debug mode still names the key.
    assert b"missing" in response.data


def test_bad_request_key_error_hides_the_key_without_debug(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    app.add_url_rule("/key", "key", lambda: request.args["secretname"])
    response = make_client(app).get("/key")
    assert response.status_code == 400
    assert b"secretname" not in response.data


def test_show_exception_is_set_in_debug(app: Kolben, make_client: MakeClient) -> None:
    app.config.update(DEBUG=True, TRAP_BAD_REQUEST_ERRORS=False)
    seen: list[BadRequestKeyError] = []

    @app.errorhandler(BadRequestKeyError)
    def handler(e: BadRequestKeyError) -> tuple[str, int]:
        seen.append(e)
        return "h", 400

    app.add_url_rule("/key", "key", lambda: request.args["zzkey"])
    make_client(app).get("/key")
    assert seen[0].show_exception is True
    assert "zzkey" in seen[0].get_description()


# -- 500s ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [500, InternalServerError, HTTPException, Exception])
def test_500_handler_gets_wrapper_with_original(
    app: Kolben, make_client: MakeClient, pipeline: str, key: t.Any
) -> None:
    app.config["TESTING"] = False
    original = ZeroDivisionError("zero")
    received: list[t.Any] = []

    def handler(e: t.Any) -> tuple[str, int]:
        received.append(e)
        return "custom 500", 500

    app.register_error_handler(key, handler)
    app.add_url_rule("/", "index", _raiser(original))
    response = make_client(app).get("/")
    assert response.status_code == 500
    if key is Exception:
        # A class handler for Exception catches the original first.
        assert received == [original]
    else:
        assert isinstance(received[0], InternalServerError)
        assert received[0].original_exception is original
    assert response.text == "custom 500"


def test_default_500_page(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    app.config["TESTING"] = False
    app.add_url_rule("/", "index", _raiser(RuntimeError("secret detail")))
    response = make_client(app).get("/")
    assert response.status_code == 500
    assert b"Internal Server Error" in response.data
    assert b"secret detail" not in response.data


def test_abort_500_goes_to_handler_unwrapped(app: Kolben, make_client: MakeClient) -> None:
    received: list[t.Any] = []

    @app.errorhandler(500)
    def handler(e: InternalServerError) -> tuple[str, int]:
        received.append(e)
        return "h", 500

    app.add_url_rule("/", "index", lambda: abort(500))
    assert make_client(app).get("/").text == "h"
    assert received[0].original_exception is None


def test_log_exception(
    app: Kolben, make_client: MakeClient, pipeline: str, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False
    app.add_url_rule("/boom/<x>", "boom", lambda x: 1 / 0)
    with caplog.at_level(logging.ERROR, logger=app.name):
        assert make_client(app).get("/boom/y").status_code == 500
    records = [r for r in caplog.records if r.name == app.name]
    assert len(records) == 1
    assert records[0].levelno == logging.ERROR
    assert records[0].getMessage() == "Exception on /boom/y [GET]"
    assert records[0].exc_info is not None
    assert records[0].exc_info[0] is ZeroDivisionError


def test_log_exception_can_be_overridden(make_client: MakeClient) -> None:
    logged: list[t.Any] = []

    class App(Kolben):
        def log_exception(self, exc_info: t.Any) -> None:
            logged.append(exc_info[0])

    app = App("custom", static_folder=None)
    app.add_url_rule("/", "index", lambda: 1 / 0)
    assert make_client(app).get("/").status_code == 500
    assert logged == [ZeroDivisionError]


def test_should_ignore_error(make_client: MakeClient) -> None:
    class App(Kolben):
        def should_ignore_error(self, error: BaseException | None) -> bool:
            return isinstance(error, ZeroDivisionError)

    app = App("custom", static_folder=None)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    seen: list[t.Any] = []
    app.teardown_request(seen.append)
    app.teardown_appcontext(seen.append)
    app.add_url_rule("/zero", "zero", lambda: 1 / 0)
    app.add_url_rule("/value", "value", _raiser(ValueError("v")))
    client = make_client(app)
    with pytest.raises(ZeroDivisionError):
        client.get("/zero")
    assert seen == [None, None]
    seen.clear()
    with pytest.raises(ValueError):
        client.get("/value")
    assert [type(e) for e in seen] == [ValueError, ValueError]


def test_got_request_exception_signal(
    app: Kolben, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False
    received: list[tuple[t.Any, dict[str, t.Any]]] = []

    def receiver(sender: t.Any, **kwargs: t.Any) -> None:
        received.append((sender, kwargs))

    error = ValueError("x")
    app.add_url_rule("/", "index", _raiser(error))
    app.add_url_rule("/404", "nf", _raiser(NotFound()))
    app.add_url_rule("/handled", "handled", _raiser(AppError()))
    app.register_error_handler(AppError, lambda e: "fine")
    with got_request_exception.connected_to(receiver, app):
        client = make_client(app)
        assert client.get("/").status_code == 500
        assert client.get("/404").status_code == 404
        assert client.get("/handled").text == "fine"
    assert received == [(app, {"exception": error})]


def test_got_request_exception_is_sent_before_propagating(
    app: Kolben, make_client: MakeClient
) -> None:
    received: list[BaseException] = []

    def receiver(sender: t.Any, exception: BaseException) -> None:
        received.append(exception)

    app.add_url_rule("/", "index", _raiser(ValueError("x")))
    with got_request_exception.connected_to(receiver, app), pytest.raises(ValueError):
        make_client(app).get("/")
    assert len(received) == 1


@pytest.mark.parametrize("kind", ["raise", "abort"])
def test_exception_in_after_request_is_a_500(
    app: Kolben, make_client: MakeClient, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    app.config["TESTING"] = False
    calls: list[str] = []

    @app.after_request
    def broken(response: Response) -> Response:
        calls.append("after")
        if kind == "abort":
            abort(403)
        raise RuntimeError("after broke")

    @app.errorhandler(403)
    def forbidden(e: Forbidden) -> tuple[str, int]:
        calls.append("403 handler")
        return "forbidden", 403

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        calls.append(f"teardown {type(exc).__name__}")

    app.add_url_rule("/", "index", lambda: "x")
    response = make_client(app).get("/")
    assert response.status_code == 500
    # Step 6 errors skip user handlers; the 500's own after hooks run again
    # and their error is only logged.
    assert "403 handler" not in calls
    assert calls[0] == "after"
    assert calls[-1] == f"teardown {'Forbidden' if kind == 'abort' else 'RuntimeError'}"
    assert "Request finalizing failed" in caplog.text


def test_exception_in_after_request_propagates_when_testing(
    app: Kolben, make_client: MakeClient
) -> None:
    @app.after_request
    def broken(response: Response) -> Response:
        raise RuntimeError("after broke")

    app.add_url_rule("/", "index", lambda: "x")
    with pytest.raises(RuntimeError, match="after broke"):
        make_client(app).get("/")


# -- safety --------------------------------------------------------------------------------------


def test_error_pages_escape_user_input(app: Kolben, make_client: MakeClient, pipeline: str) -> None:
    @app.route("/search")
    def search() -> str:
        abort(404, f"No results for {request.args['q']}")

    response = make_client(app).get("/search", query_string={"q": "<script>alert(1)</script>"})
    assert response.status_code == 404
    assert b"<script>" not in response.data
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.data


def test_404_page_does_not_echo_the_path(
    app: Kolben, make_client: MakeClient, pipeline: str
) -> None:
    response = make_client(app).get("/<script>alert(1)</script>")
    assert response.status_code == 404
    assert b"<script>" not in response.data


def test_worker_keeps_serving_after_a_fault(
    app: Kolben, make_client: MakeClient, pipeline: str, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False
    app.add_url_rule("/boom", "boom", lambda: 1 / 0)
    app.add_url_rule("/", "index", lambda: request.args.get("n", ""))
    client = make_client(app)
    for n in range(3):
        assert client.get("/boom").status_code == 500
        response = client.get(f"/?n={n}")
        assert response.status_code == 200
        assert response.text == str(n)


def test_base_exception_is_never_handled_but_teardown_runs(
    app: Kolben, make_client: MakeClient
) -> None:
    app.config["TESTING"] = False
    seen: list[t.Any] = []
    app.teardown_request(lambda exc: seen.append(type(exc).__name__))
    app.register_error_handler(Exception, lambda e: "handled")
    app.add_url_rule("/", "index", _raiser(_Stop()))
    with pytest.raises(_Stop):
        make_client(app).get("/")
    assert seen == ["_Stop"]


class _Stop(BaseException):
    """A BaseException that is not KeyboardInterrupt (which stops event loops)."""
