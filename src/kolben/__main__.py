"""``python -m kolben``: the ``kolben`` command (layer 5)."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    main()
