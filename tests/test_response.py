"""Tests for kolben.wrappers.Response and its WSGI interface."""

from __future__ import annotations

import hashlib
import io
import json
import typing as t
import weakref
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kolben.datastructures import Headers, WWWAuthenticate
from kolben.exceptions import NotFound, RequestedRangeNotSatisfiable
from kolben.http import http_date, parse_date
from kolben.testing import create_environ
from kolben.wrappers import Request, Response

BODY = b"0123456789"


def run_wsgi(
    response: Response, environ: dict[str, t.Any] | None = None, method: str = "GET"
) -> tuple[str, Headers, bytes]:
    """Call ``response`` as a WSGI app, as a server would (closing the iterable)."""
    if environ is None:
        environ = create_environ(method=method)
    captured: list[t.Any] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Any:
        captured[:] = [status, headers]

    app_iter = response(environ, start_response)
    try:
        body = b"".join(app_iter)
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    return captured[0], Headers(captured[1]), body


def conditional(
    response: Response, headers: dict[str, str], method: str = "GET", **kwargs: t.Any
) -> tuple[str, Headers, bytes]:
    environ = create_environ(method=method, headers=headers)
    response.make_conditional(environ, **kwargs)
    return run_wsgi(response, environ)


# -- construction -------------------------------------------------------------


def test_str_body_is_utf8_with_length() -> None:
    r = Response("grüße")
    assert r.get_data() == b"gr\xc3\xbc\xc3\x9fe"
    assert r.headers["Content-Length"] == "7"
    assert r.content_length == 7
    assert r.status == "200 OK"
    assert r.status_code == 200
    assert r.is_sequence
    assert not r.is_streamed


def test_bytes_and_bytearray_bodies() -> None:
    assert Response(b"\x00\xff").data == b"\x00\xff"
    assert Response(bytearray(b"abc")).data == b"abc"
    assert Response().data == b""


def test_iterable_body_mixing_str_and_bytes() -> None:
    r = Response(["a", b"b", "ü"])
    assert r.is_sequence
    assert list(r.iter_encoded()) == [b"a", b"b", "ü".encode()]
    assert r.get_data() == "abü".encode()
    assert "Content-Length" not in r.headers
    _, headers, body = run_wsgi(r)
    assert headers["Content-Length"] == "4"
    assert body == "abü".encode()


def test_generator_body_is_streamed() -> None:
    def gen() -> Iterator[bytes]:
        yield b"a"
        yield b"b"

    r = Response(gen())
    assert r.is_streamed
    assert not r.is_sequence
    assert r.content_length is None
    _, headers, body = run_wsgi(r)
    assert body == b"ab"
    assert "Content-Length" not in headers


def test_get_data_buffers_a_stream() -> None:
    r = Response(iter([b"a", "b"]))
    assert r.get_data() == b"ab"
    assert r.is_sequence
    assert r.get_data(as_text=True) == "ab"


@pytest.mark.parametrize(
    ("status", "line", "code"),
    [
        (None, "200 OK", 200),
        (404, "404 NOT FOUND", 404),
        ("404", "404 NOT FOUND", 404),
        ("404 NOT FOUND", "404 NOT FOUND", 404),
        ("777 X", "777 X", 777),
        ("418 i'm a Teapot", "418 i'm a Teapot", 418),
        (299, "299 UNKNOWN", 299),
        ("299 UNKNOWN", "299 UNKNOWN", 299),
        (777, "777 UNKNOWN", 777),
        ("abc", "0 abc", 0),
    ],
)
def test_status_forms(status: int | str | None, line: str, code: int) -> None:
    r = Response(status=status)
    assert r.status == line
    assert r.status_code == code


def test_status_setters() -> None:
    r = Response()
    r.status_code = 201
    assert r.status == "201 CREATED"
    r.status = "202"
    assert (r.status, r.status_code) == ("202 ACCEPTED", 202)
    r.status = 503
    assert r.status == "503 SERVICE UNAVAILABLE"
    with pytest.raises(ValueError):
        r.status = ""
    with pytest.raises(ValueError):
        r.status = "200 OK\r\nX-Injected: 1"
    with pytest.raises(TypeError):
        r.status = 1.5  # type: ignore[assignment]


def test_custom_status_goes_out_unchanged() -> None:
    status, _, _ = run_wsgi(Response("x", "299 Something Odd"))
    assert status == "299 Something Odd"


# -- mimetype and charset -----------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "content_type"),
    [
        ({}, "text/html; charset=utf-8"),
        ({"mimetype": "text/plain"}, "text/plain; charset=utf-8"),
        ({"mimetype": "text/csv"}, "text/csv; charset=utf-8"),
        ({"mimetype": "application/json"}, "application/json"),
        ({"mimetype": "image/png"}, "image/png"),
        ({"mimetype": "application/xml"}, "application/xml; charset=utf-8"),
        ({"mimetype": "image/svg+xml"}, "image/svg+xml; charset=utf-8"),
        ({"mimetype": "text/plain; charset=latin-1"}, "text/plain; charset=latin-1"),
        ({"content_type": "text/plain"}, "text/plain"),
        ({"content_type": "x/y; a=b", "mimetype": "text/plain"}, "x/y; a=b"),
        ({"headers": {"Content-Type": "text/csv"}}, "text/csv"),
    ],
)
def test_content_type_rules(kwargs: dict[str, t.Any], content_type: str) -> None:
    r = Response(b"x", **kwargs)
    assert r.headers["Content-Type"] == content_type
    assert r.content_type == content_type


def test_mimetype_property() -> None:
    r = Response(b"x", content_type="Text/Plain; Charset=UTF-8")
    assert r.mimetype == "text/plain"
    assert r.mimetype_params == {"charset": "UTF-8"}
    r.mimetype = "text/xml"
    assert r.headers["Content-Type"] == "text/xml; charset=utf-8"
    r.mimetype = "application/octet-stream"
    assert r.headers["Content-Type"] == "application/octet-stream"


def test_default_mimetype_none() -> None:
    class Bare(Response):
        default_mimetype = None

    r = Bare(b"x")
    assert "Content-Type" not in r.headers
    assert r.mimetype is None


# -- body ---------------------------------------------------------------------


def test_set_data_updates_content_length() -> None:
    r = Response("abc")
    r.set_data("longer body")
    assert r.headers["Content-Length"] == "11"
    r.data = b""
    assert r.headers["Content-Length"] == "0"
    assert r.data == b""


def test_automatically_set_content_length_off() -> None:
    class NoLength(Response):
        automatically_set_content_length = False

    r = NoLength("abc")
    assert "Content-Length" not in r.headers
    _, headers, body = run_wsgi(r)
    assert "Content-Length" not in headers
    assert body == b"abc"


def test_freeze_loads_a_stream_and_sets_length() -> None:
    r = Response(iter([b"a", "bc"]))
    r.freeze()
    assert r.response == [b"a", b"bc"]
    assert r.headers["Content-Length"] == "3"


def test_iter_encoded() -> None:
    assert list(Response(["é", b"\xff"]).iter_encoded()) == [b"\xc3\xa9", b"\xff"]


def test_direct_passthrough_refuses_implicit_buffering() -> None:
    r = Response(iter([b"x"]), direct_passthrough=True)
    with pytest.raises(RuntimeError):
        r.get_data()
    assert r.calculate_content_length() is None


# -- headers ------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["a\r\nSet-Cookie: x", "a\nb", "a\rb", "a\x00b"])
def test_header_values_refuse_cr_lf_nul(bad: str) -> None:
    r = Response()
    with pytest.raises(ValueError):
        r.headers["X"] = bad
    with pytest.raises(ValueError):
        r.headers.add("X", bad)
    with pytest.raises(ValueError):
        r.headers.set("X", bad)
    with pytest.raises(ValueError):
        r.headers.extend([("X", bad)])
    with pytest.raises(ValueError):
        r.headers.update({"X": bad})
    with pytest.raises(ValueError):
        r.headers.setlist("X", [bad])
    with pytest.raises(ValueError):
        r.headers.add("Content-Disposition", "attachment", filename=bad)
    with pytest.raises(ValueError):
        Response(headers=[("X", bad)])
    with pytest.raises(ValueError):
        r.location = bad
    assert "X" not in r.headers
    assert "Location" not in r.headers


@pytest.mark.parametrize("bad", ["X\n", "X Y", "X:Y", ""])
def test_header_names_refuse_bad_characters(bad: str) -> None:
    with pytest.raises(ValueError):
        Response().headers[bad] = "v"


@given(
    st.text(min_size=0, max_size=30), st.sampled_from(["\r", "\n", "\x00"]), st.text(max_size=30)
)
def test_any_header_value_with_cr_lf_nul_is_refused(before: str, bad: str, after: str) -> None:
    with pytest.raises(ValueError):
        Response().headers["X-Any"] = before + bad + after


def test_headers_argument_forms() -> None:
    h = Headers([("X-A", "1")])
    assert Response(headers=h).headers is h
    assert Response(headers={"X-A": "1"}).headers["X-A"] == "1"
    assert Response(headers=[("X-A", "1"), ("X-A", "2")]).headers.getlist("X-A") == ["1", "2"]


# -- cookies ------------------------------------------------------------------


def cookies_of(r: Response) -> list[str]:
    return r.headers.getlist("Set-Cookie")


def test_set_cookie_every_parameter() -> None:
    r = Response()
    r.set_cookie(
        "sid",
        "abc",
        max_age=60,
        path="/app",
        domain="example.com",
        secure=True,
        httponly=True,
        samesite="Lax",
    )
    (cookie,) = cookies_of(r)
    parts = [p.strip() for p in cookie.split(";")]
    assert parts[0] == "sid=abc"
    assert "Max-Age=60" in parts
    assert "Path=/app" in parts
    assert "Domain=example.com" in parts
    assert "Secure" in parts
    assert "HttpOnly" in parts
    assert "SameSite=Lax" in parts
    expires = next(p for p in parts if p.startswith("Expires="))
    when = parse_date(expires.partition("=")[2])
    assert when is not None
    delta = when - datetime.now(timezone.utc)
    assert timedelta(seconds=55) < delta <= timedelta(seconds=61)


def test_set_cookie_defaults() -> None:
    r = Response()
    r.set_cookie("a")
    assert cookies_of(r) == ["a=; Path=/"]
    r = Response()
    r.set_cookie("a", "b", path=None)
    assert cookies_of(r) == ["a=b"]


def test_set_cookie_max_age_timedelta_and_explicit_expires() -> None:
    r = Response()
    r.set_cookie("a", "b", max_age=timedelta(hours=1))
    assert "Max-Age=3600" in cookies_of(r)[0]
    r = Response()
    r.set_cookie("a", "b", expires=datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert "Expires=Tue, 01 Jan 2030 00:00:00 GMT" in cookies_of(r)[0]
    assert "Max-Age" not in cookies_of(r)[0]


@pytest.mark.parametrize("samesite", ["Strict", "Lax", "None", "lax"])
def test_set_cookie_samesite(samesite: str) -> None:
    r = Response()
    r.set_cookie("a", "b", samesite=samesite)
    assert f"SameSite={samesite.title()}" in cookies_of(r)[0]


def test_set_cookie_bad_samesite() -> None:
    with pytest.raises(ValueError):
        Response().set_cookie("a", "b", samesite="bogus")


def test_partitioned_forces_secure() -> None:
    r = Response()
    r.set_cookie("a", "b", partitioned=True)
    parts = [p.strip() for p in cookies_of(r)[0].split(";")]
    assert "Partitioned" in parts
    assert "Secure" in parts


def test_cookie_values_are_quoted_never_injected() -> None:
    r = Response()
    r.set_cookie("a", "b c;d\r\nSet-Cookie: evil=1")
    (cookie,) = cookies_of(r)
    assert "\r" not in cookie
    assert "\n" not in cookie
    assert cookie.startswith('a="')
    # The value holds no bare ";", so no attribute can be smuggled in.
    value = cookie.split('"')[1]
    assert ";" not in value
    assert len(cookies_of(r)) == 1


@pytest.mark.parametrize("name", ["a;b", "a=b", "a\r\n", "", "a\x00"])
def test_bad_cookie_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        Response().set_cookie(name, "v")


@pytest.mark.parametrize("domain", ["ex.com;x", "ex.com\r\n", "ex com"])
def test_bad_cookie_domains_are_refused(domain: str) -> None:
    with pytest.raises(ValueError):
        Response().set_cookie("a", "v", domain=domain)


def test_cookie_path_cannot_add_attributes() -> None:
    r = Response()
    r.set_cookie("a", "v", path="/;Domain=evil.com\n")
    (cookie,) = cookies_of(r)
    attributes = [part.strip().partition("=")[0] for part in cookie.split(";")[1:]]
    assert attributes == ["Path"]
    assert "\n" not in cookie


def test_large_cookie_warns() -> None:
    r = Response()
    with pytest.warns(UserWarning, match="5000 bytes"):
        r.set_cookie("a", "x" * 5000)


def test_delete_cookie() -> None:
    r = Response()
    r.delete_cookie(
        "sid",
        path="/p",
        domain="ex.com",
        secure=True,
        httponly=True,
        samesite="Strict",
        partitioned=True,
    )
    parts = [p.strip() for p in cookies_of(r)[0].split(";")]
    assert parts[0] == "sid="
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in parts
    assert "Max-Age=0" in parts
    for expected in ("Path=/p", "Domain=ex.com", "Secure", "HttpOnly", "SameSite=Strict"):
        assert expected in parts
    assert "Partitioned" in parts


# -- header helpers -----------------------------------------------------------


def test_cache_control_writes_back() -> None:
    r = Response()
    r.cache_control.max_age = 30
    r.cache_control.public = True
    assert r.headers["Cache-Control"] == "max-age=30, public"
    assert r.cache_control.max_age == 30
    r.cache_control.no_store = True
    assert "no-store" in r.headers["Cache-Control"]
    cc = r.cache_control
    cc.max_age = None
    cc.public = False
    cc.no_store = False
    assert "Cache-Control" not in r.headers


def test_vary_and_allow_sets() -> None:
    r = Response()
    r.vary.add("Cookie")
    r.vary.add("Accept-Encoding")
    r.vary.add("cookie")
    assert r.headers["Vary"] == "Cookie, Accept-Encoding"
    r.allow.update(["GET", "HEAD"])
    assert r.headers["Allow"] == "GET, HEAD"
    assert "GET" in r.allow
    r.allow = ["POST"]
    assert r.headers["Allow"] == "POST"
    r.allow = None
    assert "Allow" not in r.headers


def test_date_properties() -> None:
    r = Response()
    r.expires = datetime(2030, 1, 1, tzinfo=timezone.utc)
    r.last_modified = 0
    r.date = 1_000_000_000
    assert r.headers["Expires"] == "Tue, 01 Jan 2030 00:00:00 GMT"
    assert r.headers["Last-Modified"] == "Thu, 01 Jan 1970 00:00:00 GMT"
    assert r.headers["Date"] == "Sun, 09 Sep 2001 01:46:40 GMT"
    assert r.expires == datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert r.last_modified == datetime(1970, 1, 1, tzinfo=timezone.utc)
    r.expires = None
    assert "Expires" not in r.headers
    assert r.expires is None


def test_retry_after() -> None:
    r = Response()
    r.retry_after = 120
    assert r.headers["Retry-After"] == "120"
    assert r.retry_after is not None
    remaining = r.retry_after - datetime.now(timezone.utc)
    assert timedelta(seconds=115) < remaining <= timedelta(seconds=120)
    r.retry_after = datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert r.headers["Retry-After"] == "Tue, 01 Jan 2030 00:00:00 GMT"


def test_location_relative_stays_relative() -> None:
    r = Response()
    r.location = "../rel?x=1"
    _, headers, _ = run_wsgi(r)
    assert headers["Location"] == "../rel?x=1"


def test_non_ascii_location_is_sent_as_uri() -> None:
    r = Response()
    r.location = "/über?q=ä ö#frag"
    _, headers, _ = run_wsgi(r)
    assert headers["Location"] == "/%C3%BCber?q=%C3%A4%20%C3%B6#frag"
    r = Response()
    r.location = "http://bücher.example/päth"
    _, headers, _ = run_wsgi(r)
    assert headers["Location"] == "http://xn--bcher-kva.example/p%C3%A4th"


def test_content_range() -> None:
    r = Response()
    r.content_range = "bytes 0-4/10"
    assert (r.content_range.start, r.content_range.stop, r.content_range.length) == (0, 5, 10)
    r = Response()
    r.content_range.set(5, 10, 10)
    assert r.headers["Content-Range"] == "bytes 5-9/10"
    r.content_range = None
    assert "Content-Range" not in r.headers


def test_www_authenticate_object_writes_back() -> None:
    r = Response(status=401)
    challenge = r.www_authenticate
    assert isinstance(challenge, WWWAuthenticate)
    assert "WWW-Authenticate" not in r.headers  # nothing sent until changed
    challenge.realm = "admin"
    assert r.headers["WWW-Authenticate"] == 'Basic realm="admin"'


def test_www_authenticate_assign_one_or_many() -> None:
    r = Response(status=401)
    r.www_authenticate = WWWAuthenticate("digest", {"realm": "a"})
    assert r.headers.getlist("WWW-Authenticate") == ['Digest realm="a"']
    r.www_authenticate = [WWWAuthenticate("basic", {"realm": "x"}), WWWAuthenticate("bearer")]
    assert r.headers.getlist("WWW-Authenticate") == ['Basic realm="x"', "Bearer"]
    first = r.www_authenticate
    assert (first.type, first.realm) == ("basic", "x")
    first.realm = "y"
    assert r.headers.getlist("WWW-Authenticate") == ['Basic realm="y"', "Bearer"]
    r.www_authenticate = None
    assert "WWW-Authenticate" not in r.headers


def test_misc_header_properties() -> None:
    r = Response()
    r.content_encoding = "gzip"
    r.content_language = "de"
    r.accept_ranges = "bytes"
    r.content_security_policy = "default-src 'self'"
    r.access_control_allow_origin = "*"
    r.access_control_allow_credentials = True
    r.access_control_max_age = timedelta(minutes=1)
    r.age = 5
    assert r.headers["Content-Encoding"] == "gzip"
    assert r.headers["Content-Language"] == "de"
    assert r.headers["Accept-Ranges"] == "bytes"
    assert r.headers["Content-Security-Policy"] == "default-src 'self'"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    assert r.access_control_allow_credentials is True
    assert r.access_control_max_age == 60
    assert r.age == timedelta(seconds=5)
    r.access_control_allow_methods.add("GET")
    assert r.headers["Access-Control-Allow-Methods"] == "GET"
    r.content_encoding = None
    assert "Content-Encoding" not in r.headers


# -- ETags --------------------------------------------------------------------


def test_set_and_get_etag() -> None:
    r = Response()
    assert r.get_etag() == (None, None)
    r.set_etag("abc")
    assert r.headers["ETag"] == '"abc"'
    assert r.get_etag() == ("abc", False)
    r.set_etag("abc", weak=True)
    assert r.headers["ETag"] == 'W/"abc"'
    assert r.get_etag() == ("abc", True)


def test_add_etag_hashes_the_body() -> None:
    r = Response(BODY)
    r.add_etag()
    assert r.get_etag() == (hashlib.sha1(BODY).hexdigest(), False)
    r.set_data(b"other")
    r.add_etag()  # an existing ETag is kept
    assert r.get_etag()[0] == hashlib.sha1(BODY).hexdigest()
    r.add_etag(overwrite=True)
    assert r.get_etag()[0] == hashlib.sha1(b"other").hexdigest()


# -- make_conditional ---------------------------------------------------------


def tagged() -> Response:
    r = Response(BODY)
    r.set_etag("abc")
    return r


def dated() -> Response:
    r = Response(BODY)
    r.last_modified = 1_000_000_000  # Sun, 09 Sep 2001 01:46:40 GMT
    return r


@pytest.mark.parametrize("if_none_match", ['"abc"', 'W/"abc"', '"x", "abc"', "*"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_if_none_match_gives_304(if_none_match: str, method: str) -> None:
    status, headers, body = conditional(tagged(), {"If-None-Match": if_none_match}, method)
    assert status == "304 NOT MODIFIED"
    assert body == b""
    assert headers["ETag"] == '"abc"'
    assert "Content-Type" not in headers
    assert "Date" in headers


def test_if_none_match_mismatch_gives_200() -> None:
    status, _, body = conditional(tagged(), {"If-None-Match": '"other"'})
    assert status == "200 OK"
    assert body == BODY


def test_conditional_only_for_get_and_head() -> None:
    status, _, body = conditional(tagged(), {"If-None-Match": '"abc"'}, "POST")
    assert status == "200 OK"
    assert body == BODY


def test_if_modified_since() -> None:
    status, _, body = conditional(dated(), {"If-Modified-Since": "Sun, 09 Sep 2001 01:46:40 GMT"})
    assert (status, body) == ("304 NOT MODIFIED", b"")
    status, _, body = conditional(dated(), {"If-Modified-Since": "Sun, 09 Sep 2001 01:46:39 GMT"})
    assert (status, body) == ("200 OK", BODY)
    status, _, _ = conditional(dated(), {"If-Modified-Since": "not a date"})
    assert status == "200 OK"


def test_if_none_match_wins_over_if_modified_since() -> None:
    r = tagged()
    r.last_modified = 1_000_000_000
    status, _, _ = conditional(
        r, {"If-None-Match": '"other"', "If-Modified-Since": "Sun, 09 Sep 2001 01:46:40 GMT"}
    )
    assert status == "200 OK"


def test_if_match_failure_gives_412() -> None:
    status, _, _ = conditional(tagged(), {"If-Match": '"xyz"'})
    assert status == "412 PRECONDITION FAILED"
    status, _, _ = conditional(tagged(), {"If-Match": 'W/"abc"'})  # strong comparison
    assert status == "412 PRECONDITION FAILED"
    status, _, body = conditional(tagged(), {"If-Match": '"abc"'})
    assert (status, body) == ("200 OK", BODY)
    status, _, _ = conditional(tagged(), {"If-Match": "*"})
    assert status == "200 OK"


def test_if_match_passing_and_if_none_match_matching_gives_304() -> None:
    status, _, _ = conditional(tagged(), {"If-Match": '"abc"', "If-None-Match": '"abc"'})
    assert status == "304 NOT MODIFIED"


def test_if_unmodified_since_failure_gives_412() -> None:
    status, _, _ = conditional(dated(), {"If-Unmodified-Since": "Sun, 09 Sep 2001 01:46:39 GMT"})
    assert status == "412 PRECONDITION FAILED"
    status, _, _ = conditional(dated(), {"If-Unmodified-Since": "Sun, 09 Sep 2001 01:46:40 GMT"})
    assert status == "200 OK"


@pytest.mark.parametrize(
    ("range_header", "content_range", "part"),
    [
        ("bytes=2-4", "bytes 2-4/10", b"234"),
        ("bytes=-3", "bytes 7-9/10", b"789"),
        ("bytes=8-", "bytes 8-9/10", b"89"),
        ("bytes=5-100", "bytes 5-9/10", b"56789"),
        ("bytes=0-0", "bytes 0-0/10", b"0"),
    ],
)
def test_range_gives_206(range_header: str, content_range: str, part: bytes) -> None:
    status, headers, body = conditional(Response(BODY), {"Range": range_header}, accept_ranges=True)
    assert status == "206 PARTIAL CONTENT"
    assert headers["Content-Range"] == content_range
    assert headers["Content-Length"] == str(len(part))
    assert headers["Accept-Ranges"] == "bytes"
    assert body == part


def test_range_with_explicit_complete_length_on_a_stream() -> None:
    r = Response(iter([b"01234", b"56789"]))
    status, headers, body = conditional(
        r, {"Range": "bytes=3-6"}, accept_ranges=True, complete_length=10
    )
    assert status == "206 PARTIAL CONTENT"
    assert headers["Content-Range"] == "bytes 3-6/10"
    assert body == b"3456"


def test_head_range_has_no_body() -> None:
    status, headers, body = conditional(
        Response(BODY), {"Range": "bytes=2-4"}, "HEAD", accept_ranges=True
    )
    assert status == "206 PARTIAL CONTENT"
    assert headers["Content-Length"] == "3"
    assert body == b""


@pytest.mark.parametrize("range_header", ["bytes=10-", "bytes=20-30"])
def test_unsatisfiable_range_is_416_with_content_range(range_header: str) -> None:
    r = Response(BODY)
    with pytest.raises(RequestedRangeNotSatisfiable) as info:
        r.make_conditional(create_environ(headers={"Range": range_header}), accept_ranges=True)
    error = info.value
    assert error.code == 416
    assert error.length == 10
    status, headers, _ = run_wsgi(error.get_response())
    assert status.startswith("416")
    assert headers["Content-Range"] == "bytes */10"


def test_unsatisfiable_range_closes_the_body() -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            return iter([BODY])

        def close(self) -> None:
            closed.append(True)

    r = Response(Body(), direct_passthrough=True)
    with pytest.raises(RequestedRangeNotSatisfiable):
        r.make_conditional(
            create_environ(headers={"Range": "bytes=50-"}), accept_ranges=True, complete_length=10
        )
    assert closed == [True]


@pytest.mark.parametrize(
    "range_header",
    [
        "bytes=abc",
        "bytes=5-2",
        "bytes",
        "items=0-1",
        "bytes=" + ",".join(f"{i}-{i}" for i in range(150)),
        "bytes=0-",
        "bytes=0-3,2-9",
    ],
    # Several satisfiable ranges give multipart/byteranges: tests/test_byteranges.py.
    ids=["garbage", "reversed", "no-spec", "unit", "many", "whole", "overlap-to-whole"],
)
def test_ignored_ranges_give_the_full_body(range_header: str) -> None:
    status, headers, body = conditional(Response(BODY), {"Range": range_header}, accept_ranges=True)
    assert status == "200 OK"
    assert body == BODY
    assert "Content-Range" not in headers


def test_range_ignored_without_accept_ranges() -> None:
    status, headers, body = conditional(Response(BODY), {"Range": "bytes=2-4"})
    assert (status, body) == ("200 OK", BODY)
    assert "Accept-Ranges" not in headers


def test_if_range_etag() -> None:
    status, _, body = conditional(
        tagged(), {"Range": "bytes=2-4", "If-Range": '"abc"'}, accept_ranges=True
    )
    assert (status, body) == ("206 PARTIAL CONTENT", b"234")
    status, _, body = conditional(
        tagged(), {"Range": "bytes=2-4", "If-Range": '"other"'}, accept_ranges=True
    )
    assert (status, body) == ("200 OK", BODY)


def test_if_range_date() -> None:
    exact = "Sun, 09 Sep 2001 01:46:40 GMT"
    status, _, body = conditional(
        dated(), {"Range": "bytes=2-4", "If-Range": exact}, accept_ranges=True
    )
    assert (status, body) == ("206 PARTIAL CONTENT", b"234")
    later = "Sun, 09 Sep 2001 01:46:41 GMT"
    status, _, body = conditional(
        dated(), {"Range": "bytes=2-4", "If-Range": later}, accept_ranges=True
    )
    assert (status, body) == ("200 OK", BODY)


def test_if_none_match_beats_range() -> None:
    # RFC 9110 section 13.2.2: the 304 check comes before Range.
    status, _, body = conditional(
        tagged(), {"Range": "bytes=2-4", "If-None-Match": '"abc"'}, accept_ranges=True
    )
    assert (status, body) == ("304 NOT MODIFIED", b"")


def test_make_conditional_accepts_a_request() -> None:
    environ = create_environ(headers={"If-None-Match": '"abc"'})
    r = tagged()
    assert r.make_conditional(Request(environ)) is r
    assert r.status_code == 304


# -- bodiless statuses and closing --------------------------------------------


@pytest.mark.parametrize(
    ("status", "method"), [(200, "HEAD"), (204, "GET"), (304, "GET"), (101, "GET")]
)
def test_bodiless_responses_send_no_body(status: int, method: str) -> None:
    _, headers, body = run_wsgi(Response(b"content", status), method=method)
    assert body == b""
    if status in (204, 101):
        # RFC 9110 section 8.6: never a Content-Length on 1xx and 204.
        assert "Content-Length" not in headers


def test_head_keeps_the_content_length_of_get() -> None:
    _, headers, body = run_wsgi(Response(BODY), method="HEAD")
    assert headers["Content-Length"] == "10"
    assert body == b""


@pytest.mark.parametrize(
    ("status", "method"), [(200, "GET"), (200, "HEAD"), (204, "GET"), (304, "GET")]
)
def test_close_runs_for_every_status_and_method(status: int, method: str) -> None:
    events: list[str] = []

    def gen() -> Iterator[bytes]:
        events.append("started")
        try:
            yield b"a"
        finally:
            events.append("generator closed")

    r = Response(gen(), status)
    r.call_on_close(lambda: events.append("callback"))
    run_wsgi(r, method=method)
    assert events[-1] == "callback"
    assert events.count("callback") == 1


def test_call_on_close_and_close() -> None:
    events: list[str] = []
    r = Response(b"x")
    returned = r.call_on_close(lambda: events.append("a"))
    r.call_on_close(lambda: events.append("b"))
    assert callable(returned)
    r.close()
    assert events == ["a", "b"]
    r.close()  # callbacks run once
    assert events == ["a", "b"]


def test_context_manager_closes() -> None:
    events: list[str] = []
    with Response(b"x") as r:
        r.call_on_close(lambda: events.append("closed"))
    assert events == ["closed"]


def test_direct_passthrough_with_callbacks_still_closes() -> None:
    events: list[str] = []
    source = io.BytesIO(b"file")
    r = Response(iter([source.read()]), direct_passthrough=True)
    r.call_on_close(lambda: events.append("cb"))
    _, _, body = run_wsgi(r)
    assert body == b"file"
    assert events == ["cb"]


# -- conversions and JSON -----------------------------------------------------


def test_force_type_rewraps_another_response_class() -> None:
    class Mine(Response):
        default_mimetype = "application/json"

    base = Response(b"x", 201)
    converted = Mine.force_type(base)
    assert isinstance(converted, Mine)
    assert converted.status_code == 201
    assert converted.get_data() == b"x"
    assert Mine.force_type(converted) is converted


def test_requests_and_responses_can_be_weakly_referenced() -> None:
    response = Response()
    request = Request(create_environ())
    assert weakref.ref(response)() is response
    assert weakref.ref(request)() is request


def test_force_type_runs_a_wsgi_app() -> None:
    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        start_response("202 ACCEPTED", [("X-From", "app"), ("Content-Type", "text/plain")])
        return [environ["PATH_INFO"].encode()]

    r = Response.force_type(app, create_environ("/path"))
    assert r.status_code == 202
    assert r.headers["X-From"] == "app"
    assert r.get_data() == b"/path"
    with pytest.raises(TypeError):
        Response.force_type(app)


def test_force_type_of_an_http_exception() -> None:
    r = Response.force_type(NotFound(), create_environ())
    assert r.status_code == 404


def test_from_app_buffered_and_lazy() -> None:
    closed: list[bool] = []

    class AppIter:
        def __iter__(self) -> Iterator[bytes]:
            yield b"a"
            yield b"b"

        def close(self) -> None:
            closed.append(True)

    def app(environ: dict[str, t.Any], start_response: t.Any) -> AppIter:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return AppIter()

    r = Response.from_app(app, create_environ(), buffered=True)
    assert r.get_data() == b"ab"
    assert closed == [True]

    def lazy(environ: dict[str, t.Any], start_response: t.Any) -> Iterator[bytes]:
        start_response("201 CREATED", [])
        yield b"late"

    r = Response.from_app(lazy, create_environ())
    assert r.status_code == 201
    assert r.get_data() == b"late"


def test_from_app_with_write_callable() -> None:
    def app(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
        write = start_response("200 OK", [])
        write(b"written ")
        return [b"returned"]

    assert Response.from_app(app, create_environ()).get_data() == b"written returned"


def test_json() -> None:
    r = Response(json.dumps({"a": [1]}), mimetype="application/json")
    assert r.is_json
    assert r.json == {"a": [1]}
    assert r.get_json() == {"a": [1]}
    plain = Response('{"a": 1}')
    assert not plain.is_json
    assert plain.json is None
    assert plain.get_json(force=True) == {"a": 1}
    problem = Response("[]", mimetype="application/problem+json")
    assert problem.get_json() == []


def test_json_malformed() -> None:
    r = Response('{"a": ', mimetype="application/json")
    assert r.get_json(silent=True) is None
    with pytest.raises(ValueError):
        r.get_json()


def test_repr() -> None:
    assert repr(Response(b"abc", 404)) == "<Response 3 bytes [404 NOT FOUND]>"
    assert "streamed" in repr(Response(iter([b"x"])))


def test_get_wsgi_response() -> None:
    app_iter, status, headers = Response(b"ab", 201).get_wsgi_response(create_environ())
    assert status == "201 CREATED"
    assert ("Content-Length", "2") in headers
    assert b"".join(app_iter) == b"ab"


def test_date_header_format_from_http_date() -> None:
    r = Response()
    r.date = datetime(2015, 10, 21, 7, 28, tzinfo=timezone.utc)
    assert r.headers["Date"] == http_date(datetime(2015, 10, 21, 7, 28, tzinfo=timezone.utc))
    assert r.headers["Date"] == "Wed, 21 Oct 2015 07:28:00 GMT"
