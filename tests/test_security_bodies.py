r"""SECURITY.md, "Request bodies and forms": every line, through a real app.

Each case runs under every interface (``make_client``: WSGI and ASGI).
"Bounded" is asserted as a generous wall-clock ceiling (:data:`BOUND`), never
as a speed target. Unit-level twins of several cases (the sans-I/O parser fed
one byte at a time, exact byte counts) are in tests/test_formparser.py and
tests/test_request.py.

+-------------------------------------+------------------------------------------------------------+
| SECURITY.md line                    | tests                                                      |
+=====================================+============================================================+
| MAX_CONTENT_LENGTH set: a larger    | test_declared_body_over_max_content_length_is_413_unread   |
| body (declared or streamed, chunked | test_chunked_body_over_max_content_length_stops_reading    |
| or with no Content-Length) -> 413,  | test_body_without_length_or_end_marker_is_never_read       |
| body not read past the limit        | test_max_content_length_per_request                        |
|                                     | test_formparser.py:                                        |
|                                     |   test_max_content_length_is_enforced_by_feed,             |
|                                     |   test_parse_stream_reads_at_most_one_byte_past_the_limit  |
+-------------------------------------+------------------------------------------------------------+
| MAX_FORM_MEMORY_SIZE (default 500   | test_default_form_memory_size_per_field                    |
| kB): one non-file field larger ->   | test_field_over_memory_size_in_small_chunks_is_413         |
| 413, also when the field arrives    | test_urlencoded_body_over_memory_size_is_413               |
| split across many small chunks      | test_files_are_not_capped_by_form_memory_size              |
|                                     | test_formparser.py:                                        |
|                                     |   test_field_limit_when_fed_one_byte_at_a_time,            |
|                                     |   test_urlencoded_memory_limit_refuses_the_byte_past_it    |
+-------------------------------------+------------------------------------------------------------+
| MAX_FORM_PARTS (default 1000): more | test_default_max_form_parts_multipart                      |
| parts or fields -> 413, for         | test_default_max_form_parts_urlencoded                     |
| multipart AND for urlencoded bodies | test_files_and_fields_count_together                       |
|                                     | test_max_form_parts_per_request                            |
+-------------------------------------+------------------------------------------------------------+
| Multipart: many tiny parts, huge    | test_hostile_multipart_is_refused_in_bounded_time (one id  |
| part headers, many part headers, a  |   per input: as text fields these are 413/400)             |
| part that starts with CR/LF         | test_nasty_but_valid_multipart_parses_in_bounded_time (the |
| followed by megabytes without a     |   same shapes as file content, a preamble and an epilogue  |
| newline, a CR/LF-dense part, a huge |   are valid: 200, exact content)                           |
| preamble or epilogue, a missing /   | test_epilogue_is_not_read                                  |
| almost-matching / over-long         | test_temp_files_are_closed_and_removed_after_an_error      |
| boundary, a truncated body -> 400   | test_temp_files_are_closed_after_the_request               |
| or 413 in bounded time; temp files  | test_formparser.py:                                        |
| closed and removed                  |   test_abort_closes_every_stream_and_is_idempotent,        |
|                                     |   test_custom_stream_factory_is_assumed_to_block (named    |
|                                     |   file removed)                                            |
+-------------------------------------+------------------------------------------------------------+
| Upload filenames with ../, /abs, \, | test_hostile_upload_filenames_are_made_safe                |
| C:, NUL -> secure_filename gives a  | test_filename_star_does_not_override_filename              |
| safe name; filename* (RFC 2231) is  | test_formparser.py:                                        |
| not used to smuggle another name    |   test_nul_in_a_part_header_becomes_a_space                |
+-------------------------------------+------------------------------------------------------------+
| Large uploads spill to a temporary  | test_large_upload_spills_to_disk                           |
| file; under ASGI the spill never    | test_spill_never_runs_on_the_event_loop (sync and async    |
| blocks the event loop               |   views)                                                   |
|                                     | test_formparser.py:                                        |
|                                     |   test_large_file_spills_to_a_temporary_file,              |
|                                     |   test_feed_may_block_once_a_file_could_reach_the_disk     |
+-------------------------------------+------------------------------------------------------------+
| Invalid UTF-8 in query, form, path  | test_invalid_utf8_in_query_path_and_cookies                |
| or cookies -> 400 or replacement    | test_invalid_utf8_in_form_values                           |
| characters, never a 500             | test_invalid_utf8_in_a_part_header_is_400                  |
|                                     | test_parser_properties.py (any bytes: parsed or 4xx)       |
|                                     | test_reliability_inputs.py: a text part's own charset      |
|                                     |   (test_text_part_charset_is_honoured_as_in_werkzeug), a   |
|                                     |   Content-Length no body can have (400)                    |
+-------------------------------------+------------------------------------------------------------+
| ; is never a query or form          | test_semicolon_is_not_a_separator                          |
| separator                           |                                                            |
+-------------------------------------+------------------------------------------------------------+
| JSON: request.get_json() with a     | test_json_wrong_content_type                               |
| wrong content type -> 415           | test_json_malformed_and_deeply_nested                      |
| (silent=True gives None); malformed | test_json_as_text_plain_is_not_json                        |
| JSON -> 400; deeply nested JSON ->  |                                                            |
| 400, no RecursionError escaping;    |                                                            |
| JSON sent as text/plain is not      |                                                            |
| parsed as JSON                      |                                                            |
+-------------------------------------+------------------------------------------------------------+
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
import tempfile
import threading
import time
import tracemalloc
import typing as t
from collections.abc import Callable

import pytest

from kolben import Kolben, request
from kolben.formparser import SPOOL_THRESHOLD, default_stream_factory
from kolben.pipeline import PRELOAD_LIMIT
from kolben.testing import KolbenClient
from kolben.utils import secure_filename
from kolben.wrappers import Request

MakeClient = Callable[..., KolbenClient]

#: Generous ceiling for "bounded time" (seconds): catches quadratic blow-ups
#: (minutes), never flaky on a slow machine.
BOUND = 5.0
MB = 1024 * 1024
B = "----KolbenSecurityBoundary7MA4YWxkTrZu0gW"
MULTIPART = f"multipart/form-data; boundary={B}"
URLENCODED = "application/x-www-form-urlencoded"


def part(name: str, data: bytes, filename: str | None = None, boundary: str = B) -> bytes:
    disposition = f'form-data; name="{name}"'
    extra = ""
    if filename is not None:
        disposition += f'; filename="{filename}"'
        extra = "Content-Type: application/octet-stream\r\n"
    head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n{extra}\r\n"
    return head.encode("utf-8", "surrogateescape") + data + b"\r\n"


def form(*parts: bytes, boundary: str = B) -> bytes:
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


class RecordingStream(io.RawIOBase):
    """A body that counts what is read, hands out at most ``trickle`` bytes per
    read (a slow client's small chunks) and can hide its length (chunked)."""

    def __init__(self, data: bytes, trickle: int | None = None, seekable: bool = True) -> None:
        self._data = io.BytesIO(data)
        self._trickle = trickle
        self._seekable = seekable
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._seekable

    def tell(self) -> int:
        if not self._seekable:
            raise OSError("not seekable")
        return self._data.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        if not self._seekable:
            raise OSError("not seekable")
        return self._data.seek(offset, whence)

    def readinto(self, buffer: t.Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = 1 << 30
        if self._trickle is not None:
            size = min(size, self._trickle)
        data = self._data.read(size)
        self.bytes_read += len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        raise AssertionError("a body parser must not read lines")


@pytest.fixture
def body_app(app: Kolben) -> Kolben:
    @app.post("/form")
    def show_form() -> dict[str, t.Any]:
        files = {
            name: [storage.filename, len(storage.read())]
            for name, storage in request.files.items(multi=True)
        }
        return {"form": request.form.to_dict(flat=False), "files": files}

    @app.post("/form-async")
    async def show_form_async() -> dict[str, t.Any]:
        files = {
            name: [storage.filename, len(storage.read())]
            for name, storage in (await request.files_async()).items(multi=True)
        }
        return {"form": (await request.form_async()).to_dict(flat=False), "files": files}

    @app.post("/data")
    def show_data() -> dict[str, t.Any]:
        return {"size": len(request.get_data())}

    @app.post("/json")
    def show_json() -> dict[str, t.Any]:
        return {"json": request.get_json()}

    return app


def timed_post(client: KolbenClient, path: str, **kwargs: t.Any) -> tuple[t.Any, float]:
    start = time.perf_counter()
    response = client.post(path, **kwargs)
    return response, time.perf_counter() - start


# -- MAX_CONTENT_LENGTH ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type", "data"),
    [
        ("/form", URLENCODED, b"a=" + b"x" * 200),
        ("/form", MULTIPART, form(part("f", b"x" * 200, "f.bin"))),
        ("/data", "application/octet-stream", b"x" * 200),
        ("/json", "application/json", b'"' + b"x" * 200 + b'"'),
    ],
    ids=["urlencoded", "multipart", "raw", "json"],
)
def test_declared_body_over_max_content_length_is_413_unread(
    body_app: Kolben, make_client: MakeClient, path: str, content_type: str, data: bytes
) -> None:
    body_app.config["MAX_CONTENT_LENGTH"] = 100
    stream = RecordingStream(data)
    response = make_client(body_app).post(
        path, input_stream=stream, content_type=content_type, content_length=len(data)
    )
    assert response.status_code == 413
    assert stream.bytes_read == 0


@pytest.mark.parametrize("path", ["/form", "/data"])
def test_chunked_body_over_max_content_length_stops_reading(
    body_app: Kolben, make_client: MakeClient, path: str
) -> None:
    body_app.config["MAX_CONTENT_LENGTH"] = 1000
    data = form(part("f", b"x" * 5 * MB, "f.bin"))
    stream = RecordingStream(data, seekable=False)
    client = make_client(body_app)
    response = client.post(
        path,
        input_stream=stream,
        content_type=MULTIPART,
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    if client.interface == "wsgi":
        # One byte past the limit at most.
        assert stream.bytes_read <= 1001
    else:
        # The ASGI server (here the test bridge) hands the body over in 64 KiB
        # messages: the app stops after the first one.
        assert stream.bytes_read <= 64 * 1024


def test_body_without_length_or_end_marker_is_never_read(
    body_app: Kolben, make_client: MakeClient
) -> None:
    # API.md 4: a body with neither Content-Length nor an end-of-stream marker
    # is read as empty, so a hostile server-less stream cannot be drained.
    stream = RecordingStream(b"a=1&b=2", seekable=False)
    client = make_client(body_app)
    if client.interface != "wsgi":
        pytest.skip("ASGI bodies always end with more_body=False")
    response = client.post("/form", input_stream=stream, content_type=URLENCODED)
    assert response.json == {"form": {}, "files": {}}
    assert stream.bytes_read == 0


def test_max_content_length_per_request(body_app: Kolben, make_client: MakeClient) -> None:
    @body_app.before_request
    def tighten() -> None:
        if request.args.get("small"):
            request.max_content_length = 10

    client = make_client(body_app)
    assert client.post("/data?small=1", data=b"x" * 11).status_code == 413
    assert client.post("/data", data=b"x" * 11).json == {"size": 11}


# -- MAX_FORM_MEMORY_SIZE -----------------------------------------------------------------


def test_default_form_memory_size_per_field(body_app: Kolben, make_client: MakeClient) -> None:
    client = make_client(body_app)
    ok = form(part("a", b"x" * 500_000), part("b", b"y" * 500_000))
    response = client.post("/form", data=ok, content_type=MULTIPART)
    assert response.status_code == 200
    assert [len(v[0]) for v in response.json["form"].values()] == [500_000, 500_000]
    too_big = form(part("a", b"x" * 500_001))
    assert client.post("/form", data=too_big, content_type=MULTIPART).status_code == 413


def test_field_over_memory_size_in_small_chunks_is_413(
    body_app: Kolben, make_client: MakeClient
) -> None:
    body_app.config["MAX_FORM_MEMORY_SIZE"] = 10_000
    data = form(part("a", b"x" * 10_001))
    client = make_client(body_app)
    stream = RecordingStream(data, trickle=7)
    response, elapsed = timed_post(
        client,
        "/form",
        input_stream=stream,
        content_type=MULTIPART,
        content_length=len(data),
    )
    assert response.status_code == 413
    assert elapsed < BOUND


def test_urlencoded_body_over_memory_size_is_413(body_app: Kolben, make_client: MakeClient) -> None:
    client = make_client(body_app)
    ok = client.post("/form", data=b"a=" + b"x" * 499_998, content_type=URLENCODED)
    assert ok.status_code == 200
    response = client.post("/form", data=b"a=" + b"x" * 499_999, content_type=URLENCODED)
    assert response.status_code == 413


def test_files_are_not_capped_by_form_memory_size(
    body_app: Kolben, make_client: MakeClient
) -> None:
    body_app.config["MAX_FORM_MEMORY_SIZE"] = 100
    data = form(part("f", b"x" * 10_000, "big.bin"))
    response = make_client(body_app).post("/form", data=data, content_type=MULTIPART)
    assert response.json["files"] == {"f": ["big.bin", 10_000]}


# -- MAX_FORM_PARTS ------------------------------------------------------------------------


def test_default_max_form_parts_multipart(body_app: Kolben, make_client: MakeClient) -> None:
    client = make_client(body_app)
    ok = form(*(part(f"f{i}", b"1") for i in range(1000)))
    assert client.post("/form", data=ok, content_type=MULTIPART).status_code == 200
    over = form(*(part(f"f{i}", b"1") for i in range(1001)))
    assert client.post("/form", data=over, content_type=MULTIPART).status_code == 413


def test_default_max_form_parts_urlencoded(body_app: Kolben, make_client: MakeClient) -> None:
    client = make_client(body_app)
    ok = "&".join(f"f{i}=1" for i in range(1000)).encode()
    assert client.post("/form", data=ok, content_type=URLENCODED).status_code == 200
    over = "&".join(f"f{i}=1" for i in range(1001)).encode()
    assert client.post("/form", data=over, content_type=URLENCODED).status_code == 413


def test_files_and_fields_count_together(body_app: Kolben, make_client: MakeClient) -> None:
    body_app.config["MAX_FORM_PARTS"] = 3
    client = make_client(body_app)
    three = form(part("a", b"1"), part("f", b"x", "f.bin"), part("b", b"2"))
    assert client.post("/form", data=three, content_type=MULTIPART).status_code == 200
    four = form(part("a", b"1"), part("f", b"x", "f.bin"), part("g", b"y", "g.bin"), part("b", b""))
    assert client.post("/form", data=four, content_type=MULTIPART).status_code == 413


def test_max_form_parts_per_request(body_app: Kolben, make_client: MakeClient) -> None:
    @body_app.before_request
    def tighten() -> None:
        request.max_form_parts = 1

    client = make_client(body_app)
    assert client.post("/form", data=b"a=1", content_type=URLENCODED).status_code == 200
    assert client.post("/form", data=b"a=1&b=2", content_type=URLENCODED).status_code == 413


# -- hostile multipart -------------------------------------------------------------------

HOSTILE: dict[str, tuple[str, bytes, set[int]]] = {
    "many-tiny-parts": (MULTIPART, form(*(part("a", b"") for _ in range(100_000))), {413}),
    "huge-part-header": (
        MULTIPART,
        f"--{B}\r\nX-Junk: ".encode() + b"a" * MB + form(part("a", b"1")),
        {400, 413},
    ),
    "many-part-headers": (
        MULTIPART,
        f"--{B}\r\n".encode() + b"X-A: b\r\n" * 10_000 + b"\r\nx\r\n" + form(),
        {400, 413},
    ),
    "crlf-then-megabytes-field": (MULTIPART, form(part("a", b"\r\n" + b"a" * 5 * MB)), {413}),
    "crlf-dense-field": (MULTIPART, form(part("a", b"\r\n" * 2 * MB)), {413}),
    "missing-boundary-parameter": ("multipart/form-data", form(part("a", b"1")), {400}),
    "body-uses-another-boundary": (
        "multipart/form-data; boundary=NotTheBoundary",
        form(part("a", b"1")),
        {400},
    ),
    "almost-matching-boundary": (f"{MULTIPART[:-1]}X", form(part("a", b"1")), {400}),
    "over-long-boundary": (
        "multipart/form-data; boundary=" + "b" * 10_000,
        form(part("a", b"1", boundary="b" * 10_000), boundary="b" * 10_000),
        {400},
    ),
    "boundary-with-space-at-end": ('multipart/form-data; boundary="ab "', b"--ab \r\n", {400}),
    "truncated-body": (
        MULTIPART,
        form(part("a", b"1"), part("f", b"x" * 1000, "f.bin"))[:-40],
        {400},
    ),
    "no-closing-boundary": (MULTIPART, b"".join([part("a", b"1")]), {400}),
    "headers-never-end": (MULTIPART, f"--{B}\r\n".encode() + b"X: y" * 100_000, {400, 413}),
    "bare-lf-headers": (
        MULTIPART,
        f'--{B}\nContent-Disposition: form-data; name="a"\n\n1\n--{B}--\n'.encode(),
        {400},
    ),
    "no-content-disposition": (
        MULTIPART,
        f"--{B}\r\nContent-Type: text/plain\r\n\r\n1\r\n--{B}--\r\n".encode(),
        {400},
    ),
    "junk-after-boundary": (MULTIPART, f"--{B}junk\r\n\r\n".encode() + form(), {400}),
    "only-garbage": (MULTIPART, os.urandom(256 * 1024), {400}),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_multipart_is_refused_in_bounded_time(
    body_app: Kolben, make_client: MakeClient, case: str
) -> None:
    content_type, data, expected = HOSTILE[case]
    response, elapsed = timed_post(
        make_client(body_app), "/form", data=data, content_type=content_type
    )
    assert response.status_code in expected
    assert elapsed < BOUND


def _crlf_heavy_file(content: bytes) -> tuple[bytes, dict[str, t.Any]]:
    data = form(part("title", b"x"), part("f", content, "f.bin"))
    return data, {"form": {"title": ["x"]}, "files": {"f": ["f.bin", len(content)]}}


VALID_BUT_NASTY: dict[str, tuple[bytes, dict[str, t.Any]]] = {
    # Werkzeug CVE-2023-46136: a file starting with CR or LF followed by
    # megabytes without one made the boundary search quadratic.
    "file-crlf-then-megabytes": _crlf_heavy_file(b"\r\n" + b"a" * 5 * MB),
    "file-cr-then-megabytes": _crlf_heavy_file(b"\r" + b"a" * 5 * MB),
    "file-crlf-dense": _crlf_heavy_file(b"\r\n" * 3 * MB),
    "file-cr-dense": _crlf_heavy_file(b"\r" * 5 * MB),
    "file-dash-dense": _crlf_heavy_file(b"-" * 5 * MB),
    "file-boundary-prefix-dense": _crlf_heavy_file(
        (f"\r\n--{B[:-1]}".encode() + b"Y") * (MB // len(B))
    ),
    # RFC 2046 section 5.1.1 allows a preamble and an epilogue.
    "huge-preamble": (
        b"x" * 5 * MB + b"\r\n" + form(part("a", b"1")),
        {"form": {"a": ["1"]}, "files": {}},
    ),
    "huge-epilogue": (form(part("a", b"1")) + b"x" * 5 * MB, {"form": {"a": ["1"]}, "files": {}}),
}


@pytest.mark.parametrize("case", sorted(VALID_BUT_NASTY))
def test_nasty_but_valid_multipart_parses_in_bounded_time(
    body_app: Kolben, make_client: MakeClient, case: str
) -> None:
    data, expected = VALID_BUT_NASTY[case]
    response, elapsed = timed_post(
        make_client(body_app), "/form", data=data, content_type=MULTIPART
    )
    assert response.status_code == 200
    assert response.json == expected
    assert elapsed < BOUND


@pytest.mark.parametrize("path", ["/form", "/form-async"])
def test_epilogue_is_not_read(body_app: Kolben, make_client: MakeClient, path: str) -> None:
    client = make_client(body_app)
    data = form(part("a", b"1")) + b"x" * 5 * MB
    stream = RecordingStream(data)
    tracemalloc.start()
    try:
        response = client.post(
            path, input_stream=stream, content_type=MULTIPART, content_length=len(data)
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.json == {"form": {"a": ["1"]}, "files": {}}
    if client.interface == "asgi" and path == "/form":
        # Under ASGI a sync view's body is received on the event loop before
        # the view takes a worker thread, so that slow clients cannot hold
        # threads (docs/async.md): the epilogue arrives too, but past 1 MiB
        # it goes to a temporary file, never into memory.
        assert stream.bytes_read == len(data)
        assert peak < 3 * MB
        return
    # Under ASGI one 64 KiB message more may have arrived with the body's end;
    # an async view's body is read ahead up to PRELOAD_LIMIT (so that
    # `request.form` works in it), never further.
    limit = 128 * 1024 if client.interface == "wsgi" else 192 * 1024
    if client.interface == "asgi":
        limit += PRELOAD_LIMIT
    assert stream.bytes_read < limit


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


needs_proc = pytest.mark.skipif(
    not os.path.isdir("/proc/self/fd"), reason="counts open files through /proc"
)


@needs_proc
@pytest.mark.parametrize("failure", ["truncated", "field-too-large", "too-many-parts"])
def test_temp_files_are_closed_and_removed_after_an_error(
    body_app: Kolben, make_client: MakeClient, failure: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spilled: list[t.Any] = []

    def recording_factory(*args: t.Any) -> t.IO[bytes]:
        stream = default_stream_factory(*args)
        spilled.append(stream)
        return stream

    monkeypatch.setattr(Request, "form_stream_factory", staticmethod(recording_factory))
    body_app.config["MAX_FORM_MEMORY_SIZE"] = 1000
    body_app.config["MAX_FORM_PARTS"] = 3
    big = part("big", os.urandom(2 * SPOOL_THRESHOLD), "big.bin")
    data = {
        "truncated": big + part("b", b"x", "b.bin"),
        "field-too-large": form(big, part("text", b"x" * 1001)),
        "too-many-parts": form(big, *(part("a", b"1") for _ in range(3))),
    }[failure]
    client = make_client(body_app)
    client.post("/data", data=b"warm up")  # the ASGI loop opens its own files once
    before = _open_fds()
    response = client.post("/form", data=data, content_type=MULTIPART)
    assert response.status_code in (400, 413)
    assert spilled
    assert spilled[0]._rolled  # it had reached the disk
    assert all(stream.closed for stream in spilled)
    # An unnamed temporary file is removed from disk when its last
    # descriptor closes: no descriptor may be left.
    assert _open_fds() == before


@needs_proc
def test_temp_files_are_closed_after_the_request(body_app: Kolben, make_client: MakeClient) -> None:
    client = make_client(body_app)
    client.post("/data", data=b"warm up")
    before = _open_fds()
    data = form(part("big", os.urandom(2 * SPOOL_THRESHOLD), "big.bin"))
    assert client.post("/form", data=data, content_type=MULTIPART).status_code == 200
    assert _open_fds() == before


# -- upload file names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "safe"),
    [
        ("../../../etc/passwd", "etc_passwd"),
        ("/etc/passwd", "etc_passwd"),
        ("..\\..\\windows\\win.ini", "windows_win.ini"),
        ("C:\\Windows\\System32\\cmd.exe", "cmd.exe"),  # IE-style full path: last segment
        ("C:evil.exe", "Cevil.exe"),
        ("evil.php\x00.png", "evil.php_.png"),
        ("\x00", ""),
        ("..", ""),
        ("CON.txt", "_CON.txt"),
        ("nul", "_nul"),
        ("résumé 日本.pdf", "resume_.pdf"),
        ("a%22b.txt", "ab.txt"),  # the browser's escape for a quote
    ],
)
def test_hostile_upload_filenames_are_made_safe(
    app: Kolben, make_client: MakeClient, sent: str, safe: str
) -> None:
    @app.post("/upload")
    def upload() -> dict[str, t.Any]:
        storage = request.files["f"]
        return {"filename": storage.filename, "safe": secure_filename(storage.filename or "")}

    escaped = sent.replace('"', "%22")
    data = form(part("f", b"content", escaped))
    response = make_client(app).post("/upload", data=data, content_type=MULTIPART)
    assert response.status_code == 200
    assert response.json["safe"] == safe
    for bad in ("/", "\\", "\x00", ".."):
        assert bad not in response.json["safe"]


def test_filename_star_does_not_override_filename(app: Kolben, make_client: MakeClient) -> None:
    @app.post("/upload")
    def upload() -> dict[str, t.Any]:
        return {name: f.filename for name, f in request.files.items()}

    data = (
        f'--{B}\r\nContent-Disposition: form-data; name="f"; filename="photo.jpg";'
        f" filename*=UTF-8''shell.php\r\n\r\nx\r\n"
        f"--{B}\r\nContent-Disposition: form-data; name=\"g\"; filename*=UTF-8''shell.php;"
        f' filename="photo.jpg"\r\n\r\nx\r\n--{B}--\r\n'
    ).encode()
    response = make_client(app).post("/upload", data=data, content_type=MULTIPART)
    assert response.json == {"f": "photo.jpg", "g": "photo.jpg"}


# -- spilling to disk -----------------------------------------------------------------------


def test_large_upload_spills_to_disk(app: Kolben, make_client: MakeClient) -> None:
    @app.post("/upload")
    def upload() -> dict[str, t.Any]:
        stream = request.files["f"].stream
        return {
            "spooled": isinstance(stream, tempfile.SpooledTemporaryFile),
            "on_disk": bool(getattr(stream, "_rolled", False)),
            "size": len(stream.read()),
        }

    data = form(part("f", os.urandom(3 * SPOOL_THRESHOLD), "big.bin"))
    response = make_client(app).post("/upload", data=data, content_type=MULTIPART)
    assert response.json == {"spooled": True, "on_disk": True, "size": 3 * SPOOL_THRESHOLD}


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_spill_never_runs_on_the_event_loop(
    app: Kolben, make_client: MakeClient, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[tuple[str, bool]] = []

    class WatchedFile(tempfile.SpooledTemporaryFile):  # type: ignore[type-arg]
        def write(self, data: t.Any) -> int:
            try:
                asyncio.get_running_loop()
                on_loop = True
            except RuntimeError:
                on_loop = False
            writes.append((threading.current_thread().name, on_loop))
            return t.cast(int, super().write(data))

    def factory(*args: t.Any) -> t.IO[bytes]:
        return t.cast(t.IO[bytes], WatchedFile(max_size=SPOOL_THRESHOLD))

    monkeypatch.setattr(Request, "form_stream_factory", staticmethod(factory))
    if kind == "sync":

        @app.post("/upload")
        def upload() -> dict[str, int]:
            return {"size": len(request.files["f"].read())}

    else:

        @app.post("/upload")
        async def upload_async() -> dict[str, int]:
            files = await request.files_async()
            return {"size": len(files["f"].read())}

    data = form(part("f", os.urandom(3 * SPOOL_THRESHOLD), "big.bin"))
    client = make_client(app)
    response = client.post("/upload", data=data, content_type=MULTIPART)
    assert response.json == {"size": 3 * SPOOL_THRESHOLD}
    assert writes
    if client.interface == "asgi":
        # Under WSGI an async view runs on its worker thread's private loop,
        # which serves no other request: blocking it blocks nobody else.
        assert not any(on_loop for _, on_loop in writes), writes


# -- invalid UTF-8 ------------------------------------------------------------------------


def test_invalid_utf8_in_query_path_and_cookies(app: Kolben, make_client: MakeClient) -> None:
    @app.route("/p/<name>")
    def echo(name: str) -> dict[str, t.Any]:
        return {"name": name, "args": request.args.to_dict(), "cookies": request.cookies.to_dict()}

    client = make_client(app)
    response = client.get(
        "/p/%ff%fe", query_string="a=%ff&b=%C3%28", headers={"Cookie": "c=\xff\xfe; d=ok"}
    )
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json == {
            "name": "\ufffd\ufffd",
            "args": {"a": "\ufffd", "b": "\ufffd("},
            "cookies": {"c": "\ufffd\ufffd", "d": "ok"},
        }


def test_invalid_utf8_in_form_values(body_app: Kolben, make_client: MakeClient) -> None:
    client = make_client(body_app)
    response = client.post("/form", data=b"a=%ff&b=\xff\xfe&c=%C3%28", content_type=URLENCODED)
    assert response.json["form"] == {"a": ["\ufffd"], "b": ["\ufffd\ufffd"], "c": ["\ufffd("]}
    response = client.post(
        "/form", data=form(part("a", b"\xff\xfe"), part("b", b"ok")), content_type=MULTIPART
    )
    assert response.json["form"] == {"a": ["\ufffd\ufffd"], "b": ["ok"]}


def test_invalid_utf8_in_a_part_header_is_400(body_app: Kolben, make_client: MakeClient) -> None:
    data = f'--{B}\r\nContent-Disposition: form-data; name="'.encode() + b'\xff\xfe"\r\n\r\n1\r\n'
    response = make_client(body_app).post("/form", data=data + form(), content_type=MULTIPART)
    assert response.status_code == 400


# -- separators ----------------------------------------------------------------------------


def test_semicolon_is_not_a_separator(body_app: Kolben, make_client: MakeClient) -> None:
    @body_app.route("/args")
    def args() -> dict[str, t.Any]:
        return request.args.to_dict(flat=False)

    client = make_client(body_app)
    response = client.post("/form?q=1;r=2&s=3", data=b"a=1;b=2&c=3", content_type=URLENCODED)
    assert response.json["form"] == {"a": ["1;b=2"], "c": ["3"]}
    assert client.get("/args?q=1;r=2&s=3").json == {"q": ["1;r=2"], "s": ["3"]}


# -- JSON ----------------------------------------------------------------------------------


def test_json_wrong_content_type(body_app: Kolben, make_client: MakeClient) -> None:
    @body_app.post("/silent")
    def silent() -> dict[str, t.Any]:
        return {"json": request.get_json(silent=True)}

    client = make_client(body_app)
    assert client.post("/json", data=b"{}", content_type="application/xml").status_code == 415
    assert client.post("/json", data=b"{}").status_code == 415
    assert client.post("/silent", data=b"{}", content_type="text/html").json == {"json": None}


@pytest.mark.parametrize(
    "data",
    [b"", b"{", b"{'a': 1}", b"[1, 2", b"\xff\xfe", b"NaN-ish", b"[" * 100_000 + b"]" * 100_000],
    ids=["empty", "open-brace", "single-quotes", "unclosed", "bad-utf8", "junk", "deep"],
)
def test_json_malformed_and_deeply_nested(
    body_app: Kolben, make_client: MakeClient, data: bytes
) -> None:
    limit = sys.getrecursionlimit()
    response = make_client(body_app).post("/json", data=data, content_type="application/json")
    assert response.status_code == 400
    assert sys.getrecursionlimit() == limit


def test_json_as_text_plain_is_not_json(body_app: Kolben, make_client: MakeClient) -> None:
    @body_app.post("/sniff")
    def sniff() -> dict[str, t.Any]:
        return {"is_json": request.is_json, "json": request.get_json(silent=True)}

    response = make_client(body_app).post("/sniff", data=b'{"a": 1}', content_type="text/plain")
    assert response.json == {"is_json": False, "json": None}
