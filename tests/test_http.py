"""Tests for kolben.http: dates, cookies, header grammar, negotiation, ranges, conditionals."""

from __future__ import annotations

import time
import warnings
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kolben.http as http
from kolben._status import HTTP_STATUS_CODES
from kolben.datastructures.accept import Accept, LanguageAccept, MIMEAccept
from kolben.datastructures.cache_control import RequestCacheControl, ResponseCacheControl
from kolben.datastructures.etag import ETags, IfRange
from kolben.datastructures.multidict import MultiDict
from kolben.datastructures.range import ContentRange, Range
from kolben.http import (
    MAX_RANGES,
    cookie_date,
    dump_cookie,
    dump_header,
    dump_options_header,
    generate_etag,
    http_date,
    is_resource_modified,
    parse_accept_header,
    parse_authorization_header,
    parse_cache_control_header,
    parse_content_range_header,
    parse_cookie,
    parse_date,
    parse_dict_header,
    parse_etags,
    parse_if_range_header,
    parse_list_header,
    parse_options_header,
    parse_range_header,
    parse_www_authenticate_header,
    quote_etag,
    quote_header_value,
    unquote_etag,
    unquote_header_value,
)

UTC = timezone.utc


def test_all_is_sorted_and_importable() -> None:
    assert http.__all__ == sorted(http.__all__)
    for name in http.__all__:
        assert getattr(http, name) is not None
    assert http.HTTP_STATUS_CODES is HTTP_STATUS_CODES


# -- dates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2015, 10, 21, 7, 28, tzinfo=UTC), "Wed, 21 Oct 2015 07:28:00 GMT"),
        (datetime(2015, 10, 21, 7, 28), "Wed, 21 Oct 2015 07:28:00 GMT"),
        (
            datetime(2015, 10, 21, 9, 28, tzinfo=timezone(timedelta(hours=2))),
            "Wed, 21 Oct 2015 07:28:00 GMT",
        ),
        (date(2015, 10, 21), "Wed, 21 Oct 2015 00:00:00 GMT"),
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (1445412480.9, "Wed, 21 Oct 2015 07:28:00 GMT"),
        (time.gmtime(0), "Thu, 01 Jan 1970 00:00:00 GMT"),
    ],
)
def test_http_date(value: object, expected: str) -> None:
    assert http_date(value) == expected  # type: ignore[arg-type]


def test_http_date_now_and_cookie_date_alias() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    parsed = parse_date(http_date())
    assert parsed is not None
    assert before - timedelta(seconds=1) <= parsed <= datetime.now(UTC)
    assert cookie_date is http_date


@pytest.mark.parametrize(
    "value",
    [
        "Sun, 06 Nov 1994 08:49:37 GMT",  # IMF-fixdate
        "Sunday, 06-Nov-94 08:49:37 GMT",  # obsolete RFC 850
        "Sun Nov  6 08:49:37 1994",  # obsolete asctime
        "  Sun, 06 Nov 1994 08:49:37 GMT  ",
        "Sun, 06 Nov 1994 10:49:37 +0200",
    ],
)
def test_parse_date_formats(value: str) -> None:
    assert parse_date(value) == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "yesterday",
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "x" * 10_000,
    ],
)
def test_parse_date_invalid(value: str | None) -> None:
    assert parse_date(value) is None


def test_parse_date_two_digit_year_is_never_far_in_the_future() -> None:
    parsed = parse_date("Sunday, 06-Nov-94 08:49:37 GMT")
    assert parsed is not None
    assert parsed.year == 1994
    this_year = datetime.now(UTC).year
    soon = (this_year + 10) % 100
    parsed = parse_date(f"Monday, 01-Jan-{soon:02d} 00:00:00 GMT")
    assert parsed is not None
    assert parsed.year == this_year + 10


def test_http_date_round_trip() -> None:
    moment = datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)
    assert parse_date(http_date(moment)) == moment


@given(st.text(max_size=200))
def test_parse_date_never_raises(value: str) -> None:
    result = parse_date(value)
    assert result is None or result.tzinfo is UTC


# -- cookies: parsing (RFC 6265 section 5.2, SECURITY.md "Cookies and sessions") ------


def test_parse_cookie_basic() -> None:
    cookies = parse_cookie("a=1; b=two; c=")
    assert isinstance(cookies, MultiDict)
    assert cookies.to_dict() == {"a": "1", "b": "two", "c": ""}


def test_parse_cookie_keeps_duplicates_in_order() -> None:
    cookies = parse_cookie("session=first; other=x; session=second")
    assert cookies["session"] == "first"
    assert cookies.getlist("session") == ["first", "second"]


def test_parse_cookie_skips_nameless_cookies() -> None:
    cookies = parse_cookie("=__Host-session=evil; bare; =; a=1")
    assert list(cookies.items(multi=True)) == [("a", "1")]
    assert "__Host-session" not in cookies


@pytest.mark.parametrize(
    "header",
    [
        "%5F_Host-x=evil",  # decodes to __Host-x, but names are never decoded
        "__Host%2Dx=evil",
        '"__Host-x"=evil',
        "__host-x=evil",
        "=__Host-x=evil",
    ],
)
def test_host_prefixed_cookie_cannot_be_shadowed(header: str) -> None:
    cookies = parse_cookie(f"{header}; __Host-x=real")
    assert cookies.getlist("__Host-x") == ["real"]


def test_parse_cookie_quoted_values() -> None:
    cookies = parse_cookie(r'a="quoted value"; b="x\"y\\z"; c="\303\251t\303\251"; d="\054\073"')
    assert cookies["a"] == "quoted value"
    assert cookies["b"] == 'x"y\\z'
    assert cookies["c"] == "été"
    assert cookies["d"] == ",;"


def test_parse_cookie_unquoted_specials_and_broken_quotes() -> None:
    cookies = parse_cookie('a=x,y"z; b="unterminated; c="\\"; d="\\777"; e=""')
    assert cookies["a"] == 'x,y"z'
    assert cookies["b"] == '"unterminated'
    assert cookies["c"] == '"\\"'
    assert cookies["d"] == "777"
    assert cookies["e"] == ""


def test_parse_cookie_from_environ_is_pep3333_latin1() -> None:
    environ = {"HTTP_COOKIE": "name=\xc3\xa9t\xc3\xa9; bad=\xff\xfe"}
    cookies = parse_cookie(environ)
    assert cookies["name"] == "été"
    assert cookies["bad"] == "\ufffd\ufffd"
    assert parse_cookie({}).to_dict() == {}


def test_parse_cookie_other_inputs() -> None:
    assert parse_cookie(None).to_dict() == {}
    assert parse_cookie(b"a=\xc3\xa9; b=\xff").to_dict() == {"a": "é", "b": "\ufffd"}
    assert parse_cookie("a=é")["a"] == "é"  # real text is used as is

    class Custom(MultiDict[str, str]):
        pass

    assert type(parse_cookie("a=1", cls=Custom)) is Custom


@given(st.text(max_size=300))
def test_parse_cookie_never_raises(header: str) -> None:
    cookies = parse_cookie(header)
    for key, _value in cookies.items(multi=True):
        assert key
        assert key == key.strip(" \t")


@given(st.binary(max_size=300))
def test_parse_cookie_never_raises_on_environ_bytes(raw: bytes) -> None:
    parse_cookie({"HTTP_COOKIE": raw.decode("latin-1")})


# -- cookies: dumping (RFC 6265 section 4.1) ------------------------------------


def test_dump_cookie_minimal() -> None:
    assert dump_cookie("a", "b") == "a=b; Path=/"
    assert dump_cookie("a", "b", path=None) == "a=b"


def test_dump_cookie_all_attributes() -> None:
    header = dump_cookie(
        "k",
        "v",
        max_age=60,
        expires=None,
        path="/app",
        domain=".example.com",
        secure=True,
        httponly=True,
        samesite="lax",
    )
    parts = header.split("; ")
    assert parts[0] == "k=v"
    assert "Domain=.example.com" in parts
    assert "Max-Age=60" in parts
    assert "Secure" in parts
    assert "HttpOnly" in parts
    assert "Path=/app" in parts
    assert "SameSite=Lax" in parts
    expires = next(p for p in parts if p.startswith("Expires="))
    moment = parse_date(expires[len("Expires=") :])
    assert moment is not None
    assert abs((moment - datetime.now(UTC)).total_seconds() - 60) < 5


def test_dump_cookie_max_age_timedelta_and_sync() -> None:
    assert "Max-Age=3600" in dump_cookie("a", max_age=timedelta(hours=1))
    header = dump_cookie("a", max_age=10, sync_expires=False)
    assert "Max-Age=10" in header
    assert "Expires" not in header


def test_dump_cookie_expires_forms() -> None:
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in dump_cookie("a", expires=0)
    moment = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert f"Expires={http_date(moment)}" in dump_cookie("a", expires=moment)
    assert "Expires=soon" in dump_cookie("a", expires="soon")
    with pytest.raises(ValueError, match="expires"):
        dump_cookie("a", expires="x\r\nSet-Cookie: evil=1")


def test_dump_cookie_quotes_values() -> None:
    header = dump_cookie("a", 'sp ace,comma;semi"quote\\slash é')
    value = header.split("; Path=")[0][2:]
    assert value.startswith('"')
    assert value.endswith('"')
    assert " " not in value
    assert ";" not in value
    assert "," not in value
    assert value.isascii()
    assert parse_cookie(f"a={value}")["a"] == 'sp ace,comma;semi"quote\\slash é'


@given(st.text(max_size=80))
def test_dump_cookie_value_round_trips(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return
    header = dump_cookie("k", value, path=None)
    assert "\r" not in header
    assert "\n" not in header
    assert header.isascii()
    assert parse_cookie(header)["k"] == value


@pytest.mark.parametrize("key", ["a\r\nb", "a\nb", "a\x00b", "a;b", "a=b", "", "é"])
def test_dump_cookie_rejects_bad_names(key: str) -> None:
    with pytest.raises(ValueError, match="cookie name"):
        dump_cookie(key, "v")


def test_dump_cookie_values_cannot_inject() -> None:
    header = dump_cookie("a", "x\r\nSet-Cookie: evil=1; Path=/x")
    assert "\r" not in header
    assert "\n" not in header
    assert header.count(";") == 1  # only the separator before Path=/
    header = dump_cookie("a", "v", path="/x;Domain=evil.com\r\n")
    assert "Path=/x%3BDomain=evil.com%0D%0A" in header


def test_dump_cookie_samesite() -> None:
    assert "SameSite=Strict" in dump_cookie("a", samesite="STRICT")
    assert "SameSite=None" in dump_cookie("a", samesite="none")
    with pytest.raises(ValueError, match="samesite"):
        dump_cookie("a", samesite="sometimes")


def test_dump_cookie_partitioned_forces_secure() -> None:
    header = dump_cookie("a", partitioned=True)
    assert "; Secure" in header
    assert header.endswith("; Partitioned")


def test_dump_cookie_domain() -> None:
    assert "Domain=.xn--exmple-cua.com" in dump_cookie("a", domain=".exämple.com")
    assert "Domain=xn--exmple-cua.com" in dump_cookie("a", domain="exämple.com")
    for bad in ["evil.com; Secure", "a\r\nb", "a b"]:
        with pytest.raises(ValueError, match="domain"):
            dump_cookie("a", domain=bad)


def test_dump_cookie_size_warning() -> None:
    with pytest.warns(UserWarning, match=r"'big' cookie is \d+ bytes, over the 4093-byte limit"):
        dump_cookie("big", "x" * 5000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dump_cookie("big", "x" * 5000, max_size=0)
        dump_cookie("ok", "x" * 100)


# -- header grammar (RFC 9110 section 5.6) ---------------------------------------------


def test_quote_header_value() -> None:
    assert quote_header_value("token") == "token"
    assert quote_header_value("two words") == '"two words"'
    assert quote_header_value('a"b\\c') == '"a\\"b\\\\c"'
    assert quote_header_value("") == '""'
    assert quote_header_value("token", allow_token=False) == '"token"'
    assert quote_header_value(42) == "42"


def test_unquote_header_value() -> None:
    assert unquote_header_value('"a\\"b\\\\c"') == 'a"b\\c'
    assert unquote_header_value("plain") == "plain"
    # Windows paths sent unescaped by browsers keep their backslashes.
    assert unquote_header_value('"C:\\dir\\file.txt"') == "C:\\dir\\file.txt"


@given(st.text(max_size=100))
def test_quote_unquote_round_trip(value: str) -> None:
    assert unquote_header_value(quote_header_value(value, allow_token=False)) == value


def test_parse_options_header() -> None:
    assert parse_options_header("Text/HTML; Charset=UTF-8") == ("text/html", {"charset": "UTF-8"})
    assert parse_options_header('form-data; name="a;b"; filename="x y.txt"') == (
        "form-data",
        {"name": "a;b", "filename": "x y.txt"},
    )
    assert parse_options_header(None) == ("", {})
    assert parse_options_header("") == ("", {})
    assert parse_options_header("text/plain; flag; =x; a b=c") == ("text/plain", {})
    assert parse_options_header('a; name="first"; name="second"') == ("a", {"name": "first"})
    assert parse_options_header('a; x="unterminated') == ("a", {"x": "unterminated"})


def test_parse_options_header_rfc2231() -> None:
    value, params = parse_options_header("attachment; filename*=UTF-8''%E2%82%AC%20rates.txt")
    assert (value, params) == ("attachment", {"filename": "€ rates.txt"})
    _, params = parse_options_header("attachment; filename*=iso-8859-1'en'%A3%20rates")
    assert params == {"filename": "£ rates"}
    _, params = parse_options_header("a; title*0*=UTF-8''%C3%A9; title*1*=t%C3%A9; title*2=!")
    assert params == {"title": "été!"}
    _, params = parse_options_header('a; k*0="ab"; k*1="cd"; k*3="gap"')
    assert params == {"k": "abcd"}


def test_filename_star_only_wins_when_clean() -> None:
    both = "attachment; filename=\"plain.txt\"; filename*=UTF-8''%C3%A9.txt"
    assert parse_options_header(both)[1]["filename"] == "é.txt"
    for bad in ["%FF.txt", "a%0Ab.txt", "a%00b", "nul%0D"]:
        header = f"attachment; filename=\"plain.txt\"; filename*=UTF-8''{bad}"
        assert parse_options_header(header)[1]["filename"] == "plain.txt"
    header = "attachment; filename=\"plain.txt\"; filename*=klingon''abc"
    assert parse_options_header(header)[1]["filename"] == "plain.txt"
    # Without a fallback, the best-effort reading is kept.
    assert parse_options_header("a; filename*=UTF-8''%FF.txt")[1]["filename"] == "\ufffd.txt"


@given(st.text(max_size=300))
def test_parse_options_header_never_raises(value: str) -> None:
    main, params = parse_options_header(value)
    assert main == main.lower()
    assert all(key == key.lower() for key in params)


def test_parse_options_header_is_linear_on_hostile_input() -> None:
    for hostile in ['"' * 100_000, "\\" * 100_000, ';"\\' * 30_000, "a*0*=" * 20_000]:
        parse_options_header("x;" + hostile)
        parse_list_header(hostile)
        parse_dict_header(hostile)


def test_dump_options_header() -> None:
    assert dump_options_header("text/html", {"charset": "utf-8"}) == "text/html; charset=utf-8"
    assert (
        dump_options_header("attachment", {"filename": "a b.txt", "flag": None})
        == 'attachment; filename="a b.txt"; flag'
    )
    assert dump_options_header(None, {"a": "b"}) == "a=b"


def test_parse_list_header() -> None:
    assert parse_list_header('token, "quoted, value", , d="x,y"') == [
        "token",
        "quoted, value",
        'd="x,y"',
    ]
    assert parse_list_header(None) == []
    assert parse_list_header(" , ,") == []
    assert parse_list_header('a, ""') == ["a", ""]  # an empty quoted string is a value


def test_parse_dict_header() -> None:
    assert parse_dict_header("A=b, c=\"d, e\", f, =skipped, g*=UTF-8''%C3%A9, c=again") == {
        "A": "b",
        "c": "d, e",
        "f": None,
        "g": "é",
    }
    assert parse_dict_header("") == {}


def test_dump_header() -> None:
    assert dump_header({"a": "b", "c": None, "d": "e f"}) == 'a=b, c, d="e f"'
    assert dump_header(["a", "b c"]) == 'a, "b c"'


@given(st.text(max_size=200))
def test_list_and_dict_headers_never_raise(value: str) -> None:
    assert all(isinstance(item, str) for item in parse_list_header(value))
    parse_dict_header(value)


# -- negotiation, caching, auth -------------------------------------------------------


def test_parse_accept_header() -> None:
    accept = parse_accept_header("text/html, application/json;q=0.5, */*;q=0.1", MIMEAccept)
    assert isinstance(accept, MIMEAccept)
    assert list(accept) == [("text/html", 1.0), ("application/json", 0.5), ("*/*", 0.1)]
    assert accept.provided


def test_parse_accept_header_quality_values() -> None:
    accept = parse_accept_header(
        "a;q=0.8, b;q=abc, c;q=2, d;q=nan, e;q=1e0, f;q=.5, g;q=0, h;q=1_0"
    )
    assert list(accept) == [("a", 0.8), ("f", 0.5), ("g", 0.0)]


def test_parse_accept_header_keeps_params_and_case() -> None:
    accept = parse_accept_header('text/html;level=1;q=0.3, text/x;a="b c"')
    assert list(accept) == [('text/x;a="b c"', 1.0), ("text/html;level=1", 0.3)]
    languages = parse_accept_header("en-US, de;q=0.5", LanguageAccept)
    assert languages.best == "en-US"


def test_parse_accept_header_missing() -> None:
    accept = parse_accept_header(None)
    assert type(accept) is Accept
    assert not accept.provided
    assert not accept
    assert accept.best is None
    assert parse_accept_header("").provided


@given(st.text(max_size=200))
def test_parse_accept_header_never_raises(value: str) -> None:
    accept = parse_accept_header(value, MIMEAccept)
    assert all(0 <= quality <= 1 for _value, quality in accept)
    accept.best_match(["text/html", "application/json"])
    assert isinstance(accept.to_header(), str)


def test_parse_cache_control_header() -> None:
    cc = parse_cache_control_header("Max-Age=60, no-cache, max-age=1, max-stale")
    assert isinstance(cc, RequestCacheControl)
    assert cc.max_age == 60
    assert cc.no_cache
    assert cc.max_stale is True
    updates: list[object] = []
    rcc = parse_cache_control_header("public", updates.append, ResponseCacheControl)
    rcc.max_age = 5
    assert updates == [rcc]
    assert rcc.to_header() == "public, max-age=5"
    empty = parse_cache_control_header(None)
    assert not empty.provided
    assert not empty


def test_parse_auth_headers() -> None:
    auth = parse_authorization_header("Basic dXNlcjpwYXNz")
    assert auth is not None
    assert (auth.username, auth.password) == ("user", "pass")
    assert parse_authorization_header("Basic ###") is None
    challenge = parse_www_authenticate_header('Basic realm="x"')
    assert challenge is not None
    assert challenge.realm == "x"


# -- entity tags ------------------------------------------------------------------------


def test_quote_and_unquote_etag() -> None:
    assert quote_etag("abc") == '"abc"'
    assert quote_etag("abc", weak=True) == 'W/"abc"'
    with pytest.raises(ValueError, match="entity tag"):
        quote_etag('a"b')
    assert unquote_etag('"abc"') == ("abc", False)
    assert unquote_etag('W/"abc"') == ("abc", True)
    assert unquote_etag("abc") == ("abc", False)
    assert unquote_etag(None) == (None, None)


def test_generate_etag() -> None:
    assert generate_etag(b"") == "da39a3ee5e6b4b0d3255bfef95601890afd80709"


def test_parse_etags() -> None:
    etags = parse_etags('"a", W/"b", c, "d')
    assert etags.as_set() == {"a", "c", "d"}
    assert etags.is_weak("b")
    assert etags.contains_weak("b")
    assert not etags.contains("b")
    assert parse_etags("*").star_tag
    assert parse_etags('"a", *').star_tag
    assert not parse_etags(None)
    assert not parse_etags(" , ")
    assert parse_etags('"a" junk, "b"').as_set() == {"a", "b"}
    assert parse_etags('""').as_set() == {""}


@given(st.text(max_size=200))
def test_parse_etags_never_raises(value: str) -> None:
    assert isinstance(parse_etags(value).to_header(), str)


def test_parse_if_range_header() -> None:
    assert parse_if_range_header('"abc"') == IfRange("abc")
    assert parse_if_range_header('W/"abc"') == IfRange("abc", weak=True)
    when = parse_if_range_header("Sun, 06 Nov 1994 08:49:37 GMT")
    assert when.date == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)
    assert when.etag is None
    assert not parse_if_range_header(None)


# -- ranges (RFC 9110 section 14, SECURITY.md "many, overlapping ranges") -----------------


def test_parse_range_header() -> None:
    rng = parse_range_header("bytes=0-499, -500, 9500-")
    assert rng is not None
    assert rng.units == "bytes"
    assert rng.ranges == [(0, 500), (-500, None), (9500, None)]
    exclusive = parse_range_header("bytes=0-499", make_inclusive=False)
    assert exclusive is not None
    assert exclusive.ranges == [(0, 499)]
    other = parse_range_header("Items = 1-2")
    assert other is not None
    assert other.units == "items"


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "bytes",
        "bytes=",
        "bytes=-",
        "bytes=5-4",
        "bytes=a-b",
        "bytes=-0",
        "bytes=0-1,x",
        "=0-1",
        "bytes=1-2-3",
        "bytes=٣-٤",
    ],
)
def test_parse_range_header_malformed(value: str | None) -> None:
    assert parse_range_header(value) is None


def test_parse_range_header_caps_the_number_of_ranges() -> None:
    ok = parse_range_header("bytes=" + ",".join(["0-0"] * MAX_RANGES))
    assert ok is not None
    assert len(ok.ranges) == MAX_RANGES
    assert parse_range_header("bytes=" + ",".join(["0-0"] * (MAX_RANGES + 1))) is None
    # A hostile header of many overlapping ranges costs one linear scan.
    assert parse_range_header("bytes=" + ",".join(["0-"] * 1_000_000)) is None
    assert parse_range_header("bytes=" + "," * 1_000_000 + "0-1") is None


def test_overlapping_ranges_are_kept_but_not_served_as_one() -> None:
    rng = parse_range_header("bytes=0-10, 5-20, 0-")
    assert rng is not None
    assert rng.ranges == [(0, 11), (5, 21), (0, None)]
    assert rng.range_for_length(100) is None


@given(st.text(max_size=200), st.booleans())
def test_parse_range_header_never_raises(value: str, inclusive: bool) -> None:
    rng = parse_range_header(value, make_inclusive=inclusive)
    if rng is not None:
        assert 1 <= len(rng.ranges) <= MAX_RANGES
        rng.range_for_length(1000)
        rng.to_header()


@given(st.lists(st.integers(0, 10**12), min_size=1, max_size=5))
def test_parse_range_header_round_trips(starts: list[int]) -> None:
    rng = Range("bytes", [(start, start + 10) for start in starts])
    assert parse_range_header(rng.to_header()) == rng


def test_parse_content_range_header() -> None:
    updates: list[object] = []
    cr = parse_content_range_header("bytes 0-499/1234", updates.append)
    assert cr is not None
    assert (cr.units, cr.start, cr.stop, cr.length) == ("bytes", 0, 500, 1234)
    cr.length = 2000
    assert updates == [cr]
    unsatisfied = parse_content_range_header("bytes */1234")
    assert unsatisfied == ContentRange("bytes", None, None, 1234)
    unknown = parse_content_range_header("bytes 0-499/*")
    assert unknown is not None
    assert unknown.length is None
    for bad in [
        None,
        "",
        "bytes 0-1234/1234",
        "bytes 5-4/10",
        "bytes */*",
        "bytes 0-1",
        "bytes x-1/2",
    ]:
        assert parse_content_range_header(bad) is None


@given(st.text(max_size=100))
def test_parse_content_range_header_never_raises(value: str) -> None:
    parse_content_range_header(value)


# -- conditional requests (RFC 9110 section 13) -------------------------------------------


LAST_MODIFIED = datetime(2020, 1, 1, tzinfo=UTC)


def test_if_none_match_uses_weak_comparison() -> None:
    assert not is_resource_modified(etag="abc", if_none_match='"abc"')
    assert not is_resource_modified(etag='"abc"', if_none_match='W/"abc"')
    assert not is_resource_modified(etag='W/"abc"', if_none_match='"x", "abc"')
    assert is_resource_modified(etag="abc", if_none_match='"other"')
    assert not is_resource_modified(etag="abc", if_none_match="*")


def test_if_none_match_beats_if_modified_since() -> None:
    environ = {
        "HTTP_IF_NONE_MATCH": '"old"',
        "HTTP_IF_MODIFIED_SINCE": http_date(LAST_MODIFIED + timedelta(days=1)),
    }
    # The date alone would say "not modified", but the tag differs.
    assert is_resource_modified(environ, etag="new", last_modified=LAST_MODIFIED)
    assert not is_resource_modified(
        {"HTTP_IF_MODIFIED_SINCE": environ["HTTP_IF_MODIFIED_SINCE"]},
        etag="new",
        last_modified=LAST_MODIFIED,
    )
    # Even when the resource has no tag at all.
    assert is_resource_modified(environ, last_modified=LAST_MODIFIED)


def test_if_modified_since() -> None:
    assert not is_resource_modified(if_modified_since=LAST_MODIFIED, last_modified=LAST_MODIFIED)
    assert not is_resource_modified(
        if_modified_since=http_date(LAST_MODIFIED),
        last_modified=LAST_MODIFIED.replace(tzinfo=None, microsecond=500),
    )
    assert is_resource_modified(
        if_modified_since=LAST_MODIFIED - timedelta(seconds=1), last_modified=LAST_MODIFIED
    )
    assert is_resource_modified(if_modified_since="garbage", last_modified=LAST_MODIFIED)
    assert is_resource_modified(if_modified_since=LAST_MODIFIED)
    assert is_resource_modified()


def test_if_match_failure_reports_not_modified() -> None:
    assert not is_resource_modified(etag="abc", if_match='"other"')
    assert not is_resource_modified(etag='W/"abc"', if_match='"abc"')  # strong comparison
    assert is_resource_modified(etag="abc", if_match='"abc"')
    assert is_resource_modified(etag="abc", if_match="*")


def test_if_range() -> None:
    environ = {"HTTP_IF_RANGE": '"abc"', "HTTP_IF_NONE_MATCH": '"abc"'}
    assert not is_resource_modified(environ, etag="abc", ignore_if_range=False)
    assert is_resource_modified(environ, etag="xyz", ignore_if_range=False)
    assert is_resource_modified(etag="abc", if_range='W/"abc"', ignore_if_range=False)
    assert is_resource_modified(etag='W/"abc"', if_range='"abc"', ignore_if_range=False)
    assert not is_resource_modified(
        last_modified=LAST_MODIFIED, if_range=http_date(LAST_MODIFIED), ignore_if_range=False
    )
    assert is_resource_modified(
        last_modified=LAST_MODIFIED,
        if_range=IfRange(date=LAST_MODIFIED - timedelta(1)),
        ignore_if_range=False,
    )
    # Ignored unless asked for.
    assert not is_resource_modified(environ, etag="abc")


def test_is_resource_modified_data_and_keywords() -> None:
    tag = generate_etag(b"body")
    assert not is_resource_modified(data=b"body", if_none_match=quote_etag(tag))
    assert not is_resource_modified(data=b"body", if_none_match=ETags([tag]))
    with pytest.raises(TypeError, match="etag"):
        is_resource_modified(etag="a", data=b"b")
    # A keyword overrides the environ's header.
    environ = {"HTTP_IF_NONE_MATCH": '"abc"'}
    assert is_resource_modified(environ, etag="abc", if_none_match=None)
