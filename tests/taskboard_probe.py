"""A pytest plugin for the taskboard example's runs (``-p taskboard_probe``).

At the end of the session it writes, to the file named by
``TASKBOARD_PROBE``, where ``flask`` and ``werkzeug`` came from, whether any
module of the real Flask or Werkzeug distributions was loaded, and which
server interfaces the test clients' requests went through. It observes;
it changes nothing.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

import pytest

#: request.environ of every request the example's tests sent, by interface.
_seen: dict[str, int] = {}


def _record_interface(*args: object, **kwargs: object) -> None:
    # request_started: the environ tells WSGI from ASGI (Kolben's ASGI
    # adapter builds it with "asgi.scope"; a WSGI server never has it).
    flask = sys.modules["flask"]
    environ = flask.request.environ
    kind = "asgi" if "asgi.scope" in environ else "wsgi"
    _seen[kind] = _seen.get(kind, 0) + 1


def pytest_sessionstart(session: pytest.Session) -> None:
    # Imported here, not at the top: -p plugins load before the one that
    # turns compatibility mode on has run, and flask must come after it.
    flask = importlib.import_module("flask")
    flask.request_started.connect(_record_interface)


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = os.environ.get("TASKBOARD_PROBE")
    if not target:
        return
    flask, security = sys.modules["flask"], sys.modules["werkzeug.security"]
    real = sorted(
        name
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in ("flask", "werkzeug")
        and "site-packages" in str(getattr(module, "__file__", "") or "")
        and f"{os.sep}kolben{os.sep}" not in str(getattr(module, "__file__", "") or "")
    )
    Path(target).write_text(
        json.dumps(
            {
                "flask.Flask": f"{flask.Flask.__module__}.{flask.Flask.__qualname__}",
                "check_password_hash": security.check_password_hash.__module__,
                "real_modules": real,
                "interfaces": _seen,
            }
        ),
        "utf-8",
    )
