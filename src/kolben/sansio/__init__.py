"""Flask's ``flask.sansio`` names, for porting (layer 4).

Flask keeps the parts of its app and blueprints that do no I/O in
``flask.sansio``; extensions import :func:`setupmethod` and
:class:`BlueprintSetupState` from there. Kolben's whole core is sans-I/O
already, so these modules only re-export the real ones:
``from kolben.sansio.scaffold import setupmethod``,
``from kolben.sansio.blueprints import BlueprintSetupState`` and
``from kolben.sansio.app import App`` work as in Flask (``App`` is
:class:`~kolben.Kolben` itself: Kolben does not split its app class).
"""

from __future__ import annotations

from ..blueprints import BlueprintSetupState
from ..scaffold import setupmethod

__all__ = ["BlueprintSetupState", "setupmethod"]
