"""kolben.wrappers.byteranges: several ranges in one 206 (RFC 9110 section 14.6)."""

from __future__ import annotations

import io
import itertools
import re
import typing as t

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kolben.exceptions import RequestedRangeNotSatisfiable
from kolben.http import parse_range_header
from kolben.testing import create_environ, run_wsgi_app
from kolben.utils import send_file
from kolben.wrappers import Response
from kolben.wrappers.byteranges import COALESCE_GAP, MultipartByteranges, satisfiable_ranges

BODY = bytes(range(256)) * 8  # 2048 bytes


def parse_byteranges(content_type: str, body: bytes) -> list[tuple[str, str | None, bytes]]:
    """Split a multipart/byteranges body: ``[(content_range, content_type, data)]``."""
    boundary = content_type.partition("boundary=")[2].encode()
    assert body.endswith(b"--" + boundary + b"--\r\n")
    parts = []
    for chunk in body.split(b"--" + boundary)[1:-1]:
        assert chunk.startswith(b"\r\n")
        assert chunk.endswith(b"\r\n")
        head, _, data = chunk[2:-2].partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode("latin-1").split("\r\n"))
        parts.append((headers["Content-Range"], headers.get("Content-Type"), data))
    return parts


def ranged(
    header: str, body: bytes = BODY, method: str = "GET", **kw: t.Any
) -> tuple[str, dict[str, str], bytes]:
    environ = create_environ(method=method, headers={"Range": header})
    response = Response(body, mimetype="application/pdf", **kw)
    response = response.make_conditional(environ, accept_ranges=True)
    app_iter, status, headers = run_wsgi_app(response, environ)
    data = b"".join(app_iter)
    getattr(app_iter, "close", lambda: None)()
    return status, dict(headers), data


# -- resolving ranges ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "length", "expected"),
    [
        ("bytes=0-9", 100, [(0, 10)]),
        ("bytes=90-200", 100, [(90, 100)]),
        ("bytes=-10", 100, [(90, 100)]),
        ("bytes=-500", 100, [(0, 100)]),
        ("bytes=50-", 100, [(50, 100)]),
        ("bytes=100-", 100, []),
        ("bytes=100-200,300-", 100, []),
        ("bytes=0-0,-1", 100, [(0, 1), (99, 100)]),
        ("bytes=500-600,0-9", 1000, [(500, 601), (0, 10)]),  # the order asked for
        ("bytes=0-9,5-20", 1000, [(0, 21)]),  # overlapping: merged
        ("bytes=0-9,50-59", 1000, [(0, 60)]),  # a gap smaller than a part's headers
        ("bytes=0-9,200-209", 1000, [(0, 10), (200, 210)]),
        ("bytes=200-209,0-9,5-30", 1000, [(200, 210), (0, 31)]),
        ("bytes=-5", 0, [(0, 0)]),  # RFC 9110 14.1.1: satisfiable, and empty
        ("bytes=0-", 0, []),
    ],
)
def test_satisfiable_ranges(header: str, length: int, expected: list[tuple[int, int]]) -> None:
    parsed = parse_range_header(header)
    assert parsed is not None
    assert satisfiable_ranges(parsed.ranges, length) == expected


@given(
    st.lists(
        st.tuples(st.integers(0, 3000), st.one_of(st.none(), st.integers(1, 3000))),
        min_size=1,
        max_size=100,
    ),
    st.integers(0, 2500),
)
def test_merged_ranges_never_overlap_nor_exceed_the_body(
    raw: list[tuple[int, int | None]], length: int
) -> None:
    ranges = [(start, None if stop is None else max(stop, start + 1)) for start, stop in raw]
    spans = satisfiable_ranges(ranges, length)
    assert sum(stop - start for start, stop in spans) <= length
    ordered = sorted(spans)
    for (_, stop), (start, _) in itertools.pairwise(ordered):
        assert start > stop + COALESCE_GAP
    for start, stop in spans:
        assert 0 <= start <= stop <= length


# -- the 206 answers -------------------------------------------------------------------


def test_two_ranges_give_multipart_byteranges() -> None:
    status, headers, body = ranged("bytes=0-9,1000-1009")
    assert status == "206 PARTIAL CONTENT"
    assert headers["Content-Type"].startswith("multipart/byteranges; boundary=")
    assert "Content-Range" not in headers
    assert int(headers["Content-Length"]) == len(body)
    assert parse_byteranges(headers["Content-Type"], body) == [
        ("bytes 0-9/2048", "application/pdf", BODY[0:10]),
        ("bytes 1000-1009/2048", "application/pdf", BODY[1000:1010]),
    ]


def test_unsatisfiable_ranges_are_dropped_from_a_set() -> None:
    status, headers, body = ranged("bytes=0-9,5000-6000")
    assert status == "206 PARTIAL CONTENT"
    assert headers["Content-Range"] == "bytes 0-9/2048"
    assert body == BODY[:10]


def test_no_satisfiable_range_is_416() -> None:
    environ = create_environ(headers={"Range": "bytes=5000-6000,7000-"})
    with pytest.raises(RequestedRangeNotSatisfiable) as info:
        Response(BODY).make_conditional(environ, accept_ranges=True)
    assert info.value.get_response().headers["Content-Range"] == "bytes */2048"


def test_ranges_merging_into_the_whole_body_give_200() -> None:
    status, headers, body = ranged("bytes=" + ",".join(["0-"] * 100))
    assert status == "200 OK"
    assert body == BODY
    assert "Content-Range" not in headers


def test_head_with_several_ranges_has_the_length_but_no_body() -> None:
    _, get_headers, _ = ranged("bytes=0-9,1000-1009")
    status, headers, body = ranged("bytes=0-9,1000-1009", method="HEAD")
    assert status == "206 PARTIAL CONTENT"
    assert body == b""
    assert headers["Content-Length"] == get_headers["Content-Length"]
    assert re.fullmatch(r"multipart/byteranges; boundary=[0-9a-f]{32}", headers["Content-Type"])


def test_response_without_a_content_type() -> None:
    environ = create_environ(headers={"Range": "bytes=0-0,100-100"})
    response = Response(BODY)
    response.headers.remove("Content-Type")
    response.make_conditional(environ, accept_ranges=True)
    parts = parse_byteranges(response.headers["Content-Type"], response.get_data())
    assert [(cr, ct) for cr, ct, _ in parts] == [
        ("bytes 0-0/2048", None),
        ("bytes 100-100/2048", None),
    ]


@pytest.mark.parametrize("wrapper", ["file_wrapper", "plain"])
def test_send_file_reads_each_range_from_the_file(wrapper: str) -> None:
    file = io.BytesIO(BODY)
    environ = create_environ(headers={"Range": "bytes=1500-1599,10-19"})
    if wrapper == "plain":
        environ.pop("wsgi.file_wrapper", None)
    response = send_file(file, environ, mimetype="application/octet-stream")
    app_iter, status, headers = run_wsgi_app(response, environ)
    body = b"".join(app_iter)
    app_iter.close()
    assert status == "206 PARTIAL CONTENT"
    parts = parse_byteranges(dict(headers)["Content-Type"], body)
    # Out of order, as asked: the file is seekable.
    assert [data for _, _, data in parts] == [BODY[1500:1600], BODY[10:20]]
    assert file.closed


def test_a_body_that_cannot_seek_is_read_once_in_ascending_order() -> None:
    chunks = [BODY[i : i + 100] for i in range(0, len(BODY), 100)]
    body = MultipartByteranges(iter(chunks), [(1500, 1600), (10, 20), (150, 450)], 2048, "x/y")
    data = b"".join(body)
    parts = parse_byteranges(body.content_type, data)
    assert [cr for cr, _, _ in parts] == [
        "bytes 10-19/2048",
        "bytes 150-449/2048",
        "bytes 1500-1599/2048",
    ]
    assert [d for _, _, d in parts] == [BODY[10:20], BODY[150:450], BODY[1500:1600]]
    assert body.content_length == len(data)


def test_a_short_body_is_an_error_not_a_wrong_answer() -> None:
    body = MultipartByteranges(iter([b"x" * 10]), [(0, 5), (50, 60)], 100, None)
    with pytest.raises(OSError, match="ended"):
        b"".join(body)
    short_file = io.BytesIO(b"x" * 10)

    class Wrapper:
        file = short_file

        def __iter__(self) -> t.Iterator[bytes]:
            return iter(())

    body = MultipartByteranges(Wrapper(), [(0, 5), (8, 20)], 100, None)
    with pytest.raises(OSError, match="ended"):
        b"".join(body)


def test_closing_closes_the_source() -> None:
    file = io.BytesIO(BODY)

    class Wrapper:
        def __init__(self) -> None:
            self.file = file

        def close(self) -> None:
            file.close()

    body = MultipartByteranges(Wrapper(), [(0, 1), (500, 501)], 2048, None)
    body.close()
    assert file.closed
