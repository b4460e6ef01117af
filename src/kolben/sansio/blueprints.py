"""``flask.sansio.blueprints`` for porting: :class:`Blueprint` and its setup state."""

from __future__ import annotations

from ..blueprints import Blueprint, BlueprintSetupState

__all__ = ["Blueprint", "BlueprintSetupState"]
