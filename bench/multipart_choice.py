#!/usr/bin/env python3
"""Compare the two multipart libraries DESIGN.md names, on speed and on bad input.

    pip install multipart python-multipart
    python bench/multipart_choice.py

Both libraries are driven the way ``kolben.formparser`` drives its choice:
push 64 KiB chunks, collect fields in memory and file bodies in a list, and
enforce the same limits (1000 parts, 500 kB per field, 8 headers of at most
4 kB per part). The numbers and the decision are recorded in
``docs/decisions/multipart.md``. This script is evidence for that decision,
not part of the suite.
"""

from __future__ import annotations

import statistics
import sys
import time
import typing as t
import uuid

CHUNK = 64 * 1024
MAX_PARTS = 1000
MAX_FIELD = 500_000
MAX_HEADER_SIZE = 4096 + 128
MAX_HEADERS = 8
BOUNDARY = b"----KolbenBench" + uuid.uuid4().hex.encode()


class Refused(Exception):
    """A limit or the syntax was violated (the 400/413 a server would send)."""


def chunks(body: bytes, size: int = CHUNK) -> t.Iterator[bytes]:
    for i in range(0, len(body), size):
        yield body[i : i + size]


# -- the two adapters ----------------------------------------------------------


def parse_with_multipart(body: bytes, boundary: bytes, size: int = CHUNK) -> int:
    """Return the number of parts; raise Refused on bad input."""
    import multipart

    parser = multipart.PushMultipartParser(
        boundary,
        max_header_size=MAX_HEADER_SIZE,
        max_header_count=MAX_HEADERS,
        max_segment_count=MAX_PARTS,
    )
    parts = 0
    current: list[bytes] | None = None
    is_file = False
    field_size = 0
    try:
        for chunk in chunks(body, size):
            for event in parser.parse(chunk):
                if isinstance(event, multipart.MultipartSegment):
                    parts += 1
                    current, is_file, field_size = [], event.filename is not None, 0
                elif event is None:
                    current = None
                else:
                    if not is_file:
                        field_size += len(event)
                        if field_size > MAX_FIELD:
                            raise Refused("field too large")
                    t.cast(list, current).append(event)
        parser.close()
    except multipart.MultipartError as exc:
        raise Refused(str(exc)) from exc
    return parts


def parse_with_python_multipart(body: bytes, boundary: bytes, size: int = CHUNK) -> int:
    """Return the number of parts; raise Refused on bad input."""
    from python_multipart.exceptions import FormParserError
    from python_multipart.multipart import MultipartParser, parse_options_header

    state: dict[str, t.Any] = {"parts": 0, "field": b"", "value": b"", "headers": {}}

    def on_part_begin() -> None:
        state["parts"] += 1
        if state["parts"] > MAX_PARTS:
            raise Refused("too many parts")
        state["headers"] = {}
        state["data"] = []
        state["size"] = 0

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["field"].lower()] = state["value"]
        state["field"] = state["value"] = b""

    def on_headers_finished() -> None:
        disposition = state["headers"].get(b"content-disposition", b"")
        _, options = parse_options_header(disposition)
        state["is_file"] = b"filename" in options

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if not state["is_file"]:
            state["size"] += end - start
            if state["size"] > MAX_FIELD:
                raise Refused("field too large")
        state["data"].append(data[start:end])

    callbacks = {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data,
        "on_end": lambda: state.__setitem__("done", True),
    }
    try:
        parser = MultipartParser(
            boundary,
            callbacks,  # type: ignore[arg-type]
            max_header_count=MAX_HEADERS,
            max_header_size=MAX_HEADER_SIZE,
        )
        for chunk in chunks(body, size):
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        raise Refused(str(exc)) from exc
    if not state.get("done"):
        raise Refused("truncated")
    return int(state["parts"])


PARSERS = {"multipart": parse_with_multipart, "python-multipart": parse_with_python_multipart}


# -- bodies --------------------------------------------------------------------


def part(name: str, data: bytes, filename: str | None = None, boundary: bytes = BOUNDARY) -> bytes:
    disposition = f'form-data; name="{name}"'
    extra = b""
    if filename is not None:
        disposition += f'; filename="{filename}"'
        extra = b"Content-Type: application/octet-stream\r\n"
    return (
        b"--"
        + boundary
        + b"\r\nContent-Disposition: "
        + disposition.encode()
        + b"\r\n"
        + extra
        + b"\r\n"
        + data
        + b"\r\n"
    )


def form(*parts: bytes, boundary: bytes = BOUNDARY) -> bytes:
    return b"".join(parts) + b"--" + boundary + b"--\r\n"


def upload(size: int) -> bytes:
    # Random-looking bytes with CRs and dashes, as in real binary files.
    block = bytes(range(256)) * 256
    data = (block * (size // len(block) + 1))[:size]
    return form(part("title", b"holiday"), part("file", data, "photo.jpg"))


FIFTY = form(*(part(f"field{i}", b"value %d" % i * 3) for i in range(50)))
MB = 1024 * 1024

# name -> (body, boundary, what a safe parser does)
BAD: dict[str, tuple[bytes, bytes, str]] = {
    "many tiny parts (100k)": (form(*(part("a", b"") for _ in range(100_000))), BOUNDARY, "refuse"),
    "huge part header (1 MB line)": (
        b"--" + BOUNDARY + b"\r\nX-Junk: " + b"a" * MB + b"\r\n\r\nx\r\n--" + BOUNDARY + b"--\r\n",
        BOUNDARY,
        "refuse",
    ),
    "many part headers (10k)": (
        b"--"
        + BOUNDARY
        + b"\r\n"
        + b"X-A: b\r\n" * 10_000
        + b'Content-Disposition: form-data; name="a"\r\n\r\nx\r\n--'
        + BOUNDARY
        + b"--\r\n",
        BOUNDARY,
        "refuse",
    ),
    "CR/LF then 10 MB without newline (preamble)": (
        b"\r\n" + b"a" * (10 * MB) + b"\r\n" + form(part("a", b"1")),
        BOUNDARY,
        "bounded",
    ),
    "part body: CR/LF then 10 MB without newline": (
        form(part("f", b"\r\n" + b"a" * (10 * MB), "x.bin")),
        BOUNDARY,
        "accept",
    ),
    "CR/LF-dense part (10 MB)": (form(part("f", b"\r\n" * (5 * MB), "x.bin")), BOUNDARY, "accept"),
    "CR-dense part (10 MB)": (form(part("f", b"\r" * (10 * MB), "x.bin")), BOUNDARY, "accept"),
    "dash-dense part (10 MB)": (form(part("f", b"-" * (10 * MB), "x.bin")), BOUNDARY, "accept"),
    "boundary-prefix-dense part (10 MB)": (
        form(
            part(
                "f", (b"\r\n--" + BOUNDARY[:-1] + b"x") * (10 * MB // (len(BOUNDARY) + 4)), "x.bin"
            )
        ),
        BOUNDARY,
        "accept",
    ),
    "huge preamble (10 MB)": (
        b"x" * (10 * MB) + b"\r\n" + form(part("a", b"1")),
        BOUNDARY,
        "bounded",
    ),
    "huge epilogue (10 MB)": (form(part("a", b"1")) + b"x" * (10 * MB), BOUNDARY, "bounded"),
    "missing boundary": (form(part("a", b"1")), b"NotTheBoundary", "refuse"),
    "almost-matching boundary": (form(part("a", b"1")), BOUNDARY[:-1] + b"X", "refuse"),
    "over-long boundary (10 kB)": (
        form(part("a", b"1", boundary=b"b" * 10_000), boundary=b"b" * 10_000),
        b"b" * 10_000,
        "refuse",
    ),
    "truncated body": (form(part("a", b"1"), part("b", b"2"))[:-30], BOUNDARY, "refuse"),
    "field over 500 kB in 1-byte chunks": (form(part("a", b"x" * 600_000)), BOUNDARY, "refuse"),
}


def timed(fn: t.Callable[[], t.Any], repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    print(f"Python {sys.version.split()[0]}")
    import importlib.metadata as md

    for dist in ("multipart", "python-multipart"):
        print(f"{dist} {md.version(dist)}")
    print("\n## Speed (best of 5)\n")
    print("| case | multipart | python-multipart |")
    print("|---|---|---|")
    big = upload(10 * MB)
    rows = {
        "10 MB upload, 64 KiB chunks": (big, CHUNK, "MB/s"),
        "50-field form, one chunk": (FIFTY, len(FIFTY), "us"),
    }
    for label, (body, size, unit) in rows.items():
        cells = []
        for fn in PARSERS.values():
            seconds = timed(
                lambda fn=fn, body=body, size=size: fn(body, BOUNDARY, size),
                5 if unit == "MB/s" else 200,
            )
            cells.append(
                f"{len(body) / MB / seconds:.0f} MB/s"
                if unit == "MB/s"
                else f"{seconds * 1e6:.0f} us"
            )
        print(f"| {label} | {' | '.join(cells)} |")

    print("\n## Bad input (time to the answer)\n")
    print("| input | expected | multipart | python-multipart |")
    print("|---|---|---|---|")
    for label, (body, boundary, expected) in BAD.items():
        cells = []
        size = 1 if "1-byte" in label else CHUNK
        for fn in PARSERS.values():
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                try:
                    fn(body, boundary, size)
                    outcome = "parsed"
                except Refused as exc:
                    outcome = f"refused ({str(exc)[:40]})"
                except Exception as exc:  # any other exception is the finding
                    outcome = f"CRASH {type(exc).__name__}"
                times.append(time.perf_counter() - t0)
            cells.append(f"{outcome}, {statistics.median(times) * 1000:.0f} ms")
        print(f"| {label} | {expected} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
