"""The package's import graph follows the layer table.

``docs/snippets/layers.md`` (shown on the docs' Architecture page) gives
every module of ``src/kolben`` a layer, by full dotted path; a package's row
covers its modules unless a more specific row exists, except the root
``kolben`` row, which covers only ``kolben/__init__.py``. This file reads
that table and checks that lower layers never import higher ones, that
there are no cycles and no Kolben import hidden in a function, that layers
0-2 stay sans-I/O, and that no module installs a piece of itself into
another module at import time.
"""

from __future__ import annotations

import ast
import functools
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "kolben"
TABLE = ROOT / "docs" / "snippets" / "layers.md"
TABLE_NAME = "docs/snippets/layers.md"

# (importer, imported) pairs that may import inside a function, because the
# imported module is a layer above: Kolben.run() and the ``run`` command
# start a server, and the ``kolben`` console script turns Flask compatibility
# mode on before it loads the app; HTTPException.get_response() (layer 0)
# builds a kolben.wrappers.Response (layer 2), which imports the exceptions.
# A pair also covers the imported module's submodules.
ALLOWED_LAZY = {
    ("kolben.exceptions.base", "kolben.wrappers.response"),
    ("kolben.app", "kolben.serving"),
    ("kolben.cli.commands", "kolben.serving"),
    ("kolben.cli", "kolben.compat"),
}
# Sans-I/O layers must not touch these.
FORBIDDEN_IN_CORE = {"contextvars", "asyncio", "jinja2", "itsdangerous", "socket", "threading"}

_ROW = re.compile(r"^\|\s*`?([\w.]+)`?\s*\|\s*(\d+)\s*\|(.*)\|\s*$")


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = ["kolben", *rel.parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
NAMES = {_module_name(p) for p in MODULES}


@functools.cache
def _table() -> dict[str, int]:
    """The layer table: full module path -> layer."""
    rows: dict[str, int] = {}
    problems: list[str] = []
    lines = TABLE.read_text("utf-8").splitlines()
    for number, line in enumerate(lines[2:], start=3):  # after the header and the |---| line
        if not line.strip():
            continue
        match = _ROW.match(line)
        if match is None:
            problems.append(f"line {number} is not a '| `kolben.x` | layer | job |' row: {line!r}")
            continue
        module, layer, job = match.group(1), int(match.group(2)), match.group(3).strip()
        if module != "kolben" and not module.startswith("kolben."):
            problems.append(f"line {number}: {module!r} is not a full path under 'kolben'")
        if not 0 <= layer <= 5:
            problems.append(f"line {number}: {module} has layer {layer}; layers are 0 to 5")
        if not job:
            problems.append(f"line {number}: {module} needs a job (what the module is for)")
        if module in rows:
            problems.append(f"line {number}: {module} has a second row")
        rows[module] = layer
    if problems:
        raise AssertionError(f"{TABLE_NAME}: " + "; ".join(problems))
    return rows


def _row_for(module: str) -> str | None:
    """The most specific row covering ``module`` (the root row covers only itself)."""
    rows = _table()
    candidate = module
    while candidate != "kolben":
        if candidate in rows:
            return candidate
        candidate = candidate.rpartition(".")[0]
    return "kolben" if module == "kolben" and "kolben" in rows else None


def _layer(module: str) -> int:
    row = _row_for(module)
    if row is None:
        raise AssertionError(
            f"{module} has no row in {TABLE_NAME}: add"
            f" '| `{module}` | <layer> | <what it is for> |' (layers as DEVELOPERS.md)"
        )
    return _table()[row]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING") or (
        isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"
    )


def _base(module: str, node: ast.ImportFrom, is_package: bool) -> str | None:
    """The absolute module an ``from X import ...`` reads, if it is Kolben's."""
    if node.level == 0:
        name = node.module or ""
        return name if name == "kolben" or name.startswith("kolben.") else None
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    up = node.level - 1
    parts = parts[: len(parts) - up] if up else parts
    return ".".join([*parts, node.module] if node.module else parts)


def _targets(base: str, node: ast.ImportFrom) -> list[tuple[str, str]]:
    """(imported module, bound name) for each name: a submodule if there is one."""
    found = []
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        found.append((sub if sub in NAMES else base, alias.asname or alias.name))
    return found


def _lazy_module_target(node: ast.Call) -> str | None:
    """``LazyModule("kolben.x")``: the module it will import, for the layer check."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name != "LazyModule" or not node.args:
        return None
    arg = node.args[0]
    value = arg.value if isinstance(arg, ast.Constant) else None
    if isinstance(value, str) and (value == "kolben" or value.startswith("kolben.")):
        return value
    return None


class _Imports:
    """What one module imports: Kolben modules (with line and whether the
    import sits in a function), the names those imports bind at module
    level, and the top-level names of everything else."""

    def __init__(self, path: pathlib.Path) -> None:
        self.module = _module_name(path)
        self.tree = ast.parse(path.read_text("utf-8"))
        self.is_package = path.name == "__init__.py"
        self.kolben: list[tuple[str, int, bool]] = []
        self.deferred: list[tuple[str, int]] = []  # LazyModule("kolben.x")
        self.bound: set[str] = set()  # names bound by a module-level Kolben import
        self.external: set[str] = set()
        self._visit(self.tree, lazy=False)

    def _visit(self, node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    self._visit_one(sub, lazy)
                continue
            self._visit_one(child, lazy)

    def _visit_one(self, child: ast.AST, lazy: bool) -> None:
        if isinstance(child, ast.ImportFrom):
            base = _base(self.module, child, self.is_package)
            if base is not None:
                for target, bound in _targets(base, child):
                    self.kolben.append((target, child.lineno, lazy))
                    if not lazy:
                        self.bound.add(bound)
            elif child.level == 0 and child.module:
                self.external.add(child.module.split(".")[0])
        elif isinstance(child, ast.Import):
            for alias in child.names:
                if alias.name == "kolben" or alias.name.startswith("kolben."):
                    self.kolben.append((alias.name, child.lineno, lazy))
                    if not lazy:
                        self.bound.add(alias.asname or alias.name.split(".")[0])
                else:
                    self.external.add(alias.name.split(".")[0])
        elif isinstance(child, ast.Call):
            later = _lazy_module_target(child)
            if later is not None:
                self.deferred.append((later, child.lineno))
        inner = lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        self._visit(child, inner)


@functools.cache
def _imports(path: pathlib.Path) -> _Imports:
    return _Imports(path)


def _allowed_lazy(module: str, target: str) -> bool:
    return any(
        module == importer and (target == imported or target.startswith(imported + "."))
        for importer, imported in ALLOWED_LAZY
    )


def _ids(path: pathlib.Path) -> str:
    return str(path.relative_to(PACKAGE))


def test_the_table_is_well_formed() -> None:
    assert _table(), f"{TABLE_NAME} has no rows"


def test_every_module_has_a_row() -> None:
    missing = [name for name in sorted(NAMES) if _row_for(name) is None]
    assert not missing, f"add a row to {TABLE_NAME} for each of: " + ", ".join(
        f"'| `{name}` | <layer> | <what it is for> |'" for name in missing
    )


def test_no_row_names_a_module_that_is_gone() -> None:
    stale = [
        row
        for row in _table()
        if row not in NAMES and not any(name.startswith(row + ".") for name in NAMES)
    ]
    assert not stale, f"delete these rows from {TABLE_NAME}, no such module: {stale}"


@pytest.mark.parametrize("path", MODULES, ids=_ids)
def test_layers_only_import_downward(path: pathlib.Path) -> None:
    info = _imports(path)
    module = info.module
    own = _layer(module)
    for target, line, lazy in info.kolben:
        if target == module:
            continue
        allowed = _allowed_lazy(module, target)
        if lazy and not allowed:
            raise AssertionError(
                f"{module}:{line} imports {target} inside a function; import it at the"
                " top of the module (a cycle it dodges is a design error to fix)"
            )
        other = _layer(target)
        if other > own and not allowed:
            raise AssertionError(
                f"{module} (layer {own}) imports {target} (layer {other}) at line {line}"
            )
    for target, line in info.deferred:
        other = _layer(target)
        if other > own:
            raise AssertionError(
                f"{module} (layer {own}) defers an import of {target} (layer {other})"
                f" with LazyModule at line {line}"
            )
    if own <= 2:
        bad = info.external & FORBIDDEN_IN_CORE
        assert not bad, f"{module} (layer {own}) must stay sans-I/O but imports {bad}"


def test_docstrings_agree_with_the_table() -> None:
    # Many modules say their layer in their docstring's first paragraph;
    # the table is the source, so a docstring that says it must agree.
    wrong = []
    for path in MODULES:
        info = _imports(path)
        summary = (ast.get_docstring(info.tree) or "").split("\n\n")[0]
        said = re.search(r"\blayer (\d)\b", summary)
        if said and int(said.group(1)) != _layer(info.module):
            layer = _layer(info.module)
            wrong.append(f"{info.module} says layer {said.group(1)}, the table {layer}")
    assert not wrong, f"fix the docstring or the row in {TABLE_NAME}: " + "; ".join(wrong)


def test_a_package_is_not_above_its_modules() -> None:
    # Importing kolben.a.b runs kolben/a/__init__.py first.
    wrong = []
    for name in sorted(NAMES):
        parent = name.rpartition(".")[0]
        if parent in NAMES and parent != "kolben" and _layer(parent) > _layer(name):
            wrong.append(f"{parent} (layer {_layer(parent)}) over {name} ({_layer(name)})")
    assert not wrong, f"in {TABLE_NAME}: " + "; ".join(wrong)


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {}
    for path in MODULES:
        info = _imports(path)
        edges = graph.setdefault(info.module, set())
        for target, _line, lazy in info.kolben:
            if lazy:
                continue
            # an import of a name from a module runs that module
            candidate = target
            while candidate and candidate not in NAMES:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != info.module:
                edges.add(candidate)
    visiting: list[str] = []
    done: set[str] = set()

    def dfs(node: str) -> None:
        if node in done:
            return
        if node in visiting:
            cycle = [*visiting[visiting.index(node) :], node]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        visiting.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt.startswith(node + "."):
                continue  # a package's __init__ importing its own submodules
            dfs(nxt)
        visiting.pop()
        done.add(node)

    for module in sorted(graph):
        dfs(module)


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _install_sites(info: _Imports) -> list[str]:
    """Statements that run at import time (outside functions) and change
    another Kolben module: an assignment to an attribute of an imported
    name, a ``setattr`` on one, or a call of an ``_install*`` function."""
    found: list[str] = []
    bound = info.bound

    def report(node: ast.stmt | ast.expr) -> None:
        found.append(f"{info.module}:{node.lineno}: {ast.unparse(node).splitlines()[0]}")

    def changes_import(node: ast.AST) -> bool:
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            flat: list[ast.expr] = []
            for target in targets:
                flat.extend(target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target])
            return any(isinstance(t, ast.Attribute) and _root_name(t) in bound for t in flat)
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("setattr", "delattr"):
                return bool(node.args) and _root_name(node.args[0]) in bound
            return name.startswith("_install") and _root_name(func) in bound
        return False

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue  # runs when called, not on import
            if isinstance(child, (ast.stmt, ast.expr)) and changes_import(child):
                report(child)
            visit(child)

    visit(info.tree)
    return found


def test_no_import_time_installs() -> None:
    # A lower layer that needs a higher one's piece gets it passed in, or the
    # code moves to the layer that owns it: patching another module on import
    # hides the dependency from this file and depends on import order.
    found = [site for path in MODULES for site in _install_sites(_imports(path))]
    assert not found, "import-time installs into other Kolben modules: " + "; ".join(found)
