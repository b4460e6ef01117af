"""Taskboard: a to-do list per user, written for Flask and its extensions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

from .config import Config
from .extensions import csrf, db, login_manager, migrate


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error pages."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    # Named prefix: the same variables work whichever framework serves the app.
    app.config.from_prefixed_env("TASKBOARD")
    if test_config is not None:
        app.config.update(test_config)

    db.init_app(app)
    # render_as_batch: SQLite can only alter tables by copying them.
    # An absolute directory: `flask db ...` and the tests work from any folder.
    migrations = Path(app.root_path).parent / "migrations"
    migrate.init_app(app, db, directory=str(migrations), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in to see your tasks."
    login_manager.login_message_category = "info"

    from . import models  # noqa: F401  (the models register themselves with db)
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .tasks import bp as tasks_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(tasks_bp)
    app.register_blueprint(api_bp)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_template("error.html", title="Form expired", message=error.description), 400

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        return render_template("error.html", title="Not found", message="No such page."), 404

    return app
