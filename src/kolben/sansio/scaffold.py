"""``flask.sansio.scaffold`` for porting: :class:`Scaffold` and :func:`setupmethod`."""

from __future__ import annotations

from ..scaffold import Scaffold, setupmethod

# flask-restx imports this private helper from flask.sansio.scaffold on Flask
# 3.x; the redundant alias marks it as a deliberate re-export.
from ..scaffold import _endpoint_from_view_func as _endpoint_from_view_func

__all__ = ["Scaffold", "setupmethod"]
