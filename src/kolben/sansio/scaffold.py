"""``flask.sansio.scaffold`` for porting: :class:`Scaffold` and :func:`setupmethod`."""

from __future__ import annotations

from ..scaffold import Scaffold, setupmethod

__all__ = ["Scaffold", "setupmethod"]
