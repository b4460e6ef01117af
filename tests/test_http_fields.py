"""kolben.http.fields: the Werkzeug-named header-field helpers that proxies,
caches and extensions call (hop-by-hop and entity fields, Age, set-valued
headers, byte-range checks, COOP/COEP). Werkzeug 3.1.9 is the oracle where the
behaviour is Werkzeug's."""

from __future__ import annotations

from datetime import timedelta

import pytest
import werkzeug.http as wz_http
from hypothesis import given
from hypothesis import strategies as st

from kolben.datastructures import Headers, HeaderSet
from kolben.http import (
    COEP,
    COOP,
    dump_age,
    is_byte_range_valid,
    is_entity_header,
    is_hop_by_hop_header,
    parse_age,
    parse_set_header,
    remove_entity_headers,
    remove_hop_by_hop_headers,
)

NAMES = [
    "Connection", "keep-alive", "Proxy-Authenticate", "PROXY-AUTHORIZATION", "TE",
    "Trailer", "Transfer-Encoding", "Upgrade", "Content-Type", "content-length",
    "Expires", "Last-Modified", "Allow", "Content-MD5", "Content-Range", "Content-Location",
    "Content-Encoding", "Content-Language", "ETag", "Vary", "Set-Cookie", "X-Custom",
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_field_classification_matches_werkzeug(name: str) -> None:
    assert is_hop_by_hop_header(name) is wz_http.is_hop_by_hop_header(name)
    assert is_entity_header(name) is wz_http.is_entity_header(name)


def _sample() -> list[tuple[str, str]]:
    return [
        ("Content-Type", "text/plain"),
        ("Connection", "close"),
        ("X-Trace", "1"),
        ("Content-Length", "5"),
        ("Expires", "Thu, 01 Jan 1970 00:00:00 GMT"),
        ("Transfer-Encoding", "chunked"),
        ("Content-Location", "/a"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
    ]


def test_remove_hop_by_hop_headers_in_place_on_lists_and_headers() -> None:
    pairs = _sample()
    remove_hop_by_hop_headers(pairs)
    expected = [p for p in _sample() if p[0] not in ("Connection", "Transfer-Encoding")]
    assert pairs == expected
    headers = Headers(_sample())
    remove_hop_by_hop_headers(headers)
    assert headers.to_wsgi_list() == expected


def test_remove_entity_headers_keeps_expires_and_content_location_by_default() -> None:
    headers = Headers(_sample())
    remove_entity_headers(headers)
    assert [k for k, _ in headers.items()] == [
        "Connection", "X-Trace", "Expires", "Transfer-Encoding", "Content-Location",
        "Set-Cookie", "Set-Cookie",
    ]  # fmt: skip
    pairs = _sample()
    remove_entity_headers(pairs, allowed=["CONTENT-TYPE"])
    assert [k for k, _ in pairs] == [
        "Content-Type", "Connection", "X-Trace", "Transfer-Encoding", "Set-Cookie", "Set-Cookie"
    ]
    oracle = _sample()
    wz_http.remove_entity_headers(oracle, allowed=["CONTENT-TYPE"])
    assert pairs == oracle


def test_parse_set_header_case_insensitive_ordered_and_live() -> None:
    seen: list[str] = []
    hs = parse_set_header(
        'Accept-Encoding, "User-Agent", cookie', on_update=lambda s: seen.append(s.to_header())
    )
    assert isinstance(hs, HeaderSet)
    assert list(hs) == ["Accept-Encoding", "User-Agent", "cookie"]
    assert "user-agent" in hs
    assert hs.index("COOKIE") == 2
    hs.add("Origin")
    assert seen == ["Accept-Encoding, User-Agent, cookie, Origin"]
    assert list(parse_set_header(None)) == []
    assert list(parse_set_header("")) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", timedelta(0)),
        ("3600", timedelta(hours=1)),
        ("86400000", timedelta(days=1000)),
        (None, None),
        ("", None),
        ("-1", None),
        ("1.5", None),
        ("abc", None),
        ("9" * 30, None),
        ("\u0661\u0662", None),  # Arabic-Indic digits are not DIGIT
        (" 5", None),
        ("+5", None),
        ("5_0", None),
    ],
)
def test_parse_age(value: str | None, expected: timedelta | None) -> None:
    assert parse_age(value) == expected


@given(st.text(max_size=40))
def test_parse_age_never_raises_and_agrees_with_werkzeug_on_digits(value: str) -> None:
    got = parse_age(value)
    if value.isascii() and value.isdigit():
        assert got == wz_http.parse_age(value)
    else:
        assert got is None


def test_dump_age() -> None:
    assert dump_age(None) is None
    assert dump_age(0) == "0"
    assert dump_age(3600) == "3600"
    assert dump_age(timedelta(minutes=2, microseconds=999_999)) == "120"
    assert dump_age(timedelta(days=2)) == wz_http.dump_age(timedelta(days=2)) == "172800"
    with pytest.raises(ValueError, match="negative"):
        dump_age(-1)
    with pytest.raises(ValueError, match="negative"):
        dump_age(timedelta(seconds=-5))


RANGE_CASES = [
    (None, None, None), (None, None, 0), (None, None, -1), (0, None, 10), (None, 5, 10),
    (0, 10, 10), (0, 11, 10), (9, 10, 10), (10, 11, 10), (5, 5, 10), (6, 5, 10),
    (-1, 5, 10), (0, 1, None), (3, 3, None), (-2, 3, None), (0, 1, 0),
]  # fmt: skip


@pytest.mark.parametrize(("start", "stop", "length"), RANGE_CASES)
def test_is_byte_range_valid_matches_werkzeug(
    start: int | None, stop: int | None, length: int | None
) -> None:
    assert is_byte_range_valid(start, stop, length) is wz_http.is_byte_range_valid(
        start, stop, length
    )


def test_byte_range_examples() -> None:
    assert is_byte_range_valid(0, 500, 1000)
    assert not is_byte_range_valid(1000, 1001, 1000)
    assert not is_byte_range_valid(0, None, 1000)


def test_cross_origin_policies() -> None:
    assert COEP("require-corp") is COEP.REQUIRE_CORP
    assert COEP.UNSAFE_NONE.value == "unsafe-none"
    assert COOP("same-origin-allow-popups") is COOP.SAME_ORIGIN_ALLOW_POPUPS
    assert [p.value for p in COOP] == [p.value for p in wz_http.COOP]
    assert [p.value for p in COEP] == [p.value for p in wz_http.COEP]
    with pytest.raises(ValueError):
        COOP("cross-origin")
