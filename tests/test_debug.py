"""The interactive debugger without a browser: the page, the consoles and
every access check of SECURITY.md "The development debugger"."""

from __future__ import annotations

import asyncio
import html.parser
import json
import re
import runpy
import sys
import typing as t
from collections.abc import Callable

import pytest

from kolben import Kolben
from kolben.debug import (
    PREFIX,
    DebuggedApplication,
    DebuggedASGIApplication,
    Debugger,
    Traceback,
)
from kolben.debug.console import run_in_frame
from kolben.debug.guard import COOKIE_NAME, CSRF_HEADER, Guard, TokenResult, split_host
from kolben.debug.tbtools import is_library_file, safe_repr
from kolben.serving import error_app
from kolben.testing import Client, KolbenClient, TestResponse

MakeClient = Callable[..., KolbenClient]
TOKEN = "1a2b-3c4d-5e6f-7a8b-9c0d"
XSS = "<img src=x onerror=alert(1)><script>alert(2)</script>\"'"


def debugged(app: Kolben, **kwargs: t.Any) -> Debugger:
    """Put the debugger around both of the app's interfaces."""
    kwargs.setdefault("token", TOKEN)
    debugger = Debugger(**kwargs)
    app.wsgi_app = DebuggedApplication(app.wsgi_app, debugger)  # type: ignore[method-assign]
    app.asgi_app = DebuggedASGIApplication(app.asgi_app, debugger)  # type: ignore[method-assign]
    return debugger


def failing_app(app: Kolben) -> Kolben:
    @app.route("/boom")
    def boom() -> str:
        items = [1, 2, 3]
        label = "the <b>list</b>"
        return str(items[10]) + label

    return app


class Page:
    """What the JavaScript reads from the page."""

    def __init__(self, response: TestResponse) -> None:
        self.text = response.text
        body = re.search(r"<body ([^>]*)>", self.text)
        assert body is not None
        attrs = dict(re.findall(r'(data-kd-[a-z]+)="([^"]*)"', body.group(1)))
        self.csrf = attrs["data-kd-csrf"]
        self.tb = attrs["data-kd-traceback"]
        self.unlocked = attrs["data-kd-unlocked"] == "1"
        frames = re.findall(r'<details class="kd-frame kd-user" data-kd-frame="(\d+)"', self.text)
        self.user_frame = int(frames[-1])


def post(
    client: KolbenClient, route: str, data: t.Any, csrf: str | None, **headers: str
) -> TestResponse:
    sent = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}
    if csrf is not None:
        sent[CSRF_HEADER] = csrf
    sent.update({k.replace("_", "-"): v for k, v in headers.items()})
    return client.post(
        PREFIX + route, data=json.dumps(data), headers=sent, content_type="application/json"
    )


def unlock(client: KolbenClient, page: Page) -> TestResponse:
    return post(client, "/auth", {"token": TOKEN}, page.csrf)


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(text: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(text)
    return parser.tags


# -- the page -----------------------------------------------------------------------------


def test_error_page_shows_the_traceback(app: Kolben, make_client: MakeClient) -> None:
    debugged(failing_app(app))
    response = make_client(app).get("/boom", headers={"Accept": "text/html"})
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    text = response.text
    assert "IndexError" in text
    assert "list index out of range" in text
    assert "return str(items[10]) + label" in text  # the source line
    assert "&lt;b&gt;list&lt;/b&gt;" in text  # a local, escaped
    assert "<b>list</b>" not in text
    assert 'class="kd-line kd-current"' in text
    assert "<mark>items[10]</mark>" in text  # the failing expression (Python 3.11+)
    page = Page(response)
    assert not page.unlocked


@pytest.mark.skipif(sys.version_info < (3, 11), reason="column positions are 3.11+")
def test_failing_expression_is_marked(app: Kolben, make_client: MakeClient) -> None:
    debugged(failing_app(app))
    text = make_client(app).get("/boom").text
    user_frame = text[text.rindex('class="kd-frame kd-user"') :]
    assert user_frame.count("<mark>") == 1


def test_error_page_headers(app: Kolben, make_client: MakeClient) -> None:
    debugged(failing_app(app))
    response = make_client(app).get("/boom")
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"script-src 'nonce-([^']+)'", csp)
    assert nonce is not None
    assert f"style-src 'nonce-{nonce.group(1)}'" in csp
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    scripts = [attrs for tag, attrs in tags_of(response.text) if tag == "script"]
    assert scripts == [{"nonce": nonce.group(1)}]
    # A fresh nonce for every response.
    again = make_client(app).get("/boom").headers["Content-Security-Policy"]
    assert again != csp


def test_xss_payloads_stay_inert(app: Kolben, make_client: MakeClient) -> None:
    namespace: dict[str, t.Any] = {}
    source = "def view():\n    payload = PAYLOAD\n    raise ValueError(PAYLOAD)\n"
    exec(compile(source, f"{XSS}.py", "exec"), namespace)
    namespace["PAYLOAD"] = XSS
    app.add_url_rule("/xss/<path:rest>", "xss", lambda rest: namespace["view"]())
    debugged(app)
    response = make_client(app).get("/xss/" + "%3Cscript%3Ealert(3)%3C/script%3E")
    assert response.status_code == 500
    text = response.text
    assert XSS not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text  # message, local and file name
    found = tags_of(text)
    assert not [tag for tag, _ in found if tag == "img"]
    assert len([tag for tag, _ in found if tag == "script"]) == 1
    assert not [name for _, attrs in found for name in attrs if name.startswith("on")]
    assert "<script>alert(3)" not in text  # the URL


def test_plain_text_for_clients_that_do_not_want_html(app: Kolben, make_client: MakeClient) -> None:
    debugged(failing_app(app))
    response = make_client(app).get("/boom", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.mimetype == "text/plain"
    assert response.text.startswith("Traceback (most recent call last):")
    assert "IndexError: list index out of range" in response.text
    assert "debug/middleware.py" not in response.text  # the debugger's own frames


def test_foreign_host_gets_a_bare_500(app: Kolben, make_client: MakeClient) -> None:
    debugged(failing_app(app))
    response = make_client(app).get("/boom", headers={"Host": "evil.example"})
    assert response.status_code == 500
    assert "IndexError" not in response.text
    assert response.text == "Internal Server Error"


def test_working_views_are_untouched(app: Kolben, make_client: MakeClient) -> None:
    app.add_url_rule("/", "index", lambda: "fine")
    debugged(app)
    response = make_client(app).get("/")
    assert response.text == "fine"
    assert "Content-Security-Policy" not in response.headers


def test_http_errors_are_not_the_debuggers(app: Kolben, make_client: MakeClient) -> None:
    debugged(app)
    assert make_client(app).get("/missing").status_code == 404


def test_chained_exceptions_are_all_shown(app: Kolben, make_client: MakeClient) -> None:
    @app.route("/chain")
    def chain() -> str:
        try:
            {}["missing"]
        except KeyError as exc:
            raise RuntimeError("lookup failed") from exc
        return "unreachable"

    debugged(app)
    text = make_client(app).get("/chain").text
    assert text.index("KeyError") < text.index("RuntimeError: lookup failed") or (
        text.index("kd-exc-line") < text.rindex("RuntimeError")
    )
    assert "direct cause of the following exception" in text
    assert text.count('class="kd-exception"') == 2


def kd_frames(text: str) -> list[tuple[str, str]]:
    """(file, function) of every frame listed in full on the page."""
    return re.findall(
        r'<details class="kd-frame[^"]*"[^>]*><summary><span class="kd-file">([^<]*)</span>'
        r', line <span class="kd-lineno-ref">\d+</span>(?:, in <span class="kd-func">([^<]*))?',
        text,
    )


@pytest.mark.parametrize("kind", ["def", "async def"])
def test_reraised_frames_are_listed_once(
    app: Kolben, make_client: MakeClient, kind: str, tmp_path: t.Any
) -> None:
    source = (
        f"{kind} view():\n"
        "    try:\n"
        "        return 1 / 0\n"
        "    except ZeroDivisionError as e:\n"
        "        note = 'seen'\n"
        "        raise e\n"
    )
    module = tmp_path / "reraising_views.py"
    module.write_text(source, "utf-8")
    app.add_url_rule("/reraise", "reraise", runpy.run_path(str(module))["view"])
    debugged(app)
    text = make_client(app).get("/reraise").text
    frames = kd_frames(text)
    # The pipeline re-raises with "raise e" too: no frame may come twice.
    assert len(frames) == len(set(frames)), frames
    assert frames[-1] == (str(module), "view")
    assert "return 1 / 0" in text
    assert "re-raised at line 6" in text


def test_chained_exceptions_share_frames_without_repeating_them(
    app: Kolben, make_client: MakeClient
) -> None:
    def lookup(key: str) -> int:
        return {"a": 1}[key]

    @app.route("/chain")
    def chain() -> str:
        try:
            lookup("missing")
        except KeyError as exc:
            raise RuntimeError("lookup failed") from exc
        return "unreachable"

    @app.errorhandler(LookupError)
    def on_lookup(error: LookupError) -> str:
        raise ValueError("the handler failed too")

    @app.route("/handler")
    def handler() -> str:
        return str(lookup("other"))

    debugged(app)
    client = make_client(app)
    text = client.get("/chain").text
    frames = kd_frames(text)
    assert len(frames) == len(set(frames)), frames
    assert [func.rsplit(".", 1)[-1] for _, func in frames].count("chain") == 1
    # Python prints the shared frame under both exceptions; here the earlier
    # one points at it (with its own line) and the frame is listed once.
    first, second = text.split('class="kd-exception"')[1:]
    assert "KeyError" in first
    assert "RuntimeError" in second
    assert 'class="kd-frame-ref"' in first
    assert "lookup(&#34;missing&#34;)" in first  # the line it passed at in that frame
    ref = re.search(r'<a href="#kd-frame-(\d+)"', first)
    assert ref is not None
    assert f'id="kd-frame-{ref.group(1)}"' in second
    assert "direct cause of the following exception" in text

    text = client.get("/handler").text
    # The app's own frames are each listed once. (Kolben's pipeline calls the
    # view and the error handler through one helper: two frames of the same
    # library function, not one frame repeated.)
    frames = [frame for frame in kd_frames(text) if not is_library_file(frame[0])]
    assert len(frames) == len(set(frames)), frames
    assert "During handling of the above exception" in text
    assert text.count('class="kd-exception"') == 2


def test_syntax_error_shows_the_line_as_a_frame(
    app: Kolben, make_client: MakeClient, tmp_path: t.Any
) -> None:
    broken = tmp_path / "broken_module.py"
    broken.write_text("import os\n\n\ndef handler():\n    return os.sep +* 2\n", "utf-8")

    @app.route("/import")
    def import_broken() -> str:
        runpy.run_path(str(broken))
        return "unreachable"

    debugged(app)
    client = make_client(app)
    response = client.get("/import")
    text = response.text
    assert "SyntaxError" in text
    frame = re.search(
        r'<details class="kd-frame kd-user kd-syntax" data-kd-frame="(\d+)"[^>]*>(.*?)</details>',
        text,
        re.S,
    )
    assert frame is not None
    body = frame.group(2)
    where = f'<span class="kd-file">{broken}</span>, line <span class="kd-lineno-ref">5</span>'
    assert where in body
    assert 'class="kd-func"' not in body  # Python names no function either
    current = '<span class="kd-line kd-current"><span class="kd-lineno">5</span>'
    assert current + "    return os.sep +<mark>*</mark> 2</span>" in body
    assert "def handler():" in body  # the lines around it
    assert "kd-console" not in body  # it never ran: nothing to run code in
    # The frame sits after the frames that imported it, before the message.
    assert text.index(body) < text.rindex('class="kd-exc-line"')
    page = Page(response)
    unlock(client, page)
    code = {"traceback": page.tb, "frame": int(frame.group(1)), "code": "1"}
    assert post(client, "/eval", code, page.csrf).status_code == 404


def test_syntax_error_of_a_string_and_an_unclosed_bracket() -> None:
    def compile_it() -> None:
        compile("total = (1,\n", "<generated>", "exec")

    tb = _capture(compile_it)
    syntax = tb.chain[-1].frames[-1]
    assert syntax.frame is None
    assert not syntax.has_console
    assert (syntax.filename, syntax.lineno) == ("<generated>", 1)
    assert syntax.source == [(1, "total = (1,")]
    assert syntax.columns == (8, 9)
    with pytest.raises(LookupError, match="no console"):
        syntax.console_namespace()


def test_app_that_failed_to_load_shows_the_same_frames_each_time(tmp_path: t.Any) -> None:
    broken = tmp_path / "broken_app.py"
    broken.write_text("from kolben import Kolben\napp = Kolben(__name__)\nif True\n", "utf-8")
    try:
        runpy.run_path(str(broken))
    except SyntaxError as exc:
        error = exc
    wrapped = DebuggedApplication(error_app(error), token=TOKEN)
    client = Client(wrapped, TestResponse)
    first = client.get("/").text
    again = client.get("/").text
    assert kd_frames(again) == kd_frames(first)
    assert len(kd_frames(first)) == len(set(kd_frames(first)))
    assert "if True" in first


def test_library_frames_are_collapsed(app: Kolben, make_client: MakeClient) -> None:
    debugged(failing_app(app))
    text = make_client(app).get("/boom").text
    library = re.findall(r'<details class="kd-frame kd-library"[^>]*>', text)
    user = re.findall(r'<details class="kd-frame kd-user"[^>]*>', text)
    assert library  # Kolben's dispatch frames
    assert all(" open" not in tag for tag in library)
    assert user
    assert all(tag.endswith(" open>") for tag in user)


def test_evalex_off_has_no_consoles(app: Kolben, make_client: MakeClient) -> None:
    debugged(failing_app(app), token=None, evalex=False)
    client = make_client(app)
    response = client.get("/boom")
    assert 'class="kd-console"' not in response.text
    assert 'id="kd-unlock"' not in response.text
    page = Page(response)
    assert post(client, "/auth", {"token": "x"}, page.csrf).status_code == 403


def test_streaming_error_after_the_start_ends_the_stream(
    app: Kolben, make_client: MakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    def chunks() -> t.Iterator[str]:
        yield "first "
        raise RuntimeError("mid-stream")

    app.add_url_rule("/stream", "stream", lambda: app.response_class(chunks()))
    debugged(app)
    client = make_client(app)
    try:
        response = client.get("/stream")
        body = response.get_data()
    except RuntimeError:
        body = b"first "  # an interface may surface it instead of ending the body
    assert body.startswith(b"first ")
    assert b"kd-" not in body


# -- the consoles -------------------------------------------------------------------------


def test_console_needs_the_token(app: Kolben, make_client: MakeClient) -> None:
    debugged(failing_app(app))
    client = make_client(app)
    page = Page(client.get("/boom"))
    code = {"traceback": page.tb, "frame": page.user_frame, "code": "items"}
    locked = post(client, "/eval", code, page.csrf)
    assert locked.status_code == 403
    assert locked.json["locked"] is True
    wrong = post(client, "/auth", {"token": "0000-0000-0000-0000-0000"}, page.csrf)
    assert wrong.status_code == 403
    assert "Set-Cookie" not in wrong.headers
    assert post(client, "/eval", code, page.csrf).status_code == 403

    good = unlock(client, page)
    assert good.status_code == 200
    cookie = good.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Max-Age=3600" in cookie
    assert good.headers["Cache-Control"] == "no-store"

    result = post(client, "/eval", {**code, "code": "items[0] + 41"}, page.csrf)
    assert result.status_code == 200
    assert result.json == {"output": "42\n", "error": False, "more": False}
    # A page loaded with the cookie starts unlocked.
    assert Page(client.get("/boom")).unlocked


def test_console_runs_statements_and_keeps_names(app: Kolben, make_client: MakeClient) -> None:
    debugged(failing_app(app))
    client = make_client(app)
    page = Page(client.get("/boom"))
    unlock(client, page)

    def run(source: str) -> dict[str, t.Any]:
        code = {"traceback": page.tb, "frame": page.user_frame, "code": source}
        response = post(client, "/eval", code, page.csrf)
        assert response.status_code == 200
        return t.cast(dict[str, t.Any], response.json)

    assert run("total = sum(items)") == {"output": "", "error": False, "more": False}
    assert run("print('total is', total)")["output"] == "total is 6\n"
    assert run("for i in items:\n    print(i)\n")["output"] == "1\n2\n3\n"
    assert run("label")["output"] == "'the <b>list</b>'\n"  # JSON: the page inserts text
    assert run("None")["output"] == ""
    failed = run("1 / 0")
    assert failed["error"] is True
    assert "ZeroDivisionError: division by zero" in failed["output"]
    assert "console.py" not in failed["output"]
    assert "\n    1 / 0\n" in failed["output"]  # the line typed, as Python 3.13's prompt shows
    assert run("raise SystemExit(3)")["error"] is True  # the server survives
    assert run("items")["output"] == "[1, 2, 3]\n"


def console_runner(client: KolbenClient, page: Page) -> Callable[[str], dict[str, t.Any]]:
    """Send a console buffer to the page's innermost user frame; the JSON answer."""

    def run(source: str) -> dict[str, t.Any]:
        code = {"traceback": page.tb, "frame": page.user_frame, "code": source}
        response = post(client, "/eval", code, page.csrf)
        assert response.status_code == 200, response.text
        return t.cast(dict[str, t.Any], response.json)

    return run


def test_console_echoes_expression_statements_like_the_repl(
    app: Kolben, make_client: MakeClient
) -> None:
    debugged(failing_app(app))
    client = make_client(app)
    page = Page(client.get("/boom"))
    unlock(client, page)
    run = console_runner(client, page)

    import os

    # The value of the last expression statement, after other statements.
    assert run("import os; os.getcwd()")["output"] == repr(os.getcwd()) + "\n"
    # Every expression statement is echoed, None is not, as the REPL does.
    assert run("n = 1; n; None; n + 1")["output"] == "1\n2\n"
    assert run("for i in items: i\n")["output"] == "1\n2\n3\n"
    assert run("print('x'); len(items)")["output"] == "x\n3\n"
    assert run("_")["output"] == "3\n"
    assert run("n = 5")["output"] == ""


def test_console_continues_unfinished_input(app: Kolben, make_client: MakeClient) -> None:
    debugged(failing_app(app))
    client = make_client(app)
    page = Page(client.get("/boom"))
    unlock(client, page)
    run = console_runner(client, page)
    more = {"output": "", "error": False, "more": True}

    # A block: more lines until an empty one, then it runs once.
    assert run("total = 0") == {"output": "", "error": False, "more": False}
    assert run("for i in items:") == more
    assert run("for i in items:\n    total += i") == more
    assert run("total")["output"] == "0\n"  # the unfinished block did not run
    assert run("for i in items:\n    total += i\n") == {"output": "", "error": False, "more": False}
    assert run("total")["output"] == "6\n"
    # An empty line that kept the indentation ends the block too.
    assert run("if total:\n    total\n    ")["output"] == "6\n"
    # A function definition, a backslash, an open bracket.
    assert run("def double(x):") == more
    assert run("def double(x):\n    return 2 * x") == more
    assert run("def double(x):\n    return 2 * x\n")["more"] is False
    assert run("double(total)")["output"] == "12\n"
    assert run("double(1) + \\") == more
    assert run("double(1) + \\\n1")["output"] == "3\n"
    assert run("[double(1),") == more
    assert run("[double(1),\n double(2)]")["output"] == "[2, 4]\n"
    # Several statements (pasted): more until an empty line, then all run.
    assert run("a = 1\nb = 2") == more
    assert run("a = 1\nb = 2\n") == {"output": "", "error": False, "more": False}
    assert run("a + b")["output"] == "3\n"
    # A syntax error needs no more lines: it is reported as the REPL does.
    failed = run("def broken(:")
    assert failed["error"] is True
    assert failed["more"] is False
    assert "SyntaxError" in failed["output"]
    assert "Traceback" not in failed["output"]
    assert "^" in failed["output"]


def test_console_continuation_requests_are_checked(
    app: Kolben, make_client: MakeClient
) -> None:
    debugged(failing_app(app))
    client = make_client(app)
    page = Page(client.get("/boom"))
    code = {"traceback": page.tb, "frame": page.user_frame, "code": "for i in items:"}
    # Locked: even a line that would only ask for more is refused.
    assert post(client, "/eval", code, page.csrf).status_code == 403
    unlock(client, page)
    assert post(client, "/eval", code, None).status_code == 403  # no CSRF token
    assert post(client, "/eval", code, page.csrf, Host="evil.example").status_code == 400
    assert post(client, "/eval", code, page.csrf).json["more"] is True
    # The buffer travels whole with each line, so the body limit bounds it.
    huge = {**code, "code": "for i in items:\n" + "    i\n" * 20_000}
    assert post(client, "/eval", huge, page.csrf).status_code == 413


def test_console_unknown_traceback_or_frame(app: Kolben, make_client: MakeClient) -> None:
    debugged(failing_app(app))
    client = make_client(app)
    page = Page(client.get("/boom"))
    unlock(client, page)
    gone = post(client, "/eval", {"traceback": "nope", "frame": 0, "code": "1"}, page.csrf)
    assert gone.status_code == 404
    far = post(client, "/eval", {"traceback": page.tb, "frame": 999, "code": "1"}, page.csrf)
    assert far.status_code == 404
    bad = post(client, "/eval", {"traceback": page.tb, "frame": "0", "code": 1}, page.csrf)
    assert bad.status_code == 400


@pytest.mark.parametrize("interface", ["asgi"])
def test_asgi_console_runs_off_the_event_loop(app: Kolben, make_client: MakeClient) -> None:
    debugged(failing_app(app))
    client = make_client(app)
    page = Page(client.get("/boom"))
    unlock(client, page)
    code = {"traceback": page.tb, "frame": page.user_frame, "code": "import asyncio"}
    post(client, "/eval", code, page.csrf)
    code["code"] = "asyncio.get_running_loop()"
    result = post(client, "/eval", code, page.csrf).json
    assert result["error"] is True
    assert "no running event loop" in result["output"]


@pytest.mark.parametrize("interface", ["asgi"])
def test_asgi_async_view_error(app: Kolben, make_client: MakeClient) -> None:
    @app.route("/async-boom")
    async def async_boom() -> str:
        await asyncio.sleep(0)
        marker = "async local"
        raise LookupError(marker)

    debugged(app)
    client = make_client(app)
    response = client.get("/async-boom")
    assert response.status_code == 500
    assert "LookupError" in response.text
    assert "&#39;async local&#39;" in response.text
    page = Page(response)
    unlock(client, page)
    code = {"traceback": page.tb, "frame": page.user_frame, "code": "marker.upper()"}
    assert post(client, "/eval", code, page.csrf).json["output"] == "'ASYNC LOCAL'\n"


# -- refusals --------------------------------------------------------------------------------


@pytest.fixture
def unlocked(app: Kolben, make_client: MakeClient) -> tuple[KolbenClient, Page]:
    debugged(failing_app(app))
    client = make_client(app)
    page = Page(client.get("/boom"))
    assert unlock(client, page).status_code == 200
    return client, page


def _code(page: Page) -> dict[str, t.Any]:
    return {"traceback": page.tb, "frame": page.user_frame, "code": "1 + 1"}


def test_refused_via_get(unlocked: tuple[KolbenClient, Page]) -> None:
    client, _page = unlocked
    response = client.get(PREFIX + "/eval", query_string={"code": "1+1"})
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_refused_without_csrf(unlocked: tuple[KolbenClient, Page]) -> None:
    client, page = unlocked
    assert post(client, "/eval", _code(page), None).status_code == 403
    assert post(client, "/eval", _code(page), "forged").status_code == 403


def test_refused_from_a_foreign_origin(unlocked: tuple[KolbenClient, Page]) -> None:
    client, page = unlocked
    for origin in ("http://evil.example", "null", "http://localhost:9999", "file://"):
        response = post(client, "/eval", _code(page), page.csrf, Origin=origin)
        assert response.status_code == 400, origin
    assert post(client, "/eval", _code(page), page.csrf).status_code == 200


def test_refused_for_a_foreign_host(unlocked: tuple[KolbenClient, Page]) -> None:
    client, page = unlocked
    response = post(
        client,
        "/eval",
        _code(page),
        page.csrf,
        Host="attacker.example",
        Origin="http://attacker.example",
    )
    assert response.status_code == 400
    assert "Host" in response.json["error"]


@pytest.mark.parametrize("site", ["cross-site", "same-site", "none"])
def test_refused_for_sec_fetch_site(unlocked: tuple[KolbenClient, Page], site: str) -> None:
    client, page = unlocked
    response = post(client, "/eval", _code(page), page.csrf, Sec_Fetch_Site=site)
    assert response.status_code == 400


def test_refused_for_form_posts(unlocked: tuple[KolbenClient, Page]) -> None:
    client, page = unlocked
    response = client.post(
        PREFIX + "/eval",
        data={"code": "1"},
        headers={CSRF_HEADER: page.csrf, "Origin": "http://localhost"},
    )
    assert response.status_code == 415


def test_refused_for_large_bodies(unlocked: tuple[KolbenClient, Page]) -> None:
    client, page = unlocked
    code = {**_code(page), "code": "x" * 70_000}
    assert post(client, "/eval", code, page.csrf).status_code == 413


def test_unknown_debugger_url(unlocked: tuple[KolbenClient, Page]) -> None:
    client, _page = unlocked
    assert client.get(PREFIX + "/nothing").status_code == 404
    assert client.get(PREFIX).status_code == 404


def test_tampered_cookie_is_locked(app: Kolben, make_client: MakeClient) -> None:
    debugger = debugged(failing_app(app))
    client = make_client(app)
    page = Page(client.get("/boom"))
    expired = debugger.guard.make_cookie().split(";")[0].split("=", 1)[1]
    stamp, _, signature = expired.partition(".")
    for value in (f"{int(stamp) + 99999}.{signature}", f"1.{signature}", "garbage", ""):
        client.set_cookie(COOKIE_NAME, value)
        assert post(client, "/eval", _code(page), page.csrf).status_code == 403, value


def test_token_attempts_are_rate_limited(app: Kolben, make_client: MakeClient) -> None:
    debugged(failing_app(app))
    client = make_client(app)
    page = Page(client.get("/boom"))
    for _ in range(Guard.max_failures):
        assert post(client, "/auth", {"token": "wrong"}, page.csrf).status_code == 403
    limited = unlock(client, page)  # even the right token waits now
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0


# -- the guard --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "host"),
    [
        ("localhost:5000", "localhost"),
        ("LOCALHOST", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]:8000", "::1"),
        ("[::1]", "::1"),
        ("app.localhost.", "app.localhost"),
    ],
)
def test_split_host(value: str, host: str) -> None:
    assert split_host(value) == host


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("localhost:5000", True),
        ("127.0.0.1:5000", True),
        ("127.9.9.9", True),
        ("[::1]:5000", True),
        ("api.localhost", True),
        ("trusted.test", True),
        ("evil.example", False),
        ("localhost.evil.example", False),
        ("127.0.0.1.nip.io", False),
        ("", False),
        (None, False),
    ],
)
def test_guard_hosts(host: str | None, allowed: bool) -> None:
    assert Guard("t", trusted_hosts=["trusted.test"]).host_allowed(host) is allowed


def test_guard_token_lockout(monkeypatch: pytest.MonkeyPatch) -> None:
    guard = Guard(TOKEN)
    now = [1000.0]
    monkeypatch.setattr("kolben.debug.guard.time.monotonic", lambda: now[0])
    assert guard.check_token(TOKEN.upper().replace("-", " ")) == TokenResult.OK
    rounds = Guard.lockout_after // Guard.max_failures
    for _ in range(rounds - 1):
        for _ in range(Guard.max_failures):
            assert guard.check_token("nope") == TokenResult.WRONG
        assert guard.check_token(TOKEN) == TokenResult.LIMITED
        assert 0 < guard.retry_after() <= Guard.failure_window + 1
        now[0] += Guard.failure_window + 1
        assert guard.check_token(TOKEN) == TokenResult.OK
    for _ in range(Guard.max_failures):
        assert guard.check_token("nope") == TokenResult.WRONG
    now[0] += 24 * 3600
    assert guard.check_token(TOKEN) == TokenResult.LOCKED  # until the server restarts


def test_guard_cookie_survives_a_restart_with_the_same_token() -> None:
    first, second, other = Guard(TOKEN), Guard(TOKEN), Guard("ffff-ffff-ffff-ffff-ffff")
    value = first.make_cookie().split(";")[0].split("=", 1)[1]
    assert second.cookie_valid(value)
    assert not other.cookie_valid(value)
    assert first.csrf_token != second.csrf_token


def test_guard_without_token_is_always_locked() -> None:
    guard = Guard(None)
    assert guard.check_token("anything") == TokenResult.LOCKED
    assert not guard.cookie_valid("1.abc")


def test_debugger_without_token_makes_and_prints_one(capsys: pytest.CaptureFixture[str]) -> None:
    debugger = Debugger()
    token = debugger.guard.token
    assert token is not None
    assert re.fullmatch(r"[0-9a-f]{4}(-[0-9a-f]{4}){4}", token)
    assert token in capsys.readouterr().err
    assert Debugger().guard.token != token


# -- tracebacks and the console, directly --------------------------------------------------


def _capture(f: Callable[[], t.Any]) -> Traceback:
    try:
        f()
    except Exception as exc:
        return Traceback(exc)
    raise AssertionError("did not raise")


def test_traceback_frames_and_text() -> None:
    def inner() -> None:
        value = {"key": 1}
        raise KeyError(value["key"])

    tb = _capture(inner)
    assert tb.type_name == "KeyError"
    assert tb.message == "1"
    frame = tb.chain[-1].frames[-1]
    assert frame.function.endswith("inner")
    assert ("value", "{'key': 1}") in frame.locals
    assert not frame.is_library
    assert "raise KeyError" in dict(frame.source)[frame.lineno]
    assert tb.plain_text.endswith("KeyError: 1\n")


def test_console_output_does_not_leak_into_other_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def inner() -> None:
        x = 5
        raise ValueError(x)

    frame = _capture(inner).chain[-1].frames[-1]
    assert run_in_frame(frame, "print(x * 2)").output == "10\n"
    print("after")
    assert capsys.readouterr().out == "after\n"
    assert run_in_frame(frame, "x += 1").output == ""
    assert run_in_frame(frame, "x").output == "6\n"
    assert run_in_frame(frame, "_").output == "6\n"
    # Outside a console command the display hook does what it did before.
    sys.displayhook(7)
    assert capsys.readouterr().out == "7\n"


def test_safe_repr() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert "repr of Broken failed" in safe_repr(Broken())
    long = safe_repr("x" * 5000, limit=100)
    assert long.endswith("more characters)")
    assert len(long) < 200


def test_library_detection() -> None:
    import json as stdlib_json

    import kolben.pipeline.dispatcher

    assert is_library_file(stdlib_json.__file__)
    assert is_library_file(kolben.pipeline.dispatcher.__file__)
    assert is_library_file("<frozen importlib._bootstrap>")
    assert not is_library_file(__file__)
    assert not is_library_file("<string>")


def test_debugged_application_alone() -> None:
    """The WSGI middleware also wraps any WSGI app (for gunicorn setups)."""

    def plain(environ: t.Any, start_response: t.Any) -> t.Any:
        raise OSError("disk on fire")

    wrapped = DebuggedApplication(plain, token=TOKEN)
    client = Client(wrapped, TestResponse)
    response = client.get("/")
    assert response.status_code == 500
    assert "OSError" in response.text


def test_asgi_middleware_passes_other_scopes_through() -> None:
    seen: list[str] = []

    async def inner(scope: t.Any, receive: t.Any, send: t.Any) -> None:
        seen.append(scope["type"])

    wrapped = DebuggedASGIApplication(inner, Debugger(TOKEN))

    async def main() -> None:
        async def receive() -> dict[str, t.Any]:
            return {"type": "lifespan.startup"}

        async def send(message: t.Any) -> None:
            pass

        await wrapped({"type": "lifespan"}, receive, send)
        await wrapped({"type": "websocket", "path": PREFIX + "/eval"}, receive, send)

    asyncio.run(main())
    assert seen == ["lifespan", "websocket"]


def test_asgi_error_after_the_start_is_reraised() -> None:
    async def inner(scope: t.Any, receive: t.Any, send: t.Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise RuntimeError("late")

    wrapped = DebuggedASGIApplication(inner, Debugger(TOKEN))
    sent: list[t.Any] = []

    async def main() -> None:
        async def receive() -> dict[str, t.Any]:
            return {"type": "http.request", "body": b""}

        async def send(message: t.Any) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
        await wrapped(scope, receive, send)

    with pytest.raises(RuntimeError, match="late"):
        asyncio.run(main())
    assert [m["type"] for m in sent] == ["http.response.start"]
