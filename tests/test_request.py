"""Tests for kolben.wrappers.Request, built straight from WSGI environs."""

from __future__ import annotations

import base64
import io
import json
import typing as t
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kolben.datastructures import FileStorage, ImmutableMultiDict, MultiDict
from kolben.exceptions import (
    BadRequest,
    BadRequestKeyError,
    ClientDisconnected,
    HTTPException,
    RequestEntityTooLarge,
    SecurityError,
    UnsupportedMediaType,
)
from kolben.testing import EnvironBuilder, create_environ
from kolben.wrappers import Request, Response

FORM = "application/x-www-form-urlencoded"


class RecordingStream(io.BytesIO):
    """A ``wsgi.input`` that counts how many bytes the app pulled from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        data = super().readline(size)
        self.bytes_read += len(data)
        return data


def body_request(
    body: bytes,
    length: int | str | None = "auto",
    content_type: str | None = None,
    terminated: bool = False,
    method: str = "POST",
) -> tuple[Request, RecordingStream]:
    """A request whose body is ``body``, with full control of the length headers."""
    environ = create_environ(method=method)
    environ.pop("CONTENT_LENGTH", None)
    environ.pop("CONTENT_TYPE", None)
    if length == "auto":
        length = len(body)
    if length is not None:
        environ["CONTENT_LENGTH"] = str(length)
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    if terminated:
        environ["wsgi.input_terminated"] = True
    stream = RecordingStream(body)
    environ["wsgi.input"] = stream
    return Request(environ), stream


def env_request(**environ: t.Any) -> Request:
    """A GET request for ``/`` with ``environ`` keys set (or removed when None)."""
    base = create_environ()
    for key, value in environ.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return Request(base)


# -- URL attributes -----------------------------------------------------------


@pytest.fixture
def mounted() -> Request:
    environ = create_environ("/p/a%20b?x=1", "https://ex.com:8443/root/", method="POST")
    return Request(environ)


def test_url_attributes_of_a_mounted_app(mounted: Request) -> None:
    r = mounted
    assert r.method == "POST"
    assert r.scheme == "https"
    assert r.is_secure is True
    assert r.host == "ex.com:8443"
    assert r.server == ("ex.com", 8443)
    assert r.root_path == "/root"
    assert r.script_root == "/root"
    assert r.path == "/p/a b"
    assert r.full_path == "/p/a b?x=1"
    assert r.query_string == b"x=1"
    assert r.url == "https://ex.com:8443/root/p/a%20b?x=1"
    assert r.base_url == "https://ex.com:8443/root/p/a%20b"
    assert r.url_root == "https://ex.com:8443/root/"
    assert r.root_url == "https://ex.com:8443/root/"
    assert r.host_url == "https://ex.com:8443/"
    assert r.environ["SCRIPT_NAME"] == "/root"


def test_plain_http_request_is_not_secure() -> None:
    r = Request(create_environ("/"))
    assert r.scheme == "http"
    assert r.is_secure is False
    assert r.method == "GET"
    assert r.root_path == ""
    assert r.url == "http://localhost/"


def test_full_path_without_query_keeps_question_mark() -> None:
    assert Request(create_environ("/a")).full_path == "/a?"


def test_path_is_utf8_decoded_and_invalid_bytes_are_replaced() -> None:
    r = env_request(PATH_INFO="/\xc3\xbc/\xff")
    assert r.path == "/ü/\ufffd"
    assert r.url == "http://localhost/%C3%BC/%EF%BF%BD"


def test_url_quotes_unsafe_query_characters() -> None:
    r = env_request(QUERY_STRING='a=<b> "c"')
    assert r.url == "http://localhost/?a=%3Cb%3E%20%22c%22"


def test_method_is_upper_cased() -> None:
    assert env_request(REQUEST_METHOD="patch").method == "PATCH"


def test_server_without_a_numeric_port() -> None:
    assert env_request(SERVER_PORT="").server == ("localhost", None)
    assert env_request(SERVER_NAME=None).server is None


# -- host and trusted_hosts ---------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "header", "expected"),
    [
        ("http", "ex.com:80", "ex.com"),
        ("https", "ex.com:443", "ex.com"),
        ("https", "ex.com:80", "ex.com:80"),
        ("http", "ex.com:443", "ex.com:443"),
        ("http", "ex.com:8080", "ex.com:8080"),
        ("http", "[::1]:80", "[::1]"),
        ("http", "[::1]:8000", "[::1]:8000"),
    ],
)
def test_host_strips_the_default_port_of_the_scheme(
    scheme: str, header: str, expected: str
) -> None:
    assert env_request(HTTP_HOST=header, **{"wsgi.url_scheme": scheme}).host == expected


def test_host_falls_back_to_server_name_and_port() -> None:
    r = env_request(HTTP_HOST=None, SERVER_NAME="srv.local", SERVER_PORT="8000")
    assert r.host == "srv.local:8000"
    r = env_request(HTTP_HOST=None, SERVER_NAME="srv.local", SERVER_PORT="80")
    assert r.host == "srv.local"


@pytest.mark.parametrize(
    "bad_host",
    ["evil.com/x", "a b", "evil.com@good.com", "ex.com:80:80", "ex.com\r\nX: y", "a\\b", "h?x"],
)
def test_malformed_host_raises_security_error_400(bad_host: str) -> None:
    r = env_request(HTTP_HOST=bad_host)
    with pytest.raises(SecurityError) as info:
        r.host  # noqa: B018
    assert info.value.code == 400
    # Every URL built from the host is refused as well.
    for attr in ("url", "base_url", "host_url", "root_url"):
        with pytest.raises(SecurityError):
            getattr(r, attr)


@pytest.mark.parametrize(
    ("host", "trusted", "ok"),
    [
        ("example.com", ["example.com"], True),
        ("example.com:8080", ["example.com"], True),
        ("EXAMPLE.com", ["example.com"], True),
        ("a.example.com", [".example.com"], True),
        ("a.b.example.com", [".example.com"], True),
        ("example.com", [".example.com"], True),
        ("badexample.com", [".example.com"], False),
        ("a.example.com", ["example.com"], False),
        ("example.com.evil.com", ["example.com"], False),
        ("evil.com", ["example.com", ".example.org"], False),
        ("xn--bcher-kva.ch", ["bücher.ch"], True),
    ],
)
def test_trusted_hosts(host: str, trusted: list[str], ok: bool) -> None:
    r = env_request(HTTP_HOST=host)
    r.trusted_hosts = trusted
    if ok:
        assert r.host == host
        assert r.url.startswith(f"http://{host}/")
    else:
        with pytest.raises(SecurityError) as info:
            r.host  # noqa: B018
        assert info.value.code == 400
        with pytest.raises(SecurityError):
            r.url  # noqa: B018


def test_trusted_hosts_set_after_a_first_read_is_still_enforced() -> None:
    r = env_request(HTTP_HOST="evil.com")
    assert r.host == "evil.com"
    r.trusted_hosts = ["example.com"]
    with pytest.raises(SecurityError):
        r.host  # noqa: B018
    r.trusted_hosts = None
    assert r.host == "evil.com"


# -- args ---------------------------------------------------------------------


def test_args_is_an_immutable_multidict_with_repeated_keys() -> None:
    r = env_request(QUERY_STRING="a=1&b=2&a=3&empty=&flag")
    assert isinstance(r.args, ImmutableMultiDict)
    assert r.args["a"] == "1"
    assert r.args.getlist("a") == ["1", "3"]
    assert r.args["empty"] == ""
    assert r.args["flag"] == ""
    with pytest.raises(TypeError):
        r.args["new"] = "x"  # type: ignore[index]
    assert r.args is r.args


def test_semicolon_is_not_a_query_separator() -> None:
    r = env_request(QUERY_STRING="a=1;b=2&c=3")
    assert r.args.getlist("a") == ["1;b=2"]
    assert "b" not in r.args
    assert r.args["c"] == "3"
    # Also on the slow path (with escapes).
    r = env_request(QUERY_STRING="a=%41;b=2")
    assert r.args.to_dict(flat=False) == {"a": ["A;b=2"]}


def test_plus_and_percent_escapes() -> None:
    r = env_request(QUERY_STRING="q=a+b%2Bc&%C3%BC=%E2%82%AC&amp=%26")
    assert r.args["q"] == "a b+c"
    assert r.args["ü"] == "€"
    assert r.args["amp"] == "&"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("a=%ff%fe", "\ufffd\ufffd"),
        ("a=%C3", "\ufffd"),
        ("a=\xff", "\ufffd"),  # a raw 0xFF byte, as a server passes it (latin-1)
        ("a=\xc3\xbc", "ü"),  # raw UTF-8 bytes for "ü"
    ],
)
def test_invalid_utf8_in_query_becomes_replacement_character(query: str, expected: str) -> None:
    assert env_request(QUERY_STRING=query).args["a"] == expected


def test_broken_percent_escape_is_kept_literally() -> None:
    assert env_request(QUERY_STRING="a=%zz%4").args["a"] == "%zz%4"


def test_missing_arg_is_a_keyerror_and_a_400() -> None:
    r = env_request(QUERY_STRING="a=1")
    with pytest.raises(KeyError) as info:
        r.args["missing"]
    assert isinstance(info.value, BadRequestKeyError)
    assert isinstance(info.value, HTTPException)
    assert info.value.code == 400
    assert r.args.get("missing") is None
    assert r.args.get("a", type=int) == 1


def test_empty_query_gives_empty_args() -> None:
    assert env_request(QUERY_STRING="").args == MultiDict()
    assert env_request(QUERY_STRING=None).args == MultiDict()


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_any_query_string_bytes_parse_without_exception(raw: bytes) -> None:
    r = env_request(QUERY_STRING=raw.decode("latin-1"))
    for key, values in r.args.lists():
        assert isinstance(key, str)
        assert all(isinstance(v, str) for v in values)
    assert r.query_string == raw
    r.url  # noqa: B018 - must not raise either


# -- headers and cookies ------------------------------------------------------


def test_headers_are_case_insensitive_and_read_only() -> None:
    r = env_request(HTTP_X_FOO="bar", CONTENT_TYPE="text/plain", CONTENT_LENGTH="0")
    assert r.headers["X-Foo"] == "bar"
    assert r.headers["x-foo"] == "bar"
    assert r.headers.get("X-FOO") == "bar"
    assert r.headers.getlist("x-foo") == ["bar"]
    assert r.headers["Content-Type"] == "text/plain"
    assert "content-type" in r.headers
    with pytest.raises(KeyError):
        r.headers["X-Missing"]
    with pytest.raises(TypeError):
        r.headers["X-New"] = "1"  # type: ignore[index]


def test_cookies_rfc6265_edge_cases() -> None:
    r = env_request(HTTP_COOKIE='=nameless; a="q\\"x"; a=2; b=c=d; sp = x ; __Host-id=1')
    cookies = r.cookies
    assert cookies.getlist("a") == ['q"x', "2"]
    assert cookies["a"] == 'q"x'
    assert cookies["b"] == "c=d"
    assert cookies["sp"] == "x"
    assert cookies["__Host-id"] == "1"
    # A nameless cookie never becomes a cookie named "" that shadows others.
    assert "" not in cookies
    assert isinstance(cookies, ImmutableMultiDict)


def test_no_cookie_header_gives_empty_cookies() -> None:
    assert len(env_request(HTTP_COOKIE=None).cookies) == 0


def test_cookie_with_invalid_utf8_is_replaced() -> None:
    assert env_request(HTTP_COOKIE="a=\xff").cookies["a"] == "\ufffd"


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_any_cookie_header_parses_without_exception(raw: bytes) -> None:
    r = env_request(HTTP_COOKIE=raw.decode("latin-1"))
    for key, value in r.cookies.items(multi=True):
        assert isinstance(key, str)
        assert isinstance(value, str)


# -- content headers ----------------------------------------------------------


def test_content_headers() -> None:
    r = env_request(
        CONTENT_TYPE='Text/HTML; Charset=UTF-8; a="b c"',
        CONTENT_LENGTH="12",
        HTTP_CONTENT_ENCODING="gzip",
    )
    assert r.content_type == 'Text/HTML; Charset=UTF-8; a="b c"'
    assert r.mimetype == "text/html"
    assert r.mimetype_params == {"charset": "UTF-8", "a": "b c"}
    assert r.content_length == 12
    assert r.content_encoding == "gzip"


def test_no_content_type() -> None:
    r = env_request(CONTENT_TYPE=None)
    assert r.content_type is None
    assert r.mimetype == ""
    assert r.mimetype_params == {}


@pytest.mark.parametrize("value", ["abc", "-1", "+6", "6_0", "\u0663", "1e3", "0x10", ""])
def test_content_length_is_digits_only(value: str) -> None:
    assert env_request(CONTENT_LENGTH=value).content_length is None


def test_content_length_ignored_with_transfer_encoding() -> None:
    # RFC 9112 section 6.3: Transfer-Encoding wins over Content-Length.
    r = env_request(CONTENT_LENGTH="5", HTTP_TRANSFER_ENCODING="chunked")
    assert r.content_length is None


# -- negotiation, auth, client ------------------------------------------------


def test_accept_mimetypes() -> None:
    r = env_request(HTTP_ACCEPT="text/html;q=0.9, application/json, */*;q=0.1")
    accept = r.accept_mimetypes
    assert accept.best_match(["text/html", "application/json"]) == "application/json"
    assert accept.best_match(["image/png"]) == "image/png"  # through */*
    assert accept.best == "application/json"
    assert accept["text/html"] == 0.9
    assert "image/png" in accept
    assert accept.accept_json is True
    assert accept.accept_html is True


def test_accept_mimetypes_default_when_nothing_acceptable() -> None:
    r = env_request(HTTP_ACCEPT="text/html")
    assert r.accept_mimetypes.best_match(["application/xml"]) is None
    assert r.accept_mimetypes.best_match(["application/xml"], default="x/y") == "x/y"
    assert r.accept_mimetypes.accept_json is False


def test_accept_languages_charsets_encodings() -> None:
    r = env_request(
        HTTP_ACCEPT_LANGUAGE="de-CH, en;q=0.5",
        HTTP_ACCEPT_CHARSET="ISO-8859-1;q=0.5, UTF-8",
        HTTP_ACCEPT_ENCODING="br;q=0.5, gzip",
    )
    assert r.accept_languages.best == "de-CH"
    assert r.accept_languages.best_match(["en-US", "de"]) == "de"
    assert r.accept_languages["en"] == 0.5
    assert r.accept_charsets.best_match(["latin-1", "utf-8"]) == "utf-8"
    assert r.accept_encodings.best_match(["br", "gzip"]) == "gzip"
    assert "identity" not in r.accept_encodings


def test_missing_accept_headers() -> None:
    r = env_request(HTTP_ACCEPT=None)
    assert not r.accept_mimetypes
    assert r.accept_mimetypes.best is None


def test_authorization_basic() -> None:
    token = base64.b64encode(b"user:pa:ss").decode()
    r = env_request(HTTP_AUTHORIZATION=f"Basic {token}")
    auth = r.authorization
    assert auth is not None
    assert auth.type == "basic"
    assert auth.username == "user"
    assert auth.password == "pa:ss"


def test_authorization_from_builder_auth_tuple() -> None:
    r = Request(create_environ(auth=("ü", "p")))
    assert r.authorization is not None
    assert (r.authorization.username, r.authorization.password) == ("ü", "p")


def test_authorization_bearer_and_malformed() -> None:
    bearer = env_request(HTTP_AUTHORIZATION="Bearer abc.def").authorization
    assert bearer is not None
    assert (bearer.type, bearer.token) == ("bearer", "abc.def")
    assert env_request(HTTP_AUTHORIZATION="Basic !!!notbase64").authorization is None
    assert env_request(HTTP_AUTHORIZATION=None).authorization is None


def test_client_attributes() -> None:
    r = env_request(
        HTTP_USER_AGENT="Mozilla/5.0 (X11)",
        HTTP_REFERER="http://a.example/",
        HTTP_ORIGIN="http://o.example",
        REMOTE_ADDR="10.0.0.1",
        REMOTE_USER="bob",
    )
    assert r.user_agent.string == "Mozilla/5.0 (X11)"
    assert str(r.user_agent) == "Mozilla/5.0 (X11)"
    assert r.referrer == "http://a.example/"
    assert r.origin == "http://o.example"
    assert r.remote_addr == "10.0.0.1"
    assert r.remote_user == "bob"
    assert r.access_route == ["10.0.0.1"]


def test_missing_user_agent_is_falsy() -> None:
    r = env_request(HTTP_USER_AGENT=None)
    assert r.user_agent.string == ""
    assert not r.user_agent


def test_access_route_lists_forwarded_for_but_remote_addr_stays() -> None:
    r = env_request(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, , 2.2.2.2 ")
    assert r.access_route == ["1.1.1.1", "2.2.2.2"]
    assert r.remote_addr == "10.0.0.1"
    assert env_request(REMOTE_ADDR=None).access_route == []


# -- conditional and range headers --------------------------------------------


def test_conditional_headers() -> None:
    r = env_request(
        HTTP_IF_MODIFIED_SINCE="Sun, 06 Nov 1994 08:49:37 GMT",
        HTTP_IF_UNMODIFIED_SINCE="garbage",
        HTTP_DATE="Sunday, 06-Nov-94 08:49:37 GMT",
        HTTP_IF_NONE_MATCH='"a", W/"b"',
        HTTP_IF_MATCH="*",
    )
    expected = datetime(1994, 11, 6, 8, 49, 37, tzinfo=timezone.utc)
    assert r.if_modified_since == expected
    assert r.if_modified_since.tzinfo is not None
    assert r.if_unmodified_since is None
    assert r.date == expected
    assert r.if_none_match.contains("a")
    assert r.if_none_match.contains_weak("b")
    assert not r.if_none_match.contains("b")
    assert not r.if_none_match.star_tag
    assert r.if_match.star_tag
    assert r.if_match.contains("anything")


def test_if_range_and_range() -> None:
    r = env_request(HTTP_IF_RANGE='"abc"', HTTP_RANGE="bytes=0-499, -500, 9500-")
    assert r.if_range.etag == "abc"
    assert r.if_range.date is None
    assert r.range is not None
    assert r.range.units == "bytes"
    assert r.range.ranges == [(0, 500), (-500, None), (9500, None)]
    dated = env_request(HTTP_IF_RANGE="Sun, 06 Nov 1994 08:49:37 GMT")
    assert dated.if_range.date == datetime(1994, 11, 6, 8, 49, 37, tzinfo=timezone.utc)
    assert env_request(HTTP_RANGE="bytes=5-1").range is None
    assert env_request(HTTP_RANGE=None).range is None


def test_cache_control_and_pragma() -> None:
    r = env_request(HTTP_CACHE_CONTROL="max-age=0, no-store", HTTP_PRAGMA="no-cache")
    assert r.cache_control.max_age == 0
    assert r.cache_control.no_store is True
    assert not r.cache_control.no_cache
    assert "no-cache" in r.pragma


# -- body: data, stream and limits --------------------------------------------


def test_get_data_and_data() -> None:
    r, _ = body_request("grüße".encode())
    assert r.get_data() == "grüße".encode()
    assert r.data == "grüße".encode()
    assert r.get_data(as_text=True) == "grüße"


def test_get_data_as_text_replaces_invalid_utf8() -> None:
    r, _ = body_request(b"a\xffb")
    assert r.get_data(as_text=True) == "a\ufffdb"


def test_get_data_without_cache_consumes_the_stream() -> None:
    r, _ = body_request(b"abcdef")
    assert r.get_data(cache=False) == b"abcdef"
    assert r.get_data() == b""


def test_stream_is_capped_at_content_length() -> None:
    r, source = body_request(b"hello world and more", length=5)
    assert r.stream.read() == b"hello"
    assert r.stream.read() == b""
    assert source.bytes_read == 5
    assert r.input_stream is source


def test_stream_partial_reads_then_get_data() -> None:
    r, _ = body_request(b"abcdef")
    assert r.stream.read(2) == b"ab"
    assert r.get_data() == b"cdef"


def test_body_shorter_than_content_length_is_a_client_disconnect() -> None:
    r, _ = body_request(b"abc", length=10)
    with pytest.raises(ClientDisconnected) as info:
        r.get_data()
    assert info.value.code == 400


def test_body_without_length_or_terminator_reads_as_empty() -> None:
    r, source = body_request(b"something", length=None)
    assert r.get_data() == b""
    assert source.bytes_read == 0


@pytest.mark.parametrize("length", ["abc", "-1", "6_0"])
def test_body_with_invalid_length_reads_as_empty(length: str) -> None:
    r, source = body_request(b"abcdef", length=length)
    assert r.get_data() == b""
    assert source.bytes_read == 0


def test_chunked_body_reads_to_the_end() -> None:
    r, _ = body_request(b"chunked body", length=None, terminated=True)
    assert r.get_data() == b"chunked body"


def test_max_content_length_from_settings_refuses_declared_body_unread() -> None:
    r, source = body_request(b"x" * 100)
    r.settings = {"MAX_CONTENT_LENGTH": 10}
    assert r.max_content_length == 10
    with pytest.raises(RequestEntityTooLarge) as info:
        r.get_data()
    assert info.value.code == 413
    assert source.bytes_read == 0


def test_max_content_length_setter_overrides_settings() -> None:
    r, source = body_request(b"x" * 100)
    r.settings = {"MAX_CONTENT_LENGTH": 1000}
    r.max_content_length = 10
    assert r.max_content_length == 10
    with pytest.raises(RequestEntityTooLarge):
        r.stream.read()
    assert source.bytes_read == 0

    r, _ = body_request(b"abc")
    r.settings = {"MAX_CONTENT_LENGTH": 2}
    r.max_content_length = None  # lifted for this request only
    assert r.get_data() == b"abc"


def test_body_at_exactly_max_content_length_is_accepted() -> None:
    r, _ = body_request(b"x" * 10)
    r.settings = {"MAX_CONTENT_LENGTH": 10}
    assert r.get_data() == b"x" * 10


@pytest.mark.parametrize("size", [11, 100, 1_000_000])
def test_chunked_body_over_max_content_length_stops_reading(size: int) -> None:
    r, source = body_request(b"x" * size, length=None, terminated=True)
    r.settings = {"MAX_CONTENT_LENGTH": 10}
    with pytest.raises(RequestEntityTooLarge):
        r.get_data()
    # One byte past the limit is all it takes to know.
    assert source.bytes_read <= 11


def test_chunked_body_over_limit_read_in_big_pieces_stops_reading() -> None:
    r, source = body_request(b"x" * 1000, length=None, terminated=True)
    r.max_content_length = 10
    stream = r.stream
    assert stream.read(5) == b"xxxxx"
    with pytest.raises(RequestEntityTooLarge):
        stream.read(500)
    assert source.bytes_read <= 11


def test_chunked_body_at_exactly_the_limit_is_accepted() -> None:
    r, _ = body_request(b"x" * 10, length=None, terminated=True)
    r.max_content_length = 10
    assert r.get_data() == b"x" * 10


def test_shallow_request_may_not_read_the_body() -> None:
    environ = create_environ(method="POST", data=b"abc")
    r = Request(environ, shallow=True)
    with pytest.raises(RuntimeError):
        r.stream  # noqa: B018


# -- forms --------------------------------------------------------------------


def test_urlencoded_form() -> None:
    r, _ = body_request(b"a=1&b=x+y&a=%C3%BC&c=%ff", content_type=FORM)
    assert r.form.getlist("a") == ["1", "ü"]
    assert r.form["b"] == "x y"
    assert r.form["c"] == "\ufffd"
    assert isinstance(r.form, ImmutableMultiDict)
    assert len(r.files) == 0


def test_urlencoded_form_with_charset_parameter() -> None:
    r, _ = body_request(b"a=1", content_type=f"{FORM}; charset=utf-8")
    assert r.form["a"] == "1"


def test_semicolon_is_not_a_form_separator() -> None:
    r, _ = body_request(b"a=1;b=2&c=3", content_type=FORM)
    assert r.form.to_dict(flat=False) == {"a": ["1;b=2"], "c": ["3"]}


def test_form_missing_key_is_a_400() -> None:
    r, _ = body_request(b"a=1", content_type=FORM)
    with pytest.raises(BadRequestKeyError):
        r.form["b"]


def test_non_form_body_gives_empty_form_and_keeps_data() -> None:
    r, _ = body_request(b"a=1", content_type="text/plain")
    assert len(r.form) == 0
    assert r.get_data() == b"a=1"


def test_get_data_then_form_still_works() -> None:
    r, _ = body_request(b"a=1&b=2", content_type=FORM)
    assert r.get_data() == b"a=1&b=2"
    assert r.form.to_dict() == {"a": "1", "b": "2"}
    assert r.data == b"a=1&b=2"


def test_data_is_empty_once_the_form_was_parsed() -> None:
    r, _ = body_request(b"a=1&b=2", content_type=FORM)
    assert r.form["a"] == "1"
    assert r.get_data() == b""
    # The stream is the consumed body, not a disconnect.
    assert r.stream.read() == b""


def test_get_data_parse_form_data() -> None:
    r, _ = body_request(b"a=1", content_type=FORM)
    assert r.get_data(parse_form_data=True) == b""
    assert r.form["a"] == "1"


def test_form_larger_than_max_form_memory_size_is_413_unread() -> None:
    r, source = body_request(b"a=" + b"x" * 100, content_type=FORM)
    r.settings = {"MAX_FORM_MEMORY_SIZE": 10}
    with pytest.raises(RequestEntityTooLarge) as info:
        r.form  # noqa: B018
    assert info.value.code == 413
    assert source.bytes_read == 0


def test_max_form_memory_size_setter() -> None:
    r, _ = body_request(b"a=" + b"x" * 100, content_type=FORM)
    r.max_form_memory_size = 10
    with pytest.raises(RequestEntityTooLarge):
        r.form  # noqa: B018


def test_chunked_form_over_max_form_memory_size_stops_reading() -> None:
    r, source = body_request(
        b"a=" + b"x" * 100_000, content_type=FORM, terminated=True, length=None
    )
    r.settings = {"MAX_FORM_MEMORY_SIZE": 10}
    with pytest.raises(RequestEntityTooLarge):
        r.form  # noqa: B018
    assert source.bytes_read <= 11


def test_cached_body_over_max_form_memory_size_is_413() -> None:
    r, _ = body_request(b"a=" + b"x" * 100, content_type=FORM)
    r.settings = {"MAX_FORM_MEMORY_SIZE": 10}
    assert len(r.get_data()) == 102  # the raw body itself is not a form field
    with pytest.raises(RequestEntityTooLarge):
        r.form  # noqa: B018


def test_form_over_max_content_length_is_413_unread() -> None:
    r, source = body_request(b"a=1&b=2", content_type=FORM)
    r.settings = {"MAX_CONTENT_LENGTH": 3}
    with pytest.raises(RequestEntityTooLarge):
        r.form  # noqa: B018
    assert source.bytes_read == 0


def test_default_form_limits() -> None:
    r, _ = body_request(b"")
    assert r.max_content_length is None
    assert r.max_form_memory_size == 500_000
    assert r.max_form_parts == 1000


def test_too_many_urlencoded_fields_is_413() -> None:
    r, _ = body_request(b"&".join(b"f%d=1" % i for i in range(5)), content_type=FORM)
    r.settings = {"MAX_FORM_PARTS": 4}
    with pytest.raises(RequestEntityTooLarge):
        r.form  # noqa: B018
    r, _ = body_request(b"&".join(b"f%d=1" % i for i in range(4)), content_type=FORM)
    r.settings = {"MAX_FORM_PARTS": 4}
    assert len(r.form) == 4


def test_max_form_parts_setter_and_default() -> None:
    body = b"&".join(b"f=1" for _ in range(1001))
    r, _ = body_request(body, content_type=FORM)
    with pytest.raises(RequestEntityTooLarge):
        r.form  # noqa: B018
    r, _ = body_request(body, content_type=FORM)
    r.max_form_parts = None
    assert len(r.form.getlist("f")) == 1001


def test_values_combines_args_and_form_except_for_get() -> None:
    r, _ = body_request(b"a=form&b=2", content_type=FORM)
    r.environ["QUERY_STRING"] = "a=arg"
    assert r.values.getlist("a") == ["arg", "form"]
    assert r.values["b"] == "2"

    environ = create_environ("/?a=arg", method="GET")
    environ["CONTENT_TYPE"] = FORM
    environ["CONTENT_LENGTH"] = "6"
    environ["wsgi.input"] = io.BytesIO(b"a=form")
    get = Request(environ)
    assert get.values.getlist("a") == ["arg"]


def test_multipart_form_and_files_and_close_closes_uploads() -> None:
    body = (
        b'--x\r\nContent-Disposition: form-data; name="field"\r\n\r\nv\r\n'
        b'--x\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\ndata\r\n--x--\r\n"
    )
    r, _ = body_request(body, content_type="multipart/form-data; boundary=x")
    assert r.form["field"] == "v"
    upload = r.files["f"]
    assert isinstance(upload, FileStorage)
    assert (upload.filename, upload.name, upload.mimetype) == ("a.txt", "f", "text/plain")
    assert upload.read() == b"data"
    assert not upload.stream.closed
    r.close()
    assert upload.stream.closed


def test_close_without_files_and_context_manager() -> None:
    r, _ = body_request(b"x")
    r.close()
    with Request(create_environ()) as req:
        assert req.method == "GET"


# -- JSON ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/vnd.api+json"],
)
def test_get_json(content_type: str) -> None:
    r, _ = body_request(b'{"a": [1, 2]}', content_type=content_type)
    assert r.is_json
    assert r.get_json() == {"a": [1, 2]}
    assert r.json == {"a": [1, 2]}


@pytest.mark.parametrize("content_type", ["text/plain", "text/json", "application/jsonx", None])
def test_json_with_other_content_type_is_415(content_type: str | None) -> None:
    r, _ = body_request(b'{"a": 1}', content_type=content_type)
    assert not r.is_json
    with pytest.raises(UnsupportedMediaType) as info:
        r.get_json()
    assert info.value.code == 415
    assert r.get_json(silent=True) is None
    assert r.get_json(force=True) == {"a": 1}


@pytest.mark.parametrize(
    "body", [b'{"a": ', b"", b"\xff\xfe", b'"\xff"', b"{'a': 1}", b"[1,]", b"1" * 5000]
)
def test_malformed_json_is_400(body: bytes) -> None:
    r, _ = body_request(body, content_type="application/json")
    with pytest.raises(BadRequest) as info:
        r.get_json()
    assert info.value.code == 400
    assert r.get_json(silent=True) is None


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000],
    ids=["arrays", "objects"],
)
def test_deeply_nested_json_is_400_not_recursion_error(body: bytes) -> None:
    r, _ = body_request(body, content_type="application/json")
    with pytest.raises(BadRequest):
        r.get_json()
    r, _ = body_request(body, content_type="application/json")
    assert r.get_json(silent=True) is None


def test_json_error_message_generic_unless_debug() -> None:
    r, _ = body_request(b'{"a": ', content_type="application/json")
    with pytest.raises(BadRequest) as info:
        r.get_json()
    assert "Expecting" not in str(info.value.description)
    r, _ = body_request(b'{"a": ', content_type="application/json")
    r.settings = {"DEBUG": True}
    with pytest.raises(BadRequest) as info:
        r.get_json()
    assert "Expecting value" in str(info.value.description)


def test_json_silent_and_non_silent_are_cached_separately() -> None:
    r, _ = body_request(b'{"a": ', content_type="application/json")
    assert r.get_json(silent=True) is None
    with pytest.raises(BadRequest):
        r.get_json()
    assert r.get_json(silent=True) is None


def test_json_result_is_cached() -> None:
    r, _ = body_request(b'{"a": 1}', content_type="application/json")
    first = r.get_json()
    assert r.get_json() is first
    assert r.get_json(silent=True) is first
    assert r.get_json(cache=False) == first
    assert r.get_json(cache=False) is not first


def test_json_uses_json_module() -> None:
    class Loader:
        @staticmethod
        def loads(data: bytes, **kw: t.Any) -> t.Any:
            return {"loaded": json.loads(data)}

    r, _ = body_request(b"[1]", content_type="application/json")
    r.json_module = Loader
    assert r.get_json() == {"loaded": [1]}


def test_on_json_loading_failed_can_be_overridden() -> None:
    class Lenient(Request):
        def on_json_loading_failed(self, e: Exception | None) -> t.Any:
            return {"error": "none" if e is None else type(e).__name__}

    environ = create_environ(method="POST", data=b"{", content_type="text/plain")
    assert Lenient(environ).get_json() == {"error": "none"}
    environ = create_environ(method="POST", data=b"{", content_type="application/json")
    assert Lenient(environ).get_json() == {"error": "JSONDecodeError"}


def test_json_over_max_content_length_is_413() -> None:
    r, _ = body_request(b'{"a": "' + b"x" * 100 + b'"}', content_type="application/json")
    r.max_content_length = 50
    with pytest.raises(RequestEntityTooLarge):
        r.get_json()


# -- construction helpers -----------------------------------------------------


def test_from_values() -> None:
    r = Request.from_values(
        "/p?x=1",
        base_url="https://ex.com/root/",
        method="PUT",
        headers={"X-A": "b"},
        data=b"body",
    )
    assert isinstance(r, Request)
    assert r.url == "https://ex.com/root/p?x=1"
    assert r.method == "PUT"
    assert r.headers["X-A"] == "b"
    assert r.args["x"] == "1"
    assert r.get_data() == b"body"


def test_from_values_json() -> None:
    r = Request.from_values(json={"k": [1, None]}, method="POST")
    assert r.get_json() == {"k": [1, None]}


def test_environ_builder_get_request() -> None:
    builder = EnvironBuilder("/x", query_string={"a": ["1", "2"]})
    r = Request(builder.get_environ())
    builder.close()
    assert r.args.getlist("a") == ["1", "2"]


def test_request_application_decorator() -> None:
    closed: list[bool] = []

    class Tracking(Request):
        def close(self) -> None:
            closed.append(True)
            super().close()

    @Tracking.application
    def app(request: Request) -> Response:
        if request.args.get("fail"):
            raise UnsupportedMediaType()
        return Response(f"{request.method} {request.path}", mimetype="text/plain")

    captured: list[str] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Any:
        captured.append(status)

    body = b"".join(app(create_environ("/hello", method="PATCH"), start_response))
    assert body == b"PATCH /hello"
    assert captured == ["200 OK"]
    assert closed == [True]

    body = b"".join(app(create_environ("/?fail=1"), start_response))
    assert captured[-1].startswith("415")
    assert b"Unsupported Media Type" in body
    assert closed == [True, True]


def test_request_application_closes_the_request_when_f_raises() -> None:
    closed: list[bool] = []

    class Tracking(Request):
        def close(self) -> None:
            closed.append(True)

    @Tracking.application
    def app(request: Request) -> Response:
        raise LookupError("boom")

    with pytest.raises(LookupError):
        app(create_environ(), lambda s, h, e=None: None)
    assert closed == [True]


def test_request_application_as_method() -> None:
    class Handler:
        @Request.application
        def __call__(self, request: Request) -> Response:
            return Response(type(self).__name__)

    statuses: list[str] = []
    body = Handler()(create_environ(), lambda s, h, e=None: statuses.append(s))
    assert b"".join(body) == b"Handler"
    assert statuses == ["200 OK"]


def test_repr_survives_a_bad_host() -> None:
    assert "GET" in repr(env_request(HTTP_HOST="a b"))
    assert "http://localhost/" in repr(Request(create_environ()))


def test_routing_defaults() -> None:
    r = Request(create_environ())
    assert r.url_rule is None
    assert r.view_args is None
    assert r.routing_exception is None
    assert r.endpoint is None
    assert r.blueprint is None
    assert r.blueprints == []
