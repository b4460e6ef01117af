"""The interactive debugger in a real headless Chromium, against a real
``kolben run --debug`` server: the traceback page, the token, a console
that evaluates in a frame, and the refusals SECURITY.md asks for."""

from __future__ import annotations

import http.server
import os
import re
import textwrap
import threading
import time
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from conftest import REBIND_HOST
from servers import ROOT, Server

DOCS_SCREENSHOT = ROOT / "docs" / "img" / "debugger.png"
#: Where to save pictures of the console to look at (KOLBEN_SCREENSHOT_DIR=...).
SCREENSHOTS = os.environ.get("KOLBEN_SCREENSHOT_DIR")


def look_at(page: Page, name: str) -> None:
    """Save a picture of the viewport when KOLBEN_SCREENSHOT_DIR is set."""
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / name))
FAILING = "/orders/2/unit-price"


class DebugServer:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.url = f"http://127.0.0.1:{server.port}"
        found = server.wait_for_output(r"Debugger token: (\S+)")
        self.token = found.group(1)

    def count(self, pattern: str) -> int:
        return len(re.findall(pattern, self.server.output))

    def wait_for_count(self, pattern: str, at_least: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while self.count(pattern) < at_least:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{pattern!r} seen {self.count(pattern)} times:\n{self.server.output}"
                )
            time.sleep(0.05)


@pytest.fixture(scope="module")
def demo() -> Iterator[DebugServer]:
    # No reloader: an unrelated edit (say, to Kolben itself) must not restart it mid-test.
    args = ["--app", "examples.debugging", "run", "--debug", "--no-reload"]
    with Server(args, cwd=ROOT) as server:
        server.wait_until_serving()
        yield DebugServer(server)


def unlock(page: Page, token: str) -> None:
    page.fill("#kd-token", token)
    page.click("#kd-unlock-form button")
    expect(page.locator("#kd-unlock")).to_be_hidden()


def user_console(page: Page, function: str = "unit_price") -> t.Any:
    frame = page.locator(".kd-frame.kd-user", has_text=function).last
    return frame.locator(".kd-console")


def run(console: t.Any, code: str) -> str:
    before = console.locator(".kd-output").text_content() or ""
    console.locator(".kd-input").fill(code)
    console.locator(".kd-input").press("Enter")
    output = console.locator(".kd-output")
    expect(output).not_to_have_text(before + f">>> {code}\n", timeout=10_000)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = output.text_content() or ""
        tail = text[len(before) :]
        if tail.count(">>>") == 1 and not tail.rstrip().endswith(code):
            return tail.split("\n", 1)[1] if "\n" in tail else ""
        time.sleep(0.05)
    raise AssertionError(f"no output for {code!r}: {output.text_content()!r}")


def test_traceback_token_and_console(
    demo: DebugServer, page: Page, context: BrowserContext
) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(demo.url + "/")
    with page.expect_response(lambda r: FAILING in r.url) as info:
        page.click("text=unit price of order 2")
    response = info.value
    assert response.status == 500
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"

    expect(page.locator("h1.kd-type")).to_have_text("ZeroDivisionError")
    expect(page.locator(".kd-message")).to_have_text("float division by zero")
    frame = page.locator(".kd-frame.kd-user", has_text="unit_price").last
    expect(frame).to_have_attribute("open", "")
    expect(frame.locator(".kd-current")).to_contain_text("per_unit = total / order")
    expect(frame.locator(".kd-locals")).to_contain_text("'Beaker'")
    library = page.locator(".kd-frame.kd-library")
    assert library.count() > 0
    for index in range(library.count()):
        assert library.nth(index).get_attribute("open") is None

    console = user_console(page)
    expect(console.locator(".kd-input")).to_be_disabled()

    page.fill("#kd-token", "0000-0000-0000-0000-0000")
    page.click("#kd-unlock-form button")
    expect(page.locator("#kd-unlock-status")).to_have_text("Wrong token.")
    expect(console.locator(".kd-input")).to_be_disabled()

    unlock(page, demo.token)
    expect(console.locator(".kd-input")).to_be_enabled()
    assert run(console, "total / 2") == "0.0\n"
    assert run(console, "order['item']") == "'Beaker'\n"
    assert run(console, "print('items:', order['quantity'])") == "items: 0\n"
    console.locator(".kd-input").fill("1 / order['quantity']")
    console.locator(".kd-input").press("Enter")
    expect(console.locator(".kd-err").last).to_contain_text("ZeroDivisionError")
    enter(console, "for key in sorted(order):")
    enter(console, "    print(key, order[key])")
    enter(console)
    expect(console.locator(".kd-output")).to_contain_text("item Beaker\nprice 4.0\nquantity 0\n")

    cookies = {c["name"]: c for c in context.cookies()}
    cookie = cookies["__kolben_debugger"]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert 0 < cookie["expires"] - time.time() <= 3600 + 5
    assert "__kolben_debugger" not in page.evaluate("document.cookie")

    page.evaluate("window.scrollTo(0, 0)")
    shot = page.screenshot(full_page=True)
    assert shot[:8] == b"\x89PNG\r\n\x1a\n"
    # The docs' picture is written when missing or asked for, not on every run.
    if not DOCS_SCREENSHOT.exists() or os.environ.get("KOLBEN_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        DOCS_SCREENSHOT.write_bytes(shot)

    # The cookie keeps this browser unlocked on the next error page.
    page.reload()
    expect(page.locator("#kd-unlock")).to_be_hidden()
    expect(user_console(page).locator(".kd-input")).to_be_enabled()


def enter(console: t.Any, text: str | None = None) -> None:
    """Type ``text`` (or keep what is there) and press Enter; wait for the answer."""
    field = console.locator(".kd-input")
    if text is not None:
        field.fill(text)
    field.press("Enter")
    # The field is read-only while the server answers.
    expect(field).to_be_editable(timeout=10_000)


def test_console_behaves_like_the_repl(demo: DebugServer, page: Page) -> None:
    page.goto(demo.url + FAILING)
    unlock(page, demo.token)
    console = user_console(page)
    prompt, field, output = (
        console.locator(".kd-prompt"),
        console.locator(".kd-input"),
        console.locator(".kd-output"),
    )

    # The value of the last expression statement is shown.
    enter(console, "import os; os.getcwd()")
    expect(output).to_have_text(f">>> import os; os.getcwd()\n{str(ROOT)!r}\n")

    # A block asks for more lines, indented for you, and runs on an empty line.
    enter(console, "for key in sorted(order):")
    expect(prompt).to_have_text("...")
    expect(field).to_have_value("    ")
    enter(console, "    print(key, end=' ')")
    expect(prompt).to_have_text("...")
    assert "item price quantity" not in (output.text_content() or "")  # nothing ran yet
    enter(console)  # the empty line (it kept the indentation)
    expect(prompt).to_have_text(">>>")
    expect(output).to_contain_text(
        ">>> for key in sorted(order):\n...     print(key, end=' ')\n...     \n"
        "item price quantity "
    )

    # An open bracket continues too; Escape drops an unfinished statement.
    enter(console, "[order['item'],")
    expect(prompt).to_have_text("...")
    # Output that did not end its line does not run into the next prompt.
    expect(output).to_contain_text("item price quantity \n>>> [order['item'],\n")
    enter(console, " order['price']]")
    expect(output).to_contain_text("['Beaker', 4.0]\n")
    enter(console, "if total:")
    expect(prompt).to_have_text("...")
    field.press("Escape")
    expect(prompt).to_have_text(">>>")
    expect(output).to_contain_text("KeyboardInterrupt")
    enter(console, "order['quantity']")
    expect(output).to_contain_text(">>> order['quantity']\n0\n")

    console.scroll_into_view_if_needed()
    look_at(page, "debugger-console.png")


BROKEN_APP = """
from kolben import Kolben

app = Kolben(__name__)


@app.route("/")
def index():
    return "version {version}"
"""


def test_syntax_error_page_shows_the_line(
    page: Page, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("syntax")
    module = folder / "live_app.py"
    module.write_text(BROKEN_APP.format(version=1), "utf-8")
    # The reloader is on (--debug): a module broken by an edit shows its error.
    with Server(["--app", "live_app", "run", "--debug"], cwd=folder) as server:
        debug = DebugServer(server)
        server.wait_for_body("/", b"version 1")
        time.sleep(0.3)  # the watcher's start and the file's timestamp
        module.write_text(
            BROKEN_APP.format(version=2).replace("def index():", "def index(:"), "utf-8"
        )
        server.wait_for_body("/", b"SyntaxError", timeout=30)
        page.goto(debug.url + "/")
        expect(page.locator("h1.kd-type")).to_have_text("SyntaxError")
        frame = page.locator(".kd-frame.kd-syntax")
        expect(frame).to_have_count(1)
        expect(frame.locator("summary")).to_have_text(re.compile(r"live_app\.py, line 8\s*$"))
        expect(frame.locator(".kd-current")).to_have_text(re.compile(r"8\s*def index\(:"))
        expect(frame.locator(".kd-current mark")).to_have_text(":")
        expect(frame.locator(".kd-caret")).to_have_text(re.compile(r"^ {10}\^$"))
        assert frame.locator(".kd-console").count() == 0
        frame.scroll_into_view_if_needed()
        look_at(page, "debugger-syntax.png")

        time.sleep(0.3)
        module.write_text(BROKEN_APP.format(version=3), "utf-8")
        server.wait_for_body("/", b"version 3", timeout=30)


def test_copy_and_library_frames(demo: DebugServer, page: Page, context: BrowserContext) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo.url)
    page.goto(demo.url + FAILING)
    page.click("#kd-copy")
    expect(page.locator("#kd-copy-status")).to_have_text("Traceback copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Traceback (most recent call last):")
    assert copied.rstrip().endswith("ZeroDivisionError: float division by zero")

    page.click("#kd-toggle-library")
    library = page.locator(".kd-frame.kd-library")
    for index in range(library.count()):
        assert library.nth(index).get_attribute("open") == ""
    expect(page.locator("#kd-toggle-library")).to_have_text("Collapse library frames")


EVAL_FETCH = """async ([url, code]) => {
    const body = document.body;
    const response = await fetch(url, {
        method: "POST",
        headers: {"Content-Type": "application/json",
                  "X-Kolben-Debugger-CSRF": body.getAttribute("data-kd-csrf")},
        body: JSON.stringify({traceback: body.getAttribute("data-kd-traceback"),
                              frame: 0, code: code}),
    });
    return [response.status, await response.text()];
}"""


def test_console_refuses_without_the_token(demo: DebugServer, page: Page) -> None:
    page.goto(demo.url + FAILING)
    status, text = page.evaluate(EVAL_FETCH, [demo.url + "/__debugger__/eval", "1 + 1"])
    assert status == 403
    assert "locked" in text


def test_console_refuses_get(demo: DebugServer, page: Page) -> None:
    page.goto(demo.url + FAILING)
    unlock(page, demo.token)
    response = page.goto(demo.url + "/__debugger__/eval?code=1%2B1&frame=0")
    assert response is not None
    assert response.status == 405


@pytest.fixture
def other_site() -> Iterator[str]:
    """Another local site (another port: another origin) serving a page."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<!doctype html><h1>another site</h1>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: t.Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_console_refuses_a_foreign_origin(demo: DebugServer, page: Page, other_site: str) -> None:
    page.goto(demo.url + FAILING)
    unlock(page, demo.token)
    page.goto(other_site + "/")
    before = demo.count(r'"POST /__debugger__/eval HTTP/1.1" 400')
    # A "simple" request, so the browser sends it without a preflight; it
    # carries the other site's Origin (and no cookie: SameSite=Strict).
    page.evaluate(
        """async (url) => {
            try {
                await fetch(url, {method: "POST", mode: "no-cors", credentials: "include",
                                  body: '{"code": "1"}'});
            } catch (error) {}
        }""",
        demo.url + "/__debugger__/eval",
    )
    demo.wait_for_count(r'"POST /__debugger__/eval HTTP/1.1" 400', before + 1)


def test_dns_rebinding_is_refused(demo: DebugServer, page: Page) -> None:
    rebound = f"http://{REBIND_HOST}:{demo.server.port}"
    response = page.goto(rebound + FAILING)
    assert response is not None
    assert response.status == 500
    assert "ZeroDivisionError" not in page.content()
    assert "kd-console" not in page.content()
    # The attacker's page is same-origin with itself, so it could read the
    # answer: the server refuses by the Host header.
    status, text = page.evaluate(
        """async (token) => {
            const response = await fetch("/__debugger__/auth", {
                method: "POST", headers: {"Content-Type": "application/json"},
                body: JSON.stringify({token: token})});
            return [response.status, await response.text()];
        }""",
        demo.token,
    )
    assert status == 400
    assert "Host" in text


XSS_APP = """
from kolben import Kolben

app = Kolben(__name__)
PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
namespace = {}
exec(compile(
    "def view(payload):\\n    local_payload = payload\\n    raise ValueError(payload)\\n",
    '<svg onload="window.__xss=3">.py', "exec"), namespace)

@app.route("/xss/<path:rest>")
def xss(rest):
    return namespace["view"](PAYLOAD)
"""


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DebugServer]:
    folder = tmp_path_factory.mktemp("xss")
    (folder / "xss_app.py").write_text(textwrap.dedent(XSS_APP), "utf-8")
    with Server(["--app", "xss_app", "run", "--debug", "--no-reload"], cwd=folder) as server:
        server.wait_until_serving("/xss/x")
        yield DebugServer(server)


def test_xss_payloads_stay_inert(xss_server: DebugServer, page: Page) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(xss_server.url + "/xss/%3Cimg%20src%3Dx%20onerror%3Dalert(4)%3E")
    expect(page.locator(".kd-message")).to_contain_text('<img src=x onerror="window.__xss=1">')
    expect(page.locator(".kd-file").last).to_contain_text("<svg onload=")
    expect(page.locator(".kd-locals").last).to_contain_text("<script>window.__xss=2</script>")
    assert page.locator("img").count() == 0
    assert page.locator("svg").count() == 0
    assert page.locator("script").count() == 1

    unlock(page, xss_server.token)
    console = user_console(page, function="view")
    out = run(console, "print(payload)")
    assert out.startswith("<img src=x")
    assert page.locator(".kd-output img").count() == 0
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") is None
    assert dialogs == []


def test_screenshot_is_in_the_docs() -> None:
    """docs/img/debugger.png shows the page (KOLBEN_UPDATE_SCREENSHOTS=1 renews it)."""
    assert DOCS_SCREENSHOT.stat().st_size > 10_000
    assert Path(DOCS_SCREENSHOT).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
