"""The flagship example in a real headless Chromium, against ``kolben run``.

A writer registers, logs in, writes a post; a reader with the live page
open in another browser context sees it arrive; the writer publishes a post
with an image, which arrives too; the writer logs out. The server runs in a
subprocess on a free port, once under ASGI (what ``kolben run`` picks for
this app, which has async views) and once under ``--interface wsgi``.

The pages are photographed for the docs into ``docs/img/kolbenlog-*.png``
when a picture is missing or ``KOLBEN_UPDATE_SCREENSHOTS=1`` is set.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import typing as t
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from servers import ROOT, Server

APP = "examples.kolbenlog"
SCREENSHOTS = ROOT / "docs" / "img"
VIEWPORT = {"width": 1000, "height": 760}
WAIT = 10_000  # ms, for anything that crosses the server


def gradient_png(width: int = 480, height: int = 270) -> bytes:
    """A colourful RGB PNG, written with zlib alone."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            rows += bytes((40 + 180 * x // width, 90 + 120 * y // height, 200 - 120 * x // width))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


class Site:
    """The running app: its base URL and its server's output."""

    def __init__(self, server: Server, interface: str, data: Path) -> None:
        self.server = server
        self.interface = interface
        self.data = data
        self.url = f"http://127.0.0.1:{server.port}"


@pytest.fixture(scope="module", params=["asgi", "wsgi"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    interface = t.cast(str, request.param)
    data = tmp_path_factory.mktemp(f"kolbenlog-{interface}")
    env = {
        "KOLBEN_SECRET_KEY": "e2e-" + os.urandom(8).hex(),
        "KOLBEN_DATABASE": str(data / "kolbenlog.sqlite"),
        "KOLBEN_UPLOAD_FOLDER": str(data / "uploads"),
        "KOLBEN_LIVE_POLL_SECONDS": "0.2",
        # Feeds end every 2 s, so the live page reconnects (and resumes
        # after the last post it got) several times during the test.
        "KOLBEN_LIVE_STREAM_SECONDS": "2",
    }
    subprocess.run(
        [sys.executable, "-m", "kolben", "--app", APP, "init-db"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        timeout=60,
    )
    args = ["--app", APP, "run", "--no-reload"]
    if interface == "wsgi":
        args += ["--interface", "wsgi"]
    with Server(args, cwd=ROOT, env=env) as server:
        server.wait_until_serving()
        assert f"({interface.upper()}, granian" in server.output
        yield Site(server, interface, data)


def new_page(browser: Browser, errors: list[str]) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return context, page


def screenshot(page: Page, name: str, site: Site) -> None:
    """Save ``docs/img/kolbenlog-<name>.png`` (ASGI run only) if missing or asked for."""
    target = SCREENSHOTS / f"kolbenlog-{name}.png"
    shot = page.screenshot(animations="disabled")
    assert shot[:8] == b"\x89PNG\r\n\x1a\n"
    wanted = not target.exists() or os.environ.get("KOLBEN_UPDATE_SCREENSHOTS") == "1"
    if site.interface == "asgi" and wanted:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(shot)


def flash(page: Page) -> t.Any:
    return page.locator(".flash")


def test_write_and_watch_live(site: Site, browser: Browser) -> None:
    errors: list[str] = []
    writer_context, writer = new_page(browser, errors)
    reader_context, reader = new_page(browser, errors)
    try:
        # Register, then log in.
        writer.goto(f"{site.url}/")
        expect(writer.locator(".empty")).to_contain_text("No posts yet.")
        writer.locator("header.site").get_by_role("link", name="Register").click()
        writer.fill("#username", "ada")
        writer.fill("#password", "analytical engine")
        writer.get_by_role("button", name="Register").click()
        expect(writer).to_have_url(f"{site.url}/auth/login")
        expect(flash(writer)).to_have_text("Welcome, ada! Log in to write your first post.")
        writer.fill("#username", "ada")
        writer.fill("#password", "wrong password")
        writer.get_by_role("button", name="Log in").click()
        expect(flash(writer)).to_have_text("Wrong user name or password.")
        writer.fill("#password", "analytical engine")
        writer.get_by_role("button", name="Log in").click()
        expect(writer).to_have_url(f"{site.url}/")
        expect(flash(writer)).to_have_text("Hello, ada!")
        expect(writer.locator("header.site .user")).to_have_text("ada")

        # The reader opens the live page and waits for the feed to connect.
        reader.goto(f"{site.url}/live")
        expect(reader.locator("#live-status")).to_have_text("live", timeout=WAIT)

        # A post whose title is markup: it must show as text everywhere.
        title = "Notes on the <script>Engine</script>"
        writer.get_by_role("link", name="New post").click()
        writer.fill("#title", title)
        writer.fill(
            "#body",
            "The Analytical Engine weaves algebraic patterns\njust as the loom weaves flowers.",
        )
        writer.get_by_role("button", name="Publish").click()
        expect(writer.locator("h1")).to_have_text(title)
        expect(flash(writer)).to_have_text("Your post is published.")

        arrived = reader.locator("#live-posts article.post").first
        expect(arrived.locator("h2")).to_have_text(title, timeout=WAIT)
        expect(arrived.locator(".about")).to_contain_text("by ada")
        expect(reader.locator("#live-empty")).to_have_count(0)
        assert reader.locator("script", has_text="Engine").count() == 0

        # Wait until the first feed has ended (its access log line is written
        # then): the second post must come through the reconnected feed.
        site.server.wait_for_output(r'"GET /api/posts/events HTTP/1.1" 200', timeout=10)

        # A second post, with an image.
        writer.get_by_role("link", name="New post").click()
        writer.fill("#title", "A picture of the loom")
        writer.fill("#body", "Punched cards, in colour.")
        writer.set_input_files(
            "#image",
            files=[{"name": "loom.png", "mimeType": "image/png", "buffer": gradient_png()}],
        )
        writer.get_by_role("button", name="Publish").click()
        expect(writer.locator("h1")).to_have_text("A picture of the loom")
        image = writer.locator("img.image")
        expect(image).to_be_visible()
        writer.wait_for_function(
            "img => img.complete && img.naturalWidth === 480", arg=image.element_handle()
        )
        screenshot(writer, "post", site)
        stored = list((site.data / "uploads").iterdir())
        assert len(stored) == 1
        assert stored[0].name.endswith("-loom.png")

        newest = reader.locator("#live-posts article.post").first
        expect(newest.locator("h2")).to_have_text("A picture of the loom", timeout=WAIT)
        reader.wait_for_function(
            "img => img.complete && img.naturalWidth === 480",
            arg=newest.locator("img.thumb").element_handle(),
        )
        expect(reader.locator("#live-posts article.post")).to_have_count(2)
        screenshot(reader, "live", site)

        # An image over the limit is caught in the browser before it is sent.
        writer.get_by_role("link", name="New post").click()
        writer.fill("#title", "The mill, in detail")
        writer.fill("#body", "A scan of every drawing.")
        writer.set_input_files(
            "#image",
            files=[{"name": "big.png", "mimeType": "image/png", "buffer": b"\x00" * 3_000_000}],
        )
        expect(writer.locator("#image-hint")).to_contain_text("the limit is 2.0 MB")
        screenshot(writer, "new-post", site)

        writer.goto(f"{site.url}/")
        expect(writer.locator("article.post")).to_have_count(2)
        screenshot(writer, "index", site)

        # Delete the first post: site.js asks first (no inline script under the CSP).
        writer.get_by_role("link", name=title).click()
        questions: list[str] = []

        def answer(dialog: t.Any) -> None:
            questions.append(dialog.message)
            if len(questions) == 1:
                dialog.dismiss()
            else:
                dialog.accept()

        writer.on("dialog", answer)
        writer.get_by_role("button", name="Delete").click()
        expect(writer.locator("h1")).to_have_text(title)  # dismissed: still there
        writer.get_by_role("button", name="Delete").click()
        expect(flash(writer)).to_have_text("The post is deleted.")
        assert questions == ["Delete this post?", "Delete this post?"]
        expect(writer.locator("article.post")).to_have_count(1)

        # Log out.
        writer.get_by_role("button", name="Log out").click()
        expect(flash(writer)).to_have_text("You are logged out.")
        expect(writer.get_by_role("link", name="Log in")).to_be_visible()
        assert writer.get_by_role("link", name="New post").count() == 0
        writer.goto(f"{site.url}/create")
        expect(writer).to_have_url(f"{site.url}/auth/login?next=/create")
    finally:
        reader_context.close()
        writer_context.close()
    # The browser logs the one failed login's 400 answer; nothing else.
    assert errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    assert " 500 " not in site.server.output


def test_screenshots_exist() -> None:
    """docs/img/kolbenlog-*.png show the app (KOLBEN_UPDATE_SCREENSHOTS=1 renews them)."""
    for name in ("index", "live", "new-post", "post"):
        shot = SCREENSHOTS / f"kolbenlog-{name}.png"
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert shot.stat().st_size > 10_000
