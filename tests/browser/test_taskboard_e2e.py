"""The taskboard example (a Flask app with Flask extensions) in a real
headless Chromium, served by Kolben in Flask compatibility mode.

``KOLBEN_FLASK_COMPAT=1`` is set for every process: ``kolben --app
taskboard db upgrade`` builds the database with Flask-Migrate's command,
then a server runs the app unmodified: ``kolben run`` under WSGI and under
ASGI, and uvicorn with ``wsgi:app.asgi`` (which needs the ``.pth`` file an
install of Kolben puts in site-packages). A user registers, logs in with
"remember me", adds a task, sees it, ticks it and logs out.

The task list is photographed into ``docs/img/taskboard.png`` when the
picture is missing or ``KOLBEN_UPDATE_SCREENSHOTS=1`` is set.
"""

from __future__ import annotations

import os
import subprocess
import sys
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from servers import ROOT, Server, free_port

EXAMPLE = ROOT / "examples" / "taskboard"
SCREENSHOT = ROOT / "docs" / "img" / "taskboard.png"
VIEWPORT = {"width": 900, "height": 640}


def env_var_reaches_any_process() -> bool:
    """Whether ``KOLBEN_FLASK_COMPAT=1`` turns the mode on in a plain
    ``python`` (the ``.pth`` file an install of Kolben adds does it)."""
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; print('kolben.compat' in sys.modules)"],
        env={**os.environ, "KOLBEN_FLASK_COMPAT": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return probe.stdout.strip() == "True"


class Site:
    def __init__(self, server: Server, how: str) -> None:
        self.server = server
        self.how = how
        self.url = f"http://127.0.0.1:{server.port}"


@pytest.fixture(params=["kolben-wsgi", "kolben-asgi", "uvicorn"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    how = t.cast(str, request.param)
    if how == "uvicorn" and not env_var_reaches_any_process():
        pytest.skip("KOLBEN_FLASK_COMPAT does not reach other processes: reinstall Kolben"
                    " (python3 dev.py test), which installs kolben-flask-compat.pth")
    env = {
        "KOLBEN_FLASK_COMPAT": "1",
        "TASKBOARD_SECRET_KEY": "e2e-" + os.urandom(8).hex(),
        "TASKBOARD_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'taskboard.sqlite'}",
    }
    upgrade = subprocess.run(
        [sys.executable, "-m", "kolben", "--app", "taskboard", "db", "upgrade"],
        cwd=EXAMPLE,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    assert "Running upgrade  -> c97f68cc2b64, users and tasks" in upgrade.stderr
    if how == "uvicorn":
        port = free_port()
        command = [sys.executable, "-m", "uvicorn", "wsgi:app.asgi", "--port", str(port)]
        server = Server([], cwd=EXAMPLE, env=env, port=port, command=command)
    else:
        interface = how.split("-")[1]
        args = ["--app", "taskboard", "run", "--no-reload", "--interface", interface]
        server = Server(args, cwd=EXAMPLE, env=env)
    with server:
        server.wait_until_serving("/auth/login")
        if how != "uvicorn":
            assert f"({how.split('-')[1].upper()}, granian" in server.output
        yield Site(server, how)


def flash(page: Page) -> t.Any:
    return page.locator(".flash")


def test_register_login_add_logout(site: Site, browser: Browser) -> None:
    errors: list[str] = []
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        # Anonymous: the list sends to the login page (Flask-Login).
        page.goto(f"{site.url}/")
        expect(page).to_have_url(f"{site.url}/auth/login?next=%2F")
        expect(flash(page)).to_have_text("Log in to see your tasks.")

        # Register (Flask-WTF form with its CSRF token).
        page.get_by_role("link", name="Register").first.click()
        page.fill("#username", "ada")
        page.fill("#password", "analytical")
        page.fill("#confirm", "analytical")
        page.get_by_role("button", name="Create the account").click()
        expect(page).to_have_url(f"{site.url}/auth/login")
        expect(flash(page)).to_have_text("Account created: you can log in now.")

        # Log in, remembered.
        page.fill("#username", "ada")
        page.fill("#password", "analytical")
        page.check("#remember")
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{site.url}/")
        expect(page.locator("header .who")).to_have_text("ada")
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["remember_token"]["httpOnly"]
        assert cookies["remember_token"]["expires"] > 0

        # Add tasks; markup in a title shows as text.
        page.fill("#title", "Buy <milk>")
        page.fill("#notes", "Two litres, the blue carton.")
        page.get_by_role("button", name="Add").click()
        page.fill("#title", "Write the quarterly report")
        page.get_by_role("button", name="Add").click()
        tasks = page.locator("ul.tasks li")
        expect(tasks).to_have_count(2)
        expect(tasks.first.locator(".title")).to_have_text("Buy <milk>")
        expect(tasks.first.locator(".notes")).to_have_text("Two litres, the blue carton.")

        # Tick the first: it moves below the open one, struck through.
        tasks.first.get_by_role("button", name="○").click()
        expect(page.locator("ul.tasks li.done .title")).to_have_text("Buy <milk>")
        expect(tasks.first.locator(".title")).to_have_text("Write the quarterly report")
        if site.how == "kolben-asgi" and (
            not SCREENSHOT.exists() or os.environ.get("KOLBEN_UPDATE_SCREENSHOTS") == "1"
        ):
            SCREENSHOT.write_bytes(page.screenshot(animations="disabled"))

        # The session cookie goes (the browser restarts): "remember me" logs back in.
        context.clear_cookies(name="session")
        page.goto(f"{site.url}/?show=open")
        expect(page.locator("header .who")).to_have_text("ada")
        expect(page.locator("ul.tasks li")).to_have_count(1)

        # Log out.
        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(f"{site.url}/auth/login")
        expect(flash(page)).to_have_text("You are logged out.")
        page.goto(f"{site.url}/")
        expect(page).to_have_url(f"{site.url}/auth/login?next=%2F")
    finally:
        context.close()
    assert errors == []
    assert " 500 " not in site.server.output
