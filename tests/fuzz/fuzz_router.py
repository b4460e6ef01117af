#!/usr/bin/env python3
"""Fuzz the router (``Map.bind(...).match`` and ``build``) with atheris (libFuzzer).

    python3 dev.py fuzz router                      # 60 seconds
    python3 dev.py fuzz router -max_total_time=600  # any libFuzzer option

The input picks a rule set (static and variable segments, converters with
arguments, methods, slashes, websocket rules, defaults, aliases), a host, a
path, a method and values to build; the property (tests/fuzz/router_harness.py)
is that matching and building raise only the documented routing exceptions.
A broken property raises ``Finding``, which libFuzzer saves as ``crash-*``.
The same property runs in the normal suite with hypothesis
(tests/test_asgi_properties.py).
"""

from __future__ import annotations

import typing as t

import atheris
from fuzzmain import fuzz_main

with atheris.instrument_imports():
    from router_harness import CONVERTERS, HOSTS, METHODS, NAMES, STATICS, RuleSpec, exercise


def _pick(fdp: atheris.FuzzedDataProvider, items: list[t.Any]) -> t.Any:
    return items[fdp.ConsumeIntInRange(0, len(items) - 1)]


def _text(fdp: atheris.FuzzedDataProvider, limit: int) -> str:
    return fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, limit))


def _segment(fdp: atheris.FuzzedDataProvider) -> str | tuple[str, str]:
    kind = fdp.ConsumeIntInRange(0, 3)
    if kind == 0:
        return _pick(fdp, STATICS)
    if kind == 1:
        return _text(fdp, 6)
    return (_pick(fdp, CONVERTERS), _pick(fdp, NAMES))


def _value(fdp: atheris.FuzzedDataProvider) -> t.Any:
    kind = fdp.ConsumeIntInRange(0, 4)
    if kind == 0:
        return fdp.ConsumeIntInRange(-(10**6), 10**6)
    if kind == 1:
        return fdp.ConsumeFloat()
    if kind == 2:
        return _pick(fdp, ["a", "b", "c d", "x", "a/b", "", "é", "%2F", "..", "1.5"])
    if kind == 3:
        return None
    return _text(fdp, 12)


def _rule(fdp: atheris.FuzzedDataProvider) -> RuleSpec:
    websocket = fdp.ConsumeIntInRange(0, 7) == 0
    methods = None
    if fdp.ConsumeBool():
        methods = tuple(_pick(fdp, METHODS) for _ in range(fdp.ConsumeIntInRange(1, 3)))
    defaults = tuple(
        (_pick(fdp, NAMES), _value(fdp)) for _ in range(fdp.ConsumeIntInRange(0, 1))
    )
    return RuleSpec(
        segments=tuple(_segment(fdp) for _ in range(fdp.ConsumeIntInRange(0, 4))),
        trailing_slash=fdp.ConsumeBool(),
        methods=methods,
        strict_slashes=_pick(fdp, [None, True, False]),
        websocket=websocket,
        defaults=defaults,
        alias=fdp.ConsumeIntInRange(0, 7) == 0,
    )


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    specs = [_rule(fdp) for _ in range(fdp.ConsumeIntInRange(1, 5))]
    builds = [
        (
            fdp.ConsumeIntInRange(0, 2),
            {_pick(fdp, NAMES): _value(fdp) for _ in range(fdp.ConsumeIntInRange(0, 3))},
            _pick(fdp, [None, *METHODS]),
        )
        for _ in range(fdp.ConsumeIntInRange(0, 3))
    ]
    exercise(
        specs,
        strict_slashes=fdp.ConsumeBool(),
        merge_slashes=fdp.ConsumeBool(),
        host=_pick(fdp, HOSTS) if fdp.ConsumeIntInRange(0, 3) else _text(fdp, 12),
        path=_text(fdp, 40),
        method=_pick(fdp, METHODS),
        websocket=fdp.ConsumeIntInRange(0, 7) == 0,
        query=_text(fdp, 12),
        builds=builds,
    )


def main() -> None:
    fuzz_main("kolben-fuzz-corpus-router", test_one_input)


if __name__ == "__main__":
    main()
