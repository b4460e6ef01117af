"""kolben.formparser: the sans-I/O form parsers, their limits, spooling and cleanup.

Bad-input cases from SECURITY.md live in tests/test_security_bodies.py; this
module covers the API the request (and the ASGI path) drives: ``for_mimetype``,
``feed``, ``close``, ``abort``, ``feed_may_block`` and ``parse_stream``, plus
the real Chromium bodies of tests/fixtures/multipart/.
"""

from __future__ import annotations

import base64
import io
import json
import os
import tempfile
import typing as t
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.wrappers import Request as WerkzeugRequest

from kolben.datastructures import FileStorage, ImmutableMultiDict, MultiDict
from kolben.exceptions import BadRequest, RequestEntityTooLarge
from kolben.formparser import (
    SPOOL_THRESHOLD,
    FormDataParser,
    MultipartParser,
    UrlencodedParser,
    default_stream_factory,
    parse_form_data,
    parse_urlencoded,
)
from kolben.testing import create_environ
from kolben.urls import _fast_parse_qsl
from kolben.utils import secure_filename
from kolben.wrappers import Request

B = "boundary42"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "multipart"
CASES = sorted(p.stem for p in FIXTURES.glob("*.body"))


def part(name: str, data: bytes, filename: str | None = None, extra: str = "") -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = f"--{B}\r\nContent-Disposition: {disposition}\r\n{extra}\r\n".encode()
    return head + data + b"\r\n"


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{B}--\r\n".encode()


def multipart(**limits: t.Any) -> FormDataParser:
    parser = FormDataParser.for_mimetype("multipart/form-data", {"boundary": B}, **limits)
    assert isinstance(parser, MultipartParser)
    return parser


def urlencoded(**limits: t.Any) -> FormDataParser:
    parser = FormDataParser.for_mimetype("application/x-www-form-urlencoded", **limits)
    assert isinstance(parser, UrlencodedParser)
    return parser


def feed_all(parser: FormDataParser, data: bytes, size: int = 7) -> t.Any:
    for i in range(0, len(data), size):
        parser.feed(data[i : i + size])
    return parser.close()


class RecordingStream(io.BytesIO):
    """A body stream that counts what was read from it."""

    bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


# -- choosing a parser ---------------------------------------------------------


def test_for_mimetype() -> None:
    assert FormDataParser.for_mimetype("application/json") is None
    assert FormDataParser.for_mimetype("text/plain", {}) is None
    assert isinstance(urlencoded(), UrlencodedParser)
    assert isinstance(multipart(), MultipartParser)


@pytest.mark.parametrize(
    "boundary",
    ["", "a" * 71, "bad\nline", "ends with space ", "semi;colon", 'quote"d', "é"],
    ids=["empty", "71-chars", "newline", "trailing-space", "semicolon", "quote", "non-ascii"],
)
def test_invalid_boundary_is_a_400(boundary: str) -> None:
    # RFC 2046 section 5.1.1: 1 to 70 characters from a fixed set.
    with pytest.raises(BadRequest):
        FormDataParser.for_mimetype("multipart/form-data", {"boundary": boundary})


def test_missing_boundary_is_a_400() -> None:
    with pytest.raises(BadRequest):
        FormDataParser.for_mimetype("multipart/form-data", {})


def test_longest_boundary_is_accepted() -> None:
    boundary = "'()+_,-./:=? " * 5 + "x" * 4 + "Z"
    assert len(boundary) == 70
    parser = FormDataParser.for_mimetype("multipart/form-data", {"boundary": boundary})
    assert parser is not None
    data = f'--{boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--{boundary}--'
    form, _ = feed_all(parser, data.encode())
    assert form["a"] == "1"


# -- urlencoded ------------------------------------------------------------------


def test_urlencoded_in_one_byte_chunks() -> None:
    form, files = feed_all(urlencoded(), b"a=1&b=x+y&a=%C3%BC&c=%ff&d", size=1)
    assert form.to_dict(flat=False) == {"a": ["1", "ü"], "b": ["x y"], "c": ["\ufffd"], "d": [""]}
    assert isinstance(form, ImmutableMultiDict)
    assert len(files) == 0


def test_urlencoded_memory_limit_refuses_the_byte_past_it() -> None:
    parser = urlencoded(max_form_memory_size=10)
    parser.feed(b"a=" + b"x" * 8)
    with pytest.raises(RequestEntityTooLarge):
        parser.feed(b"x")
    with pytest.raises(RuntimeError):
        parser.feed(b"x")  # an aborted parser takes no more input


def test_field_limit_when_fed_one_byte_at_a_time() -> None:
    parser = multipart(max_form_memory_size=100)
    data = part("a", b"x" * 101)

    def feed_bytewise() -> None:
        for i in range(len(data)):
            parser.feed(data[i : i + 1])

    with pytest.raises(RequestEntityTooLarge):
        feed_bytewise()
    # Refused at the 101st byte of the field, not at the end of the part.
    assert parser.received == len(data) - 2


def test_urlencoded_parts_limit_while_feeding() -> None:
    parser = urlencoded(max_form_parts=3)
    parser.feed(b"a=1&b=2")
    with pytest.raises(RequestEntityTooLarge):
        parser.feed(b"&c=3&d=4")


def test_urlencoded_max_input_is_the_smaller_limit() -> None:
    assert urlencoded(max_form_memory_size=10, max_content_length=100).max_input == 10
    assert urlencoded(max_form_memory_size=100, max_content_length=10).max_input == 10
    assert urlencoded(max_form_memory_size=None, max_content_length=None).max_input is None
    assert multipart(max_form_memory_size=10, max_content_length=None).max_input is None


@settings(max_examples=300)
@given(
    st.lists(
        st.sampled_from(
            ["a", "Z", "0", "+", " ", "&", "=", "%", "%2", "%26", "%3D", "%3d", "%2B", "%41",
             "%C3%A9", "%C3", "%A9", "%ff", "%zz", "%e2%82", "\\", "\\x41", "\\n", ";", "é"]
        ),
        max_size=30,
    ).map("".join)
)  # fmt: skip
def test_fast_form_decoder_agrees_with_the_reference(text: str) -> None:
    # The urlencoded fast path must decode exactly as the general decoder
    # kolben.urls uses for query strings.
    body = text.encode("utf-8")
    parsed = parse_urlencoded(body, max_form_memory_size=None, max_form_parts=None)
    reference = MultiDict(_fast_parse_qsl(body.decode("latin-1")))
    assert list(parsed.lists()) == list(reference.lists())


def test_parse_urlencoded_limits() -> None:
    assert parse_urlencoded(b"a=1&b=2", max_form_parts=2)["b"] == "2"
    with pytest.raises(RequestEntityTooLarge):
        parse_urlencoded(b"a=1&b=2&c=3", max_form_parts=2)
    with pytest.raises(RequestEntityTooLarge):
        parse_urlencoded(b"a=" + b"x" * 10, max_form_memory_size=10)


def test_urlencoded_never_blocks() -> None:
    assert not urlencoded().feed_may_block(10**9)


def test_declared_length_over_a_limit_is_refused_before_reading() -> None:
    with pytest.raises(RequestEntityTooLarge):
        urlencoded(content_length=11, max_form_memory_size=10)
    with pytest.raises(RequestEntityTooLarge):
        multipart(content_length=11, max_content_length=10)
    assert multipart(content_length=10, max_content_length=10) is not None


def test_max_content_length_is_enforced_by_feed() -> None:
    # Also without a declared length (chunked), as the ASGI path feeds it.
    parser = multipart(max_content_length=20)
    parser.feed(b"x" * 20)
    with pytest.raises(RequestEntityTooLarge):
        parser.feed(b"x")


def test_storage_class_is_used() -> None:
    form, files = feed_all(urlencoded(storage_class=MultiDict), b"a=1")
    assert type(form) is MultiDict
    assert type(files) is MultiDict
    form, files = feed_all(multipart(storage_class=MultiDict), body(part("a", b"1")))
    assert type(form) is MultiDict
    assert type(files) is MultiDict


# -- multipart -------------------------------------------------------------------


def test_multipart_fields_and_files() -> None:
    data = body(
        part("a", b"1"),
        part("a", b"zwei"),
        part("up", b"file\r\ndata", "r\u00e9sum\u00e9.txt", "Content-Type: text/plain\r\n"),
        part("empty", b"", ""),
        part("text", b"\xff\xfe"),
    )
    form, files = feed_all(multipart(), data, size=3)
    assert form.getlist("a") == ["1", "zwei"]
    assert form["text"] == "\ufffd\ufffd"
    upload = files["up"]
    assert isinstance(upload, FileStorage)
    assert (upload.name, upload.filename) == ("up", "résumé.txt")
    assert (upload.content_type, upload.mimetype) == ("text/plain", "text/plain")
    assert upload.headers["Content-Disposition"].startswith("form-data")
    assert upload.read() == b"file\r\ndata"
    assert upload.stream.tell() == len(b"file\r\ndata")
    # An empty file input: a file part with an empty name, falsy.
    assert files["empty"].filename == ""
    assert not files["empty"]
    for _, storage in files.items(multi=True):
        storage.close()


def test_part_without_a_name_uses_the_empty_key() -> None:
    data = f"--{B}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{B}--\r\n".encode()
    form, _ = feed_all(multipart(), data)
    assert form[""] == "x"


def test_filename_star_is_read_only_without_a_plain_filename() -> None:
    only_star = (
        f"--{B}\r\nContent-Disposition: form-data; name=\"f\"; filename*=UTF-8''%C3%BC.txt"
        f"\r\n\r\nx\r\n--{B}--\r\n"
    ).encode()
    _, files = feed_all(multipart(), only_star)
    assert files["f"].filename == "ü.txt"
    files["f"].close()
    both = (
        f'--{B}\r\nContent-Disposition: form-data; name="f"; filename="safe.txt";'
        f" filename*=UTF-8''evil.php\r\n\r\nx\r\n--{B}--\r\n"
    ).encode()
    _, files = feed_all(multipart(), both)
    assert files["f"].filename == "safe.txt"
    files["f"].close()


def test_nul_in_a_part_header_becomes_a_space() -> None:
    # RFC 9110 section 5.5: reject or replace with SP; the upload is kept.
    data = body(part("f", b"x", "evil.php\x00.png"))
    _, files = feed_all(multipart(), data)
    upload = files["f"]
    assert upload.filename == "evil.php .png"
    assert "\x00" not in upload.headers["Content-Disposition"]
    assert secure_filename(upload.filename) == "evil.php_.png"
    upload.close()


def test_empty_body_is_an_empty_form() -> None:
    form, files = multipart(content_length=0).close()
    assert (len(form), len(files)) == (0, 0)


def test_truncated_body_is_a_400_and_cleans_up() -> None:
    parser = multipart()
    data = body(part("f", b"x" * 100, "f.bin"))[:-20]
    parser.feed(data)
    streams = list(parser._streams)  # type: ignore[attr-defined]
    assert streams
    with pytest.raises(BadRequest):
        parser.close()
    assert all(stream.closed for stream in streams)


def test_done_stops_reading_before_the_epilogue() -> None:
    data = body(part("a", b"1")) + b"epilogue " * 10_000
    stream = RecordingStream(data)
    form, _ = multipart().parse_stream(stream, chunk_size=64)
    assert form["a"] == "1"
    assert stream.bytes_read < 200


def test_parse_stream_reads_at_most_one_byte_past_the_limit() -> None:
    stream = RecordingStream(b"a=" + b"x" * 100_000)
    with pytest.raises(RequestEntityTooLarge):
        urlencoded(max_form_memory_size=1000).parse_stream(stream)
    assert stream.bytes_read == 1001


def test_close_twice_is_an_error_and_abort_after_close_keeps_the_files() -> None:
    parser = multipart()
    parser.feed(body(part("f", b"data", "f.bin")))
    _, files = parser.close()
    with pytest.raises(RuntimeError):
        parser.close()
    parser.abort()
    assert files["f"].read() == b"data"
    files["f"].close()


# -- spooling and cleanup ----------------------------------------------------------


def test_small_declared_body_keeps_files_in_memory() -> None:
    data = body(part("f", b"x" * 100, "f.bin"))
    _, files = feed_all(multipart(content_length=len(data)), data, size=len(data))
    assert isinstance(files["f"].stream, io.BytesIO)
    files["f"].close()


def test_large_file_spills_to_a_temporary_file() -> None:
    payload = os.urandom(SPOOL_THRESHOLD + 1000)
    data = body(part("small", b"tiny", "s.bin"), part("big", payload, "b.bin"))
    parser = multipart()  # chunked: no declared length
    _, files = feed_all(parser, data, size=64 * 1024)
    small, big = files["small"].stream, files["big"].stream
    assert isinstance(big, tempfile.SpooledTemporaryFile)
    assert big._rolled  # type: ignore[attr-defined]  # on disk
    assert not small._rolled  # type: ignore[attr-defined]  # still in memory
    assert files["big"].read() == payload
    for _, storage in files.items(multi=True):
        storage.close()
    assert big.closed


def test_feed_may_block_once_a_file_could_reach_the_disk() -> None:
    parser = multipart()
    assert not parser.feed_may_block(1000)
    assert parser.feed_may_block(SPOOL_THRESHOLD + 1)
    head = f'--{B}\r\nContent-Disposition: form-data; name="f"; filename="f"\r\n\r\n'.encode()
    parser.feed(head + b"x" * (SPOOL_THRESHOLD - 100))
    assert parser.feed_may_block(200)
    assert not parser.feed_may_block(50)
    parser.abort()


def test_custom_stream_factory_is_assumed_to_block(tmp_path: Path) -> None:
    made: list[t.Any] = []

    def factory(
        total: int | None, content_type: str | None, filename: str | None, length: int | None
    ) -> t.IO[bytes]:
        made.append((total, content_type, filename, length))
        return tempfile.NamedTemporaryFile(dir=tmp_path)

    parser = multipart(stream_factory=factory, content_length=123)
    assert parser.feed_may_block(1)
    parser.feed(body(part("f", b"x", "a.txt", "Content-Type: text/plain\r\n")))
    assert made == [(123, "text/plain", "a.txt", None)]
    assert len(list(tmp_path.iterdir())) == 1
    parser.abort()
    # Closed, so removed from disk.
    assert list(tmp_path.iterdir()) == []


def test_abort_closes_every_stream_and_is_idempotent() -> None:
    parser = multipart()
    parser.feed(body(part("a", b"1", "a.bin"), part("b", b"2", "b.bin"))[:-10])
    streams = list(parser._streams)  # type: ignore[attr-defined]
    assert len(streams) == 2
    parser.abort()
    parser.abort()
    assert all(stream.closed for stream in streams)
    with pytest.raises(RuntimeError):
        parser.close()


def test_an_error_in_feed_cleans_up() -> None:
    parser = multipart(max_form_memory_size=10)
    parser.feed(part("f", b"data", "f.bin"))
    streams = list(parser._streams)  # type: ignore[attr-defined]
    with pytest.raises(RequestEntityTooLarge):
        parser.feed(part("text", b"x" * 11))
    assert all(stream.closed for stream in streams)


def test_default_stream_factory() -> None:
    assert isinstance(default_stream_factory(100, None, "a", None), io.BytesIO)
    spooled = default_stream_factory(None, None, "a", None)
    assert isinstance(spooled, tempfile.SpooledTemporaryFile)
    spooled.close()
    spooled = default_stream_factory(SPOOL_THRESHOLD + 1, None, "a", None)
    assert isinstance(spooled, tempfile.SpooledTemporaryFile)
    spooled.close()


# -- parse_form_data --------------------------------------------------------------


def test_parse_form_data_from_an_environ() -> None:
    environ = create_environ(method="POST", data={"a": "1", "f": (io.BytesIO(b"xyz"), "f.txt")})
    _stream, form, files = parse_form_data(environ)
    assert form["a"] == "1"
    assert files["f"].read() == b"xyz"
    files["f"].close()


def test_parse_form_data_not_a_form_leaves_the_body() -> None:
    environ = create_environ(method="POST", data=b"raw", content_type="text/plain")
    stream, form, files = parse_form_data(environ, cls=MultiDict)
    assert (len(form), len(files)) == (0, 0)
    assert stream.read() == b"raw"


def test_parse_form_data_limits() -> None:
    environ = create_environ(method="POST", data={"a": "x" * 100})
    with pytest.raises(RequestEntityTooLarge):
        parse_form_data(environ, max_form_memory_size=10)
    environ = create_environ(method="POST", data={"a": "1"})
    environ.pop("CONTENT_LENGTH")  # no length, no end marker: nothing to read
    _, form, _ = parse_form_data(environ)
    assert len(form) == 0


# -- real browser bodies -----------------------------------------------------------


def load_case(case: str) -> tuple[bytes, dict[str, t.Any]]:
    meta = json.loads((FIXTURES / f"{case}.json").read_text(encoding="utf-8"))
    return (FIXTURES / f"{case}.body").read_bytes(), meta


def test_fixtures_were_captured() -> None:
    assert {"chromium_text_and_files", "chromium_multiple_files", "chromium_urlencoded"} <= set(
        CASES
    )


def check_against_browser(form: t.Any, files: t.Any, meta: dict[str, t.Any]) -> None:
    assert [list(pair) for pair in form.items(multi=True)] == meta["fields"]
    got = [
        {
            "field": name,
            "filename": storage.filename,
            "content_b64": base64.b64encode(storage.read()).decode(),
        }
        for name, storage in files.items(multi=True)
    ]
    assert got == (meta["files"] if "multipart" in meta["content_type"] else [])


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("chunk", [1, 13, 4096, 1 << 20])
def test_browser_bodies_parse_whatever_the_chunking(case: str, chunk: int) -> None:
    data, meta = load_case(case)
    environ = create_environ(method="POST", data=data, content_type=meta["content_type"])
    with Request(environ) as request:
        mimetype = request.mimetype
        parser = FormDataParser.for_mimetype(
            mimetype, request.mimetype_params, content_length=len(data)
        )
        assert parser is not None
        form, files = feed_all(parser, data, size=chunk)
        check_against_browser(form, files, meta)
        for _, storage in files.items(multi=True):
            storage.close()


@pytest.mark.parametrize("case", CASES)
def test_browser_bodies_through_a_request(case: str) -> None:
    data, meta = load_case(case)
    environ = create_environ(method="POST", data=data, content_type=meta["content_type"])
    with Request(environ) as request:
        check_against_browser(request.form, request.files, meta)
        for _, storage in request.files.items(multi=True):
            assert secure_filename(storage.filename or "").isascii()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=40))
def test_any_split_of_a_browser_body_parses_the_same(sizes: list[int]) -> None:
    data, meta = load_case("chromium_text_and_files")
    parser = FormDataParser.for_mimetype(
        "multipart/form-data", {"boundary": meta["content_type"].partition("boundary=")[2]}
    )
    assert parser is not None
    pos = 0
    for size in sizes:
        parser.feed(data[pos : pos + size])
        pos += size
    parser.feed(data[pos:])
    form, files = parser.close()
    check_against_browser(form, files, meta)
    for _, storage in files.items(multi=True):
        storage.close()


@pytest.mark.parametrize("case", CASES)
def test_browser_bodies_parse_as_werkzeug_does(case: str) -> None:
    # Werkzeug (installed with Flask, a test-only oracle) reads the same
    # fields, file names, types and contents from what Chromium sent.
    data, meta = load_case(case)

    def environ() -> dict[str, t.Any]:
        env = create_environ(method="POST", data=data, content_type=meta["content_type"])
        env["wsgi.input"] = io.BytesIO(data)
        return env

    def summary(req: t.Any) -> tuple[t.Any, ...]:
        files = [(n, f.filename, f.content_type, f.read()) for n, f in req.files.items(multi=True)]
        return list(req.form.items(multi=True)), files

    with WerkzeugRequest(environ()) as theirs, Request(environ()) as ours:
        assert summary(ours) == summary(theirs)


# -- the urlencoded fast path of Request ---------------------------------------------


class Trickle(io.BytesIO):
    """A server stream that hands a body over a few bytes per read."""

    def read(self, size: int | None = -1) -> bytes:
        return super().read(min(3, size if size is not None and size >= 0 else 3))


def form_request(stream: t.Any, length: int) -> Request:
    environ = create_environ(method="POST")
    environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    environ["CONTENT_LENGTH"] = str(length)
    environ["wsgi.input"] = stream
    return Request(environ)


def test_form_body_in_several_reads() -> None:
    request = form_request(Trickle(b"a=1&b=%C3%BC"), 12)
    assert request.form.to_dict() == {"a": "1", "b": "ü"}
    assert request.stream.read() == b""
    assert request.get_data() == b""


@pytest.mark.parametrize("stream", [io.BytesIO(b"a=1"), Trickle(b"a=1")])
def test_form_body_shorter_than_declared_is_a_400(stream: t.Any) -> None:
    request = form_request(stream, 10)
    with pytest.raises(BadRequest):
        request.form  # noqa: B018
    assert len(request.form) == 0  # answered once; then empty


def test_form_body_read_error_is_a_400() -> None:
    class Broken(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise OSError("connection reset")

    with pytest.raises(BadRequest):
        form_request(Broken(), 5).form  # noqa: B018


def test_form_body_longer_than_declared_is_cut() -> None:
    class Generous(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            return super().read()  # ignores size, as a broken server might

    assert form_request(Generous(b"a=1&b=2"), 3).form.to_dict() == {"a": "1"}


def test_form_fast_path_limits() -> None:
    request = form_request(io.BytesIO(b"a=1&b=2&c=3"), 11)
    request.max_form_parts = 2
    with pytest.raises(RequestEntityTooLarge):
        request.form  # noqa: B018
    request = form_request(io.BytesIO(b"a=1&b=2&c=3"), 11)
    request.max_content_length = 10
    with pytest.raises(RequestEntityTooLarge):
        request.form  # noqa: B018


def test_non_canonical_content_length_takes_the_general_path() -> None:
    request = form_request(io.BytesIO(b"a=1"), 3)
    request.environ["CONTENT_LENGTH"] = " 3"
    assert request.form["a"] == "1"
    request = form_request(io.BytesIO(b"a=1"), 3)
    request.environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    request.environ["wsgi.input_terminated"] = True
    assert request.form["a"] == "1"
