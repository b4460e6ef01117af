"""Tests for kolben.wsgi: hosts, URLs, ClosingIterator and LimitedStream."""

from __future__ import annotations

import io
import typing as t
from collections.abc import Iterator

import pytest
import werkzeug.wsgi as wz_wsgi
from hypothesis import given
from hypothesis import strategies as st

from kolben.exceptions import ClientDisconnected, RequestEntityTooLarge, SecurityError
from kolben.testing import create_environ
from kolben.wrappers import Response
from kolben.wsgi import (
    ClosingIterator,
    FileWrapper,
    LimitedStream,
    get_content_length,
    get_current_url,
    get_host,
    get_input_stream,
    get_path_info,
    responder,
    wrap_file,
)


class Source(io.BytesIO):
    """An input stream that counts bytes read, optionally failing like a dropped socket."""

    def __init__(self, data: bytes, fail: bool = False) -> None:
        super().__init__(data)
        self.bytes_read = 0
        self.fail = fail

    def read(self, size: int | None = -1) -> bytes:
        if self.fail:
            raise OSError("connection reset")
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        if self.fail:
            raise OSError("connection reset")
        data = super().readline(size)
        self.bytes_read += len(data)
        return data


# -- get_host -----------------------------------------------------------------


def test_get_host() -> None:
    assert get_host(create_environ("/", "http://ex.com:8080/")) == "ex.com:8080"
    assert get_host(create_environ("/", "https://ex.com:443/")) == "ex.com"
    assert get_host(create_environ("/", "http://ex.com/")) == "ex.com"


def test_get_host_without_host_header() -> None:
    environ = create_environ()
    del environ["HTTP_HOST"]
    environ.update(SERVER_NAME="srv", SERVER_PORT="8000")
    assert get_host(environ) == "srv:8000"


def test_get_host_trusted_hosts() -> None:
    environ = create_environ("/", "http://sub.example.com/")
    assert get_host(environ, [".example.com"]) == "sub.example.com"
    assert get_host(environ, ["sub.example.com"]) == "sub.example.com"
    with pytest.raises(SecurityError) as info:
        get_host(environ, ["example.com"])
    assert info.value.code == 400


@pytest.mark.parametrize("host", ["evil.com/x", "a b", "u@evil.com", "ex.com:80:80"])
def test_get_host_malformed(host: str) -> None:
    environ = create_environ()
    environ["HTTP_HOST"] = host
    with pytest.raises(SecurityError):
        get_host(environ)


@given(st.text(max_size=40))
def test_get_host_returns_a_valid_host_or_raises(host: str) -> None:
    environ = create_environ()
    environ["HTTP_HOST"] = host
    try:
        result = get_host(environ)
    except SecurityError:
        return
    assert not any(c in result for c in "/ @\\?#\r\n\x00")


# -- get_current_url ----------------------------------------------------------


@pytest.fixture
def mounted() -> dict[str, t.Any]:
    return create_environ("/p/a%20b?x=1&y=%C3%BC", "https://ex.com:8443/root/")


def test_get_current_url(mounted: dict[str, t.Any]) -> None:
    assert get_current_url(mounted) == "https://ex.com:8443/root/p/a%20b?x=1&y=%C3%BC"
    assert get_current_url(mounted, strip_querystring=True) == "https://ex.com:8443/root/p/a%20b"
    assert get_current_url(mounted, root_only=True) == "https://ex.com:8443/root/"
    assert get_current_url(mounted, host_only=True) == "https://ex.com:8443/"


def test_get_current_url_trusted_hosts(mounted: dict[str, t.Any]) -> None:
    assert get_current_url(mounted, trusted_hosts=["ex.com"]).startswith("https://ex.com:8443/")
    with pytest.raises(SecurityError):
        get_current_url(mounted, trusted_hosts=["other.com"])


def test_get_current_url_quotes_unsafe_characters() -> None:
    environ = create_environ()
    environ["PATH_INFO"] = "/a b/\xc3\xbc"
    environ["QUERY_STRING"] = "q=<x>"
    assert get_current_url(environ) == "http://localhost/a%20b/%C3%BC?q=%3Cx%3E"


# -- content length and input stream ------------------------------------------


def test_get_content_length() -> None:
    environ = create_environ(method="POST", data=b"abc")
    assert get_content_length(environ) == 3
    environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    assert get_content_length(environ) is None
    environ = create_environ()
    environ["CONTENT_LENGTH"] = "bogus"
    assert get_content_length(environ) is None


def test_get_input_stream_is_capped() -> None:
    environ = create_environ(method="POST", data=b"abc")
    environ["wsgi.input"] = Source(b"abcdef")
    assert get_input_stream(environ).read() == b"abc"


def test_get_input_stream_max_content_length() -> None:
    environ = create_environ(method="POST", data=b"x" * 20)
    with pytest.raises(RequestEntityTooLarge):
        get_input_stream(environ, max_content_length=10).read()


# -- ClosingIterator ----------------------------------------------------------


def test_closing_iterator_calls_close_then_callbacks() -> None:
    events: list[str] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            return iter([b"a", b"b"])

        def close(self) -> None:
            events.append("body")

    it = ClosingIterator(Body(), [lambda: events.append("one"), lambda: events.append("two")])
    assert iter(it) is it
    assert list(it) == [b"a", b"b"]
    assert events == []
    it.close()
    assert events == ["body", "one", "two"]


def test_closing_iterator_single_callback_and_plain_iterable() -> None:
    events: list[str] = []
    it = ClosingIterator([b"x"], lambda: events.append("cb"))
    assert next(it) == b"x"
    with pytest.raises(StopIteration):
        next(it)
    it.close()
    assert events == ["cb"]
    ClosingIterator([b"x"]).close()  # no callbacks: nothing to do


def test_closing_iterator_closes_a_generator_mid_stream() -> None:
    events: list[str] = []

    def gen() -> Iterator[bytes]:
        try:
            yield b"1"
            yield b"2"
        finally:
            events.append("generator closed")

    it = ClosingIterator(gen())
    assert next(it) == b"1"
    it.close()
    assert events == ["generator closed"]


def test_closing_iterator_around_a_response() -> None:
    events: list[str] = []
    response = Response(b"body")
    response.call_on_close(lambda: events.append("response"))
    app_iter = response(create_environ(), lambda s, h, e=None: None)
    it = ClosingIterator(app_iter, lambda: events.append("outer"))
    assert b"".join(it) == b"body"
    it.close()
    assert events == ["response", "outer"]


def test_responder() -> None:
    @responder
    def app(environ: dict[str, t.Any], start_response: t.Any) -> Response:
        return Response(environ["PATH_INFO"])

    statuses: list[str] = []
    body = app(create_environ("/x"), lambda s, h, e=None: statuses.append(s))
    assert b"".join(body) == b"/x"
    assert statuses == ["200 OK"]


def test_wrap_file_falls_back_to_block_iteration() -> None:
    source = io.BytesIO(b"a" * 20)
    wrapper = wrap_file(create_environ(), source, buffer_size=8)
    assert list(wrapper) == [b"a" * 8, b"a" * 8, b"a" * 4]
    wrapper.close()
    assert source.closed


# -- LimitedStream ------------------------------------------------------------


def test_read_everything_stops_at_the_limit() -> None:
    source = Source(b"abcdef")
    stream = LimitedStream(source, 4)
    assert stream.read() == b"abcd"
    assert stream.read() == b""
    assert stream.is_exhausted
    assert source.bytes_read == 4
    assert stream.tell() == 4


def test_read_in_pieces() -> None:
    stream = LimitedStream(Source(b"abcdef"), 5)
    assert stream.read(2) == b"ab"
    assert not stream.is_exhausted
    assert stream.read(10) == b"cde"
    assert stream.read(1) == b""
    assert stream.read(0) == b""
    assert stream.is_exhausted


def test_read_none_means_everything() -> None:
    assert LimitedStream(Source(b"abcdef"), 6).read(None) == b"abcdef"


def test_readall() -> None:
    stream = LimitedStream(Source(b"abcdef"), 6)
    assert stream.read(1) == b"a"
    assert stream.readall() == b"bcdef"


def test_readline_patterns() -> None:
    stream = LimitedStream(Source(b"line1\nline2\nrest-beyond"), 16)
    assert stream.readline() == b"line1\n"
    assert stream.readline(3) == b"lin"
    assert stream.readline() == b"e2\n"
    assert stream.readline() == b"rest"
    assert stream.readline() == b""


def test_iteration_and_readlines() -> None:
    assert list(LimitedStream(Source(b"a\nb\nc"), 5)) == [b"a\n", b"b\n", b"c"]
    assert LimitedStream(Source(b"a\nb\nc-more"), 5).readlines() == [b"a\n", b"b\n", b"c"]


def test_readinto() -> None:
    stream = LimitedStream(Source(b"abcdef"), 5)
    buffer = bytearray(4)
    assert stream.readinto(buffer) == 4
    assert bytes(buffer) == b"abcd"
    assert stream.readinto(buffer) == 1
    assert buffer[:1] == b"e"


def test_works_under_a_buffered_reader() -> None:
    assert io.BufferedReader(LimitedStream(Source(b"abcdef"), 6)).read() == b"abcdef"


def test_zero_length() -> None:
    source = Source(b"abc")
    stream = LimitedStream(source, 0)
    assert stream.read() == b""
    assert stream.readline() == b""
    assert stream.is_exhausted
    assert source.bytes_read == 0


def test_exhaust_discards_the_rest() -> None:
    source = Source(b"abcdefgh")
    stream = LimitedStream(source, 6)
    assert stream.read(1) == b"a"
    stream.exhaust()
    assert stream.is_exhausted
    assert stream.read() == b""
    assert source.bytes_read == 6


def test_read_all_of_a_short_body_is_a_disconnect() -> None:
    with pytest.raises(ClientDisconnected) as info:
        LimitedStream(Source(b"abc"), 10).read()
    assert info.value.code == 400
    with pytest.raises(ClientDisconnected):
        LimitedStream(Source(b"abc"), 10).readall()


def test_partial_read_of_a_short_body_then_disconnect() -> None:
    stream = LimitedStream(Source(b"abc"), 10)
    assert stream.read(2) == b"ab"
    assert stream.read(5) == b"c"  # a short read is fine, like a socket
    with pytest.raises(ClientDisconnected):
        stream.read(5)


def test_readline_of_a_short_body_then_disconnect() -> None:
    stream = LimitedStream(Source(b"abc"), 10)
    assert stream.readline() == b"abc"
    with pytest.raises(ClientDisconnected):
        stream.readline()


def test_exhaust_of_a_short_body_is_a_disconnect() -> None:
    stream = LimitedStream(Source(b"abc"), 10)
    with pytest.raises(ClientDisconnected):
        stream.exhaust()


@pytest.mark.parametrize("method", ["read", "readline", "readall"])
def test_server_errors_become_client_disconnected(method: str) -> None:
    stream = LimitedStream(Source(b"abc", fail=True), 3)
    with pytest.raises(ClientDisconnected):
        getattr(stream, method)()


def test_declared_length_over_max_fails_before_reading() -> None:
    source = Source(b"x" * 100)
    with pytest.raises(RequestEntityTooLarge) as info:
        LimitedStream(source, 100, 10)
    assert info.value.code == 413
    assert source.bytes_read == 0


def test_unbounded_stream_reads_to_the_end() -> None:
    stream = LimitedStream(Source(b"x" * 200_000), None)
    assert len(stream.read()) == 200_000
    assert not stream.is_exhausted  # no declared length to exhaust
    assert stream.read() == b""


def _drain_in_big_pieces(stream: LimitedStream) -> None:
    while stream.read(50_000):
        pass


def _drain_by_lines(stream: LimitedStream) -> None:
    for _line in stream:
        pass


@pytest.mark.parametrize(
    "drain",
    [LimitedStream.read, LimitedStream.readall, _drain_in_big_pieces, _drain_by_lines],
    ids=["read", "readall", "read-big-pieces", "lines"],
)
def test_unbounded_stream_stops_one_byte_past_max(
    drain: t.Callable[[LimitedStream], t.Any],
) -> None:
    source = Source(b"x" * 100_000)
    stream = LimitedStream(source, None, 10)
    with pytest.raises(RequestEntityTooLarge):
        drain(stream)
    assert source.bytes_read <= 11


def test_unbounded_stream_at_exactly_max() -> None:
    stream = LimitedStream(Source(b"x" * 10), None, 10)
    assert stream.read() == b"x" * 10


@given(
    st.binary(max_size=300),
    st.integers(min_value=0, max_value=300),
    st.lists(st.integers(min_value=1, max_value=64), max_size=20),
)
def test_pieces_add_up_to_the_capped_body(data: bytes, limit: int, sizes: list[int]) -> None:
    limit = min(limit, len(data))
    stream = LimitedStream(Source(data + b"TRAILING"), limit)
    pieces = [stream.read(size) for size in sizes]
    pieces.append(stream.read())
    assert b"".join(pieces) == data[:limit]
    assert stream.is_exhausted


def test_file_wrapper_iterates_in_blocks_and_passes_file_methods_through() -> None:
    file = io.BytesIO(b"abcdefghij")
    wrapper = FileWrapper(file, buffer_size=4)
    assert wrapper.seekable()
    assert wrapper.seek(2) == 2
    assert wrapper.tell() == 2
    assert list(wrapper) == [b"cdef", b"ghij"]
    wrapper.close()
    assert file.closed
    # wrap_file hands the same wrapper out when the server has none.
    assert isinstance(wrap_file({}, io.BytesIO(b"x")), FileWrapper)


@pytest.mark.parametrize(
    ("path_info", "expected"),
    [
        ("/caf\xc3\xa9", "/caf\u00e9"),  # UTF-8 bytes carried as latin-1 (PEP 3333)
        ("/plain", "/plain"),
        ("/bad\xff", "/bad\ufffd"),  # not UTF-8: replaced, never an exception
        ("", ""),
    ],
)
def test_get_path_info_decodes_pep3333_text(path_info: str, expected: str) -> None:
    environ = {"PATH_INFO": path_info}
    assert get_path_info(environ) == expected == wz_wsgi.get_path_info(environ)
    assert get_path_info({}) == ""
