"""The table of Flask compatibility mode: which Kolben module answers for each
``flask`` and ``werkzeug`` module name (layer 5).

This is the single source of the mapping: :mod:`kolben.compat`'s import
finder reads it, and so do the documentation and the inventory test.
"""

from __future__ import annotations

#: Flask/Werkzeug module name -> the Kolben module imported in its place.
#: ``import flask.json`` gives the very module object ``kolben.json``. Where
#: no Kolben module has the same contents, a small shim in ``kolben.compat``
#: re-exports Kolben's objects under Flask's and Werkzeug's names: the two
#: roots, ``werkzeug.sansio`` (its Werkzeug contents are spread over
#: ``kolben.wrappers``), ``werkzeug._internal`` (the one private helper
#: extensions call) and ``werkzeug.user_agent``.
MODULES: dict[str, str] = {
    # Flask 3.1
    "flask": "kolben.compat._flask",
    "flask.__main__": "kolben.__main__",
    "flask.app": "kolben.app",
    "flask.blueprints": "kolben.blueprints",
    "flask.cli": "kolben.cli",
    "flask.config": "kolben.config",
    "flask.ctx": "kolben.ctx",
    "flask.debughelpers": "kolben.debughelpers",
    "flask.globals": "kolben.globals",
    "flask.helpers": "kolben.helpers",
    "flask.json": "kolben.json",
    "flask.json.provider": "kolben.json.provider",
    "flask.json.tag": "kolben.json.tag",
    "flask.logging": "kolben.logging",
    "flask.sansio": "kolben.sansio",
    "flask.sansio.app": "kolben.sansio.app",
    "flask.sansio.blueprints": "kolben.sansio.blueprints",
    "flask.sansio.scaffold": "kolben.sansio.scaffold",
    "flask.sessions": "kolben.sessions",
    "flask.signals": "kolben.signals",
    "flask.templating": "kolben.templating",
    "flask.testing": "kolben.testing",
    "flask.typing": "kolben.typing",
    "flask.views": "kolben.views",
    "flask.wrappers": "kolben.appwrappers",
    # Werkzeug 3.1
    "werkzeug": "kolben.compat._werkzeug",
    "werkzeug._internal": "kolben.compat._werkzeug_internal",
    "werkzeug.datastructures": "kolben.datastructures",
    "werkzeug.datastructures.accept": "kolben.datastructures.accept",
    "werkzeug.datastructures.auth": "kolben.datastructures.auth",
    "werkzeug.datastructures.cache_control": "kolben.datastructures.cache_control",
    "werkzeug.datastructures.csp": "kolben.datastructures.csp",
    "werkzeug.datastructures.etag": "kolben.datastructures.etag",
    "werkzeug.datastructures.file_storage": "kolben.datastructures.file_storage",
    "werkzeug.datastructures.headers": "kolben.datastructures.headers",
    "werkzeug.datastructures.range": "kolben.datastructures.range",
    "werkzeug.datastructures.structures": "kolben.datastructures.structures",
    "werkzeug.debug": "kolben.debug",
    "werkzeug.debug.console": "kolben.debug.console",
    "werkzeug.debug.tbtools": "kolben.debug.tbtools",
    "werkzeug.exceptions": "kolben.exceptions",
    "werkzeug.formparser": "kolben.formparser",
    "werkzeug.http": "kolben.http",
    "werkzeug.local": "kolben.local",
    "werkzeug.middleware": "kolben.middleware",
    "werkzeug.middleware.dispatcher": "kolben.middleware.dispatcher",
    "werkzeug.middleware.proxy_fix": "kolben.middleware.proxy_fix",
    "werkzeug.middleware.shared_data": "kolben.middleware.shared_data",
    "werkzeug.routing": "kolben.routing",
    "werkzeug.routing.converters": "kolben.routing.converters",
    "werkzeug.routing.exceptions": "kolben.routing.exceptions",
    "werkzeug.routing.map": "kolben.routing.map",
    "werkzeug.routing.matcher": "kolben.routing.matcher",
    "werkzeug.routing.rules": "kolben.routing.rules",
    "werkzeug.sansio": "kolben.compat._werkzeug_sansio",
    "werkzeug.sansio.request": "kolben.wrappers.request",
    "werkzeug.sansio.response": "kolben.wrappers.response",
    "werkzeug.security": "kolben.security",
    "werkzeug.serving": "kolben.serving",
    "werkzeug.test": "kolben.testing",
    "werkzeug.urls": "kolben.urls",
    "werkzeug.user_agent": "kolben.compat._werkzeug_user_agent",
    "werkzeug.utils": "kolben.utils",
    "werkzeug.wrappers": "kolben.wrappers",
    "werkzeug.wrappers.request": "kolben.wrappers.request",
    "werkzeug.wrappers.response": "kolben.wrappers.response",
    "werkzeug.wsgi": "kolben.wsgi",
}

#: Flask/Werkzeug modules Kolben deliberately does not provide, with what to
#: use instead; importing one raises ImportError with this hint.
NOT_PROVIDED: dict[str, str] = {
    "werkzeug._reloader": "`kolben run --reload` watches files with watchfiles",
    "werkzeug.datastructures.mixins": "Kolben's data structures do not share Werkzeug's mixins",
    "werkzeug.debug.repr": "Kolben's debugger renders values its own way",
    "werkzeug.middleware.http_proxy": "proxy in the web server (nginx, see the Deployment page)",
    "werkzeug.middleware.lint": "Kolben has no WSGI linter",
    "werkzeug.middleware.profiler": "profile with cProfile or a sampling profiler",
    "werkzeug.sansio.http": "the helpers live in kolben.http",
    "werkzeug.sansio.multipart": "Kolben's form parser is kolben.formparser",
    "werkzeug.sansio.utils": "the helpers live in kolben.urls and kolben.http",
    "werkzeug.testapp": "Kolben has no test application",
}

#: The release of each distribution whose public API Kolben provides:
#: ``importlib.metadata.version("flask")`` and ``flask.__version__`` answer it.
VERSIONS: dict[str, str] = {"flask": "3.1.3", "werkzeug": "3.1.9"}

#: The submodules that ``import flask`` / ``import werkzeug`` make reachable
#: as attributes of the root package (their ``__init__`` imports them).
ROOT_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "flask": (
        "app",
        "blueprints",
        "cli",
        "config",
        "ctx",
        "globals",
        "helpers",
        "json",
        "logging",
        "sansio",
        "sessions",
        "signals",
        "templating",
        "typing",
        "wrappers",
    ),
    "werkzeug": (
        "datastructures",
        "exceptions",
        "formparser",
        "http",
        "sansio",
        "security",
        "serving",
        "test",
        "urls",
        "user_agent",
        "utils",
        "wrappers",
        "wsgi",
        "_internal",
    ),
}

#: The top-level names compatibility mode answers for.
ROOTS = ("flask", "werkzeug")
