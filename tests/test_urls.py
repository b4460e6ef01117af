"""Tests for kolben.urls: IRI/URI conversion and the query-string helpers."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kolben.datastructures.multidict import MultiDict
from kolben.urls import _fast_parse_qsl, _url_encode, iri_to_uri, uri_to_iri

# -- iri_to_uri / uri_to_iri -----------------------------------------------------


@pytest.mark.parametrize(
    ("iri", "uri"),
    [
        ("http://☃.net/ä?q=ü#f", "http://xn--n3h.net/%C3%A4?q=%C3%BC#f"),
        ("http://u:p@ex.com:80/a b/%2F?x=1&y=a b", "http://u:p@ex.com:80/a%20b/%2F?x=1&y=a%20b"),
        ("/päth;x=1?q=1#frag ment", "/p%C3%A4th;x=1?q=1#frag%20ment"),
        ("http://[::1]:8080/ü", "http://[::1]:8080/%C3%BC"),
        ("mailto:ü@ex.com", "mailto:%C3%BC@ex.com"),
        ("http://ex.com/%E2%98%83", "http://ex.com/%E2%98%83"),
        ("http://ü@ä.de:8080", "http://%C3%BC@xn--4ca.de:8080"),
        ("/100%", "/100%25"),
        ("/a%zzb", "/a%25zzb"),
        ("/line\r\nbreak", "/line%0D%0Abreak"),
        ("", ""),
    ],
)
def test_iri_to_uri(iri: str, uri: str) -> None:
    assert iri_to_uri(iri) == uri
    assert iri_to_uri(uri) == uri  # idempotent


def test_iri_to_uri_bad_idna_host_is_percent_encoded() -> None:
    assert iri_to_uri("http://a..ü/") == "http://a..%C3%BC/"


def test_iri_to_uri_safe_conversion() -> None:
    odd = "http://ex.com/%zz|{}"
    assert iri_to_uri(odd, safe_conversion=True) == odd
    assert iri_to_uri("http://ex.com/a b", safe_conversion=True) == "http://ex.com/a%20b"
    assert iri_to_uri("http://ex.com/ä", safe_conversion=True) == "http://ex.com/%C3%A4"


@pytest.mark.parametrize(
    ("uri", "iri"),
    [
        ("http://xn--n3h.net/%C3%A4?q=%C3%BC%26#f", "http://☃.net/ä?q=ü%26#f"),
        ("http://ex.com/%2F%20%41%ff", "http://ex.com/%2F%20A%FF"),
        ("/a%3Fb%23c%25", "/a%3Fb%23c%25"),
        ("/%E2%80%AE", "/%E2%80%AE"),  # a bidi override stays escaped
        ("http://xn--zz/", "http://xn--zz/"),
        ("plain", "plain"),
    ],
)
def test_uri_to_iri(uri: str, iri: str) -> None:
    assert uri_to_iri(uri) == iri


@given(st.text(max_size=100))
def test_iri_round_trip_never_raises(value: str) -> None:
    uri = iri_to_uri(value)
    assert uri.isascii()
    assert iri_to_uri(uri) == uri
    uri_to_iri(value)
    uri_to_iri(uri)


# -- _url_encode --------------------------------------------------------------------


def test_url_encode_mapping() -> None:
    assert _url_encode({"a": [1, 2], "b": None, "c": "x y&z;=é", "d": b"q"}) == (
        "a=1&a=2&c=x+y%26z%3B%3D%C3%A9&d=q"
    )
    assert _url_encode({"t": ("x", None, "y")}) == "t=x&t=y"
    assert _url_encode(None) == ""
    assert _url_encode({}) == ""


def test_url_encode_pairs_multidict_and_sort() -> None:
    assert _url_encode([("b", 1), ("a", 2), ("b", 0)], sort=True) == "a=2&b=1&b=0"
    multi = MultiDict([("k", "1"), ("k", "2"), ("j", "#")])
    assert _url_encode(multi) == "k=1&k=2&j=%23"


@given(st.lists(st.tuples(st.text(max_size=10), st.text(max_size=10)), max_size=8))
def test_url_encode_round_trips_through_the_parser(pairs: list[tuple[str, str]]) -> None:
    pairs = [
        (key, value)
        for key, value in pairs
        if key and "\x00" not in key + value and _encodable(key + value)
    ]
    encoded = _url_encode(pairs)
    assert _fast_parse_qsl(encoded) == pairs


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# -- _fast_parse_qsl (SECURITY.md: ";" is never a separator) ----------------------------


def test_fast_parse_qsl_plain() -> None:
    assert _fast_parse_qsl("a=1&b=&c&&=d&a=2") == [
        ("a", "1"),
        ("b", ""),
        ("c", ""),
        ("", "d"),
        ("a", "2"),
    ]
    assert _fast_parse_qsl("") == []


def test_semicolon_is_not_a_separator() -> None:
    assert _fast_parse_qsl("a=1;b=2") == [("a", "1;b=2")]
    assert _fast_parse_qsl("a=%20;b=2&c=3") == [("a", " ;b=2"), ("c", "3")]


def test_fast_parse_qsl_decoding() -> None:
    assert _fast_parse_qsl("f=a+b%20c&e=%zz&p=100%&x=%2") == [
        ("f", "a b c"),
        ("e", "%zz"),
        ("p", "100%"),
        ("x", "%2"),
    ]
    assert _fast_parse_qsl("%2B=%26%3D") == [("+", "&=")]


def test_fast_parse_qsl_reads_pep3333_strings_as_utf8() -> None:
    wsgi = "é=ü".encode().decode("latin-1")
    assert _fast_parse_qsl(wsgi) == [("é", "ü")]
    assert _fast_parse_qsl("a=%C3%A9") == [("a", "é")]
    assert _fast_parse_qsl("bad=%FF&raw=\xff") == [("bad", "\ufffd"), ("raw", "\ufffd")]
    # Not a PEP 3333 string (already real text): still no exception.
    assert _fast_parse_qsl("k=€") == [("k", "€")]


@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=200))
def test_fast_parse_qsl_matches_the_stdlib_on_ascii(query: str) -> None:
    expected = parse_qsl(query, keep_blank_values=True, errors="replace", separator="&")
    assert _fast_parse_qsl(query) == expected


@given(st.text(max_size=200))
def test_fast_parse_qsl_never_raises(query: str) -> None:
    pairs = _fast_parse_qsl(query)
    assert all(isinstance(key, str) and isinstance(value, str) for key, value in pairs)
    assert len(pairs) <= query.count("&") + 1


@given(st.binary(max_size=200))
def test_fast_parse_qsl_never_raises_on_wsgi_bytes(raw: bytes) -> None:
    pairs = _fast_parse_qsl(raw.decode("latin-1"))
    assert len(pairs) <= raw.count(b"&") + 1
