"""The documentation site (``docs/``, ``mkdocs.yml``) against the code it describes.

``mkdocs build --strict`` (run by ``python3 dev.py test``) catches broken
links and anchors; these tests catch what it cannot:

- a code block titled with a file of the repository must still be in that
  file: its lines, in order (lines left out of a quote are fine; ``# ...``
  marks a visible cut). The tutorial's titles name files of the reader's
  project folder, which is ``examples/`` here (``kolbenlog/db.py`` is
  ``examples/kolbenlog/db.py``); other titles are relative to the root;
- the tutorial works outside the checkout: its files, copied to a folder of
  their own, pass its commands (``kolben --app kolbenlog init-db``) and its
  tests, with nothing of the repository on the import path;
- every Python block of the docs must at least compile;
- every name of ``kolben.__all__`` is in the API reference's table, and
  every public module has a reference page;
- the README links the docs and gives the command that builds them.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import kolben

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
TUTORIAL = DOCS / "tutorial"
#: The tutorial's project folder, as it is in the repository.
PROJECT = ROOT / "examples"

# ```lang title="path" ... ``` at any indentation (blocks inside list items).
_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
_TITLE = re.compile(r'title="([^"]+)"')
_CUTS = frozenset({"# ...", "...", "{# ... #}", "// ...", "-- ..."})


def _blocks() -> Iterator[tuple[Path, str, str, str]]:
    """(page, language, title or "", dedented body) of every fenced block."""
    for page in PAGES:
        for match in _FENCE.finditer(page.read_text(encoding="utf-8")):
            title = _TITLE.search(match["info"])
            body = textwrap.dedent(match["body"])
            yield page, match["lang"], title.group(1) if title else "", body


def _source(page: Path, title: str) -> Path:
    """The file a code block's ``title`` names: in the tutorial, a file of
    the reader's project folder (``examples/``) first."""
    if TUTORIAL in page.parents and (PROJECT / title).is_file():
        return PROJECT / title
    return ROOT / title


QUOTES = [block for block in _blocks() if block[2] and _source(block[0], block[2]).is_file()]
PYTHON = [block for block in _blocks() if block[1] in ("python", "py")]


def _ids(blocks: list[tuple[Path, str, str, str]]) -> list[str]:
    return [f"{page.relative_to(DOCS)}:{body.splitlines()[0][:40]}" for page, _, _, body in blocks]


def test_the_tutorial_quotes_files() -> None:
    assert len(QUOTES) > 40, "the tutorial quotes examples/kolbenlog in titled code blocks"
    titled = [block for block in _blocks() if block[2]]
    missing = sorted({title for page, _, title, _ in titled if not _source(page, title).is_file()})
    assert not missing, f"code blocks titled with files that do not exist: {missing}"


@pytest.mark.parametrize(("doc", "lang", "path", "body"), QUOTES, ids=_ids(QUOTES))
def test_quoted_code_is_in_its_file(doc: Path, lang: str, path: str, body: str) -> None:
    quoted = _source(doc, path)
    source = [line.strip() for line in quoted.read_text(encoding="utf-8").splitlines()]
    position = 0
    for line in body.splitlines():
        wanted = line.strip()
        if not wanted or wanted in _CUTS:
            continue
        found = next((i for i in range(position, len(source)) if source[i] == wanted), None)
        if found is None:
            pytest.fail(
                f"{doc.relative_to(ROOT)} quotes {quoted.relative_to(ROOT)}, which no longer"
                " has (after the"
                f" lines before it in the quote):\n    {wanted}\nUpdate the page to match."
            )
        position = found + 1


#: ``examples.kolbenlog`` or ``examples/...``, except as a path in a checkout to copy from.
_REPOSITORY_PATH = re.compile(r"(?<!/path/to/kolben/)(?<![\w(])examples[./]")


def test_the_tutorial_names_no_repository_path() -> None:
    """A reader's project has no ``examples`` package: commands and code use ``kolbenlog``."""
    found = [
        f"{page.relative_to(DOCS)}: {line.strip()}"
        for page, lang, _, body in _blocks()
        if TUTORIAL in page.parents and lang in ("sh", "python", "py", "text", "")
        for line in body.splitlines()
        if _REPOSITORY_PATH.search(line)
    ]
    assert not found, f"the tutorial's code names the repository's examples package: {found}"


def test_the_tutorial_works_outside_the_checkout(tmp_path: Path) -> None:
    """The tutorial's files in a project folder of their own: ``kolben --app
    kolbenlog init-db`` creates the database in its ``instance/`` folder,
    and ``python -m pytest`` there passes the tests of step 10."""
    project = tmp_path / "kolbenlog-project"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(PROJECT / "kolbenlog", project / "kolbenlog", ignore=ignore)
    shutil.copytree(PROJECT / "tests", project / "tests", ignore=ignore)
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "PYTHONPATH" and not key.startswith(("KOLBEN_", "FLASK_", "PYTEST_"))
    }
    kolben = [sys.executable, "-m", "kolben"]

    def run(*args: str) -> str:
        done = subprocess.run(
            args, cwd=project, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    # The repository is not on the import path: only the reader's files are.
    run(sys.executable, "-c", "import importlib.util as u; assert u.find_spec('examples') is None")
    created = run(*kolben, "--app", "kolbenlog", "init-db")
    assert str(project / "instance" / "kolbenlog.sqlite") in created
    assert (project / "instance" / "kolbenlog.sqlite").is_file()
    assert "init-db" in run(*kolben, "--app", "kolbenlog:create_app()", "--help")
    tests = run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error")
    assert re.search(r"\b8 passed\b", tests), tests


def _syntax_error(source: str) -> SyntaxError | None:
    """None if ``source`` compiles, as it stands or as the quote of a part of a file.

    A quote may be indented (the middle of a function: it is tried inside an
    ``async def``) or stop after a line ending in ``:`` (a signature: it is
    tried with a body).
    """
    candidates = [source]
    if source[:1].isspace():
        candidates.append(
            "async def _quote():\n" + textwrap.indent(textwrap.dedent(source), "    ")
        )
    error: SyntaxError | None = None
    for candidate in candidates:
        for ending in ("", "\n    pass\n", "\n        pass\n"):
            try:
                ast.parse(candidate.rstrip() + ending)
            except SyntaxError as exc:
                error = error or exc
            else:
                return None
    return error


@pytest.mark.parametrize(("doc", "lang", "path", "body"), PYTHON, ids=_ids(PYTHON))
def test_python_blocks_compile(doc: Path, lang: str, path: str, body: str) -> None:
    error = _syntax_error(body)
    assert error is None, f"{doc.relative_to(ROOT)}: a Python block does not compile: {error}"


def test_every_public_name_is_in_the_api_index() -> None:
    index = (DOCS / "api" / "index.md").read_text(encoding="utf-8")
    missing = [name for name in kolben.__all__ if f"`{name}`" not in index]
    assert not missing, f"add these kolben names to the table in docs/api/index.md: {missing}"


#: Public modules and the reference page that renders them (``::: module``).
PUBLIC_MODULES = [
    "app",
    "appwrappers",
    "blueprints",
    "cli",
    "cli.base",
    "compat",
    "config",
    "ctx",
    "datastructures",
    "debug",
    "debughelpers",
    "exceptions",
    "formparser",
    "globals",
    "helpers",
    "http",
    "json",
    "json.provider",
    "json.tag",
    "local",
    "logging",
    "middleware",
    "middleware.dispatcher",
    "middleware.proxy_fix",
    "middleware.shared_data",
    "routing",
    "sansio",
    "security",
    "serving",
    "sessions",
    "signals",
    "sse",
    "templating",
    "testing",
    "typing",
    "urls",
    "utils",
    "views",
    "wrappers",
    "wsgi",
]


def test_every_public_module_has_a_reference_page() -> None:
    rendered = set()
    for page in (DOCS / "api").glob("*.md"):
        rendered.update(re.findall(r"^::: (kolben[\w.]*)", page.read_text(), re.MULTILINE))
    missing = [m for m in PUBLIC_MODULES if f"kolben.{m}" not in rendered]
    assert not missing, f"no page in docs/api/ renders: {missing}"
    package = ROOT / "src" / "kolben"
    on_disk = {
        ".".join(p.relative_to(package).with_suffix("").parts).removesuffix(".__init__")
        for p in package.rglob("*.py")
    }
    unknown = [m for m in PUBLIC_MODULES if m not in on_disk]
    assert not unknown, f"PUBLIC_MODULES names modules that do not exist: {unknown}"


def test_readme_links_the_docs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Documentation" in readme
    assert "python3 dev.py docs" in readme
