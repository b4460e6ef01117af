"""Browser tests: Debian's chromium driven by Playwright (see DEVELOPERS.md).

Never ``playwright install``: the browser is the system's ``/usr/bin/chromium``
(``python3 dev.py test`` installs it with apt-get when it is missing). The
host resolver maps ``rebind.test`` to 127.0.0.1, so a test can play a DNS
rebinding attack against the local server.
"""

from __future__ import annotations

import os
import typing as t
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("KOLBEN_CHROMIUM", "/usr/bin/chromium")
#: A foreign name that the browser resolves to this machine (DNS rebinding).
REBIND_HOST = "rebind.test"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, t.Any]) -> dict[str, t.Any]:
    """Launch the system chromium, headless, without a sandbox (containers)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: run 'python3 dev.py test', which installs it")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            f"--host-resolver-rules=MAP {REBIND_HOST} 127.0.0.1",
        ],
    }


@pytest.fixture(scope="session")
def base_url() -> None:
    """No base URL (tests use full URLs). Defined here so pytest-base-url's
    own fixture, which pytest 9 deprecates, is never set up."""
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last.

    pytest-playwright's session-wide Playwright keeps an asyncio loop marked
    as running on the main thread until the session ends; tests that run
    after it would see a loop that is not theirs.
    """
    here = Path(__file__).resolve().parent
    browser = [item for item in items if here in Path(item.path).resolve().parents]
    if browser:
        items[:] = [item for item in items if item not in browser] + browser
