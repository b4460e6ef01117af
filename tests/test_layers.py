"""The package's import graph follows DESIGN.md: lower layers never import
higher ones, there are no cycles, and no Kolben import hides in a function."""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "src" / "kolben"

# Module (dotted, below "kolben") -> layer. A package entry covers its modules.
LAYERS: dict[str, int] = {
    "_internal": 0,
    "_status": 0,
    "_imports": 0,
    "typing": 0,
    "exceptions": 0,
    "_grammar": 1,
    "_streams": 1,
    "datastructures": 1,
    "http": 1,
    "urls": 1,
    "security": 1,
    "routing": 2,
    "wrappers": 2,
    "formparser": 2,
    "utils": 2,
    "_aio": 3,
    "wsgi": 3,
    "asgi": 3,
    "sse": 3,
    "middleware": 3,
    "local": 4,
    "globals": 4,
    "ctx": 4,
    "config": 4,
    "json": 4,
    "scaffold": 4,
    "dispatch": 4,
    "urlbuilding": 4,
    "app": 4,
    "blueprints": 4,
    "views": 4,
    "sansio": 4,
    "sessions": 4,
    "templating": 4,
    "helpers": 4,
    "signals": 4,
    "testing": 4,
    "dispatch_async": 4,
    "logging": 4,
    "debughelpers": 4,
    "cli": 4,
    "__init__": 4,
    "serving": 5,
    "debug": 5,
    "__main__": 5,
    "compat": 5,
}
# The imports a lower layer may make lazily: app.run() and the run command
# start a server (layer 5); the kolben console script switches the Flask
# compatibility mode on before loading the app.
ALLOWED_LAZY = {("app", "serving"), ("cli", "serving"), ("cli", "compat")}
# Sans-I/O layers must not touch these.
FORBIDDEN_IN_CORE = {"contextvars", "asyncio", "jinja2", "itsdangerous", "socket", "threading"}


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _layer(module: str) -> int:
    top = module.split(".")[0]
    if top not in LAYERS:
        raise AssertionError(f"kolben.{module} has no layer in tests/test_layers.py")
    return LAYERS[top]


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> list[str]:
    if node.level == 0:
        base = node.module or ""
        if not base.startswith("kolben"):
            return []
        base = base[len("kolben") :].lstrip(".")
    else:
        parts = module.split(".") if module else []
        if not is_package:
            parts = parts[:-1]
        up = node.level - 1
        parts = parts[: len(parts) - up] if up else parts
        base = ".".join([*parts, node.module] if node.module else parts)
    if base:
        return [base]
    # "from . import x": each name is a submodule of the package
    return [alias.name for alias in node.names]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING") or (
        isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"
    )


def _imports(path: pathlib.Path) -> tuple[list[tuple[str, int, bool]], set[str]]:
    """(kolben imports as (module, line, lazy), stdlib/third-party top names)."""
    module = _module_name(path)
    tree = ast.parse(path.read_text("utf-8"))
    found: list[tuple[str, int, bool]] = []
    external: set[str] = set()
    is_package = path.name == "__init__.py"

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub, lazy)
                continue
            inner = lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.ImportFrom):
                for target in _resolve(module if module != "__init__" else "", child, is_package):
                    found.append((target, child.lineno, lazy))
                if child.level == 0 and child.module and not child.module.startswith("kolben"):
                    external.add(child.module.split(".")[0])
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.startswith("kolben"):
                        found.append((alias.name[len("kolben") :].lstrip("."), child.lineno, lazy))
                    else:
                        external.add(alias.name.split(".")[0])
            visit(child, inner)

    visit(tree, False)
    return found, external


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layers_only_import_downward(path: pathlib.Path) -> None:
    module = _module_name(path)
    own = _layer(module)
    found, external = _imports(path)
    for target, line, lazy in found:
        if not target:
            continue
        other = _layer(target)
        pair = (module.split(".")[0], target.split(".")[0])
        if lazy and pair not in ALLOWED_LAZY:
            raise AssertionError(
                f"kolben.{module}:{line} imports kolben.{target} inside a function"
            )
        if other > own and pair not in ALLOWED_LAZY:
            raise AssertionError(
                f"kolben.{module} (layer {own}) imports kolben.{target}"
                f" (layer {other}) at line {line}"
            )
    if own <= 2:
        bad = external & FORBIDDEN_IN_CORE
        assert not bad, f"kolben.{module} (layer {own}) must stay sans-I/O but imports {bad}"


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {}
    names = {_module_name(p) for p in MODULES}
    for path in MODULES:
        module = _module_name(path)
        found, _ = _imports(path)
        edges = graph.setdefault(module, set())
        for target, _line, lazy in found:
            if lazy or not target:
                continue
            # an import of a package's submodule also runs the package
            candidate = target
            while candidate and candidate not in names:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != module:
                edges.add(candidate)
    visiting: list[str] = []
    done: set[str] = set()

    def dfs(node: str) -> None:
        if node in done:
            return
        if node in visiting:
            cycle = [*visiting[visiting.index(node) :], node]
            raise AssertionError("import cycle: " + " -> ".join(f"kolben.{m}" for m in cycle))
        visiting.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt.startswith(node + "."):
                continue  # a package's __init__ importing its own submodules
            dfs(nxt)
        visiting.pop()
        done.add(node)

    for module in sorted(graph):
        dfs(module)
