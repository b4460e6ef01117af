"""The ``werkzeug.sansio`` package of Flask compatibility mode (layer 5).

Werkzeug splits its request and response classes into a sans-I/O base and a
WSGI subclass; Kolben has one class of each, so ``werkzeug.sansio.request``
and ``werkzeug.sansio.response`` are :mod:`kolben.wrappers.request` and
:mod:`kolben.wrappers.response`.
"""

from __future__ import annotations

# Imported as a package: its submodules are found by Kolben's finder.
__path__: list[str] = []
