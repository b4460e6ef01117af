#!/usr/bin/env python3
"""Fuzz Kolben's body, query, cookie and header parsers with atheris (libFuzzer).

    python3 dev.py fuzz                      # 60 seconds, seeded with the browser bodies
    python3 dev.py fuzz -max_total_time=600  # any libFuzzer option

The property is the one of SECURITY.md: whatever the bytes, parsing succeeds
or raises a 4xx :class:`~kolben.exceptions.HTTPException`; any other
exception, a hang or a crash is a finding (libFuzzer saves the input as
``crash-*``). The first input byte picks what to fuzz, the rest is the input.
The same properties run in the normal suite with hypothesis
(tests/test_parser_properties.py).
"""

from __future__ import annotations

import io
from pathlib import Path

import atheris
from fuzzmain import fuzz_main

with atheris.instrument_imports():
    from kolben.exceptions import HTTPException
    from kolben.formparser import FormDataParser
    from kolben.testing import create_environ
    from kolben.wrappers import Request

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "multipart"
_BROWSER = (FIXTURES / "chromium_text_and_files.body").read_bytes()
BOUNDARY = _BROWSER[2 : _BROWSER.index(b"\r\n")].decode("ascii")
HEADERS = ("HTTP_ACCEPT", "HTTP_RANGE", "HTTP_IF_NONE_MATCH", "HTTP_AUTHORIZATION")
HEADERS += ("HTTP_CACHE_CONTROL", "HTTP_IF_MODIFIED_SINCE", "CONTENT_TYPE")
TARGETS = ["multipart", "multipart-chunked", "urlencoded", "query", "cookie", "headers"]


def _request(body: bytes, content_type: str, chunked: bool) -> Request:
    environ = create_environ(method="POST")
    environ["CONTENT_TYPE"] = content_type
    environ["wsgi.input"] = io.BytesIO(body)
    if chunked:
        environ.pop("CONTENT_LENGTH", None)
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = str(len(body))
    return Request(environ)


def _feed_in_pieces(data: bytes) -> None:
    # The sans-I/O path (as ASGI drives it): piece sizes come from the data.
    parser = FormDataParser.for_mimetype("multipart/form-data", {"boundary": BOUNDARY})
    if parser is None:
        raise AssertionError("no multipart parser")
    sizes = data[:8] or b"\x10"
    rest = data[8:]
    pos = 0
    for i in range(len(rest)):
        size = sizes[i % len(sizes)] + 1
        if pos >= len(rest):
            break
        parser.feed(rest[pos : pos + size])
        pos += size
    _, files = parser.close()
    for _, storage in files.items(multi=True):
        storage.close()


def run(target: str, data: bytes) -> None:
    """Parse ``data`` as ``target``; raise on anything but success or a 4xx."""
    text = data.decode("latin-1")
    try:
        if target == "multipart":
            request = _request(data, f"multipart/form-data; boundary={BOUNDARY}", False)
            with request:
                _ = (request.form, request.files, request.values)
        elif target == "multipart-chunked":
            _feed_in_pieces(data)
        elif target == "urlencoded":
            request = _request(data, "application/x-www-form-urlencoded", True)
            with request:
                _ = request.form
        elif target == "query":
            environ = create_environ()
            environ["QUERY_STRING"] = text
            _ = Request(environ).args
        elif target == "cookie":
            environ = create_environ()
            environ["HTTP_COOKIE"] = text
            _ = Request(environ).cookies
        else:
            environ = create_environ()
            for key in HEADERS:
                environ[key] = text
            request = Request(environ)
            _ = (request.accept_mimetypes, request.range, request.if_none_match)
            _ = (request.authorization, request.cache_control, request.if_modified_since)
            _ = (request.mimetype, request.mimetype_params)
    except HTTPException as exc:
        if exc.code is None or not 400 <= exc.code < 500:
            raise


def test_one_input(data: bytes) -> None:
    if not data:
        return
    run(TARGETS[data[0] % len(TARGETS)], data[1:])


def seed_corpus(directory: Path) -> None:
    """Write the browser bodies (one per target byte) as the starting corpus."""
    directory.mkdir(parents=True, exist_ok=True)
    bodies = [path.read_bytes() for path in sorted(FIXTURES.glob("*.body"))]
    bodies.append(b"a=1&b=%ff&c=x+y")
    for index, body in enumerate(bodies):
        for selector in range(len(TARGETS)):
            (directory / f"seed-{index}-{selector}").write_bytes(bytes([selector]) + body)


def main() -> None:
    fuzz_main("kolben-fuzz-corpus", test_one_input, seed=seed_corpus)


if __name__ == "__main__":
    main()
