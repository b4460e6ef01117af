"""Regenerate tests/compat_inventory.py: every Flask and Werkzeug name that
published Flask extensions import or reach as a module attribute.

Usage (from the repository root, with the project's virtualenv, which has the
real Flask and Werkzeug installed as oracles)::

    .venv/bin/python tests/tools/gen_compat_inventory.py            # download
    .venv/bin/python tests/tools/gen_compat_inventory.py --from DIR # wheels/sdists in DIR

The release files are fetched with ``pip download --no-deps`` into a
temporary directory (nothing is installed). Each distribution's library code
is read with :mod:`ast`; tests, examples and docs are skipped. What is
recorded, for each extension:

* ``import flask.x`` and ``from flask.x import y`` (and the same for
  ``werkzeug``), with ``y`` recorded as a module when it is a submodule;
* attribute chains rooted at a name bound to a Flask or Werkzeug module, such
  as ``flask.json.dumps`` or ``exceptions.NotFound`` after
  ``from werkzeug import exceptions``;
* ``importlib.import_module("werkzeug....")`` with a literal argument.

An entry's context says whether it is needed at run time: an import inside
``if TYPE_CHECKING:`` is typing-only, one inside a ``try`` whose handler
catches ``ImportError`` is optional. An entry is typing-only or optional only
when every use of it is.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import os
import pathlib
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import zipfile

# Distribution -> the version read. The brief of issue 12 pins the first
# seven; the others are the newest releases available when this was run.
PINS: dict[str, str] = {
    "Flask-Login": "0.6.3",
    "Flask-WTF": "1.3.0",
    "Flask-SQLAlchemy": "3.1.1",
    "Flask-Migrate": "4.1.0",
    "Flask-Cors": "6.0.5",
    "Flask-Limiter": "4.1.1",
    "flask-smorest": "0.47.0",
    "apispec": "6.10.1",
    # apispec itself has no Flask plugin; its web-framework plugins live here.
    "apispec-webframeworks": "1.2.0",
    "Flask-RESTful": "0.3.10",
    "Flask-HTTPAuth": "4.8.1",
    "Flask-JWT-Extended": "4.7.4",
    "flask-marshmallow": "1.5.0",
    "APIFlask": "3.1.2",
    "Flask-Admin": "2.2.1",
    "flask-talisman": "1.1.0",
    "Flask-Compress": "1.25",
    "Flask-Bcrypt": "1.0.1",
    "Flask-DebugToolbar": "0.16.0",
    "Flask-Security-Too": "5.9.2",
    "Flask-Caching": "2.5.1",
    "flask-restx": "1.3.2",
    "Flask-Babel": "4.0.0",
    "Flask-Mail": "0.10.0",
    "Flask-Session": "0.8.0",
}

ROOTS = ("flask", "werkzeug")
SKIP_DIRS = {"tests", "test", "testing_support", "examples", "example", "docs"}
OUT = pathlib.Path(__file__).resolve().parent.parent / "compat_inventory.py"

Key = tuple[str, str]


def _normalise(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def _is_module(dotted: str) -> bool:
    """Whether the real Flask/Werkzeug has a module of that name."""
    try:
        return importlib.util.find_spec(dotted) is not None
    except (ImportError, ValueError):
        return False


def _in_scope(module: str) -> bool:
    return module.split(".")[0] in ROOTS


class _Collector(ast.NodeVisitor):
    """Collect (module, name) uses with the context of each use."""

    def __init__(self) -> None:
        self.uses: dict[Key, set[str]] = {}
        self.aliases: dict[str, str] = {}
        # Names bound by an import of something else in the same file: an
        # attribute chain on them is not resolved (a stdlib ``json`` next to
        # ``from flask import json`` would otherwise be misread).
        self.ambiguous: set[str] = set()
        self._context: list[str] = []

    def _record(self, module: str, name: str) -> None:
        if "typing" in self._context:
            ctx = "typing"
        elif "optional" in self._context:
            ctx = "optional"
        else:
            ctx = "runtime"
        self.uses.setdefault((module, name), set()).add(ctx)

    def _bind(self, alias: str, module: str | None) -> None:
        if module is None:
            self.ambiguous.add(alias)
            return
        if alias in self.aliases and self.aliases[alias] != module:
            self.ambiguous.add(alias)
        self.aliases[alias] = module

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        typing_block = (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        )
        self.visit(node.test)
        self._context.append("typing" if typing_block else "if")
        for child in node.body:
            self.visit(child)
        self._context.pop()
        for child in node.orelse:
            self.visit(child)

    def visit_Try(self, node: ast.Try) -> None:
        catches_import = False
        for handler in node.handlers:
            names = []
            if isinstance(handler.type, ast.Tuple):
                names = [getattr(e, "id", getattr(e, "attr", "")) for e in handler.type.elts]
            elif handler.type is not None:
                names = [getattr(handler.type, "id", getattr(handler.type, "attr", ""))]
            if {"ImportError", "ModuleNotFoundError", "AttributeError"} & set(names):
                catches_import = True
        self._context.append("optional" if catches_import else "try")
        for child in node.body:
            self.visit(child)
        self._context.pop()
        for child in [*node.handlers, *node.orelse, *node.finalbody]:
            self.visit(child)

    visit_TryStar = visit_Try

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if not _in_scope(alias.name):
                self._bind(alias.asname or alias.name.split(".")[0], None)
                continue
            parts = alias.name.split(".")
            for i in range(1, len(parts) + 1):
                self._record(".".join(parts[:i]), "")
            if alias.asname:
                self._bind(alias.asname, alias.name)
            else:
                self._bind(parts[0], parts[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level or not _in_scope(module):
            for alias in node.names:
                self._bind(alias.asname or alias.name, None)
            return
        self._record(module, "")
        for alias in node.names:
            if alias.name == "*":
                self._record(module, "*")
                continue
            full = f"{module}.{alias.name}"
            if _is_module(full):
                self._record(full, "")
                self._bind(alias.asname or alias.name, full)
            else:
                self._record(module, alias.name)
                self._bind(alias.asname or alias.name, None)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        chain: list[str] = []
        cur: ast.expr = node
        while isinstance(cur, ast.Attribute):
            chain.append(cur.attr)
            cur = cur.value
        if isinstance(cur, ast.Name) and cur.id in self.aliases and cur.id not in self.ambiguous:
            module = self.aliases[cur.id]
            for part in reversed(chain):
                if _is_module(f"{module}.{part}"):
                    module = f"{module}.{part}"
                    self._record(module, "")
                    continue
                self._record(module, part)
                break
            return
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = getattr(func, "attr", getattr(func, "id", ""))
        if name in {"import_module", "__import__"} and node.args:
            arg = node.args[0]
            literal = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            if literal and _in_scope(arg.value):
                self._record(arg.value, "")
        self.generic_visit(node)


def _library_files(root: pathlib.Path) -> list[pathlib.Path]:
    files = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).parts
        if any(p in SKIP_DIRS or p.endswith((".dist-info", ".egg-info")) for p in rel[:-1]):
            continue
        if rel[-1].startswith("test_") or rel[-1] in {"conftest.py", "setup.py"}:
            continue
        files.append(path)
    return files


def _unpack(archive: pathlib.Path, into: pathlib.Path) -> pathlib.Path:
    target = into / archive.name
    target.mkdir(parents=True, exist_ok=True)
    if archive.suffix == ".whl" or archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(target)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(target, filter="data")
    return target


def _download(dest: pathlib.Path) -> None:
    specs = [f"{name}=={version}" for name, version in PINS.items()]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
         "-d", str(dest), *specs],
        check=True,
    )


def _match(archive: pathlib.Path) -> str | None:
    stem = _normalise(archive.name)
    for name, version in PINS.items():
        if stem.startswith(f"{_normalise(name)}_{_normalise(version)}"):
            return name
    return None


def collect(archives_dir: pathlib.Path) -> tuple[dict[Key, dict[str, set[str]]], list[str]]:
    """(module, name) -> extension -> contexts, and the extensions read."""
    found: dict[Key, dict[str, set[str]]] = {}
    read = []
    with tempfile.TemporaryDirectory() as tmp:
        for archive in sorted(archives_dir.iterdir()):
            ext = _match(archive)
            if ext is None:
                continue
            read.append(ext)
            root = _unpack(archive, pathlib.Path(tmp))
            for path in _library_files(root):
                collector = _Collector()
                collector.visit(ast.parse(path.read_bytes(), str(path)))
                for key, contexts in collector.uses.items():
                    found.setdefault(key, {}).setdefault(ext, set()).update(contexts)
    missing = set(PINS) - set(read)
    if missing:
        raise SystemExit(
            f"no release file found for {sorted(missing)}; pass --from a directory holding them"
        )
    return found, sorted(read)


def _tuple(items: tuple[str, ...]) -> str:
    inner = ", ".join(f'"{item}"' for item in items)
    return f"({inner},)" if len(items) == 1 else f"({inner})"


def _entry(key: Key, exts: tuple[str, ...]) -> str:
    one_line = f"    {_tuple(key)}: {_tuple(exts)},"
    if len(one_line) <= 100:
        return one_line
    body = textwrap.fill(
        " ".join(f'"{ext}",' for ext in exts), width=100,
        initial_indent=" " * 8, subsequent_indent=" " * 8,
        break_on_hyphens=False, break_long_words=False,
    )
    return f"    {_tuple(key)}: (\n{body}\n    ),"


def render(found: dict[Key, dict[str, set[str]]]) -> str:
    inventory = {key: tuple(sorted(exts, key=str.lower)) for key, exts in sorted(found.items())}

    def only(ctx: str) -> list[Key]:
        return sorted(
            key for key, exts in found.items()
            if all(contexts <= {ctx} for contexts in exts.values())
        )

    typing_only = only("typing")
    optional = only("optional")
    pins = "\n".join(f"#   {name} {version}" for name, version in PINS.items())
    lines = [
        "# Generated by tests/tools/gen_compat_inventory.py: do not edit by hand, rerun it.",
        "# The (module, name) pairs that these Flask extensions' library code (not",
        "# their tests) imports from Flask and Werkzeug or reaches as a module",
        "# attribute, read with `ast` from their released wheels:",
        pins,
        '"""Which Flask and Werkzeug names published extensions use (issue 12).',
        "",
        "``INVENTORY`` maps ``(module, name)`` to the extensions that use it; an",
        "empty name stands for the module itself. ``TYPING_ONLY`` holds the entries",
        "only imported under ``if TYPE_CHECKING:``, ``OPTIONAL`` those only imported",
        "inside a ``try`` that tolerates their absence.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "SOURCES: dict[str, str] = {",
        *(f'    "{name}": "{version}",' for name, version in PINS.items()),
        "}",
        "",
        "INVENTORY: dict[tuple[str, str], tuple[str, ...]] = {",
        *(_entry(key, exts) for key, exts in inventory.items()),
        "}",
        "",
        "TYPING_ONLY: frozenset[tuple[str, str]] = frozenset({",
        *(f"    {_tuple(key)}," for key in typing_only),
        "})",
        "",
        "OPTIONAL: frozenset[tuple[str, str]] = frozenset({",
        *(f"    {_tuple(key)}," for key in optional),
        "})",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    if os.environ.get("KOLBEN_FLASK_COMPAT"):
        # Submodules are told apart from names with the real Flask/Werkzeug.
        raise SystemExit("Run this without KOLBEN_FLASK_COMPAT: it reads the real Flask.")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--from", dest="source", type=pathlib.Path, help="a directory of release files"
    )
    args = parser.parse_args()
    if args.source is not None:
        found, _ = collect(args.source)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            _download(pathlib.Path(tmp))
            found, _ = collect(pathlib.Path(tmp))
    OUT.write_text(render(found), encoding="utf-8")
    print(f"{OUT}: {len(found)} entries")


if __name__ == "__main__":
    main()
