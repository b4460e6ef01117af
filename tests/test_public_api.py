"""The top-level public surface: ``kolben.__all__``, docstrings, submodules (API.md 1, 2)."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import subprocess
import sys
import types
import typing as t

import pytest

import kolben

#: Every top-level name of API.md section 2 (Flask's, plus Kolben's own).
API_NAMES = frozenset(
    {
        # the classes
        "Flask",
        "Kolben",
        "Blueprint",
        "Config",
        "Request",
        "Response",
        # the proxies
        "request",
        "session",
        "g",
        "current_app",
        # helpers
        "has_app_context",
        "has_request_context",
        "copy_current_request_context",
        "after_this_request",
        "url_for",
        "redirect",
        "abort",
        "make_response",
        "jsonify",
        "send_file",
        "send_from_directory",
        "flash",
        "get_flashed_messages",
        "stream_with_context",
        "render_template",
        "render_template_string",
        "stream_template",
        "stream_template_string",
        "get_template_attribute",
        "json",
        # Kolben: re-exported from markupsafe
        "escape",
        "Markup",
        # Kolben: the websocket of the current connection (ASGI)
        "websocket",
        # the ten signals
        "appcontext_popped",
        "appcontext_pushed",
        "appcontext_tearing_down",
        "before_render_template",
        "got_request_exception",
        "message_flashed",
        "request_finished",
        "request_started",
        "request_tearing_down",
        "template_rendered",
    }
)

#: Names that later issues add (blueprints, flashing, templates). Remove a
#: name from here in the change that exports it.
NAMES_ADDED_BY_LATER_ISSUES: frozenset[str] = frozenset()

#: The submodules of API.md section 1 (Flask's names and Werkzeug's moved ones).
API_MODULES = frozenset(
    {
        "app",
        "blueprints",
        "cli",
        "config",
        "ctx",
        "debughelpers",
        "globals",
        "helpers",
        "json",
        "json.provider",
        "json.tag",
        "logging",
        "sessions",
        "signals",
        "templating",
        "testing",
        "typing",
        "views",
        "wrappers",
        "exceptions",
        "routing",
        "datastructures",
        "http",
        "urls",
        "security",
        "utils",
        "wsgi",
        "middleware",
        "middleware.proxy_fix",
        "middleware.dispatcher",
        "middleware.shared_data",
        "local",
        "serving",
    }
)

#: Submodules that later issues add.
MODULES_ADDED_BY_LATER_ISSUES: frozenset[str] = frozenset()


def test_all_is_sorted() -> None:
    assert kolben.__all__ == sorted(kolben.__all__)
    assert len(set(kolben.__all__)) == len(kolben.__all__)


def test_all_is_complete() -> None:
    exported = set(kolben.__all__)
    arrived = exported & NAMES_ADDED_BY_LATER_ISSUES
    assert not arrived, (
        f"{sorted(arrived)} are exported now: remove them from NAMES_ADDED_BY_LATER_ISSUES"
    )
    missing = API_NAMES - NAMES_ADDED_BY_LATER_ISSUES - exported
    assert not missing, f"API.md section 2 names missing from kolben.__all__: {sorted(missing)}"
    extra = exported - API_NAMES
    assert not extra, f"kolben.__all__ exports names API.md section 2 does not list: {extra}"


def test_later_names_are_not_half_there() -> None:
    present = {name for name in NAMES_ADDED_BY_LATER_ISSUES if hasattr(kolben, name)}
    assert not present, f"{sorted(present)} exist on kolben but are not in __all__"


@pytest.mark.parametrize("name", sorted(kolben.__all__))
def test_exported_name_exists_and_has_a_docstring(name: str) -> None:
    obj = getattr(kolben, name)
    assert inspect.getdoc(obj), f"kolben.{name} has no docstring"


def test_star_import_gives_all() -> None:
    namespace: dict[str, t.Any] = {}
    exec("from kolben import *", namespace)
    namespace.pop("__builtins__")
    assert set(namespace) == set(kolben.__all__)


def test_signals_have_their_own_docstrings() -> None:
    names = [
        n for n in kolben.__all__ if isinstance(getattr(kolben, n), kolben.signals.NamedSignal)
    ]
    assert len(names) == 10
    for name in names:
        signal = getattr(kolben, name)
        assert signal.__doc__ != type(signal).__doc__, name
        assert signal.name == name.replace("_", "-")


def test_proxies_have_a_docstring_when_unbound() -> None:
    for proxy in (kolben.request, kolben.session, kolben.g, kolben.current_app):
        assert proxy.__doc__


def test_version_is_deprecated() -> None:
    with pytest.warns(DeprecationWarning, match="__version__"):
        version = kolben.__version__  # type: ignore[attr-defined]
    assert isinstance(version, str)
    assert version


def test_unknown_attribute() -> None:
    with pytest.raises(AttributeError):
        _ = kolben.no_such_name  # type: ignore[attr-defined]


def test_escape_and_markup_are_markupsafe() -> None:
    import markupsafe

    assert kolben.escape is markupsafe.escape
    assert kolben.Markup is markupsafe.Markup
    assert str(kolben.escape("<a>")) == "&lt;a&gt;"


def test_json_is_the_module() -> None:
    assert isinstance(kolben.json, types.ModuleType)
    assert kolben.json.jsonify is kolben.jsonify
    for name in ("dumps", "loads", "dump", "load"):
        assert callable(getattr(kolben.json, name))


@pytest.mark.parametrize("name", sorted(API_MODULES))
def test_submodules_import(name: str) -> None:
    full = f"kolben.{name}"
    if name in MODULES_ADDED_BY_LATER_ISSUES:
        if importlib.util.find_spec(full.rpartition(".")[0]) is not None and (
            importlib.util.find_spec(full) is not None
        ):
            pytest.fail(f"{full} exists now: remove it from MODULES_ADDED_BY_LATER_ISSUES")
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(full)
        return
    module = importlib.import_module(full)
    assert inspect.getdoc(module), f"{full} has no docstring"


def test_no_kolben_test_module() -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("kolben.test")


def test_submodules_are_attributes() -> None:
    import kolben.testing

    for name in ("app", "config", "ctx", "globals", "helpers", "json", "signals", "testing"):
        assert isinstance(getattr(kolben, name), types.ModuleType), name


def test_aliases() -> None:
    from kolben.testing import FlaskClient, KolbenClient

    assert kolben.Flask is kolben.Kolben
    assert FlaskClient is KolbenClient
    assert kolben.Kolben("alias_app", static_folder=None).test_client_class in (
        None,
        KolbenClient,
    )


def test_globals_extension_names() -> None:
    from kolben import globals as kg

    assert kg._cv_app.name == "flask.app_ctx"
    assert kg._cv_request.name == "flask.request_ctx"
    assert not kg.app_ctx
    assert not kg.request_ctx


def test_import_kolben_defers_click_and_the_test_client() -> None:
    # PERF (issue 15): a server process never pays for the command line or
    # the test client; both load on first use.
    code = (
        "import sys, kolben\n"
        "deferred = ('click', 'kolben.testing', 'kolben.cli')\n"
        "print(sorted(m for m in deferred if m in sys.modules))\n"
        "app = kolben.Kolben('lazy_app')\n"
        "print(app.cli.name, kolben.Blueprint('bp', 'lazy_app').cli.name)\n"
        "print(kolben.testing.KolbenClient.__name__, 'click' in sys.modules)\n"
        "app.cli = 'replaced'\n"
        "print(app.cli)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines() == ["[]", "lazy_app bp", "KolbenClient True", "replaced"]
