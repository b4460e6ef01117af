"""The documentation site opened as a file (``file://.../site/index.html``):
the search box finds pages, with no server and no network (mkdocs.yml's
``offline`` plugin and ``docs/js/iframe-worker-offline.js``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from servers import ROOT

SITE = ROOT / "site"
#: What decides how search works from a file; a site built before they last
#: changed is rebuilt.
SEARCH_INPUTS = [ROOT / "mkdocs.yml", ROOT / "docs" / "js" / "iframe-worker-offline.js"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``site/`` when ``python3 dev.py test`` (or ``dev.py docs``) built it
    after the search setup last changed; otherwise a fresh build (20-50 s)."""
    index = SITE / "index.html"
    if index.exists() and all(
        index.stat().st_mtime >= path.stat().st_mtime for path in SEARCH_INPUTS
    ):
        return SITE
    mkdocs = Path(sys.executable).with_name("mkdocs")
    if not mkdocs.exists():
        pytest.skip("mkdocs is missing: run 'python3 dev.py test', which installs the docs extra")
    built = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    subprocess.run(
        [str(mkdocs), "build", "--strict", "--quiet", "--site-dir", str(built)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    return built


def test_search_works_from_a_file(site: Path, page: Page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto((site / "tutorial" / "index.html").as_uri())
    search = page.locator("input.md-search__input")
    search.click()
    # Typed: the theme reads the box on key-up (fill() alone sends no key).
    search.press_sequentially("blueprint")
    results = page.locator(".md-search-result__item")
    expect(results.first).to_be_visible(timeout=15_000)
    expect(page.locator(".md-search-result__meta")).to_contain_text("matching documents")
    expect(results.first).to_contain_text("Blueprints")

    # A result leads to its page, also as a file.
    results.first.locator("a").first.click()
    page.wait_for_load_state()
    assert page.url.startswith("file://")
    assert page.url.split("?")[0].split("#")[0] == (site / "blueprints.html").as_uri()
    expect(page.locator("h1")).to_contain_text("Blueprints")
    assert errors == []
