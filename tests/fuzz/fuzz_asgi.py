#!/usr/bin/env python3
"""Fuzz the ASGI HTTP entry (``app.asgi``) with atheris (libFuzzer).

    python3 dev.py fuzz asgi                      # 60 seconds
    python3 dev.py fuzz asgi -max_total_time=600  # any libFuzzer option

The input picks the method, path, raw_path, query string, headers and the
body messages of one HTTP scope; the property (tests/fuzz/asgi_harness.py)
is that the app answers with one response start, a status below 500 except
from the view that fails on purpose, and that nothing escapes ``app.asgi``.
A broken property raises ``Finding``, which libFuzzer saves as ``crash-*``.
The same property runs in the normal suite with hypothesis
(tests/test_asgi_properties.py).
"""

from __future__ import annotations

import asyncio

import atheris
from fuzzmain import fuzz_main

with atheris.instrument_imports():
    from asgi_harness import HEADER_NAMES, HEADER_VALUES, PATHS, exercise

METHODS = ["GET", "POST", "PUT", "HEAD", "OPTIONS", "DELETE", "PATCH", "TRACE", "get", "X"]
# Characters a server may put in a header value (no CR, LF or NUL: servers refuse them).
_VALUE_BYTES = bytes(b for b in range(256) if b not in (0, 10, 13))
LOOP = asyncio.new_event_loop()


def _value(fdp: atheris.FuzzedDataProvider) -> bytes:
    if fdp.ConsumeBool():
        return HEADER_VALUES[fdp.ConsumeIntInRange(0, len(HEADER_VALUES) - 1)]
    raw = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 64))
    return bytes(_VALUE_BYTES[b % len(_VALUE_BYTES)] for b in raw)


def _name(fdp: atheris.FuzzedDataProvider) -> bytes:
    if fdp.ConsumeIntInRange(0, 3):
        return HEADER_NAMES[fdp.ConsumeIntInRange(0, len(HEADER_NAMES) - 1)]
    # A token as servers check it, lower-cased as ASGI says.
    alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~"
    raw = fdp.ConsumeBytes(fdp.ConsumeIntInRange(1, 16)) or b"x"
    return bytes(alphabet[b % len(alphabet)] for b in raw)


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    method = METHODS[fdp.ConsumeIntInRange(0, len(METHODS) - 1)]
    if fdp.ConsumeBool():
        path = PATHS[fdp.ConsumeIntInRange(0, len(PATHS) - 1)]
        if fdp.ConsumeBool():
            path += fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 16))
    else:
        path = "/" + fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 32))
    raw_path = None
    if fdp.ConsumeBool():
        raw_path = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 32))
    query = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 64))
    headers = [(_name(fdp), _value(fdp)) for _ in range(fdp.ConsumeIntInRange(0, 8))]
    chunks = [
        fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 256))
        for _ in range(fdp.ConsumeIntInRange(0, 4))
    ]
    disconnect = fdp.ConsumeIntInRange(0, 7) == 0
    exercise(method, path, raw_path, query, headers, chunks, disconnect=disconnect, loop=LOOP)


def main() -> None:
    fuzz_main("kolben-fuzz-corpus-asgi", test_one_input)


if __name__ == "__main__":
    main()
