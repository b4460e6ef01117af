"""Kolbenlog: a small multi-user blog, the flagship Kolben example.

Run it::

    kolben --app examples.kolbenlog init-db
    kolben --app examples.kolbenlog run      # http://127.0.0.1:5000

(``python3 dev.py demo`` does both.) The parts, each in its own module:

- :func:`create_app`, the application factory: configuration, the
  database, CSRF protection, the blueprints and the error pages.
- ``db``: SQLite through ``sqlite3``, one connection per app context, the
  ``init-db`` command. ``posts``: the SQL for posts, shared by the views.
- ``auth`` (``/auth``): register, log in, log out, ``login_required``.
- ``blog`` (``/``): the pages: index with pagination, a post, write, edit,
  delete, images, the live page.
- ``api`` (``/api``): async JSON views and the Server-Sent Events feed.
- ``csrf``: the form token helper. ``images``: upload checks and storage.

See ``README.md`` beside this file for a tour.
"""

from __future__ import annotations

import os
import sqlite3
import typing as t

from kolben import Kolben, Response, render_template
from kolben.exceptions import HTTPException, InternalServerError

from . import api, auth, blog, csrf, db

__all__ = ["create_app"]

#: The error pages this app draws itself (HTML, or JSON under ``/api``).
ERROR_CODES = (400, 401, 403, 404, 405, 413, 415)


def create_app(test_config: dict[str, t.Any] | None = None) -> Kolben:
    """Create and configure a Kolbenlog app.

    The configuration comes from, in order: the defaults below,
    ``config.py`` in the instance folder, ``KOLBEN_*`` environment variables
    (``KOLBEN_SECRET_KEY``, ``KOLBEN_DATABASE``, ...), then ``test_config``.
    """
    app = Kolben(__name__, instance_relative_config=True)
    app.config.from_mapping(
        # "dev" is for trying the app out: set a long random SECRET_KEY in
        # production, e.g. python -c "import secrets; print(secrets.token_hex())"
        SECRET_KEY="dev",
        DATABASE=os.path.join(app.instance_path, "kolbenlog.sqlite"),
        UPLOAD_FOLDER=os.path.join(app.instance_path, "uploads"),
        # The largest request body: a post with its image. Larger -> 413.
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        POSTS_PER_PAGE=5,
        LIVE_POLL_SECONDS=0.5,
        # A feed ends after this and the browser reconnects, resuming where it
        # was: no connection outlives a restart of the server by long.
        LIVE_STREAM_SECONDS=30,
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if test_config is not None:
        app.config.update(test_config)

    db.init_app(app)
    csrf.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(blog.bp)
    app.register_blueprint(api.bp)
    for code in ERROR_CODES:
        app.register_error_handler(code, error_page)
    app.register_error_handler(sqlite3.OperationalError, missing_tables)
    app.after_request(security_headers)
    app.add_template_filter(_max_upload, "max_upload")
    return app


#: Headers every response gets unless its view set them. The policy lets the
#: pages load scripts, styles, images and the live feed from this site only:
#: even a script tag that slipped past escaping would not run (no inline
#: scripts, which is why the delete button's confirmation lives in site.js).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; object-src 'none'; base-uri 'none';"
        " form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def security_headers(response: Response) -> Response:
    """Add :data:`SECURITY_HEADERS` to ``response``."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def error_page(error: HTTPException) -> t.Any:
    """An error as a page in the site's layout, or as JSON under ``/api``."""
    if api.is_api_request():
        return api.error_json(error)
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return render_template("error.html", error=error), error.code or 500, headers


#: What sqlite3 says when ``init-db`` has not been run (no folder, or no tables).
_NOT_INITIALISED = ("no such table", "unable to open database file")


def missing_tables(error: sqlite3.OperationalError) -> t.Any:
    """Say what to do when the database is not set up yet; other errors stay errors."""
    if not str(error).startswith(_NOT_INITIALISED):
        raise error
    hint = InternalServerError(
        f"The database is not set up yet. Create it with: kolben --app {__name__} init-db"
    )
    return error_page(hint)


def _max_upload(limit: int | None) -> str:
    """``MAX_CONTENT_LENGTH`` for people: ``2 MB``, ``20 kB``."""
    if not limit:
        return "no limit"
    if limit < 1024 * 1024:
        return f"{limit / 1024:.0f} kB"
    return f"{limit / (1024 * 1024):.3g} MB"
