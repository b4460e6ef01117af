"""Cross-site request forgery protection for forms, in a few lines.

The attack: while you are logged in here, a page on another site submits a
hidden form to, say, ``/1/delete``. Your browser attaches your session
cookie, so without a check the post would be deleted in your name.

The defence is a secret the other site cannot know:

1. :func:`csrf_token` makes a random token once per session and keeps it in
   the session (a cookie signed with ``SECRET_KEY``, so nobody can forge
   or change it). Templates put it into every form as a hidden field:
   ``<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">``.
2. :func:`check_csrf` runs before every request. For a method that can
   change something (POST, PUT, PATCH, DELETE) it compares the form's
   ``csrf_token`` field with the session's token, with
   :func:`hmac.compare_digest` so the comparison takes the same time
   whatever the input, and answers 400 when they differ or are missing.

A page on another origin can make the browser *send* a form, but the
same-origin policy stops it from *reading* our pages, so it can never learn
the token to put in that form. (The session cookie's ``SameSite=Lax``, on by
default, already keeps most browsers from sending it with a cross-site POST;
the token also covers older browsers and sibling subdomains, which count as
the same site.)

The JSON API is exempt: it accepts only ``Content-Type: application/json``
(anything else is a 415), and a browser will not send that type to another
origin unless the server allows it through CORS, which this app never does.
"""

from __future__ import annotations

import hmac
import secrets

from kolben import Kolben, abort, request, session

__all__ = ["check_csrf", "csrf_token", "init_app"]

SESSION_KEY = "csrf_token"
FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: Blueprints whose views do not take forms (see the module docstring).
EXEMPT_BLUEPRINTS = frozenset({"api"})


def csrf_token() -> str:
    """This session's token, made on first use (a template global)."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        token = session[SESSION_KEY] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Refuse a state-changing form request without the session's token (400)."""
    if request.method in SAFE_METHODS or request.blueprint in EXEMPT_BLUEPRINTS:
        return
    if request.url_rule is None:
        return  # no view will run: let the 404 or 405 answer
    expected = session.get(SESSION_KEY)
    sent = request.form.get(FIELD, "")
    # Bytes: compare_digest refuses str with non-ASCII characters.
    if not isinstance(expected, str) or not hmac.compare_digest(
        sent.encode("utf-8"), expected.encode("utf-8")
    ):
        abort(400, description="The form has expired. Reload the page and try again.")


def init_app(app: Kolben) -> None:
    """Check every request and give templates ``csrf_token()``."""
    app.before_request(check_csrf)
    app.add_template_global(csrf_token)
