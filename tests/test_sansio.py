"""``kolben.sansio``: Flask's ``flask.sansio`` modules and names, for extensions."""

from __future__ import annotations

import importlib

import flask.sansio.app
import pytest

from kolben import Blueprint, Kolben
from kolben.sansio.app import App
from kolben.scaffold import Scaffold


def test_every_app_is_an_app() -> None:
    class MyApp(Kolben):
        pass

    assert isinstance(Kolben("plain"), App)
    assert isinstance(MyApp("sub"), App)
    assert issubclass(App, Scaffold)
    assert not isinstance(Blueprint("bp", __name__), App)


def test_app_has_the_sansio_app_api() -> None:
    # The attributes Flask's sans-I/O App defines are all there.
    missing = [
        name
        for name in vars(flask.sansio.app.App)
        if not name.startswith("__") and not hasattr(App, name)
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("module", "names"),
    [
        ("app", ["App"]),
        ("scaffold", ["Scaffold", "setupmethod"]),
        ("blueprints", ["Blueprint", "BlueprintSetupState"]),
    ],
)
def test_flask_sansio_names_exist(module: str, names: list[str]) -> None:
    ours = importlib.import_module(f"kolben.sansio.{module}")
    theirs = importlib.import_module(f"flask.sansio.{module}")
    for name in names:
        assert hasattr(theirs, name), f"flask.sansio.{module} has no {name}: fix the test"
        assert hasattr(ours, name), f"kolben.sansio.{module} lacks {name}"
